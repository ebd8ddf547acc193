// Hand-over from the bootloader to a verified application image (Armv8-M).
#pragma once
#include <cstdint>

namespace ward::bootloader {

// Points VTOR at the image's vector table, loads its initial stack pointer (with the stack limit
// cleared first, so the new stack is never below it) and jumps to its reset handler. Interrupts
// stay masked: the application's reset code expects that, like a cold reset.
[[noreturn]] void hand_over(std::uint32_t vector_table, bool keep_stopwatch = false);

}  // namespace ward::bootloader
