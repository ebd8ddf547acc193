// The P-256 driver (secure/crypto/src/p256_driver.cpp) from the caller's side, through the PSA API:
// every key, point, signature and size it must refuse, refused with PSA's error, nothing stored.
// (Wycheproof's vectors through the same path: tests/crypto_vectors.)
#include "test_support.hpp"

namespace ward::secure::test {
namespace {

constexpr psa_algorithm_t kEcdsa = PSA_ALG_ECDSA(PSA_ALG_SHA_256);
constexpr psa_key_type_t kPair = PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1);
constexpr psa_key_type_t kPublic = PSA_KEY_TYPE_ECC_PUBLIC_KEY(PSA_ECC_FAMILY_SECP_R1);
const Bytes kN = hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
const Bytes kP = hex("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff");

psa_status_t try_import(psa_key_type_t type, const Bytes& data, std::size_t bits = 0) {
  psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
  psa_set_key_type(&a, type);
  psa_set_key_bits(&a, bits);
  psa_set_key_usage_flags(&a, PSA_KEY_USAGE_VERIFY_HASH | PSA_KEY_USAGE_DERIVE);
  psa_set_key_algorithm(&a, kEcdsa);
  mbedtls_svc_key_id_t key = PSA_KEY_ID_NULL;
  const psa_status_t status = psa_import_key(&a, data.data(), data.size(), &key);
  if (status == PSA_SUCCESS) {
    EXPECT_EQ(psa_destroy_key(key), PSA_SUCCESS);
  } else {
    EXPECT_EQ(key, PSA_KEY_ID_NULL);
  }
  return status;
}

Bytes public_of(mbedtls_svc_key_id_t key) {
  Bytes pub(65);
  std::size_t len = 0;
  EXPECT_EQ(psa_export_public_key(key, pub.data(), pub.size(), &len), PSA_SUCCESS);
  return pub;
}

using P256Driver = CryptoService;

TEST_F(P256Driver, RefusesPrivateKeysOutOfRange) {
  Bytes n_plus_1 = kN;
  n_plus_1[31] += 1;
  for (const Bytes& bad : {Bytes(32, 0), kN, n_plus_1, Bytes(32, 0xff)}) {
    EXPECT_EQ(try_import(kPair, bad), PSA_ERROR_INVALID_ARGUMENT);
  }
  Bytes n_minus_1 = kN;
  n_minus_1[31] -= 1;
  EXPECT_EQ(try_import(kPair, n_minus_1), PSA_SUCCESS);
  // Sizes other than P-256's: 31 and 33 bytes, and 32 bytes declared as another size.
  EXPECT_NE(try_import(kPair, Bytes(31, 1)), PSA_SUCCESS);
  EXPECT_NE(try_import(kPair, Bytes(33, 1)), PSA_SUCCESS);
  EXPECT_NE(try_import(kPair, Bytes(32, 1), 384), PSA_SUCCESS);
  EXPECT_NE(try_import(kPair, Bytes(32, 1), 255), PSA_SUCCESS);
}

TEST_F(P256Driver, RefusesPublicKeysOffTheCurve) {
  const auto key = generate_p256(PSA_KEY_USAGE_SIGN_HASH, kEcdsa);
  const Bytes pub = public_of(key);
  EXPECT_EQ(try_import(kPublic, pub), PSA_SUCCESS);
  Bytes off = pub;
  off[64] ^= 1;  // y changed: not on the curve
  EXPECT_EQ(try_import(kPublic, off), PSA_ERROR_INVALID_ARGUMENT);
  Bytes compressed_tag = pub;
  compressed_tag[0] = 0x02;
  EXPECT_NE(try_import(kPublic, compressed_tag), PSA_SUCCESS);
  Bytes hybrid_tag = pub;
  hybrid_tag[0] = 0x06;
  EXPECT_NE(try_import(kPublic, hybrid_tag), PSA_SUCCESS);
  // x = p (a coordinate not reduced), the origin, the point at infinity's single byte.
  Bytes x_is_p = pub;
  std::copy(kP.begin(), kP.end(), x_is_p.begin() + 1);
  EXPECT_NE(try_import(kPublic, x_is_p), PSA_SUCCESS);
  Bytes origin(65, 0);
  origin[0] = 0x04;
  EXPECT_NE(try_import(kPublic, origin), PSA_SUCCESS);
  EXPECT_NE(try_import(kPublic, Bytes{0x00}), PSA_SUCCESS);
  // Wrong sizes: 64 bytes without the tag, one byte more, declared as P-384.
  EXPECT_NE(try_import(kPublic, Bytes(pub.begin() + 1, pub.end())), PSA_SUCCESS);
  Bytes longer = pub;
  longer.push_back(0);
  EXPECT_NE(try_import(kPublic, longer), PSA_SUCCESS);
  EXPECT_NE(try_import(kPublic, pub, 384), PSA_SUCCESS);
  EXPECT_EQ(psa_destroy_key(key), PSA_SUCCESS);
}

TEST_F(P256Driver, VerifyRefusesOutOfRangeSignatures) {
  const auto key = generate_p256(PSA_KEY_USAGE_SIGN_HASH | PSA_KEY_USAGE_VERIFY_HASH, kEcdsa);
  const Bytes hash(32, 0x5a);
  Bytes sig(64);
  std::size_t len = 0;
  ASSERT_EQ(psa_sign_hash(key, kEcdsa, hash.data(), hash.size(), sig.data(), sig.size(), &len), PSA_SUCCESS);
  ASSERT_EQ(len, 64u);
  ASSERT_EQ(psa_verify_hash(key, kEcdsa, hash.data(), hash.size(), sig.data(), sig.size()), PSA_SUCCESS);
  const auto with = [&](std::size_t offset, const Bytes& value) {
    Bytes s = sig;
    std::copy(value.begin(), value.end(), s.begin() + static_cast<std::ptrdiff_t>(offset));
    return psa_verify_hash(key, kEcdsa, hash.data(), hash.size(), s.data(), s.size());
  };
  EXPECT_EQ(with(0, Bytes(32, 0)), PSA_ERROR_INVALID_SIGNATURE);   // r = 0
  EXPECT_EQ(with(32, Bytes(32, 0)), PSA_ERROR_INVALID_SIGNATURE);  // s = 0
  EXPECT_EQ(with(0, kN), PSA_ERROR_INVALID_SIGNATURE);             // r = n
  EXPECT_EQ(with(32, kN), PSA_ERROR_INVALID_SIGNATURE);            // s = n
  EXPECT_EQ(with(32, Bytes(32, 0xff)), PSA_ERROR_INVALID_SIGNATURE);
  // Not 64 bytes.
  EXPECT_EQ(psa_verify_hash(key, kEcdsa, hash.data(), hash.size(), sig.data(), 63), PSA_ERROR_INVALID_SIGNATURE);
  Bytes longer = sig;
  longer.push_back(0);
  EXPECT_EQ(psa_verify_hash(key, kEcdsa, hash.data(), hash.size(), longer.data(), longer.size()),
            PSA_ERROR_INVALID_SIGNATURE);
  // A signature of one hash does not verify another; a short output buffer is refused for sign.
  Bytes other = hash;
  other[0] ^= 1;
  EXPECT_EQ(psa_verify_hash(key, kEcdsa, other.data(), other.size(), sig.data(), sig.size()),
            PSA_ERROR_INVALID_SIGNATURE);
  EXPECT_EQ(psa_sign_hash(key, kEcdsa, hash.data(), hash.size(), sig.data(), 63, &len), PSA_ERROR_BUFFER_TOO_SMALL);
  EXPECT_EQ(psa_destroy_key(key), PSA_SUCCESS);
}

TEST_F(P256Driver, EcdhRefusesPeersOffTheCurve) {
  const auto key = generate_p256(PSA_KEY_USAGE_DERIVE, PSA_ALG_ECDH);
  const auto peer_key = generate_p256(PSA_KEY_USAGE_DERIVE, PSA_ALG_ECDH);
  const Bytes peer = public_of(peer_key);
  Bytes shared(32);
  std::size_t len = 0;
  ASSERT_EQ(psa_raw_key_agreement(PSA_ALG_ECDH, key, peer.data(), peer.size(), shared.data(), shared.size(), &len),
            PSA_SUCCESS);
  Bytes off = peer;
  off[64] ^= 1;
  EXPECT_EQ(psa_raw_key_agreement(PSA_ALG_ECDH, key, off.data(), off.size(), shared.data(), shared.size(), &len),
            PSA_ERROR_INVALID_ARGUMENT);
  Bytes origin(65, 0);
  origin[0] = 0x04;
  EXPECT_EQ(psa_raw_key_agreement(PSA_ALG_ECDH, key, origin.data(), origin.size(), shared.data(), shared.size(), &len),
            PSA_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(psa_raw_key_agreement(PSA_ALG_ECDH, key, peer.data(), 64, shared.data(), shared.size(), &len), PSA_SUCCESS);
  EXPECT_NE(psa_raw_key_agreement(PSA_ALG_ECDH, key, peer.data(), peer.size(), shared.data(), 31, &len), PSA_SUCCESS);
  EXPECT_EQ(psa_destroy_key(key), PSA_SUCCESS);
  EXPECT_EQ(psa_destroy_key(peer_key), PSA_SUCCESS);
}

}  // namespace
}  // namespace ward::secure::test
