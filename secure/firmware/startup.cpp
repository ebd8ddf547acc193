// The secure image's reset path and fault handling. The secure image is the first code to run: it
// splits the machine (trustzone.cpp), starts the secure services, and hands over to the
// non-secure Ward kernel for good. From then on it runs only when the non-secure side calls a
// veneer (gateway.cpp) or a fault is routed to it.
#include <arm_cmse.h>

#include <cstddef>
#include <cstdint>

#include "secure_console.hpp"
#include "stacks.hpp"
#include "trustzone.hpp"
#include "ward/arch/arm/early_init.hpp"
#include "ward/arch/arm/registers.hpp"
#include "ward/secure/gateway.h"

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
[[gnu::section(".vectors"), gnu::used]] constinit const VectorTable ward_secure_vectors{
    ward::secure::stacks::service_stack + ward::secure::stacks::kServiceSize,  // the boot's (stacks.hpp)
    {ward_secure_reset, ward_secure_fault_entry, ward_secure_fault_entry, ward_secure_fault_entry,
     ward_secure_fault_entry, ward_secure_fault_entry, ward_secure_fault_entry, nullptr, nullptr, nullptr,
     ward_secure_fault_entry, ward_secure_fault_entry, nullptr, ward_secure_fault_entry, ward_secure_fault_entry}};

extern "C" [[gnu::naked]] void ward_secure_fault_entry() {
  asm volatile(
      "mov r0, lr\n"
      "mrs r1, msp\n"
      "b ward_secure_fault\n");
}

namespace {
using namespace ward;
using arm::Reg32;
using SHCSR_NS = Reg32<0xE002ED24>;
constexpr std::uint32_t kMemFaultPended = 1u << 13;
constexpr std::uint32_t kSfsrValidBits = 0xff;

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
// Secure) is the non-secure kernel's business: the secure side records what happened, clears it,
// and pends the non-secure MemManage exception, whose handler contains the thread and fetches the
// details with ward_spe_last_fault().
// The non-secure frame is read (its PC, for the report) only after the TT instruction has shown it
// to be non-secure memory the faulting thread itself may read: its stack pointer is the thread's to
// aim anywhere -- at secure RAM, say, when the fault IS the failed stacking of that frame -- and a
// read with the secure side's rights would hand a secure word to the non-secure kernel.
extern "C" void ward_secure_fault(std::uint32_t exc_return, std::uint32_t* secure_frame) {
  const bool from_secure = (exc_return & (1u << 6)) != 0;  // EXC_RETURN.S: frame on a secure stack
  const std::uint32_t ipsr = [] {
    std::uint32_t v;
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
  std::uint32_t control_ns;
  asm volatile("mrs %0, control_ns" : "=r"(control_ns));
  const bool ns_thread = (exc_return & (1u << 3)) != 0;
  std::uint32_t ns_sp;
  if ((exc_return & (1u << 2)) != 0 || (ns_thread && (control_ns & 2u) != 0)) {
    asm volatile("mrs %0, psp_ns" : "=r"(ns_sp));
  } else {
    asm volatile("mrs %0, msp_ns" : "=r"(ns_sp));
  }
  const bool unprivileged = ns_thread && (control_ns & 1u) != 0;
  const std::size_t frame_size = (exc_return & (1u << 4)) != 0 ? 32 : 104;  // EXC_RETURN.FType
  const auto* frame = static_cast<const volatile std::uint32_t*>(cmse_check_address_range(
      reinterpret_cast<void*>(ns_sp), frame_size,
      CMSE_NONSECURE | CMSE_MPU_READ | (unprivileged ? CMSE_MPU_UNPRIV : 0)));
  // Without a readable frame, EXC_RETURN.Mode alone says whether a thread was running.
  const bool ns_thread_mode = ns_thread && (frame == nullptr || (frame[7] & 0x1ff) == 0);
  const std::uint32_t stacked_pc = frame != nullptr ? frame[6] : 0;
  constexpr std::uint32_t kSecureFault = 7, kBusFault = 5;
  if ((ipsr != kSecureFault && ipsr != kBusFault) || !ns_thread_mode) {
    // A non-secure handler (the kernel itself) faulted, or the non-secure side escalated to a
    // HardFault: there is no thread to stop.
    fatal("non-secure kernel fault", exc_return);
  }
  auto& f = secure::last_ns_fault;
  f.pc = stacked_pc;
  f.exception = ipsr;
  if (ipsr == kSecureFault) {
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
  ward::secure::tz::configure();
  ward::secure::start_services();
  // Interrupts stay masked in the secure PRIMASK only: the non-secure kernel has its own.
  ward::secure::tz::enter_nonsecure(ward::secure::stacks::prepare_for_nonsecure());
}
