// The kernel lock: masks every interrupt that may call into the kernel, for as long as the scope
// lives. Interrupts above the kernel's mask level (zero-latency interrupts) are never delayed.
#pragma once
#include "ward/kernel/port.hpp"

namespace ward::kernel {

class [[nodiscard]] KernelLock {
 public:
  // Always inlined: the lock must cost two instructions, not a call (and a local whose address
  // escapes into a call would also give every kernel call a stack canary check).
  [[gnu::always_inline]] KernelLock() : saved_{arch::irq_lock()} {}
  [[gnu::always_inline]] ~KernelLock() { arch::irq_unlock(saved_); }
  KernelLock(const KernelLock&) = delete;
  KernelLock& operator=(const KernelLock&) = delete;

  // What the scope opened to when it ends: blocking calls are given this by value (a reference
  // would make the lock's address escape, and every kernel call with it carry a stack canary).
  [[gnu::always_inline]] arch::IrqState saved() const { return saved_; }

 private:
  arch::IrqState saved_;
};

// Lets a requested context switch happen now (used by blocking calls, with the state their lock
// opens to), then locks again. The switch away and back happens in between: when the thread runs
// again the mask is the one it opened to (PendSV runs only when nothing masks it), so the lock's
// saved state stays right.
[[gnu::always_inline]] inline void let_switch_happen(arch::IrqState open_to) {
  arch::irq_unlock(open_to);
  (void)arch::irq_lock();
}

}  // namespace ward::kernel
