// System-call machinery: how one declaration becomes both the user-side call and the kernel-side
// entry that verifies every argument before it calls the implementation.
//
// A call is declared once, in ward/syscalls.hpp, by its number, name, signature and
// implementation. The signature's argument types say what must be checked:
//   Handle<T>      a kernel object: registered, of type T, granted to the calling thread
//   UserSpan<T>    caller memory: aligned for T, no wrap-around, inside the caller's stack or one
//                  partition of its domain (writable when T is not const)
//   UserTimeout    a wait: no wait, a duration in microseconds, or forever (always valid)
//   std::uint32_t  a plain value, checked by the implementation
// The kernel entry (Syscall::verified) decodes the argument words of the caller's registers in
// order; the first argument that fails stops the calling thread with a fault report naming the
// call and the argument. Only then does the implementation run, with the checked values (T&,
// std::span<T>, Timeout: a CheckedTimeout that becomes one where it is
// used). Privileged callers go straight to the implementation (Syscall::trusted).
#pragma once
#include <cstddef>
#include <cstdint>
#include <expected>
#include <functional>
#include <span>
#include <tuple>
#include <utility>

#include "ward/kernel/error.hpp"
#include "ward/kernel/fault_report.hpp"
#include "ward/kernel/object_table.hpp"
#include "ward/kernel/port.hpp"
#include "ward/kernel/scheduler.hpp"
#include "ward/kernel/time.hpp"
#include "ward/kernel/user_memory.hpp"

namespace ward {

// A timeout as a user thread passes it: one word.
class UserTimeout {
 public:
  static constexpr std::uint32_t kForever = 0xFFFFFFFF;
  static constexpr UserTimeout none() { return UserTimeout{0}; }
  static constexpr UserTimeout forever() { return UserTimeout{kForever}; }
  // Rounded up to whole microseconds; at most about 71 minutes (longer waits: wait again).
  static constexpr UserTimeout after(Duration d) {
    const std::int64_t us = (d.ticks() * 1'000'000 + Duration::kHz - 1) / Duration::kHz;
    return UserTimeout{us <= 0 ? 0u : us >= kForever ? kForever - 1 : static_cast<std::uint32_t>(us)};
  }
  constexpr explicit UserTimeout(std::uint32_t raw) : raw_{raw} {}
  constexpr std::uint32_t raw() const { return raw_; }
  [[gnu::always_inline]] Timeout to_kernel() const {
    if (raw_ == 0) {
      return Timeout::none();
    }
    if (raw_ == kForever) {
      return Timeout::forever();
    }
    return Timeout::after(Duration::us(raw_));
  }

 private:
  std::uint32_t raw_;
};

namespace kernel {

// A timeout argument once verified (every UserTimeout is valid): it becomes the kernel's Timeout
// where it is used, so a call that does not wait (a semaphore's uncontended take) never builds
// the 16-byte Timeout, and only the blocking path pays for it.
class CheckedTimeout {
 public:
  explicit constexpr CheckedTimeout(UserTimeout t) : t_{t} {}
  // NOLINTNEXTLINE(google-explicit-constructor): implementations take a Timeout
  [[gnu::always_inline]] operator Timeout() const { return t_.to_kernel(); }

