// Counting semaphore (and binary: a limit of 1).
//
// give() never blocks and may be called from interrupt handlers; it hands the count straight to
// the most urgent waiter if there is one. take() blocks up to its timeout; try_take() never blocks
// and is the form for interrupt handlers. Giving beyond the limit is Error::overflow.
#pragma once
#include <concepts>
#include <cstdint>
#include <type_traits>

#include "ward/kernel/error.hpp"
#include "ward/kernel/lock.hpp"
#include "ward/kernel/time.hpp"
#include "ward/kernel/wait_queue.hpp"

namespace ward {

class Semaphore {
 public:
  constexpr Semaphore(std::uint32_t initial, std::uint32_t limit) : count_{initial}, limit_{limit} {}
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;
  ~Semaphore() = default;

  // The uncontended paths are inline (a lock, a compare, a count): only blocking, waking a waiter
  // and refusing leave them, with the lock still held. take() is always inlined, and its timeout
  // is anything that converts to a Timeout (a system call's checked argument): it is converted
  // only on the blocking path, so the fast path neither builds nor copies the 16-byte Timeout.
  Status take() { return take(Timeout::forever()); }
  template <class T>
    requires std::convertible_to<const T&, Timeout>
  [[gnu::always_inline]] Status take(const T& timeout) {
    kernel::KernelLock lock;
    if (count_ > 0) [[likely]] {
      --count_;
      return {};
    }
    if constexpr (std::is_same_v<T, Timeout>) {
      return take_contended(lock.saved(), timeout);
    } else {
      return take_converted(lock.saved(), timeout);
    }
  }
  Status try_take() { return take(Timeout::none()); }
  Status give() {
    kernel::KernelLock lock;
    if (waiters_.empty() && count_ < limit_) {
      ++count_;
      return {};
    }
    return give_contended();
  }
  std::uint32_t count() const { return count_; }

 private:
  // Called with the kernel lock held (`open_to`: what it opens to, for blocking).
  [[gnu::noinline]] Status take_contended(arch::IrqState open_to, const Timeout& timeout);
  // The same for a timeout still to be converted (a system call's, one word): the Timeout is
  // built here, so the inlined fast path keeps no stack frame for it.
  template <class T>
  [[gnu::noinline]] Status take_converted(arch::IrqState open_to, T timeout) {
    return take_contended(open_to, Timeout{timeout});
  }
  [[gnu::noinline]] Status give_contended();

  std::uint32_t count_;
  std::uint32_t limit_;
  kernel::WaitQueue waiters_;
};

class BinarySemaphore : public Semaphore {
 public:
  explicit constexpr BinarySemaphore(bool available = false) : Semaphore{available ? 1u : 0u, 1u} {}
};

}  // namespace ward
