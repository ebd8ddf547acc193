// The storage engine's primitives on Mbed TLS's low-level modules (never its PSA API, which itself
// keeps keys in ITS): HMAC-SHA-256 and an AEAD (ChaCha20-Poly1305, or AES-256-GCM where the configuration builds no
// ChaCha20-Poly1305: crypto.cpp). None of them allocates, so the engine
// works before Mbed TLS's heap is set up.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace ward::secure::storage::detail {

using Digest = std::array<std::byte, 32>;

// HMAC-SHA-256 of the concatenation of `parts`.
Digest hmac_sha256(std::span<const std::byte> key, std::initializer_list<std::span<const std::byte>> parts);
Digest sha256(std::span<const std::byte> data);

// The AEAD, in place. open() returns false (and leaves garbage in `data`) when the tag does
// not authenticate the data and `aad`.
void seal(std::span<const std::byte, 32> key, std::span<const std::byte, 12> nonce, std::span<const std::byte> aad,
          std::span<std::byte> data, std::span<std::byte, 16> tag);
bool open(std::span<const std::byte, 32> key, std::span<const std::byte, 12> nonce, std::span<const std::byte> aad,
          std::span<std::byte> data, std::span<const std::byte, 16> tag);

}  // namespace ward::secure::storage::detail
