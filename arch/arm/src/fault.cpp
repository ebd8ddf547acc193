// Fault reporting for faults the system cannot contain: prints what happened and where, then
// stops with ExitStatus::fault. (Containing faults of user threads is the isolation layer's job.)
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ward/arch/arm/registers.hpp"
#include "ward/board.hpp"
#include "ward/config.hpp"
#include "ward/autoconf.h"
#include "ward/exit_status.hpp"
#include "ward/kernel/isolation_core.hpp"
#include "ward/kernel/lock.hpp"
#include "ward/kernel/scheduler.hpp"
#include "ward/print.hpp"
#if defined(CONFIG_WARD_TRUSTZONE_NS)
#include "ward/secure/gateway.h"
#endif

namespace {

// What the core pushes on exception entry.
struct ExceptionFrame {
  std::uint32_t r0, r1, r2, r3, r12, lr, pc, xpsr;
};

// The fault handler runs on its own small stack: the faulting stack may be exhausted or corrupt.
// Printing the report needs the formatter's buffer and a few frames; stopping alone needs little.
constexpr std::size_t kFaultStackSize = ward::config::fault_report ? 768 : 128;
alignas(8) [[gnu::section(".fault_stack")]] std::byte fault_stack[kFaultStackSize];

// EXC_RETURN.S: whether the frame was stacked in the state the kernel runs in -- non-secure beside
// the secure image, secure otherwise (a core without the Security Extension reads S as 1). On the
// secure-only build a thread that branched to the non-secure state (BXNS, BLXNS) had its frame
// pushed on a non-secure stack pointer, which the kernel never set; on the TrustZone build a
// thread inside the secure image has its frame on a secure stack.
bool frame_on_own_stack(std::uint32_t exc_return) {
  return ((exc_return & (1u << 6)) != 0) != ward::config::trustzone_ns;
}

std::string_view exception_name(std::uint32_t number) {
  switch (number) {
    case 2: return "NMI";
    case 3: return "HardFault";
    case 4: return "MemManage fault";
    case 5: return "BusFault";
    case 6: return "UsageFault";
    case 7: return "SecureFault";
    case 12: return "DebugMonitor";
    default: return "unexpected exception";
  }
}

}  // namespace

extern "C" [[gnu::used]] std::byte* const ward_fault_stack_top = fault_stack + sizeof fault_stack;

extern "C" [[noreturn, gnu::used]] void ward_fault_report(const ExceptionFrame* frame, std::uint32_t exc_return,
                                               std::uint32_t ipsr) {
  using namespace ward::arm;
  const std::uint32_t cfsr = scb::CFSR::read();
  if constexpr (ward::config::fault_report) {
    const std::uint32_t number = ipsr & 0x1ff;
    ward::print("*** FAULT: ", exception_name(number), " (exception ", number, ")\n");
    if (!frame_on_own_stack(exc_return)) {
      ward::print("    exception frame on the ", ward::config::trustzone_ns ? "secure" : "non-secure",
                  " stack, not read\n");
    } else if ((cfsr & scb::kCfsrStackingErrors) == 0) {
      ward::print("    PC=", ward::fmt::hex(frame->pc), " LR=", ward::fmt::hex(frame->lr),
                  " xPSR=", ward::fmt::hex(frame->xpsr), " SP=", ward::fmt::hex(frame), "\n");
    } else {
      ward::print("    exception frame not stacked (stack overflow or bad stack pointer), SP=",
                  ward::fmt::hex(frame), "\n");
    }
    ward::print("    CFSR=", ward::fmt::hex(cfsr), " HFSR=", ward::fmt::hex(scb::HFSR::read()),
                " MMFAR=", ward::fmt::hex(scb::MMFAR::read()), " BFAR=", ward::fmt::hex(scb::BFAR::read()),
                " SFSR=", ward::fmt::hex(scb::SFSR::read()), " SFAR=", ward::fmt::hex(scb::SFAR::read()),
                " EXC_RETURN=", ward::fmt::hex(exc_return), "\n");
#if defined(CONFIG_WARD_TRUSTZONE_NS)
    if (number == 4 && (cfsr & 0xffu) == 0) {
      ward_spe_fault f{};
      if (ward_spe_last_fault(&f) == 0 && f.exception == 3) {
        ward::print("    a HardFault, passed on by the secure image: HFSR=", ward::fmt::hex(f.hfsr),
                    " PC=", ward::fmt::hex(f.pc), "\n");
      } else if (f.exception != 0) {
        ward::print("    secure image refused the access: SFSR=", ward::fmt::hex(f.sfsr), " address=",
                    ward::fmt::hex(f.sfar), " PC=", ward::fmt::hex(f.pc), "\n");
      }
    }
#endif
  }
  ward::board::exit(static_cast<int>(ward::ExitStatus::fault));
}

