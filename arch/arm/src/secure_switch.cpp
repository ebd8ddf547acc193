// The non-secure kernel's half of the secure stacks (TrustZone build; the secure half and the why
// are in secure/firmware/stacks.cpp). The context switch (PendSV) calls these when the thread it
// leaves, or the one it resumes, is inside the secure image (EXC_RETURN.S):
//   - a privileged thread inside the secure image is inside a call the kernel made (psa_call): the
//     secure side parks it, and unparks it when the switch comes back to it. The kernel makes one
//     call at a time (the transport's lock), so at most one thread is parked; a privileged thread
//     that called a veneer itself, bypassing the lock (ward/secure/monitor.hpp is the way), while
//     another is parked is refused the park and stopped like an unprivileged one;
//   - an unprivileged thread inside the secure image called a veneer itself, which it may not (the
//     gateway refuses it, but it can be preempted before): it is stopped with a report, and the
//     secure side discards what it left on its landing. So is a thread a handler already stopped
//     while it was inside (the switch then has no thread to save).
// The secure side refuses anything that would mix two threads' secure frames; the kernel cannot
// go on if it does (its own bookkeeping is then wrong), so that is a panic.
#include "ward/autoconf.h"

#if defined(CONFIG_WARD_TRUSTZONE_NS)
#include <cstdint>

#include "ward/config.hpp"
#include "ward/kernel/isolation_core.hpp"
#include "ward/kernel/lock.hpp"
#include "ward/kernel/scheduler.hpp"
#include "ward/panic.hpp"
#include "ward/secure/gateway.h"

// How often each happened since boot (tests read them: a stress test shows it really preempted
// threads inside the secure image).
extern "C" {
std::uint32_t ward_secure_parks = 0;
std::uint32_t ward_secure_discards = 0;
}

namespace {
std::uint32_t token(const ward::Thread* t) { return static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(t)); }
}  // namespace

// Returns the thread the switch is to save, or null when it was stopped.
extern "C" [[gnu::used]] ward::Thread* ward_secure_switch_out(ward::Thread* t, std::uint32_t control) {
  using namespace ward;
  if (t != nullptr && (control & 1u) == 0 && ward_spe_park(token(t)) == 0) {
    ++ward_secure_parks;
    return t;
  }
  if (ward_spe_discard() != 0) {
    panic("the secure image refused to discard a thread's secure frames");
  }
  ++ward_secure_discards;
  if (t != nullptr) {
    if constexpr (config::userspace) {
      FaultReport r;
      r.kind = FaultKind::secure_entry;
      kernel::KernelLock lock;
      kernel::Isolation::contain(*t, r);
    } else {
      // Without user mode every thread is kernel code, and there is no containment: one that
      // called a veneer itself, bypassing the lock, while another was parked is a kernel bug.
      panic("a thread entered the secure image beside a parked secure call");
    }
  }
  return nullptr;
}

extern "C" [[gnu::used]] void ward_secure_switch_in(ward::Thread* t) {
  if (ward_spe_unpark(token(t)) != 0) {
    ward::panic("the secure image refused to resume a thread");
  }
}

#endif  // CONFIG_WARD_TRUSTZONE_NS
