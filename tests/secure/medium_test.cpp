// The medium profile's secure image (ward_secure_medium; docs/secure-world.md, "Profiles") from the
// non-secure side, on QEMU, through the real path: what the profile leaves out answers
// PSA_ERROR_NOT_SUPPORTED (never a crash, never another error), and its storage works.
// qemu.secure_medium_crypto runs the known answers of crypto_test.cpp (P-256 sign, verify and
// ECDH, AES-GCM, HMAC, HKDF, a Wycheproof sample) beside the same image.
#include <psa/crypto.h>
#include <psa/internal_trusted_storage.h>
#include <psa/protected_storage.h>

#include <array>
#include <cstdint>

#include "ward/test.hpp"
#include "secure_stacks.hpp"

namespace {

constexpr psa_key_usage_t kAllUsage = PSA_KEY_USAGE_SIGN_HASH | PSA_KEY_USAGE_VERIFY_HASH |
                                      PSA_KEY_USAGE_SIGN_MESSAGE | PSA_KEY_USAGE_VERIFY_MESSAGE |
                                      PSA_KEY_USAGE_ENCRYPT | PSA_KEY_USAGE_DECRYPT | PSA_KEY_USAGE_DERIVE;

psa_status_t import(psa_key_type_t type, std::size_t bits, psa_algorithm_t alg, const std::uint8_t* data,
                    std::size_t len, psa_key_id_t* id) {
  psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
  psa_set_key_type(&a, type);
  psa_set_key_bits(&a, bits);
  psa_set_key_usage_flags(&a, kAllUsage);
  psa_set_key_algorithm(&a, alg);
  return psa_import_key(&a, data, len, id);
}

psa_status_t generate(psa_key_type_t type, std::size_t bits, psa_algorithm_t alg, psa_key_id_t* id) {
  psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
  psa_set_key_type(&a, type);
  psa_set_key_bits(&a, bits);
  psa_set_key_usage_flags(&a, kAllUsage);
  psa_set_key_algorithm(&a, alg);
  return psa_generate_key(&a, id);
}

// What the profile leaves out is refused with PSA_ERROR_NOT_SUPPORTED: when the key is created (an
// unknown key type or size), or else when the key is used with the missing algorithm (PSA checks
// a key's policy, not the algorithm's presence, at creation).
template <typename Use>
void expect_not_supported(psa_status_t created, psa_key_id_t id, Use use) {
  if (created == PSA_SUCCESS) {
    WARD_EXPECT_EQ(use(id), PSA_ERROR_NOT_SUPPORTED);
    WARD_EXPECT_EQ(psa_destroy_key(id), PSA_SUCCESS);
  } else {
    WARD_EXPECT_EQ(created, PSA_ERROR_NOT_SUPPORTED);
  }
}

// An RSA-2048 public key in PSA's format (DER RSAPublicKey): modulus 0xc0..01 (2048 bits), e = 65537.
std::array<std::uint8_t, 270> rsa_public_key() {
  std::array<std::uint8_t, 270> k{};
  const std::uint8_t head[] = {0x30, 0x82, 0x01, 0x0a, 0x02, 0x82, 0x01, 0x01, 0x00};
  std::size_t i = 0;
  for (auto b : head) k[i++] = b;
  k[i] = 0xc0;  // the modulus' top byte: 2048 bits
  i += 255;
  k[i++] = 0x01;
  const std::uint8_t e[] = {0x02, 0x03, 0x01, 0x00, 0x01};
  for (auto b : e) k[i++] = b;
  return k;
}

// Defined first: the framework runs it last, after every other call.
WARD_TEST(Medium, SecureStacksKeepTheirMargins) { check_secure_stacks(); }

WARD_TEST(Medium, HashesItLeavesOutAreNotSupported) {
  WARD_ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);
  std::array<std::uint8_t, 64> out{};
  std::size_t n = 0;
  for (psa_algorithm_t alg : {PSA_ALG_SHA_224, PSA_ALG_SHA_384, PSA_ALG_SHA_512}) {
    WARD_EXPECT_EQ(psa_hash_compute(alg, out.data(), 3, out.data(), out.size(), &n), PSA_ERROR_NOT_SUPPORTED);
    psa_hash_operation_t op = PSA_HASH_OPERATION_INIT;
    WARD_EXPECT_EQ(psa_hash_setup(&op, alg), PSA_ERROR_NOT_SUPPORTED);
    (void)psa_hash_abort(&op);
  }
  // SHA-256 is there.
  WARD_EXPECT_EQ(psa_hash_compute(PSA_ALG_SHA_256, out.data(), 3, out.data(), out.size(), &n), PSA_SUCCESS);
}

