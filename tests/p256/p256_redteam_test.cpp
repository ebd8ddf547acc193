// Red team (issue 13's chain, lib/p256 as the bootloader's and FWU's verifier): signatures and keys
// built to sit on the verifier's edge cases, each of which a missing check would accept. The
// arithmetic that builds them is Mbed TLS's bignum (an independent implementation), the point
// arithmetic the library's own constant-time code (public_key, ecdh), cross-checked by Mbed TLS's
// PSA verify where it can take the key.
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
using Bytes32 = std::array<std::uint8_t, 32>;

// Bignum with RAII (the test's only use of Mbed TLS's mpi).
struct Mpi {
  mbedtls_mpi v;
  Mpi() { mbedtls_mpi_init(&v); }
  explicit Mpi(const char* hex) : Mpi() { EXPECT_EQ(mbedtls_mpi_read_string(&v, 16, hex), 0); }
  explicit Mpi(const Bytes32& be) : Mpi() { EXPECT_EQ(mbedtls_mpi_read_binary(&v, be.data(), be.size()), 0); }
  ~Mpi() { mbedtls_mpi_free(&v); }
  Mpi(const Mpi&) = delete;
  Mpi& operator=(const Mpi&) = delete;
  Bytes32 bytes() const {
    Bytes32 out{};
    EXPECT_EQ(mbedtls_mpi_write_binary(&v, out.data(), out.size()), 0);
    return out;
  }
};

const char* const kPHex = "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff";
const char* const kNHex = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
const char* const kBHex = "5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b";

p256::Signature join(const Bytes32& r, const Bytes32& s) {
  p256::Signature sig{};
  std::copy(r.begin(), r.end(), sig.begin());
  std::copy(s.begin(), s.end(), sig.begin() + 32);
  return sig;
}

class P256Redteam : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(ward::crypto::init(), PSA_SUCCESS); }

  p256::Scalar random_scalar() {
    p256::Scalar d{};
    do {
      for (auto& b : d) b = static_cast<std::uint8_t>(rng_());
    } while (!p256::valid_private_key(d));
    return d;
  }

  // Mbed TLS's own verdict (its ECP code, the general build without Ward's driver).
  static bool mbedtls_verifies(const p256::PublicKey& pub, const p256::Digest& hash, const p256::Signature& sig) {
    psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
    psa_set_key_type(&a, PSA_KEY_TYPE_ECC_PUBLIC_KEY(PSA_ECC_FAMILY_SECP_R1));
    psa_set_key_bits(&a, 256);
    psa_set_key_usage_flags(&a, PSA_KEY_USAGE_VERIFY_HASH);
    psa_set_key_algorithm(&a, PSA_ALG_ECDSA(PSA_ALG_SHA_256));
    std::array<std::uint8_t, 65> raw{0x04};
    std::copy(pub.begin(), pub.end(), raw.begin() + 1);
    psa_key_id_t id = 0;
    if (psa_import_key(&a, raw.data(), raw.size(), &id) != PSA_SUCCESS) return false;
    const bool ok = psa_verify_hash(id, PSA_ALG_ECDSA(PSA_ALG_SHA_256), hash.data(), hash.size(), sig.data(),
                                    sig.size()) == PSA_SUCCESS;
    EXPECT_EQ(psa_destroy_key(id), PSA_SUCCESS);
    return ok;
  }

  std::mt19937 rng_{1313};
};

// u1 G + u2 Q is the point at infinity when e + r d = 0 (mod n): r = -e / d. Its "x coordinate"
// in Jacobian form is X = 0 with Z = 0, and the inversion-free final check X == r Z^2 holds for
// every r: only the explicit infinity check refuses it. For Q = G (d = 1) and random keys.
TEST_F(P256Redteam, SumAtInfinityIsRefused) {
  const Mpi n{kNHex};
  for (int round = 0; round < 6; ++round) {
    p256::Scalar d = random_scalar();
    if (round == 0) {
      d.fill(0);
      d[31] = 1;  // Q = G: the two tables are equal, every digit pair meets in add()
    }
    p256::PublicKey q{};
    ASSERT_TRUE(p256::public_key(d, q));
    p256::Digest hash{};
    for (auto& b : hash) b = static_cast<std::uint8_t>(rng_());
    hash[0] &= 0x7f;  // below n: e is the digest itself
    Mpi e{hash}, dm{d}, dinv, r, t;
    ASSERT_EQ(mbedtls_mpi_inv_mod(&dinv.v, &dm.v, &n.v), 0);
    ASSERT_EQ(mbedtls_mpi_sub_mpi(&t.v, &n.v, &e.v), 0);  // -e mod n (0 < e < n)
    ASSERT_EQ(mbedtls_mpi_mul_mpi(&r.v, &t.v, &dinv.v), 0);
    ASSERT_EQ(mbedtls_mpi_mod_mpi(&r.v, &r.v, &n.v), 0);
    const p256::Scalar s = random_scalar();
    const p256::Signature sig = join(r.bytes(), s);
    EXPECT_FALSE(p256::verify(q, hash, sig)) << "round " << round;
    EXPECT_FALSE(p256::verify_with_private_key(d, hash, sig)) << "round " << round;
    EXPECT_FALSE(mbedtls_verifies(q, hash, sig));
  }
}

