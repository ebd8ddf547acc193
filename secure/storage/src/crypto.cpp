#include "crypto.hpp"

#include <algorithm>
#include <cstring>
#include <type_traits>

#include <mbedtls/chachapoly.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>

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

constexpr std::size_t kBlock = 64;

}  // namespace

Digest sha256(std::span<const std::byte> data) {
  Digest out;
  mbedtls_sha256(u8(data), data.size(), u8(std::span{out}), 0);
  return out;
}

Digest hmac_sha256(std::span<const std::byte> key, std::initializer_list<std::span<const std::byte>> parts) {
  // RFC 2104 over SHA-256; keys longer than a block are hashed first.
  std::array<std::byte, kBlock> k{};
  if (key.size() > kBlock) {
    const Digest d = sha256(key);
    std::memcpy(k.data(), d.data(), d.size());
  } else {
    std::memcpy(k.data(), key.data(), key.size());
  }
  std::array<std::byte, kBlock> pad{};
  mbedtls_sha256_context ctx;
  mbedtls_sha256_init(&ctx);
  for (std::size_t i = 0; i < kBlock; ++i) pad[i] = k[i] ^ std::byte{0x36};
  mbedtls_sha256_starts(&ctx, 0);
  mbedtls_sha256_update(&ctx, u8(std::span{pad}), pad.size());
  for (auto p : parts) mbedtls_sha256_update(&ctx, u8(p), p.size());
  Digest inner;
  mbedtls_sha256_finish(&ctx, u8(std::span{inner}));
  for (std::size_t i = 0; i < kBlock; ++i) pad[i] = k[i] ^ std::byte{0x5c};
  mbedtls_sha256_starts(&ctx, 0);
  mbedtls_sha256_update(&ctx, u8(std::span{pad}), pad.size());
  mbedtls_sha256_update(&ctx, u8(std::span{inner}), inner.size());
  Digest out;
  mbedtls_sha256_finish(&ctx, u8(std::span{out}));
  mbedtls_sha256_free(&ctx);
  mbedtls_platform_zeroize(k.data(), k.size());
  mbedtls_platform_zeroize(pad.data(), pad.size());
  return out;
}

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

}  // namespace detail

void hkdf_sha256(std::span<const std::byte> ikm, std::span<const std::byte> info, std::span<std::byte> out) {
  const std::array<std::byte, 32> salt{};  // RFC 5869: no salt = HashLen zeros
  detail::Digest prk = detail::hmac_sha256(salt, {ikm});
  detail::Digest t{};
  std::size_t t_len = 0;
  std::size_t done = 0;
  for (std::uint8_t i = 1; done < out.size() && i != 0; ++i) {
    const std::byte counter[1] = {std::byte{i}};
    t = detail::hmac_sha256(prk, {std::span{t}.first(t_len), info, std::span<const std::byte>{counter}});
    t_len = t.size();
    const std::size_t n = std::min(t.size(), out.size() - done);
    std::memcpy(out.data() + done, t.data(), n);
    done += n;
  }
  mbedtls_platform_zeroize(prk.data(), prk.size());
  mbedtls_platform_zeroize(t.data(), t.size());
}

Keys derive_keys(const char* label) {
  std::array<std::byte, 64> okm{};
  hkdf_sha256(hardware_unique_key(), std::as_bytes(std::span{label, std::strlen(label)}), okm);
  Keys k{};
  std::memcpy(k.aead.data(), okm.data(), 32);
  std::memcpy(k.mac.data(), okm.data() + 32, 32);
  mbedtls_platform_zeroize(okm.data(), okm.size());
  return k;
}

}  // namespace ward::secure::storage
