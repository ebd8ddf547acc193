// PSA Initial Attestation, the secure side (psa/initial_attestation.h; docs/attestation.md).
//
// The initial attestation key (IAK) is an ECDSA P-256 key derived from the hardware-unique key
// (HKDF-SHA-256, info "ward attestation key v1", 48 bytes reduced into [1, n-1]): it exists only in
// the secure image, is the same at every boot, and is never stored. Its public key and the instance
// id (0x01 || SHA-256 of the uncompressed public key) are what a verifier enrols; the factory that
// provisions the HUK derives them too (ward-attest enrol).
#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include <psa/error.h>

#include "ward/secure/attest/token.hpp"
#include "ward/secure/identity.hpp"

namespace ward::secure::attest {

inline constexpr std::string_view kKeyInfo = "ward attestation key v1";
inline constexpr std::size_t kMaxComponents = 2;
inline constexpr std::size_t kMaxVerificationService = 128;

// What the build configures (Kconfig, secure/attest/Kconfig) and the boot measured.
struct Settings {
  std::array<std::uint8_t, kHashSize> implementation_id{};
  std::uint16_t lifecycle = 0;
  std::string_view verification_service;  // at most kMaxVerificationService bytes
};

// Before the first request: the claims that do not change during a boot. At most kMaxComponents
// components (more are refused: false); without any, every token request is PSA_ERROR_NOT_SUPPORTED
// (nothing measured, nothing to attest: an image not started by the chain bootloader).
bool configure(const Settings& settings, std::span<const SwComponent> components);

// The IAK's public key (0x04 || X || Y) and the instance id, derived on first use.
struct Identity {
  std::array<std::uint8_t, 65> public_key{};
  std::array<std::uint8_t, kInstanceIdSize> instance_id{};
};
psa_status_t identity(Identity& out);

}  // namespace ward::secure::attest