// Q = G and Q = -G (d = 1, n-1): Shamir's trick adds equal (doubling) and opposite (infinity)
// points on the way; genuine signatures by Mbed TLS's keys still verify, changed ones do not.
TEST_F(P256Redteam, KeysEqualToPlusOrMinusTheGeneratorVerifyGenuineSignaturesOnly) {
  const Mpi n{kNHex};
  p256::Scalar one{}, n_minus_1 = Mpi{kNHex}.bytes();
  one[31] = 1;
  n_minus_1[31] -= 1;
  for (const auto& d : {one, n_minus_1}) {
    p256::PublicKey q{};
    ASSERT_TRUE(p256::public_key(d, q));
    for (int m = 0; m < 8; ++m) {
      p256::Digest hash{};
      for (auto& b : hash) b = static_cast<std::uint8_t>(rng_());
      p256::Signature sig{};
      ASSERT_TRUE(p256::sign(d, hash, random_scalar(), sig));
      EXPECT_TRUE(mbedtls_verifies(q, hash, sig));
      EXPECT_TRUE(p256::verify(q, hash, sig));
      auto bad = hash;
      bad[31] ^= 1;
      EXPECT_FALSE(p256::verify(q, bad, sig));
    }
  }
}

// A point (x, y) of the curve with a small x, so that x + p still fits 256 bits: (x + p, y) is the
// same point modulo p but not a reduced coordinate, and must be refused as a key (SEC 1 3.2.2.1).
// A signature valid under (x, y) is made without its private key: with e = 0, (r, s) = (x(bQ) mod
// n, r / b) verifies for any b (u1 = 0, u2 = b).
TEST_F(P256Redteam, KeysCongruentModuloPAreRefused) {
  const Mpi p{kPHex}, n{kNHex}, b{kBHex};
  Mpi exp;  // (p + 1) / 4: p = 3 mod 4, so a square root is rhs^((p+1)/4)
  ASSERT_EQ(mbedtls_mpi_add_int(&exp.v, &p.v, 1), 0);
  ASSERT_EQ(mbedtls_mpi_shift_r(&exp.v, 2), 0);
  Bytes32 x{}, y{};
  bool found = false;
  for (int k = 1; k < 100 && !found; ++k) {
    Mpi xm, rhs, t, root, check;
    ASSERT_EQ(mbedtls_mpi_lset(&xm.v, k), 0);
    ASSERT_EQ(mbedtls_mpi_mul_mpi(&t.v, &xm.v, &xm.v), 0);
    ASSERT_EQ(mbedtls_mpi_sub_int(&t.v, &t.v, 3), 0);
    ASSERT_EQ(mbedtls_mpi_mul_mpi(&rhs.v, &t.v, &xm.v), 0);  // x^3 - 3x
    ASSERT_EQ(mbedtls_mpi_add_mpi(&rhs.v, &rhs.v, &b.v), 0);
    ASSERT_EQ(mbedtls_mpi_mod_mpi(&rhs.v, &rhs.v, &p.v), 0);
    ASSERT_EQ(mbedtls_mpi_exp_mod(&root.v, &rhs.v, &exp.v, &p.v, nullptr), 0);
    ASSERT_EQ(mbedtls_mpi_mul_mpi(&check.v, &root.v, &root.v), 0);
    ASSERT_EQ(mbedtls_mpi_mod_mpi(&check.v, &check.v, &p.v), 0);
    if (mbedtls_mpi_cmp_mpi(&check.v, &rhs.v) == 0) {
      x = xm.bytes();
      y = root.bytes();
      found = true;
    }
  }
  ASSERT_TRUE(found);
  p256::PublicKey q{};
  std::copy(x.begin(), x.end(), q.begin());
  std::copy(y.begin(), y.end(), q.begin() + 32);
  ASSERT_TRUE(p256::valid_public_key(q));

  // A signature under q of the digest 0.
  const p256::Scalar bq = random_scalar();
  Bytes32 xr{};
  ASSERT_TRUE(p256::ecdh(bq, q, xr));
  Mpi r{xr}, bm{bq}, binv, s;
  ASSERT_EQ(mbedtls_mpi_mod_mpi(&r.v, &r.v, &n.v), 0);
  ASSERT_EQ(mbedtls_mpi_inv_mod(&binv.v, &bm.v, &n.v), 0);
  ASSERT_EQ(mbedtls_mpi_mul_mpi(&s.v, &r.v, &binv.v), 0);
  ASSERT_EQ(mbedtls_mpi_mod_mpi(&s.v, &s.v, &n.v), 0);
  const p256::Signature sig = join(r.bytes(), s.bytes());
  const p256::Digest zero{};
  ASSERT_TRUE(p256::verify(q, zero, sig));
  EXPECT_TRUE(mbedtls_verifies(q, zero, sig));
  // The digest n is 0 modulo n: the same signature.
  EXPECT_TRUE(p256::verify(q, Mpi{kNHex}.bytes(), sig));

  // x + p: the same point, unreduced.
  Mpi xm{x}, xp;
  ASSERT_EQ(mbedtls_mpi_add_mpi(&xp.v, &xm.v, &p.v), 0);
  p256::PublicKey unreduced = q;
  const Bytes32 xpb = xp.bytes();
  std::copy(xpb.begin(), xpb.end(), unreduced.begin());
  EXPECT_FALSE(p256::valid_public_key(unreduced));
  EXPECT_FALSE(p256::verify(unreduced, zero, sig));
  std::array<std::uint8_t, 32> shared{};
  EXPECT_FALSE(p256::ecdh(bq, unreduced, shared));

  // -Q = (x, p - y) verifies this one too, and must: with e = 0, R = u2 Q and -R = u2 (-Q) share
  // their x coordinate (ECDSA's known symmetry for a zero digest; a SHA-256 digest is never chosen).
  // The negated key with a real digest is refused in NegatedKeyDoesNotVerify.
  Mpi ym{y}, ny;
  ASSERT_EQ(mbedtls_mpi_sub_mpi(&ny.v, &p.v, &ym.v), 0);
  p256::PublicKey negated = q;
  const Bytes32 nyb = ny.bytes();
  std::copy(nyb.begin(), nyb.end(), negated.begin() + 32);
  ASSERT_TRUE(p256::valid_public_key(negated));
  EXPECT_EQ(p256::verify(negated, zero, sig), mbedtls_verifies(negated, zero, sig));
  // (x, y + 1): off the curve.
  p256::PublicKey off = q;
  off[63] ^= 1;
  EXPECT_FALSE(p256::verify(off, zero, sig));
}

