// The scheduler: the one owner of the ready queue, the timeout list and the running thread.
//
// Rules: the most urgent ready thread runs; among equal priorities, first come first served (a
// preempted thread keeps its place at the head of its level, a yielding one goes to the back);
// with CONFIG_WARD_TIME_SLICE_US > 0, a thread that used up its slice goes to the back too.
// Selecting the next thread is O(1): a bitmap of non-empty levels and count-leading-zeros.
#pragma once
#include <array>
#include <bit>
#include <cstdint>

#include "ward/kernel/lock.hpp"
#include "ward/kernel/thread.hpp"
#include "ward/kernel/timeout.hpp"

// The running thread and the one the architecture should switch to. Read and written by the
// port's context switch (assembly on Cortex-M), hence C linkage and a fixed layout.
extern "C" struct WardSwitchState {
  ward::Thread* current;
  ward::Thread* next;
  // Kept by ports with memory protection: the user domain loaded in the MPU, and whether some
  // thread's values may still sit in the FPU registers.
  const void* domain;
  std::uintptr_t fpu_dirty;
} ward_switch_state;

namespace ward::kernel {

// Ready threads by priority. Inline: these are the scheduler's hot paths.
//
// Each level is a ring of its threads (no sentinel), reached through a pointer to its head: the
// head is the level's first come, and the running thread is always the head of its level (a
// preempted thread keeps its place, a thread that gets the CPU is the head of the most urgent
// level). So a yield's "to the back" is one store, head = head->next, where a list with a
// sentinel relinks six pointers; and an empty level is a null pointer (.bss, not .data).
class ReadyQueue {
 public:
  [[gnu::always_inline]] void push_back(Thread& t) {
    ListNode*& head = levels_[t.priority().level];
    ListNode& n = link(t);
    if (head == nullptr) {
      n.next = n.prev = &n;
      head = &n;
      bitmap_ |= 1u << t.priority().level;
    } else {
      ListHead::insert_before(*head, n);  // before the head: the ring's back
    }
  }
  [[gnu::always_inline]] void push_front(Thread& t) {
    push_back(t);
    levels_[t.priority().level] = &link(t);
  }
  [[gnu::always_inline]] void remove(Thread& t) {
    ListNode*& head = levels_[t.priority().level];
    ListNode& n = link(t);
    if (n.next == &n) {  // alone at its level
      head = nullptr;
      bitmap_ &= ~(1u << t.priority().level);
    } else if (head == &n) {
      head = n.next;
    }
    n.unlink();
  }
  // The most urgent ready thread: O(1) with count-leading-zeros.
  [[gnu::always_inline]] Thread* highest() const {
    if (bitmap_ == 0) {
      return nullptr;
    }
    const int level = 31 - std::countl_zero(bitmap_);
    return thread_of(levels_[level]);
  }
  // Is another thread ready at t's level? (t must be ready.)
  [[gnu::always_inline]] static bool has_peer(const Thread& t) { return link(t).next != &link(t); }
  // Moves t, the head of its level (the running thread, when t is running), to the back and
  // returns the new head: the ring turns by one. The level stays non-empty, so the bitmap does not
  // change.
  [[gnu::always_inline]] Thread* rotate(const Thread& t) {
    ListNode* const second = link(t).next;
    levels_[t.priority().level] = second;
    return thread_of(second);
  }

 private:
  static ListNode& link(Thread& t) { return static_cast<Linked<SchedTag>&>(t); }
  static const ListNode& link(const Thread& t) { return static_cast<const Linked<SchedTag>&>(t); }
  // Never null here: converted through a reference, so no null check (a pointer cast's, or
  // owner_of's) on the hot paths.
  static Thread* thread_of(ListNode* n) { return &static_cast<Thread&>(static_cast<Linked<SchedTag>&>(*n)); }

  std::array<ListNode*, Priority::kLevels> levels_{};
  std::uint32_t bitmap_ = 0;
  static_assert(Priority::kLevels <= 32, "one bitmap word holds every priority level");
};

class Scheduler {
 public:
  Thread* current() const { return ward_switch_state.current; }

  // Starts scheduling: the most urgent ready thread runs; the boot context is left for good.
  [[noreturn]] void start();
  // start() without leaving: chooses the first thread and arms the timer (the host port's start).
  void prepare_start();

