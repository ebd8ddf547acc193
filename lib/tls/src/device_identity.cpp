// The device's TLS identity (ward/tls/device_identity.hpp): the opaque device key, its CSR, and its
// certificate in protected storage, always checked against the key.
#include "ward/tls/device_identity.hpp"

#include <psa/crypto.h>
#include <psa/protected_storage.h>

#include <cstring>

#include "identity.hpp"
#include "mbedtls/base64.h"
#include "mbedtls/pk.h"
#include "mbedtls/x509_crt.h"
#include "mbedtls/x509_csr.h"
#include "platform.hpp"
#include "ward/secure/crypto_wire.h"

extern "C" {
#include "mbedtls/psa_util.h"  // declares its functions without extern "C"
}

namespace ward::tls {

namespace {

constexpr psa_algorithm_t kDeviceKeyAlgorithm = PSA_ALG_ECDSA(PSA_ALG_ANY_HASH);

// The id is one the secure world lets only psa_generate_key create (crypto_wire.h): a key already
// there was generated inside, never imported, copied or derived -- PSA's attributes cannot say
// that themselves (red-team review: a key imported there beforehand, its private part known to
// whoever imported it, was adopted as the device's identity).
static_assert(kDeviceKeyId >= WARD_KEY_ID_GENERATED_MIN && kDeviceKeyId <= WARD_KEY_ID_GENERATED_MAX,
              "the device key's id takes generated keys only");

// What the key may do: sign (Mbed TLS adds SIGN_MESSAGE to SIGN_HASH) and verify; never export,
// copy, or anything else.
constexpr psa_key_usage_t kDeviceKeyUsage = PSA_KEY_USAGE_SIGN_HASH;
constexpr psa_key_usage_t kDeviceKeyUsageAllowed =
    PSA_KEY_USAGE_SIGN_HASH | PSA_KEY_USAGE_SIGN_MESSAGE | PSA_KEY_USAGE_VERIFY_HASH | PSA_KEY_USAGE_VERIFY_MESSAGE;

// The public key of `pk` as a SubjectPublicKeyInfo (DER, written at the end of `buffer`); empty on
// failure. For an opaque key Mbed TLS exports it from the secure world (psa_export_public_key).
std::span<const unsigned char> public_key_der(const mbedtls_pk_context& pk, std::span<unsigned char> buffer) {
  const int n = mbedtls_pk_write_pubkey_der(&pk, buffer.data(), buffer.size());
  if (n <= 0) {
    return {};
  }
  return buffer.last(static_cast<std::size_t>(n));
}

// Owns a parsed certificate for the length of one check.
struct ParsedCertificate {
  mbedtls_x509_crt crt{};
  ParsedCertificate() { mbedtls_x509_crt_init(&crt); }
  ~ParsedCertificate() { mbedtls_x509_crt_free(&crt); }
  ParsedCertificate(const ParsedCertificate&) = delete;
  ParsedCertificate& operator=(const ParsedCertificate&) = delete;
};

// Owns an opaque PK context (the key itself stays in the secure world).
struct OpaqueKey {
  mbedtls_pk_context pk{};
  OpaqueKey() { mbedtls_pk_init(&pk); }
  ~OpaqueKey() { mbedtls_pk_free(&pk); }
  OpaqueKey(const OpaqueKey&) = delete;
  OpaqueKey& operator=(const OpaqueKey&) = delete;
};

// The device key exists with exactly the type and policy ensure_device_key() gives it: a key pair
// (not a public key), P-256, ECDSA, it can sign, it cannot be exported or copied (COPY would let
// its policy be read into another key's), persistent in the secure world's own storage.
bool is_device_key(const psa_key_attributes_t& a) {
  const psa_key_usage_t usage = psa_get_key_usage_flags(&a);
  const psa_key_lifetime_t lifetime = psa_get_key_lifetime(&a);
  return psa_get_key_type(&a) == PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1) && psa_get_key_bits(&a) == 256 &&
         psa_get_key_algorithm(&a) == kDeviceKeyAlgorithm && (usage & kDeviceKeyUsage) != 0 &&
         (usage & ~kDeviceKeyUsageAllowed) == 0 && PSA_KEY_LIFETIME_IS_VOLATILE(lifetime) == 0 &&
         PSA_KEY_LIFETIME_GET_LOCATION(lifetime) == PSA_KEY_LOCATION_LOCAL_STORAGE;
}

}  // namespace

bool public_keys_match(const mbedtls_pk_context& certified, const mbedtls_pk_context& key) {
  unsigned char a[160];
  unsigned char b[160];
  const auto der_a = public_key_der(certified, a);
  const auto der_b = public_key_der(key, b);
  // Public data: an ordinary comparison is enough.
  return !der_a.empty() && der_a.size() == der_b.size() && std::memcmp(der_a.data(), der_b.data(), der_a.size()) == 0;
}

