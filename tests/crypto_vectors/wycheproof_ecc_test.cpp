// Wycheproof ECDSA and ECDH vectors through the PSA Crypto API: psa_import_key,
// psa_verify_message, psa_hash_compute + psa_verify_hash, psa_raw_key_agreement.
//
// Verdicts:
// - "valid": verification / agreement succeeds (agreement with exactly the expected secret).
// - "invalid": refused, either by PSA or, for DER-encoded inputs, by the strict DER decoding that
//   must precede PSA's raw-format API (encoding.hpp); the log line counts the two separately.
// - "acceptable" (only in the ECDH file: compressed points, BER/odd ASN.1 in the key's encoding,
//   explicit curve parameters that happen to describe P-256): Ward's API takes only a raw SEC 1
//   point on its one curve, so refusing these is the intended answer; accepting is tolerated only
//   with exactly the expected shared secret. Either way it must not crash (ASan build).
// - Curves Ward's configuration leaves out (P-384): psa_import_key must answer NOT_SUPPORTED (or
//   INVALID_ARGUMENT); the vectors are counted as not supported. If the configuration ever enables
//   the curve, the test fails until kP384Enabled says so, and then runs every vector.
#include <string>

#include "encoding.hpp"
#include "vectors.hpp"

namespace ward::test::vectors {
namespace {

// The secure service's configuration (lib/crypto/config/ward_spe_algorithms.h) adds P-384.
constexpr bool kP384Enabled = true;

struct EcdsaFile {
  const char* name;
  const char* curve;     // group publicKey.curve
  const char* sha;       // group sha
  std::size_t bits;      // curve size
  psa_algorithm_t hash;  // PSA hash of the signature algorithm
  bool der;              // DER signatures (else IEEE P1363 r || s)
  bool supported;        // the configuration offers this curve
};

class WycheproofEcc : public PsaTest {};

// One signature through both verification entry points; both must agree.
Outcome verify_one(const EcdsaFile& spec, const Key& key, const nlohmann::json& t, Expect expect) {
  const auto msg = hex_field(t, "msg");
  const auto sig = hex_field(t, "sig");
  if (!msg || !sig) {
    ADD_FAILURE() << spec.name << " tcId " << t.value("tcId", -1) << ": malformed msg/sig";
    return Outcome::failed;
  }
  const psa_algorithm_t alg = PSA_ALG_ECDSA(spec.hash);
  const std::size_t scalar = PSA_BITS_TO_BYTES(spec.bits);

  std::optional<Bytes> raw = *sig;
  if (spec.der) {
    raw = ecdsa_der_to_raw(*sig, scalar);
  }
  if (!raw) {
    if (expect == Expect::valid) {
      ADD_FAILURE() << spec.name << " tcId " << t.value("tcId", -1)
                    << ": valid DER signature refused by the decoder: " << t.value("comment", "");
      return Outcome::failed;
    }
    return expect == Expect::invalid ? Outcome::invalid_rejected_encoding
                                     : Outcome::acceptable_rejected_encoding;
  }

  const psa_status_t by_message =
      psa_verify_message(key.id(), alg, ptr(*msg), msg->size(), ptr(*raw), raw->size());
  Bytes digest(PSA_HASH_LENGTH(spec.hash));
  std::size_t digest_len = 0;
  EXPECT_EQ(psa_hash_compute(spec.hash, ptr(*msg), msg->size(), digest.data(), digest.size(),
                             &digest_len),
            PSA_SUCCESS);
  const psa_status_t by_hash =
      psa_verify_hash(key.id(), alg, digest.data(), digest_len, ptr(*raw), raw->size());

  const bool accepted = by_message == PSA_SUCCESS && by_hash == PSA_SUCCESS;
  const bool rejected = refused(by_message) && refused(by_hash);
  const auto why = [&] {
    return std::string(spec.name) + " tcId " + std::to_string(t.value("tcId", -1)) + " (" +
           t.value("comment", "") + "): verify_message " + std::to_string(by_message) +
           ", verify_hash " + std::to_string(by_hash);
  };
  switch (expect) {
    case Expect::valid:
      if (accepted) return Outcome::valid_passed;
      ADD_FAILURE() << "valid signature not verified: " << why();
      return Outcome::failed;
    case Expect::invalid:
      if (rejected) return Outcome::invalid_rejected;
      ADD_FAILURE() << "INVALID SIGNATURE ACCEPTED: " << why();
      return Outcome::failed;
    case Expect::acceptable:
      if (accepted) return Outcome::acceptable_accepted;
      if (rejected) return Outcome::acceptable_rejected;
      ADD_FAILURE() << "the two verification paths disagree: " << why();
      return Outcome::failed;
  }
  return Outcome::failed;
}

void run_ecdsa(const EcdsaFile& spec) {
  const File file = load(spec.name);
  ASSERT_TRUE(file.ok) << file.error;
  Tally tally(spec.name);
  for (const auto& group : file.doc["testGroups"]) {
    const auto& tests = group["tests"];
    const auto point = group.contains("publicKey") ? hex_field(group["publicKey"], "uncompressed")
                                                   : std::nullopt;
    const bool header_ok = point && str(group, "sha") == spec.sha &&
                           str(group["publicKey"], "curve") == spec.curve;
    if (!header_ok) {
      ADD_FAILURE() << spec.name << ": a test group with an unexpected key, curve or hash";
      for (std::size_t i = 0; i < tests.size(); ++i) tally.add(Outcome::failed);
      continue;
    }
    Key key;
    const psa_status_t imported = key.import(
        key_attributes(PSA_KEY_TYPE_ECC_PUBLIC_KEY(PSA_ECC_FAMILY_SECP_R1), spec.bits,
                       PSA_KEY_USAGE_VERIFY_HASH | PSA_KEY_USAGE_VERIFY_MESSAGE,
                       PSA_ALG_ECDSA(spec.hash)),
        *point);
    if (!spec.supported) {
      // Not offered: the key must be refused as unsupported, never taken in.
      const bool as_expected = unsupported_status(imported);
      EXPECT_TRUE(as_expected) << spec.name << ": import of an unsupported curve's key returned "
                               << imported;
      for (const auto& t : tests) {
        EXPECT_TRUE(expectation(t).has_value()) << spec.name << ": test without a result";
        tally.add(as_expected ? Outcome::not_supported : Outcome::failed);
      }
      continue;
    }
    // Wycheproof's keys are all valid points (edge cases included): import must succeed.
    if (imported != PSA_SUCCESS) {
      ADD_FAILURE() << spec.name << ": public key " << str(group["publicKey"], "uncompressed").value_or("")
                    << " refused with " << imported;
      for (std::size_t i = 0; i < tests.size(); ++i) tally.add(Outcome::failed);
      continue;
    }
    for (const auto& t : tests) {
      const auto expect = expectation(t);
      if (!expect) {
        ADD_FAILURE() << spec.name << ": test without a result";
        tally.add(Outcome::failed);
        continue;
      }
      tally.add(verify_one(spec, key, t, *expect));
    }
  }
  tally.check(file.declared_tests);
}

TEST_F(WycheproofEcc, EcdsaP256Sha256Der) {
  run_ecdsa({"ecdsa_secp256r1_sha256_test.json", "secp256r1", "SHA-256", 256, PSA_ALG_SHA_256,
             /*der=*/true, /*supported=*/true});
}

TEST_F(WycheproofEcc, EcdsaP256Sha256P1363) {
  run_ecdsa({"ecdsa_secp256r1_sha256_p1363_test.json", "secp256r1", "SHA-256", 256,
             PSA_ALG_SHA_256, /*der=*/false, /*supported=*/true});
}

TEST_F(WycheproofEcc, EcdsaP384Sha384Der) {
  run_ecdsa({"ecdsa_secp384r1_sha384_test.json", "secp384r1", "SHA-384", 384, PSA_ALG_SHA_384,
             /*der=*/true, /*supported=*/kP384Enabled});
}

TEST_F(WycheproofEcc, EcdsaP384Sha384P1363) {
  run_ecdsa({"ecdsa_secp384r1_sha384_p1363_test.json", "secp384r1", "SHA-384", 384, PSA_ALG_SHA_384,
             /*der=*/false, /*supported=*/kP384Enabled});
}

// ECDH: our private scalar, the peer's SubjectPublicKeyInfo, the expected x-coordinate.
struct EcdhFile {
  const char* name;
  const char* curve;
  std::size_t bits;
  std::optional<Bytes> (*spki_point)(std::span<const std::uint8_t>);
};

void run_ecdh(const EcdhFile& spec) {
  const std::size_t scalar_bytes = PSA_BITS_TO_BYTES(spec.bits);
  const File file = load(spec.name);
  ASSERT_TRUE(file.ok) << file.error;
  Tally tally(spec.name);
  for (const auto& group : file.doc["testGroups"]) {
    const auto& tests = group["tests"];
    if (str(group, "curve") != spec.curve || str(group, "encoding") != "asn") {
      ADD_FAILURE() << spec.name << ": unexpected group curve or encoding";
      for (std::size_t i = 0; i < tests.size(); ++i) tally.add(Outcome::failed);
      continue;
    }
    for (const auto& t : tests) {
      const auto expect = expectation(t);
      const auto priv = hex_field(t, "private");
      const auto spki = hex_field(t, "public");
      const auto shared = hex_field(t, "shared");
      const std::string id = std::string(spec.name) + " tcId " + std::to_string(t.value("tcId", -1)) +
                             " (" + t.value("comment", "") + ")";
      if (!expect || !priv || !spki || !shared) {
        ADD_FAILURE() << id << ": malformed test";
        tally.add(Outcome::failed);
        continue;
      }
      // The private value is a big-endian integer, sometimes with a sign byte or fewer bytes than
      // the curve's; PSA wants exactly the curve's size.
      Bytes scalar(*priv);
      while (!scalar.empty() && scalar.front() == 0) scalar.erase(scalar.begin());
      if (scalar.size() > scalar_bytes) {
        ADD_FAILURE() << id << ": private value longer than the curve's scalar";
        tally.add(Outcome::failed);
        continue;
      }
      scalar.insert(scalar.begin(), scalar_bytes - scalar.size(), 0);
      Key key;
      // Every private scalar in the file is in [1, n-1]: import must succeed.
      const psa_status_t imported = key.import(
          key_attributes(PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1), spec.bits,
                         PSA_KEY_USAGE_DERIVE, PSA_ALG_ECDH),
          scalar);
      if (imported != PSA_SUCCESS) {
        ADD_FAILURE() << id << ": private key refused with " << imported;
        tally.add(Outcome::failed);
        continue;
      }
      const auto point = spec.spki_point(*spki);
      if (!point) {
        if (*expect == Expect::valid) {
          ADD_FAILURE() << id << ": valid public key refused by the SPKI decoding";
          tally.add(Outcome::failed);
        } else {
          tally.add(*expect == Expect::invalid ? Outcome::invalid_rejected_encoding
                                               : Outcome::acceptable_rejected_encoding);
        }
        continue;
      }
      Bytes out(PSA_RAW_KEY_AGREEMENT_OUTPUT_SIZE(PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1), spec.bits));
      std::size_t out_len = 0;
      const psa_status_t s = psa_raw_key_agreement(PSA_ALG_ECDH, key.id(), point->data(),
                                                   point->size(), out.data(), out.size(), &out_len);
      const bool correct = s == PSA_SUCCESS && out_len == shared->size() &&
                           std::equal(shared->begin(), shared->end(), out.begin());
      if (s == PSA_SUCCESS && !correct) {
        // Whatever the verdict, a computed secret must be the right one.
        ADD_FAILURE() << id << ": WRONG SHARED SECRET " << hex(std::span{out}.first(out_len))
                      << ", expected " << hex(*shared);
        tally.add(Outcome::failed);
        continue;
      }
      switch (*expect) {
        case Expect::valid:
          if (correct) {
            tally.add(Outcome::valid_passed);
          } else {
            ADD_FAILURE() << id << ": valid agreement failed with " << s;
            tally.add(Outcome::failed);
          }
          break;
        case Expect::invalid:
          if (refused(s)) {
            tally.add(Outcome::invalid_rejected);
          } else {
            ADD_FAILURE() << id << ": INVALID PUBLIC KEY ACCEPTED";
            tally.add(Outcome::failed);
          }
          break;
        case Expect::acceptable:
          tally.add(correct ? Outcome::acceptable_accepted : Outcome::acceptable_rejected);
          break;
      }
    }
  }
  tally.check(file.declared_tests);
}

TEST_F(WycheproofEcc, EcdhP256) { run_ecdh({"ecdh_secp256r1_test.json", "secp256r1", 256, p256_spki_point}); }

TEST_F(WycheproofEcc, EcdhP384) { run_ecdh({"ecdh_secp384r1_test.json", "secp384r1", 384, p384_spki_point}); }

}  // namespace
}  // namespace ward::test::vectors