WARD_TEST(Medium, RsaIsNotSupported) {
  WARD_ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);
  const auto key = rsa_public_key();
  psa_key_id_t id = 0;
  WARD_EXPECT_EQ(import(PSA_KEY_TYPE_RSA_PUBLIC_KEY, 2048, PSA_ALG_RSA_PSS(PSA_ALG_SHA_256), key.data(), key.size(), &id),
                 PSA_ERROR_NOT_SUPPORTED);  // the key type itself is unknown
  WARD_EXPECT_EQ(id, 0u);
  WARD_EXPECT_EQ(generate(PSA_KEY_TYPE_RSA_KEY_PAIR, 2048, PSA_ALG_RSA_PKCS1V15_SIGN(PSA_ALG_SHA_256), &id),
                 PSA_ERROR_NOT_SUPPORTED);
}

WARD_TEST(Medium, P384IsNotSupported) {
  WARD_ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);
  psa_key_id_t id = 0;
  WARD_EXPECT_EQ(generate(PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1), 384, PSA_ALG_ECDSA(PSA_ALG_SHA_384), &id),
                 PSA_ERROR_NOT_SUPPORTED);
  std::array<std::uint8_t, 48> d{};
  d[47] = 1;
  WARD_EXPECT_EQ(import(PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1), 384, PSA_ALG_ECDH, d.data(), d.size(), &id),
                 PSA_ERROR_NOT_SUPPORTED);
  WARD_EXPECT_EQ(id, 0u);
}

WARD_TEST(Medium, EcdsaVariantsItLeavesOutAreNotSupported) {
  WARD_ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);
  psa_key_id_t key = 0;
  WARD_ASSERT_EQ(generate(PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1), 256, PSA_ALG_ECDSA(PSA_ALG_ANY_HASH), &key),
                 PSA_SUCCESS);
  std::array<std::uint8_t, 32> hash{};
  std::array<std::uint8_t, 64> sig{};
  std::size_t n = 0;
  // Randomised ECDSA on P-256: there.
  WARD_EXPECT_EQ(psa_sign_hash(key, PSA_ALG_ECDSA(PSA_ALG_SHA_256), hash.data(), hash.size(), sig.data(), sig.size(), &n),
                 PSA_SUCCESS);
  // Deterministic ECDSA: not built.
  psa_key_id_t det = 0;
  const psa_algorithm_t kDet = PSA_ALG_DETERMINISTIC_ECDSA(PSA_ALG_SHA_256);
  expect_not_supported(generate(PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1), 256, kDet, &det), det,
                       [&](psa_key_id_t id) {
                         return psa_sign_hash(id, kDet, hash.data(), hash.size(), sig.data(), sig.size(), &n);
                       });
  // Interruptible signing: not built.
  psa_sign_hash_interruptible_operation_t op = PSA_SIGN_HASH_INTERRUPTIBLE_OPERATION_INIT;
  WARD_EXPECT_EQ(psa_sign_hash_start(&op, key, PSA_ALG_ECDSA(PSA_ALG_SHA_256), hash.data(), hash.size()),
                 PSA_ERROR_NOT_SUPPORTED);
  (void)psa_sign_hash_abort(&op);
  WARD_EXPECT_EQ(psa_destroy_key(key), PSA_SUCCESS);
}

