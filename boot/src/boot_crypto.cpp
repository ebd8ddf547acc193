#include "ward/boot/boot_crypto.hpp"

#include "ward/p256/p256.hpp"

namespace ward::boot {

bool BootCrypto::p256_verify(const std::array<std::uint8_t, 64>& pub, const std::array<std::uint8_t, 32>& hash,
                             const std::array<std::uint8_t, 64>& sig) {
  return ward::p256::verify(pub, hash, sig);
}

}  // namespace ward::boot
