#include "keys.hpp"

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <cstdio>

namespace ward::tool {
namespace {

std::string openssl_error(const std::string& what) {
  const unsigned long e = ERR_get_error();
  char buf[256] = "";
  if (e != 0) {
    ERR_error_string_n(e, buf, sizeof buf);
  }
  ERR_clear_error();
  return what + (e != 0 ? std::string(": ") + buf : std::string());
}

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
struct CtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, CtxFree>;

Expected<void> require_p256(EVP_PKEY* k) {
  char group[64] = "";
  std::size_t len = 0;
  if (EVP_PKEY_get_base_id(k) != EVP_PKEY_EC ||
      !EVP_PKEY_get_utf8_string_param(k, "group", group, sizeof group, &len) ||
      std::string(group) != "prime256v1") {
    return std::unexpected("only EC P-256 (prime256v1) keys are supported");
  }
  return {};
}

Expected<Bytes> spki_of(EVP_PKEY* k) {
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(k, &der);
  if (len <= 0) {
    return std::unexpected(openssl_error("cannot encode the public key"));
  }
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

class PemKey final : public SigningKey {
 public:
  PemKey(Pkey k, bool is_private) : key_{std::move(k)}, private_{is_private} {}
  Expected<Bytes> public_spki() override { return spki_of(key_.get()); }
  Expected<Bytes> sign_digest(const std::array<std::uint8_t, 32>& digest) override {
    if (!private_) {
      return std::unexpected("this is a public key: signing needs the private key");
    }
    PkeyCtx ctx{EVP_PKEY_CTX_new(key_.get(), nullptr)};
    std::size_t len = 0;
    if (!ctx || EVP_PKEY_sign_init(ctx.get()) <= 0 || EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256()) <= 0 ||
        EVP_PKEY_sign(ctx.get(), nullptr, &len, digest.data(), digest.size()) <= 0) {
      return std::unexpected(openssl_error("cannot sign"));
    }
    Bytes sig(len);
    if (EVP_PKEY_sign(ctx.get(), sig.data(), &len, digest.data(), digest.size()) <= 0) {
      return std::unexpected(openssl_error("cannot sign"));
    }
    sig.resize(len);
    return sig;
  }

 private:
  Pkey key_;
  bool private_;
};

}  // namespace

Expected<std::unique_ptr<SigningKey>> load_pem_key(const std::string& path) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio{BIO_new_file(path.c_str(), "r"), &BIO_free};
  if (!bio) {
    return std::unexpected("cannot open key file " + path);
  }
  Pkey key{PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)};
  bool is_private = true;
  if (!key) {
    ERR_clear_error();
    BIO_reset(bio.get());
    key.reset(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
    is_private = false;
  }
  if (!key) {
    return std::unexpected(openssl_error("cannot read a PEM key from " + path));
  }
  if (auto ok = require_p256(key.get()); !ok) {
    return std::unexpected(ok.error());
  }
  return std::make_unique<PemKey>(std::move(key), is_private);
}

Expected<std::unique_ptr<SigningKey>> load_key(const std::string& spec, const std::string& pkcs11_module) {
  if (spec.starts_with("pkcs11:")) {
    return load_pkcs11_key(spec, pkcs11_module);
  }
  return load_pem_key(spec);
}

Expected<void> generate_pem_key(const std::string& path) {
  Pkey key{EVP_EC_gen("P-256")};
  if (!key) {
    return std::unexpected(openssl_error("cannot generate a P-256 key"));
  }
  const mode_t old = umask(077);  // the private key is readable by its owner only
  std::FILE* f = std::fopen(path.c_str(), "wx");
  umask(old);
  if (f == nullptr) {
    return std::unexpected("cannot create " + path + " (it must not exist yet)");
  }
  const bool written = PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
  // The key is buffered: a write that fails (a full disk) may show only when the file is closed.
  const bool closed = std::fclose(f) == 0;
  if (!written || !closed) {
    (void)std::remove(path.c_str());  // best effort: no partial key file left behind
    return std::unexpected(written ? "cannot write " + path + " (closing it failed)"
                                   : openssl_error("cannot write " + path));
  }
  return {};
}

Expected<Bytes> ecdsa_raw_to_der(const std::array<std::uint8_t, 64>& raw) {
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(raw.data(), 32, nullptr);
  BIGNUM* s = BN_bin2bn(raw.data() + 32, 32, nullptr);
  if (sig == nullptr || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig, r, s) != 1) {
    ECDSA_SIG_free(sig);
    BN_free(r);
    BN_free(s);
    return std::unexpected("cannot encode the signature");
  }
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  if (len <= 0) {
    return std::unexpected("cannot encode the signature");
  }
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

std::array<std::uint8_t, 32> sha256(std::span<const std::uint8_t> data) {
  std::array<std::uint8_t, 32> out{};
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr);
  return out;
}

struct OpenSslCrypto::State {
  State() = default;
  State(const State&) = delete;  // one owner of the context: a copy would free it twice
  State& operator=(const State&) = delete;
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  ~State() { EVP_MD_CTX_free(md); }
};

OpenSslCrypto::OpenSslCrypto() : state_{std::make_unique<State>()} {}
OpenSslCrypto::~OpenSslCrypto() = default;

void OpenSslCrypto::sha256_start() { EVP_DigestInit_ex(state_->md, EVP_sha256(), nullptr); }
void OpenSslCrypto::sha256_update(std::span<const std::byte> data) {
  EVP_DigestUpdate(state_->md, data.data(), data.size());
}
std::array<std::uint8_t, 32> OpenSslCrypto::sha256_finish() {
  std::array<std::uint8_t, 32> out{};
  unsigned int len = 0;
  EVP_DigestFinal_ex(state_->md, out.data(), &len);
  return out;
}

bool OpenSslCrypto::p256_verify(const std::array<std::uint8_t, 64>& pub, const std::array<std::uint8_t, 32>& hash,
                                const std::array<std::uint8_t, 64>& sig) {
  // Rebuild the SubjectPublicKeyInfo around the point and let OpenSSL check it is on the curve.
  static constexpr std::uint8_t kPrefix[] = {0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce,
                                             0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d,
                                             0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04};
  Bytes spki(std::begin(kPrefix), std::end(kPrefix));
  spki.insert(spki.end(), pub.begin(), pub.end());
  const unsigned char* p = spki.data();
  Pkey key{d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size()))};
  auto der = ecdsa_raw_to_der(sig);
  if (!key || !der) {
    ERR_clear_error();
    return false;
  }
  PkeyCtx ctx{EVP_PKEY_CTX_new(key.get(), nullptr)};
  const bool ok = ctx && EVP_PKEY_verify_init(ctx.get()) > 0 &&
                  EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256()) > 0 &&
                  EVP_PKEY_verify(ctx.get(), der->data(), der->size(), hash.data(), hash.size()) == 1;
  ERR_clear_error();
  return ok;
}

}  // namespace ward::tool
