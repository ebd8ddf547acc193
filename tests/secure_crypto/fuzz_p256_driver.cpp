// libFuzzer target over the P-256 driver's entry points for outside data (secure/crypto/src/
// p256_driver.cpp, with lib/p256 under it): key import, public-key export and signature
// verification, as Mbed TLS's PSA core calls them. Built with clang under ASan+UBSan by
// tests/secure_crypto/CMakeLists.txt; host.secure_crypto.fuzz_p256_driver_smoke runs it.
//
// Input: one mode byte, then
//   mode % 3 == 0: a public key (65 bytes) | signature (64) | hash (the rest)
//   mode % 3 == 1: a private key (32)      | signature (64) | hash (the rest)
//   mode % 3 == 2: a private key (32)      | nonce (32)     | hash (the rest): signed, then verified
// Bit 2 of the mode shortens the key by one byte, bit 3 the signature (lengths the driver must
// refuse). What must hold, or the target aborts:
//   - import accepts exactly the keys lib/p256 calls valid, of exactly P-256's length;
//   - a key pair verifies exactly what its public key verifies (verify_with_private_key against
//     public_key + verify);
//   - a signature made with any valid key and nonce verifies, with the key pair and the public key,
//     and fails once its hash changes.
#include <psa/crypto.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "ward/p256/p256.hpp"

extern "C" {
#include "p256-m_driver_entrypoints.h"
}

namespace {

constexpr psa_algorithm_t kEcdsa = PSA_ALG_ECDSA(PSA_ALG_SHA_256);

void require(bool ok) {
  if (!ok) std::abort();
}

psa_key_attributes_t attributes(psa_key_type_t type, std::size_t bits) {
  psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
  psa_set_key_type(&a, type);
  psa_set_key_bits(&a, bits);
  return a;
}

psa_status_t verify(psa_key_type_t type, const std::uint8_t* key, std::size_t key_len, const std::uint8_t* hash,
                    std::size_t hash_len, const std::uint8_t* sig, std::size_t sig_len) {
  const psa_key_attributes_t a = attributes(type, 256);
  return p256_transparent_verify_hash(&a, key, key_len, kEcdsa, hash, hash_len, sig, sig_len);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t mode = data[0];
  ++data;
  --size;
  const bool pair = mode % 3 != 0;
  const psa_key_type_t type =
      pair ? PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1) : PSA_KEY_TYPE_ECC_PUBLIC_KEY(PSA_ECC_FAMILY_SECP_R1);
  const std::size_t full_key = pair ? 32 : 65;
  const std::size_t key_len = full_key - ((mode >> 2) & 1);
  const std::size_t second = (mode % 3 == 2 ? 32 : 64) - ((mode >> 3) & 1);
  if (size < key_len + second) return 0;
  const std::uint8_t* key = data;
  const std::uint8_t* sig = data + key_len;
  const std::uint8_t* hash = sig + second;
  const std::size_t hash_len = size - key_len - second;

  // Import, with and without the size given.
  std::array<std::uint8_t, 80> stored{};
  std::size_t stored_len = 0;
  std::size_t bits = (mode & 0x10) ? 256 : 0;
  const psa_key_attributes_t a = attributes(type, bits);
  const psa_status_t imported = p256_transparent_import_key(&a, key, key_len, stored.data(), stored.size(),
                                                            &stored_len, &bits);
  bool valid = key_len == full_key;
  if (valid && pair) {
    ward::p256::Scalar d{};
    std::memcpy(d.data(), key, d.size());
    valid = ward::p256::valid_private_key(d);
  } else if (valid) {
    ward::p256::PublicKey q{};
    std::memcpy(q.data(), key + 1, q.size());
    valid = key[0] == 0x04 && ward::p256::valid_public_key(q);
  }
  require((imported == PSA_SUCCESS) == valid);
  if (!valid) return 0;
  require(bits == 256 && stored_len == key_len && std::memcmp(stored.data(), key, key_len) == 0);

  if (!pair) {
    (void)verify(type, stored.data(), stored_len, hash, hash_len, sig, second);
    return 0;
  }
  std::array<std::uint8_t, 65> pub{};
  std::size_t pub_len = 0;
  const psa_key_attributes_t pa = attributes(type, 256);
  require(p256_transparent_export_public_key(&pa, stored.data(), stored_len, pub.data(), pub.size(), &pub_len) ==
              PSA_SUCCESS &&
          pub_len == 65 && pub[0] == 0x04);
  const psa_key_type_t public_type = PSA_KEY_TYPE_ECC_PUBLIC_KEY(PSA_ECC_FAMILY_SECP_R1);
  if (mode % 3 == 1) {
    const psa_status_t with_pair = verify(type, stored.data(), stored_len, hash, hash_len, sig, second);
    const psa_status_t with_public = verify(public_type, pub.data(), pub.size(), hash, hash_len, sig, second);
    require(with_pair == with_public);
    return 0;
  }
  // Mode 2: sign with the input's nonce, then both verifications must accept it.
  if (second != 32) return 0;
  ward::p256::Scalar d{}, k{};
  std::memcpy(d.data(), key, d.size());
  std::memcpy(k.data(), sig, k.size());
  const ward::p256::Digest e = ward::p256::hash_to_digest({hash, hash_len});
  ward::p256::Signature s{};
  if (!ward::p256::sign(d, e, k, s)) {
    require(!ward::p256::valid_private_key(k));  // r = 0 or s = 0 is out of a fuzzer's reach
    return 0;
  }
  require(verify(type, stored.data(), stored_len, hash, hash_len, s.data(), s.size()) == PSA_SUCCESS);
  require(verify(public_type, pub.data(), pub.size(), hash, hash_len, s.data(), s.size()) == PSA_SUCCESS);
  std::array<std::uint8_t, 32> other{};
  std::memcpy(other.data(), e.data(), other.size());
  other[31] ^= 1;
  require(verify(public_type, pub.data(), pub.size(), other.data(), other.size(), s.data(), s.size()) ==
          PSA_ERROR_INVALID_SIGNATURE);
  return 0;
}
