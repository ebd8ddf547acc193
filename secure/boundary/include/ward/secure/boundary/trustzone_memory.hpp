// The boundary's policy in the secure image (the NSC veneer): the TT instruction, through
// cmse_check_address_range. A range is approved only when all of it is non-secure
// (CMSE_NONSECURE) and the non-secure side may access it in the call's direction (CMSE_MPU_READ
// for inputs, CMSE_MPU_READWRITE for outputs and the output array); the intrinsic also refuses a
// range that crosses a region boundary. For a call made on behalf of an unprivileged thread, the
// check uses that thread's view of the non-secure MPU (CMSE_MPU_UNPRIV): a second opinion that does
// not rely on the non-secure kernel's own checks.
// First, though, the range must lie in the non-secure world's MEMORY (its code and RAM windows):
// TT approves non-secure device space too, and a device that answers with a bus error (no device
// there, a clock-gated one) would fault the secure code that copies -- a fault of the secure image.
// Compiles only for the secure state (-mcmse).
#pragma once
#include <arm_cmse.h>

#include <cstddef>
#include <cstdint>
#include <span>

namespace ward::secure::boundary {

// A window of non-secure memory, in its non-secure alias.
struct MemoryWindow {
  std::uintptr_t base;
  std::size_t size;
};

// Whether [address, address + n) lies wholly inside one of `windows` (no wrap-around).
inline bool inside(std::span<const MemoryWindow> windows, std::uintptr_t address, std::size_t n) {
  for (const MemoryWindow& w : windows) {
    if (address >= w.base && n <= w.size && address - w.base <= w.size - n) {
      return true;
    }
  }
  return false;
}

struct TrustZoneMemory {
  bool unprivileged;                     // the call is made for an unprivileged (user) thread
  std::span<const MemoryWindow> memory;  // the non-secure world's memory (none: nothing approved)

  const void* readable(const void* p, std::size_t n) const {
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-const-cast): the intrinsic takes void* for every check, reads nothing
    return in_memory(p, n) ? cmse_check_address_range(const_cast<void*>(p), n, flags(CMSE_MPU_READ)) : nullptr;
  }
  void* writable(void* p, std::size_t n) const {
    return in_memory(p, n) ? cmse_check_address_range(p, n, flags(CMSE_MPU_READWRITE)) : nullptr;
  }

 private:
  bool in_memory(const void* p, std::size_t n) const { return inside(memory, reinterpret_cast<std::uintptr_t>(p), n); }
  int flags(int access) const { return CMSE_NONSECURE | access | (unprivileged ? CMSE_MPU_UNPRIV : 0); }
};

}  // namespace ward::secure::boundary
