/* Mbed TLS configuration of the secure side's crypto service (the SPE variant, library
 * ward_mbedtls_spe; selected with MBEDTLS_CONFIG_FILE="ward_spe_mbedtls_config.h").
 *
 * The algorithms are those of Ward's general configuration (lib/crypto/config/
 * ward_mbedtls_config.h) plus the service's additions (ward_spe_algorithms.h), both included below
 * and by the client's configuration, so that what the client library offers through psa/crypto.h
 * and what the secure side implements cannot drift apart. On top of it, the service
 * needs four things the general build does not:
 *
 *   - MBEDTLS_PSA_CRYPTO_KEY_ID_ENCODES_OWNER: every key id is (owner, id), the owner being the
 *     caller's ClientId that the secure side derives itself. A caller can only name its own keys.
 *   - MBEDTLS_PSA_CRYPTO_SPM: Mbed TLS's PSA functions are renamed (psa_hash_compute becomes
 *     ward_spe_psa_hash_compute, through crypto_spe.h, generated at configure time from the pinned
 *     headers by secure/crypto/gen_crypto_spe.py). The client library defines the standard psa_*
 *     names; the two never collide, even in one host process. (The prefix is not mbedtls_psa_:
 *     Mbed TLS's built-in drivers already use names such as mbedtls_psa_hash_compute.)
 *   - MBEDTLS_PSA_CRYPTO_STORAGE_C: persistent keys, stored through Mbed TLS's psa_its_* calls,
 *     which crypto_spe.h renames to ward_crypto_its_* (secure/crypto/src/spe_platform.cpp): those
 *     go to the crypto partition's own storage namespace (ClientId kCryptoPartition), never through
 *     the client transport.
 *   - MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG: PSA's random generator is Ward's HMAC_DRBG, whose only
 *     entropy is a seed kept in that storage, refreshed on every boot (see below).
 *
 * C comments only: read by Mbed TLS's C sources.
 */
#ifndef WARD_SPE_MBEDTLS_CONFIG_H
#define WARD_SPE_MBEDTLS_CONFIG_H

/* The algorithm set, platform and memory settings (firmware: static buffer allocator): the full
 * profile's is the general set plus what the service adds to it (the client's configuration includes
 * the same); the medium profile's is its own (ward_spe_medium_config.h; docs/secure-world.md,
 * "Profiles"). */
#if defined(WARD_SPE_PROFILE_MEDIUM)
#include "ward_spe_medium_config.h"
#else
#include "ward_mbedtls_config.h"
#include "ward_spe_algorithms.h"
#endif

/* ---------------------------------------------------------------------------------------------
 * Random
 *
 * PSA's random generator is Ward's HMAC_DRBG with HMAC-SHA-256 (SP 800-90A;
 * secure/crypto/src/drbg.cpp), on the HMAC the secure side has for its own keys (kdf.cpp), so
 * neither Mbed TLS's entropy module nor its CTR_DRBG is built (1.4 KB less ROM in the medium
 * profile, net of the generator's own code; docs/secure-world.md, "Entropy and the random
 * generator").
 *
 * QEMU's mps2-an505 has no TRNG. The generator is therefore seeded from a device-unique seed in
 * secure storage (spe_platform.cpp): at the first start of every boot the stored seed is read and
 * replaced with fresh output of the generator before it produces any random data, so every boot
 * starts from a different state and a failed seed write makes psa_crypto_init fail instead of
 * repeating a stream. When no seed is stored yet (first boot), the seed is derived from the
 * hardware-unique key (HKDF-SHA-256).
 *
 * This is deterministic for one device: its security rests entirely on the HUK and the seed staying
 * secret and the stored seed being rewritten every boot. REAL HARDWARE MUST USE ITS TRNG: mix its
 * output (after its health tests) into the seed material at instantiation and reseed from it
 * (HmacDrbg::reseed), keeping the stored seed as an additional input.
 * ------------------------------------------------------------------------------------------- */
#define MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG
#undef MBEDTLS_ENTROPY_C
#undef MBEDTLS_ENTROPY_HARDWARE_ALT
#undef MBEDTLS_CTR_DRBG_C

/* ---------------------------------------------------------------------------------------------
 * Multi-client PSA service
 * ------------------------------------------------------------------------------------------- */
#define MBEDTLS_PSA_CRYPTO_KEY_ID_ENCODES_OWNER
#define MBEDTLS_PSA_CRYPTO_SPM
#define MBEDTLS_PSA_CRYPTO_STORAGE_C

/* Key slots shared by all clients (volatile keys and loaded persistent ones). The crypto service
 * divides them (kKeySlots and the quotas in ward/secure/crypto/service.hpp, which must agree with
 * this number): at most 4 volatile keys per client, 20 for all clients together, so 4 slots always
 * remain for persistent keys; and no key holds more than 528 bytes of material on the Mbed TLS
 * heap, so the keys in RAM take at most 24 * (528 + 32) bytes of it (docs/secure-world.md). */
#undef MBEDTLS_PSA_KEY_SLOT_COUNT
#if defined(WARD_SPE_PROFILE_MEDIUM)
#define MBEDTLS_PSA_KEY_SLOT_COUNT 12 /* the medium profile's (service.hpp) */
#else
#define MBEDTLS_PSA_KEY_SLOT_COUNT 24
#endif

/* ---------------------------------------------------------------------------------------------
 * P-256 driver (one fast P-256 for the bootloader and the secure image)
 *
 * ECDSA sign and verify, ECDH, key generation, import and public-key export of secp256r1 keys go
 * to Ward's P-256 (lib/p256) through the transparent-driver slot Mbed TLS 3.6's pre-generated
 * dispatch has for P-256: secure/crypto/src/p256_driver.cpp defines its p256_transparent_* entry
 * points (p256-m itself is not compiled). In the full profile MBEDTLS_PSA_CRYPTO_CONFIG stays off,
 * so the built-in ECP code stays too, as the fallback for what the driver declines (deterministic
 * ECDSA, interruptible ECDSA, keys derived from a KDF) and for P-384; the medium profile has none
 * of those and no ECP code. Firmware Update's verifier and the attestation key use lib/p256
 * directly in both.
 * ------------------------------------------------------------------------------------------- */
#define MBEDTLS_PSA_P256M_DRIVER_ENABLED

#endif /* WARD_SPE_MBEDTLS_CONFIG_H */
