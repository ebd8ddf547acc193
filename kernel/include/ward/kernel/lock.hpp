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

  // Lets a requested context switch happen now (used by blocking calls), then locks again.
  [[gnu::always_inline]] void let_switch_happen() {
    arch::irq_unlock(saved_);
    saved_ = arch::irq_lock();
  }

 private:
  arch::IrqState saved_;
};

}  // namespace ward::kernel
