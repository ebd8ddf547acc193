/* Ward's Mbed TLS 3.6 configuration (selected with MBEDTLS_CONFIG_FILE="ward_mbedtls_config.h").
 *
 * A complete configuration, not a diff against include/mbedtls/mbedtls_config.h: every option that
 * is not defined here is off. The aim is the smallest set that gives Ward's users, through the PSA
 * Crypto API:
 *
 *   - hashes:      SHA-256, SHA-384, SHA-512
 *   - MAC and KDF: HMAC, HKDF
 *   - AEAD:        AES-GCM, AES-CCM, ChaCha20-Poly1305
 *   - public key:  ECDSA and ECDH on NIST P-256 (secp256r1) only
 *   - random:      CTR_DRBG (AES-256) seeded from the board's entropy (mbedtls_hardware_poll)
 *
 * MBEDTLS_PSA_CRYPTO_CONFIG is deliberately not defined: Mbed TLS 3.6 then derives the PSA_WANT_*
 * set from the legacy MBEDTLS_*_C modules below (include/mbedtls/config_adjust_psa_from_legacy.h),
 * so this one file decides both APIs.
 *
 * The same file serves the firmware and the host build. The host build (unit tests, sanitizers)
 * defines WARD_HOST_BUILD; there Mbed TLS uses the C library's calloc/free so that AddressSanitizer
 * checks every allocation. Everything that decides *which algorithms* exist is identical on both, so
 * the host tests exercise the same code paths as the firmware.
 *
 * This is a C header (also read by Mbed TLS's C sources): C comments only.
 */
#ifndef WARD_MBEDTLS_CONFIG_H
#define WARD_MBEDTLS_CONFIG_H

/* System support, platform, random numbers and the PSA core: shared with every configuration. */
#include "ward_mbedtls_base_config.h"

/* ---------------------------------------------------------------------------------------------
 * Hashes, MAC, KDF
 * ------------------------------------------------------------------------------------------- */

/* SHA-256: firmware image digests, HMAC/HKDF, ECDSA-P256 message hashing, the entropy pool. */
#define MBEDTLS_SHA256_C
/* SHA-384 (needs the SHA-512 core) and SHA-512. */
#define MBEDTLS_SHA384_C
#define MBEDTLS_SHA512_C
/* Off: MD5, SHA-1, SHA-224, SHA-3, RIPEMD-160 (weak or not needed). */

/* The generic message-digest layer: required by the legacy HKDF module and enables PSA's HMAC. */
#define MBEDTLS_MD_C
/* HKDF (RFC 5869). Turns on PSA_ALG_HKDF, HKDF_EXTRACT, HKDF_EXPAND and PSA_ALG_HMAC. */
#define MBEDTLS_HKDF_C

/* ---------------------------------------------------------------------------------------------
 * Symmetric ciphers and AEAD
 * ------------------------------------------------------------------------------------------- */

#define MBEDTLS_AES_C
/* The generic cipher layer: used by PSA's cipher and AEAD front-ends. */
#define MBEDTLS_CIPHER_C
#define MBEDTLS_GCM_C
#define MBEDTLS_CCM_C
#define MBEDTLS_CHACHA20_C
#define MBEDTLS_POLY1305_C
#define MBEDTLS_CHACHAPOLY_C
/* Off: unauthenticated modes (CBC, CTR, CFB, OFB, XTS) and their paddings, CMAC, NIST-KW, DES,
 * ARIA, Camellia. Ward only offers authenticated encryption. Off: AES-NI, Arm crypto extension,
 * VIA PadLock (not on Cortex-M33; the host build stays on the same portable code as firmware). */

/* ---------------------------------------------------------------------------------------------
 * Public-key cryptography: ECDSA and ECDH on P-256
 * ------------------------------------------------------------------------------------------- */

#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECP_C
/* secp256r1 only: every other curve (other NIST sizes, Brainpool, Koblitz, Curve25519/448) off. */
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
/* Fast reduction modulo the NIST prime (a few hundred bytes of code, several times faster). */
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ECDH_C
/* ASN.1: DER signatures of the legacy ECDSA API, and key formats. */
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
/* Off: RSA, DHM, ECJPAKE, LMS, PK/PK_PARSE/PK_WRITE/PEM/OID/BASE64 (keys are raw PSA key data),
 * MBEDTLS_ECDSA_DETERMINISTIC (needs HMAC_DRBG; revisit when Ward signs on the device),
 * MBEDTLS_ECP_RESTARTABLE. ECP_WINDOW_SIZE and ECP_FIXED_POINT_OPTIM keep their defaults
 * (4 and 1): the fixed-point table for P-256's generator is const data in flash. */

#endif /* WARD_MBEDTLS_CONFIG_H */
