// What ward::tls::Client (client.cpp) and ward::tls::DtlsClient (dtls_client.cpp) share: the
// policy's configuration of a client connection, the client identity, Mbed TLS's codes as Errors.
// Mbed TLS types: lib/tls's own sources only. Internal linkage on purpose: each of the two sources
// compiles its own copy (one per image: an image has one of them or, with DTLS, both), so the
// compiler inlines them as it did when they lived in client.cpp and an image without DTLS is not
// one byte larger.
#pragma once
#include <psa/crypto.h>

#include <algorithm>
#include <cstdint>
#include <span>

#include "identity.hpp"
#include "mbedtls/net_sockets.h"  // the MBEDTLS_ERR_NET_* codes only (net_sockets.c is not compiled)
#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"
#include "ward/tls/client.hpp"
#include "ward/tls/policy.hpp"

extern "C" {
#include "mbedtls/psa_util.h"  // declares its functions without extern "C"
}

namespace ward::tls::detail {

// The groups offered for ECDHE, strongest last-resort first: what the secure world implements.
static const std::uint16_t kGroups[] = {MBEDTLS_SSL_IANA_TLS_GROUP_SECP256R1, MBEDTLS_SSL_IANA_TLS_GROUP_SECP384R1,
                                        MBEDTLS_SSL_IANA_TLS_GROUP_NONE};

// What a certificate of a chain may be signed with and carry (docs/networking.md "Certificate chains"),
// for the server's chain a Client verifies and the client's chain a Listener verifies: SHA-256,
// SHA-384 or SHA-512; ECDSA on P-256 or P-384 (the curves the secure world implements) or RSA
// (PKCS#1 v1.5 or PSS) of at least kMinRsaBits. A certificate outside it is refused
// (MBEDTLS_X509_BADCERT_BAD_MD, _BAD_PK or _BAD_KEY), trust anchors included. Mbed TLS 3.6's
// default profile has the same hashes and RSA minimum but any key type and six curves (the others
// are not compiled here); Ward states its own, so a change of Mbed TLS's default cannot loosen it.
// The largest RSA key is the secure world's key material cap (528 bytes: 4096 bits), where the
// signature is checked.
inline constexpr std::uint32_t kMinRsaBits = 2048;
static const mbedtls_x509_crt_profile kCertificateProfile = {
    MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA256) | MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA384) |
        MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA512),
    MBEDTLS_X509_ID_FLAG(MBEDTLS_PK_ECKEY) | MBEDTLS_X509_ID_FLAG(MBEDTLS_PK_ECDSA) |
        MBEDTLS_X509_ID_FLAG(MBEDTLS_PK_RSA) | MBEDTLS_X509_ID_FLAG(MBEDTLS_PK_RSASSA_PSS),
    MBEDTLS_X509_ID_FLAG(MBEDTLS_ECP_DP_SECP256R1) | MBEDTLS_X509_ID_FLAG(MBEDTLS_ECP_DP_SECP384R1),
    kMinRsaBits,
};

// The signature algorithms a Client offers (signature_algorithms), in this order: ECDSA, then RSA
// PKCS#1 v1.5, then RSA-PSS. Mbed TLS's default list puts PSS before PKCS#1 v1.5; offered in a
// ClientHello for TLS 1.2 and 1.3, a TLS 1.2-only server with an RSA key (OpenSSL's, which takes the
// client's order) then signs its ServerKeyExchange with rsa_pss_rsae_*, which the pinned Mbed TLS
// 3.6.6 accepts in TLS 1.3 only: the handshake failed (MBEDTLS_ERR_SSL_ILLEGAL_PARAMETER;
// tests/net/tls_chains, docs/networking.md "Certificate chains"). With PKCS#1 v1.5 first such a server
// signs with it; a TLS 1.3 server still signs with PSS (RFC 8446 allows nothing else for
// CertificateVerify) and a TLS 1.2 server that signs only with PSS is still refused. Mbed TLS drops
// from the ClientHello what the negotiated version cannot use (PSS from a TLS 1.2-only one,
// ecdsa_secp521r1_sha512 from TLS 1.3's).
static const std::uint16_t kSignatureAlgorithms[] = {
    MBEDTLS_TLS1_3_SIG_ECDSA_SECP256R1_SHA256, MBEDTLS_TLS1_3_SIG_ECDSA_SECP384R1_SHA384,
    MBEDTLS_TLS1_3_SIG_ECDSA_SECP521R1_SHA512, MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA256,
    MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA384,       MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA512,
    MBEDTLS_TLS1_3_SIG_RSA_PSS_RSAE_SHA256,    MBEDTLS_TLS1_3_SIG_RSA_PSS_RSAE_SHA384,
    MBEDTLS_TLS1_3_SIG_RSA_PSS_RSAE_SHA512,    MBEDTLS_TLS1_3_SIG_NONE};

static mbedtls_ssl_protocol_version to_mbedtls(Version v) {
  return v == Version::tls1_3 ? MBEDTLS_SSL_VERSION_TLS1_3 : MBEDTLS_SSL_VERSION_TLS1_2;
}

// The lowest version a connection (client or server) may use: the caller's, never below the
// image's policy.
static Version lowest_version(Version requested) { return std::max(requested, image_policy().min_version); }

