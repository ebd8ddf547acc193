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

/* ---------------------------------------------------------------------------------------------
 * System support
 * ------------------------------------------------------------------------------------------- */

/* Inline assembly for bignum multiplication: UMAAL on Cortex-M33 (DSP extension), x86-64 on the
 * host. Large speed-up for ECDSA/ECDH at no RAM cost. */
#define MBEDTLS_HAVE_ASM

/* Off: MBEDTLS_HAVE_TIME, MBEDTLS_HAVE_TIME_DATE, MBEDTLS_TIMING_C. Ward has no wall clock yet and
 * nothing enabled here needs one (no X.509 validity checks, no TLS session timeouts). */

/* Off: MBEDTLS_FS_IO, MBEDTLS_PSA_ITS_FILE_C, MBEDTLS_PSA_CRYPTO_STORAGE_C, MBEDTLS_ENTROPY_NV_SEED.
 * No file system: keys are volatile (imported or derived at run time). Persistent keys will come
 * with Ward's own secure storage, not through stdio. */

/* Off: MBEDTLS_NET_C, all of MBEDTLS_SSL_*, MBEDTLS_X509_*, MBEDTLS_DEBUG_C. No networking and no
 * certificates in Ward yet; those modules are not even compiled (see cmake/WardMbedTLS.cmake). */

/* Off: MBEDTLS_SELF_TEST (size; Ward's own tests check known answers), MBEDTLS_ERROR_C and
 * MBEDTLS_VERSION_FEATURES (strings in flash that nothing prints), MBEDTLS_THREADING_C (Ward has
 * no threads yet; callers serialise). */

/* Remove every API Mbed TLS 3.6 marks deprecated, so that new code cannot start using it. */
#define MBEDTLS_DEPRECATED_REMOVED

/* ---------------------------------------------------------------------------------------------
 * Platform: memory, standard library functions
 * ------------------------------------------------------------------------------------------- */

#define MBEDTLS_PLATFORM_C

#if !defined(WARD_HOST_BUILD)
/* Firmware. Ward's kernel has no heap and links no malloc: Mbed TLS allocates from a fixed static
 * buffer (MBEDTLS_MEMORY_BUFFER_ALLOC_C) handed over by ward::crypto::init()
 * (lib/crypto/src/mbedtls_platform.cpp). PLATFORM_MEMORY routes mbedtls_calloc/mbedtls_free through
 * function pointers that memory_buffer_alloc_init() sets. */
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C
/* Align heap blocks for any type Mbed TLS stores (uint64_t in SHA-512 and bignum contexts). */
#define MBEDTLS_MEMORY_ALIGN_MULTIPLE 8

/* No default bindings to calloc/free/printf/exit/time/setbuf from the C library: with this, no
 * Mbed TLS code can pull newlib's malloc (and _sbrk), stdio, exit() or time() into the image.
 * Before init() installs the buffer allocator every allocation fails cleanly (returns NULL). */
#define MBEDTLS_PLATFORM_NO_STD_FUNCTIONS
/* The buffer allocator calls mbedtls_exit(1) when it finds its heap corrupted (an overflow in a
 * caller): Ward's glue reports that as a kernel panic and stops, instead of newlib's exit(). */
#define MBEDTLS_PLATFORM_EXIT_MACRO ward_mbedtls_exit
#ifdef __cplusplus
extern "C" {
#endif
void ward_mbedtls_exit(int status); /* lib/crypto/src/mbedtls_platform.cpp; never returns */
#ifdef __cplusplus
}
#endif
/* mbedtls_printf is only used by code compiled out here (self tests, debug output). It names a
 * function nobody defines, so that any future use fails at link time instead of pulling in newlib's
 * stdio. */
#define MBEDTLS_PLATFORM_PRINTF_MACRO ward_mbedtls_no_printf

/* AES lookup tables as const data (flash) instead of generated into ~8 KiB of RAM at first use. */
#define MBEDTLS_AES_ROM_TABLES
#else
/* Host build: Mbed TLS's defaults (calloc/free from the C library), so that ASan and UBSan see
 * every allocation, overflow and leak. No PLATFORM_MEMORY indirection is needed. */
#endif /* !WARD_HOST_BUILD */

/* Zeroisation of secrets: platform_util.c uses a volatile memset pointer; nothing to configure. */

/* ---------------------------------------------------------------------------------------------
 * Random numbers
 * ------------------------------------------------------------------------------------------- */

/* The only entropy source is the board's, through mbedtls_hardware_poll() (Ward's glue). There is
 * no /dev/urandom or getrandom() on the firmware, so Mbed TLS's platform sources are off; the host
 * build uses the same hook (backed by getrandom()) so that both builds take the same path. */
#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_ENTROPY_HARDWARE_ALT
#define MBEDTLS_ENTROPY_C

/* PSA's random generator: CTR_DRBG with AES-256, seeded and reseeded from the entropy module. */
#define MBEDTLS_CTR_DRBG_C

/* ---------------------------------------------------------------------------------------------
 * PSA Crypto: the API Ward's code uses
 * ------------------------------------------------------------------------------------------- */

#define MBEDTLS_PSA_CRYPTO_C

/* Key store: a fixed table of volatile key slots, no heap growth (MBEDTLS_PSA_KEY_STORE_DYNAMIC
 * off). Key material itself is still allocated from the Mbed TLS heap. */
#define MBEDTLS_PSA_KEY_SLOT_COUNT 8

/* Off: MBEDTLS_PSA_CRYPTO_KEY_ID_ENCODES_OWNER (no partitions/owners yet; will be needed when the
 * secure side serves several clients), MBEDTLS_PSA_CRYPTO_SPM, MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG,
 * MBEDTLS_PSA_CRYPTO_DRIVERS (no hardware accelerator drivers yet), MBEDTLS_USE_PSA_CRYPTO (only
 * matters for X.509/TLS, which are not built). */

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
