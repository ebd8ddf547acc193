// Red team of the chain of trust (issue 13): the Firmware Update service as a hostile non-secure
// caller sees it. Every test here fails if its attack succeeds.
//   - the rollback window between psa_fwu_accept() and the next boot (the stored counter lags);
//   - the two components' keys (an image of one signed for the other);
//   - what any sequence of requests may write on the boot flash without a reboot: never a security
//     counter, never a primary slot but its image_ok, never a swap sector.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <ward/secure/update_wire.h>

#include "fwu_device.hpp"
#include "ward/boot/boot_crypto.hpp"
#include "ward/boot/security_counter.hpp"

namespace {
using namespace ward;
using fwu_test::Bytes;
using fwu_test::Device;
using fwu_test::kLayout;
constexpr psa_fwu_component_t kS = WARD_FWU_COMPONENT_SECURE;
constexpr psa_fwu_component_t kNs = WARD_FWU_COMPONENT_NONSECURE;

class FwuRedteam : public test_images::TwoImageKeys {
 protected:
  static Bytes image(int key, std::uint8_t major, std::uint32_t counter, std::uint32_t size = 3000) {
    return test_images::make_image(*keys[key], {.major = major, .payload_size = size, .security_counter = counter,
                                                .seed = static_cast<std::uint8_t>(major * 3 + key)});
  }

  static psa_status_t stage(secure::fwu::Service& s, psa_fwu_component_t c, const Bytes& img) {
    if (const auto st = s.start(c, 0); st != PSA_SUCCESS) return st;
    for (std::uint32_t off = 0; off < img.size(); off += 512) {
      const auto n = std::min<std::uint32_t>(512, static_cast<std::uint32_t>(img.size()) - off);
      if (const auto st = s.write(c, off, std::as_bytes(std::span{img}.subspan(off, n))); st != PSA_SUCCESS) {
        return st;
      }
    }
    return s.finish(c);
  }
};

// psa_fwu_accept() confirms the trial (image_ok); the bootloader raises the stored counter only
// when it boots that confirmed image. Until the next boot a caller could clean, stage the previous
// image (counter 1: not below the stored 1) and install it: the bootloader swapped it in over the
// confirmed counter-2 image. Both the service and the bootloader must measure a new image against
// the confirmed image's counter.
TEST_F(FwuRedteam, RollbackBetweenAcceptAndTheNextBootIsRefused) {
  Device dev{keys[1]->pub};
  const Bytes v1 = image(1, 1, 1);
  const Bytes v2 = image(1, 2, 2, 4100);
  sim_device::put(dev.flash, kLayout.primary_offset, v1);
  ASSERT_TRUE(dev.reboot()) << dev.boot_log;
  ASSERT_EQ(*boot::SecurityCounter{kLayout.counter(dev.flash)}.read(), 1u);
  ASSERT_EQ(stage(*dev.fwu, kNs, v2), PSA_SUCCESS);
  ASSERT_EQ(dev.fwu->install(), PSA_SUCCESS_REBOOT);
  ASSERT_TRUE(dev.reboot()) << dev.boot_log;
  ASSERT_EQ(dev.state(), PSA_FWU_TRIAL);
  ASSERT_EQ(dev.fwu->accept(), PSA_SUCCESS);
  ASSERT_EQ(dev.state(), PSA_FWU_UPDATED);
  // No reboot yet: the stored counter is still 1. The attack: the previous image again.
  ASSERT_EQ(dev.fwu->clean(kNs), PSA_SUCCESS);
  ASSERT_EQ(stage(*dev.fwu, kNs, v1), PSA_SUCCESS);
  EXPECT_EQ(dev.fwu->install(), PSA_ERROR_NOT_PERMITTED) << "a rollback past a confirmed image was installed";
  // And the bootloader on its own (a request made while the counter lags, e.g. by an older service).
  auto f = dev.flash;  // a copy of the device
  const auto& l = kLayout;
  Bytes padded = v1;
  padded.resize(l.slot_size(), 0xFF);
  std::copy(image::trailer::kMagic.begin(), image::trailer::kMagic.end(), padded.begin() + l.trailer().magic());
  for (std::uint32_t s = 0; s < l.slot_sectors; ++s) {
    ASSERT_TRUE(l.secondary(f).erase_sector(s));
  }
  sim_device::put(f, l.secondary_offset + l.sector_size(), padded);
  sim_device::Recorder rec;
  boot::FlashLoader loader;
  boot::Engine engine{f, l, keys[1]->pub, dev.crypto, rec};
  auto b = engine.run(loader);
  ASSERT_TRUE(b) << rec.log;
  EXPECT_EQ(b->manifest.layout.header.version.major, 2) << "the bootloader rolled back: " << rec.log;
  EXPECT_TRUE(rec.saw(boot::Event::rollback_rejected, 1)) << rec.log;
}

// --- Two components on one flash, as in the chain (secure/firmware/services.cpp kChainComponents) --

using sim_device::kLayout0;
using sim_device::kLayout1;
inline constexpr std::uint32_t kIts2 = 54 * 1024;
inline constexpr flash::Geometry kGeoTwo{.size = kIts2 + 8 * 1024, .sector_size = 1024, .write_align = 8};

struct TwoComponents {
  TwoComponents(const image::PublicKey& k0, const image::PublicKey& k1)
      : key0{k0}, key1{k1}, flash{kGeoTwo, 3} {
    its.emplace(flash::Region{flash, kIts2, 8 * 1024}, keys, scratch, index, secure::storage::Limits{256, 2048});
    EXPECT_EQ(its->mount(), PSA_SUCCESS);
    fwu.emplace(flash, *its, crypto, components);
    fwu->mount();
  }
  image::PublicKey key0, key1;
  flash::SimFlash flash;
  secure::crypto::ImageCrypto crypto;
  secure::storage::Keys keys = fwu_test::test_keys();
  alignas(8) std::array<std::byte, secure::storage::scratch_bytes(256)> scratch{};
  std::array<secure::storage::IndexEntry, 8> index{};
  std::optional<secure::storage::Store> its;
  std::array<secure::fwu::Component, 2> components{{{kS, &kLayout0, &key0, 0}, {kNs, &kLayout1, &key1, 1}}};
  std::optional<secure::fwu::Service> fwu;