WARD_TEST(Medium, CiphersItLeavesOutAreNotSupported) {
  WARD_ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);
  const std::array<std::uint8_t, 32> k{};
  psa_key_id_t aes = 0;
  WARD_ASSERT_EQ(import(PSA_KEY_TYPE_AES, 128, PSA_ALG_CCM, k.data(), 16, &aes), PSA_SUCCESS);
  std::array<std::uint8_t, 32> in{}, out{};
  std::size_t n = 0;
  // Each with a key whose policy allows it, so that only the algorithm's absence can refuse.
  for (psa_algorithm_t alg : {PSA_ALG_CBC_PKCS7, PSA_ALG_CBC_NO_PADDING, PSA_ALG_CTR, PSA_ALG_ECB_NO_PADDING}) {
    psa_key_id_t id = 0;
    expect_not_supported(import(PSA_KEY_TYPE_AES, 128, alg, k.data(), 16, &id), id, [&](psa_key_id_t key) {
      WARD_EXPECT_EQ(psa_cipher_encrypt(key, alg, in.data(), 16, out.data(), out.size(), &n), PSA_ERROR_NOT_SUPPORTED);
      psa_cipher_operation_t op = PSA_CIPHER_OPERATION_INIT;  // the multi-part path too
      const psa_status_t setup = psa_cipher_decrypt_setup(&op, key, alg);
      (void)psa_cipher_abort(&op);
      return setup;
    });
  }
  psa_key_id_t cmac = 0;
  expect_not_supported(import(PSA_KEY_TYPE_AES, 128, PSA_ALG_CMAC, k.data(), 16, &cmac), cmac, [&](psa_key_id_t key) {
    return psa_mac_compute(key, PSA_ALG_CMAC, in.data(), 16, out.data(), out.size(), &n);
  });
  // AES-CCM is there (the key's algorithm).
  std::array<std::uint8_t, 13> nonce{};
  WARD_EXPECT_EQ(psa_aead_encrypt(aes, PSA_ALG_CCM, nonce.data(), nonce.size(), nullptr, 0, in.data(), 16, out.data(),
                                  out.size(), &n),
                 PSA_SUCCESS);
  WARD_EXPECT_EQ(n, 32u);
  WARD_EXPECT_EQ(psa_destroy_key(aes), PSA_SUCCESS);
  // ChaCha20-Poly1305: not through PSA (secure storage uses it inside the secure image).
  psa_key_id_t chacha = 0;
  expect_not_supported(import(PSA_KEY_TYPE_CHACHA20, 256, PSA_ALG_CHACHA20_POLY1305, k.data(), k.size(), &chacha), chacha,
                       [&](psa_key_id_t id) {
                         return psa_aead_encrypt(id, PSA_ALG_CHACHA20_POLY1305, nonce.data(), 12, nullptr, 0,
                                                 in.data(), 16, out.data(), out.size(), &n);
                       });
  // HMAC with SHA-384, HKDF with SHA-384, HKDF's halves alone (TF-M Profile Medium has HKDF only):
  // not built.
  psa_key_id_t hmac = 0;
  expect_not_supported(import(PSA_KEY_TYPE_HMAC, 256, PSA_ALG_HMAC(PSA_ALG_SHA_384), k.data(), k.size(), &hmac), hmac,
                       [&](psa_key_id_t id) {
                         return psa_mac_compute(id, PSA_ALG_HMAC(PSA_ALG_SHA_384), in.data(), 16, out.data(),
                                                out.size(), &n);
                       });
  psa_key_derivation_operation_t kdf = PSA_KEY_DERIVATION_OPERATION_INIT;
  WARD_EXPECT_EQ(psa_key_derivation_setup(&kdf, PSA_ALG_HKDF(PSA_ALG_SHA_384)), PSA_ERROR_NOT_SUPPORTED);
  (void)psa_key_derivation_abort(&kdf);
  for (const psa_algorithm_t half : {PSA_ALG_HKDF_EXTRACT(PSA_ALG_SHA_256), PSA_ALG_HKDF_EXPAND(PSA_ALG_SHA_256)}) {
    WARD_EXPECT_EQ(psa_key_derivation_setup(&kdf, half), PSA_ERROR_NOT_SUPPORTED);
    (void)psa_key_derivation_abort(&kdf);
  }
}

// The medium profile's key material cap (ward/secure/crypto/service.hpp, kKeyMaterialMax): 136 bytes.
WARD_TEST(Medium, KeysAboveTheCapAreNotSupported) {
  WARD_ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);
  std::array<std::uint8_t, 137> k{};
  psa_key_id_t id = 0;
  WARD_EXPECT_EQ(import(PSA_KEY_TYPE_HMAC, 8 * 137, PSA_ALG_HMAC(PSA_ALG_SHA_256), k.data(), 137, &id),
                 PSA_ERROR_NOT_SUPPORTED);
  WARD_ASSERT_EQ(import(PSA_KEY_TYPE_HMAC, 8 * 136, PSA_ALG_HMAC(PSA_ALG_SHA_256), k.data(), 136, &id), PSA_SUCCESS);
  WARD_EXPECT_EQ(psa_destroy_key(id), PSA_SUCCESS);
}

