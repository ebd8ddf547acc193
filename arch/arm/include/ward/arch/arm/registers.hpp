// Memory-mapped registers of the Armv8-M core (System Control Space) used by the Cortex-M port.
#pragma once
#include <cstdint>

namespace ward::arm {

// A 32-bit memory-mapped register at a fixed address.
template <std::uintptr_t Address>
struct Reg32 {
  static std::uint32_t read() { return *reinterpret_cast<volatile std::uint32_t*>(Address); }
  static void write(std::uint32_t v) { *reinterpret_cast<volatile std::uint32_t*>(Address) = v; }
  static void set_bits(std::uint32_t mask) { write(read() | mask); }
};

namespace scb {
using ICSR = Reg32<0xE000ED04>;
using VTOR = Reg32<0xE000ED08>;
using AIRCR = Reg32<0xE000ED0C>;
using SHCSR = Reg32<0xE000ED24>;
using CFSR = Reg32<0xE000ED28>;
using HFSR = Reg32<0xE000ED2C>;
using MMFAR = Reg32<0xE000ED34>;
using BFAR = Reg32<0xE000ED38>;
using CPACR = Reg32<0xE000ED88>;
using SFSR = Reg32<0xE000EDE4>;  // secure state only (RAZ/WI from the non-secure state)
using SHPR1 = Reg32<0xE000ED18>;  // MemManage, BusFault, UsageFault, SecureFault priorities
using SHPR2 = Reg32<0xE000ED1C>;  // SVCall priority (bits 31:24)
using SHPR3 = Reg32<0xE000ED20>;  // PendSV (23:16) and SysTick (31:24) priorities
using FPCCR = Reg32<0xE000EF34>;
using SFAR = Reg32<0xE000EDE8>;

inline constexpr std::uint32_t kShcsrMemFaultEna = 1u << 16;
inline constexpr std::uint32_t kShcsrBusFaultEna = 1u << 17;
inline constexpr std::uint32_t kShcsrUsgFaultEna = 1u << 18;
inline constexpr std::uint32_t kShcsrSecureFaultEna = 1u << 19;
inline constexpr std::uint32_t kShcsrSvcallPended = 1u << 15;
// The synchronous exceptions a thread's instruction can leave pending: UsageFault, MemManage,
// BusFault and SVCall (USGFAULTPENDED, MEMFAULTPENDED, BUSFAULTPENDED, SVCALLPENDED).
inline constexpr std::uint32_t kShcsrThreadExceptionsPended = 0xfu << 12;
// SHCSR.SECUREFAULTPENDED: a SecureFault is pending (secure state only; RAZ/WI from the non-secure state).
inline constexpr std::uint32_t kShcsrSecureFaultPended = 1u << 20;
// FPCCR.LSPACT: a lazy save of the interrupted context's FPU registers is still due (into its frame).
inline constexpr std::uint32_t kFpccrLspact = 1u << 0;
// FPCCR.LSPEN: lazy state preservation (the FPU registers of an interrupted context are saved by
// the next FPU instruction, not by the exception entry).
inline constexpr std::uint32_t kFpccrLspen = 1u << 30;

// CFSR bits that mean the exception frame was not (fully) stacked and must not be read.
inline constexpr std::uint32_t kCfsrStackingErrors = (1u << 4) /*MSTKERR*/ | (1u << 12) /*STKERR*/ |
                                                     (1u << 20) /*STKOF*/;

// HFSR: why a HardFault was taken. VECTTBL: a vector read failed; FORCED: an exception could not be
// taken as itself and escalated; DEBUGEVT: a debug event (a BKPT) with no debugger or debug monitor
// to take it.
inline constexpr std::uint32_t kHfsrVecttbl = 1u << 1;
inline constexpr std::uint32_t kHfsrForced = 1u << 30;
inline constexpr std::uint32_t kHfsrDebugevt = 1u << 31;

// SFSR.SFARVALID: SFAR holds the address of the violation.
inline constexpr std::uint32_t kSfsrSfarValid = 1u << 6;
}  // namespace scb

inline void dsb() { asm volatile("dsb" ::: "memory"); }
inline void isb() { asm volatile("isb" ::: "memory"); }

}  // namespace ward::arm
