/* The PSA Crypto algorithms of the secure image's `medium` profile (ward_spe_medium_config.h):
 * TF-M Profile Medium's set. Mbed TLS builds the built-in code each needs unless a driver covers
 * it; the P-256 driver (secure/crypto/src/p256_driver.cpp) covers everything elliptic here.
 *
 * C comments only: read by Mbed TLS's C sources. */
#ifndef WARD_SPE_MEDIUM_PSA_CONFIG_H
#define WARD_SPE_MEDIUM_PSA_CONFIG_H

/* Hash, MAC, key derivation */
#define PSA_WANT_ALG_SHA_256 1
#define PSA_WANT_ALG_HMAC 1
#define PSA_WANT_KEY_TYPE_HMAC 1
#define PSA_WANT_ALG_HKDF 1 /* not its halves alone (HKDF_EXTRACT, _EXPAND): TF-M Profile Medium's set */
#define PSA_WANT_KEY_TYPE_DERIVE 1
#define PSA_WANT_KEY_TYPE_RAW_DATA 1

/* AEAD with AES */
#define PSA_WANT_KEY_TYPE_AES 1
#define PSA_WANT_ALG_CCM 1
#define PSA_WANT_ALG_GCM 1

/* ECDSA (randomised) and ECDH on P-256 */
#define PSA_WANT_ALG_ECDSA 1
#define PSA_WANT_ALG_ECDH 1
#define PSA_WANT_ECC_SECP_R1_256 1
#define PSA_WANT_KEY_TYPE_ECC_PUBLIC_KEY 1
#define PSA_WANT_KEY_TYPE_ECC_KEY_PAIR_BASIC 1
#define PSA_WANT_KEY_TYPE_ECC_KEY_PAIR_IMPORT 1
#define PSA_WANT_KEY_TYPE_ECC_KEY_PAIR_EXPORT 1
#define PSA_WANT_KEY_TYPE_ECC_KEY_PAIR_GENERATE 1

#endif /* WARD_SPE_MEDIUM_PSA_CONFIG_H */
