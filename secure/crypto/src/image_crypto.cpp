// image::Crypto on the secure side: Mbed TLS's SHA-256 and Ward's P-256 (lib/p256); see
// ward/secure/crypto/image_crypto.hpp.
#include "ward/secure/crypto/image_crypto.hpp"

#include <mbedtls/sha256.h>

#include "ward/p256/p256.hpp"

namespace ward::secure::crypto {
namespace {
mbedtls_sha256_context g_sha;
}  // namespace

void ImageCrypto::sha256_start() {
  mbedtls_sha256_init(&g_sha);
  (void)mbedtls_sha256_starts(&g_sha, 0);  // cannot fail for SHA-256 (is224 = 0)
}

void ImageCrypto::sha256_update(std::span<const std::byte> data) {
  // Cannot fail with the software implementation; a failure would show as a hash mismatch.
  (void)mbedtls_sha256_update(&g_sha, reinterpret_cast<const unsigned char*>(data.data()), data.size());
}

std::array<std::uint8_t, 32> ImageCrypto::sha256_finish() {
  std::array<std::uint8_t, 32> out{};
  if (mbedtls_sha256_finish(&g_sha, out.data()) != 0) {
    out.fill(0);  // matches no image's hash TLV by accident: refused as a mismatch
  }
  mbedtls_sha256_free(&g_sha);
  return out;
}

// Ward's P-256, as in the bootloader and the PSA driver: it checks that the key is a point of the
// curve and that r and s are in [1, n-1].
bool ImageCrypto::p256_verify(const std::array<std::uint8_t, 64>& pub, const std::array<std::uint8_t, 32>& hash,
                              const std::array<std::uint8_t, 64>& sig) {
  return p256::verify(pub, hash, sig);
}

}  // namespace ward::secure::crypto
