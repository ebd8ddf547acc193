// ward::p256 (lib/p256) against Mbed TLS's built-in ECP code, the secret-key half of the library:
// public keys from private ones, ECDH, and ECDSA signatures each way, for random keys; RFC 6979's
// P-256 example with its nonce (a known answer for sign); and every refusal of an out-of-range
// private key, nonce or peer key.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <random>
#include <vector>

#include "mbedtls/bignum.h"
#include "psa/crypto.h"
#include "ward/crypto/mbedtls_platform.hpp"
#include "ward/p256/p256.hpp"

namespace {

namespace p256 = ward::p256;
constexpr psa_algorithm_t kEcdsa = PSA_ALG_ECDSA(PSA_ALG_SHA_256);

template <std::size_t N>
std::array<std::uint8_t, N> from_hex(const char* hex) {
  std::array<std::uint8_t, N> out{};
  for (std::size_t i = 0; i < N; ++i) {
    out[i] = static_cast<std::uint8_t>(std::stoul(std::string(hex + 2 * i, 2), nullptr, 16));
  }
  return out;
}

// n, the group order, and numbers around it.
const auto kN = from_hex<32>("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");

class P256 : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(ward::crypto::init(), PSA_SUCCESS); }

  // A key pair in Mbed TLS (its own validation and public-key derivation).
  static psa_key_id_t import_pair(const p256::Scalar& d, psa_key_usage_t usage, psa_algorithm_t alg) {
    psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
    psa_set_key_type(&a, PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1));
    psa_set_key_bits(&a, 256);
    psa_set_key_usage_flags(&a, usage | PSA_KEY_USAGE_EXPORT);
    psa_set_key_algorithm(&a, alg);
    psa_key_id_t id = 0;
    EXPECT_EQ(psa_import_key(&a, d.data(), d.size(), &id), PSA_SUCCESS);
    return id;
  }
  static p256::PublicKey public_of(psa_key_id_t id) {
    std::array<std::uint8_t, 65> raw{};
    std::size_t len = 0;
    EXPECT_EQ(psa_export_public_key(id, raw.data(), raw.size(), &len), PSA_SUCCESS);
    p256::PublicKey pub{};
    std::copy(raw.begin() + 1, raw.end(), pub.begin());
    return pub;
  }
  p256::Scalar random_scalar() {
    p256::Scalar d{};
    do {
      for (auto& b : d) b = static_cast<std::uint8_t>(rng_());
    } while (!p256::valid_private_key(d));
    return d;
  }
  std::mt19937 rng_{256};
};

TEST_F(P256, PublicKeyEcdhAndSignaturesAgreeWithMbedTls) {
  for (int i = 0; i < 20; ++i) {
    const p256::Scalar d = random_scalar();
    const psa_key_id_t key = import_pair(d, PSA_KEY_USAGE_SIGN_HASH | PSA_KEY_USAGE_VERIFY_HASH, kEcdsa);
    const p256::PublicKey expected = public_of(key);
    p256::PublicKey pub{};
    ASSERT_TRUE(p256::public_key(d, pub));
    ASSERT_EQ(pub, expected) << "key " << i;

    // Ward signs, Mbed TLS verifies; Mbed TLS signs, Ward verifies.
    p256::Digest hash{};
    for (auto& b : hash) b = static_cast<std::uint8_t>(rng_());
    p256::Signature sig{};
    ASSERT_TRUE(p256::sign(d, hash, random_scalar(), sig));
    EXPECT_EQ(psa_verify_hash(key, kEcdsa, hash.data(), hash.size(), sig.data(), sig.size()), PSA_SUCCESS);
    EXPECT_TRUE(p256::verify(pub, hash, sig));
    EXPECT_TRUE(p256::verify_with_private_key(d, hash, sig));
    sig[63] ^= 1;
    EXPECT_FALSE(p256::verify(pub, hash, sig));
    EXPECT_FALSE(p256::verify_with_private_key(d, hash, sig));
    std::size_t len = 0;
    ASSERT_EQ(psa_sign_hash(key, kEcdsa, hash.data(), hash.size(), sig.data(), sig.size(), &len), PSA_SUCCESS);
    EXPECT_TRUE(p256::verify(pub, hash, sig));
    EXPECT_TRUE(p256::verify_with_private_key(d, hash, sig));
    hash[0] ^= 1;
    EXPECT_FALSE(p256::verify_with_private_key(d, hash, sig));

    // ECDH with another random key: Ward's shared secret is Mbed TLS's.
    const psa_key_id_t ecdh_key = import_pair(d, PSA_KEY_USAGE_DERIVE, PSA_ALG_ECDH);
    p256::PublicKey peer{};
    ASSERT_TRUE(p256::public_key(random_scalar(), peer));
    std::array<std::uint8_t, 65> peer_raw{0x04};
    std::copy(peer.begin(), peer.end(), peer_raw.begin() + 1);
    std::array<std::uint8_t, 32> shared{}, mbed{};
    ASSERT_EQ(psa_raw_key_agreement(PSA_ALG_ECDH, ecdh_key, peer_raw.data(), peer_raw.size(), mbed.data(),
                                    mbed.size(), &len),
              PSA_SUCCESS);
    ASSERT_TRUE(p256::ecdh(d, peer, shared));
    EXPECT_EQ(shared, mbed);
    EXPECT_EQ(psa_destroy_key(key), PSA_SUCCESS);
    EXPECT_EQ(psa_destroy_key(ecdh_key), PSA_SUCCESS);
  }
}

