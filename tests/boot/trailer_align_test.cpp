// Trailers for every flash write unit (MCUboot's BOOT_MAX_ALIGN, imgtool's --align): the engine
// and ward::boot::Control on simulated flashes with 8-, 16- and 32-byte write units, images padded
// by the signer exactly as imgtool pads them, and the refusals when a trailer was written for
// another write unit than the device's (refused with the reason, never silently ignored).
// The power-cut sweep runs the 16-byte layout too (swap_sweep_test.cpp, "_align16").
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "sim_device.hpp"
#include "test_images.hpp"
#include "control.hpp"
#include "ward/boot/engine.hpp"
#include "ward/boot/security_counter.hpp"
#include "ward/flash/sim_flash.hpp"
#include "ward/image/capacity.hpp"

namespace {
using namespace ward;
using test_images::Bytes;
namespace tr = image::trailer;
using sim_device::put;
using sim_device::Recorder;

// 12-sector slots as in sim_device, with sectors large enough for the status tables at each unit
// (four tables of 22 entries of one unit each, plus the public trailer).
boot::FlashLayout layout_for(std::uint32_t write_align) {
  const std::uint32_t ss = write_align > 16 ? 2048 : 1024;
  return boot::FlashLayout{{.size = 27 * ss, .sector_size = ss, .write_align = write_align}, 0, 2 * ss, 12, 14 * ss};
}

class TrailerAlign : public ::testing::TestWithParam<std::uint32_t> {
 protected:
  static void SetUpTestSuite() { key = std::make_unique<test_images::TestKey>(test_images::make_key()); }
  static void TearDownTestSuite() { key.reset(); }
  static inline std::unique_ptr<test_images::TestKey> key;

  const boot::FlashLayout layout = layout_for(GetParam());
  flash::SimFlash f{layout.geometry};
  Recorder rec;

  void SetUp() override {
    ASSERT_TRUE(layout.valid());
    put(f, layout.primary_offset, image(1, 1, 0, std::nullopt, false));
  }

