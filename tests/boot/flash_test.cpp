// The NOR flash model: the rules every backend enforces, and the simulator's power cuts.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <vector>

#include "ward/boot/layout.hpp"
#include "ward/boot/security_counter.hpp"
#include "ward/flash/sim_flash.hpp"

namespace {
using namespace ward;
using flash::Error;

constexpr flash::Geometry kGeo{.size = 8 * 1024, .sector_size = 1024, .write_align = 8};

std::vector<std::byte> bytes(std::size_t n, std::uint8_t v) { return std::vector<std::byte>(n, std::byte{v}); }

TEST(SimFlash, StartsErasedAndReadsBack) {
  flash::SimFlash f{kGeo};
  std::array<std::byte, 16> buf;
  ASSERT_TRUE(f.read(0, buf));
  EXPECT_TRUE(std::all_of(buf.begin(), buf.end(), [](std::byte b) { return b == flash::kErased; }));
  ASSERT_TRUE(f.program(8, bytes(8, 0x5A)));
  ASSERT_TRUE(f.read(8, std::span{buf}.first(8)));
  EXPECT_EQ(buf[0], std::byte{0x5A});
}

TEST(SimFlash, ProgramOnlyClearsBits) {
  flash::SimFlash f{kGeo};
  ASSERT_TRUE(f.program(0, bytes(8, 0xF0)));
  // 0xF0 -> 0x0F needs 0 -> 1: refused, and nothing changes.
  auto r = f.program(0, bytes(8, 0x0F));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Error::not_erased);
  EXPECT_EQ(f.raw()[0], std::byte{0xF0});
  // Clearing more bits of the same unit is allowed (completing a torn write).
  EXPECT_TRUE(f.program(0, bytes(8, 0x30)));
  EXPECT_EQ(f.raw()[0], std::byte{0x30});
}

TEST(SimFlash, EraseSetsSectorToFF) {
  flash::SimFlash f{kGeo};
  ASSERT_TRUE(f.program(1024, bytes(1024, 0x00)));
  ASSERT_TRUE(f.program(0, bytes(8, 0x00)));
  ASSERT_TRUE(f.erase(1024));
  EXPECT_TRUE(std::all_of(f.raw().begin() + 1024, f.raw().begin() + 2048, [](std::byte b) { return b == flash::kErased; }));
  EXPECT_EQ(f.raw()[0], std::byte{0x00});  // other sectors untouched
  EXPECT_EQ(f.sector_erases()[1], 1u);
}

TEST(SimFlash, RefusesMisalignedAndOutOfRange) {
  flash::SimFlash f{kGeo};
  EXPECT_EQ(f.program(4, bytes(8, 0)).error(), Error::misaligned);
  EXPECT_EQ(f.program(0, bytes(6, 0)).error(), Error::misaligned);
  EXPECT_EQ(f.erase(512).error(), Error::misaligned);
  EXPECT_EQ(f.erase(8 * 1024).error(), Error::out_of_range);
  EXPECT_EQ(f.program(8 * 1024 - 8, bytes(16, 0)).error(), Error::out_of_range);
  std::array<std::byte, 8> buf;
  EXPECT_EQ(f.read(0xFFFFFFFC, buf).error(), Error::out_of_range);  // no wrap-around
}

TEST(SimFlash, PowerCutTearsTheOperationAndStopsTheDevice) {
  flash::SimFlash f{kGeo, 7};
  f.arm_power_cut(1);
  ASSERT_TRUE(f.program(0, bytes(64, 0x00)));  // completes
  auto r = f.program(64, bytes(512, 0x00));   // torn
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Error::power_cut);
  EXPECT_FALSE(f.powered());
  // Partially written: not all of it, and nothing beyond the request.
  const auto written = std::count(f.raw().begin() + 64, f.raw().begin() + 576, std::byte{0x00});
  EXPECT_LT(written, 512);
  EXPECT_TRUE(std::all_of(f.raw().begin() + 576, f.raw().end(), [](std::byte b) { return b == flash::kErased; }));
  std::array<std::byte, 8> buf;
  EXPECT_EQ(f.read(0, buf).error(), Error::power_cut);
  f.power_on();
  EXPECT_TRUE(f.read(0, buf));
  // The torn unit can be completed by programming it again.
  EXPECT_TRUE(f.program(64, bytes(512, 0x00)));
}

TEST(SimFlash, TornEraseLeavesOldDataBehind) {
  flash::SimFlash f{kGeo, 3};
  ASSERT_TRUE(f.program(0, bytes(1024, 0x00)));
  f.arm_power_cut(0);
  EXPECT_EQ(f.erase(0).error(), Error::power_cut);
  f.power_on();
  EXPECT_GT(std::count(f.raw().begin(), f.raw().begin() + 1024, std::byte{0x00}), 0);
}

TEST(Region, ConfinesAccesses) {
  flash::SimFlash f{kGeo};
  flash::Region r{f, 2048, 2048};
  EXPECT_TRUE(r.program(0, bytes(8, 0)));
  EXPECT_EQ(f.raw()[2048], std::byte{0});
  EXPECT_EQ(r.program(2048, bytes(8, 0)).error(), Error::out_of_range);
  EXPECT_EQ(r.erase_sector(2).error(), Error::out_of_range);
  EXPECT_TRUE(r.erase_sector(1));
  auto e = r.is_erased(0, 16);
  ASSERT_TRUE(e);
  EXPECT_FALSE(*e);
}

constexpr boot::FlashLayout kCounterLayout{kGeo, 0, 2048, 2, 4096};

TEST(SecurityCounter, OnlyGoesUp) {
  flash::SimFlash f{kGeo};
  boot::SecurityCounter c{kCounterLayout.counter(f)};
  EXPECT_EQ(*c.read(), 0u);
  ASSERT_TRUE(c.raise(3));
  EXPECT_EQ(*c.read(), 3u);
  ASSERT_TRUE(c.raise(2));  // lower: no change
  EXPECT_EQ(*c.read(), 3u);
  // Many updates wrap into the other sector and back.
  for (std::uint32_t v = 4; v < 400; ++v) {
    ASSERT_TRUE(c.raise(v));
    ASSERT_EQ(*c.read(), v);
  }
}

TEST(SecurityCounter, SurvivesAPowerCutAtEveryOperation) {
  for (std::uint32_t start = 120; start < 135; ++start) {  // around the sector switch (128 records)
    for (std::uint64_t cut = 0; cut < 2; ++cut) {
      flash::SimFlash f{kGeo, start * 31 + cut};
      boot::SecurityCounter c{kCounterLayout.counter(f)};
      for (std::uint32_t v = 1; v <= start; ++v) {
        ASSERT_TRUE(c.raise(v));
      }
      f.arm_power_cut(cut);
      const auto r = c.raise(start + 1);
      f.power_on();
      const auto value = *c.read();
      // Either the old or the new value, never anything else.
      EXPECT_TRUE(value == start || value == start + 1) << "start " << start << " cut " << cut << " -> " << value;
      if (!r) {
        ASSERT_TRUE(c.raise(start + 1));
      }
      EXPECT_EQ(*c.read(), start + 1);
    }
  }
}

}  // namespace
