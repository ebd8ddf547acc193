// Mbed TLS's platform for the TLS client (lib/tls): its heap, its clocks and the end of the road.
//
// Compiled once per preset with the TLS configuration (lib/tls/config), so it includes no per-image
// header: time comes from lwIP's sys_now() (the kernel clock, through lwIP's port).
#include <atomic>
#include <cstdint>
#include <cstring>
#include <ctime>

#include <psa/crypto.h>

#include "mbedtls/memory_buffer_alloc.h"
#include "mbedtls/platform.h"
#include "mbedtls/platform_time.h"
#include "mbedtls/platform_util.h"
#include "ward/board.hpp"
#include "ward/exit_status.hpp"
#include "ward/print.hpp"
#include "ward/tls/calendar.hpp"
#include "ward/tls/client.hpp"

extern "C" {
#include "lwip/sys.h"
}

#include "platform.hpp"

namespace ward::tls {
namespace {

// One connection's worst case: the 16 KiB input record buffer (a peer's default), the 4 KiB output
// one, the handshake (transcript hashes are handles: the state is in the secure world), and the
// peer's parsed chain. docs/networking.md has the measured peak.
constexpr std::size_t kHeapSize = 32 * 1024;
alignas(8) unsigned char heap[kHeapSize];

// The calendar: seconds since 1970 at lwIP's millisecond clock reading `base_ms`.
// 32-bit words (the Cortex-M33 has no 64-bit atomics): seconds fit until 2106.
std::atomic<std::uint32_t> base_seconds{0};
std::atomic<std::uint32_t> base_ms{0};
std::atomic<bool> time_known{false};

mbedtls_time_t calendar_now(mbedtls_time_t* out) {
  const std::int64_t now = !time_known.load() ? 0
                                              : static_cast<std::int64_t>(base_seconds.load()) +
                                                    static_cast<std::int64_t>((sys_now() - base_ms.load()) / 1000);
  if (out != nullptr) {
    *out = static_cast<mbedtls_time_t>(now);
  }
  return static_cast<mbedtls_time_t>(now);
}

bool initialised = false;

}  // namespace

void set_time(std::int64_t unix_seconds) {
  base_ms.store(sys_now());
  base_seconds.store(unix_seconds < 0 ? 0u : static_cast<std::uint32_t>(unix_seconds));
  time_known.store(true);
}

bool has_time() { return time_known.load(); }

std::int64_t time_now() { return static_cast<std::int64_t>(calendar_now(nullptr)); }

bool platform_init() {
  if (initialised) {
    return true;
  }
  mbedtls_memory_buffer_alloc_init(heap, sizeof heap);
  if (mbedtls_platform_set_time(&calendar_now) != 0) {
    return false;
  }
  initialised = true;
  return true;
}

bool platform_ready() { return initialised; }

// The allocator starts from a zeroed buffer and hands out blocks from its low end; the highest
// byte ever written is a close lower bound of the peak extent (a block whose last bytes stayed
// zero is missed). A figure, not a check.
std::size_t heap_peak() {
  for (std::size_t i = sizeof heap; i > 0; --i) {
    if (heap[i - 1] != 0) {
      return i;
    }
  }
  return 0;
}

std::size_t heap_size() { return kHeapSize; }

}  // namespace ward::tls

extern "C" {

// MBEDTLS_PLATFORM_GMTIME_R_ALT: x509.c turns the calendar time into fields to compare validity
// periods with. No time zone: UTC.
struct tm* mbedtls_platform_gmtime_r(const mbedtls_time_t* tt, struct tm* tm_buf) {
  if (tt == nullptr || tm_buf == nullptr) {
    return nullptr;
  }
  const auto c = ward::tls::civil_from_unix(static_cast<std::int64_t>(*tt));
  std::memset(tm_buf, 0, sizeof *tm_buf);
  tm_buf->tm_year = c.year - 1900;
  tm_buf->tm_mon = c.month - 1;
  tm_buf->tm_mday = c.day;
  tm_buf->tm_hour = c.hour;
  tm_buf->tm_min = c.minute;
  tm_buf->tm_sec = c.second;
  return tm_buf;
}

// Mbed TLS's message digests ask the PSA core whether it is ready for a hash (md.c); here the core
// is the secure world, ready once ward::tls::init() ran psa_crypto_init(), and it implements every
// hash the configuration names. Before init() no TLS code runs.
int psa_can_do_hash(psa_algorithm_t /*hash_alg*/) { return ward::tls::platform_ready() ? 1 : 0; }

// MBEDTLS_PLATFORM_MS_TIME_ALT: a millisecond clock for Mbed TLS's timers.
mbedtls_ms_time_t mbedtls_ms_time(void) { return static_cast<mbedtls_ms_time_t>(sys_now()); }

// MBEDTLS_PLATFORM_EXIT_MACRO: the buffer allocator found its heap corrupted (an overflow in Mbed
// TLS or a caller). Nothing can be trusted any more: stop like a kernel panic.
void ward_mbedtls_exit(int status) {
  ward::print("*** KERNEL PANIC: the TLS heap is corrupted (mbedtls_exit(", status, "))\n");
  ward::board::exit(static_cast<int>(ward::ExitStatus::panic));
}

}  // extern "C"
