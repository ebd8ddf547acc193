// Known answers from the standards, through the PSA Crypto API, for what Wycheproof does not cover
// here: SHA-256 and SHA-384 (FIPS 180-4 examples), HMAC-SHA-256 and HMAC-SHA-384 (RFC 4231),
// HKDF-SHA-256 as one step and as extract / expand (RFC 5869 appendix A), and round trips of
// ECDSA and ECDH on P-256 with generated keys (ECDSA's random k rules out a fixed answer; the
// Wycheproof tests cover verification and agreement with fixed keys). Each check has its negative.
#include <algorithm>
#include <string>
#include <string_view>

#include "vectors.hpp"

namespace ward::test::vectors {
namespace {

class KnownAnswer : public PsaTest {};

Bytes text(std::string_view s) { return Bytes(s.begin(), s.end()); }
Bytes repeat(std::uint8_t byte, std::size_t n) { return Bytes(n, byte); }
Bytes range(std::uint8_t first, std::uint8_t end) {
  Bytes b;
  for (unsigned v = first; v < end; ++v) b.push_back(static_cast<std::uint8_t>(v));
  return b;
}
Bytes h(std::string_view hex_digits) {
  auto b = unhex(hex_digits);
  EXPECT_TRUE(b.has_value()) << hex_digits;
  return b.value_or(Bytes{});
}

// --- SHA-256, SHA-384 (FIPS 180-4 / its published examples) ------------------------------------

const std::string_view k448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
const std::string_view k896 =
    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqr"
    "lmnopqrsmnopqrstnopqrstu";

struct HashCase {
  const char* name;
  psa_algorithm_t alg;
  Bytes message;
  const char* digest;
};

// The digest of `message` three ways: one call (when it fits one transport call), multi-part in
// chunks (one byte for short messages), and psa_hash_compare; plus the refusals of a wrong digest.
void check_hash(const HashCase& c) {
  SCOPED_TRACE(c.name);
  const Bytes want = h(c.digest);
  ASSERT_EQ(want.size(), PSA_HASH_LENGTH(c.alg));
  Bytes got(PSA_HASH_MAX_SIZE);
  std::size_t len = 0;
  if (c.message.size() <= kMaxIoChunk) {
    ASSERT_EQ(psa_hash_compute(c.alg, ptr(c.message), c.message.size(), got.data(), got.size(), &len),
              PSA_SUCCESS);
    EXPECT_EQ(Bytes(got.begin(), got.begin() + static_cast<std::ptrdiff_t>(len)), want);
    EXPECT_EQ(psa_hash_compare(c.alg, ptr(c.message), c.message.size(), want.data(), want.size()),
              PSA_SUCCESS);
    Bytes wrong = want;
    wrong.back() ^= 0x01;
    EXPECT_EQ(psa_hash_compare(c.alg, ptr(c.message), c.message.size(), wrong.data(), wrong.size()),
              PSA_ERROR_INVALID_SIGNATURE);
    EXPECT_NE(psa_hash_compare(c.alg, ptr(c.message), c.message.size(), want.data(), want.size() - 1),
              PSA_SUCCESS);
  }
  const std::size_t chunk = c.message.size() <= 256 ? 1 : 1000;
  psa_hash_operation_t op = psa_hash_operation_init();
  ASSERT_EQ(psa_hash_setup(&op, c.alg), PSA_SUCCESS);
  for (std::size_t i = 0; i < c.message.size(); i += chunk) {
    ASSERT_EQ(psa_hash_update(&op, c.message.data() + i, std::min(chunk, c.message.size() - i)),
              PSA_SUCCESS);
  }
  ASSERT_EQ(psa_hash_finish(&op, got.data(), got.size(), &len), PSA_SUCCESS);
  EXPECT_EQ(Bytes(got.begin(), got.begin() + static_cast<std::ptrdiff_t>(len)), want);
}

TEST_F(KnownAnswer, Sha256) {
  check_hash({"empty", PSA_ALG_SHA_256, {}, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"});
  check_hash({"abc", PSA_ALG_SHA_256, text("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"});
  check_hash({"448 bits", PSA_ALG_SHA_256, text(k448),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"});
  check_hash({"896 bits", PSA_ALG_SHA_256, text(k896),
              "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"});
  check_hash({"one million 'a'", PSA_ALG_SHA_256, repeat('a', 1000000),
              "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"});
}

TEST_F(KnownAnswer, Sha384) {
  check_hash({"empty", PSA_ALG_SHA_384, {},
              "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fb"
              "d51ad2f14898b95b"});
  check_hash({"abc", PSA_ALG_SHA_384, text("abc"),
              "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc23"
              "58baeca134c825a7"});
  check_hash({"896 bits", PSA_ALG_SHA_384, text(k896),
              "09330c33f71147e83d192fc782cd1b4753111b173b3b05d22fa08086e3b0f712fcc7c71a557e2db9"
              "66c3e9fa91746039"});
  check_hash({"one million 'a'", PSA_ALG_SHA_384, repeat('a', 1000000),
              "9d0e1809716474cb086e834e310a4a1ced149e9c00f248527972cec5704c2a5b07b8b3dc38ecc4eb"
              "ae97ddd87f3d8985"});
}

// A wrong algorithm identifier is refused, never silently replaced by another hash.
TEST_F(KnownAnswer, HashRefusesNonHashAlgorithms) {
  Bytes out(PSA_HASH_MAX_SIZE);
  std::size_t len = 0;
  const Bytes m = text("abc");
  EXPECT_NE(psa_hash_compute(PSA_ALG_HMAC(PSA_ALG_SHA_256), m.data(), m.size(), out.data(), out.size(), &len),
            PSA_SUCCESS);
  EXPECT_NE(psa_hash_compute(PSA_ALG_SHA_256, m.data(), m.size(), out.data(), 31, &len), PSA_SUCCESS);
}

// --- HMAC (RFC 4231, test cases 1-7) ------------------------------------------------------------

struct HmacCase {
  int number;
  Bytes key;
  Bytes data;
  const char* sha256;  // test case 5: truncated to 128 bits, as in the RFC
  const char* sha384;
};

std::vector<HmacCase> rfc4231() {
  const Bytes big_key = repeat(0xaa, 131);
  return {
      {1, repeat(0x0b, 20), text("Hi There"),
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
       "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6"},
      {2, text("Jefe"), text("what do ya want for nothing?"),
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
       "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649"},
      {3, repeat(0xaa, 20), repeat(0xdd, 50),
       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
       "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b2a5ab39dc13814b94e3ab6e101a34f27"},
      {4, range(0x01, 0x1a), repeat(0xcd, 50),
       "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
       "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e6801dd23c4a7d679ccf8a386c674cffb"},
      {5, repeat(0x0c, 20), text("Test With Truncation"), "a3b6167473100ee06e0c796c2955552b",
       "3abf34c3503b2a23a46efc619baef897"},
      {6, big_key, text("Test Using Larger Than Block-Size Key - Hash Key First"),
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
       "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952"},
      {7, big_key,
       text("This is a test using a larger than block-size key and a larger than block-size data. "
            "The key needs to be hashed before being used by the HMAC algorithm."),
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
       "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5a678cc31e799176d3860e6110c46523e"},
  };
}

void check_hmac(psa_algorithm_t hash, const HmacCase& c, const char* expected_hex) {
  SCOPED_TRACE("RFC 4231 test case " + std::to_string(c.number));
  const Bytes want = h(expected_hex);
  const psa_algorithm_t full = PSA_ALG_HMAC(hash);
  const psa_algorithm_t alg = want.size() == PSA_HASH_LENGTH(hash) ? full : PSA_ALG_TRUNCATED_MAC(full, want.size());
  Key key;
  ASSERT_EQ(key.import(key_attributes(PSA_KEY_TYPE_HMAC, c.key.size() * 8,
                                      PSA_KEY_USAGE_SIGN_MESSAGE | PSA_KEY_USAGE_VERIFY_MESSAGE, alg),
                       c.key),
            PSA_SUCCESS);
  Bytes mac(PSA_MAC_MAX_SIZE);
  std::size_t len = 0;
  ASSERT_EQ(psa_mac_compute(key.id(), alg, c.data.data(), c.data.size(), mac.data(), mac.size(), &len),
            PSA_SUCCESS);
  EXPECT_EQ(Bytes(mac.begin(), mac.begin() + static_cast<std::ptrdiff_t>(len)), want);
  EXPECT_EQ(psa_mac_verify(key.id(), alg, c.data.data(), c.data.size(), want.data(), want.size()), PSA_SUCCESS);

  // (No multi-part MAC: Ward's PSA client offers MAC single-part only, so that path does not exist.)

  // Negatives: a flipped bit in the tag, in the message, a shortened tag, a key used with an
  // algorithm its policy does not allow.
  Bytes bad_tag = want;
  bad_tag.back() ^= 0x80;
  EXPECT_EQ(psa_mac_verify(key.id(), alg, c.data.data(), c.data.size(), bad_tag.data(), bad_tag.size()),
            PSA_ERROR_INVALID_SIGNATURE);
  Bytes bad_data = c.data;
  bad_data.front() ^= 0x01;
  EXPECT_EQ(psa_mac_verify(key.id(), alg, bad_data.data(), bad_data.size(), want.data(), want.size()),
            PSA_ERROR_INVALID_SIGNATURE);
  EXPECT_NE(psa_mac_verify(key.id(), alg, c.data.data(), c.data.size(), want.data(), want.size() - 1),
            PSA_SUCCESS);
  const psa_algorithm_t other = alg == full ? PSA_ALG_TRUNCATED_MAC(full, 16) : full;
  EXPECT_EQ(psa_mac_compute(key.id(), other, c.data.data(), c.data.size(), mac.data(), mac.size(), &len),
            PSA_ERROR_NOT_PERMITTED);
}

TEST_F(KnownAnswer, HmacSha256Rfc4231) {
  for (const auto& c : rfc4231()) check_hmac(PSA_ALG_SHA_256, c, c.sha256);
}

TEST_F(KnownAnswer, HmacSha384Rfc4231) {
  for (const auto& c : rfc4231()) check_hmac(PSA_ALG_SHA_384, c, c.sha384);
}

// --- HKDF-SHA-256 (RFC 5869 appendix A.1-A.3) ---------------------------------------------------

struct HkdfCase {
  const char* name;
  Bytes ikm;
  Bytes salt;
  Bytes info;
  const char* prk;
  const char* okm;
};

std::vector<HkdfCase> rfc5869() {
  return {
      {"A.1", repeat(0x0b, 22), range(0x00, 0x0d), range(0xf0, 0xfa),
       "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
       "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"},
      {"A.2", range(0x00, 0x50), range(0x60, 0xb0),
       [] {
         Bytes b;
         for (unsigned v = 0xb0; v <= 0xff; ++v) b.push_back(static_cast<std::uint8_t>(v));
         return b;
       }(),
       "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
       "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c6"
       "5e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87"},
      {"A.3", repeat(0x0b, 22), {}, {},
       "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
       "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"},
  };
}

// One derivation: setup, the given inputs in order, `size` output bytes.
psa_status_t derive(psa_algorithm_t alg,
                    std::initializer_list<std::pair<psa_key_derivation_step_t, const Bytes*>> inputs,
                    std::size_t size, Bytes& out) {
  psa_key_derivation_operation_t op = psa_key_derivation_operation_init();
  psa_status_t s = psa_key_derivation_setup(&op, alg);
  for (const auto& [step, data] : inputs) {
    if (s == PSA_SUCCESS) s = psa_key_derivation_input_bytes(&op, step, ptr(*data), data->size());
  }
  out.assign(size, 0);
  if (s == PSA_SUCCESS) s = psa_key_derivation_output_bytes(&op, out.data(), out.size());
  EXPECT_EQ(psa_key_derivation_abort(&op), PSA_SUCCESS);
  return s;
}

TEST_F(KnownAnswer, HkdfSha256Rfc5869) {
  const psa_algorithm_t sha = PSA_ALG_SHA_256;
  for (const auto& c : rfc5869()) {
    SCOPED_TRACE(std::string("RFC 5869 ") + c.name);
    const Bytes prk = h(c.prk);
    const Bytes okm = h(c.okm);
    Bytes out;
    ASSERT_EQ(derive(PSA_ALG_HKDF(sha),
                     {{PSA_KEY_DERIVATION_INPUT_SALT, &c.salt},
                      {PSA_KEY_DERIVATION_INPUT_SECRET, &c.ikm},
                      {PSA_KEY_DERIVATION_INPUT_INFO, &c.info}},
                     okm.size(), out),
              PSA_SUCCESS);
    EXPECT_EQ(out, okm);
    // The inputs in the wrong order (secret before salt) are refused, not reordered.
    EXPECT_NE(derive(PSA_ALG_HKDF(sha),
                     {{PSA_KEY_DERIVATION_INPUT_SECRET, &c.ikm}, {PSA_KEY_DERIVATION_INPUT_SALT, &c.salt}},
                     okm.size(), out),
              PSA_SUCCESS);
    // No output before the info step of HKDF.
    EXPECT_NE(derive(PSA_ALG_HKDF(sha),
                     {{PSA_KEY_DERIVATION_INPUT_SALT, &c.salt}, {PSA_KEY_DERIVATION_INPUT_SECRET, &c.ikm}},
                     okm.size(), out),
              PSA_SUCCESS);
  }
}

// HKDF's two halves alone (TLS 1.3's key schedule): the full profile's; the medium profile, TF-M
// Profile Medium's set, builds HKDF only (qemu.secure_medium refuses these).
TEST_F(KnownAnswer, HkdfExtractExpandSha256Rfc5869) {
  const psa_algorithm_t sha = PSA_ALG_SHA_256;
  for (const auto& c : rfc5869()) {
    SCOPED_TRACE(std::string("RFC 5869 ") + c.name);
    const Bytes prk = h(c.prk);
    const Bytes okm = h(c.okm);
    Bytes out;
    ASSERT_EQ(derive(PSA_ALG_HKDF_EXTRACT(sha),
                     {{PSA_KEY_DERIVATION_INPUT_SALT, &c.salt}, {PSA_KEY_DERIVATION_INPUT_SECRET, &c.ikm}},
                     prk.size(), out),
              PSA_SUCCESS);
    EXPECT_EQ(out, prk);
    ASSERT_EQ(derive(PSA_ALG_HKDF_EXPAND(sha),
                     {{PSA_KEY_DERIVATION_INPUT_SECRET, &prk}, {PSA_KEY_DERIVATION_INPUT_INFO, &c.info}},
                     okm.size(), out),
              PSA_SUCCESS);
    EXPECT_EQ(out, okm);
    // HKDF-Extract gives exactly one hash length; asking for more must fail.
    EXPECT_EQ(derive(PSA_ALG_HKDF_EXTRACT(sha),
                     {{PSA_KEY_DERIVATION_INPUT_SALT, &c.salt}, {PSA_KEY_DERIVATION_INPUT_SECRET, &c.ikm}},
                     prk.size() + 1, out),
              PSA_ERROR_INSUFFICIENT_DATA);
  }
}

// --- P-256 round trips with generated keys ------------------------------------------------------

TEST_F(KnownAnswer, EcdsaP256SignVerifyRoundTrip) {
  const psa_algorithm_t alg = PSA_ALG_ECDSA(PSA_ALG_SHA_256);
  Key pair;
  ASSERT_EQ(pair.generate(key_attributes(PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1), 256,
                                         PSA_KEY_USAGE_SIGN_MESSAGE | PSA_KEY_USAGE_VERIFY_MESSAGE,
                                         alg)),
            PSA_SUCCESS);
  const Bytes msg = text("Ward signs this message");
  Bytes sig(PSA_SIGN_OUTPUT_SIZE(PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1), 256, alg));
  std::size_t sig_len = 0;
  ASSERT_EQ(psa_sign_message(pair.id(), alg, msg.data(), msg.size(), sig.data(), sig.size(), &sig_len),
            PSA_SUCCESS);
  ASSERT_EQ(sig_len, 64u);

  // Verified by the public half alone, exported and imported as a public key.
  Bytes point(PSA_EXPORT_PUBLIC_KEY_OUTPUT_SIZE(PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1), 256));
  std::size_t point_len = 0;
  ASSERT_EQ(psa_export_public_key(pair.id(), point.data(), point.size(), &point_len), PSA_SUCCESS);
  ASSERT_EQ(point_len, 65u);
  point.resize(point_len);
  Key pub;
  ASSERT_EQ(pub.import(key_attributes(PSA_KEY_TYPE_ECC_PUBLIC_KEY(PSA_ECC_FAMILY_SECP_R1), 256,
                                      PSA_KEY_USAGE_VERIFY_MESSAGE, alg),
                       point),
            PSA_SUCCESS);
  EXPECT_EQ(psa_verify_message(pub.id(), alg, msg.data(), msg.size(), sig.data(), sig_len), PSA_SUCCESS);

  Bytes bad_msg = msg;
  bad_msg.back() ^= 0x01;
  EXPECT_EQ(psa_verify_message(pub.id(), alg, bad_msg.data(), bad_msg.size(), sig.data(), sig_len),
            PSA_ERROR_INVALID_SIGNATURE);
  Bytes bad_sig = sig;
  bad_sig[10] ^= 0x01;
  EXPECT_EQ(psa_verify_message(pub.id(), alg, msg.data(), msg.size(), bad_sig.data(), sig_len),
            PSA_ERROR_INVALID_SIGNATURE);
  // The public key cannot sign, and the private key is not exportable without the policy.
  EXPECT_EQ(psa_sign_message(pub.id(), alg, msg.data(), msg.size(), sig.data(), sig.size(), &sig_len),
            PSA_ERROR_NOT_PERMITTED);
  Bytes secret(32);
  std::size_t secret_len = 0;
  EXPECT_EQ(psa_export_key(pair.id(), secret.data(), secret.size(), &secret_len), PSA_ERROR_NOT_PERMITTED);
}

TEST_F(KnownAnswer, EcdhP256BothSidesAgree) {
  const auto attrs = key_attributes(PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1), 256,
                                    PSA_KEY_USAGE_DERIVE, PSA_ALG_ECDH);
  Key a;
  Key b;
  ASSERT_EQ(a.generate(attrs), PSA_SUCCESS);
  ASSERT_EQ(b.generate(attrs), PSA_SUCCESS);
  Bytes pa(65);
  Bytes pb(65);
  std::size_t len = 0;
  ASSERT_EQ(psa_export_public_key(a.id(), pa.data(), pa.size(), &len), PSA_SUCCESS);
  ASSERT_EQ(psa_export_public_key(b.id(), pb.data(), pb.size(), &len), PSA_SUCCESS);
  Bytes sa(32);
  Bytes sb(32);
  ASSERT_EQ(psa_raw_key_agreement(PSA_ALG_ECDH, a.id(), pb.data(), pb.size(), sa.data(), sa.size(), &len),
            PSA_SUCCESS);
  ASSERT_EQ(psa_raw_key_agreement(PSA_ALG_ECDH, b.id(), pa.data(), pa.size(), sb.data(), sb.size(), &len),
            PSA_SUCCESS);
  EXPECT_EQ(sa, sb);
  // A peer point off the curve (y changed) is refused.
  pb.back() ^= 0x01;
  EXPECT_NE(psa_raw_key_agreement(PSA_ALG_ECDH, a.id(), pb.data(), pb.size(), sa.data(), sa.size(), &len),
            PSA_SUCCESS);
}

}  // namespace
}  // namespace ward::test::vectors
