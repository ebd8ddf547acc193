#include "ward/kernel/queue.hpp"

#include <cstring>

#include "ward/kernel/scheduler.hpp"

namespace ward::kernel {

Status QueueCore::send(const void* item, const Timeout& timeout) {
  KernelLock lock;
  if (Thread* receiver = receivers_.first()) {
    // Only an empty queue has waiting receivers: hand the item over directly.
    std::memcpy(receiver->wait_data(), item, item_size_);
    scheduler().wake(*receiver, {});
    return {};
  }
  if (count_ < capacity_) {
    std::size_t tail = head_ + count_;
    tail = tail >= capacity_ ? tail - capacity_ : tail;
    std::memcpy(slot(tail), item, item_size_);
    ++count_;
    return {};
  }
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-const-cast): a receiver only reads a sender's item through it
  scheduler().current()->set_wait_data(const_cast<void*>(item));
  return scheduler().wait(lock.saved(), &senders_, timeout);
}

Status QueueCore::receive(void* item, const Timeout& timeout) {
  KernelLock lock;
  if (count_ > 0) {
    std::memcpy(item, slot(head_), item_size_);
    // A full queue may have senders waiting: the first one's item takes the freed slot, at the
    // tail, which is where the slot just vacated at the head now is.
    if (Thread* sender = senders_.first()) {
      std::memcpy(slot(head_), sender->wait_data(), item_size_);
      head_ = head_ + 1 == capacity_ ? 0 : head_ + 1;
      scheduler().wake(*sender, {});
    } else {
      head_ = head_ + 1 == capacity_ ? 0 : head_ + 1;
      --count_;
    }
    return {};
  }
  scheduler().current()->set_wait_data(item);
  return scheduler().wait(lock.saved(), &receivers_, timeout);
}

void QueueCore::abort_waiters() {
  KernelLock lock;
  for (WaitQueue* q : {&senders_, &receivers_}) {
    while (Thread* t = q->first()) {
      scheduler().wake(*t, fail(Error::aborted));
    }
  }
}

}  // namespace ward::kernel
