// The host port's side of the kernel contract (kernel/include/ward/kernel/port.hpp).
//
// Each kernel thread is a POSIX thread, but exactly one of them runs at any time: a switch hands a
// baton (a semaphore per thread) from the running thread to the next and waits for its own. The
// kernel's code therefore runs as it does on the target, one thread at a time, while sanitizers
// and debuggers see ordinary threads. Interrupts and the passing of time are simulated
// (ward/host/kernel.hpp).
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

namespace ward::arch {

struct HostThread;

// System calls of host user threads run on the POSIX thread's own stack: nothing is reserved.
inline constexpr std::size_t kKernelStackReserve = 0;

struct Context {
  HostThread* host = nullptr;
};

using IrqState = bool;  // were kernel interrupts masked before?

IrqState irq_lock();
void irq_unlock(IrqState state);
bool in_isr();
void request_switch();
void idle();

void init_context(Context& ctx, std::byte* stack, std::size_t size, void (*entry)(void*), void* arg);
// User threads on the host: no memory protection, but their code runs on the stack they were
// given (their locals are in Thread::stack(), as on the target), and every system call they make
// goes through the same verified entries as on the target (see syscall() below). Privileged
// threads run on their POSIX thread's stack, and so does a user thread's kernel side.
void init_user_context(Context& ctx, std::byte* stack, std::size_t size, void (*entry)(void*), void* arg,
                       const void* domain);
// False only while a user thread runs its own code (an interrupt handler is privileged).
bool privileged();
// The host keeps no kernel stack in a user thread's stack: the whole stack is the thread's.
inline std::byte* user_stack_base(const Context&, std::span<std::byte> stack) { return stack.data(); }
// The lowest address of a user thread's stack that a system call may accept as a buffer: its
// stack pointer at the call (below it lies only stack the thread has given up).
std::uintptr_t user_stack_floor(const Context& ctx);
// The trap: from a user thread's code to its kernel side, which checks the number and calls the
// verified entry, and back with the result.
std::uint64_t syscall(std::uint32_t id, std::uintptr_t a0, std::uintptr_t a1, std::uintptr_t a2, std::uintptr_t a3);
// The same for a call that declares only its first `Words` words (the target leaves the other
// registers as they are; here w holds all four).
template <std::size_t Words>
std::uint64_t syscall(std::uint32_t id, const std::uintptr_t* w) {
  return syscall(id, w[0], w[1], w[2], w[3]);
}
// A verified entry refused an argument: contain the calling thread (does not return to it).
[[noreturn]] void syscall_rejected(std::uint32_t call, std::uint32_t argument, std::uint32_t kind,
                                   std::uint32_t detail);
[[noreturn]] void start_scheduler();
[[noreturn]] void exit_current_thread();
void thread_aborted(Context& ctx);
void forget_running_thread();

void timer_init();
std::uint64_t timer_now();
void timer_set_deadline(std::uint64_t deadline);

}  // namespace ward::arch