// The signer's key negated, -Q = (x, p - y): a point of the curve, valid as a key, but a genuine
// signature by Q of a real digest does not verify under it (u1 G - u2 Q is not +-R).
TEST_F(P256Redteam, NegatedKeyDoesNotVerify) {
  const Mpi p{kPHex};
  for (int round = 0; round < 4; ++round) {
    const p256::Scalar d = random_scalar();
    p256::PublicKey q{};
    ASSERT_TRUE(p256::public_key(d, q));
    p256::Digest hash{};
    for (auto& b : hash) b = static_cast<std::uint8_t>(rng_());
    p256::Signature sig{};
    ASSERT_TRUE(p256::sign(d, hash, random_scalar(), sig));
    ASSERT_TRUE(p256::verify(q, hash, sig));
    Bytes32 y{};
    std::copy(q.begin() + 32, q.end(), y.begin());
    Mpi ym{y}, ny;
    ASSERT_EQ(mbedtls_mpi_sub_mpi(&ny.v, &p.v, &ym.v), 0);
    p256::PublicKey negated = q;
    const Bytes32 nyb = ny.bytes();
    std::copy(nyb.begin(), nyb.end(), negated.begin() + 32);
    ASSERT_TRUE(p256::valid_public_key(negated));
    EXPECT_FALSE(p256::verify(negated, hash, sig));
    EXPECT_FALSE(mbedtls_verifies(negated, hash, sig));
  }
}