 private:
  UserTimeout t_;
};

// Who is calling: the thread, whose memory and grants decide what it may name. The memory map
// is built only for calls that take buffers.
struct Caller {
  const Thread& thread;
  std::uint32_t grant_bit;  // Thread::grant_bit()
  UserMemoryMap memory() const;
};

// An argument that failed verification.
struct Violation {
  FaultKind kind;
  std::uint8_t detail;
};

// One argument register: an address fits (the host port is 64-bit).
using SyscallWord = std::uintptr_t;
using SyscallEntry = std::uint64_t (*)(SyscallWord, SyscallWord, SyscallWord, SyscallWord);

// How each argument type is carried in registers and checked.
template <class T>
struct ArgTraits;

template <class T>
struct ArgTraits<Handle<T>> {
  static constexpr std::size_t kWords = 1;
  static void encode(Handle<T> h, SyscallWord* w) { w[0] = h.raw(); }
  [[gnu::always_inline]] static std::expected<std::reference_wrapper<T>, Violation> verify(const SyscallWord* w,
                                                                                        const Caller& c) {
    auto object = objects().lookup_granted(w[0], object_type_of<T>, c.grant_bit);
    if (!object) {
      return std::unexpected{Violation{FaultKind::bad_handle, static_cast<std::uint8_t>(object.error())}};
    }
    return std::ref(*static_cast<T*>(*object));
  }
  static T& trusted(const SyscallWord* w) { return *reinterpret_cast<T*>(w[0]); }
};

template <class T>
struct ArgTraits<UserSpan<T>> {
  static constexpr std::size_t kWords = 2;
  static void encode(UserSpan<T> s, SyscallWord* w) {
    w[0] = s.address();
    w[1] = s.count();
  }
  static std::expected<std::span<T>, Violation> verify(const SyscallWord* w, const Caller& c) {
    auto span = c.memory().check(UserSpan<T>{w[0], w[1]});
    if (!span) {
      return std::unexpected{Violation{FaultKind::bad_pointer, static_cast<std::uint8_t>(span.error())}};
    }
    return *span;
  }
  static std::span<T> trusted(const SyscallWord* w) {
    return {reinterpret_cast<T*>(w[0]), w[1]};
  }
};

template <>
struct ArgTraits<UserTimeout> {
  static constexpr std::size_t kWords = 1;
  static void encode(UserTimeout t, SyscallWord* w) { w[0] = t.raw(); }
  [[gnu::always_inline]] static std::expected<CheckedTimeout, Violation> verify(const SyscallWord* w, const Caller&) {
    return CheckedTimeout{UserTimeout{static_cast<std::uint32_t>(w[0])}};
  }
  static CheckedTimeout trusted(const SyscallWord* w) { return CheckedTimeout{UserTimeout{static_cast<std::uint32_t>(w[0])}}; }
};

template <>
struct ArgTraits<std::uint32_t> {
  static constexpr std::size_t kWords = 1;
  static void encode(std::uint32_t v, SyscallWord* w) { w[0] = v; }
  // A 32-bit value: wider words (on the host) are cut, as the target's registers would.
  static std::expected<std::uint32_t, Violation> verify(const SyscallWord* w, const Caller&) {
    return static_cast<std::uint32_t>(w[0]);
  }
  static std::uint32_t trusted(const SyscallWord* w) { return static_cast<std::uint32_t>(w[0]); }
};

// Results travel back in r0 (a Status's one word: 0, or the failure) and r1 (the value, if any).
// The word is passed as it is, so neither side converts it.
inline std::uint64_t encode_result(Status s) { return s.raw(); }
inline std::uint64_t encode_result(const Result<std::uint32_t>& r) {
  return r ? std::uint64_t{*r} << 32 : Status{fail(r.error())}.raw();
}
template <class R>
R decode_result(std::uint64_t raw);
template <>
inline Status decode_result<Status>(std::uint64_t raw) {
  return Status::from_raw(static_cast<std::uint32_t>(raw));
}
template <>
inline Result<std::uint32_t> decode_result<Result<std::uint32_t>>(std::uint64_t raw) {
  const auto s = Status::from_raw(static_cast<std::uint32_t>(raw));
  return s ? Result<std::uint32_t>{static_cast<std::uint32_t>(raw >> 32)} : Result<std::uint32_t>{fail(s.error())};
}
template <>
inline void decode_result<void>(std::uint64_t) {}

// The caller of a verified entry (the running thread), and the way out for a failed check
// (kernel/src/isolation.cpp).
[[gnu::always_inline]] inline Caller current_caller() {
  const Thread& t = *ward_switch_state.current;
  return Caller{t, t.grant_bit()};
}
// (The violation's fields in registers: a struct of two bytes would be built on the stack, and
// every entry would keep a stack frame for it.)
[[noreturn]] void reject(std::uint32_t call, std::uint32_t argument, FaultKind kind, std::uint32_t detail);

// Entries for privileged callers (no checks) and for user callers (checked), by call number.
extern const SyscallEntry trusted_syscalls[];
extern "C" const SyscallEntry ward_syscall_table[];

}  // namespace kernel

template <std::uint32_t Id, class Signature>
struct Syscall;

template <std::uint32_t Id, class R, class... A>
struct Syscall<Id, R(A...)> {
  static constexpr std::uint32_t kId = Id;
  using Result = R;
  using Args = std::tuple<A...>;
  static constexpr std::size_t kArgs = sizeof...(A);
  // The register word where each argument starts.
  static constexpr std::array<std::size_t, sizeof...(A) + 1> kOffsets = [] {
    std::array<std::size_t, sizeof...(A) + 1> o{};
    std::size_t words[] = {kernel::ArgTraits<A>::kWords..., 0};
    for (std::size_t i = 0; i < kArgs; ++i) {  // (cppcheck 2.10 cannot parse `i < sizeof...(A)`)
      o[i + 1] = o[i] + words[i];
    }
    return o;
  }();
  static_assert(kOffsets.back() <= 4, "a system call's arguments must fit in r0-r3");