// The scalars at the edges: 1, 2, n-1 (the constant-time ladder's first and last digits, the
// table's first entries, -G).
TEST_F(P256, EdgeScalarsAgreeWithMbedTls) {
  p256::Scalar one{}, two{}, n_minus_1 = kN, top_digit{};
  one[31] = 1;
  two[31] = 2;
  n_minus_1[31] -= 1;
  top_digit[0] = 0xf0;  // 0xf0 << 248: a nonzero top digit, zeros below
  for (const auto& d : {one, two, n_minus_1, top_digit}) {
    const psa_key_id_t key = import_pair(d, PSA_KEY_USAGE_SIGN_HASH, kEcdsa);
    p256::PublicKey pub{};
    ASSERT_TRUE(p256::public_key(d, pub));
    EXPECT_EQ(pub, public_of(key));
    EXPECT_EQ(psa_destroy_key(key), PSA_SUCCESS);
  }
}

// RFC 6979, A.2.5: P-256, SHA-256, message "sample", with the nonce the RFC derives.
TEST_F(P256, Rfc6979KnownAnswer) {
  const auto d = from_hex<32>("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721");
  const auto k = from_hex<32>("a6e3c57dd01abe90086538398355dd4c3b17aa873382b0f24d6129493d8aad60");
  const auto hash = from_hex<32>("af2bdbe1aa9b6ec1e2ade1d694f41fc71a831d0268e9891562113d8a62add1bf");
  const auto expected = from_hex<64>(
      "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716"
      "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8");
  const auto ux = from_hex<32>("60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6");
  p256::PublicKey pub{};
  ASSERT_TRUE(p256::public_key(d, pub));
  EXPECT_TRUE(std::equal(ux.begin(), ux.end(), pub.begin()));
  p256::Signature sig{};
  ASSERT_TRUE(p256::sign(d, hash, k, sig));
  EXPECT_EQ(sig, expected);
}

TEST_F(P256, RefusesOutOfRangeScalarsAndPeers) {
  const p256::Scalar zero{};
  p256::Scalar n_plus_1 = kN, ones{};
  n_plus_1[31] += 1;
  ones.fill(0xff);
  const p256::Scalar good = random_scalar();
  const p256::Digest hash{1};
  p256::PublicKey pub{};
  ASSERT_TRUE(p256::public_key(good, pub));
  for (const auto& bad : {zero, kN, n_plus_1, ones}) {
    EXPECT_FALSE(p256::valid_private_key(bad));
    p256::PublicKey out{};
    EXPECT_FALSE(p256::public_key(bad, out));
    std::array<std::uint8_t, 32> shared{};
    EXPECT_FALSE(p256::ecdh(bad, pub, shared));
    p256::Signature sig{};
    EXPECT_FALSE(p256::sign(bad, hash, good, sig)) << "bad key";
    EXPECT_FALSE(p256::sign(good, hash, bad, sig)) << "bad nonce";
  }
  // verify_with_private_key: the key and r, s in range.
  p256::Signature sig{};
  ASSERT_TRUE(p256::sign(good, hash, random_scalar(), sig));
  ASSERT_TRUE(p256::verify_with_private_key(good, hash, sig));
  EXPECT_FALSE(p256::verify_with_private_key(zero, hash, sig));
  EXPECT_FALSE(p256::verify_with_private_key(kN, hash, sig));
  for (std::size_t half : {0u, 32u}) {
    for (const auto& bad : {zero, kN, ones}) {
      p256::Signature s = sig;
      std::copy(bad.begin(), bad.end(), s.begin() + static_cast<std::ptrdiff_t>(half));
      EXPECT_FALSE(p256::verify_with_private_key(good, hash, s));
      EXPECT_FALSE(p256::verify(pub, hash, s));
    }
  }
  // Peers off the curve or with a coordinate >= p: refused, never multiplied (an invalid-curve
  // attack would learn the private key modulo small orders).
  std::array<std::uint8_t, 32> shared{};
  p256::PublicKey off = pub;
  off[63] ^= 1;
  EXPECT_FALSE(p256::ecdh(good, off, shared));
  p256::PublicKey zero_point{};
  EXPECT_FALSE(p256::ecdh(good, zero_point, shared));
  p256::PublicKey big{};
  big.fill(0xff);
  EXPECT_FALSE(p256::ecdh(good, big, shared));
}

