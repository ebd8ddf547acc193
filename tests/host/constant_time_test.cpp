// ward/constant_time.hpp: the comparison used for digests, key hashes and MACs. Functional checks:
// a difference in any byte and any bit is found, whatever comes after it, and sizes must match.
// (Its timing is not measured here; the loop's shape is what keeps it independent of the data.)
#include "ward/constant_time.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <vector>

namespace {
using ward::equal_constant_time;

TEST(ConstantTime, EqualContentsAreEqual) {
  std::array<std::uint8_t, 32> a{}, b{};
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = b[i] = static_cast<std::uint8_t>(i * 7);
  EXPECT_TRUE(equal_constant_time(a, b));
  EXPECT_TRUE(equal_constant_time(std::span<const std::uint8_t>{}, std::span<const std::uint8_t>{}));
}

TEST(ConstantTime, EveryByteAndEveryBitCounts) {
  std::array<std::byte, 32> a{}, b{};
  for (std::size_t i = 0; i < a.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      b = a;
      b[i] ^= std::byte{static_cast<std::uint8_t>(1u << bit)};
      EXPECT_FALSE(equal_constant_time(a, b)) << "byte " << i << " bit " << bit;
      EXPECT_FALSE(equal_constant_time(b, a)) << "byte " << i << " bit " << bit;
    }
  }
}

TEST(ConstantTime, ADifferenceIsNotCancelledByLaterBytes) {
  // An accumulator that could be reset or overwritten by a later equal byte would miss these.
  std::array<std::uint8_t, 4> a{0x00, 0x11, 0x22, 0x33};
  std::array<std::uint8_t, 4> b{0xff, 0x11, 0x22, 0x33};
  EXPECT_FALSE(equal_constant_time(a, b));
  std::array<std::uint8_t, 4> c{0x01, 0x11, 0x22, 0x32};
  std::array<std::uint8_t, 4> d{0x00, 0x11, 0x22, 0x33};  // the two differences XOR to the same bit
  EXPECT_FALSE(equal_constant_time(c, d));
}

TEST(ConstantTime, DifferentSizesAreNeverEqual) {
  std::vector<std::uint8_t> a(16, 0x5a), b(15, 0x5a);
  EXPECT_FALSE(equal_constant_time(a, b));  // b is a prefix of a
  EXPECT_FALSE(equal_constant_time(b, a));
  EXPECT_FALSE(equal_constant_time(std::span<const std::uint8_t>{}, std::span{a}));
}

TEST(ConstantTime, BytesAndOctetsAgree) {
  const std::array<std::uint8_t, 3> u{1, 2, 3};
  const std::array<std::byte, 3> b{std::byte{1}, std::byte{2}, std::byte{3}};
  EXPECT_TRUE(equal_constant_time(std::as_bytes(std::span{u}), b));
}

}  // namespace
