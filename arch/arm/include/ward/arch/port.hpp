// The Cortex-M33 (Armv8-M Mainline) port's side of the kernel contract (kernel/include/ward/kernel/port.hpp).
//
// Interrupt priorities use the top three bits (eight levels, 0x00 most urgent):
//   0x00, 0x20  zero-latency interrupts: never masked by the kernel, must not call it
//   0x40        the kernel mask (BASEPRI): critical sections mask this level and below
//   0x40..0xc0  kernel-aware interrupts
//   0xe0        PendSV and SysTick: context switches and time happen after every other handler
#pragma once
#include <cstddef>
#include <cstdint>

namespace ward::arch {

inline constexpr std::uint32_t kKernelMaskPriority = 0x40;
inline constexpr std::uint32_t kLowestPriority = 0xe0;

// Saved state of a thread that is not running. `sp` must stay the first member: the context
// switch (PendSV) reads it at offset 0 and `psplim` at offset 4.
struct Context {
  std::uint32_t sp = 0;      // PSP after the software-saved registers
  std::uint32_t psplim = 0;  // the thread's stack limit (its lowest address)
};

using IrqState = std::uint32_t;

[[gnu::always_inline]] inline IrqState irq_lock() {
  IrqState old;
  asm volatile("mrs %0, basepri" : "=r"(old));
  asm volatile("msr basepri_max, %0" ::"r"(kKernelMaskPriority) : "memory");
  return old;
}

[[gnu::always_inline]] inline void irq_unlock(IrqState state) {
  // The ISB makes a context switch pended meanwhile happen before the next instruction.
  asm volatile("msr basepri, %0\n isb" ::"r"(state) : "memory");
}

[[gnu::always_inline]] inline bool in_isr() {
  std::uint32_t ipsr;
  asm volatile("mrs %0, ipsr" : "=r"(ipsr));
  return ipsr != 0;
}

[[gnu::always_inline]] inline void request_switch() {
  *reinterpret_cast<volatile std::uint32_t*>(0xE000ED04) = 1u << 28;  // ICSR.PENDSVSET
}

inline void idle() { asm volatile("dsb\n wfi" ::: "memory"); }

void init_context(Context& ctx, std::byte* stack, std::size_t size, void (*entry)(void*), void* arg);
[[noreturn]] void start_scheduler();
[[noreturn]] void exit_current_thread();
inline void thread_aborted(Context&) {}

void timer_init();
std::uint64_t timer_now();
void timer_set_deadline(std::uint64_t deadline);

}  // namespace ward::arch
