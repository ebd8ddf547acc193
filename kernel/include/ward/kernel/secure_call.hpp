// The non-secure kernel's side of the secure services (CONFIG_WARD_TRUSTZONE_NS): how a thread's
// PSA call (psa_hash_compute, psa_its_set, ...) reaches the secure image.
//
// The PSA client libraries pack every call into a SecureCallMessage and call ward_psa_call(),
// which goes through the `psa_call` system call, so privileged and user threads take one path:
//   - a user thread's message and every vector in it are checked against its domain (readable
//     inputs, writable outputs) before anything is passed on: a vector it may not use gets
//     PSA_ERROR_INVALID_ARGUMENT, like every other bad argument of a PSA call;
//   - calls are serialised (one in flight; other threads wait on a priority-inheriting mutex),
//     because a preempted secure call keeps state on the secure stack;
//   - the secure side is told which thread calls (privileged threads share the kernel's
//     identity, user thread n is n + 1) and whether it is unprivileged, and derives the caller
//     identity that separates keys and storage itself.
// Without a secure image every call returns PSA_ERROR_NOT_SUPPORTED.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

#include "ward/kernel/error.hpp"

namespace ward {

// One vector, with the layout of psa_invec/psa_outvec: an address in the caller's memory and a
// length (the kernel never dereferences it before checking).
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

namespace kernel {

// PSA status codes the kernel itself returns (the values of psa/error.h).
inline constexpr std::int32_t kPsaErrorNotSupported = -134;
inline constexpr std::int32_t kPsaErrorInvalidArgument = -135;

// The non-secure thread number the secure side sees for privileged threads.
inline constexpr std::uint32_t kPrivilegedSecureClient = 0x100;

// The implementation of the `psa_call` system call; returns the PSA status as a 32-bit word.
Result<std::uint32_t> psa_call(std::span<SecureCallMessage> message);

}  // namespace kernel
}  // namespace ward
