// NIST P-256 (secp256r1), Ward's one implementation: the bootloader verifies images with it and the
// secure image serves PSA Crypto's ECDSA and ECDH on it (secure/crypto/src/p256_driver.cpp, a
// transparent driver under Mbed TLS). docs/boot.md and docs/secure-world.md have the figures.
//
// Field elements are 8 fixed 32-bit limbs in Montgomery form; the Montgomery product's inner step
// is one 32x32+32+32 -> 64-bit multiply-accumulate (UMAAL on Cortex-M33).
//
// Two kinds of code, kept apart:
// - verify() and valid_public_key() handle only public data and are written for speed (Jacobian
//   coordinates, Shamir's trick with 4-bit windows, early exits): not constant-time.
// - Everything that takes a private key or a nonce (public_key, ecdh, sign) is constant-time in
//   the secret: field arithmetic without data-dependent branches (masks instead of conditional
//   subtractions), a fixed 4-bit window whose table entry is read by scanning every entry with a
//   mask, and complete addition formulas (Renes, Costello, Batina 2016, a = -3), so no secret
//   decides a branch or a memory index. Only what is public anyway decides anything (a result
//   that is the point at infinity, r or s = 0: values the caller learns from the result).
//
// Checks (SEC 1 v2, 4.1.4): a public key is a point on the curve with coordinates below p; a
// private key or nonce is in [1, n-1]; r and s are in [1, n-1]; the verify sum is not the point at
// infinity; its x coordinate is r modulo n. All byte strings are big-endian.
#pragma once
#include <array>
#include <cstdint>
#include <span>

namespace ward::p256 {

using Scalar = std::array<std::uint8_t, 32>;     // a number below n (private key, nonce)
using PublicKey = std::array<std::uint8_t, 64>;  // X || Y, the uncompressed point without its 0x04
using Signature = std::array<std::uint8_t, 64>;  // r || s
using Digest = std::array<std::uint8_t, 32>;     // a hash reduced to 256 bits (hash_to_digest)

// pub: X || Y, sig: r || s, hash: SHA-256 digest. True only for a valid signature.
bool verify(const PublicKey& pub, const Digest& hash, const Signature& sig);

// True if X || Y is a point of P-256 (coordinates reduced, on the curve).
bool valid_public_key(const PublicKey& pub);

// SEC 1's bits2int for P-256: the leftmost 256 bits of a hash of any length, as a 32-byte number
// (a shorter hash is its own value, so it is padded on the left). Reduction modulo n is verify's
// and sign's.
Digest hash_to_digest(std::span<const std::uint8_t> hash);

// True if 1 <= d <= n-1 (a usable private key or nonce). Constant-time.
bool valid_private_key(const Scalar& d);

// A private key from 48 uniformly random bytes (FIPS 186-5, A.2.1: key pair generation using
// extra random bits): d = (c mod (n-1)) + 1, so d is in [1, n-1] and the 128 extra bits keep its
// bias below 2^-128. For a key derived from a secret (the attestation key from the hardware-unique
// key, HKDF's output as c). Constant-time in c.
inline constexpr std::size_t kWideScalarSize = 48;
void private_key_from_wide(const std::array<std::uint8_t, kWideScalarSize>& c, Scalar& d);

// pub = d * G. False (pub untouched) if d is not a valid private key. Constant-time in d.
bool public_key(const Scalar& d, PublicKey& pub);

// shared = x(d * peer). False if d is not a valid private key or peer not a point of the curve.
// Constant-time in d.
bool ecdh(const Scalar& d, const PublicKey& peer, std::array<std::uint8_t, 32>& shared);

// verify() for the holder of the private key d (Q = d G): u1 G + u2 Q is (u1 + u2 d) G, one
// multiplication instead of d G and then verify's two. Constant-time in d.
bool verify_with_private_key(const Scalar& d, const Digest& hash, const Signature& sig);

// ECDSA signature of `hash` with private key d and nonce k (both in [1, n-1]; k secret, random,
// never used twice: the caller draws it). False if d or k is invalid, or if r or s came out 0
// (probability about 2^-256): the caller draws another k. Constant-time in d and k.
bool sign(const Scalar& d, const Digest& hash, const Scalar& k, Signature& sig);

}  // namespace ward::p256