// A fault in a user thread's own code (thread mode, unprivileged) is contained: the thread is
// stopped or restarted with a report, and the handler returns; PendSV, pended by the scheduler,
// runs next and switches to another thread, so the faulting frame is never unstacked.
#if defined(CONFIG_WARD_USERSPACE)
namespace {

// Whether the exception frame at `frame` may be read: the core stacked it (no stacking error), on
// the thread's own (non-secure) stack. A stack pointer the thread aimed elsewhere -- kernel RAM,
// another thread's stack, secure RAM, a peripheral, code -- leaves no frame worth reading, and
// reading "it" would read that memory with the handler's privilege. The CFSR alone does not say:
// on the TrustZone build a stacking fault on secure memory is recorded in the secure side's SFSR.
bool frame_readable(const ward::Thread& t, const ExceptionFrame* frame, std::uint32_t exc_return,
                    std::uint32_t cfsr) {
  if ((cfsr & ward::arm::scb::kCfsrStackingErrors) != 0 || !frame_on_own_stack(exc_return)) {
    return false;
  }
  const std::uintptr_t size = (exc_return & 0x10u) != 0 ? 32 : 104;  // basic, or with FPU state
  return ward::arch::in_user_stack(t.context(), reinterpret_cast<std::uintptr_t>(frame), size);
}

// Whether the thread ran at the base execution priority: BASEPRI, PRIMASK and FAULTMASK clear.
// Exception entry changes none of them, so the handler reads the thread's own. Unprivileged code
// cannot set them, and the kernel never leaves one set for a user thread.
bool at_base_priority() {
  std::uint32_t basepri = 0, primask = 0, faultmask = 0;
  asm volatile("mrs %0, basepri\n mrs %1, primask\n mrs %2, faultmask"
               : "=r"(basepri), "=r"(primask), "=r"(faultmask));
  // cppcheck-suppress knownConditionTrueFalse ; the asm writes all three (cppcheck reads them as the 0s)
  return (basepri | primask | faultmask) == 0;
}

// Whether a HardFault taken from a user thread is the escalation of its own BKPT. Ward enables no
// debug monitor, so with no debugger a BKPT -- any immediate; `bkpt 0xab`, a semihosting call, is
// served by the emulator or a debugger for privileged code only -- cannot be taken as the
// DebugMonitor exception and escalates: HFSR.DEBUGEVT on hardware, HFSR.FORCED in QEMU. FORCED
// says only that some exception could not be taken as itself; but in unprivileged code at the
// base priority, with every configurable fault enabled (early_init), MemManage, BusFault,
// UsageFault, SecureFault and SVCall are all taken as themselves: the disabled DebugMonitor is
// the only one left. So it is the thread's BKPT when
//   - HFSR says DEBUGEVT or FORCED, and not VECTTBL (a failed vector read: the kernel's own table);
//   - the thread ran at the base priority (if not, the kernel left a mask set: its own bug);
//   - the configurable faults recorded nothing but the failed stacking of this HardFault's own
//     frame (a stack pointer the thread aimed anywhere). Any other cause would be a fault of
//     its that escalated, which at the base priority only the kernel's own state can explain.
// Anything else stays fatal.
bool breakpoint_escalation(std::uint32_t hfsr, std::uint32_t cfsr) {
  using namespace ward::arm::scb;
  return (hfsr & (kHfsrForced | kHfsrDebugevt)) != 0 && (hfsr & kHfsrVecttbl) == 0 &&
         (cfsr & ~kCfsrStackingErrors) == 0 && at_base_priority();
}

// A breakpoint whose exception frame could not be stacked is reported as what stopped the
// stacking: like every other fault's failed stacking, a stack overflow.
ward::FaultKind breakpoint_kind(std::uint32_t cfsr) {
  return (cfsr & ward::arm::scb::kCfsrStackingErrors) != 0 ? ward::FaultKind::stack_overflow
                                                           : ward::FaultKind::breakpoint;
}

}  // namespace

