/* Ward's Mbed TLS 3.6 configuration, the part every Ward configuration shares whatever algorithms
 * it offers: system support, platform (memory, C library), random numbers and the PSA core.
 * Included by ward_mbedtls_config.h (Ward's general algorithm set) and by the secure image's
 * medium profile (secure/crypto/config/ward_spe_medium_config.h), so that the two cannot drift
 * apart in how Mbed TLS allocates, seeds and exits.
 *
 * This is a C header (also read by Mbed TLS's C sources): C comments only.
 */
#ifndef WARD_MBEDTLS_BASE_CONFIG_H
#define WARD_MBEDTLS_BASE_CONFIG_H

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

#endif /* WARD_MBEDTLS_BASE_CONFIG_H */
