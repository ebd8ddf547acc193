// The host build's hardware-unique key: a fixed, public test value. Only for host tests: anything
// derived from it (storage keys, the first DRBG seed) is known to everyone. The firmware's HUK
// comes from the secure image (docs/secure-world.md).
#include "ward/secure/huk.hpp"

#include <array>

namespace ward::secure {

std::span<const std::byte, kHukSize> hardware_unique_key() {
  static constexpr auto kKey = [] {
    std::array<std::byte, kHukSize> key{};
    for (std::size_t i = 0; i < kHukSize; ++i) {
      key[i] = static_cast<std::byte>(0xA5u ^ (i * 7u));  // "ward host test HUK", deliberately not random
    }
    return key;
  }();
  return kKey;
}

}  // namespace ward::secure