extern "C" [[gnu::used]] bool ward_fault_contain(const ExceptionFrame* frame, std::uint32_t exc_return,
                                                 std::uint32_t ipsr) {
  using namespace ward::arm;
  if constexpr (!ward::config::userspace) {
    return false;
  }
  std::uint32_t control = 0;
  asm volatile("mrs %0, control" : "=r"(control));
  ward::Thread* t = ward::kernel::scheduler().current();
  if ((exc_return & 8u) == 0 || (control & 1u) == 0 || t == nullptr || !t->is_user()) {
    return false;  // handler or privileged code: not containable
  }
  // The thread will not run again: a lazy save of its FPU registers still due (its frame may lie
  // anywhere it aimed its stack pointer, secure memory included) must not happen -- not even when
  // the secure side's veneer below clears the FPU registers on its way out.
  scb::FPCCR::write(scb::FPCCR::read() & ~scb::kFpccrLspact);
  const std::uint32_t cfsr = scb::CFSR::read();
  ward::FaultReport r;
  r.status = cfsr;
  r.pc = frame_readable(*t, frame, exc_return, cfsr) ? frame->pc : 0;
  switch (ipsr & 0x1ff) {
    case 3: {  // HardFault (the secure-only build: on the TrustZone build it targets the secure image)
      const std::uint32_t hfsr = scb::HFSR::read();
      if (!breakpoint_escalation(hfsr, cfsr)) {
        return false;  // not the thread's doing alone
      }
      r.kind = breakpoint_kind(cfsr);
      r.status = r.kind == ward::FaultKind::breakpoint ? hfsr : cfsr;
      scb::HFSR::write(hfsr);  // write-one-to-clear
      break;
    }
    case 4:  // MemManage
#if defined(CONFIG_WARD_TRUSTZONE_NS)
      // A MemManage with no cause of its own was pended by the secure image: the thread touched
      // secure memory (SecureFault) or a bad bus address (BusFault stays Secure), or its own
      // exception escalated to a HardFault (which stays Secure too). The secure side tells what it
      // saw; a HardFault the kernel judges itself, as on the secure-only build.
      if ((cfsr & 0xffu) == 0) {
        ward_spe_fault f{};
        r.kind = ward::FaultKind::secure_access;
        if (ward_spe_last_fault(&f) == 0 && f.exception == 3) {
          if (!breakpoint_escalation(f.hfsr, cfsr)) {
            return false;
          }
          r.kind = breakpoint_kind(cfsr);
          r.status = r.kind == ward::FaultKind::breakpoint ? f.hfsr : cfsr;
          r.pc = f.pc;
        } else if (f.exception != 0) {
          r.kind = f.exception == 5 ? ward::FaultKind::bus : ward::FaultKind::secure_access;
          r.address_valid = f.sfar != 0;
          r.address = f.sfar;
          r.pc = f.pc;
        }
        break;
      }
#endif
      r.kind = (cfsr & 0x18u) != 0 ? ward::FaultKind::stack_overflow : ward::FaultKind::memory_access;
      r.address_valid = (cfsr & 0x80u) != 0;  // MMARVALID
      r.address = r.address_valid ? scb::MMFAR::read() : 0;
      if (r.address_valid && ward::arch::in_kernel_stack(t->context(), r.address)) {
        // Its own stack ran into its kernel stack, which the MPU keeps from it.
        r.kind = ward::FaultKind::stack_overflow;
      }
      break;
    case 5:  // BusFault
      r.kind = ward::FaultKind::bus;
      r.address_valid = (cfsr & 0x8000u) != 0;  // BFARVALID
      r.address = r.address_valid ? scb::BFAR::read() : 0;
      break;
    case 6:  // UsageFault
      r.kind = (cfsr & (1u << 20)) != 0 ? ward::FaultKind::stack_overflow : ward::FaultKind::usage;
      break;
    case 7: {  // SecureFault
      if constexpr (ward::config::trustzone_ns) {
        return false;  // it targets the secure image: never taken here
      }
      // The kernel and its threads run secure, and these instructions are not privileged: the
      // thread branched to the non-secure state (BXNS, BLXNS with bit 0 clear), where no code of
      // its may run, or broke another rule of the security state (VLSTM, VLLDM). Its own doing.
      const std::uint32_t sfsr = scb::SFSR::read();
      r.kind = ward::FaultKind::security_state;
      r.status = sfsr;
      r.address_valid = (sfsr & scb::kSfsrSfarValid) != 0;
      r.address = r.address_valid ? scb::SFAR::read() : 0;
      scb::SFSR::write(sfsr);  // write-one-to-clear
      break;
    }
    case 12:  // DebugMonitor: Ward enables none, but a debugger in monitor mode can.
      // Then the thread's BKPT, or a breakpoint or watchpoint the debugger set on its code, is
      // taken as itself: the same instruction, the same outcome as with no debugger.
      r.kind = breakpoint_kind(cfsr);
      break;
    default:
      return false;  // NMI: not the thread's doing
  }
  if constexpr (!ward::config::trustzone_ns) {
    if (!frame_on_own_stack(exc_return)) {
      // The thread branched to the non-secure state: whatever was raised there -- the SecureFault
      // of its first fetch, or a UsageFault (NOCP) for the FPU registers the entry stacked from
      // the non-secure state, which may not use the FPU -- that branch is what it did.
      r.kind = ward::FaultKind::security_state;
      // Each entry from the non-secure state moved a non-secure stack pointer down by the frame,
      // stacked or not, and nothing moves it back: attempt after attempt, it would walk from the
      // secure addresses under 4 GiB down into the system control space, where the non-secure
      // state may write with privilege. Both go back to 0, where every frame fails (secure memory).
      asm volatile("msr msp_ns, %0\n msr psp_ns, %0" ::"r"(0u));
    }
  }
  scb::CFSR::write(cfsr);  // write-one-to-clear: the next fault starts with a clean status
  // The thread is gone for good. What else its instruction raised is still pending and would run
  // after this handler for a thread that no longer does: the SVC whose frame could not be stacked,
  // or a second fault raised by the stacking of this one's frame (an access fault whose frame then
  // crossed the stack limit; a HardFault's frame that could not be stacked at all). Cancel them.
  // (The faults outrank SVCall, and HardFault outranks them all: none was taken first.)
  scb::SHCSR::write(scb::SHCSR::read() & ~(scb::kShcsrThreadExceptionsPended | scb::kShcsrSecureFaultPended));
  ward::kernel::KernelLock lock;
  ward::kernel::Isolation::contain(*t, r);
  return true;
}

