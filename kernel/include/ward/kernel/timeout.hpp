// Timeouts: every pending deadline (a blocked thread's timeout, a software timer) is a TimeoutEntry
// in one list kept in deadline order, so the timer interrupt finds each expired entry at the head
// in O(1). Insertion walks the list (from the far end, where new deadlines usually belong).
#pragma once
#include <cstdint>

#include "ward/intrusive_list.hpp"
#include "ward/kernel/time.hpp"

namespace ward {

namespace kernel {
class Scheduler;
class TimeoutList;
class WaitQueue;
struct Waiter;
}  // namespace kernel

class TimeoutEntry : public Linked<struct TimeoutTag> {
 public:
  using Expire = void (*)(TimeoutEntry&);
  explicit constexpr TimeoutEntry(Expire expire) : expire_{expire} {}

 protected:
  void set_expire(Expire expire) { expire_ = expire; }

 public:
  bool pending() const { return Linked<TimeoutTag>::linked(); }
  Instant deadline() const { return deadline_; }

 private:
  friend class kernel::TimeoutList;
  Expire expire_;
  Instant deadline_{};
};

namespace kernel {

class TimeoutList {
 public:
  void add(TimeoutEntry& e, Instant deadline);
  void remove(TimeoutEntry& e) { static_cast<Linked<TimeoutTag>&>(e).unlink(); }
  Instant next_deadline() const;
  // Removes and fires, in deadline order, every entry due at `now`. Returns how many fired.
  int expire(Instant now);

 private:
  ListHead list_;
};

}  // namespace kernel
}  // namespace ward
