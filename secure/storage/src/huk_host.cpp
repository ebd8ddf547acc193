// The host build's hardware-unique key: a fixed test value, so host tests are reproducible. Never
// linked into firmware (the secure image provides its own, docs/secure-world.md).
#include "ward/secure/huk.hpp"

#include <array>

namespace ward::secure {

std::span<const std::byte, kHukSize> hardware_unique_key() {
  static constexpr auto kKey = [] {
    std::array<std::byte, kHukSize> k{};
    for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::byte>(0xA5 ^ (i * 7));
    return k;
  }();
  return kKey;
}

}  // namespace ward::secure
