// The Cortex-M33 (Armv8-M Mainline) port's side of the kernel contract (kernel/include/ward/kernel/port.hpp).
//
// Interrupt priorities use the top three bits (eight levels, 0x00 most urgent):
//   0x00        the faults (MemManage, BusFault, UsageFault): they preempt everything they can, so a
//               fault while an SVC or an interrupt is being stacked is handled first
//   0x00, 0x20  zero-latency interrupts: never masked by the kernel, must not call it
//   0x40        the kernel mask (BASEPRI): critical sections mask this level and below; SVCall
//   0x40..0xc0  kernel-aware interrupts
//   0xe0        PendSV and SysTick: context switches and time happen after every other handler
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

#include "ward/config.hpp"

namespace ward::arch {

inline constexpr std::uint32_t kKernelMaskPriority = 0x40;
inline constexpr std::uint32_t kLowestPriority = 0xe0;
inline constexpr std::uint32_t kFaultPriority = 0x00;
inline constexpr std::uint32_t kSvcPriority = kKernelMaskPriority;

// A user thread's kernel stack: the low end of the stack it is given (CONFIG_WARD_SYSCALL_STACK_SIZE).
inline constexpr std::size_t kKernelStackReserve = static_cast<std::size_t>(config::syscall_stack_size);

// All-zero by default, so that threads declared at namespace scope cost no ROM (they go to .bss).
// Saved state of a thread that is not running. The context switch (PendSV, assembly) reads and
// writes it at these fixed offsets; the static_asserts in context_switch.cpp keep them honest.
// The callee-saved registers live here, in kernel memory, not on the thread's stack: the switch
// never writes through a stack pointer a user thread could have aimed anywhere.
struct Context {
  // 0-43: what the switch saves with one STM and restores with one LDM, in register order: PSP
  // (the hardware-pushed frame), r4-r11, CONTROL (nPRIV=1 while running user code; a user thread
  // changes it itself on the way into and out of a system call) and EXC_RETURN.
  std::uint32_t sp = 0;             // 0
  std::uint32_t r4_r11[8] = {};     // 4
  std::uint32_t control = 0;        // 36
  std::uint32_t exc_return = 0;     // 40
  std::uint32_t psplim = 0;         // 44: the thread's stack limit (a user thread's: its kernel stack's)
  const void* domain = nullptr;     // 48: the user thread's domain (a DomainView); null: privileged
  std::uint32_t mpu_rbar = 0;       // 52: MPU region 1: the user stack, or a privileged stack's guard
  std::uint32_t mpu_rlar = 0;       // 56
  std::uint32_t s16_s31[16] = {};   // 60: FPU callee-saved registers, when the thread uses the FPU
  // A user thread's stack is [psplim, psplim + its kernel stack size) for the kernel, then its own
  // up to the top. These three describe it for the SVC fast path:
  // 124: the base of its own stack (the lowest address of a system call's frame);
  std::uint32_t user_base = 0;
  // 128: its own stack's size less one basic exception frame (32 bytes): the highest offset from
  // user_base at which the SVC fast path accepts the frame of a call;
  std::uint32_t syscall_frame_span = 0;
  // 132: where the SVC handler builds the trampoline's frame: the top 32 bytes of its kernel stack.
  std::uint32_t kernel_frame = 0;
};

// Whether [address, address + size) lies in a user thread's own stack (size <= 256). One compare:
// below the base the offset wraps to a huge value.
inline bool in_user_stack(const Context& ctx, std::uintptr_t address, std::uintptr_t size) {
  return address - ctx.user_base <= ctx.syscall_frame_span + 32 - size;
}
// Whether `address` lies in a user thread's kernel stack, below its own.
inline bool in_kernel_stack(const Context& ctx, std::uintptr_t address) {
  return address - ctx.psplim < ctx.user_base - ctx.psplim;
}

// During a user thread's system call: its stack pointer at the trap, which the trampoline keeps at
// the top of its kernel stack (the word below the return address) for the whole call.
inline std::uintptr_t user_stack_floor(const Context& ctx) {
  return *reinterpret_cast<const std::uint32_t*>(static_cast<std::uintptr_t>(ctx.user_base) - 8);
}

// The base of a user thread's own stack, above its kernel stack.
inline std::byte* user_stack_base(const Context& ctx, std::span<std::byte>) {
  return reinterpret_cast<std::byte*>(static_cast<std::uintptr_t>(ctx.user_base));
}

using IrqState = std::uint32_t;

[[gnu::always_inline]] inline IrqState irq_lock() {
  IrqState old = 0;
  asm volatile("mrs %0, basepri" : "=r"(old));
  asm volatile("msr basepri_max, %0" ::"r"(kKernelMaskPriority) : "memory");
  return old;
}

[[gnu::always_inline]] inline void irq_unlock(IrqState state) {
  // The ISB makes a context switch pended meanwhile happen before the next instruction.
  asm volatile("msr basepri, %0\n isb" ::"r"(state) : "memory");
}

[[gnu::always_inline]] inline bool in_isr() {
  std::uint32_t ipsr = 0;
  asm volatile("mrs %0, ipsr" : "=r"(ipsr));
  // cppcheck-suppress knownConditionTrueFalse ; the asm writes ipsr (cppcheck reads it as the 0)
  return ipsr != 0;
}

[[gnu::always_inline]] inline void request_switch() {
  *reinterpret_cast<volatile std::uint32_t*>(0xE000ED04) = 1u << 28;  // ICSR.PENDSVSET
}

inline void idle() { asm volatile("dsb\n wfi" ::: "memory"); }

void init_context(Context& ctx, std::byte* stack, std::size_t size, void (*entry)(void*), void* arg);
// A thread that starts in user mode at entry(arg), confined to its stack and `domain` (a
// DomainView). Returning from entry ends the thread through a system call.
void init_user_context(Context& ctx, std::byte* stack, std::size_t size, void (*entry)(void*), void* arg,
                       const void* domain);

// Whether the running code may use the kernel directly (privileged thread or a handler). One
// register read: unprivileged thread code is exactly CONTROL.nPRIV=1 with SPSEL=1. Exception entry
// clears SPSEL (a handler runs on the main stack, and reads it as 0 whatever thread it
// interrupted), every Ward thread runs on the process stack, and the boot code before the first
// thread runs privileged.
[[gnu::always_inline]] inline bool privileged() {
  std::uint32_t control = 0;
  asm volatile("mrs %0, control" : "=r"(control));
  return (control & 3u) != 3u;
}

// A system call from user mode: the call number and up to four argument words; returns r0:r1.
[[gnu::always_inline]] inline std::uint64_t syscall(std::uint32_t id, std::uintptr_t a0, std::uintptr_t a1,
                                                  std::uintptr_t a2, std::uintptr_t a3) {
  register std::uint32_t r0 asm("r0") = a0;
  register std::uint32_t r1 asm("r1") = a1;
  register std::uint32_t r2 asm("r2") = a2;
  register std::uint32_t r3 asm("r3") = a3;
  register std::uint32_t r12 asm("r12") = id;
  asm volatile("svc #0" : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r3), "+r"(r12) : : "lr", "memory", "cc");
  return (std::uint64_t{r1} << 32) | r0;
}