  void make_ready(Thread& t);
  // Lets the running thread's equal-priority peers run first: O(1), only its level rotates.
  [[gnu::always_inline]] void yield_current() {
    const Thread& self = *current();
    if (!ReadyQueue::has_peer(self)) {
      return;  // alone at its level: nothing else may run
    }
    Thread* next = ready_.rotate(self);
    if constexpr (config::time_slice_us > 0) {
      reschedule();  // also restarts the slice and re-arms the timer
    } else {
      ward_switch_state.next = next;
      arch::request_switch();
    }
  }
  // Blocks the running thread on `queue` (none for a plain sleep) until a waker or the timeout
  // ends the wait; returns the waker's outcome or Error::timeout. Called with the kernel lock held.
  // `open_to`: the caller's KernelLock::saved(). Timeouts go by reference down the blocking path:
  // by value, each level copied its 16 bytes through the stack.
  [[gnu::always_inline]] Status block_current(arch::IrqState open_to, WaitQueue* queue, const Timeout& timeout) {
    suspend_current(queue, timeout);
    return wait_for_wake(open_to);
  }
  // The common end of every blocking call whose object was not available: refuse when the caller
  // may not wait (Timeout::none, or an interrupt handler), otherwise block.
  [[gnu::always_inline]] Status wait(arch::IrqState open_to, WaitQueue* queue, const Timeout& timeout) {
    if (timeout.is_none()) {
      return fail(Error::would_block);
    }
    if (arch::in_isr()) {
      return fail(Error::in_isr);
    }
    // An abort marked while the thread was on its way into a wait it may not finish (AbortableWait,
    // thread.hpp): the wait does not begin. Under the kernel lock, as Thread::abort() marks it.
    if constexpr (config::abortable_waits) {
      if (const Thread& self = *current(); self.abortable_wait_ && self.abort_pending_) {
        return fail(Error::aborted);
      }
    }
    return block_current(open_to, queue, timeout);
  }
  // The two halves of block_current, for callers with work to do in between (the mutex passes
  // its priority on to the owner before the switch).
  void suspend_current(WaitQueue* queue, const Timeout& timeout);
  Status wait_for_wake(arch::IrqState open_to);
  // Ends a blocked thread's wait with `outcome`, making it ready.
  void wake(Thread& t, Status outcome);
  // Sets the priority the thread runs at (base or inherited), keeping every queue in order.
  void change_priority(Thread& t, Priority p);
  // Takes the thread off the CPU's lists and out of whatever it waits on, and releases its
  // mutexes: it is dead. Its joiners wait on (a restart may follow: it has not ended yet).
  void halt(Thread& t);
  // The thread has ended: its joiners return (unless its end is deferred: end_completed does it).
  void release_joiners(Thread& t);
  // From an end hook (in halt(), kernel lock held): the thread's end waits for work that needs
  // thread context; end_completed(t), from that work, finishes it (joiners return if it is dead;
  // a thread restarted meanwhile just loses the mark).
  void defer_end(Thread& t);
  void end_completed(Thread& t);
  // halt() and release_joiners(): the thread returned, exited or was aborted.
  void finish(Thread& t) {
    halt(t);
    release_joiners(t);
  }
  // Takes a thread out of whatever it waits on (queue, mutex, timeout).
  void detach(Thread& t);
  // Requests a switch if the most urgent ready thread is not the running one.
  void reschedule();
  // From the port's timer interrupt: fires due timeouts, rotates time slices, re-arms the timer.
  void timer_interrupt();
  void add_timeout(TimeoutEntry& e, Instant deadline);
  void remove_timeout(TimeoutEntry& e) { timeouts_.remove(e); }
  Instant now() const { return Instant::from_ticks(arch::timer_now()); }

  // Host port only: forget every thread (each test starts a fresh kernel).
  void reset();

 private:
  void arm_timer();

  ReadyQueue ready_;
  TimeoutList timeouts_;
  bool started_ = false;
  Instant armed_{};             // the deadline the timer is programmed for...
  bool armed_valid_ = false;    // ...when this is set
};

extern Scheduler the_scheduler;

// Installed by the first Mutex::lock(): what a thread's end or a waiter's departure means for the
// mutexes involved. Images that never lock a mutex carry none of the inheritance code.
struct MutexHooks {
  void (*release_all_held_by)(Thread&) = nullptr;
  void (*waiter_left)(Mutex&) = nullptr;
};
extern MutexHooks mutex_hooks;

// Called when a thread ends (it returned, exited or was aborted, or was stopped or restarted after
// a fault), with the kernel lock held: for state kept about the thread outside the kernel (the
// secure side's). Set once, at start-up, by whoever keeps such state.
extern void (*thread_end_hook)(Thread&);
// The same for the socket calls (kernel/src/socket.cpp; only with CONFIG_WARD_NET_SOCKETS): the
// thread's sockets are withdrawn at once and closed by a kernel thread; the end is deferred
// (defer_end) until they are. Host port: sockets_reset() forgets that thread with the others.
void sockets_thread_ended(Thread& t);
void sockets_reset();
[[gnu::always_inline]] inline Scheduler& scheduler() { return the_scheduler; }

// The kernel's own threads and the application's main thread; started by boot().
[[noreturn]] void start(int (*app_main)());

}  // namespace ward::kernel
