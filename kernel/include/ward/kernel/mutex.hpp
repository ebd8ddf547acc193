// Mutex with priority inheritance.
//
// Only the owner may unlock; locking a mutex one already holds is an error (no recursion). While
// a thread waits, the owner runs at least at the waiter's priority, and so does whoever the owner
// itself waits for (transitive inheritance). When waits end (unlock, timeout, abort) every
// inherited priority is recomputed, so nobody keeps a boost it no longer needs. A thread that
// ends while holding mutexes releases them to their next waiters.
#pragma once
#include "ward/kernel/error.hpp"
#include "ward/kernel/time.hpp"
#include "ward/kernel/wait_queue.hpp"

namespace ward {

class Thread;
namespace kernel {
class Scheduler;
struct MutexHooks;
}

class Mutex {
 public:
  constexpr Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;
  ~Mutex() = default;

  Status lock(Timeout timeout = Timeout::forever());
  Status try_lock() { return lock(Timeout::none()); }
  Status unlock();
  Thread* owner() const { return owner_; }

 private:
  friend class kernel::Scheduler;
  friend class Thread;

  // A waiter stopped waiting (timeout, abort): the owner may no longer need its boost.
  void waiter_left();
  // Passes the mutex to the most urgent waiter, or frees it.
  void hand_over();
  // Recomputes t's priority (base or inherited) and follows the chain of owners it waits on.
  static void update_priority(Thread& t);
  static void release_all_held_by(Thread& t);

  Thread* owner_ = nullptr;
  Mutex* next_held_ = nullptr;  // the owner's list of held mutexes
  kernel::WaitQueue waiters_;
};

}  // namespace ward
