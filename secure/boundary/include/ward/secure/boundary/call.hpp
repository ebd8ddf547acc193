// The secure-call boundary: the one implementation of what happens to a call on its way into the
// secure services (docs/secure-world.md, "The boundary"). Every transport is a thin adapter over
// it, with the memory policy that fits where it runs:
//   - the NSC veneer (secure/firmware/gateway.cpp): TrustZoneMemory, the TT instruction;
//   - the non-secure kernel's psa_call transport (secure/client/src/trustzone_transport.cpp):
//     DomainMemory for user threads, TrustedMemory for privileged ones; it relays to the veneer;
//   - the host transport (secure/host/src/transport.cpp) and the host tests' transports:
//     TrustedMemory.
// So the host tests, the Wycheproof vectors and the fuzz target run the checks, the limits and the
// copying that the secure image runs.
//
// check() refuses the whole call, before anything runs, when:
//   1. it has more than PSA_MAX_IOVEC vectors either way, or a null array or base with a length;
//   2. the policy does not let the caller read its input array or write its output array. Both
//      arrays are then copied, and only the copies are read: the caller cannot change a base or a
//      length once it was checked;
//   3. the inputs together exceed WARD_PSA_CALL_MAX_IN (added without overflow: each length is
//      compared with what is left), or the policy does not let the caller read one of them;
//   4. the policy does not let the caller write one of its outputs (the whole range it declared).
// Outputs are never refused for their size. The capacity a service sees is clamped, in order, to
// what one call carries back (WARD_PSA_CALL_MAX_OUT together): a larger buffer is fine as long as
// the result fits (ward/secure/call_limits.h). A range of length 0 is never checked nor read, so
// a null base with length 0 ("no data") is fine.
//
// Then either serve(): the inputs are copied into the callee's buffer, the service runs on the
// copies, the bytes it reports written are copied out and the lengths written back, and both
// buffers are wiped whatever way the call ends; or relay(): the checked copies go to the next
// boundary (which checks again), and the lengths it reports go back to the caller, never more than
// each vector holds.
//
// Header-only: each adapter compiles it with its own policy (the TrustZone one exists only in the
// secure image), and it is the same code in all of them.
#pragma once
#include <psa/client.h>

#include <algorithm>
#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <expected>
#include <optional>
#include <span>
#include <ward/secure/call_limits.h>

namespace ward::secure::boundary {

inline constexpr std::size_t kMaxVectors = PSA_MAX_IOVEC;
inline constexpr std::size_t kMaxIn = WARD_PSA_CALL_MAX_IN;
inline constexpr std::size_t kMaxOut = WARD_PSA_CALL_MAX_OUT;

// Why check() refused a call. Each is a distinct attack in the tests.
enum class Refusal : std::uint8_t {
  too_many_vectors = 1,  // more than PSA_MAX_IOVEC inputs or outputs
  null_with_length,      // a null vector array with a count, or a null base with a length
  array_refused,         // the policy refused a vector array (or its range wraps around)
  input_refused,         // the policy refused an input vector (or its range wraps around)
  output_refused,        // the policy refused an output vector (or its range wraps around)
  input_too_large,       // the inputs together exceed WARD_PSA_CALL_MAX_IN
};

// What a client is told (ward_psa_call, on the host and on target alike): a malformed call is the
// calling code's bug (PSA_ERROR_PROGRAMMER_ERROR, as the Firmware Framework's psa_call has it);
// memory the caller may not use, or more data than a call carries, is a bad argument.
constexpr psa_status_t client_status(Refusal r) {
  return r == Refusal::too_many_vectors || r == Refusal::null_with_length ? PSA_ERROR_PROGRAMMER_ERROR
                                                                          : PSA_ERROR_INVALID_ARGUMENT;
}

// A memory policy: whether the caller may read / write a range, as the place the boundary runs
// can tell. Returns the address to use, or null to refuse. Called only for non-null ranges of at
// least one byte that do not wrap around the address space.
template <class P>
concept MemoryPolicy = requires(const P& p, const void* r, void* w, std::size_t n) {
  { p.readable(r, n) } -> std::convertible_to<const void*>;
  { p.writable(w, n) } -> std::convertible_to<void*>;
};

// A call as its caller made it: the vector arrays are in the caller's memory, unchecked.
struct Request {
  const psa_invec* in_vec;
  std::size_t in_len;
  psa_outvec* out_vec;
  std::size_t out_len;
};

// A call that passed check(): the boundary's own copies of the vector arrays. The bases still
// point into the caller's memory, each range approved by the policy for its direction.
struct CheckedCall {
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-member-init): check() fills the arrays up to their counts
  CheckedCall() {}  // (not "= default", which would zero the arrays)
  std::array<psa_invec, kMaxVectors> in;
  std::size_t in_len = 0;
  std::array<psa_outvec, kMaxVectors> out;  // the lengths as the caller declared them
  std::size_t out_len = 0;
  std::byte* caller_out = nullptr;  // the caller's output array (approved writable): lengths go back here
};

