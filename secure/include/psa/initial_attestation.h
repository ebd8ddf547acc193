/* PSA Certified Attestation API 1.0/2.0 (psa/initial_attestation.h): the client view.
 *
 * psa_initial_attest_get_token returns a PSA attestation token (RFC 9783; profile
 * "tag:psacertified.org,2023:psa#tfm"): a COSE_Sign1 (ES256) over the claims, signed by the device's
 * initial attestation key, which exists only in the secure image (docs/attestation.md). The caller's
 * challenge becomes the token's nonce. Plain C: the client functions are C-compatible. */
#ifndef PSA_INITIAL_ATTESTATION_H
#define PSA_INITIAL_ATTESTATION_H

#include <stddef.h>
#include <stdint.h>

#include <psa/error.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PSA_INITIAL_ATTEST_API_VERSION_MAJOR 2
#define PSA_INITIAL_ATTEST_API_VERSION_MINOR 0

/* The challenge sizes a token can carry (bytes). */
#define PSA_INITIAL_ATTEST_CHALLENGE_SIZE_32 (32u)
#define PSA_INITIAL_ATTEST_CHALLENGE_SIZE_48 (48u)
#define PSA_INITIAL_ATTEST_CHALLENGE_SIZE_64 (64u)

/* The largest token this implementation returns (a 64-byte challenge, both images' measurements,
 * the longest verification-service URI the configuration allows). */
#define PSA_INITIAL_ATTEST_MAX_TOKEN_SIZE (1024u)

/* The token for `auth_challenge` into token_buf. PSA_ERROR_INVALID_ARGUMENT for a challenge size
 * other than 32, 48 or 64; PSA_ERROR_BUFFER_TOO_SMALL if token_buf_size cannot hold the token
 * (psa_initial_attest_get_token_size says how large it is). */
psa_status_t psa_initial_attest_get_token(const uint8_t* auth_challenge, size_t challenge_size, uint8_t* token_buf,
                                          size_t token_buf_size, size_t* token_size);

/* The size of the token for a challenge of challenge_size bytes. */
psa_status_t psa_initial_attest_get_token_size(size_t challenge_size, size_t* token_size);

#ifdef __cplusplus
}
#endif

#endif /* PSA_INITIAL_ATTESTATION_H */
