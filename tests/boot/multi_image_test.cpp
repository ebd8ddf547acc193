// MCUboot's multi-image boot (boot::MultiEngine, docs/boot.md "One chain of trust"): image 0 (the
// secure image) and image 1 (the non-secure image), each with its own slots, key and security
// counter, upgraded on its own; dependency TLVs honoured; a power cut at every flash operation of
// a two-image upgrade and revert; every refusal for each image.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "sim_device.hpp"
#include "test_images.hpp"
#include "ward/boot/engine.hpp"
#include "ward/boot/security_counter.hpp"
#include "ward/flash/sim_flash.hpp"

namespace {
using namespace ward;
using test_images::Bytes;
namespace tr = image::trailer;

using sim_device::kGeo2;
using sim_device::kLayout0;
using sim_device::kLayout1;
using sim_device::put;
using sim_device::Recorder;

constexpr const boot::FlashLayout* kLayouts[2] = {&kLayout0, &kLayout1};

// What the engine reports for an unmet dependency (Event::dependency_unmet).
constexpr std::uint32_t unmet_a(std::uint32_t needed_image, bool pending) { return needed_image << 8 | pending; }

class MultiImage : public test_images::TwoImageKeys {
 protected:
  // Image `i`, version major.0.0, signed with image i's key unless `key` says otherwise.
  static Bytes make(int i, std::uint8_t major, std::uint32_t counter, std::vector<image::Dependency> deps = {},
                    int key = -1, std::uint32_t payload = 2000) {
    return test_images::make_image(*keys[key < 0 ? i : key],
                                   {.major = major, .payload_size = payload + 700u * static_cast<unsigned>(i),
                                    .security_counter = counter,
                                    .seed = static_cast<std::uint8_t>(10 * i + major),
                                    .dependencies = std::move(deps)});
  }

  // Factory: version 1 of both images in their primary slots, booted once (both counters at 1).
  flash::SimFlash factory(std::uint64_t seed = 1) {
    flash::SimFlash f{kGeo2, seed};
    put(f, kLayout0.primary_offset, s1);
    put(f, kLayout1.primary_offset, ns1);
    EXPECT_TRUE(boot::SecurityCounter{kLayout0.counter(f)}.raise(1));
    EXPECT_TRUE(boot::SecurityCounter{kLayout1.counter(f)}.raise(1));
    f.reset_stats();
    return f;
  }

  // A download into image i's secondary slot with the request (trailer magic; + image_ok if permanent).
  static void request(flash::SimFlash& f, int i, const Bytes& img, bool permanent = false) {
    const auto& l = *kLayouts[i];
    Bytes padded = img;
    padded.resize(l.slot_size(), 0xFF);
    std::copy(tr::kMagic.begin(), tr::kMagic.end(), padded.begin() + l.trailer().magic());
    if (permanent) {
      padded[l.trailer().image_ok()] = tr::kFlagSet;
    }
    put(f, l.secondary_offset + l.sector_size(), padded);
  }

  static void confirm(flash::SimFlash& f, int i) {
    const auto& l = *kLayouts[i];
    ASSERT_TRUE(boot::write_flag(l.primary(f), l.trailer().image_ok()));
  }

  static boot::Result<boot::BootImages> boot_once(flash::SimFlash& f, Recorder& rec) {
    boot::BootCrypto crypto;
    boot::FlashLoader l0, l1;
    const boot::ImageSlot slots[2] = {{&kLayout0, &keys[0]->pub, &l0}, {&kLayout1, &keys[1]->pub, &l1}};
    boot::MultiEngine engine{f, slots, crypto, rec};
    return engine.run();
  }

  static int major(const boot::BootImages& b, int i) { return b.image[i].manifest.layout.header.version.major; }
  static bool holds(const flash::SimFlash& f, std::uint32_t offset, const Bytes& img) {
    return std::equal(img.begin(), img.end(), f.raw().begin() + offset,
                      [](std::uint8_t a, std::byte b) { return std::byte{a} == b; });
  }
  static bool request_pending(flash::SimFlash& f, int i) {
    return *boot::read_magic(kLayouts[i]->secondary(f)) == boot::Field::set;
  }
  static std::uint32_t counter(flash::SimFlash& f, int i) {
    return *boot::SecurityCounter{kLayouts[i]->counter(f)}.read();
  }
  static bool saw(const Recorder& rec, boot::Event e, std::uint32_t a, std::uint32_t b) {
    return std::any_of(rec.events.begin(), rec.events.end(),
                       [&](const Recorder::Seen& s) { return s.e == e && s.a == a && s.b == b; });
  }
  // The image without its signature and key hash: only the SHA-256 TLV is left.
  static Bytes unsigned_copy(const Bytes& img) {
    image::MemorySource src{std::as_bytes(std::span{img})};
    auto l = *image::layout(src, static_cast<std::uint32_t>(img.size()));
    Bytes t(img.begin(), img.begin() + l.tlv_offset);
    t.insert(t.end(), {0x07, 0x69, 40, 0, 0x10, 0x00, 32, 0});
    EXPECT_TRUE(image::for_each_tlv(src, l, [&](const image::Tlv& tlv) -> image::Status {
      if (tlv.type == image::tlv::kSha256) {
        t.insert(t.end(), img.begin() + tlv.value_offset, img.begin() + tlv.value_offset + 32);
      }
      return {};
    }));
    return t;
  }

