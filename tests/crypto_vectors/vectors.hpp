// Shared scaffolding of the crypto vector tests (tests/crypto_vectors): loading a Wycheproof file,
// hex decoding, a key handle that is always destroyed, and the per-file tally that proves no vector
// was dropped.
//
// Everything here (and in the tests) uses only the standard PSA Crypto API (psa/crypto.h), so the
// same sources run against Mbed TLS directly today and through Ward's non-secure client library
// later (see CMakeLists.txt, WARD_CRYPTO_VECTORS_PSA).
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "psa/crypto.h"

namespace ward::test::vectors {

using Bytes = std::vector<std::uint8_t>;

// The largest buffer one test call hands the PSA API. Ward's secure transport copies at most 4 KiB
// in and 4 KiB out per call (docs: secure-world design), so bigger data is chunked (multi-part hash,
// key derivation output) exactly as a client of the secure side must do.
inline constexpr std::size_t kMaxIoChunk = 1024;

// Hex string -> bytes; nullopt on an odd length or a non-hex digit (the caller fails the test).
std::optional<Bytes> unhex(std::string_view hex);
std::string hex(std::span<const std::uint8_t> bytes);

// A pointer PSA may take for a buffer of `size` bytes: never null, even for an empty vector (a
// null pointer with length 0 is allowed by the API, but a transport need not accept it).
inline const std::uint8_t* ptr(const Bytes& b) {
  static constexpr std::uint8_t kEmpty = 0;
  return b.empty() ? &kEmpty : b.data();
}
inline std::uint8_t* ptr(Bytes& b) {
  static std::uint8_t empty_sink = 0;
  return b.empty() ? &empty_sink : b.data();
}

// A parsed Wycheproof file. `ok` is false (and `error` says why) when the file is missing,
// unreadable or not the expected JSON; the caller must ASSERT on it, so a missing file fails.
struct File {
  std::string name;
  nlohmann::json doc;
  bool ok = false;
  std::string error;
  // numberOfTests from the header, the count every run is checked against.
  std::size_t declared_tests = 0;
};

// Loads <WARD_WYCHEPROOF_DIR>/<name> (the directory is fixed at configure time; CMakeLists.txt
// refuses to configure without it).
File load(const std::string& name);

// Typed field access without exceptions (the host build has none): a missing or mistyped field
// gives nullopt and the caller fails the test with the tcId.
std::optional<std::string> str(const nlohmann::json& obj, const char* key);
std::optional<Bytes> hex_field(const nlohmann::json& obj, const char* key);
std::optional<std::int64_t> num(const nlohmann::json& obj, const char* key);
bool has_flag(const nlohmann::json& test, std::string_view flag);

// Wycheproof's verdict for one vector.
enum class Expect { valid, invalid, acceptable };
std::optional<Expect> expectation(const nlohmann::json& test);

// How the implementation treated one vector. Every vector of a file ends in exactly one bucket;
// Tally::check() compares the total with the file's numberOfTests.
enum class Outcome {
  valid_passed,         // "valid": succeeded with exactly the expected output
  invalid_rejected,     // "invalid": refused by the PSA API
  invalid_rejected_encoding,  // "invalid": refused before PSA, by the strict DER/SPKI decoding
                              // every caller of Ward's raw-format PSA API must do
  acceptable_accepted,  // "acceptable": succeeded, with the expected output
  acceptable_rejected,  // "acceptable": refused by PSA
  acceptable_rejected_encoding,  // "acceptable": refused by the strict decoding
  not_supported,        // parameters Ward's configuration leaves out, refused with
                        // PSA_ERROR_NOT_SUPPORTED / PSA_ERROR_INVALID_ARGUMENT
  failed,               // anything else: the test has already recorded a failure (keep last)
};
inline constexpr std::size_t kOutcomes = static_cast<std::size_t>(Outcome::failed) + 1;

class Tally {
 public:
  explicit Tally(std::string file) : file_(std::move(file)) {}
  void add(Outcome o) { ++counts_[static_cast<std::size_t>(o)]; }
  std::size_t count(Outcome o) const { return counts_[static_cast<std::size_t>(o)]; }
  std::size_t total() const;
  // Prints the per-file line to the test log and checks total == declared > 0 and failed == 0.
  void check(std::size_t declared) const;

 private:
  std::string file_;
  std::size_t counts_[kOutcomes] = {};
};

// A PSA key that is destroyed when the handle goes out of scope (the key store is small: 8 slots).
class Key {
 public:
  Key() = default;
  Key(const Key&) = delete;
  Key& operator=(const Key&) = delete;
  ~Key() { reset(); }
  // psa_import_key into this handle (any previous key is destroyed first).
  psa_status_t import(const psa_key_attributes_t& attributes, std::span<const std::uint8_t> data);
  psa_status_t generate(const psa_key_attributes_t& attributes);
  void reset();
  psa_key_id_t id() const { return id_; }

 private:
  psa_key_id_t id_ = PSA_KEY_ID_NULL;
};

psa_key_attributes_t key_attributes(psa_key_type_t type, std::size_t bits, psa_key_usage_t usage,
                                    psa_algorithm_t alg);

// Test fixture base: initialises PSA Crypto (standard psa_crypto_init, idempotent).
class PsaTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS); }
};

// A status that means "refused" for an invalid input: anything but success. Spelled out so a test
// reads as the rule it checks.
inline bool refused(psa_status_t s) { return s != PSA_SUCCESS; }
// PSA's answers for parameters an implementation does not offer.
inline bool unsupported_status(psa_status_t s) {
  return s == PSA_ERROR_NOT_SUPPORTED || s == PSA_ERROR_INVALID_ARGUMENT;
}

}  // namespace ward::test::vectors
