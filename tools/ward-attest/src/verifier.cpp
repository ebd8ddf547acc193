// ward-attest's verifier (see verifier.hpp).
#include "verifier.hpp"

#include <cbor.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/kdf.h>
#include <openssl/param_build.h>
#include <openssl/sha.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "cbor_read.hpp"
#include "ward/image/format.hpp"

namespace ward::attest {
namespace {

using cbor_read::Item;
constexpr std::string_view kKeyInfo = "ward attestation key v1";

// COSE Sig_structure for Sign1 (RFC 9052, 4.4): ["Signature1", protected, h'', payload].
std::optional<Bytes> sig_structure(const Token& t) {
  Item arr{cbor_new_definite_array(4)};
  if (!arr) return std::nullopt;
  Item context{cbor_build_string("Signature1")};
  Item prot{cbor_build_bytestring(t.protected_header.data(), t.protected_header.size())};
  static constexpr unsigned char kNothing = 0;  // external_aad: empty, from a valid pointer
  Item aad{cbor_build_bytestring(&kNothing, 0)};
  Item payload{cbor_build_bytestring(t.payload.data(), t.payload.size())};
  if (!context || !prot || !aad || !payload) return std::nullopt;
  for (const Item* i : {&context, &prot, &aad, &payload}) {
    if (!cbor_array_push(arr.get(), i->get())) return std::nullopt;
  }
  unsigned char* buf = nullptr;
  std::size_t cap = 0;
  const std::size_t n = cbor_serialize_alloc(arr.get(), &buf, &cap);
  if (n == 0) {
    free(buf);  // NOLINT(cppcoreguidelines-no-malloc): libcbor's allocation
    return std::nullopt;
  }
  Bytes out(buf, buf + n);
  free(buf);  // NOLINT(cppcoreguidelines-no-malloc): libcbor's allocation
  return out;
}

bool ecdsa_verify(EVP_PKEY* key, std::span<const std::uint8_t> message, std::span<const std::uint8_t> raw_sig) {
  if (raw_sig.size() != 64) return false;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(raw_sig.data(), 32, nullptr);
  BIGNUM* s = BN_bin2bn(raw_sig.data() + 32, 32, nullptr);
  if (sig == nullptr || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig, r, s) != 1) {
    ECDSA_SIG_free(sig);
    BN_free(r);
    BN_free(s);
    return false;
  }
  unsigned char* der = nullptr;
  const int der_len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  if (der_len <= 0) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok = ctx != nullptr && EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
                  EVP_DigestVerify(ctx, der, static_cast<std::size_t>(der_len), message.data(), message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  OPENSSL_free(der);
  return ok;
}

Bytes sha256(std::span<const std::uint8_t> data) {
  Bytes out(SHA256_DIGEST_LENGTH);
  SHA256(data.data(), data.size(), out.data());
  return out;
}

bool reference_matches(const Reference& r, const Component& c) {
  return r.type == c.type && r.version == c.version && r.measurement == c.measurement && r.signer_id == c.signer_id;
}

}  // namespace

Failure verify(std::span<const std::uint8_t> token, const Expected& e, Token& out) {
  Token t;
  if (const Failure f = decode(token, t); f != Failure::none) return f;
  const auto tbs = sig_structure(t);
  if (!tbs || e.key == nullptr || !ecdsa_verify(e.key, *tbs, t.signature)) return Failure::signature;
  if (t.nonce != e.nonce) return Failure::nonce;
  if (t.instance_id != (e.instance_id ? *e.instance_id : instance_id(e.key))) return Failure::instance_id;
  if (e.implementation_id && t.implementation_id != *e.implementation_id) return Failure::implementation_id;
  if (e.require_secured && (t.lifecycle & 0xff00) != 0x3000) return Failure::lifecycle;
  std::set<std::size_t> matched;
  for (const auto& c : t.components) {
    const auto same_type = [&](const Reference& r) { return r.type == c.type; };
    const auto it = std::find_if(e.references.begin(), e.references.end(), same_type);
    if (it == e.references.end()) return Failure::unknown_component;
    if (!reference_matches(*it, c)) return Failure::measurement;
    matched.insert(static_cast<std::size_t>(it - e.references.begin()));
  }
  if (matched.size() != e.references.size()) return Failure::missing_component;
  out = std::move(t);
  return Failure::none;
}

std::string hex(std::span<const std::uint8_t> b) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  for (std::uint8_t x : b) {
    s += kDigits[x >> 4];
    s += kDigits[x & 0xf];
  }
  return s;
}

std::optional<Bytes> unhex(std::string_view s) {
  if (s.size() % 2 != 0) return std::nullopt;
  Bytes out;
  const auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < s.size(); i += 2) {
    const int hi = digit(s[i]), lo = digit(s[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
  }
  return out;
}

std::expected<std::vector<Reference>, std::string> parse_references(std::string_view text) {
  std::vector<Reference> out;
  std::istringstream in{std::string(text)};
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields{line};
    Reference r;
    std::string m, s, extra;
    if (!(fields >> r.type >> r.version >> m >> s) || (fields >> extra)) {
      return std::unexpected("line " + std::to_string(n) + ": expected: type version measurement signer-id");
    }
    auto mb = unhex(m);
    auto sb = unhex(s);
    if (!mb || !sb || mb->size() != 32 || sb->size() != 32) {
      return std::unexpected("line " + std::to_string(n) + ": measurement and signer id must be 64 hex digits");
    }
    for (const auto& other : out) {
      if (other.type == r.type) return std::unexpected("line " + std::to_string(n) + ": " + r.type + " twice");
    }
    r.measurement = std::move(*mb);
    r.signer_id = std::move(*sb);
    out.push_back(std::move(r));
  }
  if (out.empty()) return std::unexpected("no reference values");
  return out;
}

