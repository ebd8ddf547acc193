// The veneers: the secure image's only entry points from the non-secure world (secure.ld puts
// their SG stubs in the one NSC window the SAU allows).
//
// Everything the non-secure side hands over is attacker data until checked:
//   1. the request block itself is checked (TT: non-secure, readable by the caller, whole range)
//      and copied into secure memory; from then on only the copy is read, so the caller cannot
//      change a field after it was checked;
//   2. the vector arrays are checked and copied the same way, and their counts bounded;
//   3. every input vector is checked and copied into the secure input buffer, every output vector
//      is checked writable; lengths are added with overflow checks and bounded by the buffers;
//   4. the service runs on the secure copies only;
//   5. the bytes it wrote are copied out, the written lengths reported, and both buffers wiped.
// Calls from user threads are also checked against the unprivileged view of the non-secure MPU
// (the non-secure kernel has already checked them against the thread's domain: a second opinion
// that does not trust the kernel's checks).
#include <arm_cmse.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstring>
#include <span>

#include "ward/secure/call.h"
#include "ward/secure/dispatch.hpp"
#include "ward/secure/gateway.h"
#include "ward/secure/identity.hpp"

namespace ward::secure {
extern ward_spe_fault last_ns_fault;  // startup.cpp

namespace {

// How much one call may carry each way (docs/secure-world.md: clients chunk larger data).
constexpr std::size_t kMaxInput = 4096;
constexpr std::size_t kMaxOutput = 4096;

alignas(8) std::array<std::byte, kMaxInput> input_buffer;
alignas(8) std::array<std::byte, kMaxOutput> output_buffer;
// One call at a time. The non-secure kernel serialises calls; this catches a kernel that does not
// (a second entry while the first is preempted would share the buffers).
std::atomic_flag busy = ATOMIC_FLAG_INIT;

// The TT-based check: the whole range non-secure and accessible to the caller as asked. A
// zero-length range needs no memory and is accepted with any address (it is never dereferenced).
template <class T>
T* checked(T* p, std::size_t size, int access, bool unprivileged) {
  if (size == 0) {
    return p;
  }
  int flags = CMSE_NONSECURE | access;
  if (unprivileged) {
    flags |= CMSE_MPU_UNPRIV;
  }
  return static_cast<T*>(cmse_check_address_range(const_cast<std::remove_const_t<T>*>(p), size, flags));
}

void wipe(std::span<std::byte> b) {
  // volatile stores: the compiler may not drop the clearing of a buffer it never reads again.
  auto* v = reinterpret_cast<volatile std::byte*>(b.data());
  for (std::size_t i = 0; i < b.size(); ++i) {
    v[i] = std::byte{0};
  }
}

// Wipes the used part of both buffers whatever way a call ends (they may hold the caller's
// secrets).
struct WipeOnExit {
  const std::size_t& in_used;
  const std::size_t& out_used;
  ~WipeOnExit() {
    wipe({input_buffer.data(), in_used});
    wipe({output_buffer.data(), out_used});
  }
};

psa_status_t call(const ward_spe_request* ns_request) {
  std::size_t in_used = 0;
  std::size_t out_used = 0;
  const WipeOnExit wipe_on_exit{in_used, out_used};
  // 1. The request.
  const auto* req_ptr = checked(ns_request, sizeof *ns_request, CMSE_MPU_READ, false);
  if (req_ptr == nullptr) {
    return PSA_ERROR_INVALID_ARGUMENT;
  }
  ward_spe_request req;
  std::memcpy(&req, req_ptr, sizeof req);
  const bool unpriv = (req.flags & WARD_SPE_CALLER_UNPRIVILEGED) != 0;
  if ((req.flags & ~WARD_SPE_CALLER_UNPRIVILEGED) != 0 || req.ns_thread == 0 ||
      req.in_len > PSA_MAX_IOVEC || req.out_len > PSA_MAX_IOVEC) {
    return PSA_ERROR_INVALID_ARGUMENT;
  }
  // 2. The vector arrays.
  std::array<psa_invec, PSA_MAX_IOVEC> in_vec{};
  std::array<psa_outvec, PSA_MAX_IOVEC> out_vec{};
  // The vector arrays are the non-secure kernel's own copies (on the calling thread's kernel stack,
  // which only privileged code may touch); the vectors they list are the thread's memory.
  const auto* ns_in = checked(req.in_vec, req.in_len * sizeof(psa_invec), CMSE_MPU_READ, false);
  auto* ns_out = checked(req.out_vec, req.out_len * sizeof(psa_outvec), CMSE_MPU_READWRITE, false);
  if ((req.in_len != 0 && ns_in == nullptr) || (req.out_len != 0 && ns_out == nullptr)) {
    return PSA_ERROR_INVALID_ARGUMENT;
  }
  if (req.in_len != 0) {
    std::memcpy(in_vec.data(), ns_in, req.in_len * sizeof(psa_invec));
  }
  if (req.out_len != 0) {
    std::memcpy(out_vec.data(), ns_out, req.out_len * sizeof(psa_outvec));
  }
  // 3. The vectors: bounded, checked, inputs copied in.
  std::array<std::span<const std::byte>, PSA_MAX_IOVEC> in{};
  std::array<std::span<std::byte>, PSA_MAX_IOVEC> out{};
  std::array<std::size_t, PSA_MAX_IOVEC> written{};
  for (std::uint32_t i = 0; i < req.in_len; ++i) {
    const std::size_t len = in_vec[i].len;
    if (len > kMaxInput - in_used) {  // no overflow: in_used <= kMaxInput
      return PSA_ERROR_INVALID_ARGUMENT;
    }
    if (len == 0) {
      continue;  // an empty vector (often with a null base): nothing to check, read or copy
    }
    const auto* src = checked(static_cast<const std::byte*>(in_vec[i].base), len, CMSE_MPU_READ, unpriv);
    if (src == nullptr) {
      return PSA_ERROR_INVALID_ARGUMENT;
    }
    std::memcpy(input_buffer.data() + in_used, src, len);
    in[i] = {input_buffer.data() + in_used, len};
    in_used += len;
  }
  for (std::uint32_t i = 0; i < req.out_len; ++i) {
    const std::size_t len = out_vec[i].len;
    if (len > kMaxOutput - out_used) {
      return PSA_ERROR_INVALID_ARGUMENT;
    }
    if (len != 0 && checked(static_cast<std::byte*>(out_vec[i].base), len, CMSE_MPU_READWRITE, unpriv) == nullptr) {
      return PSA_ERROR_INVALID_ARGUMENT;
    }
    out[i] = {output_buffer.data() + out_used, len};
    out_used += len;
  }
  // 4. The service, on secure copies only, as the caller the secure side derived.
  const psa_status_t status =
      dispatch(nonsecure_client(req.ns_thread), req.service, req.type,
               std::span{in.data(), req.in_len}, std::span{out.data(), req.out_len},
               std::span{written.data(), req.out_len});
  // 5. Results out (only what the service says it wrote, never more than the vector holds).
  for (std::uint32_t i = 0; i < req.out_len; ++i) {
    const std::size_t n = std::min(written[i], out[i].size());
    if (n != 0) {
      std::memcpy(out_vec[i].base, out[i].data(), n);
    }
    ns_out[i].len = n;
  }
  return status;
}

// Only the non-secure kernel may call: privileged thread mode (CONTROL_NS.nPRIV = 0) or a
// handler. The non-secure MPU cannot keep user threads away from the veneers (the SG fetch is
// checked by the secure MPU, the veneers being secure memory), so the secure side refuses them.
bool caller_is_privileged() {
  std::uint32_t control_ns;
  std::uint32_t ipsr;
  asm volatile("mrs %0, control_ns" : "=r"(control_ns));
  asm volatile("mrs %0, ipsr" : "=r"(ipsr));
  return (ipsr & 0x1ffu) != 0 || (control_ns & 1u) == 0;
}

}  // namespace
}  // namespace ward::secure

extern "C" __attribute__((cmse_nonsecure_entry)) psa_status_t ward_spe_call(ward_spe_request* request) {
  using namespace ward::secure;
  if (!caller_is_privileged()) {
    return PSA_ERROR_NOT_PERMITTED;
  }
  if (busy.test_and_set(std::memory_order_acquire)) {
    return PSA_ERROR_CONNECTION_BUSY;
  }
  const psa_status_t status = call(request);
  busy.clear(std::memory_order_release);
  return status;
}

extern "C" __attribute__((cmse_nonsecure_entry)) int32_t ward_spe_last_fault(ward_spe_fault* out) {
  if (!ward::secure::caller_is_privileged()) {
    return -1;
  }
  auto* p = static_cast<ward_spe_fault*>(
      cmse_check_address_range(out, sizeof *out, CMSE_NONSECURE | CMSE_MPU_READWRITE));
  if (p == nullptr) {
    return -1;
  }
  *p = ward::secure::last_ns_fault;
  return 0;
}
