// The boundary's policy in the secure image (the NSC veneer): the TT instruction, through
// cmse_check_address_range. A range is approved only when all of it is non-secure
// (CMSE_NONSECURE) and the non-secure side may access it in the call's direction (CMSE_MPU_READ
// for inputs, CMSE_MPU_READWRITE for outputs and the output array); the intrinsic also refuses a
// range that crosses a region boundary. For a call made on behalf of an unprivileged thread, the
// check uses that thread's view of the non-secure MPU (CMSE_MPU_UNPRIV): a second opinion that does
// not rely on the non-secure kernel's own checks. Compiles only for the secure state (-mcmse).
#pragma once
#include <arm_cmse.h>

#include <cstddef>

namespace ward::secure::boundary {

struct TrustZoneMemory {
  bool unprivileged;  // the call is made for an unprivileged (user) thread

  const void* readable(const void* p, std::size_t n) const {
    return cmse_check_address_range(const_cast<void*>(p), n, flags(CMSE_MPU_READ));
  }
  void* writable(void* p, std::size_t n) const { return cmse_check_address_range(p, n, flags(CMSE_MPU_READWRITE)); }

 private:
  int flags(int access) const { return CMSE_NONSECURE | access | (unprivileged ? CMSE_MPU_UNPRIV : 0); }
};

}  // namespace ward::secure::boundary
