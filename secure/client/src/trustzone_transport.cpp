// The non-secure side of the TrustZone transport (CONFIG_WARD_TRUSTZONE_NS): the kernel's
// psa_call system call reaches the secure image through here, and ward_psa_call, the PSA client
// libraries' transport (ward/secure/call.h), makes that system call.
//
// psa_transport is a thin adapter over the secure-call boundary (ward/secure/boundary/call.hpp):
//   - a user thread's vector arrays and vectors are checked against its memory (DomainMemory);
//     a privileged thread's only for their shape (TrustedMemory): it is the kernel;
//   - the checked copies of the arrays are relayed to the veneer, which checks everything again
//     (TT) and copies the data into secure memory; the bytes written go back to the caller;
//   - one call at a time: a preempted secure call keeps its state on the secure stack, so the
//     others wait on a mutex and lend their priority to the thread inside;
//   - the secure side is told which thread calls and whether it is unprivileged, and derives the
//     identity that separates keys and storage itself; for a privileged call made for a user
//     thread (kernel::SecureCallsFor), also that thread, whose quota the call counts against.
// Part of every image's core (a ward_component), so that it is compiled for the image's
// configuration; without CONFIG_WARD_TRUSTZONE_NS it is empty (no_secure_image.cpp answers).
#include "ward/autoconf.h"

#if defined(CONFIG_WARD_TRUSTZONE_NS)
#include <psa/client.h>

#include <cstddef>

#include "ward/kernel/mutex.hpp"
#include "ward/kernel/secure_call.hpp"
#include "ward/kernel/thread.hpp"
#include "ward/secure/boundary/call.hpp"
#include "ward/secure/boundary/domain_memory.hpp"
#include "ward/secure/boundary/trusted_memory.hpp"
#include "ward/secure/call.h"
#include "ward/secure/gateway.h"
#include "ward/secure/monitor.hpp"
#include "ward/syscalls.hpp"

static_assert(sizeof(ward::SecureCallVector) == sizeof(psa_invec) &&
              sizeof(ward::SecureCallVector) == sizeof(psa_outvec) &&
              offsetof(psa_invec, len) == offsetof(ward::SecureCallVector, len) &&
              offsetof(psa_outvec, len) == offsetof(ward::SecureCallVector, len));
static_assert(sizeof(std::size_t) == sizeof(std::uint32_t), "vector counts travel as 32-bit words");
// The thread numbers the secure side accepts as client identities (gateway.h).
static_assert(ward::kernel::kPrivilegedSecureClient == WARD_SPE_KERNEL_THREAD);
#if defined(CONFIG_WARD_MAX_USER_THREADS)
static_assert(CONFIG_WARD_MAX_USER_THREADS <= WARD_SPE_USER_THREADS);
#endif

namespace ward::secure::client {
namespace {

// One secure call at a time; waiting threads lend their priority to the one inside.
Mutex& secure_lock() {
  static constinit Mutex lock;
  return lock;
}

// Holds the secure lock for a scope (waiting for it as long as it takes).
class [[nodiscard]] SecureLockHeld {
 public:
  SecureLockHeld() : held_{secure_lock().lock(Timeout::forever()).has_value()} {}
  SecureLockHeld(const SecureLockHeld&) = delete;
  SecureLockHeld& operator=(const SecureLockHeld&) = delete;
  ~SecureLockHeld() {
    if (held_) {
      (void)secure_lock().unlock();
    }
  }
  bool held() const { return held_; }

