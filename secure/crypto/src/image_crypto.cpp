// image::Crypto on the secure side's Mbed TLS (see ward/secure/crypto/image_crypto.hpp).
#include "ward/secure/crypto/image_crypto.hpp"

#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/sha256.h>

#include "ward/secure/crypto/spe_platform.hpp"

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

bool ImageCrypto::p256_verify(const std::array<std::uint8_t, 64>& pub, const std::array<std::uint8_t, 32>& hash,
                              const std::array<std::uint8_t, 64>& sig) {
  platform_init();  // the heap, if no client has started the crypto service yet
  mbedtls_ecp_group grp;
  mbedtls_ecp_point q;
  mbedtls_mpi r, s;
  mbedtls_ecp_group_init(&grp);
  mbedtls_ecp_point_init(&q);
  mbedtls_mpi_init(&r);
  mbedtls_mpi_init(&s);
  std::array<unsigned char, 65> point{};
  point[0] = 0x04;  // uncompressed: X || Y
  std::copy(pub.begin(), pub.end(), point.begin() + 1);
  // mbedtls_ecdsa_verify checks that Q is on the curve and that r and s are in [1, n-1].
  const bool ok = mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1) == 0 &&
                  mbedtls_ecp_point_read_binary(&grp, &q, point.data(), point.size()) == 0 &&
                  mbedtls_mpi_read_binary(&r, sig.data(), 32) == 0 && mbedtls_mpi_read_binary(&s, sig.data() + 32, 32) == 0 &&
                  mbedtls_ecdsa_verify(&grp, hash.data(), hash.size(), &q, &r, &s) == 0;
  mbedtls_mpi_free(&s);
  mbedtls_mpi_free(&r);
  mbedtls_ecp_point_free(&q);
  mbedtls_ecp_group_free(&grp);
  return ok;
}

}  // namespace ward::secure::crypto
