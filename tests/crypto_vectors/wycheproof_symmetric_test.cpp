// Wycheproof AEAD (AES-GCM, AES-CCM, ChaCha20-Poly1305), HMAC-SHA-224/256/384, AES-CMAC,
// HKDF-SHA-256/384 and AES-CBC-PKCS#7 vectors through the PSA Crypto API: psa_aead_encrypt/decrypt,
// psa_mac_compute/verify and the multi-part MAC, psa_key_derivation_*, psa_cipher_*.
//
// Verdicts (these files have no "acceptable" vectors; one would fail the test, as undecided):
// - "valid": encryption gives exactly ct || tag, decryption exactly msg; the MAC is exactly the
//   tag and verifies; HKDF outputs exactly okm.
// - "invalid": decryption / MAC verification / derivation is refused. Where the vector is invalid
//   because of its parameters (nonce or tag size, output length) and not a modified tag, the
//   other direction (encryption) must be refused too: an AEAD must not produce ciphertexts under
//   parameters it would refuse to open.
// Every key size, nonce size and tag size in these files is one Ward's configuration offers, so
// nothing is counted as "not supported" here. (AES-CMAC's invalid key sizes must be refused at
// import: counted as rejected.)
#include <algorithm>
#include <string>

#include "vectors.hpp"