// The callee's side of serve(): its copy of the inputs and the room its service writes into.
struct Buffers {
  alignas(8) std::array<std::byte, kMaxIn> in;
  alignas(8) std::array<std::byte, kMaxOut> out;
};

namespace detail {

inline bool wraps(const void* p, std::size_t n) {
  return n > UINTPTR_MAX - reinterpret_cast<std::uintptr_t>(p);
}

// Writes the length of output vector i into the caller's array, byte for byte (the array need not
// be aligned: it was only ever checked as bytes).
inline void put_length(std::byte* array, std::size_t i, std::size_t length) {
  std::memcpy(array + i * sizeof(psa_outvec) + offsetof(psa_outvec, len), &length, sizeof length);
}

inline void wipe(std::span<std::byte> b) {
  // volatile stores: the compiler may not drop the clearing of a buffer it never reads again.
  auto* v = reinterpret_cast<volatile std::byte*>(b.data());
  for (std::size_t i = 0; i < b.size(); ++i) {
    v[i] = std::byte{0};
  }
}

// Wipes what a call used of the buffers, on every way out (they may hold the caller's secrets).
class WipeOnExit {
 public:
  explicit WipeOnExit(Buffers& b) : buffers_{b} {}
  WipeOnExit(const WipeOnExit&) = delete;
  WipeOnExit& operator=(const WipeOnExit&) = delete;
  ~WipeOnExit() {
    wipe({buffers_.in.data(), in_used});
    wipe({buffers_.out.data(), out_used});
  }
  std::size_t in_used = 0;
  std::size_t out_used = 0;

 private:
  Buffers& buffers_;
};

}  // namespace detail

// A range of n >= 1 bytes through the component's own rules (not null, no wrap-around), then the
// policy: the address to use, or null. For adapters that check a block of their own (the veneer's
// request block) the way check() checks vectors.
template <MemoryPolicy Policy>
const void* approve_read(const Policy& policy, const void* p, std::size_t n) {
  return p == nullptr || detail::wraps(p, n) ? nullptr : policy.readable(p, n);
}
template <MemoryPolicy Policy>
void* approve_write(const Policy& policy, void* p, std::size_t n) {
  return p == nullptr || detail::wraps(p, n) ? nullptr : policy.writable(p, n);
}

namespace detail {

// Steps 1-4 into `call`; the reason if the call is refused.
template <MemoryPolicy ArrayPolicy, MemoryPolicy Policy>
std::optional<Refusal> check_into(CheckedCall& call, const Request& request, const ArrayPolicy& arrays,
                                  const Policy& policy) {
  if (request.in_len > kMaxVectors || request.out_len > kMaxVectors) {
    return Refusal::too_many_vectors;
  }
  if ((request.in_len != 0 && request.in_vec == nullptr) || (request.out_len != 0 && request.out_vec == nullptr)) {
    return Refusal::null_with_length;
  }
  call.in_len = request.in_len;
  call.out_len = request.out_len;
  // 2. The arrays (their sizes cannot overflow: at most kMaxVectors entries each).
  if (call.in_len != 0) {
    const std::size_t size = call.in_len * sizeof(psa_invec);
    const void* array = approve_read(arrays, request.in_vec, size);
    if (array == nullptr) {
      return Refusal::array_refused;
    }
    std::memcpy(call.in.data(), array, size);
  }
  if (call.out_len != 0) {
    const std::size_t size = call.out_len * sizeof(psa_outvec);
    void* array = approve_write(arrays, request.out_vec, size);
    if (array == nullptr) {
      return Refusal::array_refused;
    }
    std::memcpy(call.out.data(), array, size);
    call.caller_out = static_cast<std::byte*>(array);
  }
  // 3. The inputs: the sum stays <= kMaxIn, so comparing with what is left cannot overflow.
  std::size_t in_total = 0;
  for (std::size_t i = 0; i < call.in_len; ++i) {
    psa_invec& v = call.in[i];
    if (v.len == 0) {
      continue;  // no data: nothing to check or read (PSA clients pass a null base here)
    }
    if (v.base == nullptr) {
      return Refusal::null_with_length;
    }
    if (v.len > kMaxIn - in_total) {
      return Refusal::input_too_large;
    }
    in_total += v.len;
    const void* usable = approve_read(policy, v.base, v.len);
    if (usable == nullptr) {
      return Refusal::input_refused;
    }
    v.base = usable;
  }
  // 4. The outputs, whole as declared, whatever part of them the service will see.
  for (std::size_t i = 0; i < call.out_len; ++i) {
    psa_outvec& v = call.out[i];
    if (v.len == 0) {
      continue;
    }
    if (v.base == nullptr) {
      return Refusal::null_with_length;
    }
    void* usable = approve_write(policy, v.base, v.len);
    if (usable == nullptr) {
      return Refusal::output_refused;
    }
    v.base = usable;
  }
  return std::nullopt;
}

}  // namespace detail

