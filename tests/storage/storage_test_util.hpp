// Shared helpers of the storage tests.
#pragma once
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ward/flash/sim_flash.hpp"

namespace ward::secure::storage::test {

inline std::span<const std::byte> bytes(std::string_view s) { return std::as_bytes(std::span{s.data(), s.size()}); }
inline std::string str(std::span<const std::byte> b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

// The byte range [first, last) that differs between two flash images.
inline std::pair<std::size_t, std::size_t> changed(const std::vector<std::byte>& before, const std::vector<std::byte>& after) {
  std::size_t first = 0, last = before.size();
  while (first < last && before[first] == after[first]) ++first;
  while (last > first && before[last - 1] == after[last - 1]) --last;
  return {first, last};
}

}  // namespace ward::secure::storage::test
