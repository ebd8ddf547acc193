// The PSA attestation token (RFC 9783, profile "tag:psacertified.org,2023:psa#tfm"), encoded with
// tinycbor: the claims as a CBOR map, signed as a COSE_Sign1 with ES256 (docs/attestation.md, "Token
// layout"). This file knows the layout only; the key and the signature come through a Signer, so the
// host tests build tokens with the service's key and with keys of their own.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "ward/result.hpp"

namespace ward::secure::attest {

inline constexpr std::string_view kProfile = "tag:psacertified.org,2023:psa#tfm";

// Claim keys (RFC 9783, section 4; EAT's for nonce, ueid, bootseed and profile).
namespace claim {
inline constexpr std::int64_t kNonce = 10;
inline constexpr std::int64_t kInstanceId = 256;  // ueid
inline constexpr std::int64_t kProfile = 265;     // eat_profile
inline constexpr std::int64_t kBootSeed = 268;    // bootseed
inline constexpr std::int64_t kClientId = 2394;
inline constexpr std::int64_t kSecurityLifecycle = 2395;
inline constexpr std::int64_t kImplementationId = 2396;
inline constexpr std::int64_t kSoftwareComponents = 2399;
inline constexpr std::int64_t kVerificationService = 2400;
}  // namespace claim
// A software component's keys.
namespace component {
inline constexpr std::int64_t kType = 1;
inline constexpr std::int64_t kMeasurement = 2;
inline constexpr std::int64_t kVersion = 4;
inline constexpr std::int64_t kSignerId = 5;
inline constexpr std::int64_t kDescription = 6;  // the measurement's algorithm: "sha-256"
}  // namespace component

// COSE: the Sign1 tag, the protected header's alg label and ES256.
inline constexpr std::uint64_t kCoseSign1Tag = 18;
inline constexpr std::int64_t kCoseAlg = 1;
inline constexpr std::int64_t kCoseEs256 = -7;

// PSA security lifecycle states (RFC 9783, 4.3.1): the major state in bits 15..8.
inline constexpr std::uint16_t kLifecycleSecured = 0x3000;
inline constexpr std::uint16_t kLifecyclePsaRotProvisioning = 0x2000;

inline constexpr std::size_t kInstanceIdSize = 33;  // 0x01 (RAND type) || SHA-256 of the public key
inline constexpr std::size_t kHashSize = 32;
inline constexpr std::size_t kSignatureSize = 64;   // ES256: r || s
inline constexpr std::size_t kMaxText = 32;         // a component's type and version text

constexpr bool valid_challenge_size(std::size_t n) { return n == 32 || n == 48 || n == 64; }

struct SwComponent {
  std::array<char, kMaxText> type{};  // the boot record's component name ("SPE", "NSPE")
  std::size_t type_size = 0;
  std::array<char, kMaxText> version{};  // major.minor.revision+build
  std::size_t version_size = 0;
  std::array<std::uint8_t, kHashSize> measurement{};  // SHA-256 of the image's signed part
  std::array<std::uint8_t, kHashSize> signer_id{};    // SHA-256 of the verifying key

  std::string_view type_name() const { return {type.data(), type_size}; }
  std::string_view version_text() const { return {version.data(), version_size}; }
};

struct Claims {
  std::span<const std::uint8_t> nonce;
  std::int32_t client_id = 0;
  std::array<std::uint8_t, kInstanceIdSize> instance_id{};
  std::array<std::uint8_t, kHashSize> implementation_id{};
  std::array<std::uint8_t, kHashSize> boot_seed{};
  std::uint16_t lifecycle = 0;
  std::span<const SwComponent> components;
  std::string_view verification_service;
};

// Signs the COSE Sig_structure `tbs` (it hashes with SHA-256 itself): r || s, or false.
class Signer {
 public:
  virtual bool sign(std::span<const std::uint8_t> tbs, std::array<std::uint8_t, kSignatureSize>& signature) = 0;

 protected:
  ~Signer() = default;
};

enum class Error : std::uint8_t {
  too_small = 1,  // the output (or the payload scratch) cannot hold it
  bad_claims,     // a challenge size the profile does not allow, no software component
  signing,        // the signer failed
};
template <class T>
using Result = base::Result<T, Error>;

// The largest payload make_token needs scratch for.
inline constexpr std::size_t kMaxPayload = 768;

// The token's size for these claims (the signature's size is fixed), without signing.
Result<std::size_t> token_size(const Claims& claims);

// The signed token into `out`; `scratch` holds the payload meanwhile (kMaxPayload is enough for every
// claim set the service makes). Returns the token's size. Nothing is signed unless it fits.
Result<std::size_t> make_token(const Claims& claims, Signer& signer, std::span<std::uint8_t> out,
                               std::span<std::uint8_t> scratch);

}  // namespace ward::secure::attest
