// ward-attest's verifier (docs/attestation.md, "Verifying"): decodes a PSA attestation token
// (RFC 9783, COSE_Sign1 with ES256) with libcbor, checks its signature with OpenSSL against the
// enrolled key, and its claims against what the verifier expects: the nonce it sent, the device's
// instance id, the implementation id, the lifecycle, and each software component against the
// reference values the build wrote for the images.
//
// decode() (decode.cpp) is the parser of outside data: strict (definite lengths only, no duplicate keys, no
// trailing bytes, every claim's type and size checked), and fuzzed (fuzz/fuzz_token.cpp).
#pragma once
#include <array>
#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/evp.h>

namespace ward::attest {

using Bytes = std::vector<std::uint8_t>;


struct Component {
  std::string type;
  std::string version;
  Bytes measurement;
  Bytes signer_id;
  std::string description;
};

struct Token {
  // COSE
  Bytes protected_header;
  Bytes payload;
  Bytes signature;
  // Claims
  std::string profile;
  Bytes nonce;
  Bytes instance_id;
  Bytes implementation_id;
  Bytes boot_seed;
  std::int64_t client_id = 0;
  std::uint64_t lifecycle = 0;
  std::vector<Component> components;
  std::string verification_service;
};

// The largest token decode() takes: four times the largest the device makes (1 KiB), and a bound
// on libcbor's nesting (it frees nested items recursively).
inline constexpr std::size_t kMaxTokenSize = 4096;

enum class Failure {
  none = 0,              // verified (decoded)
  malformed,             // not CBOR, trailing bytes, indefinite lengths, duplicate keys, wrong types
  not_sign1,             // not a tagged COSE_Sign1
  algorithm,             // the protected header is not {1: -7} (ES256)
  missing_claim,         // a claim the profile requires is absent
  bad_claim,             // a claim of the wrong size or value
  profile,               // not "tag:psacertified.org,2023:psa#tfm"
  signature,             // the signature does not verify with the enrolled key
  nonce,                 // not the nonce the verifier sent
  instance_id,           // not the enrolled device
  implementation_id,     // not the expected implementation
  lifecycle,             // not "secured" where the verifier requires it
  unknown_component,     // a component without reference values
  measurement,           // a component's measurement, signer or version differs from its reference
  missing_component,     // a reference value no component of the token matches
};
std::string_view to_string(Failure f);

// The COSE structure and the claims into `out`; no signature check. (Not std::expected: decode.cpp
// is also the libFuzzer target's, built with clang 14, which cannot compile libstdc++'s expected of
// a non-trivial type.)
[[nodiscard]] Failure decode(std::span<const std::uint8_t> token, Token& out);

// Reference values of one image (one line of a reference file: "type version measurement signer",
// the last two in hex), as `ward-attest reference` writes them.
struct Reference {
  std::string type;
  std::string version;
  Bytes measurement;
  Bytes signer_id;
};
std::expected<std::vector<Reference>, std::string> parse_references(std::string_view text);
std::string format_reference(const Reference& r);

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

struct Expected {
  EVP_PKEY* key = nullptr;  // the enrolled public key
  Bytes nonce;
  std::optional<Bytes> instance_id;        // the enrolled instance id; derived from `key` if not set
  std::optional<Bytes> implementation_id;  // checked when set
  bool require_secured = false;
  std::vector<Reference> references;      // every component must match one, and every one be matched
};

// decode(), then the signature and every expectation; Failure::none when the token is good.
[[nodiscard]] Failure verify(std::span<const std::uint8_t> token, const Expected& expected, Token& out);

// The initial attestation key the secure image derives from a hardware-unique key (HKDF-SHA-256,
// secure/attest/include/ward/secure/attest/service.hpp): the factory's enrolment, computed with
// OpenSSL, independently of the device's Mbed TLS.
std::expected<Pkey, std::string> derive_public_key(std::span<const std::uint8_t> huk);
// 0x01 || SHA-256 of the uncompressed public key.
Bytes instance_id(EVP_PKEY* key);

// Reference values from a signed image (ward-image's MCUboot format): SHA-256 of its signed part
// (what the bootloader measures) and the key hash TLV (the signer id).
std::expected<Reference, std::string> reference_from_image(std::span<const std::uint8_t> image, std::string type);

std::string hex(std::span<const std::uint8_t> b);
std::optional<Bytes> unhex(std::string_view s);

}  // namespace ward::attest
