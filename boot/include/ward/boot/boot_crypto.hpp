// The bootloader's cryptography for image verification: Ward's SHA-256 and ECDSA P-256
// verification (boot/src/sha256.cpp; lib/p256, the secure image's P-256 too), written for boot time (docs/boot.md has
// the measurements against Mbed TLS and p256-m). The same code runs in the bootloader and in the
// host tests of the swap engine; the host tests check it against OpenSSL and Wycheproof.
#pragma once
#include <array>
#include <cstdint>

#include "ward/boot/sha256.hpp"
#include "ward/image/format.hpp"

namespace ward::boot {

class BootCrypto final : public image::Crypto {
 public:
  void sha256_start() override { sha_.reset(); }
  void sha256_update(std::span<const std::byte> data) override { sha_.update(data); }
  std::array<std::uint8_t, 32> sha256_finish() override { return sha_.finish(); }
  bool p256_verify(const std::array<std::uint8_t, 64>& pub, const std::array<std::uint8_t, 32>& hash,
                   const std::array<std::uint8_t, 64>& sig) override;

 private:
  Sha256 sha_;
};

}  // namespace ward::boot
