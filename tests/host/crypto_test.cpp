// Mbed TLS as Ward builds it (ward_mbedtls, lib/crypto/config/ward_mbedtls_config.h), through the
// PSA Crypto API: SHA-256 known answers and verification of an ECDSA P-256 signature made by
// OpenSSL, including the rejections that matter for secure boot. The vectors are shared with the
// QEMU test (tests/target/crypto) in tests/common/crypto_vectors.hpp.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstring>

#include "crypto_vectors.hpp"
#include "psa/crypto.h"
#include "ward/crypto/mbedtls_platform.hpp"

namespace {

namespace cv = ward::test::crypto_vectors;
using Digest = std::array<std::uint8_t, 32>;

constexpr psa_algorithm_t kEcdsaSha256 = PSA_ALG_ECDSA(PSA_ALG_SHA_256);

class Crypto : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(ward::crypto::init(), PSA_SUCCESS); }

  void TearDown() override {
    if (key_ != PSA_KEY_ID_NULL) {
      EXPECT_EQ(psa_destroy_key(key_), PSA_SUCCESS);
    }
  }

  // SHA-256 of `len` bytes at `data`; fails the test on any error.
  static Digest sha256(const void* data, std::size_t len) {
    Digest out{};
    std::size_t out_len = 0;
    EXPECT_EQ(psa_hash_compute(PSA_ALG_SHA_256, static_cast<const std::uint8_t*>(data), len,
                               out.data(), out.size(), &out_len),
              PSA_SUCCESS);
    EXPECT_EQ(out_len, out.size());
    return out;
  }

  // Imports an uncompressed P-256 public key for ECDSA-SHA-256 verification into key_.
  void import_public_key(const std::array<std::uint8_t, 65>& point) {
    psa_key_attributes_t attributes = psa_key_attributes_init();
    psa_set_key_type(&attributes, PSA_KEY_TYPE_ECC_PUBLIC_KEY(PSA_ECC_FAMILY_SECP_R1));
    psa_set_key_bits(&attributes, 256);
    psa_set_key_usage_flags(&attributes, PSA_KEY_USAGE_VERIFY_HASH | PSA_KEY_USAGE_VERIFY_MESSAGE);
    psa_set_key_algorithm(&attributes, kEcdsaSha256);
    ASSERT_EQ(psa_import_key(&attributes, point.data(), point.size(), &key_), PSA_SUCCESS);
    ASSERT_NE(key_, PSA_KEY_ID_NULL);
  }

  // psa_verify_hash of `signature` over SHA-256(message) with key_.
  psa_status_t verify(const std::uint8_t* message, std::size_t message_len,
                      const std::array<std::uint8_t, 64>& signature) {
    const Digest digest = sha256(message, message_len);
    return psa_verify_hash(key_, kEcdsaSha256, digest.data(), digest.size(), signature.data(),
                           signature.size());
  }

  psa_key_id_t key_ = PSA_KEY_ID_NULL;
};

TEST_F(Crypto, Sha256KnownAnswers) {
  EXPECT_EQ(sha256(cv::kAbc, std::strlen(cv::kAbc)), cv::kSha256Abc);
  EXPECT_EQ(sha256(nullptr, 0), cv::kSha256Empty);
  EXPECT_EQ(sha256(cv::kTwoBlock, std::strlen(cv::kTwoBlock)), cv::kSha256TwoBlock);
  EXPECT_EQ(sha256(cv::kEcdsaMessage.data(), cv::kEcdsaMessage.size()), cv::kEcdsaMessageSha256);
}

TEST_F(Crypto, Sha256MultipartMatchesOneShot) {
  psa_hash_operation_t op = psa_hash_operation_init();
  ASSERT_EQ(psa_hash_setup(&op, PSA_ALG_SHA_256), PSA_SUCCESS);
  const char* text = cv::kTwoBlock;
  // Uneven pieces, so that updates straddle the 64-byte block boundary.
  for (std::size_t piece : {1u, 7u, 30u, 18u}) {
    ASSERT_EQ(psa_hash_update(&op, reinterpret_cast<const std::uint8_t*>(text), piece), PSA_SUCCESS);
    text += piece;
  }
  ASSERT_EQ(text, cv::kTwoBlock + std::strlen(cv::kTwoBlock));
  EXPECT_EQ(psa_hash_verify(&op, cv::kSha256TwoBlock.data(), cv::kSha256TwoBlock.size()), PSA_SUCCESS);
}