  // A reset: the chain's bootloader (both images), then the secure image's services.
  boot::Result<boot::BootImages> reboot() {
    flash.power_on();
    sim_device::Recorder rec;
    boot::BootCrypto boot_crypto;
    boot::FlashLoader l0, l1;
    const boot::ImageSlot slots[2] = {{&kLayout0, &key0, &l0}, {&kLayout1, &key1, &l1}};
    auto b = boot::MultiEngine{flash, slots, boot_crypto, rec}.run();
    log = rec.log;
    fwu.reset();
    its.emplace(flash::Region{flash, kIts2, 8 * 1024}, keys, scratch, index, secure::storage::Limits{256, 2048});
    EXPECT_EQ(its->mount(), PSA_SUCCESS);
    fwu.emplace(flash, *its, crypto, components);
    fwu->mount();
    return b;
  }
  std::string log;
};

// An image signed with the other component's key is refused by install(), both ways, and nothing
// is requested from the bootloader.
TEST_F(FwuRedteam, EachComponentTakesOnlyItsOwnKey) {
  for (const int c : {0, 1}) {
    TwoComponents dev{keys[0]->pub, keys[1]->pub};
    const auto comp = static_cast<psa_fwu_component_t>(c);
    ASSERT_EQ(stage(*dev.fwu, comp, image(1 - c, 2, 2)), PSA_SUCCESS);
    EXPECT_EQ(dev.fwu->install(), PSA_ERROR_INVALID_SIGNATURE) << c;
    for (const auto* l : {&kLayout0, &kLayout1}) {
      EXPECT_NE(*boot::read_magic(l->secondary(dev.flash)), boot::Field::set) << c;
    }
    // Its own key's image goes through.
    ASSERT_EQ(dev.fwu->clean(comp), PSA_SUCCESS);
    ASSERT_EQ(stage(*dev.fwu, comp, image(c, 2, 2)), PSA_SUCCESS);
    EXPECT_EQ(dev.fwu->install(), PSA_SUCCESS_REBOOT) << c;
  }
}

// Random request sequences from a hostile caller (valid and invalid images of both keys, blocks at
// any offset, every request type), no reboot in between: whatever the service does, it never writes
// a security counter, a primary slot other than its image_ok unit, or a secondary partition's swap
// sector. Those belong to the bootloader.
TEST_F(FwuRedteam, NoRequestSequenceWritesCountersPrimariesOrSwapSectors) {
  const Bytes images[] = {image(0, 2, 2), image(1, 2, 2), image(0, 3, 0), image(1, 1, 5, 900)};
  std::mt19937 rng{1234};
  for (int run = 0; run < 60; ++run) {
    TwoComponents dev{keys[0]->pub, keys[1]->pub};
    // A device that booted v1 of both (confirmed), and is on trial for nothing.
    sim_device::put(dev.flash, kLayout0.primary_offset, image(0, 1, 1));
    sim_device::put(dev.flash, kLayout1.primary_offset, image(1, 1, 1));
    ASSERT_TRUE(boot::SecurityCounter{kLayout0.counter(dev.flash)}.raise(1));
    ASSERT_TRUE(boot::SecurityCounter{kLayout1.counter(dev.flash)}.raise(1));
    // Half of the runs: component `run % 2` on trial (a swap recorded, copy_done, no image_ok).
    if (run % 4 < 2) {
      const auto& l = run % 2 == 0 ? kLayout0 : kLayout1;
      const auto p = l.primary(dev.flash);
      ASSERT_TRUE(boot::write_word(p, l.trailer().swap_size(), l.sector_size() * 4));
      ASSERT_TRUE(boot::write_word(p, l.trailer().swap_info(), 0xFFFFFF02u));
      ASSERT_TRUE(boot::write_magic(p));
      ASSERT_TRUE(boot::write_flag(p, l.trailer().copy_done()));
    }
    dev.fwu->mount();
    const std::vector<std::byte> before = dev.flash.raw();
    for (int step = 0; step < 40; ++step) {
      const auto comp = static_cast<psa_fwu_component_t>(rng() % 3);
      const Bytes& img = images[rng() % std::size(images)];
      switch (rng() % 10) {
        case 0: (void)dev.fwu->start(comp, 0); break;
        case 1:
        case 2: {
          const std::uint32_t off = (rng() % 2 == 0 ? 0u : rng() % static_cast<std::uint32_t>(img.size())) & ~7u;
          const std::uint32_t n = std::min<std::uint32_t>(1 + rng() % 2048, static_cast<std::uint32_t>(img.size()) - off);
          (void)dev.fwu->write(comp, off, std::as_bytes(std::span{img}.subspan(off, n)));
          break;
        }
        case 3: (void)stage(*dev.fwu, comp, img); break;
        case 4: (void)dev.fwu->finish(comp); break;
        case 5: (void)dev.fwu->cancel(comp); break;
        case 6: (void)dev.fwu->clean(comp); break;
        case 7: (void)dev.fwu->install(); break;
        case 8: (void)dev.fwu->reject(-static_cast<psa_status_t>(rng() % 100)); break;
        case 9: (void)dev.fwu->accept(); break;
      }
    }
    const auto& after = dev.flash.raw();
    for (const auto* l : {&kLayout0, &kLayout1}) {
      auto same = [&](std::uint32_t off, std::uint32_t size) {
        return std::equal(before.begin() + off, before.begin() + off + size, after.begin() + off);
      };
      EXPECT_TRUE(same(l->counter_offset, boot::FlashLayout::kCounterSectors * l->sector_size())) << "run " << run;
      EXPECT_TRUE(same(l->secondary_offset, l->sector_size())) << "swap sector, run " << run;
      const std::uint32_t ok_at = l->primary_offset + l->trailer().image_ok();
      EXPECT_TRUE(same(l->primary_offset, ok_at - l->primary_offset)) << "primary, run " << run;
      EXPECT_TRUE(same(ok_at + l->unit(), l->primary_offset + l->slot_size() - ok_at - l->unit()))
          << "primary trailer, run " << run;
    }
  }
}

// The whole path of a two-image update through the service, the secure image needing the new
// non-secure one: both staged, installed, test-booted, then accept() with a power cut at each of
// its flash operations. accept() confirms one component after the other; a cut in between left the
// secure image confirmed and the non-secure one reverted, and the device refused to boot from then
// on (no bootable image). Every cut must leave a device that boots, with both at the same version.
TEST_F(FwuRedteam, PowerCutDuringATwoComponentAcceptNeverBricks) {
  const Bytes s1 = image(0, 1, 1), ns1 = image(1, 1, 1);
  const Bytes s2 = test_images::make_image(*keys[0], {.major = 2, .payload_size = 3300, .security_counter = 2,
                                                      .seed = 21, .dependencies = {{1, {2, 0, 0, 0}}}});
  const Bytes ns2 = image(1, 2, 2, 2500);
  for (std::uint64_t cut = 0;; ++cut) {
    TwoComponents dev{keys[0]->pub, keys[1]->pub};
    sim_device::put(dev.flash, kLayout0.primary_offset, s1);
    sim_device::put(dev.flash, kLayout1.primary_offset, ns1);
    ASSERT_TRUE(dev.reboot()) << dev.log;
    ASSERT_EQ(stage(*dev.fwu, kS, s2), PSA_SUCCESS);
    ASSERT_EQ(stage(*dev.fwu, kNs, ns2), PSA_SUCCESS);
    ASSERT_EQ(dev.fwu->install(), PSA_SUCCESS_REBOOT);
    auto b = dev.reboot();
    ASSERT_TRUE(b) << dev.log;
    ASSERT_TRUE(b->image[0].test_boot && b->image[1].test_boot);
    dev.flash.arm_power_cut(cut);
    const psa_status_t accepted = dev.fwu->accept();
    const bool was_cut = !dev.flash.powered();
    for (int boot_no = 0; boot_no < 2; ++boot_no) {
      b = dev.reboot();
      ASSERT_TRUE(b) << "cut " << cut << ", boot " << boot_no << ": the device does not boot: " << dev.log;
      EXPECT_EQ(b->image[0].manifest.layout.header.version.major, b->image[1].manifest.layout.header.version.major)
          << "cut " << cut;
    }
    if (!was_cut) {
      EXPECT_EQ(accepted, PSA_SUCCESS);
      EXPECT_EQ(b->image[0].manifest.layout.header.version.major, 2);
      EXPECT_GT(cut, 1u) << "accept() writes at least the two image_ok flags";
      break;
    }
  }
}

// Random request sequences of a hostile caller with reboots in between (images of both keys, valid
// and refused, downgrades, rollbacks, dependencies met and unmet; every request type at any time):
// what the service answers must hold at the next boot. The device always boots, never runs a pair
// whose dependencies are unmet, nor an image below its stored counter, and the counters never go
// down; every component STAGED at a reboot runs on trial after it (install's PSA_SUCCESS_REBOOT is
// a request the bootloader takes, not one it cancels); every trial not accepted is reverted
// (FAILED) at the next boot.
TEST_F(FwuRedteam, RandomRequestsAndRebootsKeepTheServicesPromises) {
  auto make = [](int key, std::uint8_t major, std::uint32_t counter, std::uint8_t seed,
                 std::vector<image::Dependency> deps = {}) {
    return test_images::make_image(*keys[key], {.major = major, .payload_size = 1500u + 97u * seed,
                                                .security_counter = counter, .seed = seed,
                                                .dependencies = std::move(deps)});
  };
  struct Offer {
    psa_fwu_component_t c;
    Bytes img;
  };
  const std::vector<Offer> offers = {
      {kS, make(0, 2, 2, 1)},                            // an upgrade
      {kS, make(0, 1, 2, 2)},                            // a downgrade that is no rollback
      {kS, make(0, 3, 1, 3)},                            // a rollback once the counter is 2
      {kS, make(1, 2, 2, 4)},                            // the other component's key
      {kS, make(0, 4, 3, 5, {{1, {3, 0, 0, 0}}})},       // needs the non-secure 3.0.0
      {kNs, make(1, 2, 2, 6)},                           // an upgrade
      {kNs, make(1, 3, 2, 7, {{0, {2, 0, 0, 0}}})},      // needs the secure 2.0.0
      {kNs, make(1, 1, 1, 8)},                           // the version the device started with
      {kNs, make(0, 2, 2, 9)},                           // the other component's key
      {kNs, make(1, 5, 3, 10, {{0, {9, 0, 0, 0}}})},     // needs a secure image that does not exist
  };
  std::mt19937 rng{2026};
  int installs = 0, staged_reboots = 0;
  for (int run = 0; run < 24; ++run) {
    SCOPED_TRACE("run " + std::to_string(run));
    TwoComponents dev{keys[0]->pub, keys[1]->pub};
    sim_device::put(dev.flash, kLayout0.primary_offset, make(0, 1, 1, 11));
    sim_device::put(dev.flash, kLayout1.primary_offset, make(1, 1, 1, 12));
    auto b = dev.reboot();
    ASSERT_TRUE(b) << dev.log;
    std::array<std::uint32_t, 2> counters{b->image[0].security_counter, b->image[1].security_counter};
    for (int step = 0; step < 80; ++step) {
      SCOPED_TRACE("step " + std::to_string(step));
      const Offer& o = offers[rng() % offers.size()];
      const auto comp = static_cast<psa_fwu_component_t>(rng() % 2);
      auto state = [&](psa_fwu_component_t c) {
        psa_fwu_component_info_t info{};
        EXPECT_EQ(dev.fwu->query(c, &info), PSA_SUCCESS);
        return info.state;
      };
      switch (rng() % 14) {
        case 0:
        case 1:
        case 2:
          // A persistent client: whatever the component holds goes, then the offer is staged.
          if (state(o.c) == PSA_FWU_WRITING || state(o.c) == PSA_FWU_CANDIDATE) (void)dev.fwu->cancel(o.c);
          if (state(o.c) == PSA_FWU_FAILED || state(o.c) == PSA_FWU_UPDATED) (void)dev.fwu->clean(o.c);
          (void)stage(*dev.fwu, o.c, o.img);
          break;
        case 3: (void)dev.fwu->start(comp, 0); break;
        case 4: {
          const std::uint32_t off = (rng() % static_cast<std::uint32_t>(o.img.size())) & ~7u;
          const std::uint32_t n = std::min<std::uint32_t>(1 + rng() % 1024, static_cast<std::uint32_t>(o.img.size()) - off);
          (void)dev.fwu->write(o.c, off, std::as_bytes(std::span{o.img}.subspan(off, n)));
          break;
        }
        case 5: (void)dev.fwu->finish(comp); break;
        case 6: (void)dev.fwu->cancel(comp); break;
        case 7: (void)dev.fwu->clean(comp); break;
        case 8:
        case 9: installs += dev.fwu->install() == PSA_SUCCESS_REBOOT; break;
        case 10: (void)dev.fwu->accept(); break;
        case 11: (void)dev.fwu->reject(-1 - static_cast<psa_status_t>(rng() % 100)); break;
        default: {
          std::array<std::uint8_t, 2> before{};
          std::array<std::array<std::uint8_t, 32>, 2> on_trial{};  // the SHA-256 TLV of the image on trial
          for (const psa_fwu_component_t c : {kS, kNs}) {
            before[c] = state(c);
            const auto& l = c == kS ? kLayout0 : kLayout1;
            boot::FlashSource primary{flash::Region{dev.flash, l.primary_offset, l.max_image_size()}};
            if (auto m = image::read_manifest(primary, l.max_image_size())) on_trial[c] = m->sha256;
          }
          staged_reboots += before[0] == PSA_FWU_STAGED || before[1] == PSA_FWU_STAGED;
          b = dev.reboot();
          ASSERT_TRUE(b) << "the device does not boot: " << dev.log;
          for (std::size_t i = 0; i < 2; ++i) {
            const auto& img = b->image[i];
            EXPECT_GE(img.security_counter, counters[i]) << "image " << i << ": the stored counter went down";
            counters[i] = img.security_counter;
            EXPECT_GE(img.manifest.security_counter, img.security_counter) << "image " << i << " rolled back";
            for (std::size_t d = 0; d < img.manifest.dependency_count; ++d) {
              const auto& dep = img.manifest.dependencies[d];
              ASSERT_LT(dep.image_id, 2u) << dev.log;
              EXPECT_TRUE(image::version_at_least(b->image[dep.image_id].manifest.layout.header.version,
                                                  dep.min_version))
                  << "image " << i << " runs with its dependency unmet: " << dev.log;
            }
            psa_fwu_component_info_t info{};
            ASSERT_EQ(dev.fwu->query(static_cast<psa_fwu_component_t>(i), &info), PSA_SUCCESS);
            if (before[i] == PSA_FWU_STAGED) {
              EXPECT_TRUE(img.test_boot && info.state == PSA_FWU_TRIAL)
                  << "image " << i << ": installed, but the bootloader did not take the request: " << dev.log;
            }
            if (before[i] == PSA_FWU_TRIAL || before[i] == PSA_FWU_REJECTED) {
              // Reverted: FAILED, unless the image that came back is the same image (the running
              // one installed again): then the candidate runs, confirmed, and UPDATED is true.
              EXPECT_FALSE(img.test_boot) << "image " << i << ": a trial not accepted was kept: " << dev.log;
              EXPECT_TRUE(info.state == PSA_FWU_FAILED ||
                          (info.state == PSA_FWU_UPDATED && img.manifest.sha256 == on_trial[i]))
                  << "image " << i << ": a trial not accepted was not reverted, state " << int(info.state) << ": "
                  << dev.log;
            }
          }
          break;
        }
      }
    }
  }
  // The sequences reach what they are meant to test (56 and 36 with this seed).
  EXPECT_GT(installs, 20);
  EXPECT_GT(staged_reboots, 20);
}

// The caller policy (a user thread needs the grant ward::grant_secure_service(thread,
// WARD_SERVICE_FWU); privileged threads need none) is the non-secure kernel's, the only one that
// knows a thread's privilege: it is enforced in the non-secure transport and attacked on QEMU by
// qemu.secure_fwu (Fwu.AUserThreadNeedsTheGrant: every call, psa_fwu_request_reboot included).

}  // namespace