  // The user-side call (also fine from privileged code: it then skips the trap and the checks).
  // Inlined into the caller: a call costs the privilege check, the trap and the result test.
  [[gnu::always_inline]] R operator()(A... args) const {
    kernel::SyscallWord w[4] = {};
    std::size_t i = 0;
    ((kernel::ArgTraits<A>::encode(args, w + kOffsets[i]), ++i), ...);
    const std::uint64_t raw = arch::privileged() ? kernel::trusted_syscalls[Id](w[0], w[1], w[2], w[3])
                                                 : arch::syscall<kOffsets.back()>(Id, w);
    if constexpr (std::is_void_v<R>) {
      __builtin_unreachable();  // only thread_exit returns nothing, and it does not return
    } else {
      return kernel::decode_result<R>(raw);
    }
  }

  // Kernel side: check every argument, then call Impl with the checked values. (No stack
  // protector: the word array is only ever indexed by constants.)
  template <auto Impl>
  [[gnu::no_stack_protector]] static std::uint64_t verified(kernel::SyscallWord w0, kernel::SyscallWord w1, kernel::SyscallWord w2, kernel::SyscallWord w3) {
    if constexpr (sizeof...(A) == 0) {
      return call<Impl>();  // nothing to check
    } else {
      const kernel::SyscallWord w[4] = {w0, w1, w2, w3};
      const kernel::Caller caller = kernel::current_caller();
      return [&]<std::size_t... I>(std::index_sequence<I...>) {
        auto checked = std::tuple{check<I, A>(w + kOffsets[I], caller)...};
        return call<Impl>(std::get<I>(checked)...);
      }(std::index_sequence_for<A...>{});
    }
  }

  // The entry for privileged callers. A call without arguments has nothing to check: its
  // verified entry serves both, so its implementation is compiled once, inlined into it.
  template <auto Impl>
  static constexpr kernel::SyscallEntry trusted_entry() {
    if constexpr (sizeof...(A) == 0) {
      return &verified<Impl>;
    } else {
      return &trusted<Impl>;
    }
  }

  template <auto Impl>
  [[gnu::no_stack_protector]] static std::uint64_t trusted(kernel::SyscallWord w0, kernel::SyscallWord w1, kernel::SyscallWord w2, kernel::SyscallWord w3) {
    const kernel::SyscallWord w[4] = {w0, w1, w2, w3};
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return call<Impl>(kernel::ArgTraits<A>::trusted(w + kOffsets[I])...);
    }(std::index_sequence_for<A...>{});
  }

 private:
  template <std::size_t I, class T>
  [[gnu::always_inline]] static auto check(const kernel::SyscallWord* w, const kernel::Caller& caller) {
    auto v = kernel::ArgTraits<T>::verify(w, caller);
    if (!v) {
      kernel::reject(Id, I, v.error().kind, v.error().detail);
    }
    return *v;
  }
  template <auto Impl, class... C>
  static std::uint64_t call(C&&... checked) {
    if constexpr (std::is_void_v<R>) {
      Impl(std::forward<C>(checked)...);
      return 0;
    } else {
      return kernel::encode_result(Impl(std::forward<C>(checked)...));
    }
  }
};

}  // namespace ward
