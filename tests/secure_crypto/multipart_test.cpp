// The rest of psa/crypto.h through the client, the host transport and the service: multi-part MAC,
// cipher and AEAD, one-shot ciphers, hash clone, key copy, key agreement into a derivation,
// verify_bytes, the interruptible signatures, the _custom/_ext variants and the algorithms the
// service adds (ward_spe_algorithms.h). Known answers from the standards, then the attacker's
// side: another client's handles, every kind's forged and stale handles, a client that abandons
// operations until the table is full.
#include <algorithm>
#include <cstring>

#include "ext_variants.h"
#include "test_support.hpp"

namespace ward::secure::test {
namespace {

constexpr psa_key_usage_t kCipherUsage = PSA_KEY_USAGE_ENCRYPT | PSA_KEY_USAGE_DECRYPT;
constexpr psa_key_usage_t kMacUsage = PSA_KEY_USAGE_SIGN_MESSAGE | PSA_KEY_USAGE_VERIFY_MESSAGE;

// NIST SP 800-38A, F.2.1 / F.5.1 (AES-128), and RFC 4493 (AES-CMAC) share this key and plaintext.
const Bytes kAesKey = hex("2b7e151628aed2a6abf7158809cf4f3c");
const Bytes kPlain = hex("6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51");

using Multipart = CryptoService;

// --- MAC -------------------------------------------------------------------------------------------

TEST_F(Multipart, MacInPiecesMatchesTheStandards) {
  struct Case {
    psa_key_type_t type;
    psa_algorithm_t alg;
    Bytes key, data, mac;
  };
  const Case cases[] = {
      // RFC 4231 test case 2.
      {PSA_KEY_TYPE_HMAC, PSA_ALG_HMAC(PSA_ALG_SHA_256), text("Jefe"), text("what do ya want for nothing?"),
       hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")},
      // RFC 4231 test case 1, SHA-224 (enabled by the service's algorithm set).
      {PSA_KEY_TYPE_HMAC, PSA_ALG_HMAC(PSA_ALG_SHA_224), Bytes(20, 0x0b), text("Hi There"),
       hex("896fb1128abbdf196832107cd49df33f47b4b1169912ba4f53684b22")},
      // RFC 4493 example 3 (40 bytes of the SP 800-38A plaintext... here the 32 first).
      {PSA_KEY_TYPE_AES, PSA_ALG_CMAC, kAesKey, hex("6bc1bee22e409f96e93d7e117393172a"),
       hex("070a16b46b4d4144f79bdd9dd04a287c")},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.alg);
    const auto key = import(c.type, kMacUsage, c.alg, c.key);
    psa_mac_operation_t op = PSA_MAC_OPERATION_INIT;
    ASSERT_EQ(psa_mac_sign_setup(&op, key, c.alg), PSA_SUCCESS);
    EXPECT_EQ(psa_mac_sign_setup(&op, key, c.alg), PSA_ERROR_BAD_STATE);  // set up twice
    ASSERT_EQ(psa_mac_update(&op, c.data.data(), 3), PSA_SUCCESS);
    ASSERT_EQ(psa_mac_update(&op, c.data.data(), 0), PSA_SUCCESS);
    ASSERT_EQ(psa_mac_update(&op, c.data.data() + 3, c.data.size() - 3), PSA_SUCCESS);
    Bytes mac(PSA_MAC_MAX_SIZE);
    size_t length = 0;
    ASSERT_EQ(psa_mac_sign_finish(&op, mac.data(), mac.size(), &length), PSA_SUCCESS);
    mac.resize(length);
    EXPECT_EQ(mac, c.mac);
    EXPECT_EQ(op.handle, 0u);

    ASSERT_EQ(psa_mac_verify_setup(&op, key, c.alg), PSA_SUCCESS);
    ASSERT_EQ(psa_mac_update(&op, c.data.data(), c.data.size()), PSA_SUCCESS);
    EXPECT_EQ(psa_mac_verify_finish(&op, c.mac.data(), c.mac.size()), PSA_SUCCESS);
    Bytes wrong = c.mac;
    wrong.back() ^= 1;
    ASSERT_EQ(psa_mac_verify_setup(&op, key, c.alg), PSA_SUCCESS);
    ASSERT_EQ(psa_mac_update(&op, c.data.data(), c.data.size()), PSA_SUCCESS);
    EXPECT_EQ(psa_mac_verify_finish(&op, wrong.data(), wrong.size()), PSA_ERROR_INVALID_SIGNATURE);
    // Signing on a verify operation, and a short output.
    ASSERT_EQ(psa_mac_verify_setup(&op, key, c.alg), PSA_SUCCESS);
    EXPECT_EQ(psa_mac_sign_finish(&op, mac.data(), PSA_MAC_MAX_SIZE, &length), PSA_ERROR_BAD_STATE);
    EXPECT_EQ(op.handle, 0u);
    ASSERT_EQ(psa_mac_sign_setup(&op, key, c.alg), PSA_SUCCESS);
    mac.resize(PSA_MAC_MAX_SIZE);
    EXPECT_EQ(psa_mac_sign_finish(&op, mac.data(), c.mac.size() - 1, &length), PSA_ERROR_BUFFER_TOO_SMALL);
    EXPECT_EQ(crypto::operations_in_use(), 0u);
    EXPECT_EQ(psa_mac_abort(&op), PSA_SUCCESS);  // inactive: fine
  }
  // A key whose policy is another algorithm, and a key without the usage.
  const auto verify_only = import(PSA_KEY_TYPE_HMAC, PSA_KEY_USAGE_VERIFY_MESSAGE, PSA_ALG_HMAC(PSA_ALG_SHA_256),
                                  Bytes(32, 1));
  psa_mac_operation_t op = PSA_MAC_OPERATION_INIT;
  EXPECT_EQ(psa_mac_sign_setup(&op, verify_only, PSA_ALG_HMAC(PSA_ALG_SHA_256)), PSA_ERROR_NOT_PERMITTED);
  EXPECT_EQ(psa_mac_verify_setup(&op, verify_only, PSA_ALG_HMAC(PSA_ALG_SHA_384)), PSA_ERROR_NOT_PERMITTED);
  EXPECT_EQ(op.handle, 0u);
  EXPECT_EQ(crypto::operations_in_use(), 0u);
}

// --- Ciphers ---------------------------------------------------------------------------------------

TEST_F(Multipart, CbcAndCtrMatchSp800_38a) {
  const Bytes iv = hex("000102030405060708090a0b0c0d0e0f");
  const Bytes cbc = hex("7649abac8119b246cee98e9b12e9197d 5086cb9b507219ee95db113a917678b2");
  const Bytes counter = hex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
  const Bytes ctr = hex("874d6191b620e3261bef6864990db6ce 9806f66b7970fdff8617187bb9fffdff");
  struct Case {
    psa_algorithm_t alg;
    const Bytes& iv;
    const Bytes& ciphertext;
  };
  for (const Case c : {Case{PSA_ALG_CBC_NO_PADDING, iv, cbc}, Case{PSA_ALG_CTR, counter, ctr}}) {
    SCOPED_TRACE(c.alg);
    const auto key = import(PSA_KEY_TYPE_AES, kCipherUsage, c.alg, kAesKey);
    // Multi-part with the standard's IV, in two uneven updates.
    psa_cipher_operation_t op = PSA_CIPHER_OPERATION_INIT;
    ASSERT_EQ(psa_cipher_encrypt_setup(&op, key, c.alg), PSA_SUCCESS);
    EXPECT_EQ(psa_cipher_update(&op, kPlain.data(), 16, nullptr, 0, nullptr), PSA_ERROR_INVALID_ARGUMENT);
    ASSERT_EQ(psa_cipher_set_iv(&op, c.iv.data(), c.iv.size()), PSA_SUCCESS);
    Bytes out(64);
    size_t n1 = 0, n2 = 0, n3 = 0;
    ASSERT_EQ(psa_cipher_update(&op, kPlain.data(), 5, out.data(), out.size(), &n1), PSA_SUCCESS);
    ASSERT_EQ(psa_cipher_update(&op, kPlain.data() + 5, kPlain.size() - 5, out.data() + n1, out.size() - n1, &n2),
              PSA_SUCCESS);
    ASSERT_EQ(psa_cipher_finish(&op, out.data() + n1 + n2, out.size() - n1 - n2, &n3), PSA_SUCCESS);
    out.resize(n1 + n2 + n3);
    EXPECT_EQ(out, c.ciphertext);
    EXPECT_EQ(op.handle, 0u);

    // One-shot decryption of IV || ciphertext gives the plaintext back.
    Bytes message = c.iv;
    message.insert(message.end(), c.ciphertext.begin(), c.ciphertext.end());
    Bytes back(64);
    size_t length = 0;
    ASSERT_EQ(psa_cipher_decrypt(key, c.alg, message.data(), message.size(), back.data(), back.size(), &length),
              PSA_SUCCESS);
    back.resize(length);
    EXPECT_EQ(back, kPlain);

    // One-shot encryption picks a random IV: it comes first, and decrypts back.
    Bytes sealed(64);
    ASSERT_EQ(psa_cipher_encrypt(key, c.alg, kPlain.data(), kPlain.size(), sealed.data(), sealed.size(), &length),
              PSA_SUCCESS);
    EXPECT_EQ(length, 16 + kPlain.size());
    sealed.resize(length);
    ASSERT_EQ(psa_cipher_decrypt(key, c.alg, sealed.data(), sealed.size(), back.data(), back.size(), &length),
              PSA_SUCCESS);
    EXPECT_EQ(Bytes(back.begin(), back.begin() + static_cast<std::ptrdiff_t>(length)), kPlain);

    // An IV set twice is refused, and the operation stays its owner's to abort.
    ASSERT_EQ(psa_cipher_decrypt_setup(&op, key, c.alg), PSA_SUCCESS);
    ASSERT_EQ(psa_cipher_set_iv(&op, c.iv.data(), c.iv.size()), PSA_SUCCESS);
    Bytes generated(16);
    EXPECT_EQ(psa_cipher_generate_iv(&op, generated.data(), generated.size(), &length), PSA_ERROR_BAD_STATE);
    EXPECT_EQ(psa_cipher_set_iv(&op, c.iv.data(), c.iv.size()), PSA_ERROR_BAD_STATE);
    EXPECT_EQ(crypto::operations_in_use(), 1u);
    EXPECT_EQ(psa_cipher_abort(&op), PSA_SUCCESS);
    EXPECT_EQ(op.handle, 0u);
    // An output one byte short.
    EXPECT_EQ(psa_cipher_encrypt(key, c.alg, kPlain.data(), kPlain.size(), sealed.data(), 16 + kPlain.size() - 1,
                                 &length),
              PSA_ERROR_BUFFER_TOO_SMALL);
  }
  // CBC without padding refuses a partial block at the end.
  const auto key = import(PSA_KEY_TYPE_AES, kCipherUsage, PSA_ALG_CBC_NO_PADDING, kAesKey);
  Bytes out(64);
  size_t length = 0;
  EXPECT_EQ(psa_cipher_encrypt(key, PSA_ALG_CBC_NO_PADDING, kPlain.data(), 17, out.data(), out.size(), &length),
            PSA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(crypto::operations_in_use(), 0u);
}

TEST_F(Multipart, CbcPkcs7RoundTripsAndRefusesBadPadding) {
  const auto key = import(PSA_KEY_TYPE_AES, kCipherUsage, PSA_ALG_CBC_PKCS7, kAesKey);
  for (const size_t n : {size_t{0}, size_t{1}, size_t{16}, size_t{31}}) {
    Bytes sealed(64), back(64);
    size_t length = 0;
    ASSERT_EQ(psa_cipher_encrypt(key, PSA_ALG_CBC_PKCS7, kPlain.data(), n, sealed.data(), sealed.size(), &length),
              PSA_SUCCESS);
    EXPECT_EQ(length, 16 + (n / 16 + 1) * 16);
    sealed.resize(length);
    ASSERT_EQ(psa_cipher_decrypt(key, PSA_ALG_CBC_PKCS7, sealed.data(), sealed.size(), back.data(), back.size(), &length),
              PSA_SUCCESS);
    EXPECT_EQ(length, n);
    EXPECT_TRUE(std::equal(back.begin(), back.begin() + static_cast<std::ptrdiff_t>(n), kPlain.begin()));
  }
  // Known-bad padding: a block of zeros decrypted under a zero IV is nothing like PKCS#7.
  Bytes forged(32, 0);
  Bytes back(32);
  size_t length = 0;
  // (The last byte of the decrypted block decides; try IVs until one is invalid, as an attacker would.)
  psa_status_t status = PSA_SUCCESS;
  for (int i = 0; i < 256 && status == PSA_SUCCESS; ++i) {
    forged[15] = static_cast<std::uint8_t>(i);
    status = psa_cipher_decrypt(key, PSA_ALG_CBC_PKCS7, forged.data(), forged.size(), back.data(), back.size(), &length);
  }
  EXPECT_EQ(status, PSA_ERROR_INVALID_PADDING);
}

// --- AEAD ------------------------------------------------------------------------------------------

TEST_F(Multipart, AeadInPiecesMatchesOneShot) {
  // The GCM specification's test case 4 (AES-128, 60-byte plaintext, 20-byte AD).
  const Bytes key_data = hex("feffe9928665731c6d6a8f9467308308");
  const Bytes nonce = hex("cafebabefacedbaddecaf888");
  const Bytes ad = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
  const Bytes plain = hex(
      "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657"
      "ba637b39");
  const Bytes expected = hex(
      "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac97"
      "3d58e0915bc94fbc3221a5db94fae95ae7121a47");
  for (const psa_algorithm_t alg : {PSA_ALG_GCM, PSA_ALG_CCM}) {
    SCOPED_TRACE(alg);
    const auto key = import(PSA_KEY_TYPE_AES, kCipherUsage, alg, key_data);
    Bytes one_shot(plain.size() + 16);
    size_t length = 0;
    ASSERT_EQ(psa_aead_encrypt(key, alg, nonce.data(), nonce.size(), ad.data(), ad.size(), plain.data(), plain.size(),
                               one_shot.data(), one_shot.size(), &length),
              PSA_SUCCESS);
    one_shot.resize(length);
    if (alg == PSA_ALG_GCM) {
      EXPECT_EQ(one_shot, expected);
    }

    psa_aead_operation_t op = PSA_AEAD_OPERATION_INIT;
    ASSERT_EQ(psa_aead_encrypt_setup(&op, key, alg), PSA_SUCCESS);
    ASSERT_EQ(psa_aead_set_lengths(&op, ad.size(), plain.size()), PSA_SUCCESS);
    ASSERT_EQ(psa_aead_set_nonce(&op, nonce.data(), nonce.size()), PSA_SUCCESS);
    ASSERT_EQ(psa_aead_update_ad(&op, ad.data(), 7), PSA_SUCCESS);
    ASSERT_EQ(psa_aead_update_ad(&op, ad.data() + 7, ad.size() - 7), PSA_SUCCESS);
    Bytes out(plain.size() + 32);
    size_t n1 = 0, n2 = 0, n3 = 0, tag_length = 0;
    ASSERT_EQ(psa_aead_update(&op, plain.data(), 17, out.data(), out.size(), &n1), PSA_SUCCESS);
    ASSERT_EQ(psa_aead_update(&op, plain.data() + 17, plain.size() - 17, out.data() + n1, out.size() - n1, &n2),
              PSA_SUCCESS);
    Bytes tag(16);
    ASSERT_EQ(psa_aead_finish(&op, out.data() + n1 + n2, out.size() - n1 - n2, &n3, tag.data(), tag.size(), &tag_length),
              PSA_SUCCESS);
    out.resize(n1 + n2 + n3);
    out.insert(out.end(), tag.begin(), tag.begin() + static_cast<std::ptrdiff_t>(tag_length));
    EXPECT_EQ(out, one_shot);
    EXPECT_EQ(op.handle, 0u);

    // Decrypt in pieces and verify the tag; then a tampered tag.
    for (const bool tamper : {false, true}) {
      ASSERT_EQ(psa_aead_decrypt_setup(&op, key, alg), PSA_SUCCESS);
      ASSERT_EQ(psa_aead_set_lengths(&op, ad.size(), plain.size()), PSA_SUCCESS);
      ASSERT_EQ(psa_aead_set_nonce(&op, nonce.data(), nonce.size()), PSA_SUCCESS);
      ASSERT_EQ(psa_aead_update_ad(&op, ad.data(), ad.size()), PSA_SUCCESS);
      Bytes back(plain.size() + 16);
      ASSERT_EQ(psa_aead_update(&op, one_shot.data(), plain.size(), back.data(), back.size(), &n1), PSA_SUCCESS);
      Bytes t(one_shot.end() - 16, one_shot.end());
      if (tamper) t[0] ^= 1;
      const psa_status_t verified = psa_aead_verify(&op, back.data() + n1, back.size() - n1, &n2, t.data(), t.size());
      EXPECT_EQ(verified, tamper ? PSA_ERROR_INVALID_SIGNATURE : PSA_SUCCESS);
      if (!tamper) {
        back.resize(n1 + n2);
        EXPECT_EQ(back, plain);
      }
      EXPECT_EQ(op.handle, 0u);
    }
    // Encryption with a generated nonce; the order of the steps is enforced.
    ASSERT_EQ(psa_aead_encrypt_setup(&op, key, alg), PSA_SUCCESS);
    EXPECT_EQ(psa_aead_update(&op, plain.data(), 1, out.data(), out.size(), &n1), PSA_ERROR_BAD_STATE);
    EXPECT_EQ(psa_aead_abort(&op), PSA_SUCCESS);
    ASSERT_EQ(psa_aead_encrypt_setup(&op, key, alg), PSA_SUCCESS);
    Bytes generated(PSA_AEAD_NONCE_MAX_SIZE);
    if (alg == PSA_ALG_CCM) {
      ASSERT_EQ(psa_aead_set_lengths(&op, 0, 0), PSA_SUCCESS);
    }
    ASSERT_EQ(psa_aead_generate_nonce(&op, generated.data(), generated.size(), &length), PSA_SUCCESS);
    EXPECT_EQ(length, alg == PSA_ALG_GCM ? 12u : 13u);
    EXPECT_EQ(psa_aead_set_nonce(&op, nonce.data(), nonce.size()), PSA_ERROR_BAD_STATE);
    EXPECT_EQ(psa_aead_abort(&op), PSA_SUCCESS);
    EXPECT_EQ(crypto::operations_in_use(), 0u);
  }
}

// --- Hash clone, key copy --------------------------------------------------------------------------

TEST_F(Multipart, HashCloneGoesOnIndependently) {
  const Bytes abc = text("abc");
  psa_hash_operation_t op = PSA_HASH_OPERATION_INIT;
  psa_hash_operation_t copy = PSA_HASH_OPERATION_INIT;
  EXPECT_EQ(psa_hash_clone(&op, &copy), PSA_ERROR_BAD_STATE);  // nothing to clone
  ASSERT_EQ(psa_hash_setup(&op, PSA_ALG_SHA_256), PSA_SUCCESS);
  ASSERT_EQ(psa_hash_update(&op, abc.data(), 2), PSA_SUCCESS);
  ASSERT_EQ(psa_hash_clone(&op, &copy), PSA_SUCCESS);
  EXPECT_NE(copy.handle, op.handle);
  EXPECT_EQ(psa_hash_clone(&op, &copy), PSA_ERROR_BAD_STATE);  // target already active
  ASSERT_EQ(psa_hash_update(&op, abc.data() + 2, 1), PSA_SUCCESS);
  ASSERT_EQ(psa_hash_update(&copy, abc.data() + 2, 1), PSA_SUCCESS);
  ASSERT_EQ(psa_hash_update(&copy, abc.data(), 3), PSA_SUCCESS);
  Bytes d1(32), d2(32);
  size_t length = 0;
  ASSERT_EQ(psa_hash_finish(&op, d1.data(), d1.size(), &length), PSA_SUCCESS);
  ASSERT_EQ(psa_hash_finish(&copy, d2.data(), d2.size(), &length), PSA_SUCCESS);
  EXPECT_EQ(d1, hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));  // "abc"
  EXPECT_EQ(d2, hex("bbb59da3af939f7af5f360f2ceb80a496e3bae1cd87dde426db0ae40677e1c2c"));  // "abcabc"

  // A clone counts against its owner's limit, and Bob cannot clone Alice's operation.
  ASSERT_EQ(psa_hash_setup(&op, PSA_ALG_SHA_256), PSA_SUCCESS);
  std::vector<psa_hash_operation_t> clones(crypto::kOperationsPerClient - 1, PSA_HASH_OPERATION_INIT);
  for (auto& c : clones) {
    ASSERT_EQ(psa_hash_clone(&op, &c), PSA_SUCCESS);
  }
  psa_hash_operation_t one_more = PSA_HASH_OPERATION_INIT;
  EXPECT_EQ(psa_hash_clone(&op, &one_more), PSA_ERROR_INSUFFICIENT_MEMORY);
  host::set_current_client(kBob);
  EXPECT_EQ(psa_hash_clone(&op, &one_more), PSA_ERROR_BAD_STATE);
  EXPECT_EQ(one_more.handle, 0u);
  host::set_current_client(kAlice);
  for (auto& c : clones) {
    EXPECT_EQ(psa_hash_abort(&c), PSA_SUCCESS);
  }
  EXPECT_EQ(psa_hash_abort(&op), PSA_SUCCESS);
  EXPECT_EQ(crypto::operations_in_use(), 0u);
}

TEST_F(Multipart, CopyKeyFollowsThePolicyAndTheQuota) {
  const Bytes data = text("what do ya want for nothing?");
  const auto source = import(PSA_KEY_TYPE_HMAC, kMacUsage | PSA_KEY_USAGE_COPY, PSA_ALG_HMAC(PSA_ALG_SHA_256),
                             text("Jefe"));
  psa_key_attributes_t attributes = PSA_KEY_ATTRIBUTES_INIT;
  psa_set_key_usage_flags(&attributes, PSA_KEY_USAGE_VERIFY_MESSAGE);
  psa_set_key_algorithm(&attributes, PSA_ALG_HMAC(PSA_ALG_SHA_256));
  mbedtls_svc_key_id_t copy = PSA_KEY_ID_NULL;
  ASSERT_EQ(psa_copy_key(source, &attributes, &copy), PSA_SUCCESS);
  EXPECT_NE(copy, source);
  const Bytes mac = hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(psa_mac_verify(copy, PSA_ALG_HMAC(PSA_ALG_SHA_256), data.data(), data.size(), mac.data(), mac.size()),
            PSA_SUCCESS);
  // The copy's usage is what was asked (the intersection): it cannot sign.
  Bytes out(32);
  size_t length = 0;
  EXPECT_EQ(psa_mac_compute(copy, PSA_ALG_HMAC(PSA_ALG_SHA_256), data.data(), data.size(), out.data(), out.size(),
                            &length),
            PSA_ERROR_NOT_PERMITTED);
  // A source without PSA_KEY_USAGE_COPY cannot be copied; another client's key is not there.
  mbedtls_svc_key_id_t denied = PSA_KEY_ID_NULL;
  EXPECT_EQ(psa_copy_key(copy, &attributes, &denied), PSA_ERROR_NOT_PERMITTED);
  host::set_current_client(kBob);
  EXPECT_EQ(psa_copy_key(source, &attributes, &denied), PSA_ERROR_INVALID_HANDLE);
  host::set_current_client(kAlice);
  EXPECT_EQ(denied, PSA_KEY_ID_NULL);
  // Copies count against the volatile-key quota like any new key.
  while (crypto::volatile_keys_held(kAlice) < crypto::kVolatileKeysPerClient) {
    ASSERT_EQ(psa_copy_key(source, &attributes, &denied), PSA_SUCCESS);
  }
  EXPECT_EQ(psa_copy_key(source, &attributes, &denied), PSA_ERROR_INSUFFICIENT_MEMORY);
  crypto::release_client(kAlice);
}

// --- Key derivation --------------------------------------------------------------------------------

TEST_F(Multipart, KeyAgreementIntoHkdfMatchesRawAgreement) {
  const auto a = generate_p256(PSA_KEY_USAGE_DERIVE, PSA_ALG_KEY_AGREEMENT(PSA_ALG_ECDH, PSA_ALG_HKDF(PSA_ALG_SHA_256)));
  const auto b = generate_p256(PSA_KEY_USAGE_DERIVE, PSA_ALG_ECDH);
  Bytes pub_a(65), pub_b(65);
  size_t length = 0;
  ASSERT_EQ(psa_export_public_key(a, pub_a.data(), pub_a.size(), &length), PSA_SUCCESS);
  ASSERT_EQ(psa_export_public_key(b, pub_b.data(), pub_b.size(), &length), PSA_SUCCESS);
  Bytes shared(32);
  ASSERT_EQ(psa_raw_key_agreement(PSA_ALG_ECDH, b, pub_a.data(), pub_a.size(), shared.data(), shared.size(), &length),
            PSA_SUCCESS);
  const Bytes info = text("ward");

  // What B derives from the raw secret...
  Bytes expected(42);
  psa_key_derivation_operation_t op = PSA_KEY_DERIVATION_OPERATION_INIT;
  ASSERT_EQ(psa_key_derivation_setup(&op, PSA_ALG_HKDF(PSA_ALG_SHA_256)), PSA_SUCCESS);
  ASSERT_EQ(psa_key_derivation_input_bytes(&op, PSA_KEY_DERIVATION_INPUT_SECRET, shared.data(), shared.size()),
            PSA_SUCCESS);
  ASSERT_EQ(psa_key_derivation_input_bytes(&op, PSA_KEY_DERIVATION_INPUT_INFO, info.data(), info.size()), PSA_SUCCESS);
  ASSERT_EQ(psa_key_derivation_output_bytes(&op, expected.data(), expected.size()), PSA_SUCCESS);
  ASSERT_EQ(psa_key_derivation_abort(&op), PSA_SUCCESS);

  // ... A gets with the agreement inside the derivation, and verify_bytes agrees (and disagrees).
  const psa_algorithm_t alg = PSA_ALG_KEY_AGREEMENT(PSA_ALG_ECDH, PSA_ALG_HKDF(PSA_ALG_SHA_256));
  for (const bool wrong : {false, true}) {
    ASSERT_EQ(psa_key_derivation_setup(&op, alg), PSA_SUCCESS);
    ASSERT_EQ(psa_key_derivation_key_agreement(&op, PSA_KEY_DERIVATION_INPUT_SECRET, a, pub_b.data(), pub_b.size()),
              PSA_SUCCESS);
    ASSERT_EQ(psa_key_derivation_input_bytes(&op, PSA_KEY_DERIVATION_INPUT_INFO, info.data(), info.size()), PSA_SUCCESS);
    Bytes got(10);
    ASSERT_EQ(psa_key_derivation_output_bytes(&op, got.data(), got.size()), PSA_SUCCESS);
    EXPECT_EQ(got, Bytes(expected.begin(), expected.begin() + 10));
    Bytes rest(expected.begin() + 10, expected.end());
    if (wrong) rest.back() ^= 1;
    EXPECT_EQ(psa_key_derivation_verify_bytes(&op, rest.data(), rest.size()),
              wrong ? PSA_ERROR_INVALID_SIGNATURE : PSA_SUCCESS);
    ASSERT_EQ(psa_key_derivation_abort(&op), PSA_SUCCESS);
  }
  // A peer key off the curve; an integer input HKDF has no step for; verify_key is not in Mbed TLS 3.6.
  ASSERT_EQ(psa_key_derivation_setup(&op, alg), PSA_SUCCESS);
  Bytes bad = pub_b;
  bad[64] ^= 1;
  EXPECT_EQ(psa_key_derivation_key_agreement(&op, PSA_KEY_DERIVATION_INPUT_SECRET, a, bad.data(), bad.size()),
            PSA_ERROR_INVALID_ARGUMENT);
  ASSERT_EQ(psa_key_derivation_abort(&op), PSA_SUCCESS);
  ASSERT_EQ(psa_key_derivation_setup(&op, PSA_ALG_HKDF(PSA_ALG_SHA_256)), PSA_SUCCESS);
  EXPECT_EQ(psa_key_derivation_input_integer(&op, PSA_KEY_DERIVATION_INPUT_COST, 1000), PSA_ERROR_INVALID_ARGUMENT);
  ASSERT_EQ(psa_key_derivation_abort(&op), PSA_SUCCESS);
  ASSERT_EQ(psa_key_derivation_setup(&op, PSA_ALG_HKDF(PSA_ALG_SHA_256)), PSA_SUCCESS);
  EXPECT_EQ(psa_key_derivation_verify_key(&op, a), PSA_ERROR_NOT_SUPPORTED);
  ASSERT_EQ(psa_key_derivation_abort(&op), PSA_SUCCESS);
  // Another client's derivation handle.
  ASSERT_EQ(psa_key_derivation_setup(&op, alg), PSA_SUCCESS);
  host::set_current_client(kBob);
  psa_key_derivation_operation_t stolen = op;
  EXPECT_EQ(psa_key_derivation_key_agreement(&stolen, PSA_KEY_DERIVATION_INPUT_SECRET, a, pub_b.data(), pub_b.size()),
            PSA_ERROR_BAD_STATE);
  EXPECT_EQ(psa_key_derivation_verify_bytes(&stolen, expected.data(), 4), PSA_ERROR_BAD_STATE);
  host::set_current_client(kAlice);
  ASSERT_EQ(psa_key_derivation_abort(&op), PSA_SUCCESS);
  EXPECT_EQ(crypto::operations_in_use(), 0u);
}

// --- Signatures: deterministic ECDSA, P-384, interruptible -----------------------------------------

TEST_F(Multipart, DeterministicEcdsaMatchesRfc6979) {
  // RFC 6979 A.2.5: P-256, SHA-256, message "sample".
  const auto key = import(PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1), PSA_KEY_USAGE_SIGN_MESSAGE,
                          PSA_ALG_DETERMINISTIC_ECDSA(PSA_ALG_SHA_256),
                          hex("C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721"));
  const Bytes message = text("sample");
  Bytes signature(64);
  size_t length = 0;
  ASSERT_EQ(psa_sign_message(key, PSA_ALG_DETERMINISTIC_ECDSA(PSA_ALG_SHA_256), message.data(), message.size(),
                             signature.data(), signature.size(), &length),
            PSA_SUCCESS);
  EXPECT_EQ(signature, hex("EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716"
                           "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8"));
}

TEST_F(Multipart, P384SignsAndVerifies) {
  psa_key_attributes_t attributes = PSA_KEY_ATTRIBUTES_INIT;
  psa_set_key_type(&attributes, PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1));
  psa_set_key_bits(&attributes, 384);
  psa_set_key_usage_flags(&attributes, PSA_KEY_USAGE_SIGN_HASH | PSA_KEY_USAGE_VERIFY_HASH);
  psa_set_key_algorithm(&attributes, PSA_ALG_ECDSA(PSA_ALG_SHA_384));
  mbedtls_svc_key_id_t key = PSA_KEY_ID_NULL;
  ASSERT_EQ(psa_generate_key(&attributes, &key), PSA_SUCCESS);
  const Bytes hash(48, 0x42);
  Bytes signature(PSA_SIGNATURE_MAX_SIZE);
  ASSERT_GE(signature.size(), 96u);  // the client's size macros know P-384 too
  size_t length = 0;
  ASSERT_EQ(psa_sign_hash(key, PSA_ALG_ECDSA(PSA_ALG_SHA_384), hash.data(), hash.size(), signature.data(),
                          signature.size(), &length),
            PSA_SUCCESS);
  EXPECT_EQ(length, 96u);
  EXPECT_EQ(psa_verify_hash(key, PSA_ALG_ECDSA(PSA_ALG_SHA_384), hash.data(), hash.size(), signature.data(), length),
            PSA_SUCCESS);
}

