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
#define WARD_SYSCALL_COUNT 28

// Compiled only with CONFIG_WARD_USERSPACE: without it, nothing here is part of the kernel.
#if defined(CONFIG_WARD_USERSPACE)

static_assert(ward::sys::kCount == WARD_SYSCALL_COUNT, "the assembly fast path checks the call number against this");

namespace ward::arch {
namespace {

struct Frame {
  std::uint32_t r0, r1, r2, r3, r12, lr, pc, xpsr;
};

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
  const std::uintptr_t frame_size = (exc_return & 0x10) != 0 ? 32 : 104;  // basic or with FPU state
  return in_user_stack(t.context(), reinterpret_cast<std::uintptr_t>(frame), frame_size);
}

// Whether the basic part of a user thread's frame (r0-r3, r12, lr, pc, xPSR: all the slow path
// reads) reads back what its stacking wrote: it lies in the thread's own stack, or in a memory
// partition of its domain it may write -- never in a device, whose reads may fault or return
// anything. (With lazy FPU preservation only that part is written at the entry.)
bool frame_in_memory(const Thread& t, const Frame* frame) {
  constexpr std::uintptr_t kBasic = 32;
  const auto at = reinterpret_cast<std::uintptr_t>(frame);
  return in_user_stack(t.context(), at, kBasic) ||
         (t.domain() != nullptr && t.domain()->holds_buffer(at, kBasic, true));
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
  std::uint32_t control = 0;
  asm volatile("mrs %0, control" : "=r"(control));
  const bool from_user = (control & 1u) != 0;
  Thread* t = kernel::scheduler().current();
  const bool user_thread = t != nullptr && t->is_user() && (exc_return & 8u) != 0 && (exc_return & 4u) != 0;
  if (!user_thread) {
    panic("SVC from privileged code");
  }
  // A user thread's frame is read only in memory that gives back what the stacking wrote (its
  // stack, a memory partition of its domain). In a device the kernel's read could fault, or return
  // whatever the device chose -- a pc for the kernel to dereference. (The fast path accepts only
  // frames inside the thread's stack.)
  if (from_user && !arch::frame_in_memory(*t, frame)) {
    arch::reject(*t, nullptr, FaultKind::bad_syscall, -1, -1, 0);
    return;
  }
  // The SVC number, from the instruction that trapped (in code the thread could execute).
  const std::uint8_t number = reinterpret_cast<const std::uint8_t*>(frame->pc)[-2];
  switch (number) {
    case 0:  // a call the assembly fast path did not accept: say why, stop the caller
      if (!from_user) {
        break;
      }
      if (!arch::frame_inside_stack(*t, frame, exc_return)) {
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

// The yield system call, entered from the SVC fast path in handler mode (see ward_svc_handler):
// the SVC's priority is the kernel's mask level (kSvcPriority), so nothing that uses the kernel
// runs meanwhile, as under a KernelLock.
static_assert(arch::kSvcPriority == arch::kKernelMaskPriority, "the SVC handler is inside the kernel lock");
static_assert(ward::sys::yield.kId == 0, "the assembly fast path handles call 0 as yield");
extern "C" void ward_yield_locked();  // kernel/src/syscalls.cpp

#define WARD_STR2(x) #x
#define WARD_STR(x) WARD_STR2(x)

// The one accepting path, in assembly: a user thread entering a call (svc #0). Anything else,
// including every refusal, goes to ward_svc_dispatch, which reports it. Each check is one an
// attacker needs; none is repeated:
//   - thread mode: a frame on the process stack (EXC_RETURN.SPSEL; a handler that trapped would
//     have stacked on the main stack, whatever thread it interrupted);
//   (there always is a calling thread: when the stacking of an SVC's frame faults, the fault,
//   which outranks SVCall, stops the thread and cancels the pending SVC; see ward_fault_contain);
//   - its frame wholly inside its own stack (basic or FPU frame): the frame is where its arguments
//     are read from. One unsigned compare covers both ends: below the base the offset wraps. This
//     is also the privilege check: a privileged thread has no user stack (its bounds are 0), and a
//     user thread in privileged mode runs on its kernel stack, below its own;
//   - the instruction was svc #0 (other numbers from user code are reported as bad calls);
//   - the call number, read from the frame (a tail-chained handler may have changed r12 itself).
// The call then runs on the thread's KERNEL stack, never on its own: the exception returns into
// the trampoline through a frame built at the top of the kernel stack, so how much of its own
// stack the thread left, and where it aimed its stack pointer, cannot matter to the kernel, and
// nothing of the kernel's is left behind in memory the thread can read.
// That frame carries: r0 the caller's frame (its arguments), r1 the caller's stack pointer before
// the trap, r12 the call number, lr the return address, pc the trampoline.
// A caller with live FPU state trapped with the 104-byte frame: the trampoline gets a 104-byte frame
// too (72 bytes lower), so the exception return keeps the caller's FPU context active for the call
// (a switch during the call saves it, the caller gets it back). Its lazy save is normally still
// due, and the registers then simply stay live; if a handler that ran first already saved them into
// the caller's frame, they are copied to the trampoline's frame, which the return loads them from.
// Thread offsets (Context at 0): user_base 124, syscall_frame_span 128 (its own stack's size less
// 32), kernel_frame 132.
extern "C" [[gnu::naked]] void ward_svc_handler() {
  asm volatile(
      "tst lr, #4\n"
      "beq 9f\n"                  // a handler's trap (its frame is on the main stack)
      "mrs r0, psp\n"
      "ldr r3, =ward_switch_state\n"
      "ldr r3, [r3]\n"            // the calling thread (never null here: see the comment above)
      "ldr r1, [r3, #124]\n"
      "subs r1, r0, r1\n"         // the frame's offset in the thread's own stack
      "ldr r12, [r3, #128]\n"
      "ldr r3, [r3, #132]\n"      // the trampoline's frame (the thread pointer is not needed again)
      "tst lr, #0x10\n"
      "beq 8f\n"                  // a frame with FPU state: 72 more bytes must fit
      "cmp r1, r12\n"
      "bhi 9f\n"                  // not inside the stack (or below it)
      "adds r1, r0, #32\n"        // the caller's stack pointer before the trap...
      "7:\n"
      "ldr r2, [r0, #28]\n"       // xPSR
      "ubfx r12, r2, #9, #1\n"
      "add r1, r1, r12, lsl #2\n" // ...4 bytes higher if the core realigned the frame
      "and r12, r2, #0x01100000\n" // the trampoline's xPSR: Thumb, and SFPA (a secure FPU context
      "adr r2, 5f\n"              // stays the caller's); pc: the trampoline
      "strd r2, r12, [r3, #24]\n"
      "ldr r12, [r0, #24]\n"      // the return address, just after the svc instruction
      "ldrb r2, [r12, #-2]\n"     // the svc number (the thread could execute it, so it is readable)
      "cbnz r2, 9f\n"
      "ldr r2, [r0, #16]\n"       // the call number
      "cmp r2, #" WARD_STR(WARD_SYSCALL_COUNT) "\n"
      "bhs 9f\n"
      "cbz r2, 10f\n"             // yield: done here, in the handler (below)
      "strd r0, r1, [r3]\n"       // r0, r1
      "strd r2, r12, [r3, #16]\n" // r12, lr (no Thumb bit: the trampoline leaves by mov pc)
      "msr psp, r3\n"             // the return unstacks from the kernel stack...
      "movs r0, #2\n"
      "msr control, r0\n"         // ...into privileged thread mode (the exception return synchronises)
      "bx lr\n"
      // yield (call 0, no arguments): the handler runs at the kernel's mask level, which is the
      // kernel lock, so the scheduler's O(1) rotation runs here and the switch (PendSV) follows
      // the exception return, without the trampoline's way into privileged thread mode and back.
      // Its result, success (0, 0), goes into the caller's r0/r1 in the frame just checked to lie
      // in the caller's own stack (r2 is 0 here).
      "10:\n"
      "strd r2, r2, [r0]\n"
      "b ward_yield_locked\n"        // lr is EXC_RETURN: its return is the exception return
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
      "adds r1, r1, #72\n"        // no overflow: a wrapped offset is > 2^31, and bhi catches it
      "cmp r1, r12\n"
      "bhi 9b\n"
      "subs r3, r3, #72\n"        // the trampoline's extended frame
      "movw r1, #0xEF34\n"        // FPCCR
      "movt r1, #0xE000\n"
      "ldr r1, [r1]\n"
      "lsls r1, r1, #31\n"        // LSPACT into N
      "bmi 6f\n"                  // the caller's FPU registers are still live: nothing to copy
      "push {r4, r5}\n"           // copy s0-s15, FPSCR and the reserved word (18 words)
      "add r1, r0, #32\n"
      "add r2, r3, #32\n"
      "movs r12, #9\n"
      "4:\n"
      "ldrd r4, r5, [r1], #8\n"
      "strd r4, r5, [r2], #8\n"
      "subs r12, r12, #1\n"
      "bne 4b\n"
      "pop {r4, r5}\n"
      "6:\n"
      "adds r1, r0, #104\n"
      "b 7b\n"
      // The trampoline, in thread mode, privileged, on the thread's kernel stack, as the caller: r0
      // its frame, r1 its stack pointer, r12 the call number, lr the return address. Leaving needs
      // no trap: privileged thread code may drop its own privilege. The exception return that
      // entered it popped its frame, so its stack pointer is the kernel stack's top again.
      ".balign 4\n"
      ".global ward_syscall_trampoline\n"
      ".type ward_syscall_trampoline, %function\n"
      "ward_syscall_trampoline:\n"
      "5:\n"
      "push {r1, lr}\n"           // the caller's stack pointer (user_stack_floor reads it); the return address
      "ldm r0, {r0-r3}\n"         // the arguments, from the caller's frame
      "ldr lr, =ward_syscall_table\n"
      "ldr r12, [lr, r12, lsl #2]\n"
      "blx r12\n"                 // r0, r1: the result
      "pop {r2, lr}\n"
      // Back onto the caller's stack, then unprivileged. For the two instructions between, an
      // interrupt would stack on the caller's stack with privilege; there is room: the caller's
      // own frame was there, and its FPU context, kept by the call, is as it was at the trap.
      "msr psp, r2\n"
      "mrs r3, control\n"
      "orr r3, r3, #1\n"          // nPRIV, keeping FPCA: the caller's FPU context stays live
      "msr control, r3\n"
      "isb\n"
      "mov pc, lr\n"             // a plain branch (stays in Thumb state whatever bit 0 says)
      ".ltorg\n");
}

#endif  // CONFIG_WARD_USERSPACE
