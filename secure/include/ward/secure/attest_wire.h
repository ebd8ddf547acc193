/* WARD_SERVICE_ATTEST's requests (psa/initial_attestation.h over ward_psa_call).
 *
 *   WARD_ATTEST_GET_TOKEN       in[0]  the challenge (32, 48 or 64 bytes)
 *                               out[0] the token (written length = the token's size)
 *   WARD_ATTEST_GET_TOKEN_SIZE  in[0]  uint32_t challenge size
 *                               out[0] uint32_t token size
 * Exactly one vector each way; anything else is PSA_ERROR_INVALID_ARGUMENT. Plain C. */
#ifndef WARD_SECURE_ATTEST_WIRE_H
#define WARD_SECURE_ATTEST_WIRE_H

#define WARD_ATTEST_GET_TOKEN (1)
#define WARD_ATTEST_GET_TOKEN_SIZE (2)

#endif /* WARD_SECURE_ATTEST_WIRE_H */
