#include "ward/kernel/semaphore.hpp"

#include "ward/kernel/scheduler.hpp"

namespace ward {
using kernel::scheduler;

Status Semaphore::take_contended(arch::IrqState open_to, const Timeout& timeout) {
  return scheduler().wait(open_to, &waiters_, timeout);
}

Status Semaphore::give_contended() {
  if (Thread* waiter = waiters_.first()) {
    scheduler().wake(*waiter, {});  // the count goes straight to the waiter
    return {};
  }
  return fail(Error::overflow);
}

}  // namespace ward