  void SetUp() override {
    s1 = make(0, 1, 1);
    ns1 = make(1, 1, 1);
  }
  Bytes s1, ns1;
};

TEST_F(MultiImage, FactoryBootsBothImages) {
  auto f = factory();
  Recorder rec;
  auto b = boot_once(f, rec);
  ASSERT_TRUE(b) << rec.log;
  ASSERT_EQ(b->count, 2u);
  EXPECT_EQ(major(*b, 0), 1);
  EXPECT_EQ(major(*b, 1), 1);
  EXPECT_EQ(b->image[0].manifest.layout.header.img_size, 2000u);
  EXPECT_EQ(b->image[1].manifest.layout.header.img_size, 2700u);
  EXPECT_FALSE(b->image[0].test_boot);
  EXPECT_FALSE(b->image[1].test_boot);
  EXPECT_EQ(f.stats().operations(), 0u) << "a steady boot writes nothing";
}

TEST_F(MultiImage, EachImageUpgradesConfirmsAndRevertsOnItsOwn) {
  auto f = factory();
  Recorder rec;
  // The non-secure image alone: the secure image's slots are not touched.
  const Bytes ns2 = make(1, 2, 2);
  request(f, 1, ns2);
  auto b = boot_once(f, rec);
  ASSERT_TRUE(b) << rec.log;
  EXPECT_EQ(major(*b, 0), 1);
  EXPECT_FALSE(b->image[0].test_boot);
  EXPECT_EQ(major(*b, 1), 2);
  EXPECT_TRUE(b->image[1].test_boot);
  for (std::size_t s = 0; s < kLayout1.counter_offset / kGeo2.sector_size; ++s) {
    EXPECT_EQ(f.sector_erases()[s], 0u) << "image 0's sector " << s << " erased by image 1's upgrade";
  }
  // Not confirmed: image 1 reverts, image 0 stays.
  b = boot_once(f, rec);
  ASSERT_TRUE(b) << rec.log;
  EXPECT_EQ(major(*b, 0), 1);
  EXPECT_EQ(major(*b, 1), 1);
  EXPECT_TRUE(holds(f, kLayout1.primary_offset, ns1));
  // The secure image alone, confirmed: its counter moves, the other one does not.
  const Bytes s2 = make(0, 2, 2);
  request(f, 0, s2);
  b = boot_once(f, rec);
  ASSERT_TRUE(b) << rec.log;
  EXPECT_EQ(major(*b, 0), 2);
  EXPECT_TRUE(b->image[0].test_boot);
  EXPECT_FALSE(b->image[1].test_boot);
  confirm(f, 0);
  b = boot_once(f, rec);
  ASSERT_TRUE(b) << rec.log;
  EXPECT_EQ(major(*b, 0), 2);
  EXPECT_FALSE(b->image[0].test_boot);
  EXPECT_EQ(counter(f, 0), 2u);
  EXPECT_EQ(counter(f, 1), 1u);
  EXPECT_TRUE(holds(f, kLayout0.primary_offset, s2));
  EXPECT_TRUE(holds(f, kLayout1.primary_offset, ns1));
}

TEST_F(MultiImage, BothUpgradedInOneBootAndConfirmedSeparately) {
  auto f = factory();
  Recorder rec;
  request(f, 0, make(0, 2, 2));
  request(f, 1, make(1, 3, 3), true);  // permanent: its counter moves at once
  auto b = boot_once(f, rec);
  ASSERT_TRUE(b) << rec.log;
  EXPECT_EQ(major(*b, 0), 2);
  EXPECT_EQ(major(*b, 1), 3);
  EXPECT_TRUE(b->image[0].test_boot);
  EXPECT_FALSE(b->image[1].test_boot);
  EXPECT_EQ(counter(f, 0), 1u);
  EXPECT_EQ(counter(f, 1), 3u);
  b = boot_once(f, rec);  // image 0 was not confirmed
  ASSERT_TRUE(b) << rec.log;
  EXPECT_EQ(major(*b, 0), 1);
  EXPECT_EQ(major(*b, 1), 3);
}

TEST_F(MultiImage, KeysAreSeparate) {
  // An image signed with the other image's key is refused, in either slot, for either image.
  for (int i : {0, 1}) {
    auto f = factory();
    Recorder rec;
    request(f, i, make(i, 2, 2, {}, /*key=*/1 - i));
    auto b = boot_once(f, rec);
    ASSERT_TRUE(b) << rec.log;
    EXPECT_EQ(major(*b, i), 1) << i;
    EXPECT_TRUE(rec.saw(boot::Event::upgrade_rejected, static_cast<std::uint32_t>(image::Error::key_mismatch))) << i;
    EXPECT_FALSE(request_pending(f, i));

    put(f, kLayouts[i]->primary_offset, make(i, 1, 1, {}, 1 - i));
    Recorder rec2;
    auto none = boot_once(f, rec2);
    ASSERT_FALSE(none) << i;
    EXPECT_EQ(none.error(), boot::Error::no_bootable_image);
    EXPECT_TRUE(rec2.saw(boot::Event::primary_invalid, static_cast<std::uint32_t>(image::Error::key_mismatch))) << i;
  }
}

TEST_F(MultiImage, CountersAreSeparate) {
  auto f = factory();
  ASSERT_TRUE(boot::SecurityCounter{kLayout0.counter(f)}.raise(5));
  put(f, kLayout0.primary_offset, make(0, 5, 5));
  Recorder rec;
  // Image 1 at counter 1 and an upgrade to counter 2: not measured against image 0's 5.
  request(f, 1, make(1, 2, 2), true);
  auto b = boot_once(f, rec);
  ASSERT_TRUE(b) << rec.log;
  EXPECT_EQ(major(*b, 1), 2);
  EXPECT_EQ(counter(f, 0), 5u);
  EXPECT_EQ(counter(f, 1), 2u);
  // And image 0's counter holds for image 0: a secure image at 4 is a rollback.
  request(f, 0, make(0, 6, 4));
  Recorder rec2;
  b = boot_once(f, rec2);
  ASSERT_TRUE(b) << rec2.log;
  EXPECT_EQ(major(*b, 0), 5);
  EXPECT_TRUE(saw(rec2, boot::Event::rollback_rejected, 4, 5)) << rec2.log;
}

// Each refusal, for each image, in the secondary slot (the request is cancelled, the other image
// unaffected) and in the primary slot (no boot).
class Refusals : public MultiImage, public ::testing::WithParamInterface<int> {};

TEST_P(Refusals, EveryBadImageIsRefusedWithItsReason) {
  const int i = GetParam();
  struct Case {
    const char* what;
    Bytes img;
    boot::Event event;
    std::uint32_t a;
  };
  Bytes tampered = make(i, 2, 2);
  tampered[0x100 + 17] ^= 0x01;
  Bytes truncated = make(i, 2, 2);
  truncated.resize(truncated.size() / 2);  // the TLV area is erased flash
  std::vector<Case> cases{
      {"tampered", tampered, boot::Event::upgrade_rejected, static_cast<std::uint32_t>(image::Error::hash_mismatch)},
      {"truncated", truncated, boot::Event::upgrade_rejected, static_cast<std::uint32_t>(image::Error::truncated)},
      {"unsigned", unsigned_copy(make(i, 2, 2)), boot::Event::upgrade_rejected,
       static_cast<std::uint32_t>(image::Error::missing_signature)},
      {"wrong key", make(i, 2, 2, {}, 1 - i), boot::Event::upgrade_rejected,
       static_cast<std::uint32_t>(image::Error::key_mismatch)},
  };
  for (const auto& c : cases) {
    auto f = factory();
    Recorder rec;
    request(f, i, c.img);
    request(f, 1 - i, make(1 - i, 2, 2));  // the other image's request goes ahead
    auto b = boot_once(f, rec);
    ASSERT_TRUE(b) << c.what << ": " << rec.log;
    EXPECT_EQ(major(*b, i), 1) << c.what;
    EXPECT_EQ(major(*b, 1 - i), 2) << c.what;
    EXPECT_TRUE(rec.saw(c.event, c.a)) << c.what << ": " << rec.log;
    EXPECT_FALSE(request_pending(f, i)) << c.what;

    // The same bytes as the primary image: refused, nothing boots.
    auto g = factory();
    put(g, kLayouts[i]->primary_offset, Bytes(kLayouts[i]->slot_size(), 0xFF));
    put(g, kLayouts[i]->primary_offset, c.img);
    Recorder rec2;
    auto none = boot_once(g, rec2);
    ASSERT_FALSE(none) << c.what;
    EXPECT_TRUE(rec2.saw(boot::Event::primary_invalid, c.a)) << c.what << ": " << rec2.log;
  }
  // Rolled back: below the image's own stored counter.
  auto f = factory();
  ASSERT_TRUE(boot::SecurityCounter{kLayouts[i]->counter(f)}.raise(3));
  put(f, kLayouts[i]->primary_offset, make(i, 3, 3));
  request(f, i, make(i, 4, 2));
  Recorder rec;
  auto b = boot_once(f, rec);
  ASSERT_TRUE(b) << rec.log;
  EXPECT_EQ(major(*b, i), 3);
  EXPECT_TRUE(saw(rec, boot::Event::rollback_rejected, 2, 3)) << rec.log;
  EXPECT_FALSE(request_pending(f, i));
  put(f, kLayouts[i]->primary_offset, make(i, 4, 2));
  Recorder rec2;
  EXPECT_FALSE(boot_once(f, rec2));
  EXPECT_TRUE(saw(rec2, boot::Event::rollback_rejected, 2, 3)) << rec2.log;
}

INSTANTIATE_TEST_SUITE_P(Image, Refusals, ::testing::Values(0, 1),
                         [](const auto& p) { return p.param == 0 ? "secure" : "nonsecure"; });

TEST_F(MultiImage, DependencyMetByTheOtherImagesUpgrade) {
  auto f = factory();
  Recorder rec;
  request(f, 0, make(0, 2, 2));
  request(f, 1, make(1, 2, 2, {{0, {2, 0, 0, 0}}}));
  auto b = boot_once(f, rec);
  ASSERT_TRUE(b) << rec.log;
  EXPECT_EQ(major(*b, 0), 2);
  EXPECT_EQ(major(*b, 1), 2);
  EXPECT_FALSE(rec.saw(boot::Event::dependency_unmet, unmet_a(0, true))) << rec.log;
}

TEST_F(MultiImage, DependencyMetByThePrimary) {
  auto f = factory();
  put(f, kLayout0.primary_offset, make(0, 2, 1));
  Recorder rec;
  request(f, 1, make(1, 2, 2, {{0, {1, 5, 0, 0}}}));
  auto b = boot_once(f, rec);
  ASSERT_TRUE(b) << rec.log;
  EXPECT_EQ(major(*b, 1), 2);
}

TEST_F(MultiImage, DependencyNotMetIsRefusedWithItsReason) {
  auto f = factory();
  Recorder rec;
  request(f, 1, make(1, 2, 2, {{0, {2, 1, 0, 0}}}));
  auto b = boot_once(f, rec);
  ASSERT_TRUE(b) << rec.log;
  EXPECT_EQ(major(*b, 0), 1);
  EXPECT_EQ(major(*b, 1), 1);
  EXPECT_TRUE(saw(rec, boot::Event::dependency_unmet, unmet_a(0, true), 2u << 24 | 1u << 16)) << rec.log;
  EXPECT_FALSE(request_pending(f, 1)) << "an unmet request is cancelled";
  EXPECT_TRUE(holds(f, kLayout1.primary_offset, ns1));
  // A request for an image the device does not have is never met.
  request(f, 1, make(1, 2, 2, {{7, {0, 0, 0, 0}}}));
  Recorder rec2;
  b = boot_once(f, rec2);
  ASSERT_TRUE(b) << rec2.log;
  EXPECT_EQ(major(*b, 1), 1);
  EXPECT_TRUE(rec2.saw(boot::Event::dependency_unmet, unmet_a(7, true))) << rec2.log;
}

TEST_F(MultiImage, CancellingOneRequestCancelsTheOneThatNeededIt) {
  // Image 0 v2 needs image 1 >= 2; image 1 v2 needs image 0 >= 3 (not coming): image 1's
  // request drops out, and with it image 0's.
  auto f = factory();
  Recorder rec;
  request(f, 0, make(0, 2, 2, {{1, {2, 0, 0, 0}}}));
  request(f, 1, make(1, 2, 2, {{0, {3, 0, 0, 0}}}));
  auto b = boot_once(f, rec);
  ASSERT_TRUE(b) << rec.log;
  EXPECT_EQ(major(*b, 0), 1);
  EXPECT_EQ(major(*b, 1), 1);
  EXPECT_FALSE(request_pending(f, 0));
  EXPECT_FALSE(request_pending(f, 1));
  EXPECT_TRUE(saw(rec, boot::Event::dependency_unmet, unmet_a(0, true), 3u << 24)) << rec.log;
  EXPECT_TRUE(saw(rec, boot::Event::dependency_unmet, unmet_a(1, true), 2u << 24)) << rec.log;
}

TEST_F(MultiImage, ConfirmedPrimaryWithAnUnmetDependencyDoesNotBoot) {
  auto f = factory();
  put(f, kLayout1.primary_offset, make(1, 2, 1, {{0, {2, 0, 0, 0}}}));
  Recorder rec;
  auto b = boot_once(f, rec);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error(), boot::Error::no_bootable_image);
  EXPECT_TRUE(saw(rec, boot::Event::dependency_unmet, unmet_a(0, false), 2u << 24)) << rec.log;
}

