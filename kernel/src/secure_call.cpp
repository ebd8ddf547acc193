// The `psa_call` system call (see ward/kernel/secure_call.hpp): the kernel's part only; the
// transport behind it comes from outside the kernel.
#include "ward/kernel/secure_call.hpp"

#include <cstring>

#include "ward/kernel/port.hpp"
#include "ward/kernel/scheduler.hpp"
#include "ward/kernel/syscall.hpp"

namespace ward::kernel {
namespace {
constexpr std::uint32_t status_word(std::int32_t s) { return static_cast<std::uint32_t>(s); }
}  // namespace

std::uint32_t secure_account_of(const Thread& t) { return t.is_user() ? t.user_id() + 1u : 0u; }

SecureCallsFor::SecureCallsFor(std::uint32_t user) : self_{scheduler().current()} {
  // Only the user threads' numbers (1 .. 32, Thread::user_id() + 1); anything else is no one's.
  if (self_ != nullptr && !self_->is_user()) {
    self_->secure_account_ = user >= 1 && user <= 32 ? static_cast<std::uint8_t>(user) : 0;
  }
}

SecureCallsFor::~SecureCallsFor() {
  if (self_ != nullptr && !self_->is_user()) {
    self_->secure_account_ = 0;
  }
}

Result<std::uint32_t> psa_call(std::span<SecureCallMessage> message) {
  // First, before anything that could block or name a thread: the running thread of a handler is
  // only the one it interrupted.
  if (arch::in_isr()) {
    return status_word(kPsaErrorBadState);
  }
  if (message.size() != 1) {
    return status_word(kPsaErrorInvalidArgument);
  }
  // The message lives in the caller's memory (checked by the system call's entry): copy it, then
  // read only the copy.
  SecureCallMessage m{};
  std::memcpy(&m, message.data(), sizeof m);
  const Thread* self = scheduler().current();
  if (self == nullptr || !self->is_user()) {
    return status_word(psa_transport(m, PsaCaller{kPrivilegedSecureClient, nullptr, self}));
  }
  const UserMemoryMap memory = current_caller().memory();
  return status_word(psa_transport(m, PsaCaller{self->user_id() + 1u, &memory, self}));
}

}  // namespace ward::kernel
