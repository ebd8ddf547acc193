// Message queue of fixed-size items, copied in and out (no pointers shared between threads).
//
// send() blocks while the queue is full, receive() while it is empty, each up to its timeout.
// try_send() and try_receive() never block and are the forms for interrupt handlers. When a
// receiver is already waiting, send() copies the item straight into it; when senders wait on a
// full queue, receive() moves the first of them in behind, keeping FIFO order.
#pragma once
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "ward/kernel/error.hpp"
#include "ward/kernel/time.hpp"
#include "ward/kernel/wait_queue.hpp"

namespace ward {
namespace kernel {

// The untyped queue; Queue<T, N> gives it a type and storage.
class QueueCore {
 public:
  constexpr QueueCore(std::byte* buffer, std::size_t item_size, std::size_t capacity)
      : buffer_{buffer}, item_size_{item_size}, capacity_{capacity} {}
  QueueCore(const QueueCore&) = delete;
  QueueCore& operator=(const QueueCore&) = delete;
  ~QueueCore() = default;

  Status send(const void* item, const Timeout& timeout);
  Status receive(void* item, const Timeout& timeout);
  std::size_t size() const { return count_; }
  std::size_t capacity() const { return capacity_; }
  std::size_t item_size() const { return item_size_; }
  // Ends every wait on the queue, sender's or receiver's, with Error::aborted: for an owner that
  // frees or reuses the queue's memory (lwIP's mailboxes, lib/net/lwip/sys_arch.cpp), which must
  // never leave a thread waiting inside it.
  void abort_waiters();

 private:
  std::byte* slot(std::size_t index) const { return buffer_ + index * item_size_; }

  std::byte* buffer_;
  std::size_t item_size_;
  std::size_t capacity_;
  std::size_t head_ = 0;  // oldest item
  std::size_t count_ = 0;
  WaitQueue senders_;
  WaitQueue receivers_;
};

}  // namespace kernel

template <class T, std::size_t N>
class Queue {
  static_assert(std::is_trivially_copyable_v<T>, "queue items are copied byte for byte");
  static_assert(N > 0, "a queue holds at least one item");

 public:
  constexpr Queue() : core_{storage_, sizeof(T), N} {}  // NOLINT(bugprone-sizeof-expression): T may be a pointer, copied as one

  Status send(const T& item, Timeout timeout = Timeout::forever()) { return core_.send(&item, timeout); }
  Status try_send(const T& item) { return core_.send(&item, Timeout::none()); }
  Result<T> receive(Timeout timeout = Timeout::forever()) {
    T item;
    if (auto s = core_.receive(&item, timeout); !s) {
      return fail(s.error());
    }
    return item;
  }
  Result<T> try_receive() { return receive(Timeout::none()); }
  std::size_t size() const { return core_.size(); }
  // The type-independent queue, which system calls and grants work with.
  kernel::QueueCore& core() { return core_; }

 private:
  alignas(T) std::byte storage_[sizeof(T) * N]{};  // NOLINT(bugprone-sizeof-expression): T may be a pointer, stored as one
  kernel::QueueCore core_;
};

}  // namespace ward
