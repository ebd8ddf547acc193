// The swap engine under power cuts (the approach of MCUboot's simulator): for several image
// sizes, an upgrade, a revert and a permanent upgrade are run with the power cut at every single
// flash operation (leaving a torn program or erase), then the device is "rebooted" (the engine
// run again on what the flash holds) until it boots. Every boot must return a verified image, the
// right one, and the flash must end in the right final state. Uncut runs also measure wear:
// erases per sector and bytes programmed per byte of update.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "sim_device.hpp"
#include "test_images.hpp"
#include "ward/boot/engine.hpp"
#include "ward/boot/security_counter.hpp"
#include "ward/flash/sim_flash.hpp"

namespace {
using namespace ward;
using test_images::Bytes;
namespace tr = image::trailer;

using sim_device::put;
using sim_device::Recorder;

struct Sizes {
  std::uint32_t old_payload;
  std::uint32_t new_payload;
  std::uint32_t write_align = 8;  // the flash's write unit: 16 also moves every trailer field
};

// The device's layout with the parameter's write unit (trailer fields spaced by max(8, unit)).
boot::FlashLayout layout_for(std::uint32_t write_align) {
  boot::FlashLayout l = sim_device::kLayout;
  l.geometry.write_align = write_align;
  return l;
}

class SwapSweep : public ::testing::TestWithParam<Sizes> {
 protected:
  // Shadow the device's defaults for every test of the fixture.
  const boot::FlashLayout kLayout = layout_for(GetParam().write_align);
  const flash::Geometry kGeo = kLayout.geometry;

  static void SetUpTestSuite() { key = std::make_unique<test_images::TestKey>(test_images::make_key()); }
  static void TearDownTestSuite() { key.reset(); }
  static inline std::unique_ptr<test_images::TestKey> key;

  void SetUp() override {
    ASSERT_TRUE(kLayout.valid());
    old_image = test_images::make_image(*key, {.major = 1, .payload_size = GetParam().old_payload,
                                               .security_counter = 1, .seed = 1});
    new_image = test_images::make_image(*key, {.major = 2, .payload_size = GetParam().new_payload,
                                               .security_counter = 2, .seed = 2});
    ASSERT_LE(old_image.size(), kLayout.max_image_size());
    ASSERT_LE(new_image.size(), kLayout.max_image_size());
  }

  // Factory state: the old image in the primary slot (no trailer), the new one written into the
  // secondary slot with its trailer magic (a test request), or --confirm'ed (permanent).
  flash::SimFlash factory(bool permanent, std::uint64_t seed = 1) {
    flash::SimFlash f{kGeo, seed};
    put(f, kLayout.primary_offset, old_image);
    Bytes padded = new_image;
    padded.resize(kLayout.slot_size(), 0xFF);
    const auto magic = tr::magic(kLayout.unit());
    std::copy(magic.begin(), magic.end(), padded.begin() + kLayout.trailer().magic());
    if (permanent) {
      padded[kLayout.trailer().image_ok()] = tr::kFlagSet;
    }
    put(f, kLayout.secondary_offset + kLayout.sector_size(), padded);
    return f;
  }

  boot::Result<boot::BootImage> boot_once(flash::SimFlash& f, Recorder& rec) {
    boot::BootCrypto crypto;
    boot::FlashLoader loader;
    boot::Engine engine{f, kLayout, key->pub, crypto, rec};
    return engine.run(loader);
  }

  // Power comes back and the device reboots until it boots an image (the sweep only ever cuts
  // once per phase, so a few boots must do).
  boot::BootImage recover(flash::SimFlash& f, Recorder& rec, const std::string& where) {
    f.power_on();
    for (int attempt = 0; attempt < 3; ++attempt) {
      auto b = boot_once(f, rec);
      if (b) {
        return *b;
      }
      ADD_FAILURE() << where << ": boot failed (" << static_cast<int>(b.error()) << ") events: " << rec.log;
      f.power_on();
    }
    return {};
  }

