/* Mbed TLS configuration of Ward's TLS layer with DTLS 1.2 (lib/tls, docs/networking.md "DTLS"),
 * selected with MBEDTLS_CONFIG_FILE="ward_dtls_mbedtls_config.h" for images with
 * CONFIG_WARD_TLS_DTLS (ward_mbedtls_dtls, ward_dtls in lib/tls/CMakeLists.txt).
 *
 * Everything of ward_tls_mbedtls_config.h (the same hardening: no renegotiation, no static RSA, no
 * CBC, no NULL suites; crypto in the secure world through MBEDTLS_USE_PSA_CRYPTO), plus DTLS:
 *   - MBEDTLS_SSL_PROTO_DTLS: DTLS 1.2 (Mbed TLS 3.6 has no DTLS 1.3); the client answers a
 *     server's HelloVerifyRequest (its cookie) with this alone;
 *   - MBEDTLS_SSL_DTLS_ANTI_REPLAY: a record seen before (its sequence number in the window) is
 *     dropped; ward::tls::DtlsClient keeps it on (mbedtls_ssl_conf_dtls_anti_replay).
 * Not compiled: MBEDTLS_SSL_DTLS_HELLO_VERIFY (the server's cookies: Ward has no DTLS server),
 * MBEDTLS_SSL_DTLS_CLIENT_PORT_REUSE (server), connection ids, SRTP.
 * ward_tls_config_check.h checks this configuration as it checks the TLS one.
 *
 * C comments only: read by Mbed TLS's C sources. */
#ifndef WARD_DTLS_MBEDTLS_CONFIG_H
#define WARD_DTLS_MBEDTLS_CONFIG_H

#include "ward_tls_mbedtls_config.h"

#define MBEDTLS_SSL_PROTO_DTLS
#define MBEDTLS_SSL_DTLS_ANTI_REPLAY

#endif /* WARD_DTLS_MBEDTLS_CONFIG_H */
