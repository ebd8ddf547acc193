// The one early-initialisation path of every Ward image on Armv8-M: the application, the
// bootloader and the secure image each call early_init() first thing in their reset handler, then
// do what is theirs (the application starts the kernel, the bootloader runs its main, the secure
// image splits the machine with TrustZone). Each keeps its own vector table and stack.
#pragma once
#include <cstddef>
#include <cstdint>

namespace ward::arm {

struct EarlyInit {
  // The lowest address of the main stack, for MSPLIM: an overflow faults at once instead of
  // writing below the stack. nullptr: no limit (CONFIG_WARD_HW_STACK_LIMIT=n).
  const std::byte* stack_limit;
  // Take the stack canary from the board's entropy (false only when an image's configuration
  // asks for the fixed one, CONFIG_WARD_STACK_CANARY_RANDOM=n).
  bool random_canary;
};

// The canary every image uses when it has nothing better: the low byte zero, as the rule below.
inline constexpr std::uintptr_t kFixedStackCanary = 0xe2dee300u;

// The stack canary rule: the board's entropy with the lowest byte zero, so that an overflow by a
// string copy (strcpy and friends stop at a zero) cannot write the canary back intact; the fixed
// canary if nothing is left of the entropy.
constexpr std::uintptr_t stack_canary(std::uint32_t entropy) {
  const std::uintptr_t canary = entropy & ~std::uintptr_t{0xff};
  return canary != 0 ? canary : kFixedStackCanary;
}

// With interrupts masked: arms MSPLIM, reports MemManage, BusFault, UsageFault and SecureFault as
// themselves (not as HardFault), gives the FPU full access, initialises .data and .bss, chooses the
// stack canary (__stack_chk_guard) and runs the static constructors. Call it first from a reset
// handler that is [[gnu::no_stack_protector]] (the canary changes in here) and never returns.
void early_init(const EarlyInit& how);

}  // namespace ward::arm
