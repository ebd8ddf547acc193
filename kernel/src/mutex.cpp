#include "ward/kernel/mutex.hpp"

#include "ward/kernel/scheduler.hpp"

namespace ward {
namespace {
using kernel::KernelLock;
using kernel::scheduler;
}  // namespace

Status Mutex::lock(Timeout timeout) {
  if (arch::in_isr()) {
    return fail(Error::in_isr);
  }
  KernelLock lock;
  kernel::mutex_hooks = {&release_all_held_by, [](Mutex& m) { m.waiter_left(); }};
  Thread& self = *scheduler().current();
  if (owner_ == nullptr) {
    owner_ = &self;
    next_held_ = self.held_mutexes_;
    self.held_mutexes_ = this;
    return {};
  }
  if (owner_ == &self) {
    return fail(Error::deadlock);
  }
  if (timeout.is_none()) {
    return fail(Error::would_block);
  }
  scheduler().suspend_current(&waiters_, timeout);
  self.blocked_on_mutex_ = this;
  update_priority(*owner_);
  // On success the unlocking thread has already made us the owner.
  return scheduler().wait_for_wake(lock.saved());
}

Status Mutex::unlock() {
  if (arch::in_isr()) {
    return fail(Error::in_isr);
  }
  KernelLock lock;
  Thread& self = *scheduler().current();
  if (owner_ != &self) {
    return fail(Error::not_owner);
  }
  for (Mutex** p = &self.held_mutexes_; *p != nullptr; p = &(*p)->next_held_) {
    if (*p == this) {
      *p = next_held_;
      break;
    }
  }
  next_held_ = nullptr;
  hand_over();
  update_priority(self);  // drop what was inherited through this mutex
  return {};
}

void Mutex::hand_over() {
  Thread* next = waiters_.first();
  if (next == nullptr) {
    owner_ = nullptr;
    return;
  }
  owner_ = next;
  next->blocked_on_mutex_ = nullptr;  // it is leaving as the owner, not giving up
  next_held_ = next->held_mutexes_;
  next->held_mutexes_ = this;
  scheduler().wake(*next, {});
  update_priority(*next);  // it may inherit from the waiters still queued
}

void Mutex::waiter_left() {
  if (owner_ != nullptr) {
    update_priority(*owner_);
  }
}

void Mutex::update_priority(Thread& start) {
  for (Thread* t = &start; t != nullptr;) {
    Priority p = t->base_priority_;
    for (const Mutex* m = t->held_mutexes_; m != nullptr; m = m->next_held_) {
      if (const Thread* w = m->waiters_.first(); w != nullptr && w->priority_ > p) {
        p = w->priority_;
      }
    }
    if (p == t->priority_) {
      break;  // nothing changes further down the chain
    }
    scheduler().change_priority(*t, p);
    t = t->blocked_on_mutex_ != nullptr ? t->blocked_on_mutex_->owner_ : nullptr;
  }
}

void Mutex::release_all_held_by(Thread& t) {
  while (Mutex* m = t.held_mutexes_) {
    t.held_mutexes_ = m->next_held_;
    m->next_held_ = nullptr;
    m->hand_over();
  }
}

}  // namespace ward
