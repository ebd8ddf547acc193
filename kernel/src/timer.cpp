#include "ward/kernel/timer.hpp"

#include "ward/kernel/scheduler.hpp"

namespace ward {
using kernel::KernelLock;
using kernel::scheduler;

Status Timer::start(Duration initial, Duration period) {
  if (callback_ == nullptr || initial.ticks() < 0 || period.ticks() < 0) {
    return fail(Error::invalid_argument);
  }
  KernelLock lock;
  period_ = period;
  expirations_ = 0;
  scheduler().remove_timeout(*this);
  scheduler().add_timeout(*this, scheduler().now() + initial);
  return {};
}

void Timer::stop() {
  KernelLock lock;
  scheduler().remove_timeout(*this);
}

void Timer::expired(TimeoutEntry& entry) {
  auto& timer = static_cast<Timer&>(entry);
  ++timer.expirations_;
  if (timer.period_.ticks() > 0) {
    scheduler().add_timeout(timer, timer.deadline() + timer.period_);
  }
  timer.callback_(timer, timer.arg_);
}

}  // namespace ward
