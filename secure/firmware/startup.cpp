// The secure image's reset path and fault handling. The secure image is the first code to run: it
// splits the machine (trustzone.cpp), starts the secure services, and hands over to the
// non-secure Ward kernel for good. From then on it runs only when the non-secure side calls a
// veneer (gateway.cpp) or a fault is routed to it.
#include <arm_cmse.h>

#include <cstddef>
#include <cstdint>

#include "measured_boot.hpp"
#include "secure_console.hpp"
#include "stacks.hpp"
#include "trustzone.hpp"
#include "ward/arch/arm/early_init.hpp"
#include "ward/arch/arm/registers.hpp"
#include "ward/secure/gateway.h"
#include "ward/stack_bound.hpp"

extern "C" {
[[noreturn]] void ward_secure_reset();
void ward_secure_fault_entry();
[[gnu::used]] void ward_secure_fault(std::uint32_t exc_return, std::uint32_t* secure_frame);
[[noreturn, gnu::used]] void __stack_chk_fail();
}

namespace ward::secure {
// secure/firmware/services.cpp: brings up storage and crypto before the non-secure side runs.
void start_services();
// Last non-secure security violation, for ward_spe_last_fault (gateway.cpp).
ward_spe_fault last_ns_fault{};
}  // namespace ward::secure

namespace {

using Handler = void (*)();
struct VectorTable {
  void* initial_sp;
  Handler handlers[15];
};

}  // namespace

// Only faults: the secure side takes no interrupts (every one targets the non-secure world) and
// makes no system calls.
// NOLINTNEXTLINE(cppcoreguidelines-interfaces-global-init): constinit, from service_stack's address only
[[gnu::section(".vectors"), gnu::used]] constinit const VectorTable ward_secure_vectors{
    ward::secure::stacks::service_stack + ward::secure::stacks::kServiceSize,  // the boot's (stacks.hpp)
    {ward_secure_reset, ward_secure_fault_entry, ward_secure_fault_entry, ward_secure_fault_entry,
     ward_secure_fault_entry, ward_secure_fault_entry, ward_secure_fault_entry, nullptr, nullptr, nullptr,
     ward_secure_fault_entry, ward_secure_fault_entry, nullptr, ward_secure_fault_entry, ward_secure_fault_entry}};

// The boot runs on the service stack (the initial stack pointer above) until it hands over to the
// non-secure world; the calls served later start from its top again (gateway.cpp).
WARD_STACK_BOUND_DIRECT(ward::secure::stacks::service_stack, ward_secure_reset);

// r1: the secure frame, for the report of a fault of the secure image itself -- on the process
// stack when secure thread mode faulted (a veneer on its landing, a call on the service stack).
extern "C" [[gnu::naked]] void ward_secure_fault_entry() {
  asm volatile(
      "mov r0, lr\n"
      "tst lr, #4\n"  // EXC_RETURN.SPSEL
      "ite eq\n"
      "mrseq r1, msp\n"
      "mrsne r1, psp\n"
      "b ward_secure_fault\n");
}

namespace {
using namespace ward;
using arm::Reg32;
using SHCSR_NS = Reg32<0xE002ED24>;
constexpr std::uint32_t kMemFaultPended = 1u << 13;
constexpr std::uint32_t kMemFaultEna = 1u << 16;
constexpr std::uint32_t kSfsrValidBits = 0xff;

// Whether the non-secure kernel will take the MemManage exception pended for it right after this
// handler returns: enabled, and not held off by PRIMASK_NS or FAULTMASK_NS (its priority is the
// highest a non-secure exception has; BASEPRI_NS cannot mask it). If it will not, the thread would
// go back to its faulting instruction and fault again, for ever.
bool ns_takes_memmanage() {
  std::uint32_t primask_ns = 0, faultmask_ns = 0;
  asm volatile("mrs %0, primask_ns\n mrs %1, faultmask_ns" : "=r"(primask_ns), "=r"(faultmask_ns));
  // cppcheck-suppress knownConditionTrueFalse ; the asm writes both (cppcheck reads them as the 0s)
  return (SHCSR_NS::read() & kMemFaultEna) != 0 && (primask_ns | faultmask_ns) == 0;
}

// Whether a HardFault taken from a non-secure thread is one of its own exceptions that could not be
// taken as itself (FORCED; DEBUGEVT: a BKPT with no debugger), with no secure cause: no vector read
// failed (VECTTBL), and no fault that targets the secure state escalated (the secure view of CFSR
// -- BusFault, the secure MemManage and UsageFault -- records at most the failed stacking of the
// HardFault's own frame, on a stack pointer the thread aimed anywhere). Which exception it was,
// and whether that stops the thread or the system, is the non-secure kernel's to judge: it knows
// its own state.
bool ns_thread_escalation() {
  const std::uint32_t hfsr = arm::scb::HFSR::read();
  return (hfsr & (arm::scb::kHfsrForced | arm::scb::kHfsrDebugevt)) != 0 &&
         (hfsr & arm::scb::kHfsrVecttbl) == 0 && (arm::scb::CFSR::read() & ~arm::scb::kCfsrStackingErrors) == 0;
}

[[noreturn]] void fatal(const char* what, std::uint32_t exc_return, const std::uint32_t* frame = nullptr) {
  if (frame != nullptr) {
    secure::say("secure: PC ", fmt::hex(frame[6]), " LR ", fmt::hex(frame[5]), "\n");
  }
  secure::say("secure: FATAL ", what, " (EXC_RETURN ", fmt::hex(exc_return), ", CFSR ",
              fmt::hex(arm::scb::CFSR::read()), ", SFSR ", fmt::hex(arm::scb::SFSR::read()), ", SFAR ",
              fmt::hex(arm::scb::SFAR::read()), ", HFSR ", fmt::hex(arm::scb::HFSR::read()), "): halting\n");
  secure::stop(3);
}
}  // namespace