 private:
  bool held_;
};

// ward_spe_call, keeping the calling thread's FPU registers. s0-s15 and FPSCR are caller-saved in
// the AAPCS, and the veneer's return clears them (the secure side leaves none of its values
// behind); but a system call gives a user thread back its FPU registers as they were, and a user
// thread's live FPU context is active in the kernel for its call (CONTROL.FPCA).
[[gnu::naked]] psa_status_t call_veneer_keeping_fpu(ward_spe_request* /*request*/) {
  asm volatile(
      "push {r4, lr}\n"
      "mrs r4, control\n"
      "tst r4, #4\n"             // FPCA: an FPU context to keep
      "beq 1f\n"
      "vpush {s0-s15}\n"
      "vmrs r4, fpscr\n"
      "bl ward_spe_call\n"
      "vmsr fpscr, r4\n"
      "vpop {s0-s15}\n"
      "pop {r4, pc}\n"
      "1:\n"
      "bl ward_spe_call\n"
      "pop {r4, pc}\n");
}

// Crypto and storage keep every client's keys and entries apart on the secure side; Firmware
// Update changes what the whole device runs, so a user thread needs its grant
// (ward::grant_secure_service). Read from the thread each time: checked once before the call
// waits for the secure side (an ungranted thread does not queue) and again when it is its turn,
// right before the veneer, so that a revocation holds for a call that was waiting meanwhile.
bool permitted(const SecureCallMessage& m, const kernel::PsaCaller& caller) {
  if (caller.memory == nullptr) {
    return true;  // a privileged thread: the kernel
  }
  if (m.service != WARD_SERVICE_FWU) {
    return true;
  }
  return caller.thread != nullptr && (caller.thread->secure_services() & (1u << WARD_SERVICE_FWU)) != 0;
}

// A privileged caller's call made for a user thread (kernel::SecureCallsFor): that thread's number
// in the request's flags, whose quota the secure side counts the call against.
std::uint32_t account_flags(const kernel::PsaCaller& caller) {
  const std::uint32_t account = caller.thread != nullptr ? caller.thread->secure_account() : 0u;
  return (account << WARD_SPE_ACCOUNT_SHIFT) & WARD_SPE_ACCOUNT_MASK;
}

template <boundary::MemoryPolicy Policy>
psa_status_t relay_to_veneer(const SecureCallMessage& m, const kernel::PsaCaller& caller, const Policy& policy) {
  auto call = boundary::check({reinterpret_cast<const psa_invec*>(m.in_vec), m.in_len,
                               reinterpret_cast<psa_outvec*>(m.out_vec), m.out_len},
                              policy);
  if (!call) {
    return boundary::client_status(call.error());
  }
  return boundary::relay(*call, [&](const psa_invec* in, std::size_t in_len, psa_outvec* out, std::size_t out_len) {
    ward_spe_request request{m.service,
                             m.type,
                             caller.client,
                             caller.memory != nullptr ? WARD_SPE_CALLER_UNPRIVILEGED : account_flags(caller),
                             in,
                             static_cast<std::uint32_t>(in_len),
                             out,
                             static_cast<std::uint32_t>(out_len)};
    // The kernel calls the transport in thread mode only, where waiting cannot fail; if it ever
    // did, nothing was sent.
    const SecureLockHeld lock;
    if (!lock.held()) {
      return PSA_ERROR_BAD_STATE;
    }
    if (!permitted(m, caller)) {
      return PSA_ERROR_NOT_PERMITTED;  // revoked while the call waited
    }
    // Inside the secure image the call cannot be cut short: its state there would stay behind,
    // half changed. An abort meanwhile ends the thread when the call is back.
    const kernel::AbortDeferral deferral;
    return call_veneer_keeping_fpu(&request);
  });
}

// A user thread that ends leaves its state on the secure side (multi-part operations, volatile
// keys) to be released; a restarted one starts afresh. Privileged threads share one identity.
void release_secure_state(Thread& t) {
  if (t.is_user()) {
    (void)ward_spe_client_ended(t.user_id() + 1u);
  }
}
[[maybe_unused]] const struct InstallThreadEndHook {
  InstallThreadEndHook() { kernel::thread_end_hook = &release_secure_state; }
} install_thread_end_hook;

// A veneer other than ward_spe_call, from privileged thread code, under the secure lock.
template <typename Veneer>
bool call_locked(Veneer veneer) {
  if (arch::in_isr() || !arch::privileged()) {
    return false;
  }
  const SecureLockHeld lock;
  return lock.held() && veneer() == 0;
}

}  // namespace
}  // namespace ward::secure::client

bool ward::secure::stack_report(ward_spe_stacks& out) {
  return client::call_locked([&] { return ward_spe_stack_report(&out); });
}

bool ward::secure::last_fault(ward_spe_fault& out) {
  return client::call_locked([&] { return ward_spe_last_fault(&out); });
}

std::int32_t ward::kernel::psa_transport(const SecureCallMessage& message, const PsaCaller& caller) {
  using namespace ward::secure;
  // Refused here, before the secure side hears of it (and again under the secure lock).
  if (!client::permitted(message, caller)) {
    return PSA_ERROR_NOT_PERMITTED;
  }
  if (caller.memory != nullptr) {
    return client::relay_to_veneer(message, caller, boundary::DomainMemory{*caller.memory});
  }
  return client::relay_to_veneer(message, caller, boundary::TrustedMemory{});
}

// The transport of the PSA client libraries (ward/secure/call.h): the psa_call system call.
extern "C" psa_status_t ward_psa_call(std::uint32_t service, std::int32_t type, const psa_invec* in_vec,
                                      std::size_t in_len, psa_outvec* out_vec, std::size_t out_len) {
  using namespace ward;
  SecureCallMessage m{service,
                      type,
                      reinterpret_cast<std::uintptr_t>(in_vec),
                      static_cast<std::uint32_t>(in_len),
                      reinterpret_cast<std::uintptr_t>(out_vec),
                      static_cast<std::uint32_t>(out_len)};
#if defined(CONFIG_WARD_USERSPACE)
  auto r = sys::psa_call(UserSpan<SecureCallMessage>{reinterpret_cast<std::uintptr_t>(&m), 1});
#else
  auto r = kernel::psa_call(std::span{&m, 1});
#endif
  return r ? static_cast<psa_status_t>(*r) : PSA_ERROR_INVALID_ARGUMENT;
}

#endif  // CONFIG_WARD_TRUSTZONE_NS
