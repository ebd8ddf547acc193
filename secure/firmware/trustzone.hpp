// The TrustZone split of the MPS2+ AN505, as the secure image programs it at reset.
#pragma once
#include <cstdint>

#include "stacks.hpp"
#include "ward/secure/boundary/trustzone_memory.hpp"

namespace ward::secure::tz {

// A range the non-secure world owns, in its non-secure alias.
struct NsRange {
  std::uint32_t base;
  std::uint32_t size;
};

// The non-secure image's memory (boards/mps2_an505/image_ns.ld links to exactly these).
inline constexpr NsRange kNsCode{0x00200000, 0x00200000};  // SSRAM1 upper 2 MiB
inline constexpr NsRange kNsRam{0x28200000, 0x00200000};   // SSRAM3, 2 MiB
// The peripherals handed to the non-secure world (each one also opened in its PPC).
inline constexpr NsRange kNsPeripherals{0x40000000, 0x10000000};

// The non-secure world's memory: the only places the secure side reads or writes on its behalf
// (never its device space, where a bus error would be the secure side's fault).
inline constexpr boundary::MemoryWindow kNsMemory[] = {{kNsCode.base, kNsCode.size}, {kNsRam.base, kNsRam.size}};

// The boundary's policy for what the non-secure side passes: non-secure memory that the kernel,
// or for an unprivileged caller that thread, may access.
inline boundary::TrustZoneMemory nonsecure_memory(bool unprivileged) { return {unprivileged, kNsMemory}; }

// SAU, MPCs, PPCs, NSCCFG, interrupt targets, FPU access, fault routing. Returns the address of
// the non-secure vector table it installed.
void configure();

// Leaves the secure state for good: the non-secure reset handler from the non-secure vector table.
// From then on secure handlers run on `stacks`' handler stack and secure thread mode (every entry
// from non-secure thread code) on its thread stack.
[[noreturn]] void enter_nonsecure(const stacks::Registers& stacks);

}  // namespace ward::secure::tz
