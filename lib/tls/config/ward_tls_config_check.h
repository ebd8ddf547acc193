/* What Ward's TLS configuration must never compile (docs/networking.md, "TLS defaults and how to
 * change them"), checked after Mbed TLS's own adjustments (mbedtls/build_info.h, included here).
 * lib/tls/src/client.cpp includes it, so lib/tls does not build with a configuration that has any
 * of these; tests/config/test_tls_config.py proves each check fires (a configuration with the
 * option added is refused).
 *
 * C comments only: also compiled as C by that test. */
#ifndef WARD_TLS_CONFIG_CHECK_H
#define WARD_TLS_CONFIG_CHECK_H

/* The configuration as Mbed TLS finally sees it: its file, then Mbed TLS's adjustments. */
#include "mbedtls/build_info.h"

#if defined(MBEDTLS_SSL_RENEGOTIATION)
#error "Ward TLS policy: renegotiation is compiled (MBEDTLS_SSL_RENEGOTIATION)"
#endif

#if defined(MBEDTLS_KEY_EXCHANGE_RSA_ENABLED) || defined(MBEDTLS_KEY_EXCHANGE_RSA_PSK_ENABLED)
#error "Ward TLS policy: static-RSA key exchange is compiled (MBEDTLS_KEY_EXCHANGE_RSA*_ENABLED)"
#endif

/* Mbed TLS compiles its CBC suites (CBC-SHA1 among them) when it has CBC for TLS: through PSA
 * (PSA_WANT_ALG_CBC_NO_PADDING with MBEDTLS_USE_PSA_CRYPTO) or the legacy cipher module. */
#if defined(MBEDTLS_SSL_HAVE_CBC) || defined(MBEDTLS_CIPHER_MODE_CBC)
#error "Ward TLS policy: CBC cipher suites are compiled (MBEDTLS_SSL_HAVE_CBC)"
#endif

#if defined(MBEDTLS_CIPHER_NULL_CIPHER)
#error "Ward TLS policy: NULL (unencrypted) cipher suites are compiled (MBEDTLS_CIPHER_NULL_CIPHER)"
#endif

#endif /* WARD_TLS_CONFIG_CHECK_H */
