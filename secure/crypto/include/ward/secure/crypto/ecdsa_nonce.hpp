// ECDSA nonces for the secure side's P-256 signatures (the PSA driver's, secure/crypto/src/
// p256_driver.cpp, and the attestation key's): hedged, not the random generator's output alone.
//
// The generator is seeded from storage only (no TRNG on the AN505; ward_spe_mbedtls_config.h,
// "Random"): whoever restores an earlier copy of the storage, or wipes it (the first boot's seed
// comes from the HUK), replays a boot's random stream. With plain random nonces two signatures of
// different digests by the same key would then share k, and the private key would follow from
// them. Mixing the key and the digest into the nonce (as draft-irtf-cfrg-det-sigs-with-noise does)
// keeps k secret and distinct per digest even then; with a working generator k stays random.
#pragma once
#include <psa/crypto.h>

#include "ward/p256/p256.hpp"

namespace ward::secure::crypto {

// k in [1, n-1] = HKDF-SHA-256(IKM = 32 random bytes || d, info = label || e), 48 bytes reduced
// mod n (p256::private_key_from_wide: bias below 2^-128). Fails only when the generator does.
[[nodiscard]] psa_status_t ecdsa_nonce(const p256::Scalar& d, const p256::Digest& e, p256::Scalar& k);

}  // namespace ward::secure::crypto