TEST_F(MultiImage, OnlyOneOfADependentPairConfirmedKeepsTheOther) {
  // Both upgraded in one boot, image 1 needing image 0 v2; image 1 is confirmed, image 0 is not
  // (the secure side's FWU accept confirms every image on trial, one after the other: a power cut
  // in between). Reverting image 0 would leave image 1, confirmed, without what it needs, at every
  // boot from then on; image 1 was confirmed with image 0 v2 running, so image 0's trial is kept.
  auto f = factory();
  Recorder rec;
  request(f, 0, make(0, 2, 2));
  request(f, 1, make(1, 2, 2, {{0, {2, 0, 0, 0}}}));
  ASSERT_TRUE(boot_once(f, rec)) << rec.log;
  confirm(f, 1);
  auto b = boot_once(f, rec);
  ASSERT_TRUE(b) << rec.log;
  EXPECT_EQ(major(*b, 0), 2);
  EXPECT_EQ(major(*b, 1), 2);
  EXPECT_FALSE(b->image[0].test_boot);
  EXPECT_TRUE(saw(rec, boot::Event::trial_kept, 1, 2u << 24)) << rec.log;
  EXPECT_EQ(counter(f, 0), 2u);
  // A trial the confirmed image does not need (the image before meets its dependency too) is
  // still reverted.
  auto h = factory();
  put(h, kLayout1.primary_offset, make(1, 1, 1, {{0, {1, 0, 0, 0}}}));
  request(h, 0, make(0, 2, 2));
  ASSERT_TRUE(boot_once(h, rec));
  b = boot_once(h, rec);
  ASSERT_TRUE(b) << rec.log;
  EXPECT_EQ(major(*b, 0), 1);
  // Both confirmed: both stay.
  auto g = factory();
  request(g, 0, make(0, 2, 2));
  request(g, 1, make(1, 2, 2, {{0, {2, 0, 0, 0}}}));
  ASSERT_TRUE(boot_once(g, rec));
  confirm(g, 0);
  confirm(g, 1);
  b = boot_once(g, rec);
  ASSERT_TRUE(b) << rec.log;
  EXPECT_EQ(major(*b, 0), 2);
  EXPECT_EQ(major(*b, 1), 2);
  EXPECT_EQ(counter(g, 0), 2u);
  EXPECT_EQ(counter(g, 1), 2u);
}

