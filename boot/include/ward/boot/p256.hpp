// ECDSA P-256 signature verification for the bootloader, written for speed (docs/boot.md): fixed
// 8 x 32-bit limbs, Montgomery multiplication whose inner step is one 32x32+32+32 -> 64-bit
// multiply-accumulate (UMAAL on Cortex-M33), Jacobian coordinates, and Shamir's trick with 4-bit
// windows for u1*G + u2*Q. Verification handles only public data, so the code is not constant-time
// (it is not used for anything secret).
//
// Checks (SEC 1 v2, 4.1.4): the public key is a point on the curve with coordinates below p; r and
// s are in [1, n-1]; the sum is not the point at infinity; its x coordinate is r modulo n.
#pragma once
#include <array>
#include <cstdint>

namespace ward::boot::p256 {

// pub: X || Y, sig: r || s, hash: SHA-256 digest (all big-endian). True only for a valid signature.
bool verify(const std::array<std::uint8_t, 64>& pub, const std::array<std::uint8_t, 32>& hash,
            const std::array<std::uint8_t, 64>& sig);

// True if X || Y is a point of P-256 (coordinates reduced, on the curve).
bool valid_public_key(const std::array<std::uint8_t, 64>& pub);

}  // namespace ward::boot::p256