Result<bool> ensure_device_key() {
  if (!platform_ready()) {
    return fail(Error::not_initialised);
  }
  psa_key_attributes_t existing = PSA_KEY_ATTRIBUTES_INIT;
  const psa_status_t found = psa_get_key_attributes(kDeviceKeyId, &existing);
  if (found == PSA_SUCCESS) {
    // Adopted only with the policy this function gives (the id guarantees it was generated
    // inside). Another policy -- exportable, copyable, another algorithm -- is refused, not
    // destroyed and replaced: a provisioned device would lose its identity without anyone
    // deciding it; whoever provisions destroys it (psa_destroy_key) and starts again.
    const bool ok = is_device_key(existing);
    psa_reset_key_attributes(&existing);
    return ok ? Result<bool>{false} : fail(Error::identity);
  }
  if (found != PSA_ERROR_INVALID_HANDLE && found != PSA_ERROR_DOES_NOT_EXIST) {
    return fail(Error::storage);
  }
  psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
  psa_set_key_id(&a, kDeviceKeyId);  // makes it persistent
  psa_set_key_type(&a, PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1));
  psa_set_key_bits(&a, 256);
  // SIGN_HASH only: no EXPORT, so the private key cannot leave the secure world; the public key
  // can always be read (psa_export_public_key). Randomised ECDSA because Mbed TLS's TLS 1.2 client
  // asks the key's policy for PSA_ALG_ECDSA(hash) before it signs.
  psa_set_key_usage_flags(&a, kDeviceKeyUsage);
  psa_set_key_algorithm(&a, kDeviceKeyAlgorithm);
  psa_key_id_t id = 0;
  if (psa_generate_key(&a, &id) != PSA_SUCCESS || id != kDeviceKeyId) {
    return fail(Error::storage);
  }
  return true;
}

Result<std::size_t> device_csr(const char* subject, std::span<char> pem) {
  if (!platform_ready()) {
    return fail(Error::not_initialised);
  }
  if (subject == nullptr || pem.size() < 2) {
    return fail(Error::invalid_argument);
  }
  OpaqueKey key;
  if (mbedtls_pk_setup_opaque(&key.pk, kDeviceKeyId) != 0) {
    return fail(Error::identity);
  }
  mbedtls_x509write_csr csr;
  mbedtls_x509write_csr_init(&csr);
  mbedtls_x509write_csr_set_md_alg(&csr, MBEDTLS_MD_SHA256);
  mbedtls_x509write_csr_set_key(&csr, &key.pk);
  int rc = mbedtls_x509write_csr_set_subject_name(&csr, subject);
  if (rc == 0) {
    rc = mbedtls_x509write_csr_pem(&csr, reinterpret_cast<unsigned char*>(pem.data()), pem.size(),
                                   mbedtls_psa_get_random, MBEDTLS_PSA_RANDOM_STATE);
  }
  mbedtls_x509write_csr_free(&csr);
  if (rc != 0) {
    pem[0] = '\0';
    return fail(rc == MBEDTLS_ERR_X509_BUFFER_TOO_SMALL || rc == MBEDTLS_ERR_ASN1_BUF_TOO_SMALL ||
                        rc == MBEDTLS_ERR_BASE64_BUFFER_TOO_SMALL
                    ? Error::no_resources
                    : Error::invalid_argument);
  }
  return std::strlen(pem.data());
}

Status check_certificate_matches_key(std::span<const std::uint8_t> der, std::uint32_t key_id) {
  if (!platform_ready()) {
    return fail(Error::not_initialised);
  }
  ParsedCertificate cert;
  if (der.empty() || mbedtls_x509_crt_parse_der_nocopy(&cert.crt, der.data(), der.size()) != 0 ||
      cert.crt.next != nullptr) {
    return fail(Error::identity);
  }
  OpaqueKey key;
  if (mbedtls_pk_setup_opaque(&key.pk, key_id) != 0 || !public_keys_match(cert.crt.pk, key.pk)) {
    return fail(Error::identity);
  }
  return {};
}

Status store_device_certificate(std::span<const std::uint8_t> der) {
  if (der.size() > kMaxDeviceCertificate) {
    return fail(Error::invalid_argument);
  }
  if (auto ok = check_certificate_matches_key(der, kDeviceKeyId); !ok) {
    return ok;
  }
  if (psa_ps_set(kDeviceCertificateUid, der.size(), der.data(), PSA_STORAGE_FLAG_NONE) != PSA_SUCCESS) {
    return fail(Error::storage);
  }
  return {};
}

Result<std::span<const std::uint8_t>> load_device_certificate(std::span<std::uint8_t> buffer) {
  // Its size first: psa_ps_get would hand out a truncated entry that only the parser would notice.
  psa_storage_info_t info{};
  if (psa_ps_get_info(kDeviceCertificateUid, &info) != PSA_SUCCESS) {
    return fail(Error::storage);
  }
  if (info.size > buffer.size()) {
    return fail(Error::invalid_argument);
  }
  std::size_t length = 0;
  if (psa_ps_get(kDeviceCertificateUid, 0, info.size, buffer.data(), &length) != PSA_SUCCESS ||
      length != info.size) {
    return fail(Error::storage);
  }
  const std::span<const std::uint8_t> der = buffer.first(length);
  if (auto ok = check_certificate_matches_key(der, kDeviceKeyId); !ok) {
    return fail(ok.error());
  }
  return der;
}

}  // namespace ward::tls