static Error from_mbedtls(int code, bool handshaking) {
  switch (code) {
    case MBEDTLS_ERR_X509_CERT_VERIFY_FAILED:
      return Error::certificate;
    case MBEDTLS_ERR_SSL_TIMEOUT:
      return Error::timeout;
    case MBEDTLS_ERR_NET_CONN_RESET:
    case MBEDTLS_ERR_NET_SEND_FAILED:
    case MBEDTLS_ERR_NET_RECV_FAILED:
    case MBEDTLS_ERR_SSL_CONN_EOF:
      return Error::connection;
    case MBEDTLS_ERR_SSL_ALLOC_FAILED:
    case MBEDTLS_ERR_X509_ALLOC_FAILED:
      return Error::no_resources;
    case MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY:
      return Error::closed;
    case MBEDTLS_ERR_PK_BAD_INPUT_DATA:
    case MBEDTLS_ERR_PK_TYPE_MISMATCH:
    case MBEDTLS_ERR_PK_FEATURE_UNAVAILABLE:
      return Error::identity;
    default:
      return handshaking ? Error::handshake : Error::record;
  }
}

// The client certificate and its opaque key, checked to belong together before any byte is sent:
// a server would refuse the pair anyway, but only after the device had signed with the key.
// `State`: Client::State or DtlsClient::State (conf, own_certificate, own_key, last_error).
template <class State>
static Status configure_identity(State& s, const ClientIdentity& identity) {
  if (identity.certificate.empty() || identity.key_id == 0) {
    return fail(Error::invalid_argument);
  }
  // No copy: the caller keeps the certificate for as long as the client (ClientIdentity).
  int rc = mbedtls_x509_crt_parse_der_nocopy(&s.own_certificate, identity.certificate.data(),
                                             identity.certificate.size());
  if (rc == 0) {
    rc = mbedtls_pk_setup_opaque(&s.own_key, identity.key_id);
  }
  if (rc != 0 || !public_keys_match(s.own_certificate.pk, s.own_key)) {
    s.last_error = rc;
    return fail(rc == MBEDTLS_ERR_X509_ALLOC_FAILED || rc == MBEDTLS_ERR_PK_ALLOC_FAILED ? Error::no_resources
                                                                                        : Error::identity);
  }
  if (rc = mbedtls_ssl_conf_own_cert(&s.conf, &s.own_certificate, &s.own_key); rc != 0) {
    s.last_error = rc;
    return fail(Error::no_resources);
  }
  return {};
}

// With CONFIG_WARD_TLS_HOSTNAME_CHECK off (a development choice, refused in production): the
// server certificate's names are not held against the hostname. Everything else about the chain is
// still checked; the hostname is still sent as SNI.
static int ignore_name_mismatch(void* /*context*/, mbedtls_x509_crt* /*certificate*/, int depth,
                                std::uint32_t* flags) {
  if (depth == 0) {
    *flags &= ~static_cast<std::uint32_t>(MBEDTLS_X509_BADCERT_CN_MISMATCH);
  }
  return 0;
}

// mbedtls_ssl_config_defaults for a client on `transport` (MBEDTLS_SSL_TRANSPORT_STREAM or
// _DATAGRAM), then the image's policy (ward/tls/policy.hpp, its Kconfig): verification, the
// hostname check (the name itself is the caller's mbedtls_ssl_set_hostname: SNI and the check), the
// anchors, the secure world's random numbers, the versions (never below the policy's), the ECDHE
// groups, the certificate profile and the signature algorithms offered, the read timeout. Only the anchors, the versions and the timeout come from the caller.
// Returns Mbed TLS's code.
static int configure_client(mbedtls_ssl_config& conf, mbedtls_x509_crt& anchors, const ClientOptions& options,
                            int transport) {
  const Policy& policy = image_policy();
  int rc = mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT, transport, MBEDTLS_SSL_PRESET_DEFAULT);
  if (rc != 0) {
    return rc;
  }
  for (const auto& der : options.trust_anchors) {
    // No copy: the anchors are in the image's flash and outlive the client.
    rc = mbedtls_x509_crt_parse_der_nocopy(&anchors, der.data(), der.size());
    if (rc != 0) {
      return rc;
    }
  }
  mbedtls_ssl_conf_authmode(&conf, policy.verify_peer ? MBEDTLS_SSL_VERIFY_REQUIRED : MBEDTLS_SSL_VERIFY_NONE);
  if (!policy.hostname_check) {
    mbedtls_ssl_conf_verify(&conf, ignore_name_mismatch, nullptr);
  }
  mbedtls_ssl_conf_ca_chain(&conf, &anchors, nullptr);
  mbedtls_ssl_conf_cert_profile(&conf, &kCertificateProfile);
  mbedtls_ssl_conf_sig_algs(&conf, kSignatureAlgorithms);
  mbedtls_ssl_conf_rng(&conf, mbedtls_psa_get_random, MBEDTLS_PSA_RANDOM_STATE);
  mbedtls_ssl_conf_min_tls_version(&conf, to_mbedtls(lowest_version(options.min_version)));
  mbedtls_ssl_conf_max_tls_version(&conf, to_mbedtls(options.max_version));
  mbedtls_ssl_conf_groups(&conf, kGroups);
  mbedtls_ssl_conf_read_timeout(&conf, options.timeout_ms);
  return 0;
}

}  // namespace ward::tls::detail