  // A signed image, padded for the slot (as `ward-image sign --align A --pad [--confirm]`).
  static Bytes image(std::uint8_t major, std::uint32_t counter, std::uint32_t align, std::optional<std::uint32_t> slot,
                     bool confirm) {
    tool::SignOptions o;
    o.version = image::Version{major, 0, 0, 0};
    o.header_size = 0x100;
    o.pad_header = true;
    o.security_counter = counter;
    o.slot_size = slot;
    if (slot) {
      o.max_sectors = 12;  // imgtool's status room for 12 sectors, not its default 128
    }
    o.pad = slot.has_value();
    o.confirm = confirm;
    o.align = align == 0 ? 1 : align;
    auto img = tool::sign_image(test_images::make_payload(3000, major), o, *key->signer);
    EXPECT_TRUE(img) << (img ? "" : img.error());
    return img.value_or(Bytes{});
  }
  // An upgrade request written straight into the secondary slot (a download of a padded image).
  void request(std::uint32_t align, bool confirm) {
    put(f, layout.secondary_offset + layout.sector_size(), image(2, 2, align, layout.slot_size(), confirm));
  }
  boot::Result<boot::BootImage> boot_once() {
    boot::BootCrypto crypto;
    boot::FlashLoader loader;
    boot::Engine engine{f, layout, key->pub, crypto, rec};
    return engine.run(loader);
  }
  std::uint32_t major(const boot::Result<boot::BootImage>& b) { return b ? b->manifest.layout.header.version.major : 0; }
};

TEST_P(TrailerAlign, ImgtoolPaddedTestUpgradeConfirmAndStay) {
  request(GetParam(), false);
  auto up = boot_once();
  ASSERT_TRUE(up) << rec.log;
  EXPECT_EQ(major(up), 2u) << rec.log;
  EXPECT_TRUE(up->test_boot);
  boot::Control control{f, layout};
  auto st = control.state();
  ASSERT_TRUE(st);
  EXPECT_TRUE(st->on_trial);
  ASSERT_TRUE(control.confirm());
  // image_ok lands where MCUboot reads it for this alignment: 0x01, then the unit erased.
  const auto at = layout.trailer();
  EXPECT_EQ(f.raw()[layout.primary_offset + at.image_ok()], std::byte{0x01});
  EXPECT_EQ(f.raw()[layout.primary_offset + at.image_ok() + 1], std::byte{0xFF});
  auto again = boot_once();
  EXPECT_EQ(major(again), 2u) << rec.log;
  EXPECT_FALSE(again->test_boot);
  EXPECT_EQ(*boot::SecurityCounter{layout.counter(f)}.read(), 2u);
}

TEST_P(TrailerAlign, UnconfirmedTestImageIsReverted) {
  request(GetParam(), false);
  ASSERT_EQ(major(boot_once()), 2u) << rec.log;
  auto back = boot_once();
  EXPECT_EQ(major(back), 1u) << rec.log;
  EXPECT_TRUE(std::any_of(rec.events.begin(), rec.events.end(),
                          [](const Recorder::Seen& e) { return e.e == boot::Event::revert_done; }))
      << rec.log;
}

TEST_P(TrailerAlign, ConfirmedPaddingIsAPermanentUpgrade) {
  request(GetParam(), true);  // --confirm: image_ok at this alignment's offset
  auto up = boot_once();
  ASSERT_TRUE(up) << rec.log;
  EXPECT_EQ(major(up), 2u);
  EXPECT_FALSE(up->test_boot) << "image_ok of a --confirm'ed image was not found: " << rec.log;
  EXPECT_EQ(major(boot_once()), 2u);
}

TEST_P(TrailerAlign, ControlRequestsAtTheDevicesAlignment) {
  // A download without trailer, then request_upgrade(permanent): the magic and image_ok Control
  // writes are the ones the bootloader reads.
  const Bytes img = image(2, 2, GetParam(), std::nullopt, false);
  boot::Control control{f, layout};
  ASSERT_TRUE(control.erase_secondary());
  Bytes padded = img;
  padded.resize((img.size() + GetParam() - 1) / GetParam() * GetParam(), 0xFF);
  ASSERT_TRUE(control.write_secondary(0, std::as_bytes(std::span{padded})));
  ASSERT_TRUE(control.request_upgrade(true));
  auto st = control.state();
  ASSERT_TRUE(st);
  EXPECT_TRUE(st->upgrade_pending);
  EXPECT_TRUE(st->permanent_pending);
  const auto magic = tr::magic(layout.unit());
  EXPECT_TRUE(std::equal(magic.begin(), magic.end(),
                         f.raw().begin() + layout.secondary_offset + layout.sector_size() + layout.trailer().magic(),
                         [](std::uint8_t a, std::byte b) { return std::byte{a} == b; }));
  auto up = boot_once();
  EXPECT_EQ(major(up), 2u) << rec.log;
  EXPECT_FALSE(up->test_boot);
}

TEST_P(TrailerAlign, TrailerForAnotherAlignmentIsRefusedWithItsReason) {
  for (const std::uint32_t other : {8u, 16u, 32u}) {
    if (other == layout.unit()) {
      continue;
    }
    SetUp();
    rec = {};
    // Padded for `other`: same slot size, the other magic and field spacing.
    put(f, layout.secondary_offset + layout.sector_size(), image(2, 2, other, layout.slot_size(), true));
    boot::Control control{f, layout};
    auto st = control.state();
    ASSERT_TRUE(st);
    EXPECT_EQ(st->secondary.trailer.magic, boot::Field::foreign);
    EXPECT_EQ(st->secondary.trailer.magic_align, other);
    EXPECT_FALSE(st->upgrade_pending);
    auto refused = control.request_upgrade(false);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error(), boot::Error::wrong_align);
    auto b = boot_once();
    EXPECT_EQ(major(b), 1u) << other << ": " << rec.log;
    bool seen = false;
    for (const auto& e : rec.events) {
      seen = seen || (e.e == boot::Event::request_wrong_align && e.a == other && e.b == layout.unit());
    }
    EXPECT_TRUE(seen) << "no reason reported for a " << other << "-byte trailer: " << rec.log;
    // The request is cancelled: the next boot has nothing to refuse again.
    EXPECT_EQ(*boot::read_magic(layout.secondary(f)), boot::Field::unset);
  }
}