TEST_F(Crypto, EcdsaP256VerifiesOpenSslSignature) {
  import_public_key(cv::kEcdsaPublicKey);
  EXPECT_EQ(verify(cv::kEcdsaMessage.data(), cv::kEcdsaMessage.size(), cv::kEcdsaSignature),
            PSA_SUCCESS);
  EXPECT_EQ(psa_verify_message(key_, kEcdsaSha256, cv::kEcdsaMessage.data(), cv::kEcdsaMessage.size(),
                               cv::kEcdsaSignature.data(), cv::kEcdsaSignature.size()),
            PSA_SUCCESS);
}

TEST_F(Crypto, EcdsaP256RejectsTamperedMessage) {
  import_public_key(cv::kEcdsaPublicKey);
  auto message = cv::kEcdsaMessage;
  message[message.size() - 1] ^= 0x01;  // "SHA-257"
  EXPECT_EQ(verify(message.data(), message.size(), cv::kEcdsaSignature), PSA_ERROR_INVALID_SIGNATURE);
  // A message one byte shorter.
  EXPECT_EQ(verify(cv::kEcdsaMessage.data(), cv::kEcdsaMessage.size() - 1, cv::kEcdsaSignature),
            PSA_ERROR_INVALID_SIGNATURE);
}

TEST_F(Crypto, EcdsaP256RejectsTamperedSignature) {
  import_public_key(cv::kEcdsaPublicKey);
  // One flipped bit in r, then in s.
  for (std::size_t at : {std::size_t{5}, std::size_t{32 + 20}}) {
    auto signature = cv::kEcdsaSignature;
    signature[at] ^= 0x10;
    EXPECT_EQ(verify(cv::kEcdsaMessage.data(), cv::kEcdsaMessage.size(), signature),
              PSA_ERROR_INVALID_SIGNATURE)
        << "bit flipped in byte " << at;
  }
  // r and s swapped.
  std::array<std::uint8_t, 64> swapped{};
  std::memcpy(swapped.data(), cv::kEcdsaSignature.data() + 32, 32);
  std::memcpy(swapped.data() + 32, cv::kEcdsaSignature.data(), 32);
  EXPECT_EQ(verify(cv::kEcdsaMessage.data(), cv::kEcdsaMessage.size(), swapped),
            PSA_ERROR_INVALID_SIGNATURE);
}

TEST_F(Crypto, EcdsaP256RejectsWrongPublicKey) {
  import_public_key(cv::kEcdsaOtherPublicKey);
  EXPECT_EQ(verify(cv::kEcdsaMessage.data(), cv::kEcdsaMessage.size(), cv::kEcdsaSignature),
            PSA_ERROR_INVALID_SIGNATURE);
}

TEST_F(Crypto, RejectsPointNotOnCurve) {
  auto point = cv::kEcdsaPublicKey;
  point[64] ^= 0x01;  // Y no longer matches X
  psa_key_attributes_t attributes = psa_key_attributes_init();
  psa_set_key_type(&attributes, PSA_KEY_TYPE_ECC_PUBLIC_KEY(PSA_ECC_FAMILY_SECP_R1));
  psa_set_key_bits(&attributes, 256);
  psa_set_key_usage_flags(&attributes, PSA_KEY_USAGE_VERIFY_HASH);
  psa_set_key_algorithm(&attributes, kEcdsaSha256);
  psa_key_id_t id = PSA_KEY_ID_NULL;
  EXPECT_EQ(psa_import_key(&attributes, point.data(), point.size(), &id), PSA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(id, PSA_KEY_ID_NULL);
}

TEST_F(Crypto, RandomBytesComeFromTheEntropySource) {
  std::array<std::uint8_t, 32> a{}, b{};
  ASSERT_EQ(psa_generate_random(a.data(), a.size()), PSA_SUCCESS);
  ASSERT_EQ(psa_generate_random(b.data(), b.size()), PSA_SUCCESS);
  EXPECT_NE(a, b);
  EXPECT_NE(a, (std::array<std::uint8_t, 32>{}));
}

}  // namespace
