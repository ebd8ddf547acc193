// Software timers: a callback after a delay, once or periodically. Callbacks run in the timer
// interrupt, so they may use only the calls that never block (give, try_send, set, ...).
// Periodic timers keep their phase: each expiry is scheduled from the previous deadline, not from
// when the callback ran.
#pragma once
#include "ward/kernel/error.hpp"
#include "ward/kernel/time.hpp"
#include "ward/kernel/timeout.hpp"

namespace ward {

class Timer : private TimeoutEntry {
 public:
  using Callback = void (*)(Timer& timer, void* arg);

  Timer(Callback callback, void* arg) : TimeoutEntry{&expired}, callback_{callback}, arg_{arg} {}
  ~Timer() { stop(); }  // a timer that goes out of scope must not stay in the timeout list
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  // Fires first after `initial`, then every `period` (zero: only once). Restarts a running timer.
  Status start(Duration initial, Duration period = Duration{});
  void stop();
  bool running() const { return pending(); }
  std::uint32_t expirations() const { return expirations_; }

 private:
  static void expired(TimeoutEntry& entry);

  Callback callback_;
  void* arg_;
  Duration period_{};
  std::uint32_t expirations_ = 0;
};

}  // namespace ward
