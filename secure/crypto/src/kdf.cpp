#include "ward/secure/crypto/kdf.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>

namespace ward::secure::crypto {
namespace {

constexpr std::size_t kBlock = 64;

const unsigned char* in(std::span<const std::byte> s) { return reinterpret_cast<const unsigned char*>(s.data()); }
unsigned char* out_of(std::span<std::byte> s) { return reinterpret_cast<unsigned char*>(s.data()); }

}  // namespace

Sha256Digest hmac_sha256(std::span<const std::byte> key, std::initializer_list<std::span<const std::byte>> parts) {
  // Keys longer than a block are hashed first.
  std::array<std::byte, kBlock> k{};
  if (key.size() > kBlock) {
    mbedtls_sha256(in(key), key.size(), out_of(k), 0);
  } else {
    std::memcpy(k.data(), key.data(), key.size());
  }
  std::array<std::byte, kBlock> pad{};
  mbedtls_sha256_context ctx;
  mbedtls_sha256_init(&ctx);
  for (std::size_t i = 0; i < kBlock; ++i) pad[i] = k[i] ^ std::byte{0x36};
  mbedtls_sha256_starts(&ctx, 0);
  mbedtls_sha256_update(&ctx, in(pad), pad.size());
  for (auto p : parts) mbedtls_sha256_update(&ctx, in(p), p.size());
  Sha256Digest inner;
  mbedtls_sha256_finish(&ctx, out_of(inner));
  for (std::size_t i = 0; i < kBlock; ++i) pad[i] = k[i] ^ std::byte{0x5c};
  mbedtls_sha256_starts(&ctx, 0);
  mbedtls_sha256_update(&ctx, in(pad), pad.size());
  mbedtls_sha256_update(&ctx, in(inner), inner.size());
  Sha256Digest out;
  mbedtls_sha256_finish(&ctx, out_of(out));
  mbedtls_sha256_free(&ctx);
  mbedtls_platform_zeroize(k.data(), k.size());
  mbedtls_platform_zeroize(pad.data(), pad.size());
  mbedtls_platform_zeroize(inner.data(), inner.size());
  return out;
}

void hkdf_sha256(std::span<const std::byte> ikm, std::span<const std::byte> info, std::span<std::byte> out) {
  const std::array<std::byte, 32> salt{};  // RFC 5869: no salt = HashLen zeros
  Sha256Digest prk = hmac_sha256(salt, {ikm});
  Sha256Digest t{};
  std::size_t t_len = 0;
  std::size_t done = 0;
  for (std::uint8_t i = 1; done < out.size() && i != 0; ++i) {
    const std::byte counter[1] = {std::byte{i}};
    t = hmac_sha256(prk, {std::span{t}.first(t_len), info, std::span<const std::byte>{counter}});
    t_len = t.size();
    const std::size_t n = std::min(t.size(), out.size() - done);
    std::memcpy(out.data() + done, t.data(), n);
    done += n;
  }
  mbedtls_platform_zeroize(prk.data(), prk.size());
  mbedtls_platform_zeroize(t.data(), t.size());
}

}  // namespace ward::secure::crypto
