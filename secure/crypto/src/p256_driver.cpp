// Ward's P-256 (lib/p256) as a PSA transparent driver under the secure side's Mbed TLS: ECDSA sign
// and verify, ECDH, key generation, import and public-key export of secp256r1 keys run here
// instead of Mbed TLS's ECP module; the bootloader verifies images with the same code.
//
// Mbed TLS 3.6 ships its PSA driver dispatch pre-generated (library/psa_crypto_driver_wrappers.h)
// with one slot for an accelerator of P-256, meant for p256-m: MBEDTLS_PSA_P256M_DRIVER_ENABLED
// (secure/crypto/config/ward_spe_mbedtls_config.h) makes the core call the p256_transparent_*
// entry points declared in 3rdparty/p256-m/p256-m_driver_entrypoints.h. Ward defines them here and
// does not compile p256-m, so the dispatch needs no regenerated wrappers. The core tries the driver
// first; what it answers PSA_ERROR_NOT_SUPPORTED (another curve or key type, deterministic ECDSA,
// keys derived from a KDF) falls back to Mbed TLS's built-in code, which stays in the image.
//
// Key formats are PSA's export formats: a key pair is its 32-byte private value, a public key
// 0x04 || X || Y. Private keys come from the PSA random generator (the secure side's HMAC_DRBG),
// drawn until they are in [1, n-1] (rejection sampling, no modular bias); signing nonces are hedged
// with the key and the digest (ecdsa_nonce, ward/secure/crypto/ecdsa_nonce.hpp).
//
// Built into ward_mbedtls_spe (cmake/WardMbedTLS.cmake); the host build runs every Wycheproof
// vector through it (tests/crypto_vectors) and fuzzes its import and verify
// (tests/secure_crypto/fuzz_p256_driver.cpp).
#include <psa/crypto.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <tuple>

#include "mbedtls/platform_util.h"
#include "ward/p256/p256.hpp"
#include "ward/secure/crypto/ecdsa_nonce.hpp"
#include "ward/secure/crypto/kdf.hpp"

extern "C" {
#include "p256-m_driver_entrypoints.h"
}

namespace {

constexpr std::size_t kPrivateKeySize = 32;
constexpr std::size_t kPublicKeySize = 65;  // 0x04 || X || Y
constexpr std::uint8_t kUncompressed = 0x04;
constexpr std::size_t kSignatureSize = 64;
constexpr std::size_t kSharedSecretSize = 32;
constexpr std::size_t kBits = 256;
// A draw is out of [1, n-1] with probability below 2^-32; this many in a row means a broken
// generator, not bad luck.
constexpr int kMaxDraws = 8;

constexpr psa_key_type_t kKeyPair = PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1);
constexpr psa_key_type_t kPublic = PSA_KEY_TYPE_ECC_PUBLIC_KEY(PSA_ECC_FAMILY_SECP_R1);

bool is_p256(const psa_key_attributes_t* attributes) {
  const psa_key_type_t type = psa_get_key_type(attributes);
  return (type == kKeyPair || type == kPublic) && psa_get_key_bits(attributes) == kBits;
}

// The caller's buffers as fixed-size arrays (lengths checked by the caller).
template <std::size_t N>
std::array<std::uint8_t, N> copy_in(const std::uint8_t* data) {
  std::array<std::uint8_t, N> out{};
  std::memcpy(out.data(), data, N);
  return out;
}

// X || Y of a PSA public key (65 bytes, checked), or false.
bool public_point(const std::uint8_t* data, std::size_t length, ward::p256::PublicKey& point) {
  if (length != kPublicKeySize || data[0] != kUncompressed) {
    return false;
  }
  std::memcpy(point.data(), data + 1, point.size());
  return true;
}

// A scalar in [1, n-1] from the PSA random generator.
psa_status_t draw_scalar(ward::p256::Scalar& k) {
  for (int i = 0; i < kMaxDraws; ++i) {
    const psa_status_t status = psa_generate_random(k.data(), k.size());
    if (status != PSA_SUCCESS) {
      return status;
    }
    if (ward::p256::valid_private_key(k)) {
      return PSA_SUCCESS;
    }
  }
  return PSA_ERROR_INSUFFICIENT_ENTROPY;
}

// Secrets copied out of the key slot leave the stack with the entry point.
class Wiped {
 public:
  explicit Wiped(ward::p256::Scalar& s) : s_(s) {}
  ~Wiped() { mbedtls_platform_zeroize(s_.data(), s_.size()); }
  Wiped(const Wiped&) = delete;
  Wiped& operator=(const Wiped&) = delete;

 private:
  ward::p256::Scalar& s_;
};

}  // namespace

