#include "ward/boot/boot_crypto.hpp"

#include "ward/boot/p256.hpp"

namespace ward::boot {

bool BootCrypto::p256_verify(const std::array<std::uint8_t, 64>& pub, const std::array<std::uint8_t, 32>& hash,
                             const std::array<std::uint8_t, 64>& sig) {
  return p256::verify(pub, hash, sig);
}

}  // namespace ward::boot