// Red team 13: while a component is on trial its secondary partition holds the image a revert
// brings back, and no request may write it (erase_slot() refuses, and start() needs READY). The
// service's state comes from its ITS record and the trailers; here the record says anything at
// all (none, or each state: no request sequence leaves a WRITING record beside a trial, but the
// service must not depend on its record for this, as erase_slot() does not), and a hostile caller
// sends every request that writes a secondary slot. The partition must not change, and the next
// boot must bring the previous image back intact. (A WRITING record let write() program the
// partition after the staged length: bytes the revert erases, so the revert still worked.)
TEST_F(FwuRedteam, NoRecordLetsARequestWriteTheRevertImageDuringATrial) {
  const Bytes v1 = image(1, 1, 1, 3000), v2 = image(1, 2, 2, 5000), v3 = image(1, 3, 3, 7000);
  const std::optional<std::uint8_t> planted[] = {std::nullopt, secure::fwu::Record::writing,
                                                 secure::fwu::Record::candidate, secure::fwu::Record::installed,
                                                 secure::fwu::Record::failed};
  for (const auto& state : planted) {
    TwoComponents dev{keys[0]->pub, keys[1]->pub};
    sim_device::put(dev.flash, kLayout0.primary_offset, image(0, 1, 1));
    sim_device::put(dev.flash, kLayout1.primary_offset, v1);
    ASSERT_TRUE(dev.reboot()) << dev.log;
    ASSERT_EQ(stage(*dev.fwu, kNs, v2), PSA_SUCCESS);
    ASSERT_EQ(dev.fwu->install(), PSA_SUCCESS_REBOOT);
    ASSERT_TRUE(dev.reboot()) << dev.log;
    psa_fwu_component_info_t info{};
    ASSERT_EQ(dev.fwu->query(kNs, &info), PSA_SUCCESS);
    ASSERT_EQ(info.state, PSA_FWU_TRIAL);
    const std::string label = state ? "record state " + std::to_string(*state) : std::string{"no record"};
    if (state) {
      secure::fwu::Record r{};
      r.magic = secure::fwu::kRecordMagic;
      r.state = *state;
      std::array<std::byte, sizeof r> raw{};
      std::memcpy(raw.data(), &r, sizeof r);
      ASSERT_EQ(dev.its->set(secure::kFwuPartition, secure::fwu::kRecordUidBase + kNs, raw, 0), PSA_SUCCESS);
    } else {
      ASSERT_EQ(dev.its->remove(secure::kFwuPartition, secure::fwu::kRecordUidBase + kNs), PSA_SUCCESS);
    }
    dev.fwu->mount();
    const std::vector<std::byte> before = dev.flash.raw();
    // Every request that writes a secondary slot, in the orders a caller might try them.
    for (int round = 0; round < 2; ++round) {
      ASSERT_EQ(dev.fwu->query(kNs, &info), PSA_SUCCESS);
      for (std::uint32_t off : {0u, info.impl.written, static_cast<std::uint32_t>(v1.size() + 64) & ~7u}) {
        const auto n = std::min<std::uint32_t>(512, static_cast<std::uint32_t>(v3.size()) - off);
        (void)dev.fwu->write(kNs, off, std::as_bytes(std::span{v3}.subspan(off, n)));
      }
      // The block the write rules let through whatever is staged: the unit at the staged length
      // repeated as it is in flash, then new bytes (they only clear bits of erased flash).
      const std::uint32_t at = info.impl.written;
      std::array<std::byte, 8 + 64> block{};
      const std::uint32_t staging = kLayout1.secondary_offset + kLayout1.sector_size();
      std::copy_n(dev.flash.raw().begin() + staging + at, 8, block.begin());
      (void)dev.fwu->write(kNs, at, block);
      if (round == 0) {
        (void)dev.fwu->cancel(kNs);
        (void)dev.fwu->clean(kNs);
        (void)dev.fwu->start(kNs, 0);
      }
      (void)dev.fwu->finish(kNs);
      (void)dev.fwu->install();
    }
    const auto& after = dev.flash.raw();
    EXPECT_TRUE(std::equal(before.begin() + kLayout1.secondary_offset,
                           before.begin() + kLayout1.secondary_offset + kLayout1.secondary_size(),
                           after.begin() + kLayout1.secondary_offset))
        << label << ": a request wrote the secondary partition during the trial";
    // The trial is not accepted: the next boot reverts to v1, whole.
    auto b = dev.reboot();
    ASSERT_TRUE(b) << label << ": " << dev.log;
    EXPECT_EQ(b->image[1].manifest.layout.header.version.major, 1) << label << ": " << dev.log;
    EXPECT_TRUE(std::equal(v1.begin(), v1.end(), dev.flash.raw().begin() + kLayout1.primary_offset,
                           [](std::uint8_t a, std::byte x) { return std::byte{a} == x; }))
        << label;
  }
}