// Steps 1-4 above. On success the caller's memory is never read again except the approved input
// ranges (serve() copies them) and never written except the approved output ranges and the
// lengths in the approved output array.
// The arrays may need a policy of their own: the veneer gets a user thread's call with the arrays
// the non-secure kernel copied onto that thread's kernel stack (the kernel's memory), listing the
// thread's own vectors.
template <MemoryPolicy ArrayPolicy, MemoryPolicy Policy>
[[nodiscard]] std::expected<CheckedCall, Refusal> check(const Request& request, const ArrayPolicy& arrays,
                                                        const Policy& policy) {
  // Built in place and returned as is (one named result: no copy of the arrays, which hold
  // entries only up to their counts).
  std::expected<CheckedCall, Refusal> result{std::in_place};
  if (const auto refusal = detail::check_into(*result, request, arrays, policy)) {
    result = std::unexpected{*refusal};
  }
  return result;
}
template <MemoryPolicy Policy>
[[nodiscard]] std::expected<CheckedCall, Refusal> check(const Request& request, const Policy& policy) {
  return check(request, policy, policy);
}

// Runs a checked call on the callee's side. `service(in, out, written)` gets spans into `buffers`
// only (std::span<const std::span<const std::byte>>, std::span<const std::span<std::byte>>,
// std::span<std::size_t>), sets written[i] to the bytes it wrote into out[i], and returns the
// call's status. A service that reports more than it was given is a secure-side bug: nothing is
// copied, every length becomes 0 and the call fails with PSA_ERROR_CORRUPTION_DETECTED.
template <class Service>
psa_status_t run(const CheckedCall& call, Buffers& buffers, Service&& service) {
  detail::WipeOnExit used{buffers};
  std::array<std::span<const std::byte>, kMaxVectors> in{};
  std::array<std::span<std::byte>, kMaxVectors> out{};
  std::array<std::size_t, kMaxVectors> written{};
  for (std::size_t i = 0; i < call.in_len; ++i) {
    const std::size_t len = call.in[i].len;  // sum <= kMaxIn (check())
    if (len != 0) {
      std::memcpy(buffers.in.data() + used.in_used, call.in[i].base, len);
    }
    in[i] = {buffers.in.data() + used.in_used, len};
    used.in_used += len;
  }
  for (std::size_t i = 0; i < call.out_len; ++i) {
    const std::size_t capacity = std::min(call.out[i].len, kMaxOut - used.out_used);
    out[i] = {buffers.out.data() + used.out_used, capacity};
    used.out_used += capacity;
  }
  const psa_status_t status =
      service(std::span<const std::span<const std::byte>>{in.data(), call.in_len},
              std::span<const std::span<std::byte>>{out.data(), call.out_len}, std::span{written.data(), call.out_len});
  for (std::size_t i = 0; i < call.out_len; ++i) {
    if (written[i] > out[i].size()) {
      for (std::size_t j = 0; j < call.out_len; ++j) {
        detail::put_length(call.caller_out, j, 0);
      }
      return PSA_ERROR_CORRUPTION_DETECTED;
    }
  }
  for (std::size_t i = 0; i < call.out_len; ++i) {
    if (written[i] != 0) {
      std::memcpy(call.out[i].base, out[i].data(), written[i]);
    }
    detail::put_length(call.caller_out, i, written[i]);
  }
  return status;
}

// check() then run(): the whole call, for a transport whose callee is the service itself.
template <MemoryPolicy ArrayPolicy, MemoryPolicy Policy, class Service>
[[nodiscard]] std::expected<psa_status_t, Refusal> serve(const Request& request, const ArrayPolicy& arrays,
                                                         const Policy& policy, Buffers& buffers, Service&& service) {
  auto call = check(request, arrays, policy);
  if (!call) {
    return std::unexpected{call.error()};
  }
  return run(*call, buffers, static_cast<Service&&>(service));
}
template <MemoryPolicy Policy, class Service>
[[nodiscard]] std::expected<psa_status_t, Refusal> serve(const Request& request, const Policy& policy,
                                                         Buffers& buffers, Service&& service) {
  auto call = check(request, policy, policy);
  if (!call) {
    return std::unexpected{call.error()};
  }
  return run(*call, buffers, static_cast<Service&&>(service));
}

// Hands a checked call to the next boundary: `next(in_vec, in_len, out_vec, out_len)` gets the
// copies (its checks run again on them) and reports the bytes written in out_vec[i].len. Those
// lengths go back to the caller, never more than each of its vectors holds.
template <class Next>
psa_status_t relay(CheckedCall& call, Next&& next) {
  std::array<std::size_t, kMaxVectors> declared{};
  for (std::size_t i = 0; i < call.out_len; ++i) {
    declared[i] = call.out[i].len;
  }
  const psa_status_t status = next(call.in.data(), call.in_len, call.out.data(), call.out_len);
  for (std::size_t i = 0; i < call.out_len; ++i) {
    detail::put_length(call.caller_out, i, std::min(call.out[i].len, declared[i]));
  }
  return status;
}

}  // namespace ward::secure::boundary