TEST_F(Multipart, InterruptibleSignAndVerify) {
  const auto key = generate_p256(PSA_KEY_USAGE_SIGN_HASH | PSA_KEY_USAGE_VERIFY_HASH, PSA_ALG_ECDSA(PSA_ALG_SHA_256));
  const Bytes hash(32, 0x17);
  psa_interruptible_set_max_ops(1);  // the smallest budget: many steps
  EXPECT_EQ(psa_interruptible_get_max_ops(), 1u);
  psa_sign_hash_interruptible_operation_t sign = PSA_SIGN_HASH_INTERRUPTIBLE_OPERATION_INIT;
  ASSERT_EQ(psa_sign_hash_start(&sign, key, PSA_ALG_ECDSA(PSA_ALG_SHA_256), hash.data(), hash.size()), PSA_SUCCESS);
  EXPECT_EQ(psa_sign_hash_start(&sign, key, PSA_ALG_ECDSA(PSA_ALG_SHA_256), hash.data(), hash.size()),
            PSA_ERROR_BAD_STATE);
  Bytes signature(64);
  size_t length = 0;
  psa_status_t status = PSA_OPERATION_INCOMPLETE;
  int steps = 0;
  for (; status == PSA_OPERATION_INCOMPLETE && steps < 100000; ++steps) {
    status = psa_sign_hash_complete(&sign, signature.data(), signature.size(), &length);
    if (steps == 0) {
      // Bob can neither advance, count nor abort Alice's operation.
      host::set_current_client(kBob);
      psa_sign_hash_interruptible_operation_t stolen = sign;
      Bytes out(64);
      size_t n = 0;
      EXPECT_EQ(psa_sign_hash_complete(&stolen, out.data(), out.size(), &n), PSA_ERROR_BAD_STATE);
      EXPECT_EQ(psa_sign_hash_get_num_ops(&stolen), 0u);
      stolen = sign;
      EXPECT_EQ(psa_sign_hash_abort(&stolen), PSA_ERROR_BAD_STATE);
      host::set_current_client(kAlice);
      EXPECT_GT(psa_sign_hash_get_num_ops(&sign), 0u);
    }
  }
  ASSERT_EQ(status, PSA_SUCCESS);
  EXPECT_GT(steps, 1);  // it really was interrupted
  EXPECT_EQ(length, 64u);
  EXPECT_EQ(sign.handle, 0u);
  EXPECT_EQ(psa_verify_hash(key, PSA_ALG_ECDSA(PSA_ALG_SHA_256), hash.data(), hash.size(), signature.data(), length),
            PSA_SUCCESS);

  psa_interruptible_set_max_ops(PSA_INTERRUPTIBLE_MAX_OPS_UNLIMITED);
  for (const bool tamper : {false, true}) {
    Bytes sig = signature;
    if (tamper) sig[10] ^= 1;
    psa_verify_hash_interruptible_operation_t verify = PSA_VERIFY_HASH_INTERRUPTIBLE_OPERATION_INIT;
    ASSERT_EQ(psa_verify_hash_start(&verify, key, PSA_ALG_ECDSA(PSA_ALG_SHA_256), hash.data(), hash.size(), sig.data(),
                                    sig.size()),
              PSA_SUCCESS);
    EXPECT_EQ(psa_verify_hash_complete(&verify), tamper ? PSA_ERROR_INVALID_SIGNATURE : PSA_SUCCESS);
    EXPECT_EQ(verify.handle, 0u);
    EXPECT_EQ(psa_verify_hash_abort(&verify), PSA_SUCCESS);
  }
  // Abandoned half way: abort frees it.
  psa_interruptible_set_max_ops(1);
  ASSERT_EQ(psa_sign_hash_start(&sign, key, PSA_ALG_ECDSA(PSA_ALG_SHA_256), hash.data(), hash.size()), PSA_SUCCESS);
  EXPECT_EQ(psa_sign_hash_complete(&sign, signature.data(), signature.size(), &length), PSA_OPERATION_INCOMPLETE);
  EXPECT_EQ(psa_sign_hash_abort(&sign), PSA_SUCCESS);
  psa_interruptible_set_max_ops(PSA_INTERRUPTIBLE_MAX_OPS_UNLIMITED);
  EXPECT_EQ(crypto::operations_in_use(), 0u);
}