std::string format_reference(const Reference& r) {
  return r.type + ' ' + r.version + ' ' + hex(r.measurement) + ' ' + hex(r.signer_id) + '\n';
}

std::expected<Pkey, std::string> derive_public_key(std::span<const std::uint8_t> huk) {
  // HKDF-SHA-256 (no salt), 48 bytes, reduced into [1, n-1]: as the secure image does.
  std::array<unsigned char, 48> okm{};
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  EVP_KDF_CTX* kctx = kdf != nullptr ? EVP_KDF_CTX_new(kdf) : nullptr;
  EVP_KDF_free(kdf);
  if (kctx == nullptr) return std::unexpected("OpenSSL has no HKDF");
  // OSSL_PARAM takes non-const pointers: copies of the inputs.
  char digest[] = "SHA256";
  std::vector<unsigned char> ikm(huk.begin(), huk.end());
  std::string info(kKeyInfo);
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, ikm.data(), ikm.size()),
                               OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(), info.size()),
                               OSSL_PARAM_construct_end()};
  const bool derived = EVP_KDF_derive(kctx, okm.data(), okm.size(), params) == 1;
  EVP_KDF_CTX_free(kctx);
  OPENSSL_cleanse(ikm.data(), ikm.size());
  if (!derived) return std::unexpected("HKDF failed");

  EC_GROUP* group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
  BN_CTX* bn = BN_CTX_new();
  BIGNUM* d = BN_bin2bn(okm.data(), static_cast<int>(okm.size()), nullptr);
  BIGNUM* n1 = BN_dup(EC_GROUP_get0_order(group));
  EC_POINT* q = EC_POINT_new(group);
  std::array<unsigned char, 65> point{};
  const bool ok = group != nullptr && bn != nullptr && d != nullptr && n1 != nullptr && q != nullptr &&
                  BN_sub_word(n1, 1) == 1 && BN_nnmod(d, d, n1, bn) == 1 && BN_add_word(d, 1) == 1 &&
                  EC_POINT_mul(group, q, d, nullptr, nullptr, bn) == 1 &&
                  EC_POINT_point2oct(group, q, POINT_CONVERSION_UNCOMPRESSED, point.data(), point.size(), bn) ==
                      point.size();
  EC_POINT_free(q);
  BN_clear_free(n1);
  BN_clear_free(d);
  BN_CTX_free(bn);
  EC_GROUP_free(group);
  OPENSSL_cleanse(okm.data(), okm.size());
  if (!ok) return std::unexpected("deriving the key failed");

  char curve[] = "P-256";
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM* key_params = nullptr;
  EVP_PKEY_CTX* pctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
  EVP_PKEY* key = nullptr;
  if (bld != nullptr && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, curve, 0) == 1 &&
      OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) == 1) {
    key_params = OSSL_PARAM_BLD_to_param(bld);
  }
  if (key_params == nullptr || pctx == nullptr || EVP_PKEY_fromdata_init(pctx) != 1 ||
      EVP_PKEY_fromdata(pctx, &key, EVP_PKEY_PUBLIC_KEY, key_params) != 1) {
    key = nullptr;
  }
  EVP_PKEY_CTX_free(pctx);
  OSSL_PARAM_free(key_params);
  OSSL_PARAM_BLD_free(bld);
  if (key == nullptr) return std::unexpected("building the public key failed");
  return Pkey{key};
}

Bytes instance_id(EVP_PKEY* key) {
  std::array<unsigned char, 65> point{};
  std::size_t n = 0;
  if (key == nullptr ||
      EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point.data(), point.size(), &n) != 1 ||
      n != point.size()) {
    return {};
  }
  Bytes out{0x01};
  const Bytes h = sha256(point);
  out.insert(out.end(), h.begin(), h.end());
  return out;
}

std::expected<Reference, std::string> reference_from_image(std::span<const std::uint8_t> bytes, std::string type) {
  if (bytes.size() > 0xffffffffu) return std::unexpected("image too large");
  image::MemorySource src{std::as_bytes(bytes)};
  const auto m = image::read_manifest(src, static_cast<std::uint32_t>(bytes.size()));
  if (!m) return std::unexpected(std::string("not a signed image: ") + image::to_string(m.error()));
  Reference r;
  r.type = std::move(type);
  const auto& v = m->layout.header.version;
  r.version = std::to_string(v.major) + '.' + std::to_string(v.minor) + '.' + std::to_string(v.revision) + '+' +
              std::to_string(v.build);
  r.measurement = sha256(bytes.first(m->layout.hashed_size));
  if (m->has_key_hash) {
    r.signer_id.assign(m->key_hash.begin(), m->key_hash.end());
  } else if (m->public_key_size != 0) {
    r.signer_id = sha256(bytes.subspan(m->public_key_offset, m->public_key_size));
  } else {
    return std::unexpected("the image names no key (neither its hash nor the key)");
  }
  return r;
}

}  // namespace ward::attest
