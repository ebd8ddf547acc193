// The bootloader's reset path: a minimal vector table, the early initialisation every Ward image
// shares (ward/arch/arm/early_init.hpp), and a fault handler that reports and stops. No kernel:
// the bootloader runs to completion on the main stack with interrupts masked, then hands over
// (handover.cpp).
#include "ward/stack_bound.hpp"
#include <cstddef>
#include <cstdint>

#include "boot_console.hpp"
#include "ward/arch/arm/early_init.hpp"
#include "ward/arch/arm/registers.hpp"

extern "C" {
[[noreturn]] void ward_boot_reset();
void ward_boot_fault();
[[noreturn]] void __stack_chk_fail();
}

namespace ward::bootloader {
int main();
}

namespace {

// The deepest boot measured, painted stack read back at the hand-over (qemu.boot.chain.stack_peak,
// tests/boot/chain_e2e.py): 9,672 bytes, the two-image chain's MultiEngine (both images' manifests
// and requests at once) under image::verify's P-256 point tables; the same for a plain boot, an
// upgrade and a revert of both images (the single-image bootloader: 7,968 bytes). The margin is
// for paths that test does not reach: a revert started from within boot_primary (one more engine
// frame above the verify), a fault report, refusal messages. MSPLIM stops an overflow (a fault,
// reported) before it reaches other memory; the test fails when the peak eats into the margin.
constexpr std::size_t kMeasuredPeak = 9672;
constexpr std::size_t kMargin = 2048;
constexpr std::size_t kStackSize = 12 * 1024;
static_assert(kStackSize >= kMeasuredPeak + kMargin, "the boot stack must hold the measured peak and its margin");
alignas(8) [[gnu::section(".boot_stack")]] std::byte stack[kStackSize];
// The build's stack bound (docs/stack-bounds.md): the whole boot runs on this stack from the reset.
WARD_STACK_BOUND_DIRECT(stack, ward_boot_reset);

using Handler = void (*)();
struct VectorTable {
  void* initial_sp;
  Handler handlers[15];
};

}  // namespace

[[gnu::section(".vectors"), gnu::used]] constinit const VectorTable ward_boot_vectors{
    stack + sizeof stack,
    {ward_boot_reset, ward_boot_fault, ward_boot_fault, ward_boot_fault, ward_boot_fault, ward_boot_fault,
     ward_boot_fault, nullptr, nullptr, nullptr, ward_boot_fault, ward_boot_fault, nullptr, ward_boot_fault,
     ward_boot_fault}};

// Any exception in the bootloader is fatal: report it and stop (status 3, a CPU fault, as for
// Ward images). Runs on whatever stack is left: keep it small.
extern "C" void ward_boot_fault() {
  ward::bootloader::say("boot: FAULT (CFSR ", ward::fmt::hex(ward::arm::scb::CFSR::read()), "): halting\n");
  ward::bootloader::stop(3);
}

extern "C" [[noreturn, gnu::used]] void __stack_chk_fail() {
  ward::bootloader::say("boot: stack smashing detected: halting\n");
  ward::bootloader::stop(4);
}

// No stack protector here: the guard is chosen during early_init, and this frame never returns.
extern "C" [[noreturn, gnu::no_stack_protector]] void ward_boot_reset() {
  ward::arm::early_init({.stack_limit = stack, .random_canary = true});
  ward::bootloader::stop(ward::bootloader::main());
}