#endif

#if defined(CONFIG_WARD_USERSPACE) && defined(CONFIG_WARD_TRUSTZONE_NS)
// A lazy save of an unprivileged thread's FPU registers that faulted, wherever it fell due. A user
// thread interrupted with live FPU state leaves s0-s15 to be saved into its frame, with its own
// rights, by the next FPU instruction anyone executes: the context switch's, a handler's. The frame
// lies where the thread aimed its stack pointer, and only its lower 32 bytes were written at the
// entry: aimed just above the top of its stack, the rest of it is memory the thread may not
// write, and the save faults in the kernel's handler (MemManage, MLSPERR). That is the thread's
// doing, not the handler's. The save is cancelled (the hardware leaves it pending, to be retried
// by the same instruction), and the handler goes on. The thread loses s0-s15; when it is resumed,
// its exception return reads them back from that same frame and faults, in its own thread mode:
// it is contained then, like any other thread. FPCCR says whose save it is (USER, THREAD:
// unprivileged thread code); anything more in the fault status than the failed save is not this
// case. (Only beside the secure image: the secure-only kernel turns lazy preservation off,
// reset.cpp, so no save is ever left pending there.)
extern "C" [[gnu::used]] bool ward_fault_lazy_save(std::uint32_t ipsr) {
  using namespace ward::arm;
  constexpr std::uint32_t kLspact = 1u << 0, kUser = 1u << 1, kThread = 1u << 3, kMlsperr = 1u << 5;
  const std::uint32_t fpccr = scb::FPCCR::read();
  if ((ipsr & 0x1ff) != 4 || (fpccr & (kLspact | kUser | kThread)) != (kLspact | kUser | kThread) ||
      (scb::CFSR::read() & 0xffu) != kMlsperr) {
    return false;
  }
  scb::CFSR::write(kMlsperr);  // write-one-to-clear
  scb::FPCCR::write(fpccr & ~kLspact);
  dsb();
  isb();
  return true;
}
#endif