// s + n: the same residue as a valid s, unreduced. A random s rarely leaves room for it (s + n
// fits 256 bits only for s < 2^256 - n, about 2^-32), so the signature is built around a small s:
// with the private key d and a nonce k, r = x(kG) mod n, and the digest e = s k - r d (mod n) makes
// (r, s) valid. Without the range check, s + n inverts to the same w and the signature verifies.
TEST_F(P256Redteam, UnreducedSIsRefused) {
  const Mpi n{kNHex};
  for (int round = 0; round < 4; ++round) {
    const p256::Scalar d = random_scalar(), k = random_scalar();
    p256::PublicKey q{}, kg{};
    ASSERT_TRUE(p256::public_key(d, q));
    ASSERT_TRUE(p256::public_key(k, kg));
    Bytes32 x{};
    std::copy(kg.begin(), kg.begin() + 32, x.begin());
    Mpi r{x}, km{k}, dm{d}, sm, e, sk, rd;
    ASSERT_EQ(mbedtls_mpi_mod_mpi(&r.v, &r.v, &n.v), 0);
    ASSERT_EQ(mbedtls_mpi_lset(&sm.v, 0x1234 + round), 0);
    ASSERT_EQ(mbedtls_mpi_mul_mpi(&sk.v, &sm.v, &km.v), 0);
    ASSERT_EQ(mbedtls_mpi_mul_mpi(&rd.v, &r.v, &dm.v), 0);
    ASSERT_EQ(mbedtls_mpi_sub_mpi(&e.v, &sk.v, &rd.v), 0);
    ASSERT_EQ(mbedtls_mpi_mod_mpi(&e.v, &e.v, &n.v), 0);  // (non-negative: mbedtls_mpi_mod_mpi)
    const p256::Digest hash = e.bytes();
    const p256::Signature sig = join(r.bytes(), sm.bytes());
    ASSERT_TRUE(p256::verify(q, hash, sig)) << "round " << round;
    ASSERT_TRUE(mbedtls_verifies(q, hash, sig));
    Mpi sn;
    ASSERT_EQ(mbedtls_mpi_add_mpi(&sn.v, &sm.v, &n.v), 0);
    const p256::Signature unreduced = join(r.bytes(), sn.bytes());
    EXPECT_FALSE(p256::verify(q, hash, unreduced)) << "round " << round;
    EXPECT_FALSE(p256::verify_with_private_key(d, hash, unreduced)) << "round " << round;
    EXPECT_FALSE(mbedtls_verifies(q, hash, unreduced));
  }
}

// r and s at and around the bounds: 0, n, n + 1, 2^256 - 1, r + n and s + n where they fit; and n - s
// (the other valid s of a signature: ECDSA's malleability, which MCUboot accepts as well; the
// signed digest is what binds the image).
TEST_F(P256Redteam, ScalarsOutsideOneToNMinusOneAreRefused) {
  const Mpi n{kNHex};
  const p256::Scalar d = random_scalar();
  p256::PublicKey q{};
  ASSERT_TRUE(p256::public_key(d, q));
  p256::Digest hash{};
  for (auto& b : hash) b = static_cast<std::uint8_t>(rng_());
  p256::Signature sig{};
  ASSERT_TRUE(p256::sign(d, hash, random_scalar(), sig));
  Bytes32 r{}, s{};
  std::copy(sig.begin(), sig.begin() + 32, r.begin());
  std::copy(sig.begin() + 32, sig.end(), s.begin());
  ASSERT_TRUE(p256::verify(q, hash, sig));
  Mpi rm{r}, sm{s}, zero, ones, rn, n1, ns;
  ASSERT_EQ(mbedtls_mpi_lset(&zero.v, 0), 0);
  ASSERT_EQ(mbedtls_mpi_add_int(&n1.v, &n.v, 1), 0);
  ASSERT_EQ(mbedtls_mpi_read_string(&ones.v, 16, "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"), 0);
  ASSERT_EQ(mbedtls_mpi_sub_mpi(&ns.v, &n.v, &sm.v), 0);
  std::vector<Bytes32> bad{zero.bytes(), n.bytes(), n1.bytes(), ones.bytes()};
  // r + n: the same residue, unreduced (fits 256 bits only when r < 2^256 - n, about 2^-32 of
  // signatures; then it must be refused like any r >= n).
  ASSERT_EQ(mbedtls_mpi_add_mpi(&rn.v, &rm.v, &n.v), 0);
  if (mbedtls_mpi_bitlen(&rn.v) <= 256) {
    EXPECT_FALSE(p256::verify(q, hash, join(rn.bytes(), s)));
  }
  for (const auto& x : bad) {
    EXPECT_FALSE(p256::verify(q, hash, join(x, s)));
    EXPECT_FALSE(p256::verify(q, hash, join(r, x)));
    EXPECT_FALSE(p256::verify(q, hash, join(x, x)));
  }
  // s + n as an unreduced s (fits when s < 2^256 - n; a random s rarely does): refused by range.
  Mpi sn;
  ASSERT_EQ(mbedtls_mpi_add_mpi(&sn.v, &sm.v, &n.v), 0);
  if (mbedtls_mpi_bitlen(&sn.v) <= 256) {
    EXPECT_FALSE(p256::verify(q, hash, join(r, sn.bytes())));
  }
  // n - s: valid (malleability), as Mbed TLS says too.
  const p256::Signature high_s = join(r, ns.bytes());
  EXPECT_EQ(p256::verify(q, hash, high_s), mbedtls_verifies(q, hash, high_s));
  EXPECT_TRUE(p256::verify(q, hash, high_s));
}

}  // namespace
