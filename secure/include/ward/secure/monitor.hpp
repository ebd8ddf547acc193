// What privileged non-secure code may ask the secure image about itself, outside the PSA services:
// the secure stacks' high-water marks and the last non-secure security violation (TrustZone build).
//
// Thread code must use these, not the veneers (ward/secure/gateway.h): they take the kernel's
// secure-call lock, as every PSA call does, so that one thread at a time is inside the secure
// image. A thread preempted there is parked on the secure side, which keeps one parked thread; a
// privileged thread that calls a veneer itself while another is parked is stopped (a fault report
// of kind secure_entry). Handlers cannot be switched out, and call the veneers directly.
#ifndef WARD_SECURE_MONITOR_HPP
#define WARD_SECURE_MONITOR_HPP

#include "ward/secure/gateway.h"

namespace ward::secure {

// Each returns true with *out filled, false when refused (an unprivileged or handler caller).
bool stack_report(ward_spe_stacks& out);
bool last_fault(ward_spe_fault& out);

}  // namespace ward::secure

#endif  // WARD_SECURE_MONITOR_HPP
