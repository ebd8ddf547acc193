// The transport of the `psa_call` system call in a build without a secure image (firmware without
// CONFIG_WARD_TRUSTZONE_NS, and the host port's kernel): there is no secure service to reach.
// (The host tests reach the services in-process through secure/host instead.)
#include "ward/autoconf.h"

#if !defined(CONFIG_WARD_TRUSTZONE_NS)
#include "ward/kernel/secure_call.hpp"

std::int32_t ward::kernel::psa_transport(const SecureCallMessage&, const PsaCaller&) {
  return kPsaErrorNotSupported;
}
#endif