namespace ward::test::vectors {
namespace {

class WycheproofSymmetric : public PsaTest {};

bool same(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

std::string test_id(const char* file, const nlohmann::json& t) {
  return std::string(file) + " tcId " + std::to_string(t.value("tcId", -1)) + " (" +
         t.value("comment", "") + ")";
}

// --- AEAD ---------------------------------------------------------------------------------------

struct AeadFile {
  const char* name;
  psa_key_type_t key_type;
  psa_algorithm_t base_alg;  // the algorithm with its default (16-byte) tag
};

Outcome aead_one(const AeadFile& spec, const nlohmann::json& group, const nlohmann::json& t) {
  const std::string id = test_id(spec.name, t);
  const auto expect = expectation(t);
  const auto key_bytes = hex_field(t, "key");
  const auto iv = hex_field(t, "iv");
  const auto aad = hex_field(t, "aad");
  const auto msg = hex_field(t, "msg");
  const auto ct = hex_field(t, "ct");
  const auto tag = hex_field(t, "tag");
  const auto tag_bits = num(group, "tagSize");
  if (!expect || !key_bytes || !iv || !aad || !msg || !ct || !tag || !tag_bits) {
    ADD_FAILURE() << id << ": malformed test";
    return Outcome::failed;
  }
  // Some invalid vectors carry a tag of another length than the group's tagSize; the PSA
  // algorithm follows the tag actually given.
  const std::size_t tag_len = tag->size();
  EXPECT_TRUE(tag_len * 8 == static_cast<std::size_t>(*tag_bits) || *expect == Expect::invalid) << id;
  const psa_algorithm_t alg = tag_len == 16 ? spec.base_alg
                                            : PSA_ALG_AEAD_WITH_SHORTENED_TAG(spec.base_alg, tag_len);

  Key key;
  const psa_status_t imported = key.import(
      key_attributes(spec.key_type, key_bytes->size() * 8, PSA_KEY_USAGE_ENCRYPT | PSA_KEY_USAGE_DECRYPT,
                     alg),
      *key_bytes);

  Bytes sealed(*ct);  // ct || tag: PSA's ciphertext format
  sealed.insert(sealed.end(), tag->begin(), tag->end());

  if (*expect == Expect::valid) {
    if (imported != PSA_SUCCESS) {
      ADD_FAILURE() << id << ": key import failed with " << imported;
      return Outcome::failed;
    }
    Bytes out(sealed.size());
    std::size_t out_len = 0;
    const psa_status_t enc = psa_aead_encrypt(key.id(), alg, ptr(*iv), iv->size(), ptr(*aad), aad->size(),
                                              ptr(*msg), msg->size(), ptr(out), out.size(), &out_len);
    Bytes plain(msg->size());
    std::size_t plain_len = 0;
    const psa_status_t dec = psa_aead_decrypt(key.id(), alg, ptr(*iv), iv->size(), ptr(*aad), aad->size(),
                                              ptr(sealed), sealed.size(), ptr(plain), plain.size(), &plain_len);
    const bool enc_ok = enc == PSA_SUCCESS && same(std::span{out}.first(out_len), sealed);
    const bool dec_ok = dec == PSA_SUCCESS && same(std::span{plain}.first(plain_len), *msg);
    if (enc_ok && dec_ok) return Outcome::valid_passed;
    ADD_FAILURE() << id << ": encrypt " << enc << (enc_ok ? " ok" : " WRONG") << ", decrypt " << dec
                  << (dec_ok ? " ok" : " WRONG");
    return Outcome::failed;
  }
  if (*expect != Expect::invalid) {
    ADD_FAILURE() << id << ": 'acceptable' vector in an AEAD file: decide its policy first";
    return Outcome::failed;
  }
  if (imported != PSA_SUCCESS) {
    // The key with this (tag size) policy cannot even exist: refused by PSA.
    return Outcome::invalid_rejected;
  }
  // Decryption must fail and must not claim any plaintext.
  Bytes plain(ct->size());
  std::size_t plain_len = 0;
  const psa_status_t dec = psa_aead_decrypt(key.id(), alg, ptr(*iv), iv->size(), ptr(*aad), aad->size(),
                                            ptr(sealed), sealed.size(), ptr(plain), plain.size(), &plain_len);
  if (!refused(dec)) {
    ADD_FAILURE() << id << ": INVALID CIPHERTEXT DECRYPTED";
    return Outcome::failed;
  }
  EXPECT_EQ(plain_len, 0u) << id;
  const bool bad_parameters = has_flag(t, "InvalidNonceSize") || has_flag(t, "ZeroLengthIv") ||
                              has_flag(t, "InvalidTagSize") || has_flag(t, "InsecureTagSize");
  if (bad_parameters) {
    Bytes out(msg->size() + tag_len);
    std::size_t out_len = 0;
    const psa_status_t enc = psa_aead_encrypt(key.id(), alg, ptr(*iv), iv->size(), ptr(*aad), aad->size(),
                                              ptr(*msg), msg->size(), ptr(out), out.size(), &out_len);
    if (!refused(enc)) {
      ADD_FAILURE() << id << ": encryption accepted parameters that decryption refuses";
      return Outcome::failed;
    }
  }
  return Outcome::invalid_rejected;
}

void run_aead(const AeadFile& spec) {
  const File file = load(spec.name);
  ASSERT_TRUE(file.ok) << file.error;
  Tally tally(spec.name);
  for (const auto& group : file.doc["testGroups"]) {
    for (const auto& t : group["tests"]) {
      tally.add(aead_one(spec, group, t));
    }
  }
  tally.check(file.declared_tests);
}

TEST_F(WycheproofSymmetric, AesGcm) { run_aead({"aes_gcm_test.json", PSA_KEY_TYPE_AES, PSA_ALG_GCM}); }
TEST_F(WycheproofSymmetric, AesCcm) { run_aead({"aes_ccm_test.json", PSA_KEY_TYPE_AES, PSA_ALG_CCM}); }
TEST_F(WycheproofSymmetric, ChaCha20Poly1305) {
  run_aead({"chacha20_poly1305_test.json", PSA_KEY_TYPE_CHACHA20, PSA_ALG_CHACHA20_POLY1305});
}

// --- HMAC-SHA-256 -------------------------------------------------------------------------------

void run_mac(const char* kName, psa_key_type_t key_type, psa_algorithm_t full_alg) {
  const File file = load(kName);
  ASSERT_TRUE(file.ok) << file.error;
  Tally tally(kName);
  for (const auto& group : file.doc["testGroups"]) {
    const auto tag_bits = num(group, "tagSize");
    for (const auto& t : group["tests"]) {
      const std::string id = test_id(kName, t);
      const auto expect = expectation(t);
      const auto key_bytes = hex_field(t, "key");
      const auto msg = hex_field(t, "msg");
      const auto tag = hex_field(t, "tag");
      if (expect && key_bytes && has_flag(t, "InvalidKeySize")) {
        // A key size the algorithm does not have (AES-CMAC): refused at import.
        Key key;
        const psa_status_t imported =
            key.import(key_attributes(key_type, key_bytes->size() * 8, PSA_KEY_USAGE_VERIFY_MESSAGE, full_alg),
                       *key_bytes);
        if (*expect == Expect::invalid && refused(imported)) {
          tally.add(Outcome::invalid_rejected);
        } else {
          ADD_FAILURE() << id << ": INVALID KEY SIZE ACCEPTED";
          tally.add(Outcome::failed);
        }
        continue;
      }
      if (!expect || !key_bytes || !msg || !tag || !tag_bits ||
          static_cast<std::size_t>(*tag_bits) != tag->size() * 8 || *expect == Expect::acceptable) {
        ADD_FAILURE() << id << ": malformed test";
        tally.add(Outcome::failed);
        continue;
      }
      const std::size_t full = PSA_MAC_LENGTH(key_type, 0, full_alg);
      const psa_algorithm_t alg = tag->size() == full ? full_alg : PSA_ALG_TRUNCATED_MAC(full_alg, tag->size());
      Key key;
      const psa_status_t imported = key.import(
          key_attributes(key_type, key_bytes->size() * 8,
                         PSA_KEY_USAGE_SIGN_MESSAGE | PSA_KEY_USAGE_VERIFY_MESSAGE, alg),
          *key_bytes);
      if (imported != PSA_SUCCESS) {
        ADD_FAILURE() << id << ": key import failed with " << imported;
        tally.add(Outcome::failed);
        continue;
      }
      // One-shot, and multi-part in two pieces (the secure side keeps the operation): both must agree.
      const psa_status_t verified =
          psa_mac_verify(key.id(), alg, ptr(*msg), msg->size(), tag->data(), tag->size());
      psa_mac_operation_t op = psa_mac_operation_init();
      psa_status_t parts = psa_mac_verify_setup(&op, key.id(), alg);
      const std::size_t half = msg->size() / 2;
      if (parts == PSA_SUCCESS) parts = psa_mac_update(&op, ptr(*msg), half);
      if (parts == PSA_SUCCESS) parts = psa_mac_update(&op, ptr(*msg) + half, msg->size() - half);
      if (parts == PSA_SUCCESS) parts = psa_mac_verify_finish(&op, tag->data(), tag->size());
      EXPECT_EQ(psa_mac_abort(&op), PSA_SUCCESS);
      if (parts != verified) {
        ADD_FAILURE() << id << ": one-shot verify " << verified << ", multi-part " << parts;
        tally.add(Outcome::failed);
        continue;
      }
      if (*expect == Expect::invalid) {
        if (refused(verified)) {
          EXPECT_EQ(verified, PSA_ERROR_INVALID_SIGNATURE) << id;
          tally.add(Outcome::invalid_rejected);
        } else {
          ADD_FAILURE() << id << ": MODIFIED TAG VERIFIED";
          tally.add(Outcome::failed);
        }
        continue;
      }
      Bytes mac(tag->size());
      std::size_t mac_len = 0;
      const psa_status_t computed =
          psa_mac_compute(key.id(), alg, ptr(*msg), msg->size(), mac.data(), mac.size(), &mac_len);
      const bool ok = verified == PSA_SUCCESS && computed == PSA_SUCCESS &&
                      same(std::span{mac}.first(mac_len), *tag);
      if (!ok) {
        ADD_FAILURE() << id << ": verify " << verified << ", compute " << computed << " -> "
                      << hex(std::span{mac}.first(mac_len)) << ", expected " << hex(*tag);
      }
      tally.add(ok ? Outcome::valid_passed : Outcome::failed);
    }
  }
  tally.check(file.declared_tests);
}

TEST_F(WycheproofSymmetric, HmacSha256) { run_mac("hmac_sha256_test.json", PSA_KEY_TYPE_HMAC, PSA_ALG_HMAC(PSA_ALG_SHA_256)); }
TEST_F(WycheproofSymmetric, HmacSha224) { run_mac("hmac_sha224_test.json", PSA_KEY_TYPE_HMAC, PSA_ALG_HMAC(PSA_ALG_SHA_224)); }
TEST_F(WycheproofSymmetric, HmacSha384) { run_mac("hmac_sha384_test.json", PSA_KEY_TYPE_HMAC, PSA_ALG_HMAC(PSA_ALG_SHA_384)); }
TEST_F(WycheproofSymmetric, AesCmac) { run_mac("aes_cmac_test.json", PSA_KEY_TYPE_AES, PSA_ALG_CMAC); }

// --- HKDF ---------------------------------------------------------------------------------------

// Runs HKDF-SHA-256 and reads `size` bytes of output in chunks (first one byte, then at most
// kMaxIoChunk), so the streaming of the output is exercised too. The secret goes in as raw bytes,
// or as an imported DERIVE key (how Ward's opaque keys are used). Returns the first failing status,
// or PSA_SUCCESS with `out` filled.
psa_status_t hkdf(psa_algorithm_t alg, const Bytes& ikm, const Bytes& salt, const Bytes& info, std::size_t size,
                  bool secret_as_key, Bytes& out) {
  Key key;
  if (secret_as_key) {
    const psa_status_t s =
        key.import(key_attributes(PSA_KEY_TYPE_DERIVE, ikm.size() * 8, PSA_KEY_USAGE_DERIVE, alg), ikm);
    if (s != PSA_SUCCESS) return s;
  }
  psa_key_derivation_operation_t op = psa_key_derivation_operation_init();
  psa_status_t s = psa_key_derivation_setup(&op, alg);
  if (s == PSA_SUCCESS) {
    s = psa_key_derivation_input_bytes(&op, PSA_KEY_DERIVATION_INPUT_SALT, ptr(salt), salt.size());
  }
  if (s == PSA_SUCCESS) {
    s = secret_as_key
            ? psa_key_derivation_input_key(&op, PSA_KEY_DERIVATION_INPUT_SECRET, key.id())
            : psa_key_derivation_input_bytes(&op, PSA_KEY_DERIVATION_INPUT_SECRET, ptr(ikm), ikm.size());
  }
  if (s == PSA_SUCCESS) {
    s = psa_key_derivation_input_bytes(&op, PSA_KEY_DERIVATION_INPUT_INFO, ptr(info), info.size());
  }
  out.assign(size, 0);
  for (std::size_t done = 0; s == PSA_SUCCESS && done < size;) {
    const std::size_t n = done == 0 ? 1 : std::min(kMaxIoChunk, size - done);
    s = psa_key_derivation_output_bytes(&op, out.data() + done, n);
    done += n;
  }
  EXPECT_EQ(psa_key_derivation_abort(&op), PSA_SUCCESS);
  return s;
}

void run_hkdf(const char* kName, psa_algorithm_t alg) {
  const File file = load(kName);
  ASSERT_TRUE(file.ok) << file.error;
  Tally tally(kName);
  for (const auto& group : file.doc["testGroups"]) {
    for (const auto& t : group["tests"]) {
      const std::string id = test_id(kName, t);
      const auto expect = expectation(t);
      const auto ikm = hex_field(t, "ikm");
      const auto salt = hex_field(t, "salt");
      const auto info = hex_field(t, "info");
      const auto okm = hex_field(t, "okm");
      const auto size = num(t, "size");
      if (!expect || !ikm || !salt || !info || !okm || !size || *size < 0 ||
          *expect == Expect::acceptable) {
        ADD_FAILURE() << id << ": malformed test";
        tally.add(Outcome::failed);
        continue;
      }
      const auto n = static_cast<std::size_t>(*size);
      Bytes as_bytes;
      Bytes as_key;
      const psa_status_t s1 = hkdf(alg, *ikm, *salt, *info, n, false, as_bytes);
      const psa_status_t s2 = hkdf(alg, *ikm, *salt, *info, n, true, as_key);
      if (*expect == Expect::invalid) {
        // Too long an output (more than 255 blocks): the operation must run out of capacity,
        // and psa_key_derivation_set_capacity must refuse the size outright.
        psa_key_derivation_operation_t op = psa_key_derivation_operation_init();
        ASSERT_EQ(psa_key_derivation_setup(&op, alg), PSA_SUCCESS);
        const psa_status_t cap = psa_key_derivation_set_capacity(&op, n);
        EXPECT_EQ(psa_key_derivation_abort(&op), PSA_SUCCESS);
        if (refused(s1) && refused(s2) && refused(cap)) {
          EXPECT_EQ(s1, PSA_ERROR_INSUFFICIENT_DATA) << id;
          tally.add(Outcome::invalid_rejected);
        } else {
          ADD_FAILURE() << id << ": OUTPUT BEYOND HKDF'S LIMIT PRODUCED: " << s1 << ", " << s2 << ", " << cap;
          tally.add(Outcome::failed);
        }
        continue;
      }
      const bool ok = s1 == PSA_SUCCESS && s2 == PSA_SUCCESS && as_bytes == *okm && as_key == *okm;
      if (!ok) {
        ADD_FAILURE() << id << ": statuses " << s1 << ", " << s2 << "; got " << hex(as_bytes)
                      << " / " << hex(as_key) << ", expected " << hex(*okm);
      }
      tally.add(ok ? Outcome::valid_passed : Outcome::failed);
    }
  }
  tally.check(file.declared_tests);
}

TEST_F(WycheproofSymmetric, HkdfSha256) { run_hkdf("hkdf_sha256_test.json", PSA_ALG_HKDF(PSA_ALG_SHA_256)); }
TEST_F(WycheproofSymmetric, HkdfSha384) { run_hkdf("hkdf_sha384_test.json", PSA_ALG_HKDF(PSA_ALG_SHA_384)); }

// --- AES-CBC with PKCS#7 padding ------------------------------------------------------------------
//
// "valid": one-shot encryption under the vector's IV (multi-part: psa_cipher_set_iv) gives exactly
// ct, and one-shot decryption of iv || ct gives exactly msg. "invalid" (bad padding): decryption is
// refused, with PSA_ERROR_INVALID_PADDING (PSA_ERROR_INVALID_ARGUMENT for no whole blocks).
TEST_F(WycheproofSymmetric, AesCbcPkcs5) {
  constexpr const char* kName = "aes_cbc_pkcs5_test.json";
  const File file = load(kName);
  ASSERT_TRUE(file.ok) << file.error;
  Tally tally(kName);
  for (const auto& group : file.doc["testGroups"]) {
    for (const auto& t : group["tests"]) {
      const std::string id = test_id(kName, t);
      const auto expect = expectation(t);
      const auto key_bytes = hex_field(t, "key");
      const auto iv = hex_field(t, "iv");
      const auto msg = hex_field(t, "msg");
      const auto ct = hex_field(t, "ct");
      if (!expect || !key_bytes || !iv || !msg || !ct || *expect == Expect::acceptable) {
        ADD_FAILURE() << id << ": malformed test";
        tally.add(Outcome::failed);
        continue;
      }
      Key key;
      const psa_status_t imported = key.import(
          key_attributes(PSA_KEY_TYPE_AES, key_bytes->size() * 8, PSA_KEY_USAGE_ENCRYPT | PSA_KEY_USAGE_DECRYPT,
                         PSA_ALG_CBC_PKCS7),
          *key_bytes);
      if (imported != PSA_SUCCESS) {
        ADD_FAILURE() << id << ": key import failed with " << imported;
        tally.add(Outcome::failed);
        continue;
      }
      Bytes input(*iv);
      input.insert(input.end(), ct->begin(), ct->end());
      Bytes plain(ct->size() + 16);
      std::size_t plain_len = 0;
      const psa_status_t decrypted = psa_cipher_decrypt(key.id(), PSA_ALG_CBC_PKCS7, ptr(input), input.size(),
                                                        plain.data(), plain.size(), &plain_len);
      if (*expect == Expect::invalid) {
        if (refused(decrypted)) {
          // Bad padding; a ciphertext that is no whole number of blocks is no padding at all.
          const bool whole_blocks = !ct->empty() && ct->size() % 16 == 0;
          EXPECT_EQ(decrypted, whole_blocks ? PSA_ERROR_INVALID_PADDING : PSA_ERROR_INVALID_ARGUMENT) << id;
          tally.add(Outcome::invalid_rejected);
        } else {
          ADD_FAILURE() << id << ": BAD PADDING ACCEPTED";
          tally.add(Outcome::failed);
        }
        continue;
      }
      psa_cipher_operation_t op = psa_cipher_operation_init();
      Bytes sealed(msg->size() + 32);
      std::size_t n1 = 0;
      std::size_t n2 = 0;
      psa_status_t encrypted = psa_cipher_encrypt_setup(&op, key.id(), PSA_ALG_CBC_PKCS7);
      if (encrypted == PSA_SUCCESS) encrypted = psa_cipher_set_iv(&op, iv->data(), iv->size());
      if (encrypted == PSA_SUCCESS) {
        encrypted = psa_cipher_update(&op, ptr(*msg), msg->size(), sealed.data(), sealed.size(), &n1);
      }
      if (encrypted == PSA_SUCCESS) encrypted = psa_cipher_finish(&op, sealed.data() + n1, sealed.size() - n1, &n2);
      EXPECT_EQ(psa_cipher_abort(&op), PSA_SUCCESS);
      const bool ok = decrypted == PSA_SUCCESS && encrypted == PSA_SUCCESS &&
                      same(std::span{plain}.first(plain_len), *msg) && same(std::span{sealed}.first(n1 + n2), *ct);
      if (!ok) {
        ADD_FAILURE() << id << ": decrypt " << decrypted << ", encrypt " << encrypted;
      }
      tally.add(ok ? Outcome::valid_passed : Outcome::failed);
    }
  }
  tally.check(file.declared_tests);
}

}  // namespace
}  // namespace ward::test::vectors
