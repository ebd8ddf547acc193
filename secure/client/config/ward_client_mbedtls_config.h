/* Mbed TLS configuration seen by the non-secure client library and by its users (selected with
 * MBEDTLS_CONFIG_FILE="ward_client_mbedtls_config.h"; only headers are compiled with it, no Mbed
 * TLS source).
 *
 * The algorithm set is the general one (lib/crypto/config/ward_mbedtls_config.h) plus the secure
 * service's additions (ward_spe_algorithms.h), so the PSA_WANT_*
 * set, and with it every PSA_*_SIZE / *_MAX_SIZE macro a client sizes its buffers with, matches what
 * the secure side implements. MBEDTLS_PSA_CRYPTO_CLIENT without MBEDTLS_PSA_CRYPTO_C gives the
 * client view of psa/crypto.h: every multi-part operation struct holds only a handle to the
 * operation kept on the secure side, and a key id is the caller's plain 32-bit id (the secure side
 * adds the owner). The functions themselves are Ward's (secure/client/src/crypto_client.cpp).
 *
 * C comments only. */
#ifndef WARD_CLIENT_MBEDTLS_CONFIG_H
#define WARD_CLIENT_MBEDTLS_CONFIG_H

#include "ward_mbedtls_config.h"
#include "ward_spe_algorithms.h"

#undef MBEDTLS_PSA_CRYPTO_C
#define MBEDTLS_PSA_CRYPTO_CLIENT

#endif /* WARD_CLIENT_MBEDTLS_CONFIG_H */