// Entry for every fault vector: pick the stack the frame was pushed on; a user thread's fault is
// contained. Anything else moves to the fault stack (clearing MSPLIM first, or the switch itself
// could trip the limit): the main stack may be what faulted. There (beside the secure image) a
// failed lazy save of a user thread's FPU registers is cancelled, and the interrupted code resumes
// on its own stack; everything else is reported.
extern "C" [[gnu::naked]] void ward_fault_entry() {
  asm volatile(
      "tst lr, #4\n"
      "ite eq\n"
      "mrseq r0, msp\n"
      "mrsne r0, psp\n"
      "mov r1, lr\n"
      "mrs r2, ipsr\n"
#if defined(CONFIG_WARD_USERSPACE)
      "tst lr, #8\n"             // thread mode?
      "beq 1f\n"
      "push {r0-r2, lr}\n"
      "bl ward_fault_contain\n"
      "cmp r0, #0\n"
      "pop {r0-r2, lr}\n"
      "it ne\n"
      "bxne lr\n"
      "1:\n"
#endif
#if defined(CONFIG_WARD_USERSPACE) && defined(CONFIG_WARD_TRUSTZONE_NS)
      "mrs r3, msplim\n"
      "mov r12, sp\n"
#endif
      "movs r1, #0\n"
      "msr msplim, r1\n"
      "movw r1, #:lower16:ward_fault_stack_top\n"
      "movt r1, #:upper16:ward_fault_stack_top\n"
      "ldr r1, [r1]\n"
      "mov sp, r1\n"
      "mov r1, lr\n"
#if defined(CONFIG_WARD_USERSPACE) && defined(CONFIG_WARD_TRUSTZONE_NS)
      // r0-r3 and r12 were stacked by the entry; r4 and r5 only keep the stack 8-byte aligned.
      "push {r0-r5, r12, lr}\n"
      "mov r0, r2\n"
      "bl ward_fault_lazy_save\n"
      "cmp r0, #0\n"
      "pop {r0-r5, r12, lr}\n"
      "beq 2f\n"
      "mov sp, r12\n"            // back to the interrupted code's stack, then its limit
      "msr msplim, r3\n"
      "bx lr\n"
      "2:\n"
#endif
      "b ward_fault_report\n");
}