// The same for a call that declares only its first `Words` argument words (w[0..Words-1]): the
// other argument registers go as they are, since the kernel reads only the declared words.
template <std::size_t Words>
[[gnu::always_inline]] inline std::uint64_t syscall(std::uint32_t id, const std::uintptr_t* w) {
  static_assert(Words <= 4);
  // The zeros are dead stores (GCC deletes them): the asm writes what it outputs, and registers
  // beyond the declared words are neither inputs nor outputs.
  register std::uint32_t r0 asm("r0") = 0;
  register std::uint32_t r1 asm("r1") = 0;
  register std::uint32_t r2 asm("r2") = 0;
  register std::uint32_t r3 asm("r3") = 0;
  register std::uint32_t r12 asm("r12") = id;
  if constexpr (Words == 0) {
    asm volatile("svc #0" : "=r"(r0), "=r"(r1), "+r"(r12) : : "r2", "r3", "lr", "memory", "cc");
  } else if constexpr (Words == 1) {
    r0 = w[0];
    asm volatile("svc #0" : "+r"(r0), "=r"(r1), "+r"(r12) : : "r2", "r3", "lr", "memory", "cc");
  } else if constexpr (Words == 2) {
    r0 = w[0];
    r1 = w[1];
    asm volatile("svc #0" : "+r"(r0), "+r"(r1), "+r"(r12) : : "r2", "r3", "lr", "memory", "cc");
  } else if constexpr (Words == 3) {
    r0 = w[0];
    r1 = w[1];
    r2 = w[2];
    asm volatile("svc #0" : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r12) : : "r3", "lr", "memory", "cc");
  } else {
    r0 = w[0];
    r1 = w[1];
    r2 = w[2];
    r3 = w[3];
    asm volatile("svc #0" : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r3), "+r"(r12) : : "lr", "memory", "cc");
  }
  return (std::uint64_t{r1} << 32) | r0;
}
[[noreturn]] void start_scheduler();
[[noreturn]] void exit_current_thread();
inline void thread_aborted(Context&) {}
// The running thread was stopped from a handler: the next switch must not save its registers,
// and its stack region (or guard) must not stay loaded, in case the stack is reused at once.
void forget_running_thread();

// A verified system-call entry refused an argument: the SVC handler contains the calling thread.
[[noreturn]] void syscall_rejected(std::uint32_t call, std::uint32_t argument, std::uint32_t kind,
                                   std::uint32_t detail);

// Memory protection (arch/arm/src/mpu.cpp): set up once at boot, before the first thread runs.
void mpu_init();

void timer_init();
std::uint64_t timer_now();
void timer_set_deadline(std::uint64_t deadline);

}  // namespace ward::arch
