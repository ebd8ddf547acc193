#include "ward/kernel/scheduler.hpp"

#include <bit>
#include <memory>

#include "ward/panic.hpp"

[[gnu::used]] WardSwitchState ward_switch_state{};

namespace ward::kernel {
Scheduler the_scheduler;
MutexHooks mutex_hooks;
void (*thread_end_hook)(Thread&) = nullptr;

namespace {

constexpr bool kTimeSlicing = config::time_slice_us > 0;
constexpr Duration kTimeSlice = Duration::us(config::time_slice_us);

}  // namespace

// ---- Scheduling ----------------------------------------------------------------------------

void Scheduler::reschedule() {
  Thread* next = ready_.highest();
  if (next == nullptr) {
    kassert(!started_, "no thread ready (the idle thread is gone)");
    return;  // before start: nothing is ready yet
  }
  // Pend a switch when the decision differs from the running thread, and also when it differs
  // from the previous decision: the context switch reads `next` without masking interrupts, so an
  // interrupt may have changed our mind after it read `next`; the new pend corrects that.
  if (next != ward_switch_state.current || next != ward_switch_state.next) {
    if constexpr (kTimeSlicing) {
      if (next != ward_switch_state.current) {
        next->slice_start_ = now();
      }
    }
    ward_switch_state.next = next;
    arch::request_switch();
  }
  if constexpr (kTimeSlicing) {
    arm_timer();  // the thread about to run may share its level: its slice end is a deadline
  }
}

void Scheduler::make_ready(Thread& t) {
  t.state_ = ThreadState::ready;
  ready_.push_back(t);
  reschedule();
}

void Scheduler::suspend_current(WaitQueue* queue, const Timeout& timeout) {
  Thread& self = *current();
  kassert(!arch::in_isr(), "blocking call from an interrupt handler");
  ready_.remove(self);
  self.state_ = ThreadState::blocked;
  self.wait_ok_ = false;
  self.wait_error_ = Error::timeout;
  self.wait_queue_ = queue;
  if (queue != nullptr) {
    queue->insert(self);
  }
  if (!timeout.is_forever()) {
    add_timeout(self, timeout.deadline(now()));
  }
  reschedule();
}

Status Scheduler::wait_for_wake(arch::IrqState open_to) {
  const Thread& self = *current();
  let_switch_happen(open_to);
  // Running again: whoever ended the wait left the outcome.
  if (self.wait_ok_) {
    return {};
  }
  return fail(self.wait_error_);
}

void Scheduler::detach(Thread& t) {
  if (t.wait_queue_ != nullptr) {
    t.wait_queue_->remove(t);
    t.wait_queue_ = nullptr;
  }
  timeouts_.remove(t);
  if (Mutex* m = t.blocked_on_mutex_; m != nullptr) {
    t.blocked_on_mutex_ = nullptr;
    mutex_hooks.waiter_left(*m);  // set: only Mutex::lock makes a thread wait on a mutex
  }
}

void Scheduler::wake(Thread& t, Status outcome) {
  kassert(t.state_ == ThreadState::blocked, "waking a thread that is not blocked");
  detach(t);
  t.wait_ok_ = outcome.has_value();
  if (!outcome) {
    t.wait_error_ = outcome.error();
  }
  make_ready(t);
}

void Scheduler::change_priority(Thread& t, Priority p) {
  if (t.priority_ == p) {
    return;
  }
  switch (t.state_) {
    case ThreadState::ready:
      ready_.remove(t);
      t.priority_ = p;
      // The running thread keeps the CPU within its new level; others queue behind their peers.
      if (&t == current()) {
        ready_.push_front(t);
      } else {
        ready_.push_back(t);
      }
      reschedule();
      break;
    case ThreadState::blocked:
      t.priority_ = p;
      if (t.wait_queue_ != nullptr) {
        t.wait_queue_->remove(t);
        t.wait_queue_->insert(t);
      }
      break;
    default:
      t.priority_ = p;
      break;
  }
}

void Scheduler::halt(Thread& t) {
  if (t.state_ == ThreadState::ready) {
    ready_.remove(t);
  } else if (t.state_ == ThreadState::blocked) {
    detach(t);
  }
  t.state_ = ThreadState::dead;
  if (t.held_mutexes_ != nullptr) {
    mutex_hooks.release_all_held_by(t);  // set: only Mutex::lock makes a thread hold one
  }
  if (thread_end_hook != nullptr) {
    thread_end_hook(t);
  }
  if constexpr (config::net_sockets) {
    sockets_thread_ended(t);
  }
  reschedule();
}

void Scheduler::release_joiners(Thread& t) {
  if (t.end_pending_) {
    return;  // end_completed() releases them
  }
  while (Thread* joiner = t.joiners_.first()) {
    wake(*joiner, {});
  }
}

void Scheduler::defer_end(Thread& t) { t.end_pending_ = true; }

void Scheduler::end_completed(Thread& t) {
  t.end_pending_ = false;
  if (t.state_ == ThreadState::dead) {
    release_joiners(t);
    reschedule();
  }
}

// ---- Time ------------------------------------------------------------------------------------

void Scheduler::add_timeout(TimeoutEntry& e, Instant deadline) {
  timeouts_.add(e, deadline);
  if (timeouts_.next_deadline() == deadline) {
    arm_timer();  // the new entry is now the earliest
  }
}

void Scheduler::arm_timer() {
  Instant next = timeouts_.next_deadline();
  if constexpr (kTimeSlicing) {
    // The slice that matters is the one of the thread that runs once the lock is released.
    Thread* running = ward_switch_state.next != nullptr ? ward_switch_state.next : current();
    if (running != nullptr && running->state_ == ThreadState::ready && ready_.has_peer(*running)) {
      const Instant slice_end = running->slice_start_ + kTimeSlice;
      next = slice_end < next ? slice_end : next;
    }
  }
  // Reprogramming restarts the counter (and loses a few counts): only when the deadline changes.
  if (!armed_valid_ || next != armed_) {
    armed_ = next;
    armed_valid_ = true;
    arch::timer_set_deadline(next.ticks());
  }
}

void Scheduler::timer_interrupt() {
  KernelLock lock;
  armed_valid_ = false;  // it fired (maybe early, at its longest period): always re-arm
  const Instant t = now();
  timeouts_.expire(t);
  if constexpr (kTimeSlicing) {
    Thread* self = current();
    if (self != nullptr && self->state_ == ThreadState::ready && ready_.has_peer(*self) &&
        t - self->slice_start_ >= kTimeSlice) {
      ready_.remove(*self);
      ready_.push_back(*self);
      self->slice_start_ = t;  // in case it is alone after all
    }
  }
  reschedule();
  if constexpr (!kTimeSlicing) {
    arm_timer();  // with slicing, reschedule() has armed it
  }
}

void Scheduler::reset() {
  std::construct_at(&ready_);
  std::construct_at(&timeouts_);
  started_ = false;
  armed_valid_ = false;
  ward_switch_state = {};
  if constexpr (config::net_sockets) {
    sockets_reset();
  }
}

}  // namespace ward::kernel
