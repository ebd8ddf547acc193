/* The algorithms the secure world's crypto service offers beyond Ward's general set
 * (ward_mbedtls_config.h), included by both sides of the secure call: the SPE configuration
 * (secure/crypto/config/ward_spe_mbedtls_config.h), which builds them, and the client's
 * (secure/client/config/ward_client_mbedtls_config.h), whose psa/crypto.h size macros
 * (PSA_SIGNATURE_MAX_SIZE, PSA_EXPORT_PUBLIC_KEY_MAX_SIZE, ...) must cover them. The general
 * configuration, and with it the bootloader, stays as it is.
 *
 * What devices commonly need beside P-256: certificate chains signed with P-384 or RSA, deterministic
 * ECDSA, HMAC with SHA-224, AES-CBC, AES-CTR and AES-CMAC, and interruptible (restartable) ECC for
 * psa_sign_hash_start and friends. This is the secure image's full profile (the default); the
 * medium profile has its own, smaller set (secure/crypto/config/ward_spe_medium_config.h) and
 * answers PSA_ERROR_NOT_SUPPORTED for all of these. The client keeps this set whichever profile
 * the secure image runs: its size macros then cover either.
 *
 * C comments only: read by Mbed TLS's C sources. */
#ifndef WARD_SPE_ALGORITHMS_H
#define WARD_SPE_ALGORITHMS_H

#define MBEDTLS_SHA224_C
#define MBEDTLS_CIPHER_MODE_CBC
#define MBEDTLS_CIPHER_PADDING_PKCS7
#define MBEDTLS_CIPHER_MODE_CTR
#define MBEDTLS_CMAC_C
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_HMAC_DRBG_C
#define MBEDTLS_ECDSA_DETERMINISTIC
#define MBEDTLS_ECP_RESTARTABLE
/* RSA for certificate chains: PKCS#1 v1.5 and PSS signatures (and encryption), public keys up to
 * 4096 bits (the key material cap, ward/secure/crypto/service.hpp). No key generation (no
 * MBEDTLS_GENPRIME): a device verifies RSA, it does not make RSA keys. */
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_PKCS1_V21
#define MBEDTLS_OID_C

#endif /* WARD_SPE_ALGORITHMS_H */
