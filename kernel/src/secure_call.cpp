// The non-secure kernel's gateway to the secure image (see ward/kernel/secure_call.hpp).
#include "ward/kernel/secure_call.hpp"

#include <array>
#include <cstring>

#include "ward/autoconf.h"
#include "ward/kernel/isolation_core.hpp"
#include "ward/kernel/mutex.hpp"
#include "ward/kernel/scheduler.hpp"
#include "ward/kernel/syscall.hpp"
#include "ward/syscalls.hpp"

#if defined(CONFIG_WARD_TRUSTZONE_NS)
#include "ward/secure/gateway.h"
static_assert(sizeof(ward::SecureCallVector) == sizeof(psa_invec) &&
              sizeof(ward::SecureCallVector) == sizeof(psa_outvec) &&
              offsetof(psa_invec, len) == offsetof(ward::SecureCallVector, len));
#endif

namespace ward::kernel {
namespace {

constexpr std::uint32_t kMaxVectors = 4;  // PSA_MAX_IOVEC
constexpr std::uint32_t status_word(std::int32_t s) { return static_cast<std::uint32_t>(s); }

#if defined(CONFIG_WARD_TRUSTZONE_NS)
// One secure call at a time (a preempted call keeps its state on the secure stack); waiting
// threads lend their priority to the one inside.
Mutex& secure_lock() {
  static constinit Mutex lock;
  return lock;
}
#endif

}  // namespace

Result<std::uint32_t> psa_call(std::span<SecureCallMessage> message) {
#if !defined(CONFIG_WARD_TRUSTZONE_NS)
  (void)message;
  return status_word(kPsaErrorNotSupported);
#else
  if (message.size() != 1) {
    return status_word(kPsaErrorInvalidArgument);
  }
  // The message lives in the caller's memory: copy it, then read only the copy.
  SecureCallMessage m;
  std::memcpy(&m, message.data(), sizeof m);
  if (m.in_len > kMaxVectors || m.out_len > kMaxVectors) {
    return status_word(kPsaErrorInvalidArgument);
  }
  const Thread* self = scheduler().current();
  const bool user = self != nullptr && self->is_user();
  // The vector arrays, copied too (a user thread's are checked against its domain first).
  std::array<psa_invec, kMaxVectors> in{};
  std::array<psa_outvec, kMaxVectors> out{};
  if (user) {
    const Caller caller = current_caller();
    if (m.in_len != 0) {
      auto array = caller.memory().check(UserSpan<const SecureCallVector>{m.in_vec, m.in_len});
      if (!array) {
        return status_word(kPsaErrorInvalidArgument);
      }
      std::memcpy(in.data(), array->data(), array->size_bytes());
    }
    if (m.out_len != 0) {
      auto array = caller.memory().check(UserSpan<SecureCallVector>{m.out_vec, m.out_len});
      if (!array) {
        return status_word(kPsaErrorInvalidArgument);
      }
      std::memcpy(out.data(), array->data(), array->size_bytes());
    }
    // Every vector: inputs readable, outputs writable by this thread.
    for (std::uint32_t i = 0; i < m.in_len; ++i) {
      const auto base = reinterpret_cast<std::uintptr_t>(in[i].base);
      if (in[i].len != 0 && !caller.memory().check(UserSpan<const std::byte>{base, in[i].len})) {
        return status_word(kPsaErrorInvalidArgument);
      }
    }
    for (std::uint32_t i = 0; i < m.out_len; ++i) {
      const auto base = reinterpret_cast<std::uintptr_t>(out[i].base);
      if (out[i].len != 0 && !caller.memory().check(UserSpan<std::byte>{base, out[i].len})) {
        return status_word(kPsaErrorInvalidArgument);
      }
    }
  } else {
    std::memcpy(in.data(), reinterpret_cast<const void*>(m.in_vec), m.in_len * sizeof(psa_invec));
    std::memcpy(out.data(), reinterpret_cast<const void*>(m.out_vec), m.out_len * sizeof(psa_outvec));
  }
  ward_spe_request request{m.service,
                           m.type,
                           user ? self->user_id() + 1u : kPrivilegedSecureClient,
                           user ? WARD_SPE_CALLER_UNPRIVILEGED : 0u,
                           in.data(),
                           m.in_len,
                           out.data(),
                           m.out_len};
  if (!secure_lock().lock(Timeout::forever())) {
    return status_word(kPsaErrorInvalidArgument);
  }
  const psa_status_t status = ward_spe_call(&request);
  (void)secure_lock().unlock();
  // The bytes written, back into the caller's vector array (checked writable above).
  auto* caller_out = reinterpret_cast<SecureCallVector*>(m.out_vec);
  for (std::uint32_t i = 0; i < m.out_len; ++i) {
    caller_out[i].len = out[i].len;
  }
  return status_word(status);
#endif
}

}  // namespace ward::kernel

#if defined(CONFIG_WARD_TRUSTZONE_NS)
// The transport of the PSA client libraries (ward/secure/call.h).
extern "C" psa_status_t ward_psa_call(std::uint32_t service, std::int32_t type, const psa_invec* in_vec,
                                      std::size_t in_len, psa_outvec* out_vec, std::size_t out_len) {
  using namespace ward;
  if (in_len > 4 || out_len > 4) {
    return kernel::kPsaErrorInvalidArgument;
  }
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
  return r ? static_cast<psa_status_t>(*r) : kernel::kPsaErrorInvalidArgument;
}
#endif