// Red team (issue 13): a request that is signed, not below its own security counter and whose own
// dependencies are met, but that takes away what the *other*, confirmed image depends on. The
// secure image's FWU service accepts it (it checks signature and counter only), so any non-secure
// caller can stage it. Before the fix the engine checked only the requests' dependencies, swapped
// image 0 back to 1.x, then refused the confirmed image 1 (no_bootable_image): the device halted
// until a reset reverted the trial. MCUboot checks the dependencies of every image that will run.
TEST_F(MultiImage, RedteamDowngradeThatBreaksAConfirmedPrimarysDependencyIsRefused) {
  auto f = factory();
  const Bytes s2 = make(0, 2, 2);
  const Bytes ns2 = make(1, 2, 2, {{0, {2, 0, 0, 0}}});
  put(f, kLayout0.primary_offset, s2);
  put(f, kLayout1.primary_offset, ns2);
  Recorder rec;
  auto b = boot_once(f, rec);
  ASSERT_TRUE(b) << rec.log;
  ASSERT_EQ(counter(f, 0), 2u);
  // Image 0 at 1.9.0 with the same security counter: not a rollback by the counter.
  request(f, 0, test_images::make_image(*keys[0], {.major = 1, .payload_size = 2100, .security_counter = 2,
                                                   .seed = 77}));
  Recorder rec2;
  b = boot_once(f, rec2);
  ASSERT_TRUE(b) << "the device no longer boots: " << rec2.log;
  EXPECT_EQ(major(*b, 0), 2);
  EXPECT_EQ(major(*b, 1), 2);
  EXPECT_FALSE(b->image[0].test_boot);
  EXPECT_FALSE(request_pending(f, 0)) << "the request is cancelled";
  EXPECT_TRUE(saw(rec2, boot::Event::request_breaks_dependency, 1, 2u << 24)) << rec2.log;
  EXPECT_TRUE(holds(f, kLayout0.primary_offset, s2));
}

