#include "handover.hpp"

#include "ward/arch/arm/registers.hpp"

namespace ward::bootloader {

void hand_over(std::uint32_t vector_table, bool keep_stopwatch) {
  // Safety: the image at vector_table was loaded into executable memory and verified (hash and
  // signature over these very bytes) by the engine just before; its first two words lie in the
  // signed part (boot::RamLoader checks) and are the initial stack pointer and the reset handler
  // it was linked with.
  const auto* vectors = reinterpret_cast<const volatile std::uint32_t*>(vector_table);
  const std::uint32_t sp = vectors[0];
  const std::uint32_t entry = vectors[1];
  asm volatile("cpsid i" ::: "memory");
  // Nothing of the bootloader's may fire in the application: SysTick (used for the boot-time
  // measurement) off -- or, for the chain's secure image, left counting without its interrupt so
  // that image can report the time to the non-secure entry; it stops it before that entry.
  if (!keep_stopwatch) {
    *reinterpret_cast<volatile std::uint32_t*>(0xE000E010) = 0;
  }
  arm::scb::VTOR::write(vector_table);
  arm::dsb();
  arm::isb();
  asm volatile(
      "msr msplim, %0\n"
      "msr msp, %1\n"
      "isb\n"
      "bx %2\n" ::"r"(0u),
      "r"(sp), "r"(entry)
      : "memory");
  __builtin_unreachable();
}

}  // namespace ward::bootloader
