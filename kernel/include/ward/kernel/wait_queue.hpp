// A wait queue: the threads blocked on one object, most urgent first, FIFO among equal priorities.
#pragma once
#include "ward/intrusive_list.hpp"

namespace ward {
class Thread;
namespace kernel {

class WaitQueue {
 public:
  WaitQueue() = default;
  constexpr explicit WaitQueue(ListHead::Deferred d) : list_{d} {}
  void init() { list_.init(); }
  bool empty() const { return list_.empty(); }
  Thread* first() const;
  Thread* next(const Thread& t) const;
  // Links `t` by its priority (behind every thread of equal or higher priority).
  void insert(Thread& t);
  void remove(Thread& t);

 private:
  ListHead list_;
};

}  // namespace kernel
}  // namespace ward
