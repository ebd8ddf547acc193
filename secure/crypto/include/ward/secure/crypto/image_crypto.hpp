// The cryptography of image verification (image::Crypto: SHA-256, ECDSA P-256 verify) on the
// secure side's Mbed TLS, for Firmware Update's install (secure/fwu). The secure image already
// carries these primitives for PSA Crypto; the bootloader's own (ward_boot_crypto) would add about
// 16 KB of code and 3 KB of stack to it. The image format's checks (layout, TLVs, strict DER, key
// hash) stay in image::verify, shared with the bootloader: only the two primitives differ, and
// the host tests verify the same images with both.
#pragma once
#include <array>
#include <cstdint>
#include <span>

#include "ward/image/format.hpp"

namespace ward::secure::crypto {

// One verification at a time (the gateway serves one call at a time): the hash state is the
// implementation's single context. ECDSA's temporaries come from the secure side's Mbed TLS heap,
// which is sized for one operation beside the keys in RAM (spe_platform.hpp).
class ImageCrypto final : public image::Crypto {
 public:
  void sha256_start() override;
  void sha256_update(std::span<const std::byte> data) override;
  std::array<std::uint8_t, 32> sha256_finish() override;
  bool p256_verify(const std::array<std::uint8_t, 64>& pub, const std::array<std::uint8_t, 32>& hash,
                   const std::array<std::uint8_t, 64>& sig) override;
};

}  // namespace ward::secure::crypto