// The same record aimed at the revert image itself: one whose last byte is 0xFF (its signature's,
// 1 image in 256), whose bit a write could clear if that byte lay at or after the staged length;
// the revert would then be impossible and the unaccepted trial would run at every boot. It does not
// lie there (the new image's last sector stays after it in the partition, so the staged length is
// past it and the write must repeat its bytes), and with the record ignored during a trial the
// write is not even taken. The component is on trial, and the next boot reverts.
TEST_F(FwuRedteam, ARecordFromBeforeCannotMakeTheRevertImpossible) {
  Bytes v1;
  for (int i = 0; i < 5000 && (v1.empty() || v1.back() != 0xFF); ++i) v1 = image(1, 1, 1, 3000);
  ASSERT_EQ(v1.back(), 0xFF) << "no signature ending in 0xff in 5000 tries";
  const Bytes v2 = image(1, 2, 2, 5000);
  TwoComponents dev{keys[0]->pub, keys[1]->pub};
  sim_device::put(dev.flash, kLayout0.primary_offset, image(0, 1, 1));
  sim_device::put(dev.flash, kLayout1.primary_offset, v1);
  ASSERT_TRUE(dev.reboot()) << dev.log;
  ASSERT_EQ(stage(*dev.fwu, kNs, v2), PSA_SUCCESS);
  ASSERT_EQ(dev.fwu->install(), PSA_SUCCESS_REBOOT);
  ASSERT_TRUE(dev.reboot()) << dev.log;
  // The record says a download is under way (the precondition: see the test above).
  secure::fwu::Record r{};
  r.magic = secure::fwu::kRecordMagic;
  r.state = secure::fwu::Record::writing;
  std::array<std::byte, sizeof r> raw{};
  std::memcpy(raw.data(), &r, sizeof r);
  ASSERT_EQ(dev.its->set(secure::kFwuPartition, secure::fwu::kRecordUidBase + kNs, raw, 0), PSA_SUCCESS);
  dev.fwu->mount();
  psa_fwu_component_info_t info{};
  ASSERT_EQ(dev.fwu->query(kNs, &info), PSA_SUCCESS);
  EXPECT_EQ(info.state, PSA_FWU_TRIAL);
  // The revert image (v1) lies at the start of the partition; the staging area starts one sector
  // in. The unit holding v1's last byte, with that 0xFF byte cleared.
  const std::uint32_t staging = kLayout1.secondary_offset + kLayout1.sector_size();
  const std::uint32_t last = kLayout1.secondary_offset + static_cast<std::uint32_t>(v1.size()) - 1;
  ASSERT_GE(last, staging);
  const std::uint32_t unit = (last - staging) / 8 * 8;
  std::array<std::byte, 8> block{};
  std::copy_n(dev.flash.raw().begin() + staging + unit, 8, block.begin());
  block[(last - staging) % 8] = std::byte{0x00};
  (void)dev.fwu->write(kNs, unit, block);
  auto b = dev.reboot();
  ASSERT_TRUE(b) << dev.log;
  EXPECT_EQ(b->image[1].manifest.layout.header.version.major, 1) << "the unaccepted trial kept running: " << dev.log;
  EXPECT_FALSE(b->image[1].test_boot) << dev.log;
}
