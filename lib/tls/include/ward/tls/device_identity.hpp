// The device's TLS identity (docs/networking.md, "Client authentication"): an ECDSA P-256 key that is
// created in the secure world and never leaves it, and the certificate a provisioning host signed
// for it, kept in protected storage (PSA PS).
//
// Provisioning, once per device:
//   ensure_device_key();                 // creates the persistent key unless it exists
//   device_csr("CN=...,O=...", pem);     // a PKCS#10 request signed by that key (psa_sign_hash)
//   ... the host signs it (tools/ward-provision) and gives the certificate back ...
//   store_device_certificate(der);       // refused unless its public key is the device key's
// At every connection:
//   auto cert = load_device_certificate(buffer);   // checked against the key again
//   ClientIdentity id{*cert, kDeviceKeyId};
//
// The key id and the storage uid are in the calling thread's namespace (the secure world keeps keys
// and PS entries per client): the thread that provisions is the one that connects.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

#include "ward/tls/client.hpp"

namespace ward::tls {

// In the user range of key ids (PSA_KEY_ID_USER_MIN..MAX = 1..0x3fffffff).
inline constexpr std::uint32_t kDeviceKeyId = 0x0057'4B01;  // persistent PSA key ("WK" 1)
inline constexpr std::uint64_t kDeviceCertificateUid = 0x5744'4301;  // PSA PS entry ("WDC")
inline constexpr std::size_t kMaxDeviceCertificate = 1024;           // DER bytes

// Creates the device key (persistent, ECDSA P-256, SIGN_HASH only, not exportable) unless it exists:
// true if it was created now. An existing key of another type or policy is refused (identity).
Result<bool> ensure_device_key();

// A certificate signing request for the device key, PEM, NUL-terminated in `pem`; returns its length
// without the NUL. `subject` is an X.509 name in Mbed TLS's form, e.g. "CN=ward-0001,O=Ward".
Result<std::size_t> device_csr(const char* subject, std::span<char> pem);

// Is `der` a certificate whose public key is key `key_id`'s? (identity if not, or if unparsable.)
Status check_certificate_matches_key(std::span<const std::uint8_t> der, std::uint32_t key_id);

// Checks `der` against the device key, then keeps it in PSA PS (replacing an earlier one).
Status store_device_certificate(std::span<const std::uint8_t> der);

// Reads the stored certificate into `buffer` and checks it against the device key again (storage
// can hold what an earlier image or a mistake put there): its bytes, or storage / identity.
Result<std::span<const std::uint8_t>> load_device_certificate(std::span<std::uint8_t> buffer);

}  // namespace ward::tls
