// The hardware-unique key: a secret known only to the secure side, from which storage keys and the
// first DRBG seed are derived. Real hardware reads it from OTP/fuses or a key-derivation block;
// QEMU has neither, so the secure image carries one generated at build time (docs/secure-world.md).
// The host build has a fixed test key.
#pragma once
#include <cstddef>
#include <span>

namespace ward::secure {

inline constexpr std::size_t kHukSize = 32;

std::span<const std::byte, kHukSize> hardware_unique_key();

}  // namespace ward::secure