TEST_P(TrailerAlign, PrimaryTrailerForAnotherAlignmentIsReportedAndTheImageBoots) {
  const std::uint32_t other = layout.unit() == 8 ? 32 : 8;
  put(f, layout.primary_offset, image(1, 1, other, layout.slot_size(), true));
  auto b = boot_once();
  EXPECT_EQ(major(b), 1u) << rec.log;
  EXPECT_TRUE(rec.saw(boot::Event::primary_trailer_wrong_align, other)) << rec.log;
}

TEST_P(TrailerAlign, SlotCapacityIsOneRuleForToolAndBootloader) {
  EXPECT_EQ(layout.max_image_size(), image::max_image_size(layout.slot_size(), layout.slot_sectors));
  EXPECT_EQ(layout.max_image_size(), layout.slot_size() - layout.sector_size());
  // The signer with --max-sectors refuses one byte more than the bootloader holds, accepts as much.
  tool::SignOptions o;
  o.header_size = 0x100;
  o.pad_header = true;
  o.slot_size = layout.slot_size();
  o.max_sectors = layout.slot_sectors;
  o.align = GetParam();
  auto probe = tool::sign_image(test_images::make_payload(100, 1), o, *key->signer);
  ASSERT_TRUE(probe);
  const std::uint32_t overhead = static_cast<std::uint32_t>(probe->size()) - 100;
  const std::uint32_t fits = layout.max_image_size() - overhead;
  // The DER signature's length varies by a byte or two (ECDSA signatures are random, the probe's
  // included): probe around the limit, far enough above it that at least 3 sizes are refused
  // whatever the lengths. Every image the tool accepts fits the bootloader; every larger one is
  // refused with the reason.
  Bytes largest;
  int refused = 0;
  for (std::uint32_t payload = fits - 4; payload <= fits + 8; ++payload) {
    auto img = tool::sign_image(test_images::make_payload(payload, 1), o, *key->signer);
    if (img) {
      EXPECT_LE(img->size(), layout.max_image_size());
      if (img->size() > largest.size()) largest = *img;
    } else {
      ++refused;
      EXPECT_NE(img.error().find("last of 12 sectors"), std::string::npos) << img.error();
    }
  }
  EXPECT_GE(largest.size() + 3, layout.max_image_size());
  EXPECT_GE(refused, 3);
  const auto full = &largest;
  // The largest image the tool makes boots.
  put(f, layout.primary_offset, *full);
  EXPECT_TRUE(boot_once()) << rec.log;
}

INSTANTIATE_TEST_SUITE_P(WriteUnits, TrailerAlign, ::testing::Values(8u, 16u, 32u),
                         [](const auto& p) { return "align" + std::to_string(p.param); });

TEST(TrailerFormat, MagicsAndOffsetsAsMcubootDocumentsThem) {
  // docs/design.md: BOOT_MAX_ALIGN 8: the 16-byte magic; above 8: the alignment (u16) and the
  // 14-byte magic 2d e1 5d 29 41 0b 8d 77 67 9c 11 0f 1f 8a.
  EXPECT_EQ(tr::magic(8), tr::kMagic);
  const auto m32 = tr::magic(32);
  EXPECT_EQ(m32[0], 32);
  EXPECT_EQ(m32[1], 0);
  EXPECT_EQ(m32[2], 0x2d);
  EXPECT_EQ(m32[15], 0x8a);
  for (std::uint32_t a : {8u, 16u, 32u}) {
    EXPECT_EQ(tr::magic_align(tr::magic(a)), a);
  }
  auto broken = tr::magic(16);
  broken[9] ^= 1;
  EXPECT_EQ(tr::magic_align(broken), 0u);
  std::array<std::uint8_t, 16> erased{};
  erased.fill(0xFF);
  EXPECT_EQ(tr::magic_align(erased), 0u);
  EXPECT_FALSE(tr::valid_write_align(64));
  EXPECT_FALSE(tr::valid_write_align(12));
  EXPECT_FALSE(tr::valid_write_align(0));
  // A layout whose write unit has no trailer format is invalid.
  auto l = layout_for(8);
  l.geometry.write_align = 64;
  l.geometry.sector_size = 4096;
  EXPECT_FALSE(l.valid());
}

}  // namespace