// Red team: the security counter is raised only when a confirmed image boots, so between
// psa_fwu_accept() and the next boot the stored counter still holds the old value. A request with a
// counter between the two (the previous, vulnerable image) was swapped in although a newer,
// confirmed image with a higher counter was in the primary slot: a rollback. The primary a request
// is looked at against is always the confirmed one (finish() settled any trial), and this very
// boot would have raised the counter to its value.
TEST_F(MultiImage, RedteamRequestBelowTheConfirmedPrimarysCounterIsARollback) {
  for (int i : {0, 1}) {
    auto f = factory();  // stored counters 1
    const Bytes v2 = make(i, 2, 2);
    put(f, kLayouts[i]->primary_offset, v2);  // confirmed (a factory image), counter 2, not booted yet
    request(f, i, make(i, 3, 1));
    Recorder rec;
    auto b = boot_once(f, rec);
    ASSERT_TRUE(b) << rec.log;
    EXPECT_EQ(major(*b, i), 2) << i << ": rolled back to counter 1 past a confirmed counter-2 image";
    EXPECT_FALSE(b->image[i].test_boot) << i;
    EXPECT_TRUE(saw(rec, boot::Event::rollback_rejected, 1, 2)) << i << ": " << rec.log;
    EXPECT_FALSE(request_pending(f, i)) << i;
    EXPECT_EQ(counter(f, i), 2u) << i;
  }
}

