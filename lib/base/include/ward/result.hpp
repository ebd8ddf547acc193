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
#include <expected>
#include <type_traits>

namespace ward::base {

template <class T, class E>
  requires std::is_enum_v<E>
class [[nodiscard]] Result : public std::expected<T, E> {
 public:
  using std::expected<T, E>::expected;
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