  bool holds(const flash::SimFlash& f, std::uint32_t offset, const Bytes& img) {
    return std::equal(img.begin(), img.end(), f.raw().begin() + offset,
                      [](std::uint8_t a, std::byte b) { return std::byte{a} == b; });
  }

  boot::TrailerState primary_trailer(flash::SimFlash& f) { return *boot::read_trailer(kLayout.primary(f), kLayout); }

  void expect_upgraded(flash::SimFlash& f, const boot::BootImage& b, bool permanent, const std::string& where) {
    EXPECT_EQ(b.manifest.layout.header.version.major, 2) << where;
    EXPECT_EQ(b.test_boot, !permanent) << where;
    EXPECT_TRUE(holds(f, kLayout.primary_offset, new_image)) << where;
    // The old image, whole, one sector lower in the secondary partition: ready for a revert.
    EXPECT_TRUE(holds(f, kLayout.secondary_offset, old_image)) << where;
    auto t = primary_trailer(f);
    EXPECT_EQ(t.copy_done, boot::Field::set) << where;
    EXPECT_EQ(t.image_ok, permanent ? boot::Field::set : boot::Field::unset) << where;
    // The request is consumed.
    EXPECT_EQ(*boot::read_magic(kLayout.secondary(f)), boot::Field::unset) << where;
  }

  void expect_reverted(flash::SimFlash& f, const boot::BootImage& b, const std::string& where) {
    EXPECT_EQ(b.manifest.layout.header.version.major, 1) << where;
    EXPECT_FALSE(b.test_boot) << where;
    EXPECT_TRUE(holds(f, kLayout.primary_offset, old_image)) << where;
    EXPECT_TRUE(holds(f, kLayout.secondary_offset + kLayout.sector_size(), new_image)) << where;
    auto t = primary_trailer(f);
    EXPECT_EQ(t.revert_done, boot::Field::set) << where;
    EXPECT_EQ(t.image_ok, boot::Field::set) << where;
    EXPECT_EQ(*boot::read_magic(kLayout.secondary(f)), boot::Field::unset) << where;
    EXPECT_EQ(*boot::SecurityCounter{kLayout.counter(f)}.read(), 1u) << where;
  }

  // The upgrade's last operation writes copy_done, which starts the new image's one trial boot.
  // A cut that tears it may still leave it complete: the trial then counts as used (like a power
  // loss while the image runs) and the next boot must revert. In every other case the upgrade
  // must complete and the new image boot on trial.
  bool trial_committed(flash::SimFlash& f) {
    f.power_on();
    return primary_trailer(f).copy_done == boot::Field::set;
  }
  void expect_upgraded_or_trial_over(flash::SimFlash& f, const boot::BootImage& b, bool committed,
                                     const std::string& where) {
    if (committed) {
      expect_reverted(f, b, where + " (copy_done complete when the power went: trial over)");
    } else {
      expect_upgraded(f, b, false, where);
    }
  }

  Bytes old_image, new_image;
};

TEST_P(SwapSweep, UncutUpgradeRevertWearAndWrites) {
  auto f = factory(false);
  Recorder rec;
  auto up = boot_once(f, rec);
  ASSERT_TRUE(up) << rec.log;
  expect_upgraded(f, *up, false, "upgrade");
  const auto upgrade_stats = f.stats();
  const auto upgrade_erases = f.sector_erases();
  const double per_byte = static_cast<double>(upgrade_stats.bytes_programmed) / static_cast<double>(new_image.size());
  std::printf("image sizes %zu -> %zu bytes: upgrade %llu erases, %llu programs, %llu bytes programmed "
              "(%.3f bytes per byte of update)\n",
              old_image.size(), new_image.size(), static_cast<unsigned long long>(upgrade_stats.erases),
              static_cast<unsigned long long>(upgrade_stats.programs),
              static_cast<unsigned long long>(upgrade_stats.bytes_programmed), per_byte);
  for (std::size_t s = 0; s < upgrade_erases.size(); ++s) {
    EXPECT_LE(upgrade_erases[s], 1u) << "sector " << s << " erased more than once by the upgrade";
  }
  if (GetParam().old_payload <= GetParam().new_payload) {
    EXPECT_LE(per_byte, 2.2);
  }
  // Not confirmed: the next boot reverts.
  auto back = boot_once(f, rec);
  ASSERT_TRUE(back) << rec.log;
  expect_reverted(f, *back, "revert");
  for (std::size_t s = 0; s < f.sector_erases().size(); ++s) {
    EXPECT_LE(f.sector_erases()[s], 2u) << "sector " << s << " erased more than twice by upgrade + revert";
  }
  // And stays: no further flash work on the following boot.
  const auto before = f.stats().operations();
  auto again = boot_once(f, rec);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->manifest.layout.header.version.major, 1);
  EXPECT_EQ(f.stats().operations(), before);
}

