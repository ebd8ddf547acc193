// What the Armv8-M PMSAv8 MPU can enforce, as the portable kernel's memory domains need to know it
// (kernel/include/ward/kernel/memory_domain.hpp checks every domain against it while compiling).
// The region plan itself is in ward/arch/arm/mpu.hpp.
#pragma once
#include <cstddef>
#include <cstdint>

namespace ward::arch::protection {

// Region bases and sizes are multiples of this.
inline constexpr std::size_t kGranule = 32;
// Regions the MPU has, and those the kernel keeps for itself (0 image code, 1 the running thread's
// stack or guard, 2 kernel data user code may read); the rest hold a domain's partitions.
inline constexpr std::size_t kRegions = 16;
inline constexpr std::size_t kKernelRegions = 3;
// Device partitions lie in the peripheral space of the Armv8-M default memory map.
inline constexpr std::uintptr_t kDeviceStart = 0x40000000;
inline constexpr std::uintptr_t kDeviceEnd = 0x60000000;

}  // namespace ward::arch::protection

