// The main stack (MSP) seen from thread mode: where it is, and filling its free part with a pattern
// (the high-water marks of CONFIG_WARD_STACK_MARKS, kernel/src/stack_marks.cpp).
#pragma once
#include <cstddef>
#include <cstdint>

#include "ward/config.hpp"

namespace ward::arch {

// The main stack (MSP): [lo, hi) below the vector table's initial stack pointer (reset.cpp), and
// MSP now. In thread mode no handler is active, so everything below sp is free.
struct MainStack {
  std::byte* lo;
  std::byte* hi;
  std::byte* sp;
};
inline MainStack main_stack() {
  constexpr std::uintptr_t kVtor = 0xE000ED08;
  const auto* vectors = *reinterpret_cast<const std::uintptr_t* const*>(kVtor);
  auto* hi = reinterpret_cast<std::byte*>(vectors[0]);
  std::uintptr_t sp = 0;
  asm volatile("mrs %0, msp" : "=r"(sp));
  return {hi - config::isr_stack_size, hi, reinterpret_cast<std::byte*>(sp)};
}
// Fills the main stack below MSP with `value` (thread mode), every handler masked (PRIMASK, not the
// kernel's BASEPRI): one taken meanwhile would stack its frame below MSP.
inline void fill_free_main_stack(std::byte value) {
  const MainStack m = main_stack();
  std::uint32_t primask = 0;
  asm volatile("mrs %0, primask\n cpsid i" : "=r"(primask)::"memory");
  for (std::byte* p = m.lo; p < m.sp && p < m.hi; ++p) {
    *static_cast<volatile std::byte*>(p) = value;
  }
  asm volatile("msr primask, %0" ::"r"(primask) : "memory");
}

}  // namespace ward::arch
