// The boundary's policy in the non-secure kernel, for a user thread's psa_call: every range must
// lie in the calling thread's memory (its stack or one partition of its domain, writable for
// outputs), by the kernel's own UserSpan check (ward/kernel/user_memory.hpp). The veneer checks the
// same ranges again against the thread's view of the non-secure MPU (TrustZoneMemory with
// CMSE_MPU_UNPRIV): two opinions, neither relying on the other.
#pragma once
#include <cstddef>
#include <cstdint>

#include "ward/kernel/user_memory.hpp"

namespace ward::secure::boundary {

struct DomainMemory {
  const UserMemoryMap& memory;

  const void* readable(const void* p, std::size_t n) const {
    auto bytes = memory.check(UserSpan<const std::byte>{reinterpret_cast<std::uintptr_t>(p), n});
    return bytes ? bytes->data() : nullptr;
  }
  void* writable(void* p, std::size_t n) const {
    auto bytes = memory.check(UserSpan<std::byte>{reinterpret_cast<std::uintptr_t>(p), n});
    return bytes ? bytes->data() : nullptr;
  }
};

}  // namespace ward::secure::boundary
