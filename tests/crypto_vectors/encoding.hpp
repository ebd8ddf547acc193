// The two encodings the Wycheproof public-key files use and the PSA API does not: DER ECDSA
// signatures and DER SubjectPublicKeyInfo public keys. PSA takes raw r || s signatures and raw
// SEC 1 points, so a caller holding DER must decode it first; these decoders are deliberately
// strict (DER, not BER; named curve only) so that malformed encodings are refused here and every
// well-formed value reaches PSA.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "vectors.hpp"

namespace ward::test::vectors {

// DER Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } -> r || s, each left-padded to
// `scalar_bytes`. Refuses: long-form or non-minimal lengths, wrong tags, negative or
// non-minimally encoded integers, integers longer than `scalar_bytes`, trailing bytes. Does not
// range-check r and s (zero or >= n are PSA's to refuse).
std::optional<Bytes> ecdsa_der_to_raw(std::span<const std::uint8_t> der, std::size_t scalar_bytes);

// SubjectPublicKeyInfo of a P-256 key with the named curve (id-ecPublicKey, prime256v1), exactly
// as DER encodes it, with the BIT STRING holding a 65-byte uncompressed or 33-byte compressed SEC 1
// point -> that point. Anything else (explicit curve parameters, other curves, BER forms, unused
// bits, trailing data) is refused. Does not check that the point is on the curve (PSA's job).
std::optional<Bytes> p256_spki_point(std::span<const std::uint8_t> spki);
// The same for P-384 (id-ecPublicKey, secp384r1; 97- or 49-byte point).
std::optional<Bytes> p384_spki_point(std::span<const std::uint8_t> spki);

}  // namespace ward::test::vectors