// Red team 13: a dependency whose provider's request drops out for another reason (here a
// rollback by the counter: image 0 2.0.0 signed with counter 0, below the stored 1) is unmet: the
// dependent request is cancelled too, and both 1.0.0 images keep running.
TEST_F(MultiImage, Redteam13ADependencyOnARolledBackRequestIsUnmet) {
  auto f = factory();
  request(f, 0, make(0, 2, 0));
  request(f, 1, make(1, 2, 2, {{0, {2, 0, 0, 0}}}));
  Recorder rec;
  auto b = boot_once(f, rec);
  ASSERT_TRUE(b) << rec.log;
  EXPECT_EQ(major(*b, 0), 1);
  EXPECT_EQ(major(*b, 1), 1);
  EXPECT_FALSE(b->image[0].test_boot);
  EXPECT_FALSE(b->image[1].test_boot);
  EXPECT_TRUE(saw(rec, boot::Event::rollback_rejected, 0, 1)) << rec.log;
  EXPECT_TRUE(saw(rec, boot::Event::dependency_unmet, unmet_a(0, true), 2u << 24)) << rec.log;
  EXPECT_FALSE(request_pending(f, 0));
  EXPECT_FALSE(request_pending(f, 1));
  EXPECT_EQ(counter(f, 0), 1u);
  EXPECT_EQ(counter(f, 1), 1u);
}

