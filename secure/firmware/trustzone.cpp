// SAU, MPC, PPC and friends: what makes the non-secure world non-secure. Facts about QEMU's model
// (and its gotchas) are in ../shared/platform/qemu-mps2.md section 2.
#include "trustzone.hpp"

#include "measured_boot.hpp"

#include <cstddef>

#include "ward/arch/arm/registers.hpp"

extern "C" {
// Linker symbols (secure.ld): the veneers, the only code the non-secure world may call.
extern const std::byte __ward_nsc_start[], __ward_nsc_end[];
}

namespace ward::secure::tz {
namespace {
using arm::Reg32;

// --- Security Attribution Unit (Armv8-M) --------------------------------------------------------
namespace sau {
using CTRL = Reg32<0xE000EDD0>;
using TYPE = Reg32<0xE000EDD4>;
using RNR = Reg32<0xE000EDD8>;
using RBAR = Reg32<0xE000EDDC>;
using RLAR = Reg32<0xE000EDE0>;
constexpr std::uint32_t kEnable = 1u << 0;
constexpr std::uint32_t kNsc = 1u << 1;
}  // namespace sau

// --- IoTKit secure privilege control block ------------------------------------------------------
namespace spc {
using NSCCFG = Reg32<0x50080014>;
using AHBNSPPCEXP0 = Reg32<0x50080060>;  // expansion AHB 0 (GPIO, Ethernet)
using APBNSPPC0 = Reg32<0x50080070>;     // internal APB peripherals (timers)
using APBNSPPCEXP1 = Reg32<0x50080084>;  // expansion APB 1 (UARTs)
// NSCCFG.CODENSC: without it the IDAU marks 0x1xxxxxxx plain Secure, which overrides the SAU's
// NSC attribute, and every SG faults (INVEP).
constexpr std::uint32_t kCodeNsc = 1u << 0;
constexpr std::uint32_t kTimer0 = 1u << 0, kTimer1 = 1u << 1, kDualTimer = 1u << 2;
constexpr std::uint32_t kUart0 = 1u << 5;
constexpr std::uint32_t kEthernet = 1u << 5;  // the LAN9118 (0x42000000; docs/networking.md)
}  // namespace spc

// --- Memory protection controllers (one per SRAM; 1 KiB blocks) ---------------------------------
struct Mpc {
  std::uintptr_t base;
  volatile std::uint32_t& reg(std::uint32_t off) const {
    return *reinterpret_cast<volatile std::uint32_t*>(base + off);
  }
  // Marks the blocks covering [offset, offset+size) of this SRAM non-secure.
  void open(std::uint32_t offset, std::uint32_t size) const {
    constexpr std::uint32_t kCtrl = 0x00, kBlkCfg = 0x14, kBlkIdx = 0x18, kBlkLut = 0x1c;
    constexpr std::uint32_t kAutoIncrement = 1u << 8;
    // CTRL resets with auto-increment on: every LUT access would then move the index, and a
    // read-modify-write would program the wrong word.
    reg(kCtrl) = reg(kCtrl) & ~kAutoIncrement;
    const std::uint32_t block = 1u << (reg(kBlkCfg) + 5);
    for (std::uint32_t b = offset / block; b < (offset + size) / block; ++b) {
      reg(kBlkIdx) = b / 32;
      reg(kBlkLut) = reg(kBlkLut) | (1u << (b % 32));
    }
  }
};
constexpr Mpc kSsram1Mpc{0x58007000};
constexpr Mpc kSsram3Mpc{0x58009000};

// --- System control (secure view, and the non-secure bank through its alias) --------------------
using NVIC_ITNS0 = Reg32<0xE000E380>;
using NSACR = Reg32<0xE000ED8C>;
using VTOR_NS = Reg32<0xE002ED08>;
using FPCCR = Reg32<0xE000EF34>;
constexpr std::uintptr_t kItnsBase = 0xE000E380;
constexpr std::uint32_t kAircrVectKey = 0x05FAu << 16;
constexpr std::uint32_t kAircrPris = 1u << 14;           // secure exceptions take priority
constexpr std::uint32_t kAircrSysResetReqS = 1u << 3;    // only the secure side may reset

void sau_region(std::uint32_t n, std::uint32_t base, std::uint32_t limit_inclusive, bool nsc) {
  sau::RNR::write(n);
  sau::RBAR::write(base & ~0x1fu);
  sau::RLAR::write((limit_inclusive & ~0x1fu) | (nsc ? sau::kNsc : 0) | sau::kEnable);
}

}  // namespace

void configure() {
  // Memory: the SAU says what is non-secure, the MPCs must agree for the SRAMs behind them.
  const auto nsc_start = reinterpret_cast<std::uint32_t>(__ward_nsc_start);
  const auto nsc_end = reinterpret_cast<std::uint32_t>(__ward_nsc_end);
  sau_region(0, kNsCode.base, kNsCode.base + kNsCode.size - 1, false);
  sau_region(1, kNsRam.base, kNsRam.base + kNsRam.size - 1, false);
  sau_region(2, nsc_start, nsc_end - 1, true);
  sau_region(3, kNsPeripherals.base, kNsPeripherals.base + kNsPeripherals.size - 1, false);
  // Everything else (secure code, secure RAM, PSRAM, the other SRAMs) stays Secure: with ALLNS=0
  // an address no region covers is Secure.
  sau::CTRL::write(sau::kEnable);
  spc::NSCCFG::write(spc::kCodeNsc);
  kSsram1Mpc.open(kNsCode.base, kNsCode.size);  // SSRAM1 offset == NS alias address
  kSsram3Mpc.open(0, kNsRam.size);

  // Peripherals: the console UART, the timers and the Ethernet controller belong to the
  // non-secure kernel (its network stack; the secure side never touches frames).
  spc::APBNSPPCEXP1::write(spc::APBNSPPCEXP1::read() | spc::kUart0);
  spc::AHBNSPPCEXP0::write(spc::AHBNSPPCEXP0::read() | spc::kEthernet);
  spc::APBNSPPC0::write(spc::APBNSPPC0::read() | spc::kTimer0 | spc::kTimer1 | spc::kDualTimer);

  // Every interrupt targets the non-secure world: the secure side uses none.
  for (std::uint32_t i = 0; i < 16; ++i) {
    *reinterpret_cast<volatile std::uint32_t*>(kItnsBase + 4 * i) = 0xffffffffu;
  }
  // The FPU for both worlds (CP10/CP11 non-secure access); the secure side's FP state is cleared
  // on every return to the non-secure world by the compiler (-mcmse) and FPCCR's CLRONRET.
  NSACR::write(NSACR::read() | (3u << 10));
  FPCCR::write(FPCCR::read() | (1u << 28) /*CLRONRET*/ | (1u << 26) /*TS*/);
  // Secure exceptions first; BusFault, HardFault and NMI stay Secure (AIRCR.BFHFNMINS = 0), so
  // non-secure code can never see the secure side's faults. Only the secure side may reset.
  const std::uint32_t aircr = arm::scb::AIRCR::read() & 0xffffu & ~kAircrVectKey;
  arm::scb::AIRCR::write(kAircrVectKey | aircr | kAircrPris);
  (void)kAircrSysResetReqS;  // left clear: the non-secure kernel reboots the device (tests, updates)
  // The secure fault exceptions (SecureFault, BusFault, ...) are enabled by early_init at reset.
  VTOR_NS::write(measured_boot::ns_vector_table());
  arm::dsb();
  arm::isb();
}

void enter_nonsecure(const stacks::Registers& stacks) {
  const auto* ns_vectors = reinterpret_cast<const std::uint32_t*>(measured_boot::ns_vector_table());
  const std::uint32_t ns_sp = ns_vectors[0];
  const std::uint32_t ns_reset = ns_vectors[1] & ~1u;  // BXNS: bit 0 clear = go non-secure
  asm volatile("msr msp_ns, %0" ::"r"(ns_sp));
  // One block from here on: it moves the stacks under this very code. The secure stacks from now
  // on: handlers on MSP_S, thread mode on PSP_S (CONTROL_S.SPSEL); each limit is lifted while its
  // pointer moves. Then no secure register content may follow into the non-secure world.
  register std::uint32_t reset asm("r0") = ns_reset;
  // cppcheck-suppress constStatement ; cppcheck 2.10 misreads the initialiser of a register variable
  register std::uint32_t handler_top asm("r1") = stacks.handler_top;
  // cppcheck-suppress constStatement ; cppcheck 2.10 misreads the initialiser of a register variable
  register std::uint32_t handler_limit asm("r2") = stacks.handler_limit;
  // cppcheck-suppress constStatement ; cppcheck 2.10 misreads the initialiser of a register variable
  register std::uint32_t thread_top asm("r3") = stacks.thread_top;
  // cppcheck-suppress constStatement ; cppcheck 2.10 misreads the initialiser of a register variable
  register std::uint32_t thread_limit asm("r4") = stacks.thread_limit;
  asm volatile(
      "movs r5, #0\n"
      "msr msplim, r5\n"
      "msr msp, r1\n"
      "msr msplim, r2\n"
      "msr psplim, r5\n"
      "msr psp, r3\n"
      "msr psplim, r4\n"
      "mrs r5, control\n"
      "orr r5, r5, #2\n"
      "msr control, r5\n"
      "isb\n"
      "movs r1, #0\n movs r2, #0\n movs r3, #0\n mov r4, r1\n mov r5, r1\n mov r6, r1\n"
      "mov r7, r1\n mov r8, r1\n mov r9, r1\n mov r10, r1\n mov r11, r1\n mov r12, r1\n mov lr, r1\n"
      "cpsie i\n"  /* PRIMASK_S would hold every non-secure exception off */
      "bxns r0\n" ::"r"(reset),
      "r"(handler_top), "r"(handler_limit), "r"(thread_top), "r"(thread_limit)
      : "r5", "memory");
  __builtin_unreachable();
}

}  // namespace ward::secure::tz
