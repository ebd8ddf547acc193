// Errors of kernel calls. Every call that can fail returns a [[nodiscard]] Result; there is no
// errno and no silent failure path.
#pragma once
#include <cstdint>

#include "ward/result.hpp"

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
  not_permitted,     // the caller lacks the grant the call needs (e.g. the network grant)
  not_supported,     // the image has no implementation of the call (e.g. no network stack)
  no_resources,      // a static pool is empty (e.g. no free socket)
  connection,        // the network refused, reset or ended the connection
  quota,             // the caller already holds as many as it may (e.g. CONFIG_WARD_NET_SOCKETS_PER_THREAD)
};

// The outcome of a call: a value, or the reason it failed (ward/result.hpp).
template <class T>
using Result = base::Result<T, Error>;
using Status = Result<void>;
using base::fail;

}  // namespace ward
