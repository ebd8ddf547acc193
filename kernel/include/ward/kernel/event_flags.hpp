// Event flags: 32 independent bits. Threads wait until any or all of a set of bits are up,
// optionally clearing the bits they consumed. set() never blocks and may be called from
// interrupt handlers; it wakes every waiter whose condition now holds.
#pragma once
#include <cstdint>

#include "ward/kernel/error.hpp"
#include "ward/kernel/time.hpp"
#include "ward/kernel/wait_queue.hpp"

namespace ward {

class EventFlags {
 public:
  enum class Wait : std::uint8_t { any, all };

  constexpr EventFlags() = default;
  EventFlags(const EventFlags&) = delete;
  EventFlags& operator=(const EventFlags&) = delete;
  ~EventFlags() = default;

  // Returns the flags as they were when the condition held (before any clearing).
  Result<std::uint32_t> wait(std::uint32_t mask, Wait mode, bool clear_on_exit,
                             Timeout timeout = Timeout::forever());
  std::uint32_t set(std::uint32_t bits);    // returns the new flags
  std::uint32_t clear(std::uint32_t bits);  // returns the new flags
  std::uint32_t get() const { return flags_; }

 private:
  std::uint32_t flags_ = 0;
  kernel::WaitQueue waiters_;
};

}  // namespace ward
