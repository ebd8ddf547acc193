// The bootloader's cryptography for image verification: SHA-256 from Mbed TLS, ECDSA P-256
// verification from p256-m (both from the pinned Mbed TLS source, library ward_boot_crypto).
// The same code runs in the bootloader and in the host tests of the swap engine.
#pragma once
#include <array>
#include <cstdint>

#include "ward/image/format.hpp"

namespace ward::boot {

class BootCrypto final : public image::Crypto {
 public:
  BootCrypto();
  ~BootCrypto();
  BootCrypto(const BootCrypto&) = delete;
  BootCrypto& operator=(const BootCrypto&) = delete;

  void sha256_start() override;
  void sha256_update(std::span<const std::byte> data) override;
  std::array<std::uint8_t, 32> sha256_finish() override;
  bool p256_verify(const std::array<std::uint8_t, 64>& pub, const std::array<std::uint8_t, 32>& hash,
                   const std::array<std::uint8_t, 64>& sig) override;

 private:
  // Storage for mbedtls_sha256_context, kept opaque so that users need no Mbed TLS headers.
  alignas(8) std::array<std::byte, 128> sha_;
  void* ctx_;  // the context constructed in sha_
};

}  // namespace ward::boot