// d = (c mod (n-1)) + 1 for a 48-byte c (FIPS 186-5 A.2.1), against Mbed TLS's bignum: random
// inputs and the edges (0, n-2, n-1, n, 2^384-1).
p256::Scalar wide_reference(const std::array<std::uint8_t, p256::kWideScalarSize>& c) {
  mbedtls_mpi x, m;
  mbedtls_mpi_init(&x);
  mbedtls_mpi_init(&m);
  p256::Scalar d{};
  EXPECT_EQ(mbedtls_mpi_read_binary(&x, c.data(), c.size()), 0);
  EXPECT_EQ(mbedtls_mpi_read_binary(&m, kN.data(), kN.size()), 0);
  EXPECT_EQ(mbedtls_mpi_sub_int(&m, &m, 1), 0);
  EXPECT_EQ(mbedtls_mpi_mod_mpi(&x, &x, &m), 0);
  EXPECT_EQ(mbedtls_mpi_add_int(&x, &x, 1), 0);
  EXPECT_EQ(mbedtls_mpi_write_binary(&x, d.data(), d.size()), 0);
  mbedtls_mpi_free(&x);
  mbedtls_mpi_free(&m);
  return d;
}

TEST(P256Wide, PrivateKeyFromWideAgreesWithBignum) {
  std::mt19937 rng(1234);
  std::vector<std::array<std::uint8_t, p256::kWideScalarSize>> inputs;
  for (int i = 0; i < 200; ++i) {
    std::array<std::uint8_t, p256::kWideScalarSize> c{};
    for (auto& b : c) b = static_cast<std::uint8_t>(rng());
    inputs.push_back(c);
  }
  std::array<std::uint8_t, p256::kWideScalarSize> edge{};
  inputs.push_back(edge);  // 0
  std::copy(kN.begin(), kN.end(), edge.begin() + 16);
  inputs.push_back(edge);  // n
  edge[47] -= 1;
  inputs.push_back(edge);  // n-1
  edge[47] -= 1;
  inputs.push_back(edge);  // n-2
  edge.fill(0xff);
  inputs.push_back(edge);  // 2^384-1
  for (const auto& c : inputs) {
    p256::Scalar d{};
    p256::private_key_from_wide(c, d);
    EXPECT_EQ(d, wide_reference(c));
    EXPECT_TRUE(p256::valid_private_key(d));
  }
  // The edges' values: 0 -> 1, n-1 -> 1, n-2 -> n-1.
  p256::Scalar d{};
  p256::private_key_from_wide({}, d);
  p256::Scalar one{};
  one[31] = 1;
  EXPECT_EQ(d, one);
}

TEST(P256Digest, Bits2IntTakesTheLeftmost256Bits) {
  std::array<std::uint8_t, 48> sha384{};
  for (std::size_t i = 0; i < sha384.size(); ++i) sha384[i] = static_cast<std::uint8_t>(i + 1);
  const p256::Digest e = p256::hash_to_digest(sha384);
  EXPECT_EQ(e[0], 1);
  EXPECT_EQ(e[31], 32);
  const std::array<std::uint8_t, 20> sha1{0xaa};
  const p256::Digest short_e = p256::hash_to_digest(sha1);
  EXPECT_EQ(short_e[12], 0xaa);  // right-aligned: the number's value
  EXPECT_EQ(short_e[11], 0);
}

}  // namespace
