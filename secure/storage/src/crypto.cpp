#include "crypto.hpp"

#include <algorithm>
#include <cstring>
#include <string_view>
#include <type_traits>

#include <mbedtls/build_info.h>
#if defined(MBEDTLS_CHACHAPOLY_C)
#include <mbedtls/chachapoly.h>
#else
#include <mbedtls/gcm.h>
#endif
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>

#include "ward/secure/crypto/kdf.hpp"
#include "ward/secure/huk.hpp"
#include "ward/secure/storage.hpp"

namespace ward::secure::storage {
namespace detail {
namespace {

// Mbed TLS takes unsigned char pointers; keeps the constness of the span it is given.
template <class Span>
auto u8(const Span& s) {
  if constexpr (std::is_const_v<typename Span::element_type>) {
    return reinterpret_cast<const unsigned char*>(s.data());
  } else {
    return reinterpret_cast<unsigned char*>(s.data());
  }
}

}  // namespace

Digest sha256(std::span<const std::byte> data) {
  Digest out;
  mbedtls_sha256(u8(data), data.size(), u8(std::span{out}), 0);
  return out;
}

Digest hmac_sha256(std::span<const std::byte> key, std::initializer_list<std::span<const std::byte>> parts) {
  return crypto::hmac_sha256(key, parts);
}

#if defined(MBEDTLS_CHACHAPOLY_C)
// ChaCha20-Poly1305 where the configuration has it (the full profile).
constexpr std::string_view kAeadLabel{};

void seal(std::span<const std::byte, 32> key, std::span<const std::byte, 12> nonce, std::span<const std::byte> aad,
          std::span<std::byte> data, std::span<std::byte, 16> tag) {
  mbedtls_chachapoly_context ctx;
  mbedtls_chachapoly_init(&ctx);
  mbedtls_chachapoly_setkey(&ctx, u8(key));
  mbedtls_chachapoly_encrypt_and_tag(&ctx, data.size(), u8(nonce), u8(aad), aad.size(), u8(data), u8(data), u8(tag));
  mbedtls_chachapoly_free(&ctx);
}

bool open(std::span<const std::byte, 32> key, std::span<const std::byte, 12> nonce, std::span<const std::byte> aad,
          std::span<std::byte> data, std::span<const std::byte, 16> tag) {
  mbedtls_chachapoly_context ctx;
  mbedtls_chachapoly_init(&ctx);
  mbedtls_chachapoly_setkey(&ctx, u8(key));
  const int rc = mbedtls_chachapoly_auth_decrypt(&ctx, data.size(), u8(nonce), u8(aad), aad.size(), u8(tag), u8(data),
                                                 u8(data));
  mbedtls_chachapoly_free(&ctx);
  return rc == 0;
}
#else
// AES-256-GCM where it is the only AEAD built (the medium profile: its PSA core needs GCM anyway,
// so storage adds no cipher of its own). Its keys are derived under their own label, so that a
// store written with the other AEAD never authenticates with this one's keys.
constexpr std::string_view kAeadLabel{"/aes-256-gcm"};

void seal(std::span<const std::byte, 32> key, std::span<const std::byte, 12> nonce, std::span<const std::byte> aad,
          std::span<std::byte> data, std::span<std::byte, 16> tag) {
  mbedtls_gcm_context ctx;
  mbedtls_gcm_init(&ctx);
  mbedtls_gcm_setkey(&ctx, MBEDTLS_CIPHER_ID_AES, u8(key), 256);
  mbedtls_gcm_crypt_and_tag(&ctx, MBEDTLS_GCM_ENCRYPT, data.size(), u8(nonce), nonce.size(), u8(aad), aad.size(),
                            u8(data), u8(data), tag.size(), u8(tag));
  mbedtls_gcm_free(&ctx);
}

bool open(std::span<const std::byte, 32> key, std::span<const std::byte, 12> nonce, std::span<const std::byte> aad,
          std::span<std::byte> data, std::span<const std::byte, 16> tag) {
  mbedtls_gcm_context ctx;
  mbedtls_gcm_init(&ctx);
  const int rc = mbedtls_gcm_setkey(&ctx, MBEDTLS_CIPHER_ID_AES, u8(key), 256) != 0
                     ? -1
                     : mbedtls_gcm_auth_decrypt(&ctx, data.size(), u8(nonce), nonce.size(), u8(aad), aad.size(),
                                                u8(tag), tag.size(), u8(data), u8(data));
  mbedtls_gcm_free(&ctx);
  return rc == 0;
}
#endif

}  // namespace detail

void hkdf_sha256(std::span<const std::byte> ikm, std::span<const std::byte> info, std::span<std::byte> out) {
  crypto::hkdf_sha256(ikm, info, out);
}

Keys derive_keys(const char* label) {
  // info = label || the AEAD's label (empty for ChaCha20-Poly1305, whose stores predate the choice).
  std::array<char, 96> info{};
  const std::size_t n = std::min(std::strlen(label), info.size() - detail::kAeadLabel.size());
  std::memcpy(info.data(), label, n);
  std::copy(detail::kAeadLabel.begin(), detail::kAeadLabel.end(), info.begin() + static_cast<std::ptrdiff_t>(n));
  std::array<std::byte, 64> okm{};
  hkdf_sha256(hardware_unique_key(), std::as_bytes(std::span{info}.first(n + detail::kAeadLabel.size())), okm);
  Keys k{};
  std::memcpy(k.aead.data(), okm.data(), 32);
  std::memcpy(k.mac.data(), okm.data() + 32, 32);
  mbedtls_platform_zeroize(okm.data(), okm.size());
  return k;
}

}  // namespace ward::secure::storage
