// The MPS2+ AN505's entropy (ward/board.hpp), on its own so that the images built without Ward's
// core (the bootloader, the secure image) use the same source for their stack canaries
// (arch/arm/src/early_init.cpp) as applications do.
#include <cstdint>

#include "ward/arch/arm/semihosting.hpp"
#include "ward/board.hpp"
#include "ward/config.hpp"

namespace ward::board {

// QEMU models no TRNG. The only unpredictable input an emulated AN505 has is the host's clock,
// read through semihosting (nanoseconds since an arbitrary point): it differs on every boot but
// an attacker who can observe the host could estimate it. Good enough for a canary under
// emulation; a real board must use its TRNG here. Mixed with a 32-bit finaliser (MurmurHash3's)
// so every bit of the clock affects every bit of the result.
std::uint32_t entropy32() {
  std::uint64_t clock = 0;
  if constexpr (config::semihosting) {
    clock = arm::semihost::elapsed();
  }
  std::uint32_t x = static_cast<std::uint32_t>(clock) ^ static_cast<std::uint32_t>(clock >> 32) ^ 0x9e3779b9u;
  x ^= x >> 16;
  x *= 0x85ebca6bu;
  x ^= x >> 13;
  x *= 0xc2b2ae35u;
  x ^= x >> 16;
  return x;
}

}  // namespace ward::board
