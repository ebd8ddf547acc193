// The hardware-unique key of an emulated device (see ward/secure/huk.hpp). QEMU has no OTP and no
// key-derivation block, so the build generates 32 random bytes once per build tree (openssl rand,
// secure/firmware/CMakeLists.txt) and they live in the secure image's constants: secure memory,
// which the SAU closes to the non-secure world. Real hardware reads its fused key instead, and
// this file is the one to replace.
#include <array>

#include "ward/secure/huk.hpp"

namespace ward::secure {
namespace {
constexpr std::array<unsigned char, kHukSize> kHukBytes = {
#include "ward_huk.inc"
};
static_assert(kHukBytes.size() == kHukSize);
}  // namespace

std::span<const std::byte, kHukSize> hardware_unique_key() {
  return std::span<const std::byte, kHukSize>{reinterpret_cast<const std::byte*>(kHukBytes.data()), kHukSize};
}

}  // namespace ward::secure
