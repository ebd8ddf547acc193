// The Armv8-M PMSAv8 MPU: region encodings and the kernel's fixed regions.
//
// Region use (16 regions on the AN505's Cortex-M33):
//   0      the image's code and read-only data: read-only and executable for everyone
//   1      the running thread: a user thread's stack (read-write, never executable), or the
//          read-only 32-byte guard at the bottom of a privileged thread's stack
//   2      kernel data that user code must read (the stack-protector canary): read-only
//   3..15  the running user thread's domain: one region per partition
// Privileged code also reaches everything outside the regions through the default memory map
// (PRIVDEFENA); unprivileged code reaches nothing else. MPU_RNR stays 1 outside of domain loads so
// that the context switch can rewrite region 1 with two stores.
#pragma once
#include <cstdint>

#include "ward/arch/memory_protection.hpp"

namespace ward::arch::mpu {

inline constexpr std::uint32_t kGranule = protection::kGranule;
inline constexpr std::uint32_t kRegionCode = 0;
inline constexpr std::uint32_t kRegionThread = 1;
inline constexpr std::uint32_t kRegionKernelShared = 2;
inline constexpr std::uint32_t kFirstDomainRegion = protection::kKernelRegions;
inline constexpr std::uint32_t kRegions = protection::kRegions;

// RBAR.AP
inline constexpr std::uint32_t kApPrivilegedReadWrite = 0;
inline constexpr std::uint32_t kApReadWriteAny = 1;
inline constexpr std::uint32_t kApPrivilegedReadOnly = 2;
inline constexpr std::uint32_t kApReadOnlyAny = 3;
// MAIR attribute indexes
inline constexpr std::uint32_t kAttrNormal = 0;  // normal memory, write-back
inline constexpr std::uint32_t kAttrDevice = 1;  // device-nGnRE

// Base address register: base (32-byte aligned), inner-shareable not used, AP, XN.
constexpr std::uint32_t rbar(std::uint32_t base, std::uint32_t ap, bool execute_never) {
  return (base & ~(kGranule - 1)) | (ap << 1) | (execute_never ? 1u : 0u);
}
// Limit address register for the range that ends (exclusive) at `end`, enabled.
constexpr std::uint32_t rlar(std::uint32_t end, std::uint32_t attr) {
  return ((end - kGranule) & ~(kGranule - 1)) | (attr << 1) | 1u;
}

}  // namespace ward::arch::mpu

extern "C" {
// Loads a user domain's partitions into regions 3..15 (called by the context switch).
void ward_mpu_load_domain(const void* domain_view);
// Where a user thread's entry function returns to: ends the thread through a system call.
void ward_user_thread_return();
}
