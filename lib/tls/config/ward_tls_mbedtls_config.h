/* Mbed TLS configuration of Ward's TLS client (lib/tls, docs/networking.md "TLS"), selected with
 * MBEDTLS_CONFIG_FILE="ward_tls_mbedtls_config.h" in the non-secure image.
 *
 * It is the PSA client's configuration (secure/client/config/ward_client_mbedtls_config.h: the
 * algorithm set the secure world implements, MBEDTLS_PSA_CRYPTO_CLIENT without the PSA core) plus
 * the TLS and X.509 modules, with MBEDTLS_USE_PSA_CRYPTO: every hash, MAC, key derivation, AEAD,
 * ECDH and signature check of a handshake and every record's protection are psa_* calls into the
 * secure world. The legacy modules the algorithm set names (bignum, ECP, RSA) stay defined because
 * PSA_WANT_* is derived from them; Mbed TLS's TLS code uses them only to parse public keys out of
 * certificates (RSA, EC points), and the linker drops the rest.
 *
 * The hardened choices (issue 16), each by not compiling the weaker one:
 *   - TLS 1.2 and 1.3 only (no SSL 3.0/TLS 1.0/1.1 code exists in Mbed TLS 3.6; DTLS 1.2 only in
 *     the second build, ward_dtls_mbedtls_config.h, for images with CONFIG_WARD_TLS_DTLS);
 *   - no renegotiation (MBEDTLS_SSL_RENEGOTIATION off);
 *   - no static-RSA key exchange, no PSK, no finite-field DHE: TLS 1.2 suites are ECDHE with an
 *     ECDSA or RSA certificate; TLS 1.3 uses (EC)DHE key exchange only;
 *   - no CBC (so no CBC-SHA1 or any CBC suite, no Lucky13 surface): AEAD suites only
 *     (MBEDTLS_SSL_CIPHERSUITES below lists them), MBEDTLS_CIPHER_MODE_CBC undefined;
 *   - certificate verification and hostname check are required by ward::tls (lib/tls/src/client.cpp
 *     sets MBEDTLS_SSL_VERIFY_REQUIRED and always gives a hostname, which is also sent as SNI),
 *     unless the image's Kconfig turns them off (lib/tls/Kconfig; production builds refuse that).
 * ward_tls_config_check.h refuses this configuration if renegotiation, static RSA, CBC or NULL
 * suites appear in it (after Mbed TLS's adjustments).
 *
 * C comments only: read by Mbed TLS's C sources. */
#ifndef WARD_TLS_MBEDTLS_CONFIG_H
#define WARD_TLS_MBEDTLS_CONFIG_H

#include "ward_client_mbedtls_config.h"

/* The handshake's crypto through PSA (the secure world). */
#define MBEDTLS_USE_PSA_CRYPTO

/* No unauthenticated cipher modes for records: the PSA client keeps the secure world's full set,
 * the TLS library does not see CBC (and so compiles no CBC record code nor CBC suite). */
#undef MBEDTLS_CIPHER_MODE_CBC
#undef MBEDTLS_CIPHER_PADDING_PKCS7
#undef MBEDTLS_CIPHER_MODE_CTR
#undef MBEDTLS_CMAC_C

/* Certificates: X.509 parsing and chain verification, PEM is not needed (the trust anchor is DER
 * compiled into the signed image). */
#define MBEDTLS_OID_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
/* Chains signed with RSA (docs/networking.md "Certificate chains"): the RSA code the algorithm set
 * names (ward_spe_algorithms.h: PKCS#1 v1.5 and v2.1) parses the keys; RSASSA-PSS is needed for
 * TLS 1.3 with an RSA server key (its CertificateVerify must be rsa_pss_rsae_*, RFC 8446 4.2.3),
 * for PSS in TLS 1.2's ServerKeyExchange and for certificates signed with RSASSA-PSS. Every RSA
 * operation is a psa_verify_hash in the secure world; the minimum RSA size is the certificate
 * profile's (lib/tls/src/client.cpp, 2048 bits). */
#define MBEDTLS_X509_RSASSA_PSS_SUPPORT
/* The device's own identity (lib/tls/src/device_identity.cpp, docs/networking.md "Client
 * authentication"): a certificate signing request made with the opaque device key (its signature
 * is a psa_sign_hash in the secure world), PEM for the console and the provisioning host. Writing a
 * public key (PK_WRITE) is also how a certificate is matched with the device key. */
#define MBEDTLS_PK_WRITE_C
#define MBEDTLS_X509_CREATE_C
#define MBEDTLS_X509_CSR_WRITE_C
#define MBEDTLS_PEM_WRITE_C
#define MBEDTLS_BASE64_C
/* Certificate validity periods need a calendar time (ward::tls::set_time); without one, chains are
 * refused (lib/tls/src/client.cpp). */
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_HAVE_TIME_DATE
#define MBEDTLS_PLATFORM_TIME_ALT
#define MBEDTLS_PLATFORM_GMTIME_R_ALT
#define MBEDTLS_PLATFORM_MS_TIME_ALT

/* Random numbers come from the secure world (mbedtls_psa_get_random): no entropy pool, no DRBG
 * here (their sources are not compiled, lib/tls/CMakeLists.txt). */
#undef MBEDTLS_ENTROPY_C
#undef MBEDTLS_CTR_DRBG_C

/* TLS. */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
/* The server side (ward::tls::Listener, docs/networking.md "TLS server"): the same hardened set; no
 * session cache, no tickets, no PSK, so a server keeps nothing between connections. */
#define MBEDTLS_SSL_SRV_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_PROTO_TLS1_3
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL_ENABLED
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE /* required by Mbed TLS 3.6's TLS 1.3 */
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#define MBEDTLS_SSL_ALL_ALERT_MESSAGES

/* The suites compiled in, strongest first. TLS 1.3's are all AEAD; TLS 1.2's are ECDHE + AEAD. */
#define MBEDTLS_SSL_CIPHERSUITES                                                              \
  MBEDTLS_TLS1_3_AES_256_GCM_SHA384, MBEDTLS_TLS1_3_CHACHA20_POLY1305_SHA256,                 \
      MBEDTLS_TLS1_3_AES_128_GCM_SHA256, MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,     \
      MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,                                   \
      MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, \
      MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256

/* Records: a peer may send the default 16 KiB (OpenSSL 3.0 has no record size limit extension);
 * what Ward sends it cuts into 4 KiB records, which saves 12 KiB of RAM per connection. */
#define MBEDTLS_SSL_IN_CONTENT_LEN 16384
#define MBEDTLS_SSL_OUT_CONTENT_LEN 4096

#endif /* WARD_TLS_MBEDTLS_CONFIG_H */
