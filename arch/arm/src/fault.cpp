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
    if ((cfsr & scb::kCfsrStackingErrors) == 0) {
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
      if (ward_spe_last_fault(&f) == 0) {
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
  if ((cfsr & ward::arm::scb::kCfsrStackingErrors) != 0) {
    return false;
  }
  if (ward::config::trustzone_ns && (exc_return & (1u << 6)) != 0) {
    return false;  // EXC_RETURN.S: the frame is on a secure stack
  }
  const std::uintptr_t size = (exc_return & 0x10u) != 0 ? 32 : 104;  // basic, or with FPU state
  return ward::arch::in_user_stack(const_cast<ward::Thread&>(t).context(), reinterpret_cast<std::uintptr_t>(frame),
                                   size);
}

}  // namespace

extern "C" [[gnu::used]] bool ward_fault_contain(const ExceptionFrame* frame, std::uint32_t exc_return,
                                                 std::uint32_t ipsr) {
  using namespace ward::arm;
  if constexpr (!ward::config::userspace) {
    return false;
  }
  std::uint32_t control;
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
    case 4:  // MemManage
#if defined(CONFIG_WARD_TRUSTZONE_NS)
      // A MemManage with no cause of its own was pended by the secure image: the thread touched
      // secure memory (SecureFault) or a bad bus address (BusFault stays Secure). The secure side
      // tells what it saw.
      if ((cfsr & 0xffu) == 0) {
        ward_spe_fault f{};
        r.kind = ward::FaultKind::secure_access;
        if (ward_spe_last_fault(&f) == 0) {
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
    default:
      return false;  // HardFault, NMI, SecureFault: not the thread's own doing alone
  }
  scb::CFSR::write(cfsr);  // write-one-to-clear: the next fault starts with a clean status
  // The thread is gone for good. What else its instruction raised is still pending and would run
  // after this handler for a thread that no longer does: the SVC whose frame could not be stacked,
  // or a second fault raised by the stacking of this one's frame (an access fault whose frame then
  // crossed the stack limit). Cancel them. (The faults outrank SVCall: none was taken first.)
  scb::SHCSR::write(scb::SHCSR::read() & ~scb::kShcsrThreadExceptionsPended);
  ward::kernel::KernelLock lock;
  ward::kernel::Isolation::contain(*t, r);
  return true;
}
#endif

// Entry for every fault vector: pick the stack the frame was pushed on; a user thread's fault is
// contained; anything else moves to the fault stack (clearing MSPLIM first, or the switch itself
// could trip the limit) and is reported.
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
      "movs r3, #0\n"
      "msr msplim, r3\n"
      "movw r3, #:lower16:ward_fault_stack_top\n"
      "movt r3, #:upper16:ward_fault_stack_top\n"
      "ldr r3, [r3]\n"
      "mov sp, r3\n"
      "b ward_fault_report\n");
}