// A fault taken to the secure state. A fault of the secure side itself is fatal. A non-secure
// thread that touched secure memory (SecureFault) or a bad bus address (BusFault, which stays
// Secure), or whose own exception escalated to a HardFault (which stays Secure too: a BKPT with no
// debugger), is the non-secure kernel's business: the secure side records what happened, clears
// it, and pends the non-secure MemManage exception, whose handler contains the thread (or, for
// what is not the thread's doing, stops the system) and fetches the details with
// ward_spe_last_fault().
// The non-secure frame is read (its PC, for the report) only after it has been shown to lie in the
// non-secure world's memory (not its device space), and the TT instruction has shown it to be
// non-secure memory the faulting thread itself may read: its stack pointer is the thread's to
// aim anywhere -- at secure RAM, say, when the fault IS the failed stacking of that frame -- and a
// read with the secure side's rights would hand a secure word to the non-secure kernel.
extern "C" void ward_secure_fault(std::uint32_t exc_return, std::uint32_t* secure_frame) {
  const bool from_secure = (exc_return & (1u << 6)) != 0;  // EXC_RETURN.S: frame on a secure stack
  const std::uint32_t ipsr = [] {
    std::uint32_t v = 0;
    asm volatile("mrs %0, ipsr" : "=r"(v));
    return v & 0x1ff;
  }();
  // The non-secure FPU context's lazy save: FPCCR_NS.LSPACT (through the non-secure alias).
  using FPCCR_NS = Reg32<0xE002EF34>;
  constexpr std::uint32_t kLspact = 1u << 0;
  constexpr std::uint32_t kFpccrS = 1u << 2;     // FPCCR_S.S: the lazy context is the secure side's
  constexpr std::uint32_t kSfsrLsperr = 1u << 5;  // a lazy save faulted
  if (from_secure) {
    // A lazy save of the NON-secure FPU context falls due when secure code first touches the FPU
    // (a veneer clearing the FPU registers on its way out does), with the non-secure side's rights.
    // If its target is memory the non-secure side may not write -- a thread aimed its stack pointer
    // at secure memory, and its kernel called a veneer before containing it -- that context is the
    // non-secure side's to lose: the save is cancelled and the secure code goes on. Nothing else
    // that faults in the secure image is survivable.
    const std::uint32_t sfsr = arm::scb::SFSR::read();
    if (ipsr == 7 && (sfsr & kSfsrLsperr) != 0 && (arm::scb::FPCCR::read() & kFpccrS) == 0) {
      FPCCR_NS::write(FPCCR_NS::read() & ~kLspact);
      arm::scb::SFSR::write(sfsr);  // write-one-to-clear
      arm::dsb();
      arm::isb();
      return;
    }
    fatal("fault in the secure image", exc_return, secure_frame);
  }
  // A non-secure thread faulted: it will be stopped. A lazy save of its FPU registers still due
  // could point anywhere it aimed its stack pointer: it never happens.
  FPCCR_NS::write(FPCCR_NS::read() & ~kLspact);
  // The non-secure frame: on PSP_NS or MSP_NS, read-only for us. EXC_RETURN.Mode says whether
  // the non-secure side was in thread mode; QEMU 7.2 leaves EXC_RETURN.SPSEL clear for a frame
  // pushed on PSP_NS, so the thread's stack comes from CONTROL_NS.SPSEL.
  std::uint32_t control_ns = 0;
  asm volatile("mrs %0, control_ns" : "=r"(control_ns));
  const bool ns_thread = (exc_return & (1u << 3)) != 0;
  std::uint32_t ns_sp = 0;
  if ((exc_return & (1u << 2)) != 0 || (ns_thread && (control_ns & 2u) != 0)) {
    asm volatile("mrs %0, psp_ns" : "=r"(ns_sp));
  } else {
    asm volatile("mrs %0, msp_ns" : "=r"(ns_sp));
  }
  const bool unprivileged = ns_thread && (control_ns & 1u) != 0;
  const std::size_t frame_size = (exc_return & (1u << 4)) != 0 ? 32 : 104;  // EXC_RETURN.FType
  // Only in the non-secure world's memory (tz::kNsMemory): a thread may aim its stack pointer at a
  // device of its own whose reads fault (the stacking then failed), and that bus error would come
  // back to us, here.
  const auto* frame = static_cast<const volatile std::uint32_t*>(
      secure::tz::nonsecure_memory(unprivileged).readable(reinterpret_cast<void*>(ns_sp), frame_size));
  // Without a readable frame, EXC_RETURN.Mode alone says whether a thread was running.
  const bool ns_thread_mode = ns_thread && (frame == nullptr || (frame[7] & 0x1ff) == 0);
  const std::uint32_t stacked_pc = frame != nullptr ? frame[6] : 0;
  constexpr std::uint32_t kSecureFault = 7, kBusFault = 5, kHardFault = 3;
  const bool thread_fault =
      ipsr == kSecureFault || ipsr == kBusFault || (ipsr == kHardFault && ns_thread_escalation());
  if (!thread_fault || !ns_thread_mode || !ns_takes_memmanage()) {
    // A non-secure handler (the kernel itself) faulted, or a HardFault with a cause of its own:
    // there is no thread to stop. Or the non-secure kernel could not take the report.
    fatal("non-secure kernel fault", exc_return);
  }
  auto& f = secure::last_ns_fault;
  f.pc = stacked_pc;
  f.exception = ipsr;
  f.hfsr = 0;
  if (ipsr == kHardFault) {
    f.hfsr = arm::scb::HFSR::read();
    f.sfsr = 0;
    f.sfar = 0;
    arm::scb::HFSR::write(f.hfsr);  // write-one-to-clear
  } else if (ipsr == kSecureFault) {
    f.sfsr = arm::scb::SFSR::read() & kSfsrValidBits;
    f.sfar = (f.sfsr & (1u << 6)) != 0 ? arm::scb::SFAR::read() : 0;  // SFARVALID
    arm::scb::SFSR::write(f.sfsr);  // write-one-to-clear
  } else {
    const std::uint32_t cfsr = arm::scb::CFSR::read();
    f.sfsr = 0;
    f.sfar = (cfsr & (1u << 15)) != 0 ? arm::scb::BFAR::read() : 0;  // BFARVALID
    arm::scb::CFSR::write(cfsr & 0xff00u);  // clear the BusFault status
  }
  ++f.count;
  SHCSR_NS::write(SHCSR_NS::read() | kMemFaultPended);
  arm::dsb();
  arm::isb();
}

extern "C" [[noreturn]] void __stack_chk_fail() {
  secure::say("secure: stack smashing detected: halting\n");
  secure::stop(4);
}

// No stack protector: the guard is chosen during early_init, and this frame never returns.
extern "C" [[noreturn, gnu::no_stack_protector]] void ward_secure_reset() {
  ward::arm::early_init({.stack_limit = ward::secure::stacks::service_stack, .random_canary = true});
  ward::secure::stacks::mark_service_stack_unused();
  // In the chain the bootloader verified both images and says where the non-secure one starts.
  if (ward::secure::measured_boot::kChained && !ward::secure::measured_boot::take()) {
    ward::secure::say("secure: no valid boot record from the bootloader: halting\n");
    ward::secure::stop(5);
  }
  ward::secure::tz::configure();
  ward::secure::start_services();
  if (ward::secure::measured_boot::kChained) {
    ward::secure::measured_boot::report_boot_time();
  }
  // Interrupts stay masked in the secure PRIMASK only: the non-secure kernel has its own.
  ward::secure::tz::enter_nonsecure(ward::secure::stacks::prepare_for_nonsecure());
}