// Red team 13: a dependency can only be signed in. One appended to the unprotected TLV area (to
// add a requirement past the signature, or to name another version) gets the request refused as a
// misplaced TLV; one removed from the protected area (retyped to a TLV Ward ignores) breaks the
// hash. Either way the request is cancelled and nothing is swapped.
TEST_F(MultiImage, Redteam13DependenciesCannotBeAddedOrRemovedPastTheSignature) {
  const Bytes signed_req = make(1, 2, 2, {{0, {2, 0, 0, 0}}});
  image::MemorySource src{std::as_bytes(std::span{signed_req})};
  const auto l = *image::layout(src, static_cast<std::uint32_t>(signed_req.size()));
  // Appended: {type 0x40, length 12, image 0, pad, version 0.0.0+0}.
  Bytes appended = make(1, 2, 2);
  {
    image::MemorySource asrc{std::as_bytes(std::span{appended})};
    const auto al = *image::layout(asrc, static_cast<std::uint32_t>(appended.size()));
    appended.resize(al.total_size);
    appended.insert(appended.end(), {0x40, 0x00, 12, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0});
    const auto total = static_cast<std::uint16_t>(al.tlv_size + 16);
    appended[al.tlv_offset + 2] = static_cast<std::uint8_t>(total);
    appended[al.tlv_offset + 3] = static_cast<std::uint8_t>(total >> 8);
  }
  // Removed: the protected dependency TLV retyped to 0x00A0 (ignored where signed).
  Bytes removed = signed_req;
  bool found = false;
  ASSERT_TRUE(image::for_each_tlv(src, l, [&](const image::Tlv& t) -> image::Status {
    if (t.type == image::tlv::kDependency) {
      removed[t.value_offset - 4] = 0xA0;
      found = true;
    }
    return {};
  }));
  ASSERT_TRUE(found);
  const std::pair<const Bytes*, image::Error> cases[] = {{&appended, image::Error::bad_tlv},
                                                         {&removed, image::Error::hash_mismatch}};
  for (const auto& [img, why] : cases) {
    auto f = factory();
    request(f, 1, *img);
    Recorder rec;
    auto b = boot_once(f, rec);
    ASSERT_TRUE(b) << rec.log;
    EXPECT_EQ(major(*b, 1), 1) << rec.log;
    EXPECT_TRUE(saw(rec, boot::Event::upgrade_rejected, static_cast<std::uint32_t>(why), 0)) << rec.log;
    EXPECT_FALSE(request_pending(f, 1));
    EXPECT_TRUE(holds(f, kLayout1.primary_offset, ns1));
  }
}

// Red team 13: an image that needs itself at a version it is not (image 1 2.0.0 needing image 1 >=
// 3.0.0) never meets its dependency: as a request it is cancelled, and as a confirmed primary it
// does not boot. Needing itself at its own version is met.
TEST_F(MultiImage, Redteam13ASelfDependencyIsCheckedLikeAnyOther) {
  auto f = factory();
  request(f, 1, make(1, 2, 2, {{1, {3, 0, 0, 0}}}));
  Recorder rec;
  auto b = boot_once(f, rec);
  ASSERT_TRUE(b) << rec.log;
  EXPECT_EQ(major(*b, 1), 1);
  EXPECT_TRUE(saw(rec, boot::Event::dependency_unmet, unmet_a(1, true), 3u << 24)) << rec.log;
  EXPECT_FALSE(request_pending(f, 1));
  request(f, 1, make(1, 2, 2, {{1, {2, 0, 0, 0}}}));
  Recorder rec2;
  b = boot_once(f, rec2);
  ASSERT_TRUE(b) << rec2.log;
  EXPECT_EQ(major(*b, 1), 2);
  EXPECT_TRUE(b->image[1].test_boot);
  auto g = factory();
  put(g, kLayout1.primary_offset, make(1, 2, 1, {{1, {3, 0, 0, 0}}}));
  Recorder rec3;
  b = boot_once(g, rec3);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error(), boot::Error::no_bootable_image);
}

// Red team: psa_fwu_accept() confirms the images on trial one after the other (image 0's image_ok,
// then image 1's). A power cut between the two writes left image 0 confirmed and image 1 on trial;
// the next boot reverted image 1, and image 0, which needs image 1 >= 2, was confirmed with an
// unmet dependency: refused at every boot from then on. Now image 1's trial is kept (step 0).
TEST_F(MultiImage, RedteamPowerCutBetweenTheTwoConfirmationsOfAcceptDoesNotBrick) {
  auto f = factory();
  request(f, 0, make(0, 2, 2, {{1, {2, 0, 0, 0}}}));
  request(f, 1, make(1, 2, 2));
  Recorder rec;
  auto b = boot_once(f, rec);
  ASSERT_TRUE(b) << rec.log;
  ASSERT_TRUE(b->image[0].test_boot && b->image[1].test_boot);
  confirm(f, 0);  // accept(): image 0's image_ok is written, the power goes before image 1's
  for (int attempt = 0; attempt < 3; ++attempt) {
    Recorder again;
    b = boot_once(f, again);
    ASSERT_TRUE(b) << "boot " << attempt << " after the cut: " << again.log;
    EXPECT_EQ(major(*b, 0), major(*b, 1)) << "one image of the pair without the other";
  }
}

