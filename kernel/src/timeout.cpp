#include "ward/kernel/timeout.hpp"

namespace ward {

// Out of line on purpose: the saturating 64-bit arithmetic is needed once, not at every call site.
Instant Timeout::deadline(Instant now) const {
  if (kind_ == Kind::until) {
    return Instant::from_ticks(static_cast<std::uint64_t>(value_.ticks()));
  }
  return kind_ == Kind::after ? now + value_ : Instant::never();
}

}  // namespace ward

namespace ward::kernel {
namespace {
TimeoutEntry* entry_of(ListNode* n) { return owner_of<TimeoutEntry, TimeoutTag>(n); }
}  // namespace

void TimeoutList::add(TimeoutEntry& e, Instant deadline) {
  remove(e);
  e.deadline_ = deadline;
  // Walk back from the latest deadline: most new deadlines are the latest, so this is usually
  // one step. Equal deadlines keep their arrival order.
  ListNode* pos = list_.last();
  while (pos != nullptr && entry_of(pos)->deadline_ > deadline) {
    pos = pos->prev == &list_.sentinel() ? nullptr : pos->prev;
  }
  ListNode& link = static_cast<Linked<TimeoutTag>&>(e);
  ListHead::insert_before(pos == nullptr ? *list_.sentinel().next : *pos->next, link);
}

Instant TimeoutList::next_deadline() const {
  ListNode* first = list_.first();
  return first == nullptr ? Instant::never() : entry_of(first)->deadline_;
}

int TimeoutList::expire(Instant now) {
  int fired = 0;
  while (ListNode* first = list_.first()) {
    TimeoutEntry* e = entry_of(first);
    if (e->deadline_ > now) {
      break;
    }
    first->unlink();
    e->expire_(*e);  // may add the entry again (periodic timers): it lands behind `now`
    ++fired;
  }
  return fired;
}

}  // namespace ward::kernel
