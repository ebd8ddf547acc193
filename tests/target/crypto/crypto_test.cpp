// Mbed TLS on the target (Cortex-M33, QEMU mps2-an505): the checks of tests/host/crypto_test.cpp
// with Ward's on-target framework, so that the firmware build of ward_mbedtls (its config, the
// static heap, the entropy hook, the Thumb-2 bignum assembly) is exercised too. The vectors are
// shared with the host test in tests/common/crypto_vectors.hpp.
#include <array>
#include <cstdint>
#include <cstring>

#include "crypto_vectors.hpp"
#include "psa/crypto.h"
#include "ward/crypto/mbedtls_platform.hpp"
#include "ward/test.hpp"

namespace {

namespace cv = ward::test::crypto_vectors;
using Digest = std::array<std::uint8_t, 32>;
using Point = std::array<std::uint8_t, 65>;
using Signature = std::array<std::uint8_t, 64>;

constexpr psa_algorithm_t kEcdsaSha256 = PSA_ALG_ECDSA(PSA_ALG_SHA_256);

// SHA-256 through PSA; `status` receives the result of psa_hash_compute.
Digest sha256(const void* data, std::size_t len, psa_status_t& status) {
  Digest out{};
  std::size_t out_len = 0;
  status = psa_hash_compute(PSA_ALG_SHA_256, static_cast<const std::uint8_t*>(data), len, out.data(),
                            out.size(), &out_len);
  if (status == PSA_SUCCESS && out_len != out.size()) {
    status = PSA_ERROR_GENERIC_ERROR;
  }
  return out;
}

// A P-256 public key for ECDSA-SHA-256 verification, destroyed at the end of the scope.
struct PublicKey {
  psa_key_id_t id = PSA_KEY_ID_NULL;
  psa_status_t import_status;

  explicit PublicKey(const Point& point) {
    psa_key_attributes_t attributes = psa_key_attributes_init();
    psa_set_key_type(&attributes, PSA_KEY_TYPE_ECC_PUBLIC_KEY(PSA_ECC_FAMILY_SECP_R1));
    psa_set_key_bits(&attributes, 256);
    psa_set_key_usage_flags(&attributes, PSA_KEY_USAGE_VERIFY_HASH | PSA_KEY_USAGE_VERIFY_MESSAGE);
    psa_set_key_algorithm(&attributes, kEcdsaSha256);
    import_status = psa_import_key(&attributes, point.data(), point.size(), &id);
  }
  ~PublicKey() {
    if (id != PSA_KEY_ID_NULL) {
      psa_destroy_key(id);
    }
  }
  PublicKey(const PublicKey&) = delete;
  PublicKey& operator=(const PublicKey&) = delete;