TEST_P(SwapSweep, ConfirmedImageStaysAndRaisesTheCounter) {
  auto f = factory(false);
  Recorder rec;
  ASSERT_TRUE(boot_once(f, rec));
  // The application confirms (what ward::boot::confirm() does).
  ASSERT_TRUE(boot::write_flag(kLayout.primary(f), kLayout.trailer().image_ok()));
  auto b = boot_once(f, rec);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->manifest.layout.header.version.major, 2);
  EXPECT_FALSE(b->test_boot);
  EXPECT_EQ(*boot::SecurityCounter{kLayout.counter(f)}.read(), 2u);
  EXPECT_TRUE(holds(f, kLayout.primary_offset, new_image));
}

TEST_P(SwapSweep, PowerCutAtEveryOperationOfAnUpgrade) {
  std::uint64_t total = 0;
  {
    auto f = factory(false);
    Recorder rec;
    ASSERT_TRUE(boot_once(f, rec));
    total = f.stats().operations();
  }
  ASSERT_GT(total, 20u);
  for (std::uint64_t cut = 0; cut < total; ++cut) {
    auto f = factory(false, cut + 1);
    Recorder rec;
    f.arm_power_cut(cut);
    auto first = boot_once(f, rec);
    EXPECT_FALSE(first) << "cut " << cut << " did not stop the boot";
    const auto where = "upgrade cut at operation " + std::to_string(cut) + " of " + std::to_string(total);
    const bool committed = trial_committed(f);
    auto b = recover(f, rec, where);
    expect_upgraded_or_trial_over(f, b, committed, where);
    if (HasFailure()) {
      FAIL() << where << " events: " << rec.log;
    }
  }
}

TEST_P(SwapSweep, PowerCutAtEveryOperationOfARevert) {
  auto tested = factory(false);
  Recorder rec0;
  ASSERT_TRUE(boot_once(tested, rec0));  // upgraded, on trial, not confirmed
  const std::vector<std::byte> snapshot = tested.raw();
  std::uint64_t total = 0;
  {
    auto f = tested;
    f.reset_stats();
    Recorder rec;
    ASSERT_TRUE(boot_once(f, rec));
    total = f.stats().operations();
  }
  ASSERT_GT(total, 20u);
  for (std::uint64_t cut = 0; cut < total; ++cut) {
    flash::SimFlash f{kGeo, cut + 7};
    std::copy(snapshot.begin(), snapshot.end(), f.raw().begin());
    Recorder rec;
    f.arm_power_cut(cut);
    EXPECT_FALSE(boot_once(f, rec)) << "cut " << cut;
    const auto where = "revert cut at operation " + std::to_string(cut) + " of " + std::to_string(total);
    auto b = recover(f, rec, where);
    expect_reverted(f, b, where);
    if (HasFailure()) {
      FAIL() << where << " events: " << rec.log;
    }
  }
}

