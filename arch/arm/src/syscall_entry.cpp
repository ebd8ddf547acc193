// System calls on Armv8-M: the SVC handler and the trampoline.
//
// A user thread calls `svc #0` with the call number in r12 and its arguments in r0-r3
// (ward::arch::syscall). The handler checks the caller and its stack, records the caller's stack
// pointer (buffers may not lie below it), then rewrites the exception frame so that the exception
// returns into the trampoline, privileged, in thread mode: the call then runs as the calling
// thread (it can block, be preempted and be switched like any thread), on its own stack, which no
// other thread can write. The trampoline calls the verified entry of the call
// (ward_syscall_table), drops the privilege again and returns to the caller.
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

// The number of system calls, as a literal for the assembly below.
#define WARD_SYSCALL_COUNT 14

// Compiled only with CONFIG_WARD_USERSPACE: without it, nothing here is part of the kernel.
#if defined(CONFIG_WARD_USERSPACE)

static_assert(ward::sys::kCount == WARD_SYSCALL_COUNT, "the assembly fast path checks the call number against this");

namespace ward::arch {
namespace {

struct Frame {
  std::uint32_t r0, r1, r2, r3, r12, lr, pc, xpsr;
};

constexpr std::uint32_t kXpsrStackRealigned = 1u << 9;

// Stops the calling user thread with a report about its system call.
void reject(Thread& t, const Frame* frame, FaultKind kind, std::int32_t call, std::int32_t argument,
            std::uint32_t detail) {
  FaultReport r;
  r.kind = kind;
  r.pc = frame != nullptr ? frame->pc : 0;
  r.syscall = static_cast<std::int32_t>(call);
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
    case 0:  // a call the assembly fast path did not accept: say why, stop the caller
      if (!from_user) {
        break;
      }
      if (!arch::frame_inside_stack(*t, frame, exc_return) || (frame->xpsr & arch::kXpsrStackRealigned) != 0) {
        arch::reject(*t, nullptr, FaultKind::bad_syscall, static_cast<std::int32_t>(frame->r12), -1, 0);
      } else {
        arch::reject(*t, frame, FaultKind::bad_syscall, static_cast<std::int32_t>(frame->r12), -1, 0);
      }
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

#define WARD_STR2(x) #x
#define WARD_STR(x) WARD_STR2(x)

// The one accepting path, in assembly: a user thread entering a call (svc #0). Anything else,
// including every refusal, goes to ward_svc_dispatch, which reports it. Each check is one an
// attacker needs; none is repeated:
//   - a user thread: CONTROL.nPRIV, and a frame on the process stack (EXC_RETURN.SPSEL; a handler
//     that trapped would have stacked on the main stack, whatever thread it interrupted);
//   - its frame wholly inside its own stack (basic or FPU frame): the call runs privileged on the
//     stack below it, which must be memory no other thread can write. One unsigned compare
//     covers both ends: below the base the offset wraps to a huge value;
//   - no realigned frame (xPSR bit 9): the caller's stack pointer is then exactly the frame's end,
//     the floor below which no user buffer may lie;
//   - the instruction was svc #0 (other numbers from user code are reported as bad calls);
//   - the call number, read from the frame (a tail-chained handler may have changed r12 itself).
// The frame's r12 already holds the call number the trampoline needs; its lr slot gets the return
// address (Thumb bit set, for the trampoline's final pop into pc).
// Thread offsets: Context (at 0) psplim 40 (a user thread's stack base), control 52, syscall_sp
// 124, syscall_frame_span 128 (its stack size less 32).
extern "C" [[gnu::naked]] void ward_svc_handler() {
  asm volatile(
      "mrs r1, control\n"
      "and r1, r1, lr, lsr #2\n"  // bit 0: CONTROL.nPRIV and EXC_RETURN.SPSEL
      "lsls r1, r1, #31\n"
      "beq 9f\n"                  // not a user thread's trap
      "mrs r0, psp\n"
      "ldr r3, =ward_switch_state\n"
      "ldr r3, [r3]\n"            // the calling thread
      "ldr r1, [r3, #40]\n"
      "subs r1, r0, r1\n"         // the frame's offset in the stack
      "ldr r12, [r3, #128]\n"
      "cmp r1, r12\n"
      "bhi 9f\n"                  // not inside the stack (or below it)
      "tst lr, #0x10\n"
      "beq 8f\n"                  // a frame with FPU state: 72 more bytes must fit
      "adds r1, r0, #32\n"
      "7:\n"
      "str r1, [r3, #124]\n"      // syscall_sp: the caller's stack pointer before the trap
      "ldr r1, [r0, #28]\n"
      "lsls r1, r1, #22\n"        // xPSR bit 9 into N
      "bmi 9f\n"                  // realigned: the caller's stack pointer was not 8-byte aligned
      "ldr r2, [r0, #24]\n"       // the return address, just after the svc instruction
      "ldrb r1, [r2, #-2]\n"      // the svc number (the thread could execute it, so it is readable)
      "cbnz r1, 9f\n"
      "ldr r12, [r0, #16]\n"      // the call number
      "cmp r12, #" WARD_STR(WARD_SYSCALL_COUNT) "\n"
      "bhs 9f\n"
      "orr r2, r2, #1\n"
      "str r2, [r0, #20]\n"       // lr: where the call returns to
      "adr r1, 5f\n"
      "str r1, [r0, #24]\n"       // return into the trampoline...
      "movs r1, #2\n"
      "str r1, [r3, #52]\n"
      "msr control, r1\n"         // ...privileged (the exception return synchronises)
      "bx lr\n"
      "9:\n"
      "tst lr, #4\n"
      "ite eq\n"
      "mrseq r0, msp\n"
      "mrsne r0, psp\n"
      "mov r1, lr\n"
      "push {r4, lr}\n"
      "bl ward_svc_dispatch\n"
      "pop {r4, pc}\n"
      "8:\n"
      "adds r1, r1, #72\n"        // no overflow: r1 <= the span, far below 2^32
      "cmp r1, r12\n"
      "bhi 9b\n"
      "adds r1, r0, #104\n"
      "b 7b\n"
      // The trampoline, in thread mode, privileged, on the caller's stack, as the caller: r0-r3
      // the arguments, r12 the call number, lr the return address. Leaving needs no trap:
      // privileged thread code may drop its own privilege. The saved CONTROL is updated first, so
      // a switch at any point restores the right privilege; the final pop runs unprivileged and
      // reads the caller's own stack (the words pushed here lie below syscall_sp, so no call
      // could have written them on a user thread's behalf).
      ".balign 4\n"
      ".global ward_syscall_trampoline\n"
      ".type ward_syscall_trampoline, %function\n"
      "ward_syscall_trampoline:\n"
      "5:\n"
      "push {r12, lr}\n"          // the call number; the return address
      "ldr lr, =ward_syscall_table\n"
      "ldr r12, [lr, r12, lsl #2]\n"
      "blx r12\n"
      "ldr r2, =ward_switch_state\n"
      "ldr r2, [r2]\n"
      "movs r3, #3\n"
      "str r3, [r2, #52]\n"       // context.control: unprivileged
      "msr control, r3\n"
      "isb\n"
      "pop {r12, pc}\n"
      ".ltorg\n");
}

#endif  // CONFIG_WARD_USERSPACE
