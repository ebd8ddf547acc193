// ward/byte_order.hpp: little-endian loads and stores against byte strings written out by hand,
// for every width and at the edges of each (so a swapped or shifted byte cannot pass).
#include "ward/byte_order.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <limits>

namespace {
using ward::load_le;
using ward::store_le;

template <std::size_t N>
std::array<std::byte, N> bytes(const std::array<std::uint8_t, N>& v) {
  std::array<std::byte, N> out;
  for (std::size_t i = 0; i < N; ++i) out[i] = std::byte{v[i]};
  return out;
}

TEST(ByteOrder, LoadsTheLeastSignificantByteFirst) {
  EXPECT_EQ(load_le<std::uint8_t>(bytes<1>({0xab})), 0xabu);
  EXPECT_EQ(load_le<std::uint16_t>(bytes<2>({0x34, 0x12})), 0x1234u);
  EXPECT_EQ(load_le<std::uint32_t>(bytes<4>({0x3d, 0xb8, 0xf3, 0x96})), 0x96f3b83du);  // MCUboot's magic
  EXPECT_EQ(load_le<std::uint64_t>(bytes<8>({0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01})),
            0x0102030405060708u);
}

TEST(ByteOrder, StoresTheLeastSignificantByteFirst) {
  std::array<std::byte, 2> b2{};
  store_le<std::uint16_t>(b2, 0x6907);
  EXPECT_EQ(b2, bytes<2>({0x07, 0x69}));
  std::array<std::byte, 4> b4{};
  store_le<std::uint32_t>(b4, 0x96f3b83du);
  EXPECT_EQ(b4, bytes<4>({0x3d, 0xb8, 0xf3, 0x96}));
  std::array<std::byte, 8> b8{};
  store_le<std::uint64_t>(b8, 0x0102030405060708u);
  EXPECT_EQ(b8, bytes<8>({0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01}));
}

TEST(ByteOrder, HighBitsSurvive) {
  // Sign extension or a shift done in a narrower type would lose or smear these.
  EXPECT_EQ(load_le<std::uint16_t>(bytes<2>({0xff, 0xff})), 0xffffu);
  EXPECT_EQ(load_le<std::uint32_t>(bytes<4>({0x00, 0x00, 0x00, 0x80})), 0x80000000u);
  EXPECT_EQ(load_le<std::uint64_t>(bytes<8>({0, 0, 0, 0, 0, 0, 0, 0x80})), 0x8000000000000000u);
  EXPECT_EQ(load_le<std::uint64_t>(bytes<8>({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})),
            std::numeric_limits<std::uint64_t>::max());
}

template <class T>
void round_trips(T v) {
  std::array<std::byte, sizeof(T)> b{};
  store_le<T>(b, v);
  EXPECT_EQ(load_le<T>(b), v);
}

TEST(ByteOrder, RoundTripsEveryBitPosition) {
  for (int bit = 0; bit < 64; ++bit) {
    const std::uint64_t one = std::uint64_t{1} << bit;
    round_trips<std::uint64_t>(one);
    round_trips<std::uint64_t>(~one);
    if (bit < 32) round_trips<std::uint32_t>(static_cast<std::uint32_t>(one));
    if (bit < 16) round_trips<std::uint16_t>(static_cast<std::uint16_t>(one));
  }
}

TEST(ByteOrder, WorksOnAFieldInsideALargerBuffer) {
  // The way the formats use it: a fixed-size window of a record.
  std::array<std::byte, 12> record{};
  record.fill(std::byte{0xee});
  store_le<std::uint32_t>(std::span{record}.subspan<4, 4>(), 0xa1b2c3d4u);
  EXPECT_EQ(record, bytes<12>({0xee, 0xee, 0xee, 0xee, 0xd4, 0xc3, 0xb2, 0xa1, 0xee, 0xee, 0xee, 0xee}));
  EXPECT_EQ(load_le<std::uint32_t>(std::span{record}.subspan<4, 4>()), 0xa1b2c3d4u);
  EXPECT_EQ(load_le<std::uint16_t>(std::span{record}.subspan<3, 2>()), 0xd4eeu);
}

TEST(ByteOrder, UsableAtCompileTime) {
  constexpr auto v = [] {
    std::array<std::byte, 4> b{};
    store_le<std::uint32_t>(b, 0x12345678u);
    return load_le<std::uint32_t>(b);
  }();
  static_assert(v == 0x12345678u);
  EXPECT_EQ(v, 0x12345678u);
}

}  // namespace
