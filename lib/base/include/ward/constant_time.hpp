// Comparison of secret-dependent data (digests, MACs, key hashes) in time that does not depend on
// where, or whether, the contents differ: an early exit would tell an attacker who can time the
// comparison how many leading bytes of a forged value are right.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

namespace ward {

// True when `a` and `b` have the same size and contents. The sizes are public: different sizes
// return at once. Otherwise every byte pair is examined, whatever the earlier ones held.
inline bool equal_constant_time(std::span<const std::byte> a, std::span<const std::byte> b) {
  if (a.size() != b.size()) {
    return false;
  }
  unsigned diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff |= std::to_integer<unsigned>(a[i] ^ b[i]);
    // The compiler may not reason about `diff` past this point, so it cannot turn the loop into
    // one that stops at the first difference (or once diff is non-zero).
    asm("" : "+r"(diff));
  }
  return diff == 0;
}

inline bool equal_constant_time(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  return equal_constant_time(std::as_bytes(a), std::as_bytes(b));
}

}  // namespace ward
