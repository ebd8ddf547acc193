// Errors of kernel calls. Every call that can fail returns a [[nodiscard]] Result; there is no
// errno and no silent failure path.
#pragma once
#include <cstdint>
#include <expected>

namespace ward {

enum class Error : std::uint8_t {
  timeout = 1,       // the wait's timeout expired first
  would_block,       // a non-blocking call (Timeout::none) found the object unavailable
  in_isr,            // a blocking call was made from an interrupt handler
  not_owner,         // unlocking a mutex the caller does not hold
  deadlock,          // locking a mutex the caller already holds
  invalid_argument,  // a value outside its documented range
  invalid_state,     // the object is not in a state that allows the call (e.g. starting a running thread)
  overflow,          // a counter would exceed its limit
  aborted,           // the waiting thread was aborted (seen only by kernel code)
};

// The outcome of a call: a value, or the reason it failed.
template <class T>
class [[nodiscard]] Result : public std::expected<T, Error> {
 public:
  using std::expected<T, Error>::expected;
};

using Status = Result<void>;

inline constexpr std::unexpected<Error> fail(Error e) { return std::unexpected<Error>{e}; }

}  // namespace ward