TEST_P(SwapSweep, PowerCutAtEveryOperationOfAPermanentUpgrade) {
  std::uint64_t total = 0;
  {
    auto f = factory(true);
    Recorder rec;
    ASSERT_TRUE(boot_once(f, rec));
    total = f.stats().operations();
  }
  for (std::uint64_t cut = 0; cut < total; ++cut) {
    auto f = factory(true, cut + 3);
    Recorder rec;
    f.arm_power_cut(cut);
    EXPECT_FALSE(boot_once(f, rec));
    const auto where = "permanent upgrade cut at " + std::to_string(cut);
    auto b = recover(f, rec, where);
    expect_upgraded(f, b, true, where);
    EXPECT_EQ(*boot::SecurityCounter{kLayout.counter(f)}.read(), 2u) << where;
    if (HasFailure()) {
      FAIL() << where << " events: " << rec.log;
    }
  }
}

TEST_P(SwapSweep, SecondPowerCutWhileRecovering) {
  // A cut during the upgrade, then another one while the next boot resumes it.
  std::uint64_t total = 0;
  {
    auto f = factory(false);
    Recorder rec;
    ASSERT_TRUE(boot_once(f, rec));
    total = f.stats().operations();
  }
  for (std::uint64_t cut = 0; cut < total; cut += 3) {
    for (std::uint64_t second : {std::uint64_t{0}, std::uint64_t{1}, (cut * 7) % 11 + 2}) {
      auto f = factory(false, cut * 13 + second);
      Recorder rec;
      f.arm_power_cut(cut);
      (void)boot_once(f, rec);
      f.power_on();
      f.arm_power_cut(second);
      auto resumed = boot_once(f, rec);  // may finish before the second cut comes
      f.disarm_power_cut();
      const auto where = "cuts at " + std::to_string(cut) + " then " + std::to_string(second);
      const bool committed = !resumed && trial_committed(f);
      auto b = resumed ? *resumed : recover(f, rec, where);
      expect_upgraded_or_trial_over(f, b, committed, where);
      if (HasFailure()) {
        FAIL() << where << " events: " << rec.log;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(ImageSizes, SwapSweep,
                         ::testing::Values(Sizes{3000, 5000},      // grows
                                           Sizes{7000, 2000},      // shrinks: the old image needs more sectors
                                           Sizes{10500, 10600},    // nearly full slots
                                           Sizes{1024 - 0x100 - 150, 1024 - 0x100 - 150},  // one sector each
                                           // 16-byte write unit: MCUboot's BOOT_MAX_ALIGN 16 trailer
                                           Sizes{3000, 5000, 16}, Sizes{7000, 2000, 16}, Sizes{10500, 10600, 16}),
                         [](const auto& p) {
                           return "old" + std::to_string(p.param.old_payload) + "_new" +
                                  std::to_string(p.param.new_payload) + "_align" + std::to_string(p.param.write_align);
                         });

class Rejection : public SwapSweep {};

TEST_P(Rejection, InvalidRequestIsCancelledEvenWithPowerCuts) {
  // A tampered secondary image: refused, the request erased, the old image keeps booting.
  new_image[0x100 + 5] ^= 0x40;
  for (std::uint64_t cut = 0; cut < 2; ++cut) {
    auto f = factory(false, cut + 1);
    Recorder rec;
    f.arm_power_cut(cut);
    auto first = boot_once(f, rec);
    auto b = first ? *first : recover(f, rec, "reject");
    EXPECT_EQ(b.manifest.layout.header.version.major, 1);
    EXPECT_EQ(*boot::read_magic(kLayout.secondary(f)), boot::Field::unset);
    EXPECT_NE(rec.log.find(std::to_string(static_cast<int>(boot::Event::upgrade_rejected)) + "(" +
                           std::to_string(static_cast<int>(image::Error::hash_mismatch)) + ","),
              std::string::npos)
        << rec.log;
  }
}

INSTANTIATE_TEST_SUITE_P(Tampered, Rejection, ::testing::Values(Sizes{3000, 4000}));

}  // namespace
