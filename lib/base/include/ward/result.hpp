// The outcome of an operation that can fail: a value, or the reason it failed.
//
// One template for every part of Ward. Each domain keeps its own error enum (the kernel's
// ward::Error, flash::Error, image::Error, boot::Error, ...) and names its result with two aliases:
//
//   template <class T> using Result = base::Result<T, Error>;
//   using Status = Result<void>;
//   using base::fail;
//
// so a flash error can never be returned where an image error is expected without saying how one
// becomes the other. A Result is [[nodiscard]]: ignoring one is a compile error under -Werror.
// Portable and freestanding (std::expected only): firmware, host tests and host tools share it.
#pragma once
#include <cstdint>
#include <expected>
#include <type_traits>

namespace ward::base {

template <class T, class E>
  requires std::is_enum_v<E>
class [[nodiscard]] Result : public std::expected<T, E> {
 public:
  using std::expected<T, E>::expected;
};

// Result<void, E> for a small error enum (the common case: every Status): one word, returned in a
// register. std::expected<void, E> is a two-byte struct {error, has_value} that GCC builds and
// re-reads byte by byte through the stack at every return (about six instructions per level of a
// kernel call); this is one `movs`. The interface is std::expected's, as far as Ward uses it.
template <class E>
  requires std::is_enum_v<E> && (sizeof(E) <= 2)
class [[nodiscard]] Result<void, E> {
 public:
  using value_type = void;
  using error_type = E;

  constexpr Result() = default;
  // cppcheck-suppress noExplicitConstructor ; converts implicitly, as std::expected's does
  constexpr Result(const std::unexpected<E>& u)  // NOLINT(google-explicit-constructor): as std::expected's does
      : raw_{kFailed | static_cast<std::uint16_t>(u.error())} {}
  // cppcheck-suppress noExplicitConstructor ; a std::expected converts as the same result
  constexpr Result(const std::expected<void, E>& e)  // NOLINT(google-explicit-constructor): the same result
      : raw_{e ? 0u : kFailed | static_cast<std::uint16_t>(e.error())} {}

  constexpr bool has_value() const { return raw_ == 0; }
  constexpr explicit operator bool() const { return has_value(); }
  constexpr void operator*() const {}
  constexpr void value() const {}
  constexpr E error() const { return static_cast<E>(static_cast<std::uint16_t>(raw_)); }
  // NOLINTNEXTLINE(google-explicit-constructor): where a std::expected is wanted
  constexpr operator std::expected<void, E>() const {
    if (has_value()) {
      return {};
    }
    return std::unexpected<E>{error()};
  }
  friend constexpr bool operator==(const Result&, const Result&) = default;

  // The one word, for passing a result through a register (system calls return it in r0): 0 for
  // success, otherwise what from_raw() turns back into the same failure.
  constexpr std::uint32_t raw() const { return raw_; }
  static constexpr Result from_raw(std::uint32_t raw) {
    Result r;
    r.raw_ = raw;
    return r;
  }

 private:
  static constexpr std::uint32_t kFailed = 1u << 16;
  std::uint32_t raw_ = 0;  // 0: success; otherwise kFailed | the error's value (16 bits)
};

// The failure `e`, which converts to a Result of any value type with the error type E.
template <class E>
  requires std::is_enum_v<E>
constexpr std::unexpected<E> fail(E e) {
  return std::unexpected<E>{e};
}

}  // namespace ward::base

// Evaluates `expr` (a Result) and, if it failed, returns its error from the calling function, whose
// Result must have the same error type (a different domain's error needs an explicit mapping).
#define WARD_TRY(expr)                              \
  do {                                              \
    if (auto ward_try_ = (expr); !ward_try_) {      \
      return ::ward::base::fail(ward_try_.error()); \
    }                                               \
  } while (false)
