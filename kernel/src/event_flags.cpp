#include "ward/kernel/event_flags.hpp"

#include "ward/kernel/scheduler.hpp"

namespace ward {
namespace {
using kernel::KernelLock;
using kernel::scheduler;

// What a waiting thread asked for; lives on its stack while it waits.
struct Request {
  std::uint32_t mask;
  EventFlags::Wait mode;
  bool clear_on_exit;
  std::uint32_t seen;
};

bool satisfied(std::uint32_t flags, const Request& r) {
  return r.mode == EventFlags::Wait::all ? (flags & r.mask) == r.mask : (flags & r.mask) != 0;
}
}  // namespace

Result<std::uint32_t> EventFlags::wait(std::uint32_t mask, Wait mode, bool clear_on_exit, Timeout timeout) {
  if (mask == 0) {
    return fail(Error::invalid_argument);
  }
  KernelLock lock;
  Request request{mask, mode, clear_on_exit, 0};
  if (satisfied(flags_, request)) {
    const std::uint32_t seen = flags_;
    if (clear_on_exit) {
      flags_ &= ~mask;
    }
    return seen;
  }
  scheduler().current()->set_wait_data(&request);
  if (auto s = scheduler().wait(lock.saved(), &waiters_, timeout); !s) {
    return fail(s.error());
  }
  return request.seen;
}

std::uint32_t EventFlags::set(std::uint32_t bits) {
  KernelLock lock;
  flags_ |= bits;
  // Every waiter sees the flags as set here; bits consumed by one are cleared after the scan, so
  // waiters of equal standing all see the same event.
  std::uint32_t consumed = 0;
  Thread* t = waiters_.first();
  while (t != nullptr) {
    Thread* next = waiters_.next(*t);
    auto& request = *static_cast<Request*>(t->wait_data());
    if (satisfied(flags_, request)) {
      request.seen = flags_;
      if (request.clear_on_exit) {
        consumed |= request.mask;
      }
      scheduler().wake(*t, {});
    }
    t = next;
  }
  flags_ &= ~consumed;
  return flags_;
}

std::uint32_t EventFlags::clear(std::uint32_t bits) {
  KernelLock lock;
  flags_ &= ~bits;
  return flags_;
}

}  // namespace ward