extern "C" {

psa_status_t p256_transparent_import_key(const psa_key_attributes_t* attributes, const uint8_t* data,
                                         size_t data_length, uint8_t* key_buffer, size_t key_buffer_size,
                                         size_t* key_buffer_length, size_t* bits) {
  if (*bits != 0 && *bits != kBits) {
    return PSA_ERROR_NOT_SUPPORTED;
  }
  const psa_key_type_t type = psa_get_key_type(attributes);
  // Another length may be another curve's key of the family when the size is not given: the
  // built-in code decides then (it has no other curve, so it refuses).
  const psa_status_t wrong_length = *bits == 0 ? PSA_ERROR_NOT_SUPPORTED : PSA_ERROR_INVALID_ARGUMENT;
  if (type == kPublic) {
    if (data_length != kPublicKeySize) {
      return wrong_length;
    }
    ward::p256::PublicKey point{};
    if (!public_point(data, data_length, point) || !ward::p256::valid_public_key(point)) {
      return PSA_ERROR_INVALID_ARGUMENT;
    }
  } else if (type == kKeyPair) {
    if (data_length != kPrivateKeySize) {
      return wrong_length;
    }
    auto d = copy_in<kPrivateKeySize>(data);
    const Wiped wipe{d};
    if (!ward::p256::valid_private_key(d)) {
      return PSA_ERROR_INVALID_ARGUMENT;
    }
  } else {
    return PSA_ERROR_NOT_SUPPORTED;
  }
  if (key_buffer_size < data_length) {
    return PSA_ERROR_BUFFER_TOO_SMALL;
  }
  std::memcpy(key_buffer, data, data_length);
  *key_buffer_length = data_length;
  *bits = kBits;
  return PSA_SUCCESS;
}

psa_status_t p256_transparent_export_public_key(const psa_key_attributes_t* attributes, const uint8_t* key_buffer,
                                                size_t key_buffer_size, uint8_t* data, size_t data_size,
                                                size_t* data_length) {
  if (psa_get_key_type(attributes) != kKeyPair || psa_get_key_bits(attributes) != kBits) {
    return PSA_ERROR_NOT_SUPPORTED;  // a public key is exported as it is stored, by the core
  }
  if (key_buffer_size != kPrivateKeySize) {
    return PSA_ERROR_INVALID_ARGUMENT;
  }
  if (data_size < kPublicKeySize) {
    return PSA_ERROR_BUFFER_TOO_SMALL;
  }
  auto d = copy_in<kPrivateKeySize>(key_buffer);
  const Wiped wipe{d};
  ward::p256::PublicKey point{};
  if (!ward::p256::public_key(d, point)) {
    return PSA_ERROR_INVALID_ARGUMENT;
  }
  data[0] = kUncompressed;
  std::memcpy(data + 1, point.data(), point.size());
  *data_length = kPublicKeySize;
  return PSA_SUCCESS;
}

psa_status_t p256_transparent_generate_key(const psa_key_attributes_t* attributes, uint8_t* key_buffer,
                                           size_t key_buffer_size, size_t* key_buffer_length) {
  if (psa_get_key_type(attributes) != kKeyPair || psa_get_key_bits(attributes) != kBits) {
    return PSA_ERROR_NOT_SUPPORTED;
  }
  if (key_buffer_size < kPrivateKeySize) {
    return PSA_ERROR_BUFFER_TOO_SMALL;
  }
  ward::p256::Scalar d{};
  const Wiped wipe{d};
  const psa_status_t status = draw_scalar(d);
  if (status != PSA_SUCCESS) {
    return status;
  }
  std::memcpy(key_buffer, d.data(), d.size());
  *key_buffer_length = kPrivateKeySize;
  return PSA_SUCCESS;
}

psa_status_t p256_transparent_key_agreement(const psa_key_attributes_t* attributes, const uint8_t* key_buffer,
                                            size_t key_buffer_size, psa_algorithm_t alg, const uint8_t* peer_key,
                                            size_t peer_key_length, uint8_t* shared_secret,
                                            size_t shared_secret_size, size_t* shared_secret_length) {
  if (psa_get_key_type(attributes) != kKeyPair || psa_get_key_bits(attributes) != kBits || !PSA_ALG_IS_ECDH(alg)) {
    return PSA_ERROR_NOT_SUPPORTED;
  }
  ward::p256::PublicKey peer{};
  if (key_buffer_size != kPrivateKeySize || !public_point(peer_key, peer_key_length, peer)) {
    return PSA_ERROR_INVALID_ARGUMENT;
  }
  if (shared_secret_size < kSharedSecretSize) {
    return PSA_ERROR_BUFFER_TOO_SMALL;
  }
  auto d = copy_in<kPrivateKeySize>(key_buffer);
  const Wiped wipe{d};
  std::array<std::uint8_t, kSharedSecretSize> shared{};
  if (!ward::p256::ecdh(d, peer, shared)) {
    return PSA_ERROR_INVALID_ARGUMENT;  // the peer's key is not a point of the curve
  }
  std::memcpy(shared_secret, shared.data(), shared.size());
  mbedtls_platform_zeroize(shared.data(), shared.size());
  *shared_secret_length = kSharedSecretSize;
  return PSA_SUCCESS;
}

psa_status_t p256_transparent_sign_hash(const psa_key_attributes_t* attributes, const uint8_t* key_buffer,
                                        size_t key_buffer_size, psa_algorithm_t alg, const uint8_t* hash,
                                        size_t hash_length, uint8_t* signature, size_t signature_size,
                                        size_t* signature_length) {
  if (psa_get_key_type(attributes) != kKeyPair || psa_get_key_bits(attributes) != kBits ||
      !PSA_ALG_IS_RANDOMIZED_ECDSA(alg)) {
    return PSA_ERROR_NOT_SUPPORTED;  // deterministic ECDSA: Mbed TLS's own, if configured
  }
  if (key_buffer_size != kPrivateKeySize) {
    return PSA_ERROR_INVALID_ARGUMENT;
  }
  if (signature_size < kSignatureSize) {
    return PSA_ERROR_BUFFER_TOO_SMALL;
  }
  auto d = copy_in<kPrivateKeySize>(key_buffer);
  const Wiped wipe_d{d};
  const ward::p256::Digest e = ward::p256::hash_to_digest({hash, hash_length});
  ward::p256::Scalar k{};
  const Wiped wipe_k{k};
  ward::p256::Signature sig{};
  // sign() fails only for an invalid key (refused at import) or r or s = 0 (about 2^-256): a new
  // nonce then, never the same one again.
  for (int i = 0; i < kMaxDraws; ++i) {
    const psa_status_t status = ward::secure::crypto::ecdsa_nonce(d, e, k);
    if (status != PSA_SUCCESS) {
      return status;
    }
    if (ward::p256::sign(d, e, k, sig)) {
      std::memcpy(signature, sig.data(), sig.size());
      *signature_length = kSignatureSize;
      return PSA_SUCCESS;
    }
    if (!ward::p256::valid_private_key(d)) {
      return PSA_ERROR_INVALID_ARGUMENT;
    }
  }
  return PSA_ERROR_INSUFFICIENT_ENTROPY;
}

psa_status_t p256_transparent_verify_hash(const psa_key_attributes_t* attributes, const uint8_t* key_buffer,
                                          size_t key_buffer_size, psa_algorithm_t alg, const uint8_t* hash,
                                          size_t hash_length, const uint8_t* signature, size_t signature_length) {
  if (!is_p256(attributes) || !PSA_ALG_IS_ECDSA(alg)) {
    return PSA_ERROR_NOT_SUPPORTED;
  }
  const bool pair = psa_get_key_type(attributes) == kKeyPair;
  ward::p256::PublicKey point{};
  if (pair ? key_buffer_size != kPrivateKeySize : !public_point(key_buffer, key_buffer_size, point)) {
    return PSA_ERROR_INVALID_ARGUMENT;
  }
  if (signature_length != kSignatureSize) {
    return PSA_ERROR_INVALID_SIGNATURE;
  }
  const auto sig = copy_in<kSignatureSize>(signature);
  const ward::p256::Digest e = ward::p256::hash_to_digest({hash, hash_length});
  bool valid = false;
  if (pair) {
    // A key pair holds only the private value: one multiplication by G with it, rather than its
    // public key first and then verify's two.
    auto d = copy_in<kPrivateKeySize>(key_buffer);
    const Wiped wipe{d};
    valid = ward::p256::verify_with_private_key(d, e, sig);
  } else {
    valid = ward::p256::verify(point, e, sig);
  }
  return valid ? PSA_SUCCESS : PSA_ERROR_INVALID_SIGNATURE;
}

}  // extern "C"