// --- _custom and _ext variants, asymmetric encryption ----------------------------------------------

TEST_F(Multipart, CustomAndExtVariants) {
  psa_key_attributes_t attributes = PSA_KEY_ATTRIBUTES_INIT;
  psa_set_key_type(&attributes, PSA_KEY_TYPE_HMAC);
  psa_set_key_bits(&attributes, 256);
  psa_set_key_usage_flags(&attributes, PSA_KEY_USAGE_SIGN_MESSAGE);
  psa_set_key_algorithm(&attributes, PSA_ALG_HMAC(PSA_ALG_SHA_256));
  const psa_custom_key_parameters_t defaults = PSA_CUSTOM_KEY_PARAMETERS_INIT;
  mbedtls_svc_key_id_t key = PSA_KEY_ID_NULL;
  ASSERT_EQ(psa_generate_key_custom(&attributes, &defaults, nullptr, 0, &key), PSA_SUCCESS);
  EXPECT_EQ(psa_destroy_key(key), PSA_SUCCESS);
  // Parameters an HMAC key does not take.
  const psa_custom_key_parameters_t flagged = {1};
  EXPECT_EQ(psa_generate_key_custom(&attributes, &flagged, nullptr, 0, &key), PSA_ERROR_INVALID_ARGUMENT);
  const std::uint8_t exponent[] = {1, 0, 1};
  EXPECT_EQ(psa_generate_key_custom(&attributes, &defaults, exponent, sizeof exponent, &key), PSA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(key, PSA_KEY_ID_NULL);

  psa_key_derivation_operation_t op = PSA_KEY_DERIVATION_OPERATION_INIT;
  ASSERT_EQ(psa_key_derivation_setup(&op, PSA_ALG_HKDF(PSA_ALG_SHA_256)), PSA_SUCCESS);
  const Bytes secret(32, 7);
  // A key can be derived only from a secret that was a key itself (PSA).
  const auto derive = import(PSA_KEY_TYPE_DERIVE, PSA_KEY_USAGE_DERIVE, PSA_ALG_HKDF(PSA_ALG_SHA_256), secret);
  ASSERT_EQ(psa_key_derivation_input_key(&op, PSA_KEY_DERIVATION_INPUT_SECRET, derive), PSA_SUCCESS);
  ASSERT_EQ(psa_key_derivation_input_bytes(&op, PSA_KEY_DERIVATION_INPUT_INFO, secret.data(), 1), PSA_SUCCESS);
  psa_set_key_usage_flags(&attributes, PSA_KEY_USAGE_SIGN_MESSAGE | PSA_KEY_USAGE_EXPORT);
  ASSERT_EQ(psa_key_derivation_output_key_custom(&attributes, &op, &defaults, nullptr, 0, &key), PSA_SUCCESS);
  EXPECT_EQ(psa_destroy_key(key), PSA_SUCCESS);
  EXPECT_EQ(psa_key_derivation_output_key_custom(&attributes, &op, &flagged, nullptr, 0, &key),
            PSA_ERROR_INVALID_ARGUMENT);
  ASSERT_EQ(psa_key_derivation_abort(&op), PSA_SUCCESS);
  EXPECT_EQ(psa_destroy_key(derive), PSA_SUCCESS);
}

TEST_F(Multipart, ExtVariantsFromC) {
  const auto derive = import(PSA_KEY_TYPE_DERIVE, PSA_KEY_USAGE_DERIVE, PSA_ALG_HKDF(PSA_ALG_SHA_256), Bytes(32, 7));
  psa_status_t out[4] = {};
  ward_test_ext_variants(out, derive);
  EXPECT_EQ(out[0], PSA_SUCCESS);
  EXPECT_EQ(out[1], PSA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(out[2], PSA_SUCCESS);
  EXPECT_EQ(out[3], PSA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(crypto::volatile_keys_held(kAlice), 1u);  // only the derivation key is left
  EXPECT_EQ(crypto::operations_in_use(), 0u);
}

TEST_F(Multipart, AsymmetricEncryptionAndRsaKeyLimits) {
  // RSA is in the service's set for verification (and encryption) with public keys up to 4096
  // bits; a key pair holds more material than one key may (kKeyMaterialMax): NOT_SUPPORTED.
  psa_key_attributes_t attributes = PSA_KEY_ATTRIBUTES_INIT;
  psa_set_key_type(&attributes, PSA_KEY_TYPE_RSA_KEY_PAIR);
  psa_set_key_usage_flags(&attributes, PSA_KEY_USAGE_DECRYPT);
  psa_set_key_algorithm(&attributes, PSA_ALG_RSA_OAEP(PSA_ALG_SHA_256));
  const Bytes rsa_2048_pair(1190, 0x30);
  mbedtls_svc_key_id_t key = PSA_KEY_ID_NULL;
  EXPECT_EQ(psa_import_key(&attributes, rsa_2048_pair.data(), rsa_2048_pair.size(), &key), PSA_ERROR_NOT_SUPPORTED);
  // Generation is left out of the configuration.
  psa_set_key_bits(&attributes, 2048);
  EXPECT_EQ(psa_generate_key(&attributes, &key), PSA_ERROR_NOT_SUPPORTED);
  EXPECT_EQ(key, PSA_KEY_ID_NULL);
  // An ECC key cannot encrypt with RSA; nothing is returned.
  const auto ecc = generate_p256(PSA_KEY_USAGE_ENCRYPT | PSA_KEY_USAGE_DECRYPT, PSA_ALG_ECDSA(PSA_ALG_SHA_256));
  Bytes out(256);
  size_t length = 0;
  const Bytes message = text("hello");
  EXPECT_NE(psa_asymmetric_encrypt(ecc, PSA_ALG_RSA_PKCS1V15_CRYPT, message.data(), message.size(), nullptr, 0,
                                   out.data(), out.size(), &length),
            PSA_SUCCESS);
  EXPECT_NE(psa_asymmetric_decrypt(ecc, PSA_ALG_RSA_OAEP(PSA_ALG_SHA_256), message.data(), message.size(), nullptr, 0,
                                   out.data(), out.size(), &length),
            PSA_SUCCESS);
  EXPECT_EQ(length, 0u);
}

// --- The operation table from the attacker's side --------------------------------------------------

// Every kind of operation: Bob cannot step, finish or abort Alice's, and Alice's goes on unharmed.
// A one-shot AEAD bigger than one call (a TLS peer's 16 KiB record) runs in pieces in the client
// (crypto_client.cpp): it must give what a one-shot of the same key would, reject a tampered byte
// anywhere, and leave no unauthenticated plaintext behind.
TEST_F(Multipart, OneShotAeadLargerThanOneCallRunsInPieces) {
  const Bytes key_data = hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
  const Bytes nonce = hex("cafebabefacedbaddecaf888");
  const Bytes ad = hex("170303402f");  // a TLS 1.3 record header
  for (const psa_algorithm_t alg : {PSA_ALG_GCM, PSA_ALG_CHACHA20_POLY1305}) {
    SCOPED_TRACE(alg);
    const psa_key_type_t type = alg == PSA_ALG_GCM ? PSA_KEY_TYPE_AES : PSA_KEY_TYPE_CHACHA20;
    const auto key = import(type, kCipherUsage, alg, key_data);
    // 16 KiB + 1 (content type) of plaintext; the small one fits one call and checks the pieces
    // against the one-call path.
    for (const std::size_t size : {std::size_t{1000}, std::size_t{16385}}) {
      SCOPED_TRACE(size);
      Bytes plain(size);
      for (std::size_t i = 0; i < size; ++i) plain[i] = static_cast<std::uint8_t>(i * 131 + (i >> 8));
      Bytes sealed(size + 16);
      size_t length = 0;
      ASSERT_EQ(psa_aead_encrypt(key, alg, nonce.data(), nonce.size(), ad.data(), ad.size(), plain.data(), size,
                                 sealed.data(), sealed.size(), &length),
                PSA_SUCCESS);
      ASSERT_EQ(length, size + 16);
      // The same with the multi-part API directly, in the service's own pieces.
      psa_aead_operation_t op = PSA_AEAD_OPERATION_INIT;
      ASSERT_EQ(psa_aead_encrypt_setup(&op, key, alg), PSA_SUCCESS);
      ASSERT_EQ(psa_aead_set_lengths(&op, ad.size(), size), PSA_SUCCESS);
      ASSERT_EQ(psa_aead_set_nonce(&op, nonce.data(), nonce.size()), PSA_SUCCESS);
      ASSERT_EQ(psa_aead_update_ad(&op, ad.data(), ad.size()), PSA_SUCCESS);
      Bytes expected(size + 16);
      size_t done = 0;
      for (size_t at = 0; at < size; at += 1000) {
        size_t n = 0;
        const size_t piece = std::min<size_t>(1000, size - at);
        ASSERT_EQ(psa_aead_update(&op, plain.data() + at, piece, expected.data() + done, expected.size() - done, &n),
                  PSA_SUCCESS);
        done += n;
      }
      size_t last = 0, tag_length = 0;
      ASSERT_EQ(psa_aead_finish(&op, expected.data() + done, expected.size() - done, &last,
                                expected.data() + size, 16, &tag_length),
                PSA_SUCCESS);
      EXPECT_EQ(sealed, expected);

      Bytes opened(size, 0xee);
      ASSERT_EQ(psa_aead_decrypt(key, alg, nonce.data(), nonce.size(), ad.data(), ad.size(), sealed.data(),
                                 sealed.size(), opened.data(), opened.size(), &length),
                PSA_SUCCESS);
      EXPECT_EQ(length, size);
      EXPECT_EQ(opened, plain);
      // A flipped bit in the first piece, the last piece, the tag, and the AD: refused, output wiped.
      for (const std::size_t at : {std::size_t{0}, size - 1, size + 15, std::size_t{0xffff}}) {
        Bytes bad = sealed;
        Bytes bad_ad = ad;
        if (at == 0xffff) bad_ad[0] ^= 1; else bad[at] ^= 1;
        Bytes out(size, 0xee);
        EXPECT_EQ(psa_aead_decrypt(key, alg, nonce.data(), nonce.size(), bad_ad.data(), bad_ad.size(), bad.data(),
                                   bad.size(), out.data(), out.size(), &length),
                  PSA_ERROR_INVALID_SIGNATURE);
        if (size > 4000) {
          EXPECT_EQ(std::count(out.begin(), out.end(), 0), static_cast<std::ptrdiff_t>(size));
        }
      }
      // Too small an output is refused before anything is decrypted.
      EXPECT_EQ(psa_aead_decrypt(key, alg, nonce.data(), nonce.size(), ad.data(), ad.size(), sealed.data(),
                                 sealed.size(), opened.data(), size - 1, &length),
                PSA_ERROR_BUFFER_TOO_SMALL);
    }
  }
}

TEST_F(Multipart, AnotherClientsOperationsOfEveryKindAreRefused) {
  const auto hmac = import(PSA_KEY_TYPE_HMAC, kMacUsage, PSA_ALG_HMAC(PSA_ALG_SHA_256), text("Jefe"));
  const auto aes = import(PSA_KEY_TYPE_AES, kCipherUsage, PSA_ALG_CTR, kAesKey);
  const auto gcm = import(PSA_KEY_TYPE_AES, kCipherUsage, PSA_ALG_GCM, kAesKey);
  psa_mac_operation_t mac = PSA_MAC_OPERATION_INIT;
  psa_cipher_operation_t cipher = PSA_CIPHER_OPERATION_INIT;
  psa_aead_operation_t aead = PSA_AEAD_OPERATION_INIT;
  ASSERT_EQ(psa_mac_sign_setup(&mac, hmac, PSA_ALG_HMAC(PSA_ALG_SHA_256)), PSA_SUCCESS);
  ASSERT_EQ(psa_cipher_encrypt_setup(&cipher, aes, PSA_ALG_CTR), PSA_SUCCESS);
  ASSERT_EQ(psa_aead_encrypt_setup(&aead, gcm, PSA_ALG_GCM), PSA_SUCCESS);
  const Bytes iv(16, 0);
  ASSERT_EQ(psa_cipher_set_iv(&cipher, iv.data(), iv.size()), PSA_SUCCESS);
  ASSERT_EQ(psa_aead_set_nonce(&aead, iv.data(), 12), PSA_SUCCESS);

  host::set_current_client(kBob);
  Bytes out(64);
  size_t length = 0;
  {
    psa_mac_operation_t s = mac;
    EXPECT_EQ(psa_mac_update(&s, out.data(), 1), PSA_ERROR_BAD_STATE);
    EXPECT_EQ(psa_mac_sign_finish(&s, out.data(), out.size(), &length), PSA_ERROR_BAD_STATE);
    s = mac;
    EXPECT_EQ(psa_mac_abort(&s), PSA_ERROR_BAD_STATE);
  }
  {
    psa_cipher_operation_t s = cipher;
    EXPECT_EQ(psa_cipher_update(&s, out.data(), 16, out.data(), out.size(), &length), PSA_ERROR_BAD_STATE);
    EXPECT_EQ(psa_cipher_set_iv(&s, iv.data(), iv.size()), PSA_ERROR_BAD_STATE);
    EXPECT_EQ(psa_cipher_finish(&s, out.data(), out.size(), &length), PSA_ERROR_BAD_STATE);
    s = cipher;
    EXPECT_EQ(psa_cipher_abort(&s), PSA_ERROR_BAD_STATE);
  }
  {
    psa_aead_operation_t s = aead;
    EXPECT_EQ(psa_aead_update_ad(&s, out.data(), 4), PSA_ERROR_BAD_STATE);
    EXPECT_EQ(psa_aead_update(&s, out.data(), 4, out.data(), out.size(), &length), PSA_ERROR_BAD_STATE);
    EXPECT_EQ(psa_aead_set_lengths(&s, 1, 1), PSA_ERROR_BAD_STATE);
    size_t tag_length = 0;
    EXPECT_EQ(psa_aead_finish(&s, out.data(), 32, &length, out.data() + 32, 16, &tag_length), PSA_ERROR_BAD_STATE);
    s = aead;
    EXPECT_EQ(psa_aead_abort(&s), PSA_ERROR_BAD_STATE);
  }
  // A handle of one kind used as another, by its owner: refused too.
  host::set_current_client(kAlice);
  {
    psa_mac_operation_t as_mac = PSA_MAC_OPERATION_INIT;
    as_mac.handle = cipher.handle;
    EXPECT_EQ(psa_mac_update(&as_mac, out.data(), 1), PSA_ERROR_BAD_STATE);
    psa_cipher_operation_t as_cipher = PSA_CIPHER_OPERATION_INIT;
    as_cipher.handle = aead.handle;
    EXPECT_EQ(psa_cipher_abort(&as_cipher), PSA_ERROR_BAD_STATE);
    psa_aead_operation_t as_aead = PSA_AEAD_OPERATION_INIT;
    as_aead.handle = mac.handle;
    EXPECT_EQ(psa_aead_abort(&as_aead), PSA_ERROR_BAD_STATE);
  }
  EXPECT_EQ(crypto::operations_in_use(), 3u);
  // Alice's three go on: the CTR keystream of a zero counter under the SP 800-38A key.
  ASSERT_EQ(psa_cipher_update(&cipher, kPlain.data(), 16, out.data(), out.size(), &length), PSA_SUCCESS);
  EXPECT_EQ(length, 16u);
  ASSERT_EQ(psa_cipher_finish(&cipher, out.data(), out.size(), &length), PSA_SUCCESS);
  const Bytes data = text("what do ya want for nothing?");
  ASSERT_EQ(psa_mac_update(&mac, data.data(), data.size()), PSA_SUCCESS);
  ASSERT_EQ(psa_mac_sign_finish(&mac, out.data(), out.size(), &length), PSA_SUCCESS);
  EXPECT_EQ(Bytes(out.begin(), out.begin() + 32), hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"));
  size_t tag_length = 0;
  ASSERT_EQ(psa_aead_finish(&aead, out.data(), 32, &length, out.data() + 32, 16, &tag_length), PSA_SUCCESS);
  EXPECT_EQ(tag_length, 16u);
  EXPECT_EQ(crypto::operations_in_use(), 0u);
}

// A client that sets up operations and never finishes them reaches its own limit, not the
// table's: others still get theirs, and its end (release_client) frees everything it held.
TEST_F(Multipart, AbandonedOperationsDoNotExhaustTheTable) {
  const auto hmac = import(PSA_KEY_TYPE_HMAC, kMacUsage, PSA_ALG_HMAC(PSA_ALG_SHA_256), text("Jefe"));
  const auto aes = import(PSA_KEY_TYPE_AES, kCipherUsage, PSA_ALG_CTR, kAesKey);
  std::vector<psa_mac_operation_t> macs(2, PSA_MAC_OPERATION_INIT);
  std::vector<psa_cipher_operation_t> ciphers(2, PSA_CIPHER_OPERATION_INIT);
  for (auto& op : macs) ASSERT_EQ(psa_mac_sign_setup(&op, hmac, PSA_ALG_HMAC(PSA_ALG_SHA_256)), PSA_SUCCESS);
  for (auto& op : ciphers) ASSERT_EQ(psa_cipher_encrypt_setup(&op, aes, PSA_ALG_CTR), PSA_SUCCESS);
  static_assert(crypto::kOperationsPerClient == 4, "two of each kind fill a client's share");
  psa_aead_operation_t aead = PSA_AEAD_OPERATION_INIT;
  psa_hash_operation_t hash = PSA_HASH_OPERATION_INIT;
  psa_sign_hash_interruptible_operation_t sign = PSA_SIGN_HASH_INTERRUPTIBLE_OPERATION_INIT;
  EXPECT_EQ(psa_aead_encrypt_setup(&aead, aes, PSA_ALG_GCM), PSA_ERROR_INSUFFICIENT_MEMORY);
  EXPECT_EQ(psa_hash_setup(&hash, PSA_ALG_SHA_256), PSA_ERROR_INSUFFICIENT_MEMORY);
  EXPECT_EQ(psa_mac_sign_setup(&macs[0], hmac, PSA_ALG_HMAC(PSA_ALG_SHA_256)),
            PSA_ERROR_BAD_STATE);  // already active in the client
  EXPECT_EQ(crypto::operations_held(kAlice), crypto::kOperationsPerClient);
  const std::size_t alices = crypto::operations_in_use();

  // Bob gets his whole share.
  host::set_current_client(kBob);
  std::vector<psa_hash_operation_t> bobs(crypto::kOperationsPerClient, PSA_HASH_OPERATION_INIT);
  for (auto& op : bobs) ASSERT_EQ(psa_hash_setup(&op, PSA_ALG_SHA_256), PSA_SUCCESS);
  EXPECT_EQ(psa_sign_hash_start(&sign, 1, PSA_ALG_ECDSA(PSA_ALG_SHA_256), nullptr, 0), PSA_ERROR_INSUFFICIENT_MEMORY);
  for (auto& op : bobs) EXPECT_EQ(psa_hash_abort(&op), PSA_SUCCESS);

  // Alice's thread ends: everything it held is freed.
  crypto::release_client(kAlice);
  EXPECT_EQ(crypto::operations_in_use(), alices - crypto::kOperationsPerClient);
  EXPECT_EQ(crypto::operations_held(kAlice), 0u);
  host::set_current_client(kAlice);
  for (auto& op : macs) EXPECT_EQ(psa_mac_update(&op, kPlain.data(), 1), PSA_ERROR_BAD_STATE);  // stale now
}

// The non-secure kernel's share of the operation table (two TLS handshakes' operations), and one
// user thread's whole share still free beside it.
TEST_F(Multipart, TheKernelsShareOfOperationsLeavesOneClientsShare) {
  EXPECT_EQ(crypto::operations_allowed(kAlice), crypto::kOperationsPerClient);
  EXPECT_EQ(crypto::operations_allowed(kNonsecureKernel), crypto::kKernelOperations);
  host::set_current_client(kNonsecureKernel);
  std::vector<psa_hash_operation_t> kernel(crypto::kKernelOperations, PSA_HASH_OPERATION_INIT);
  for (auto& op : kernel) ASSERT_EQ(psa_hash_setup(&op, PSA_ALG_SHA_256), PSA_SUCCESS);
  psa_hash_operation_t more = PSA_HASH_OPERATION_INIT;
  EXPECT_EQ(psa_hash_setup(&more, PSA_ALG_SHA_256), PSA_ERROR_INSUFFICIENT_MEMORY);
  EXPECT_EQ(crypto::operations_held(kNonsecureKernel), crypto::kKernelOperations);

  host::set_current_client(kAlice);
  std::vector<psa_hash_operation_t> alice(crypto::kOperationsPerClient, PSA_HASH_OPERATION_INIT);
  for (auto& op : alice) ASSERT_EQ(psa_hash_setup(&op, PSA_ALG_SHA_256), PSA_SUCCESS);
  EXPECT_EQ(psa_hash_setup(&more, PSA_ALG_SHA_256), PSA_ERROR_INSUFFICIENT_MEMORY);
  for (auto& op : alice) EXPECT_EQ(psa_hash_abort(&op), PSA_SUCCESS);
  host::set_current_client(kNonsecureKernel);
  for (auto& op : kernel) EXPECT_EQ(psa_hash_abort(&op), PSA_SUCCESS);
  EXPECT_EQ(crypto::operations_in_use(), 0u);
}

}  // namespace
}  // namespace ward::secure::test
