// The kernel's scheduling rules, as scenarios (see scenario.hpp). Every scenario leaves no thread
// of its own behind, so they can run one after another in one kernel.
#include <cstdint>

#include "scenario.hpp"
#include "ward/stack_bound.hpp"

namespace ward::scenario {
namespace {

// ---- A small log of events, to check orderings -------------------------------------------------
struct Log {
  int entries[32];
  int size = 0;
  void add(int v) {
    if (size < 32) {
      entries[size++] = v;
    }
  }
  bool is(std::initializer_list<int> expected) const {
    if (static_cast<int>(expected.size()) != size) {
      return false;
    }
    int i = 0;
    for (int v : expected) {
      if (entries[i++] != v) {
        return false;
      }
    }
    return true;
  }
};
Log log;

void* tag(int id) { return reinterpret_cast<void*>(static_cast<std::intptr_t>(id)); }
int id_of(void* arg) { return static_cast<int>(reinterpret_cast<std::intptr_t>(arg)); }

ThreadStack<1024> stacks[4];
Thread threads[4];

// Aborts whatever of the scenario's threads is still alive.
void cleanup() {
  for (Thread& t : threads) {
    if (t.state() == ThreadState::ready || t.state() == ThreadState::blocked) {
      (void)t.abort();
    }
  }
}

void log_id(void* arg) { log.add(id_of(arg)); }

// ---- Priorities ----------------------------------------------------------------------------------

void higher_priority_preempts_lower_waits() {
  log = {};
  WARD_STACK_BOUND_THREAD(stacks, &log_id);
  SCENARIO_OK(threads[0].start(stacks[0].span(), &log_id, tag(1), relative(-1), "low"));
  SCENARIO_CHECK(log.size == 0);  // lower than us: not yet
  SCENARIO_OK(threads[1].start(stacks[1].span(), &log_id, tag(2), relative(+1), "high"));
  SCENARIO_CHECK(log.is({2}));  // higher: ran before start() returned
  SCENARIO_OK(threads[0].join(Timeout::forever()));
  SCENARIO_CHECK(log.is({2, 1}));
  SCENARIO_OK(threads[1].join(Timeout::forever()));
  SCENARIO_CHECK(threads[0].state() == ThreadState::dead);
}

void log_yield_log(void* arg) {
  log.add(id_of(arg));
  this_thread::yield();
  log.add(id_of(arg));
}

void equal_priorities_run_fifo_and_yield_rotates() {
  log = {};
  for (int i = 0; i < 3; ++i) {
    WARD_STACK_BOUND_THREAD(stacks, &log_yield_log);
    SCENARIO_OK(threads[i].start(stacks[i].span(), &log_yield_log, tag(i + 1), relative(-1), "peer"));
  }
  for (int i = 0; i < 3; ++i) {
    SCENARIO_OK(threads[i].join(Timeout::forever()));
  }
  SCENARIO_CHECK(log.is({1, 2, 3, 1, 2, 3}));
}

void preempted_thread_keeps_its_place() {
  // Two equal threads; an interrupt wakes a higher one while the first runs. After it, the first
  // continues (it keeps the head of its level) before the second gets a turn.
  log = {};
  static BinarySemaphore wake_high;
  struct Local {
    static void high(void*) {
      SCENARIO_OK(wake_high.take(Timeout::forever()));
      log.add(9);
    }
    static void first(void*) {
      log.add(1);
      constexpr auto isr_94 = +[](void*) { SCENARIO_OK(wake_high.give()); };
      WARD_STACK_BOUND_IRQ(isr_94);
      raise_interrupt(isr_94, nullptr);
      log.add(1);
    }
  };
  WARD_STACK_BOUND_THREAD(stacks, &Local::high);
  SCENARIO_OK(threads[0].start(stacks[0].span(), &Local::high, nullptr, relative(+1), "high"));
  WARD_STACK_BOUND_THREAD(stacks, &Local::first);
  SCENARIO_OK(threads[1].start(stacks[1].span(), &Local::first, nullptr, relative(-1), "first"));
  SCENARIO_OK(threads[2].start(stacks[2].span(), &log_id, tag(2), relative(-1), "second"));
  for (int i = 0; i < 3; ++i) {
    SCENARIO_OK(threads[i].join(Timeout::forever()));
  }
  SCENARIO_CHECK(log.is({1, 9, 1, 2}));
}

void set_priority_reorders() {
  log = {};
  SCENARIO_OK(threads[0].start(stacks[0].span(), &log_id, tag(1), relative(-2), "a"));
  SCENARIO_OK(threads[1].start(stacks[1].span(), &log_id, tag(2), relative(-1), "b"));
  SCENARIO_OK(threads[0].set_priority(relative(-1)));  // same as b, but queued behind it
  SCENARIO_ERR(threads[0].set_priority(Priority{Priority::kIdle}), Error::invalid_argument);
  SCENARIO_OK(threads[0].join(Timeout::forever()));
  SCENARIO_OK(threads[1].join(Timeout::forever()));
  SCENARIO_CHECK(log.is({2, 1}));
}

void time_slices_rotate_equal_priorities() {
  if constexpr (config::time_slice_us == 0) {
    return;  // built without time slicing: nothing to rotate
  }
  log = {};
  struct Local {
    static void busy(void* arg) {
      for (int i = 0; i < 8; ++i) {
        if (log.size == 0 || log.entries[log.size - 1] != id_of(arg)) {
          log.add(id_of(arg));
        }
        busy_for(Duration::us(config::time_slice_us / 2));
      }
    }
  };
  WARD_STACK_BOUND_THREAD(stacks, &Local::busy);
  SCENARIO_OK(threads[0].start(stacks[0].span(), &Local::busy, tag(1), relative(-1), "busy1"));
  SCENARIO_OK(threads[1].start(stacks[1].span(), &Local::busy, tag(2), relative(-1), "busy2"));
  SCENARIO_OK(threads[0].join(Timeout::forever()));
  SCENARIO_OK(threads[1].join(Timeout::forever()));
  // Without slicing the log would be {1, 2}: each ran to the end before the other started.
  SCENARIO_CHECK(log.size >= 4);
  SCENARIO_CHECK(log.entries[0] == 1 && log.entries[1] == 2);
}

// ---- Mutex and priority inheritance ---------------------------------------------------------------

Mutex m1, m2;
BinarySemaphore release_low;
Status high_result;

void low_holds_m1(void*) {
  SCENARIO_OK(m1.lock());
  SCENARIO_OK(release_low.take());
  SCENARIO_OK(m1.unlock());
}
void mid_holds_m2_wants_m1(void*) {
  SCENARIO_OK(m2.lock());
  SCENARIO_OK(m1.lock());
  SCENARIO_OK(m1.unlock());
  SCENARIO_OK(m2.unlock());
}
void high_wants_m2(void*) { high_result = m2.lock(Timeout::after(Duration::ms(5))); }

void priority_inheritance_is_transitive_and_undone() {
  Thread& low = threads[0];
  Thread& mid = threads[1];
  Thread& high = threads[2];
  const Priority p_low = relative(-3), p_mid = relative(-2), p_high = relative(-1);

  WARD_STACK_BOUND_THREAD(stacks, &low_holds_m1);
  SCENARIO_OK(low.start(stacks[0].span(), &low_holds_m1, nullptr, p_low, "low"));
  SCENARIO_OK(this_thread::sleep_for(Duration::ms(1)));  // low takes m1 and waits
  SCENARIO_CHECK(m1.owner() == &low);

  WARD_STACK_BOUND_THREAD(stacks, &mid_holds_m2_wants_m1);
  SCENARIO_OK(mid.start(stacks[1].span(), &mid_holds_m2_wants_m1, nullptr, p_mid, "mid"));
  SCENARIO_OK(this_thread::sleep_for(Duration::ms(1)));  // mid takes m2, blocks on m1
  SCENARIO_CHECK(low.priority() == p_mid);

  WARD_STACK_BOUND_THREAD(stacks, &high_wants_m2);
  SCENARIO_OK(high.start(stacks[2].span(), &high_wants_m2, nullptr, p_high, "high"));
  SCENARIO_OK(this_thread::sleep_for(Duration::ms(1)));  // high blocks on m2
  SCENARIO_CHECK(mid.priority() == p_high);
  SCENARIO_CHECK(low.priority() == p_high);  // through mid: transitive

  SCENARIO_OK(high.join(Timeout::forever()));  // its lock times out after 5 ms
  SCENARIO_ERR(high_result, Error::timeout);
  SCENARIO_CHECK(mid.priority() == p_mid);  // high's boost is gone along the whole chain
  SCENARIO_CHECK(low.priority() == p_mid);  // still boosted by mid, which still waits on m1

  SCENARIO_ERR(m1.unlock(), Error::not_owner);  // only the owner may unlock
  SCENARIO_OK(release_low.give());
  SCENARIO_OK(low.join(Timeout::forever()));
  SCENARIO_OK(mid.join(Timeout::forever()));
  SCENARIO_CHECK(low.priority() == p_low);
  SCENARIO_CHECK(m1.owner() == nullptr && m2.owner() == nullptr);
}

void mutex_checks_its_owner() {
  SCENARIO_OK(m1.lock());
  SCENARIO_ERR(m1.lock(), Error::deadlock);
  SCENARIO_ERR(m1.lock(Timeout::none()), Error::deadlock);
  SCENARIO_OK(m1.unlock());
  SCENARIO_ERR(m1.unlock(), Error::not_owner);
  constexpr auto isr_199 = +[](void*) { SCENARIO_ERR(m1.lock(), Error::in_isr); };
  WARD_STACK_BOUND_IRQ(isr_199);
  raise_interrupt(isr_199, nullptr);
}

// ---- Timeouts: every blocking call, and Timeout::none ---------------------------------------------

void every_blocking_call_times_out() {
  static Semaphore sem{0, 4};
  static Queue<std::uint32_t, 1> queue;
  static EventFlags flags;
  const Timeout t = Timeout::after(Duration::ms(2));

  Instant start = now();
  SCENARIO_ERR(sem.take(t), Error::timeout);
  SCENARIO_CHECK(now() - start >= Duration::ms(2));
  SCENARIO_ERR(sem.take(Timeout::none()), Error::would_block);

  SCENARIO_ERR(queue.receive(t), Error::timeout);
  SCENARIO_ERR(queue.try_receive(), Error::would_block);
  SCENARIO_OK(queue.send(1u, t));
  start = now();
  SCENARIO_ERR(queue.send(2u, t), Error::timeout);  // full
  SCENARIO_CHECK(now() - start >= Duration::ms(2));
  SCENARIO_ERR(queue.try_send(2u), Error::would_block);
  SCENARIO_CHECK(queue.receive(Timeout::none()).value_or(0) == 1u);

  SCENARIO_ERR(flags.wait(0x1, EventFlags::Wait::any, false, t), Error::timeout);
  SCENARIO_ERR(flags.wait(0x1, EventFlags::Wait::any, false, Timeout::none()), Error::would_block);

  // A mutex held by another thread, and a join on a thread that does not finish in time.
  constexpr auto entry_228 = +[](void*) {
    SCENARIO_OK(m1.lock());
    SCENARIO_OK(release_low.take());
    SCENARIO_OK(m1.unlock());
  };
  WARD_STACK_BOUND_THREAD(stacks, entry_228);
  SCENARIO_OK(threads[0].start(stacks[0].span(), entry_228, nullptr, relative(+1), "holder"));
  SCENARIO_ERR(m1.lock(t), Error::timeout);
  SCENARIO_ERR(m1.try_lock(), Error::would_block);
  SCENARIO_ERR(threads[0].join(t), Error::timeout);
  SCENARIO_ERR(threads[0].join(Timeout::none()), Error::would_block);
  SCENARIO_OK(release_low.give());
  SCENARIO_OK(threads[0].join(Timeout::forever()));

  start = now();
  SCENARIO_OK(this_thread::sleep_for(Duration::ms(3)));
  SCENARIO_CHECK(now() - start >= Duration::ms(3));
  SCENARIO_OK(this_thread::sleep_until(now() + Duration::ms(1)));
}

void waking_before_the_timeout_cancels_it() {
  static Semaphore sem{0, 1};
  constexpr auto entry_248 = +[](void*) {
    SCENARIO_OK(sem.take(Timeout::after(Duration::ms(50))));
    SCENARIO_ERR(sem.take(Timeout::after(Duration::ms(1))), Error::timeout);
  };
  WARD_STACK_BOUND_THREAD(stacks, entry_248);
  SCENARIO_OK(threads[0].start(stacks[0].span(), entry_248, nullptr, relative(+1), "taker"));
  SCENARIO_OK(sem.give());
  SCENARIO_OK(threads[0].join(Timeout::forever()));
}

// ---- Interrupts --------------------------------------------------------------------------------------

BinarySemaphore isr_sem;
Queue<std::uint32_t, 2> isr_queue;
EventFlags isr_flags;

void interrupts_wake_threads_and_never_block() {
  log = {};
  constexpr auto entry_264 = +[](void*) {
    SCENARIO_OK(isr_sem.take());
    log.add(2);
    SCENARIO_CHECK(isr_queue.receive().value_or(0) == 7u);
    log.add(3);
    SCENARIO_CHECK(isr_flags.wait(0x3, EventFlags::Wait::all, true).value_or(0) == 0x3u);
    log.add(4);
  };
  WARD_STACK_BOUND_THREAD(stacks, entry_264);
  SCENARIO_OK(threads[0].start(stacks[0].span(), entry_264, nullptr, relative(+1), "woken"));
  log.add(1);
  constexpr auto isr_273 = +[](void*) {
    SCENARIO_OK(isr_sem.give());  // goes straight to the waiting thread
    // Blocking calls refuse to block in an interrupt; the non-blocking forms work.
    SCENARIO_ERR(isr_sem.take(Timeout::forever()), Error::in_isr);
    SCENARIO_ERR(isr_sem.try_take(), Error::would_block);
    SCENARIO_OK(isr_sem.give());
    SCENARIO_OK(isr_sem.try_take());
  };
  WARD_STACK_BOUND_IRQ(isr_273);
  raise_interrupt(isr_273, nullptr);
  SCENARIO_CHECK(log.is({1, 2}));  // the woken thread ran as soon as the interrupt returned
  constexpr auto isr_282 = +[](void*) { SCENARIO_OK(isr_queue.try_send(7u)); };
  WARD_STACK_BOUND_IRQ(isr_282);
  raise_interrupt(isr_282, nullptr);
  SCENARIO_CHECK(log.is({1, 2, 3}));
  constexpr auto isr_284 = +[](void*) { isr_flags.set(0x1); };
  WARD_STACK_BOUND_IRQ(isr_284);
  raise_interrupt(isr_284, nullptr);
  SCENARIO_CHECK(log.is({1, 2, 3}));  // needs both bits
  constexpr auto isr_286 = +[](void*) { isr_flags.set(0x2); };
  WARD_STACK_BOUND_IRQ(isr_286);
  raise_interrupt(isr_286, nullptr);
  SCENARIO_CHECK(log.is({1, 2, 3, 4}));
  SCENARIO_CHECK(isr_flags.get() == 0u);  // cleared on exit
  SCENARIO_OK(threads[0].join(Timeout::forever()));
}

// ---- Abort ---------------------------------------------------------------------------------------

void abort_stops_blocked_ready_and_sleeping_threads() {
  static Semaphore sem{0, 4};
  log = {};
  constexpr auto entry_297 = +[](void*) {
    (void)sem.take();
    log.add(1);  // never reached
  };
  WARD_STACK_BOUND_THREAD(stacks, entry_297);
  SCENARIO_OK(threads[0].start(stacks[0].span(), entry_297, nullptr, relative(+1), "blocked"));
  constexpr auto entry_301 = +[](void*) {
    (void)this_thread::sleep_for(Duration::s(10));
    log.add(2);
  };
  WARD_STACK_BOUND_THREAD(stacks, entry_301);
  SCENARIO_OK(threads[1].start(stacks[1].span(), entry_301, nullptr, relative(+1), "sleeper"));
  SCENARIO_OK(threads[2].start(stacks[2].span(), &log_id, tag(3), relative(-1), "ready"));
  SCENARIO_CHECK(threads[0].state() == ThreadState::blocked);
  SCENARIO_OK(threads[0].abort());
  SCENARIO_OK(threads[1].abort());
  SCENARIO_OK(threads[2].abort());  // ready but never ran
  SCENARIO_ERR(threads[2].abort(), Error::invalid_state);
  for (int i = 0; i < 3; ++i) {
    SCENARIO_CHECK(threads[i].state() == ThreadState::dead);
    SCENARIO_OK(threads[i].join(Timeout::none()));
  }
  SCENARIO_OK(sem.give());  // the aborted taker is gone: the count stays
  SCENARIO_CHECK(sem.count() == 1u);
  SCENARIO_OK(this_thread::sleep_for(Duration::ms(1)));
  SCENARIO_CHECK(log.size == 0);
}

void abort_releases_mutexes_and_undoes_inheritance() {
  static BinarySemaphore hold;
  Thread& owner = threads[0];
  Thread& waiter = threads[1];
  constexpr auto entry_325 = +[](void*) {
    SCENARIO_OK(m2.lock());
    (void)hold.take();
  };
  WARD_STACK_BOUND_THREAD(stacks, entry_325);
  SCENARIO_OK(owner.start(stacks[0].span(), entry_325, nullptr, relative(-2), "owner"));
  SCENARIO_OK(this_thread::sleep_for(Duration::ms(1)));
  constexpr auto entry_330 = +[](void*) {
    SCENARIO_OK(m2.lock());
    log.add(5);
    SCENARIO_OK(m2.unlock());
  };
  WARD_STACK_BOUND_THREAD(stacks, entry_330);
  SCENARIO_OK(waiter.start(stacks[1].span(), entry_330, nullptr, relative(-1), "waiter"));
  SCENARIO_OK(this_thread::sleep_for(Duration::ms(1)));
  SCENARIO_CHECK(owner.priority() == waiter.priority());
  log = {};
  SCENARIO_OK(owner.abort());
  SCENARIO_OK(waiter.join(Timeout::forever()));
  SCENARIO_CHECK(log.is({5}));
  SCENARIO_CHECK(m2.owner() == nullptr);

  // Aborting a waiter gives its boost back too.
  constexpr auto entry_344 = +[](void*) {
    SCENARIO_OK(m2.lock());
    (void)hold.take();
    SCENARIO_OK(m2.unlock());
  };
  WARD_STACK_BOUND_THREAD(stacks, entry_344);
  SCENARIO_OK(owner.start(stacks[0].span(), entry_344, nullptr, relative(-2), "owner"));
  SCENARIO_OK(this_thread::sleep_for(Duration::ms(1)));
  constexpr auto entry_350 = +[](void*) { (void)m2.lock(); };
  WARD_STACK_BOUND_THREAD(stacks, entry_350);
  SCENARIO_OK(waiter.start(stacks[1].span(), entry_350, nullptr, relative(-1), "waiter"));
  SCENARIO_OK(this_thread::sleep_for(Duration::ms(1)));
  const Priority boosted = owner.priority();
  SCENARIO_OK(waiter.abort());
  SCENARIO_CHECK(owner.priority() < boosted);
  SCENARIO_CHECK(owner.priority() == owner.base_priority());
  SCENARIO_OK(hold.give());
  SCENARIO_OK(owner.join(Timeout::forever()));
}

// A thread inside an AbortDeferral is only marked by an abort, and ends when the deferral does;
// a wait in an AbortableWait scope (a socket call's mailbox wait) is ended by the abort with
// Error::aborted, so the call returns and the thread ends at once, also when the abort came before
// the wait began. A wait outside such a scope stays (red-team review: a thread blocked in
// net_recvfrom could not be aborted).
void abort_ends_an_abortable_wait_inside_a_deferral() {
  static Queue<std::uint32_t, 1> queue;
  static BinarySemaphore hold;
  log = {};
  SCENARIO_OK(threads[0].start(stacks[0].span(), [](void*) {
    const kernel::AbortDeferral deferral;
    {
      const kernel::AbortableWait abortable;
      const auto r = queue.receive(Timeout::forever());
      log.add(!r && r.error() == Error::aborted ? 1 : 9);
    }
    log.add(2);
  }, nullptr, relative(+1), "abortable"));
  SCENARIO_CHECK(threads[0].state() == ThreadState::blocked);
  SCENARIO_OK(threads[0].abort());
  SCENARIO_OK(threads[0].join(Timeout::after(Duration::ms(10))));
  SCENARIO_CHECK(log.is({1, 2}));  // returned from the wait, ended where the deferral did

  // Not abortable: the wait goes on, the abort takes effect after it. Then the abort marked before
  // the abortable wait begins: it does not block.
  log = {};
  SCENARIO_OK(threads[1].start(stacks[1].span(), [](void*) {
    const kernel::AbortDeferral deferral;
    (void)hold.take();
    log.add(3);
    {
      const kernel::AbortableWait abortable;
      const auto r = queue.receive(Timeout::forever());
      log.add(!r && r.error() == Error::aborted ? 4 : 9);
    }
  }, nullptr, relative(+1), "deferred"));
  SCENARIO_CHECK(threads[1].state() == ThreadState::blocked);
  SCENARIO_OK(threads[1].abort());
  SCENARIO_ERR(threads[1].join(Timeout::after(Duration::ms(10))), Error::timeout);
  SCENARIO_CHECK(log.size == 0);
  SCENARIO_OK(hold.give());
  SCENARIO_OK(threads[1].join(Timeout::after(Duration::ms(10))));
  SCENARIO_CHECK(log.is({3, 4}));
}

// ---- Queues, event flags, semaphores ---------------------------------------------------------

void queue_keeps_fifo_order_and_blocks_when_full() {
  static Queue<std::uint32_t, 3> q;
  log = {};
  constexpr auto entry_365 = +[](void*) {
    for (std::uint32_t i = 1; i <= 6; ++i) {
      SCENARIO_OK(q.send(i));  // blocks on the 4th until the reader drains
    }
    log.add(100);
  };
  WARD_STACK_BOUND_THREAD(stacks, entry_365);
  SCENARIO_OK(threads[0].start(stacks[0].span(), entry_365, nullptr, relative(+1), "writer"));
  SCENARIO_CHECK(q.size() == 3u);  // the writer filled the queue and blocked
  for (std::uint32_t i = 1; i <= 6; ++i) {
    SCENARIO_CHECK(q.receive().value_or(0) == i);
  }
  SCENARIO_OK(threads[0].join(Timeout::forever()));
  SCENARIO_CHECK(log.is({100}));
  SCENARIO_CHECK(q.size() == 0u);
}

// A queue's owner about to free it (lwIP's mailboxes) ends every wait on it: receivers of an
// empty queue and senders of a full one return Error::aborted, and the queue works on after.
void queue_abort_waiters_ends_every_wait() {
  static Queue<std::uint32_t, 1> empty;
  static Queue<std::uint32_t, 1> full;
  static Status outcome[2];
  SCENARIO_OK(full.send(7));
  constexpr auto entry_387 = +[](void*) {
    auto r = empty.receive();
    outcome[0] = r ? Status{} : Status{fail(r.error())};
  };
  WARD_STACK_BOUND_THREAD(stacks, entry_387);
  SCENARIO_OK(threads[0].start(stacks[0].span(), entry_387,
                               nullptr, relative(+1), "receiver"));
  constexpr auto entry_392 = +[](void*) { outcome[1] = full.send(8); };
  WARD_STACK_BOUND_THREAD(stacks, entry_392);
  SCENARIO_OK(threads[1].start(stacks[1].span(), entry_392, nullptr, relative(+1),
                               "sender"));
  SCENARIO_CHECK(threads[0].state() == ThreadState::blocked);
  SCENARIO_CHECK(threads[1].state() == ThreadState::blocked);
  empty.core().abort_waiters();
  full.core().abort_waiters();
  SCENARIO_OK(threads[0].join(Timeout::forever()));
  SCENARIO_OK(threads[1].join(Timeout::forever()));
  SCENARIO_ERR(outcome[0], Error::aborted);
  SCENARIO_ERR(outcome[1], Error::aborted);
  SCENARIO_CHECK(full.size() == 1u);  // the aborted item never went in
  SCENARIO_CHECK(full.receive().value_or(0) == 7u);
  empty.core().abort_waiters();  // no waiter: nothing happens
  SCENARIO_OK(empty.send(9));
  SCENARIO_CHECK(empty.receive().value_or(0) == 9u);
}

void semaphore_counts_and_limits() {
  Semaphore sem{2, 3};
  SCENARIO_OK(sem.take());
  SCENARIO_OK(sem.take());
  SCENARIO_ERR(sem.take(Timeout::none()), Error::would_block);
  SCENARIO_OK(sem.give());
  SCENARIO_OK(sem.give());
  SCENARIO_OK(sem.give());
  SCENARIO_ERR(sem.give(), Error::overflow);
  SCENARIO_CHECK(sem.count() == 3u);
}

void waiters_are_served_by_priority() {
  static Semaphore sem{0, 8};
  log = {};
  struct Local {
    static void take(void* arg) {
      SCENARIO_OK(sem.take());
      log.add(id_of(arg));
    }
  };
  WARD_STACK_BOUND_THREAD(stacks, &Local::take);
  SCENARIO_OK(threads[0].start(stacks[0].span(), &Local::take, tag(1), relative(+1), "a"));
  SCENARIO_OK(threads[1].start(stacks[1].span(), &Local::take, tag(2), relative(+2), "b"));
  SCENARIO_OK(threads[2].start(stacks[2].span(), &Local::take, tag(3), relative(+1), "c"));
  for (int i = 0; i < 3; ++i) {
    SCENARIO_OK(sem.give());
  }
  SCENARIO_CHECK(log.is({2, 1, 3}));  // most urgent first, then FIFO
  for (int i = 0; i < 3; ++i) {
    SCENARIO_OK(threads[i].join(Timeout::forever()));
  }
}

void event_flags_any_all_and_clear() {
  static EventFlags f;
  f.clear(~0u);
  SCENARIO_CHECK(f.set(0x5) == 0x5u);
  SCENARIO_CHECK(f.wait(0x4, EventFlags::Wait::any, false, Timeout::none()).value_or(0) == 0x5u);
  SCENARIO_ERR(f.wait(0x6, EventFlags::Wait::all, false, Timeout::none()), Error::would_block);
  SCENARIO_CHECK(f.wait(0x1, EventFlags::Wait::all, true, Timeout::none()).value_or(0) == 0x5u);
  SCENARIO_CHECK(f.get() == 0x4u);
  SCENARIO_ERR(f.wait(0, EventFlags::Wait::any, false, Timeout::none()), Error::invalid_argument);
  log = {};
  constexpr auto entry_452 = +[](void*) {
    SCENARIO_CHECK(f.wait(0x30, EventFlags::Wait::all, true).value_or(0) == 0x34u);
    log.add(1);
  };
  WARD_STACK_BOUND_THREAD(stacks, entry_452);
  SCENARIO_OK(threads[0].start(stacks[0].span(), entry_452, nullptr, relative(+1), "waiter"));
  f.set(0x10);
  SCENARIO_CHECK(log.size == 0);
  f.set(0x20);
  SCENARIO_CHECK(log.is({1}));
  SCENARIO_CHECK(f.get() == 0x4u);
  SCENARIO_OK(threads[0].join(Timeout::forever()));
}

// ---- Timers ----------------------------------------------------------------------------------

void timers_fire_once_or_periodically() {
  static Semaphore ticks{0, 100};
  constexpr auto on_timer_468 = +[](Timer&, void*) { (void)ticks.give(); };
  WARD_STACK_BOUND_TIMER(on_timer_468);
  Timer one_shot{on_timer_468, nullptr};
  constexpr auto on_timer_469 = +[](Timer&, void*) { (void)ticks.give(); };
  WARD_STACK_BOUND_TIMER(on_timer_469);
  Timer periodic{on_timer_469, nullptr};

  const Instant start = now();
  SCENARIO_OK(one_shot.start(Duration::ms(2)));
  SCENARIO_OK(ticks.take(Timeout::after(Duration::ms(50))));
  SCENARIO_CHECK(now() - start >= Duration::ms(2));
  SCENARIO_ERR(ticks.take(Timeout::after(Duration::ms(5))), Error::timeout);  // only once
  SCENARIO_CHECK(one_shot.expirations() == 1u && !one_shot.running());

  SCENARIO_OK(periodic.start(Duration::ms(1), Duration::ms(1)));
  for (int i = 0; i < 5; ++i) {
    SCENARIO_OK(ticks.take(Timeout::after(Duration::ms(50))));
  }
  periodic.stop();
  SCENARIO_CHECK(periodic.expirations() >= 5u);
  const std::uint32_t fired = periodic.expirations();
  SCENARIO_OK(this_thread::sleep_for(Duration::ms(5)));
  SCENARIO_CHECK(periodic.expirations() == fired);  // stopped means stopped
  while (ticks.try_take()) {
  }
  SCENARIO_ERR(one_shot.start(Duration::ms(-1)), Error::invalid_argument);
}

// ---- Threads' own bookkeeping ----------------------------------------------------------------------

void thread_lifecycle_and_stack_usage() {
  SCENARIO_ERR(threads[0].create(stacks[0].span(), nullptr, nullptr, relative(-1), "x"), Error::invalid_argument);
  SCENARIO_ERR(threads[0].create(stacks[0].span(), &log_id, nullptr, Priority{200}, "x"), Error::invalid_argument);
  constexpr auto entry_497 = +[](void*) {
    volatile std::uint8_t scratch[200];
    for (auto& b : scratch) {
      b = 1;
    }
  };
  WARD_STACK_BOUND_THREAD(stacks, entry_497);
  SCENARIO_OK(threads[0].create(stacks[0].span(), entry_497, nullptr, relative(-1), "worker"));
  SCENARIO_CHECK(threads[0].state() == ThreadState::inactive);
  SCENARIO_ERR(threads[0].join(Timeout::none()), Error::invalid_state);
  SCENARIO_OK(threads[0].start());
  SCENARIO_ERR(threads[0].start(), Error::invalid_state);
  SCENARIO_OK(threads[0].join(Timeout::forever()));
  SCENARIO_ERR(this_thread::current().join(Timeout::forever()), Error::deadlock);
  const std::size_t unused = threads[0].stack_unused();
  SCENARIO_CHECK(unused <= threads[0].stack().size());
  if (real_stacks) {
    SCENARIO_CHECK(unused < threads[0].stack().size() - 200);  // it really used its stack
    SCENARIO_CHECK(unused > 0);
  }
  // The context is the first thing in a Thread: the context switch relies on it.
  SCENARIO_CHECK(static_cast<void*>(&threads[0].context()) == static_cast<void*>(&threads[0]));
}


// ---- Found in review: abort from an interrupt, idle protection, timers going out of scope -------

int starts = 0;
int old_incarnation_resumed = 0;
Priority worker_priority{};

void restartable_worker(void*) {
  ++starts;
  if (starts == 1) {
    // A watchdog interrupt aborts this thread while it runs and restarts it at once.
    constexpr auto isr_530 = +[](void*) {
      SCENARIO_OK(threads[0].abort());
      // (No this_thread::current() here: the aborted thread was the current one.)
      WARD_STACK_BOUND_THREAD(stacks, &restartable_worker);
      SCENARIO_OK(threads[0].start(stacks[0].span(), &restartable_worker, nullptr, worker_priority, "worker"));
    };
    WARD_STACK_BOUND_IRQ(isr_530);
    raise_interrupt(isr_530, nullptr);
    old_incarnation_resumed = 1;  // the aborted incarnation must never get here
  }
}

void abort_and_restart_from_an_interrupt() {
  starts = 0;
  old_incarnation_resumed = 0;
  worker_priority = relative(+1);
  SCENARIO_OK(threads[0].start(stacks[0].span(), &restartable_worker, nullptr, worker_priority, "worker"));
  SCENARIO_OK(threads[0].join(Timeout::forever()));
  SCENARIO_CHECK(starts == 2);
  SCENARIO_CHECK(old_incarnation_resumed == 0);
}

void priority_zero_belongs_to_idle() {
  SCENARIO_ERR(threads[0].create(stacks[0].span(), &log_id, nullptr, Priority{Priority::kIdle}, "x"),
               Error::invalid_argument);
  constexpr auto isr_552 = +[](void*) { this_thread::yield(); };
  WARD_STACK_BOUND_IRQ(isr_552);
  raise_interrupt(isr_552, nullptr);  // a no-op in an interrupt
}

void a_timer_out_of_scope_is_stopped() {
  static int fired = 0;
  fired = 0;
  {
    constexpr auto on_timer_559 = +[](Timer&, void*) { ++fired; };
    WARD_STACK_BOUND_TIMER(on_timer_559);
    Timer t{on_timer_559, nullptr};
    SCENARIO_OK(t.start(Duration::ms(1)));
  }  // destroyed while running
  SCENARIO_OK(this_thread::sleep_for(Duration::ms(3)));
  SCENARIO_CHECK(fired == 0);
}

}  // namespace

const Scenario all[] = {
    {"HigherPriorityPreemptsLowerWaits", &higher_priority_preempts_lower_waits},
    {"EqualPrioritiesRunFifoAndYieldRotates", &equal_priorities_run_fifo_and_yield_rotates},
    {"PreemptedThreadKeepsItsPlace", &preempted_thread_keeps_its_place},
    {"SetPriorityReorders", &set_priority_reorders},
    {"TimeSlicesRotateEqualPriorities", &time_slices_rotate_equal_priorities},
    {"PriorityInheritanceIsTransitiveAndUndone", &priority_inheritance_is_transitive_and_undone},
    {"MutexChecksItsOwner", &mutex_checks_its_owner},
    {"EveryBlockingCallTimesOut", &every_blocking_call_times_out},
    {"WakingBeforeTheTimeoutCancelsIt", &waking_before_the_timeout_cancels_it},
    {"InterruptsWakeThreadsAndNeverBlock", &interrupts_wake_threads_and_never_block},
    {"AbortStopsBlockedReadyAndSleepingThreads", &abort_stops_blocked_ready_and_sleeping_threads},
    {"AbortReleasesMutexesAndUndoesInheritance", &abort_releases_mutexes_and_undoes_inheritance},
    {"AbortEndsAnAbortableWaitInsideADeferral", &abort_ends_an_abortable_wait_inside_a_deferral},
    {"QueueKeepsFifoOrderAndBlocksWhenFull", &queue_keeps_fifo_order_and_blocks_when_full},
    {"QueueAbortWaitersEndsEveryWait", &queue_abort_waiters_ends_every_wait},
    {"SemaphoreCountsAndLimits", &semaphore_counts_and_limits},
    {"WaitersAreServedByPriority", &waiters_are_served_by_priority},
    {"EventFlagsAnyAllAndClear", &event_flags_any_all_and_clear},
    {"TimersFireOnceOrPeriodically", &timers_fire_once_or_periodically},
    {"ThreadLifecycleAndStackUsage", &thread_lifecycle_and_stack_usage},
    {"AbortAndRestartFromAnInterrupt", &abort_and_restart_from_an_interrupt},
    {"PriorityZeroBelongsToIdle", &priority_zero_belongs_to_idle},
    {"ATimerOutOfScopeIsStopped", &a_timer_out_of_scope_is_stopped},
};
const int count = sizeof all / sizeof all[0];

int& failures() {
  static int n = 0;
  return n;
}

// Runs one scenario and cleans up after it; returns its failed checks.
int run_one(const Scenario& s) {
  failures() = 0;
  s.run();
  cleanup();
  return failures();
}

}  // namespace ward::scenario
