// The `psa_call` system call: how a thread's PSA call (psa_hash_compute, psa_its_set, ...) leaves
// the kernel for the secure services.
//
// The PSA client libraries pack every call into a SecureCallMessage and call ward_psa_call(),
// which makes the `psa_call` system call, so privileged and user threads take one path. The kernel
// does only what is the kernel's to do:
//   - the message itself is checked against the caller's memory (the system call's UserSpan) and
//     copied; only the copy is passed on;
//   - it says who is calling: the thread's number for the secure side (privileged threads share
//     the kernel's, user thread n is n + 1) and, for a user thread, the memory its vectors must
//     lie in;
//   - a call from an interrupt handler is refused with PSA_ERROR_BAD_STATE, at once: a handler is
//     no thread, so no identity or memory is its to use, and it may not block.
// Everything else (the vectors, the limits, serialising the calls, reaching the secure image) is
// the transport's, which the build provides from outside the kernel: the TrustZone transport
// (secure/client/src/trustzone_transport.cpp) over the secure-call boundary, or, in a build
// without a secure image, one that answers PSA_ERROR_NOT_SUPPORTED
// (secure/client/src/no_secure_image.cpp).
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

#include "ward/kernel/error.hpp"
#include "ward/kernel/user_memory.hpp"

namespace ward {

// One vector, with the layout of psa_invec/psa_outvec: an address in the caller's memory and a
// length (the kernel never dereferences it).
struct SecureCallVector {
  std::uintptr_t base;
  std::size_t len;
};

struct SecureCallMessage {
  std::uint32_t service;
  std::int32_t type;
  std::uintptr_t in_vec;  // SecureCallVector[in_len]
  std::uint32_t in_len;
  std::uintptr_t out_vec;  // SecureCallVector[out_len]; each len becomes the bytes written
  std::uint32_t out_len;
};

class Thread;

namespace kernel {

// PSA status codes the kernel itself returns (PSA_ERROR_NOT_SUPPORTED, _INVALID_ARGUMENT, _BAD_STATE).
inline constexpr std::int32_t kPsaErrorNotSupported = -134;
inline constexpr std::int32_t kPsaErrorInvalidArgument = -135;
inline constexpr std::int32_t kPsaErrorBadState = -137;

// The non-secure thread number the secure side sees for privileged threads.
inline constexpr std::uint32_t kPrivilegedSecureClient = 0x100;

// Who makes a psa_call, as the kernel vouches for it.
struct PsaCaller {
  std::uint32_t client = 0;     // user thread n: n + 1; privileged threads: kPrivilegedSecureClient
  const UserMemoryMap* memory = nullptr;  // a user thread's memory, which every vector must lie in; null for a
                                // privileged thread (the kernel's own: not checked)
  // The calling thread. A user thread's granted secure services (Thread::secure_services) are read
  // by the transport right before the call goes to the secure side, not here: a revocation must
  // hold for a call that is still waiting for its turn. A privileged thread's secure_account()
  // (SecureCallsFor) says whose quota its call counts against.
  const Thread* thread = nullptr;
};

// While one lives, the calling privileged thread's secure calls are made for user thread `user`:
// what they create in the secure world (volatile keys, multi-part operations) is still the
// kernel's -- its key namespace, its handles -- but counts against `user`'s quota there, not the
// kernel's. For kernel work a user thread asked for and owns, like its TLS socket's session
// (lib/tls/src/sockets.cpp): without it, a user thread could spend the kernel's share, and the
// shared tables beyond its own, through its sockets. `user` is a user thread's secure client number
// (user id + 1), 0 for none. Not nested; ignored for a user thread, whose calls are always its own.
class [[nodiscard]] SecureCallsFor {
 public:
  explicit SecureCallsFor(std::uint32_t user);
  ~SecureCallsFor();
  SecureCallsFor(const SecureCallsFor&) = delete;
  SecureCallsFor& operator=(const SecureCallsFor&) = delete;

 private:
  Thread* self_;
};

// Thread `t`'s number for SecureCallsFor: a user thread's secure client number (user id + 1), 0 for
// a privileged thread (the kernel's own account).
std::uint32_t secure_account_of(const Thread& t);

// The implementation of the `psa_call` system call; returns the PSA status as a 32-bit word.
Result<std::uint32_t> psa_call(std::span<SecureCallMessage> message);

// The transport, provided by the build outside the kernel (see above). Called in thread mode only,
// with the kernel's copy of the message; it may block. Returns the PSA status.
std::int32_t psa_transport(const SecureCallMessage& message, const PsaCaller& caller);

}  // namespace kernel
}  // namespace ward
