// The host port has no memory protection unit. Its memory domains follow the Cortex-M port's
// rules (arch/arm/include/ward/arch/memory_protection.hpp) all the same, so that a domain tested
// on the host also builds for the target, and the host's layout tests see the same refusals.
#pragma once
#include <cstddef>
#include <cstdint>

namespace ward::arch::protection {

inline constexpr std::size_t kGranule = 32;
inline constexpr std::size_t kRegions = 16;
inline constexpr std::size_t kKernelRegions = 3;
inline constexpr std::uintptr_t kDeviceStart = 0x40000000;
inline constexpr std::uintptr_t kDeviceEnd = 0x60000000;

}  // namespace ward::arch::protection