  // psa_verify_hash of `signature` over SHA-256(message).
  psa_status_t verify(const std::uint8_t* message, std::size_t len, const Signature& signature) const {
    psa_status_t status = PSA_SUCCESS;
    const Digest digest = sha256(message, len, status);
    if (status != PSA_SUCCESS) {
      return status;
    }
    return psa_verify_hash(id, kEcdsaSha256, digest.data(), digest.size(), signature.data(),
                           signature.size());
  }
};

WARD_TEST(Crypto, Init) {
  WARD_ASSERT_EQ(ward::crypto::init(), PSA_SUCCESS);
  // A second call is harmless (the heap is handed over only once).
  WARD_ASSERT_EQ(ward::crypto::init(), PSA_SUCCESS);
}

WARD_TEST(Crypto, Sha256KnownAnswers) {
  WARD_ASSERT_EQ(ward::crypto::init(), PSA_SUCCESS);
  psa_status_t status = PSA_SUCCESS;
  WARD_EXPECT_TRUE(sha256(cv::kAbc, std::strlen(cv::kAbc), status) == cv::kSha256Abc);
  WARD_EXPECT_EQ(status, PSA_SUCCESS);
  WARD_EXPECT_TRUE(sha256(nullptr, 0, status) == cv::kSha256Empty);
  WARD_EXPECT_EQ(status, PSA_SUCCESS);
  WARD_EXPECT_TRUE(sha256(cv::kTwoBlock, std::strlen(cv::kTwoBlock), status) == cv::kSha256TwoBlock);
  WARD_EXPECT_EQ(status, PSA_SUCCESS);
  WARD_EXPECT_TRUE(sha256(cv::kEcdsaMessage.data(), cv::kEcdsaMessage.size(), status) ==
                   cv::kEcdsaMessageSha256);
  WARD_EXPECT_EQ(status, PSA_SUCCESS);
}

WARD_TEST(Crypto, EcdsaP256VerifiesOpenSslSignature) {
  WARD_ASSERT_EQ(ward::crypto::init(), PSA_SUCCESS);
  const PublicKey key{cv::kEcdsaPublicKey};
  WARD_ASSERT_EQ(key.import_status, PSA_SUCCESS);
  WARD_EXPECT_EQ(key.verify(cv::kEcdsaMessage.data(), cv::kEcdsaMessage.size(), cv::kEcdsaSignature),
                 PSA_SUCCESS);
  WARD_EXPECT_EQ(psa_verify_message(key.id, kEcdsaSha256, cv::kEcdsaMessage.data(),
                                    cv::kEcdsaMessage.size(), cv::kEcdsaSignature.data(),
                                    cv::kEcdsaSignature.size()),
                 PSA_SUCCESS);
}

WARD_TEST(Crypto, EcdsaP256RejectsTamperedMessage) {
  WARD_ASSERT_EQ(ward::crypto::init(), PSA_SUCCESS);
  const PublicKey key{cv::kEcdsaPublicKey};
  WARD_ASSERT_EQ(key.import_status, PSA_SUCCESS);
  auto message = cv::kEcdsaMessage;
  message[message.size() - 1] ^= 0x01;
  WARD_EXPECT_EQ(key.verify(message.data(), message.size(), cv::kEcdsaSignature),
                 PSA_ERROR_INVALID_SIGNATURE);
  WARD_EXPECT_EQ(key.verify(cv::kEcdsaMessage.data(), cv::kEcdsaMessage.size() - 1, cv::kEcdsaSignature),
                 PSA_ERROR_INVALID_SIGNATURE);
}

WARD_TEST(Crypto, EcdsaP256RejectsTamperedSignature) {
  WARD_ASSERT_EQ(ward::crypto::init(), PSA_SUCCESS);
  const PublicKey key{cv::kEcdsaPublicKey};
  WARD_ASSERT_EQ(key.import_status, PSA_SUCCESS);
  for (std::size_t at : {std::size_t{5}, std::size_t{32 + 20}}) {  // a bit of r, then of s
    auto signature = cv::kEcdsaSignature;
    signature[at] ^= 0x10;
    WARD_EXPECT_EQ(key.verify(cv::kEcdsaMessage.data(), cv::kEcdsaMessage.size(), signature),
                   PSA_ERROR_INVALID_SIGNATURE);
  }
}

WARD_TEST(Crypto, EcdsaP256RejectsWrongPublicKey) {
  WARD_ASSERT_EQ(ward::crypto::init(), PSA_SUCCESS);
  const PublicKey key{cv::kEcdsaOtherPublicKey};
  WARD_ASSERT_EQ(key.import_status, PSA_SUCCESS);
  WARD_EXPECT_EQ(key.verify(cv::kEcdsaMessage.data(), cv::kEcdsaMessage.size(), cv::kEcdsaSignature),
                 PSA_ERROR_INVALID_SIGNATURE);
}

WARD_TEST(Crypto, RandomBytes) {
  WARD_ASSERT_EQ(ward::crypto::init(), PSA_SUCCESS);
  std::array<std::uint8_t, 32> a{}, b{};
  WARD_ASSERT_EQ(psa_generate_random(a.data(), a.size()), PSA_SUCCESS);
  WARD_ASSERT_EQ(psa_generate_random(b.data(), b.size()), PSA_SUCCESS);
  WARD_EXPECT_FALSE(a == b);
  WARD_EXPECT_FALSE(a == (std::array<std::uint8_t, 32>{}));
}

}  // namespace
