/* Mbed TLS configuration of Ward's bootloader: verify only (selected with
 * MBEDTLS_CONFIG_FILE="ward_boot_mbedtls_config.h" for the ward_boot_crypto library).
 *
 * The bootloader needs SHA-256 over the image and ECDSA P-256 verification, nothing else: no
 * heap, no random numbers, no PSA key store. SHA-256 is Mbed TLS's (full-size, unrolled rounds:
 * MBEDTLS_SHA256_SMALLER stays off because hashing a 256 KiB image dominates boot time). ECDSA
 * verification is p256-m, the small constant-size P-256 implementation shipped with Mbed TLS 3.6
 * (3rdparty/p256-m), called directly: it needs no allocator and uses UMAAL on Cortex-M33. Mbed
 * TLS's own ECP module measured slower here (see docs/boot.md for both figures).
 *
 * This is a C header (also read by Mbed TLS's C sources): C comments only.
 */
#ifndef WARD_BOOT_MBEDTLS_CONFIG_H
#define WARD_BOOT_MBEDTLS_CONFIG_H

#define MBEDTLS_SHA256_C
/* p256-m's sources compile only with this; it also enables nothing else here (no PSA core). */
#define MBEDTLS_PSA_P256M_DRIVER_ENABLED
#define MBEDTLS_DEPRECATED_REMOVED

#endif /* WARD_BOOT_MBEDTLS_CONFIG_H */
