// System calls on Armv8-M: the SVC handler and the trampoline.
//
// A user thread calls `svc #0` with the call number in r12 and its arguments in r0-r3
// (ward::arch::syscall). The handler checks the caller and its stack, then rewrites the
// exception frame so that the exception returns into the trampoline, privileged, in thread mode:
// the call then runs as the calling thread (it can block, be preempted and be switched like any
// thread), on its own stack, which no other thread can write. The trampoline calls the verified
// entry of the call (ward_syscall_table) and ends with `svc #1`, which drops the privilege again
// and returns to the instruction after the caller's `svc #0`.
//
// Other SVC numbers: #2 a verified entry refused an argument (r0-r3: call, argument, kind,
// detail), #3 a user thread's stack canary was smashed. Anything else from a user thread stops it.
#include "ward/autoconf.h"
#include <cstdint>

#include "ward/arch/arm/mpu.hpp"
#include "ward/arch/arm/registers.hpp"
#include "ward/arch/port.hpp"
#include "ward/config.hpp"
#include "ward/kernel/isolation_core.hpp"
#include "ward/kernel/lock.hpp"
#include "ward/kernel/scheduler.hpp"
#include "ward/panic.hpp"
#include "ward/syscalls.hpp"

// Compiled only with CONFIG_WARD_USERSPACE: without it, nothing here is part of the kernel.
#if defined(CONFIG_WARD_USERSPACE)

extern "C" {
void ward_syscall_trampoline();
extern const std::uint16_t ward_syscall_resume[];  // the instruction after the trampoline's svc #1
}

namespace ward::arch {
namespace {

struct Frame {
  std::uint32_t r0, r1, r2, r3, r12, lr, pc, xpsr;
};

constexpr std::uint32_t kControlPrivileged = 2;
constexpr std::uint32_t kControlUser = 3;
constexpr std::uint32_t kXpsrStackRealigned = 1u << 9;

void set_thread_control(Thread& t, std::uint32_t value) {
  t.context().control = value;
  asm volatile("msr control, %0\n isb" ::"r"(value) : "memory");
}

// Stops the calling user thread with a report about its system call.
void reject(Thread& t, const Frame* frame, FaultKind kind, std::int32_t call, std::int32_t argument,
            std::uint32_t detail) {
  FaultReport r;
  r.kind = kind;
  r.pc = frame != nullptr ? frame->pc : 0;
  r.syscall = static_cast<std::int16_t>(call);
  r.argument = static_cast<std::int8_t>(argument);
  r.detail = static_cast<std::uint8_t>(detail);
  kernel::KernelLock lock;
  kernel::Isolation::contain(t, r);
}

bool frame_inside_stack(const Thread& t, const Frame* frame, std::uint32_t exc_return) {
  const auto stack = t.stack();
  const auto base = reinterpret_cast<std::uintptr_t>(stack.data());
  const auto f = reinterpret_cast<std::uintptr_t>(frame);
  const std::uintptr_t frame_size = (exc_return & 0x10) != 0 ? 32 : 104;  // basic or with FPU state
  return f >= base && f - base <= stack.size() && frame_size <= stack.size() - (f - base);
}

}  // namespace

void syscall_rejected(std::uint32_t call, std::uint32_t argument, std::uint32_t kind, std::uint32_t detail) {
  register std::uint32_t r0 asm("r0") = call;
  register std::uint32_t r1 asm("r1") = argument;
  register std::uint32_t r2 asm("r2") = kind;
  register std::uint32_t r3 asm("r3") = detail;
  asm volatile("svc #2" ::"r"(r0), "r"(r1), "r"(r2), "r"(r3) : "memory");
  for (;;) {
  }  // the thread was stopped or restarted: nothing returns here
}

}  // namespace ward::arch

using namespace ward;
using ward::arch::Frame;

extern "C" [[gnu::used]] void ward_svc_dispatch(Frame* frame, std::uint32_t exc_return) {
  std::uint32_t control;
  asm volatile("mrs %0, control" : "=r"(control));
  const bool from_user = (control & 1u) != 0;
  Thread* t = kernel::scheduler().current();
  const bool user_thread = t != nullptr && t->is_user() && (exc_return & 8u) != 0 && (exc_return & 4u) != 0;
  if (!user_thread) {
    panic("SVC from privileged code");
  }
  // The SVC number, from the instruction that trapped (in code the thread could execute).
  const std::uint8_t number = reinterpret_cast<const std::uint8_t*>(frame->pc)[-2];
  switch (number) {
    case 0: {  // enter a system call
      if (!from_user) {
        break;
      }
      // The frame must lie in the thread's own stack: the call will run privileged on it.
      if (!arch::frame_inside_stack(*t, frame, exc_return) || (frame->xpsr & arch::kXpsrStackRealigned) != 0) {
        arch::reject(*t, nullptr, FaultKind::bad_syscall, static_cast<std::int32_t>(frame->r12), -1, 0);
        return;
      }
      const std::uint32_t call = frame->r12;
      if (call >= sys::kCount) {
        arch::reject(*t, frame, FaultKind::bad_syscall, static_cast<std::int32_t>(call), -1, 0);
        return;
      }
      frame->r12 = frame->pc;  // where the call returns to
      frame->lr = call;
      frame->pc = reinterpret_cast<std::uint32_t>(&ward_syscall_trampoline) & ~1u;
      arch::set_thread_control(*t, arch::kControlPrivileged);
      return;
    }
    case 1:  // leave a system call
      if (from_user || frame->pc != reinterpret_cast<std::uint32_t>(ward_syscall_resume)) {
        break;
      }
      frame->pc = frame->r12 & ~1u;
      arch::set_thread_control(*t, arch::kControlUser);
      return;
    case 2:  // a verified entry refused an argument
      if (from_user) {
        break;  // a user thread cannot claim this: it is simply a bad call
      }
      arch::reject(*t, nullptr, static_cast<FaultKind>(frame->r2), static_cast<std::int32_t>(frame->r0),
                   static_cast<std::int32_t>(frame->r1), frame->r3);
      return;
    case 3: {  // the user thread's stack canary
      if (!from_user) {
        break;
      }
      FaultReport r;
      r.kind = FaultKind::stack_smashed;
      r.pc = frame->lr;  // in the function whose frame was smashed
      kernel::KernelLock lock;
      kernel::Isolation::contain(*t, r);
      return;
    }
    default:
      break;
  }
  if (!from_user) {
    panic("SVC misuse in a system call");
  }
  arch::reject(*t, frame, FaultKind::bad_syscall, -1, -1, number);
}

extern "C" [[gnu::naked]] void ward_svc_handler() {
  asm volatile(
      "tst lr, #4\n"
      "ite eq\n"
      "mrseq r0, msp\n"
      "mrsne r0, psp\n"
      "mov r1, lr\n"
      "push {r4, lr}\n"
      "bl ward_svc_dispatch\n"
      "pop {r4, pc}\n");
}

extern "C" [[gnu::naked]] void ward_syscall_trampoline() {
  asm volatile(
      "push {r12, lr}\n"            // the return address; the call number
      "ldr r12, =ward_syscall_table\n"
      "ldr r12, [r12, lr, lsl #2]\n"
      "blx r12\n"
      "pop {r12, lr}\n"
      "svc #1\n"
      ".global ward_syscall_resume\n"
      "ward_syscall_resume:\n"
      "udf #0\n"                    // never reached: svc #1 returns to the caller
      ".ltorg\n");
}

#endif  // CONFIG_WARD_USERSPACE