// The power-cut sweep of a two-image upgrade: image 0 and image 1 requested together, image 1
// needing image 0 v2. A cut at every flash operation, then reboots until the device boots: the
// pair must come out either both upgraded (on trial) or, when image 0's trial was already
// committed at the cut (its copy_done complete, so that trial is used up), both back at v1. Never
// one without the other, and every boot that returns has its dependencies met.
class MultiSweep : public MultiImage {
 protected:
  void SetUp() override {
    MultiImage::SetUp();
    s2 = make(0, 2, 2, {}, -1, 4500);
    ns2 = make(1, 2, 2, {{0, {2, 0, 0, 0}}}, -1, 3100);
  }
  flash::SimFlash requested(std::uint64_t seed) {
    auto f = factory(seed);
    request(f, 0, s2);
    request(f, 1, ns2);
    return f;
  }
  static bool committed(flash::SimFlash& f, int i) {
    f.power_on();
    return boot::read_trailer(kLayouts[i]->primary(f), *kLayouts[i])->copy_done == boot::Field::set;
  }
  boot::BootImages recover(flash::SimFlash& f, Recorder& rec, const std::string& where) {
    f.power_on();
    for (int attempt = 0; attempt < 3; ++attempt) {
      auto b = boot_once(f, rec);
      if (b) {
        return *b;
      }
      ADD_FAILURE() << where << ": boot failed, events: " << rec.log;
      f.power_on();
    }
    return {};
  }
  void expect_pair(flash::SimFlash& f, const boot::BootImages& b, int version, const std::string& where) {
    EXPECT_EQ(major(b, 0), version) << where;
    EXPECT_EQ(major(b, 1), version) << where;
    EXPECT_TRUE(holds(f, kLayout0.primary_offset, version == 2 ? s2 : s1)) << where;
    EXPECT_TRUE(holds(f, kLayout1.primary_offset, version == 2 ? ns2 : ns1)) << where;
    EXPECT_EQ(b.image[0].test_boot, version == 2) << where;
    EXPECT_EQ(b.image[1].test_boot, version == 2) << where;
    EXPECT_FALSE(request_pending(f, 0)) << where;
    EXPECT_FALSE(request_pending(f, 1)) << where;
    EXPECT_EQ(counter(f, 0), 1u) << where;
    EXPECT_EQ(counter(f, 1), 1u) << where;
  }
  Bytes s2, ns2;
};

TEST_F(MultiSweep, PowerCutAtEveryOperationOfATwoImageUpgrade) {
  std::uint64_t total = 0;
  {
    auto f = requested(1);
    Recorder rec;
    auto b = boot_once(f, rec);
    ASSERT_TRUE(b) << rec.log;
    expect_pair(f, *b, 2, "uncut");
    total = f.stats().operations();
  }
  ASSERT_GT(total, 40u);
  for (std::uint64_t cut = 0; cut < total; ++cut) {
    auto f = requested(cut + 1);
    Recorder rec;
    f.arm_power_cut(cut);
    EXPECT_FALSE(boot_once(f, rec)) << "cut " << cut << " did not stop the boot";
    const auto where = "two-image upgrade cut at operation " + std::to_string(cut) + " of " + std::to_string(total);
    const bool trial_over = committed(f, 0);
    auto b = recover(f, rec, where);
    expect_pair(f, b, trial_over ? 1 : 2, where);
    // And the boot after that is steady: the same pair, no flash work.
    const auto before = f.stats().operations();
    auto again = boot_once(f, rec);
    ASSERT_TRUE(again) << where;
    if (trial_over) {
      EXPECT_EQ(f.stats().operations(), before) << where;
    }
    EXPECT_EQ(major(*again, 0), major(*again, 1)) << where << ": one image without the other";
    if (HasFailure()) {
      FAIL() << where << " events: " << rec.log;
    }
  }
}

TEST_F(MultiSweep, PowerCutAtEveryOperationOfATwoImageRevert) {
  auto tested = requested(1);
  Recorder rec0;
  ASSERT_TRUE(boot_once(tested, rec0));  // both on trial, neither confirms
  const std::vector<std::byte> snapshot = tested.raw();
  std::uint64_t total = 0;
  {
    auto f = tested;
    f.reset_stats();
    Recorder rec;
    auto b = boot_once(f, rec);
    ASSERT_TRUE(b) << rec.log;
    expect_pair(f, *b, 1, "uncut revert");
    total = f.stats().operations();
  }
  ASSERT_GT(total, 40u);
  for (std::uint64_t cut = 0; cut < total; ++cut) {
    flash::SimFlash f{kGeo2, cut + 5};
    std::copy(snapshot.begin(), snapshot.end(), f.raw().begin());
    Recorder rec;
    f.arm_power_cut(cut);
    EXPECT_FALSE(boot_once(f, rec)) << "cut " << cut;
    const auto where = "two-image revert cut at operation " + std::to_string(cut) + " of " + std::to_string(total);
    auto b = recover(f, rec, where);
    expect_pair(f, b, 1, where);
    if (HasFailure()) {
      FAIL() << where << " events: " << rec.log;
    }
  }
}

}  // namespace
