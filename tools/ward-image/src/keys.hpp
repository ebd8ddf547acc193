// Signing keys for ward-image: a PEM file (PKCS#8 or SEC1, EC P-256) through OpenSSL 3, or a key
// held in an HSM through PKCS#11 (tested with SoftHSM2). Either way the tool only ever asks the
// key for its public half and for an ECDSA signature over a SHA-256 digest.
#pragma once
#include <array>
#include <cstdint>
#include <expected>
#include <memory>
#include <string>
#include <vector>

#include "ward/image/format.hpp"

namespace ward::tool {

using Bytes = std::vector<std::uint8_t>;
template <class T>
using Expected = std::expected<T, std::string>;  // the error is a message for the user

class SigningKey {
 public:
  virtual ~SigningKey() = default;
  // DER SubjectPublicKeyInfo (91 bytes for P-256).
  virtual Expected<Bytes> public_spki() = 0;
  // DER ECDSA-Sig-Value over `digest` (SHA-256 of the signed data).
  virtual Expected<Bytes> sign_digest(const std::array<std::uint8_t, 32>& digest) = 0;
};

// A PEM private key file, or (for verify/getpub) a PEM public key.
Expected<std::unique_ptr<SigningKey>> load_pem_key(const std::string& path);
// "pkcs11:token=...;object=...[;id=...][;pin-value=...][?module-path=...]" (RFC 7512). The module
// comes from the URI, `module` (--pkcs11-module) or $PKCS11_MODULE_PATH; the PIN from the URI or
// $WARD_PKCS11_PIN.
Expected<std::unique_ptr<SigningKey>> load_pkcs11_key(const std::string& uri, const std::string& module);
// Either of the above, chosen by the "pkcs11:" prefix.
Expected<std::unique_ptr<SigningKey>> load_key(const std::string& spec, const std::string& pkcs11_module);

// Writes a new EC P-256 private key as unencrypted PKCS#8 PEM (mode 0600).
Expected<void> generate_pem_key(const std::string& path);

// raw r||s -> DER ECDSA-Sig-Value.
Expected<Bytes> ecdsa_raw_to_der(const std::array<std::uint8_t, 64>& raw);

// image::Crypto on OpenSSL (host side verification).
class OpenSslCrypto final : public image::Crypto {
 public:
  OpenSslCrypto();
  ~OpenSslCrypto();
  OpenSslCrypto(const OpenSslCrypto&) = delete;
  OpenSslCrypto& operator=(const OpenSslCrypto&) = delete;
  void sha256_start() override;
  void sha256_update(std::span<const std::byte> data) override;
  std::array<std::uint8_t, 32> sha256_finish() override;
  bool p256_verify(const std::array<std::uint8_t, 64>& pub, const std::array<std::uint8_t, 32>& hash,
                   const std::array<std::uint8_t, 64>& sig) override;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

std::array<std::uint8_t, 32> sha256(std::span<const std::uint8_t> data);

}  // namespace ward::tool