WARD_TEST(Medium, StorageWorks) {
  const std::uint8_t value[] = {1, 2, 3, 4};
  std::uint8_t back[4] = {};
  std::size_t n = 0;
  WARD_ASSERT_EQ(psa_its_set(0x4d, sizeof value, value, PSA_STORAGE_FLAG_NONE), PSA_SUCCESS);
  WARD_EXPECT_EQ(psa_its_get(0x4d, 0, sizeof back, back, &n), PSA_SUCCESS);
  WARD_EXPECT_EQ(n, sizeof value);
  WARD_EXPECT_EQ(back[3], 4);
  WARD_EXPECT_EQ(psa_its_remove(0x4d), PSA_SUCCESS);
  WARD_ASSERT_EQ(psa_ps_set(0x4e, sizeof value, value, PSA_STORAGE_FLAG_NONE), PSA_SUCCESS);
  back[3] = 0;
  WARD_EXPECT_EQ(psa_ps_get(0x4e, 0, sizeof back, back, &n), PSA_SUCCESS);
  WARD_EXPECT_EQ(back[3], 4);
  WARD_EXPECT_EQ(psa_ps_remove(0x4e), PSA_SUCCESS);
}

// The largest entries, ITS and PS one after the other and back: the two stores share one scratch
// (secure/storage/src/service.cpp) and seal with AES-256-GCM here; every byte must come back.
std::array<std::uint8_t, 2048> big_value;
std::array<std::uint8_t, 2048> big_back;

WARD_TEST(Medium, StorageAtItsLimitsSharesItsScratch) {
  for (std::size_t i = 0; i < big_value.size(); ++i) big_value[i] = static_cast<std::uint8_t>(i * 7 + 3);
  constexpr std::size_t kIts = 1024, kPs = 2048;  // WARD_ITS_MAX_ENTRY_SIZE, WARD_PS_MAX_ENTRY_SIZE
  WARD_ASSERT_EQ(psa_ps_set(0x50, kPs, big_value.data(), PSA_STORAGE_FLAG_NONE), PSA_SUCCESS);
  WARD_ASSERT_EQ(psa_its_set(0x51, kIts, big_value.data() + 1, PSA_STORAGE_FLAG_NONE), PSA_SUCCESS);
  WARD_EXPECT_EQ(psa_ps_set(0x52, kPs + 1, big_value.data(), PSA_STORAGE_FLAG_NONE), PSA_ERROR_INSUFFICIENT_STORAGE);
  WARD_EXPECT_EQ(psa_its_set(0x53, kIts + 1, big_value.data(), PSA_STORAGE_FLAG_NONE), PSA_ERROR_INSUFFICIENT_STORAGE);
  std::size_t n = 0;
  big_back.fill(0);
  WARD_ASSERT_EQ(psa_ps_get(0x50, 0, kPs, big_back.data(), &n), PSA_SUCCESS);
  WARD_EXPECT_EQ(n, kPs);
  std::size_t same = 0;
  for (std::size_t i = 0; i < kPs; ++i) same += big_back[i] == big_value[i] ? 1 : 0;
  WARD_EXPECT_EQ(same, kPs);
  big_back.fill(0);
  WARD_ASSERT_EQ(psa_its_get(0x51, 0, kIts, big_back.data(), &n), PSA_SUCCESS);
  WARD_EXPECT_EQ(n, kIts);
  same = 0;
  for (std::size_t i = 0; i < kIts; ++i) same += big_back[i] == big_value[i + 1] ? 1 : 0;
  WARD_EXPECT_EQ(same, kIts);
  WARD_EXPECT_EQ(psa_ps_remove(0x50), PSA_SUCCESS);
  WARD_EXPECT_EQ(psa_its_remove(0x51), PSA_SUCCESS);
}

}  // namespace
