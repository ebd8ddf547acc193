/* The secure image's `medium` profile (CONFIG_WARD_SECURE_PROFILE_MEDIUM; docs/secure-world.md,
 * "Profiles"): TF-M Profile Medium's algorithms and nothing else, for a secure image within 64 KiB
 * of ROM and 32 KiB of RAM. Included by ward_spe_mbedtls_config.h when WARD_SPE_PROFILE_MEDIUM is
 * defined (the ward_mbedtls_spe_medium library and every secure library built on it).
 *
 * Unlike the full profile, whose PSA_WANT_* set Mbed TLS derives from legacy modules, this one
 * states the PSA set (MBEDTLS_PSA_CRYPTO_CONFIG, ward_spe_medium_psa_config.h) and lets Mbed TLS
 * build only what that set needs without a driver: with the P-256 driver (lib/p256, enabled for
 * every profile in ward_spe_mbedtls_config.h) covering ECDSA, ECDH and the P-256 key types, no
 * bignum and no ECP code is compiled at all. What the set leaves out (RSA, P-384, deterministic
 * and interruptible ECDSA, SHA-224/384/512, AES-CBC/CTR/ECB, CMAC, ChaCha20-Poly1305 through PSA,
 * ECC keys derived from a KDF) answers PSA_ERROR_NOT_SUPPORTED at run time.
 *
 * C comments only: read by Mbed TLS's C sources. */
#ifndef WARD_SPE_MEDIUM_CONFIG_H
#define WARD_SPE_MEDIUM_CONFIG_H

#include "ward_mbedtls_base_config.h"

#define MBEDTLS_PSA_CRYPTO_CONFIG
#define MBEDTLS_PSA_CRYPTO_CONFIG_FILE "ward_spe_medium_psa_config.h"

/* Legacy modules the secure side's own code calls directly, not through PSA: SHA-256 (image
 * digests, the attestation token, storage, and the secure side's HMAC/HKDF-SHA-256,
 * secure/crypto/src/kdf.cpp, for storage's keys, the attestation key and the DRBG's first seed from
 * the HUK: so neither the message-digest layer nor the HKDF module is built), AES (storage).
 * Secure storage encrypts with AES-256-GCM here (secure/storage/src/crypto.cpp), which the PSA
 * core builds anyway, not with the full profile's ChaCha20-Poly1305. */
#define MBEDTLS_SHA256_C
#define MBEDTLS_AES_C

/* Size: SHA-256 with a loop instead of unrolled rounds, AES with one table per direction instead of
 * four, and no AES decryption at all (CCM and GCM only ever encrypt blocks). */
#define MBEDTLS_SHA256_SMALLER
#define MBEDTLS_AES_FEWER_TABLES
#define MBEDTLS_BLOCK_CIPHER_NO_DECRYPT

/* No second copy of each argument inside the PSA core: every buffer the service passes to a PSA
 * function is in the gateway's secure copy buffers (secure/boundary: the request's vectors are
 * copied in before the service runs and out after it returns, inputs and outputs in separate
 * buffers), which the non-secure side cannot reach while the call runs -- exactly the condition
 * Mbed TLS sets for this option. The full profile keeps the copies. */
#define MBEDTLS_PSA_ASSUME_EXCLUSIVE_BUFFERS

#endif /* WARD_SPE_MEDIUM_CONFIG_H */
