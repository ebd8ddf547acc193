// HMAC-SHA-256 and HKDF-SHA-256 (RFC 2104, RFC 5869) on Mbed TLS's SHA-256 alone, for the secure
// side's own keys: storage's keys and record MACs, the DRBG's first seed, the attestation key
// (secure/crypto/src/kdf.cpp, built into ward_mbedtls_spe). One implementation for all of them,
// without Mbed TLS's message-digest layer and HKDF module, which the medium profile does not build
// (docs/secure-world.md, "Profiles"). Neither allocates, so both work before the heap is set up.
#pragma once
#include <array>
#include <cstddef>
#include <initializer_list>
#include <span>

namespace ward::secure::crypto {

using Sha256Digest = std::array<std::byte, 32>;

// HMAC-SHA-256 of the concatenation of `parts`.
Sha256Digest hmac_sha256(std::span<const std::byte> key, std::initializer_list<std::span<const std::byte>> parts);

// HKDF-SHA-256 with no salt (HashLen zeros): `out` (at most 255 * 32 bytes) from `ikm` and `info`.
void hkdf_sha256(std::span<const std::byte> ikm, std::span<const std::byte> info, std::span<std::byte> out);

}  // namespace ward::secure::crypto
