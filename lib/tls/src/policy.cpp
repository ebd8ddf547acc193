// The image's TLS policy (ward/tls/policy.hpp) from its Kconfig (lib/tls/Kconfig). Compiled into
// each image that links ward_tls (an interface source), so one lib/tls serves images whose policies
// differ.
#include "ward/tls/policy.hpp"

#include "ward/config.hpp"
#include "ward/kernel/scheduler.hpp"

namespace ward::tls {
namespace {

static_assert(config::tls_min_version == 12 || config::tls_min_version == 13,
              "CONFIG_WARD_TLS_MIN_VERSION: TLS 1.2 or 1.3, nothing older exists");

constexpr Policy kPolicy{
    .min_version = config::tls_min_version == 13 ? Version::tls1_3 : Version::tls1_2,
    .verify_peer = config::tls_verify_peer,
    .hostname_check = config::tls_hostname_check,
};

}  // namespace

const Policy& image_policy() { return kPolicy; }

}  // namespace ward::tls

// The running thread (null before the scheduler runs), for client.cpp's KeyScope: compiled here, in the
// image, against its configuration, as the kernel's headers need.
extern "C" const void* ward_tls_running_thread() { return ward::kernel::scheduler().current(); }
