// What the portable kernel needs from an architecture port. Each port (arch/<arch>/) provides
// "ward/arch/port.hpp" with these, in namespace ward::arch:
//
//   struct Context                 a thread's saved machine state (opaque to the kernel)
//   using IrqState                 what irq_lock() returns and irq_unlock() restores
//   IrqState irq_lock()            mask the interrupts that may use the kernel (nestable)
//   void irq_unlock(IrqState)      restore; a switch requested meanwhile happens once unmasked
//   bool in_isr()                  running in an interrupt handler?
//   void request_switch()          switch to ward_switch_state.next at the first opportunity
//   void init_context(Context&, std::byte* stack, std::size_t size, void (*entry)(void*), void* arg)
//   [[noreturn]] void start_scheduler()   leave the boot context for ward_switch_state.next
//   void idle()                    sleep until an interrupt
//   void timer_init()              start the system timer
//   std::uint64_t timer_now()      timer counts since boot (call with interrupts masked)
//   void timer_set_deadline(std::uint64_t)  interrupt at or before this count, or as late as
//                                  the hardware allows; the kernel re-arms on every interrupt
//
// The port calls back into the kernel through kernel::timer_interrupt() and
// ward_switch_state (see scheduler.hpp).
#pragma once
#include <cstddef>
#include <cstdint>

#include "ward/arch/port.hpp"

namespace ward::arch {
// The image's code and read-only data, which user threads may read (and pass to system calls).
// Each port defines user_readable_image(); a port without memory protection returns {0, 0}.
struct MemoryRange {
  std::uintptr_t base;
  std::size_t size;
};
MemoryRange user_readable_image();
}  // namespace ward::arch

// Also required of a port:
//   [[noreturn]] void exit_current_thread()   the running thread has finished (kernel lock held):
//                                             switch away for good
//   void thread_aborted(Context&)             a thread that is not running was aborted
