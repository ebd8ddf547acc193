// Wycheproof RSA signature vectors (PKCS#1 v1.5 and PSS, 2048-4096 bits: what certificate chains
// use) through the PSA Crypto API: each group's public key imported in its PKCS#1 form
// (publicKeyAsn, RSAPublicKey, the form psa_import_key takes), each signature through
// psa_verify_message and, over the message's hash, psa_verify_hash; both must agree.
//
// Verdicts: "valid" verifies; "invalid" is refused (PSA_ERROR_INVALID_SIGNATURE, or
// PSA_ERROR_INVALID_ARGUMENT for a signature of the wrong length); "acceptable" (legacy encodings
// of PKCS#1 v1.5 such as a DigestInfo without its NULL) may go either way, and is counted.
#include <string>

#include "vectors.hpp"

namespace ward::test::vectors {
namespace {

class WycheproofRsa : public PsaTest {};

struct RsaFile {
  const char* name;
  std::size_t bits;
  psa_algorithm_t hash;
  bool pss;  // PSS with MGF1 of the same hash and a salt of the hash's length
};

void run_rsa(const RsaFile& spec) {
  const File file = load(spec.name);
  ASSERT_TRUE(file.ok) << file.error;
  Tally tally(spec.name);
  const psa_algorithm_t alg = spec.pss ? PSA_ALG_RSA_PSS(spec.hash) : PSA_ALG_RSA_PKCS1V15_SIGN(spec.hash);
  for (const auto& group : file.doc["testGroups"]) {
    const auto& tests = group["tests"];
    const auto public_key = hex_field(group, "publicKeyAsn");
    const auto key_size = num(group, "keySize");
    Key key;
    const psa_status_t imported =
        public_key && key_size && static_cast<std::size_t>(*key_size) == spec.bits
            ? key.import(key_attributes(PSA_KEY_TYPE_RSA_PUBLIC_KEY, spec.bits,
                                        PSA_KEY_USAGE_VERIFY_MESSAGE | PSA_KEY_USAGE_VERIFY_HASH, alg),
                         *public_key)
            : PSA_ERROR_INVALID_ARGUMENT;
    if (imported != PSA_SUCCESS) {
      ADD_FAILURE() << spec.name << ": group key refused with " << imported;
      for (std::size_t i = 0; i < tests.size(); ++i) tally.add(Outcome::failed);
      continue;
    }
    for (const auto& t : tests) {
      const std::string id = std::string(spec.name) + " tcId " + std::to_string(t.value("tcId", -1)) + " (" +
                             t.value("comment", "") + ")";
      const auto expect = expectation(t);
      const auto msg = hex_field(t, "msg");
      const auto sig = hex_field(t, "sig");
      if (!expect || !msg || !sig) {
        ADD_FAILURE() << id << ": malformed test";
        tally.add(Outcome::failed);
        continue;
      }
      const psa_status_t by_message = psa_verify_message(key.id(), alg, ptr(*msg), msg->size(), ptr(*sig), sig->size());
      Bytes hash(PSA_HASH_LENGTH(spec.hash));
      std::size_t hash_len = 0;
      ASSERT_EQ(psa_hash_compute(spec.hash, ptr(*msg), msg->size(), hash.data(), hash.size(), &hash_len), PSA_SUCCESS);
      const psa_status_t by_hash = psa_verify_hash(key.id(), alg, hash.data(), hash_len, ptr(*sig), sig->size());
      if ((by_message == PSA_SUCCESS) != (by_hash == PSA_SUCCESS)) {
        ADD_FAILURE() << id << ": verify_message " << by_message << ", verify_hash " << by_hash;
        tally.add(Outcome::failed);
        continue;
      }
      switch (*expect) {
        case Expect::valid:
          if (by_message == PSA_SUCCESS) {
            tally.add(Outcome::valid_passed);
          } else {
            ADD_FAILURE() << id << ": valid signature refused with " << by_message;
            tally.add(Outcome::failed);
          }
          break;
        case Expect::invalid:
          if (refused(by_message)) {
            EXPECT_TRUE(by_message == PSA_ERROR_INVALID_SIGNATURE || by_message == PSA_ERROR_INVALID_ARGUMENT)
                << id << ": " << by_message;
            tally.add(Outcome::invalid_rejected);
          } else {
            ADD_FAILURE() << id << ": INVALID SIGNATURE VERIFIED";
            tally.add(Outcome::failed);
          }
          break;
        case Expect::acceptable:
          tally.add(by_message == PSA_SUCCESS ? Outcome::acceptable_accepted : Outcome::acceptable_rejected);
          break;
      }
    }
  }
  tally.check(file.declared_tests);
}

TEST_F(WycheproofRsa, Pkcs1v15Sha256Bits2048) {
  run_rsa({"rsa_signature_2048_sha256_test.json", 2048, PSA_ALG_SHA_256, false});
}
TEST_F(WycheproofRsa, Pkcs1v15Sha384Bits2048) {
  run_rsa({"rsa_signature_2048_sha384_test.json", 2048, PSA_ALG_SHA_384, false});
}
TEST_F(WycheproofRsa, Pkcs1v15Sha256Bits3072) {
  run_rsa({"rsa_signature_3072_sha256_test.json", 3072, PSA_ALG_SHA_256, false});
}
TEST_F(WycheproofRsa, Pkcs1v15Sha256Bits4096) {
  run_rsa({"rsa_signature_4096_sha256_test.json", 4096, PSA_ALG_SHA_256, false});
}
TEST_F(WycheproofRsa, PssSha256Bits2048) { run_rsa({"rsa_pss_2048_sha256_mgf1_32_test.json", 2048, PSA_ALG_SHA_256, true}); }
TEST_F(WycheproofRsa, PssSha256Bits3072) { run_rsa({"rsa_pss_3072_sha256_mgf1_32_test.json", 3072, PSA_ALG_SHA_256, true}); }
TEST_F(WycheproofRsa, PssSha256Bits4096) { run_rsa({"rsa_pss_4096_sha256_mgf1_32_test.json", 4096, PSA_ALG_SHA_256, true}); }

}  // namespace
}  // namespace ward::test::vectors