namespace ward::secure::crypto {

psa_status_t ecdsa_nonce(const p256::Scalar& d, const p256::Digest& e, p256::Scalar& k) {
  static constexpr char kLabel[] = "ward/p256/ecdsa-nonce/v1";
  std::array<std::uint8_t, 32 + std::tuple_size_v<p256::Scalar>> ikm{};  // random || d
  const psa_status_t status = psa_generate_random(ikm.data(), 32);
  if (status != PSA_SUCCESS) {
    return status;
  }
  std::memcpy(ikm.data() + 32, d.data(), d.size());
  std::array<std::uint8_t, sizeof kLabel - 1 + std::tuple_size_v<p256::Digest>> info{};  // label || e
  std::memcpy(info.data(), kLabel, sizeof kLabel - 1);
  std::memcpy(info.data() + sizeof kLabel - 1, e.data(), e.size());
  std::array<std::uint8_t, p256::kWideScalarSize> wide{};
  hkdf_sha256(std::as_bytes(std::span{ikm}), std::as_bytes(std::span{info}), std::as_writable_bytes(std::span{wide}));
  p256::private_key_from_wide(wide, k);
  mbedtls_platform_zeroize(ikm.data(), ikm.size());
  mbedtls_platform_zeroize(wide.data(), wide.size());
  return PSA_SUCCESS;
}

}  // namespace ward::secure::crypto
