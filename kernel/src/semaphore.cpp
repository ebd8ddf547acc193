#include "ward/kernel/semaphore.hpp"

#include "ward/kernel/scheduler.hpp"

namespace ward {
using kernel::KernelLock;
using kernel::scheduler;

Status Semaphore::take(Timeout timeout) {
  KernelLock lock;
  if (count_ > 0) {
    --count_;
    return {};
  }
  return scheduler().wait(lock, &waiters_, timeout);
}

Status Semaphore::give() {
  KernelLock lock;
  if (Thread* waiter = waiters_.first()) {
    scheduler().wake(*waiter, {});  // the count goes straight to the waiter
    return {};
  }
  if (count_ >= limit_) {
    return fail(Error::overflow);
  }
  ++count_;
  return {};
}

}  // namespace ward
