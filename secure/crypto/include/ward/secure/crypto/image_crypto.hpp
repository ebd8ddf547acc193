// The cryptography of image verification (image::Crypto: SHA-256, ECDSA P-256 verify) for Firmware
// Update's install (secure/fwu): the secure side's Mbed TLS SHA-256 and Ward's P-256 (lib/p256,
// also the bootloader's verifier and the PSA driver), primitives the secure image carries for PSA
// Crypto anyway, so no profile needs Mbed TLS's ECP code for it. The image format's checks (layout, TLVs, strict DER, key
// hash) stay in image::verify, shared with the bootloader: only the two primitives differ, and
// the host tests verify the same images with both.
#pragma once
#include <array>
#include <cstdint>
#include <span>

#include "ward/image/format.hpp"

namespace ward::secure::crypto {

// One verification at a time (the gateway serves one call at a time): the hash state is the
// implementation's single context. The verification uses no heap (lib/p256 works on the stack).
class ImageCrypto final : public image::Crypto {
 public:
  void sha256_start() override;
  void sha256_update(std::span<const std::byte> data) override;
  std::array<std::uint8_t, 32> sha256_finish() override;
  bool p256_verify(const std::array<std::uint8_t, 64>& pub, const std::array<std::uint8_t, 32>& hash,
                   const std::array<std::uint8_t, 64>& sig) override;
};

}  // namespace ward::secure::crypto
