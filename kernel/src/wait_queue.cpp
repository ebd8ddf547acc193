#include "ward/kernel/wait_queue.hpp"

#include "ward/kernel/thread.hpp"

namespace ward::kernel {
namespace {
Thread* thread_of(ListNode* n) { return owner_of<Thread, SchedTag>(n); }
ListNode& link_of(Thread& t) { return static_cast<Linked<SchedTag>&>(t); }
}  // namespace

Thread* WaitQueue::first() const { return thread_of(list_.first()); }

Thread* WaitQueue::next(const Thread& t) const {
  return thread_of(list_.next(&static_cast<const Linked<SchedTag>&>(t)));
}

void WaitQueue::insert(Thread& t) {
  // Behind every waiter of equal or higher priority: most urgent first, FIFO among equals.
  ListNode* pos = list_.first();
  while (pos != nullptr && thread_of(pos)->priority() >= t.priority()) {
    pos = list_.next(pos);
  }
  if (pos == nullptr) {
    list_.push_back(link_of(t));
  } else {
    ListHead::insert_before(*pos, link_of(t));
  }
}

void WaitQueue::remove(Thread& t) { link_of(t).unlink(); }

}  // namespace ward::kernel
