// The Firmware Update service with both components of the two-image chain (docs/boot.md, "One
// chain of trust"): the secure image (component 0, bootloader image 0) and the non-secure image
// (component 1, image 1), each with its own slots and key, booted by the bootloader's real
// MultiEngine. Each updated on its own and both together; MCUboot's dependency TLV checked at
// install (PSA_ERROR_DEPENDENCY_NEEDED) as the bootloader checks it at boot; an installation is all
// of the candidates or none; one component's key never passes for the other's.
#include <gtest/gtest.h>

#include <optional>

#include "fwu_device.hpp"
#include "ward/boot/security_counter.hpp"

namespace {
using namespace ward;
using fwu_test::Bytes;
namespace tr = image::trailer;
constexpr psa_fwu_component_t kS = WARD_FWU_COMPONENT_SECURE;
constexpr psa_fwu_component_t kNs = WARD_FWU_COMPONENT_NONSECURE;

// Both images' areas (as tests/boot's two-image layout), then 8 KiB of ITS.
constexpr flash::Geometry kGeo{.size = 62 * 1024, .sector_size = 1024, .write_align = 8};
constexpr boot::FlashLayout kL0{kGeo, 0, 2 * 1024, 12, 14 * 1024};
constexpr boot::FlashLayout kL1{kGeo, 27 * 1024, 29 * 1024, 12, 41 * 1024};
static_assert(kL0.valid() && kL1.valid() && kL0.disjoint_from(kL1));
constexpr std::uint32_t kItsBase = 54 * 1024, kItsSize = 8 * 1024;

class FwuTwoImages : public test_images::TwoImageKeys {
 protected:
  static Bytes make(int i, std::uint8_t major, std::uint32_t counter, std::vector<image::Dependency> deps = {},
                    int key = -1) {
    return test_images::make_image(*keys[key < 0 ? i : key],
                                   {.major = major, .payload_size = 2000u + 700u * static_cast<unsigned>(i),
                                    .security_counter = counter,
                                    .seed = static_cast<std::uint8_t>(10 * i + major),
                                    .dependencies = std::move(deps)});
  }

  void SetUp() override {
    sim_device::put(flash, kL0.primary_offset, make(0, 1, 1));
    sim_device::put(flash, kL1.primary_offset, make(1, 1, 1));
    ASSERT_TRUE(reboot()) << log;
  }

  // A reset: the two-image bootloader, then the secure image (ITS, the FWU service).
  boot::Result<boot::BootImages> reboot() {
    sim_device::Recorder rec;
    boot::BootCrypto crypto;
    boot::FlashLoader l0, l1;
    const boot::ImageSlot slots[2] = {{&kL0, &keys[0]->pub, &l0}, {&kL1, &keys[1]->pub, &l1}};
    auto b = boot::MultiEngine{flash, slots, crypto, rec}.run();
    log = rec.log;
    fwu.reset();
    its.emplace(flash::Region{flash, kItsBase, kItsSize}, fwu_test::test_keys(), scratch, index,
                secure::storage::Limits{256, 2048});
    const psa_status_t mounted = its->mount();
    if (flash.powered()) {  // a cut may hit the boot itself
      EXPECT_EQ(mounted, PSA_SUCCESS);
    }
    fwu.emplace(flash, *its, service_crypto, components);
    fwu->mount();
    return b;
  }

  psa_fwu_component_info_t query(psa_fwu_component_t c) {
    psa_fwu_component_info_t info{};
    EXPECT_EQ(fwu->query(c, &info), PSA_SUCCESS);
    return info;
  }
  std::uint8_t state(psa_fwu_component_t c) { return query(c).state; }
  int running(psa_fwu_component_t c) { return query(c).version.major; }
  bool requested(int i) { return *boot::read_magic((i == 0 ? kL0 : kL1).secondary(flash)) == boot::Field::set; }

  // start + write + finish.
  void candidate(psa_fwu_component_t c, const Bytes& image) {
    ASSERT_EQ(fwu->start(c, 0), PSA_SUCCESS);
    for (std::uint32_t off = 0; off < image.size(); off += 1024) {
      const auto n = std::min<std::uint32_t>(1024, static_cast<std::uint32_t>(image.size()) - off);
      ASSERT_EQ(fwu->write(c, off, std::as_bytes(std::span{image}.subspan(off, n))), PSA_SUCCESS);
    }
    ASSERT_EQ(fwu->finish(c), PSA_SUCCESS);
    ASSERT_EQ(state(c), PSA_FWU_CANDIDATE);
  }

  image::PublicKey key0 = keys[0]->pub, key1 = keys[1]->pub;
  std::array<secure::fwu::Component, 2> components{{{kS, &kL0, &key0, 0}, {kNs, &kL1, &key1, 1}}};
  flash::SimFlash flash{kGeo, 1};
  secure::crypto::ImageCrypto service_crypto;
  alignas(8) std::array<std::byte, secure::storage::scratch_bytes(256)> scratch{};
  std::array<secure::storage::IndexEntry, 8> index{};
  std::optional<secure::storage::Store> its;
  std::optional<secure::fwu::Service> fwu;
  std::string log;
};

TEST_F(FwuTwoImages, SecureImageUpdatedTestBootedAcceptedAndCounted) {
  EXPECT_EQ(query(kS).max_size, kL0.max_image_size());
  candidate(kS, make(0, 2, 2));
  EXPECT_EQ(fwu->install(), PSA_SUCCESS_REBOOT);
  EXPECT_EQ(state(kS), PSA_FWU_STAGED);
  EXPECT_EQ(state(kNs), PSA_FWU_READY);
  auto b = reboot();
  ASSERT_TRUE(b) << log;
  EXPECT_TRUE(b->image[0].test_boot);
  EXPECT_EQ(state(kS), PSA_FWU_TRIAL);
  EXPECT_EQ(running(kS), 2);
  EXPECT_EQ(fwu->accept(), PSA_SUCCESS);
  EXPECT_EQ(state(kS), PSA_FWU_UPDATED);
  b = reboot();
  ASSERT_TRUE(b) << log;
  EXPECT_EQ(b->image[0].security_counter, 2u);
  EXPECT_EQ(*boot::SecurityCounter{kL0.counter(flash)}.read(), 2u);
  EXPECT_EQ(*boot::SecurityCounter{kL1.counter(flash)}.read(), 1u);  // the other image's is its own
  EXPECT_EQ(fwu->clean(kS), PSA_SUCCESS);
  EXPECT_EQ(state(kS), PSA_FWU_READY);
  EXPECT_EQ(running(kS), 2);
  EXPECT_EQ(running(kNs), 1);
}

TEST_F(FwuTwoImages, ATrialNotAcceptedIsReverted) {
  candidate(kS, make(0, 2, 2));
  EXPECT_EQ(fwu->install(), PSA_SUCCESS_REBOOT);
  ASSERT_TRUE(reboot()) << log;
  EXPECT_EQ(state(kS), PSA_FWU_TRIAL);
  ASSERT_TRUE(reboot()) << log;  // not accepted: the bootloader brings version 1 back
  EXPECT_EQ(running(kS), 1);
  EXPECT_EQ(state(kS), PSA_FWU_FAILED);
}

TEST_F(FwuTwoImages, ADependencyNotMetIsNeededAndChangesNothing) {
  // The non-secure image 2 needs secure image >= 2.0.0, which the device does not run.
  candidate(kNs, make(1, 2, 2, {{.image_id = 0, .min_version = {2, 0, 0, 0}}}));
  EXPECT_EQ(fwu->install(), PSA_ERROR_DEPENDENCY_NEEDED);
  EXPECT_EQ(state(kNs), PSA_FWU_CANDIDATE);  // nothing changed: stage the other image and retry
  EXPECT_FALSE(requested(1));
  // A secure image 1.5 does not meet it either.
  candidate(kS, make(0, 1, 1));
  EXPECT_EQ(fwu->install(), PSA_ERROR_DEPENDENCY_NEEDED);
  EXPECT_FALSE(requested(0));
  EXPECT_FALSE(requested(1));
  EXPECT_EQ(fwu->cancel(kS), PSA_SUCCESS);
  EXPECT_EQ(fwu->clean(kS), PSA_SUCCESS);
  // A dependency on an image the device does not have is never met.
  EXPECT_EQ(fwu->cancel(kNs), PSA_SUCCESS);
  EXPECT_EQ(fwu->clean(kNs), PSA_SUCCESS);
  candidate(kNs, make(1, 2, 2, {{.image_id = 7, .min_version = {0, 0, 0, 0}}}));
  EXPECT_EQ(fwu->install(), PSA_ERROR_DEPENDENCY_NEEDED);
}

TEST_F(FwuTwoImages, BothInstalledTogetherMeetTheDependencyAndAreAcceptedTogether) {
  candidate(kNs, make(1, 2, 2, {{.image_id = 0, .min_version = {2, 0, 0, 0}}}));
  candidate(kS, make(0, 2, 2));
  EXPECT_EQ(fwu->install(), PSA_SUCCESS_REBOOT);
  EXPECT_EQ(state(kS), PSA_FWU_STAGED);
  EXPECT_EQ(state(kNs), PSA_FWU_STAGED);
  auto b = reboot();
  ASSERT_TRUE(b) << log;
  EXPECT_EQ(state(kS), PSA_FWU_TRIAL);
  EXPECT_EQ(state(kNs), PSA_FWU_TRIAL);
  EXPECT_EQ(fwu->accept(), PSA_SUCCESS);  // one accept confirms every image on trial
  EXPECT_EQ(state(kS), PSA_FWU_UPDATED);
  EXPECT_EQ(state(kNs), PSA_FWU_UPDATED);
  b = reboot();
  ASSERT_TRUE(b) << log;
  EXPECT_EQ(running(kS), 2);
  EXPECT_EQ(running(kNs), 2);
  EXPECT_FALSE(b->image[0].test_boot);
  EXPECT_FALSE(b->image[1].test_boot);
}

TEST_F(FwuTwoImages, OneRefusedCandidateInstallsNone) {
  candidate(kNs, make(1, 2, 2));
  candidate(kS, make(0, 2, 2, {}, /*key=*/1));  // the secure image signed with the non-secure key
  EXPECT_EQ(fwu->install(), PSA_ERROR_INVALID_SIGNATURE);
  EXPECT_EQ(state(kS), PSA_FWU_FAILED);
  EXPECT_EQ(query(kS).error, PSA_ERROR_INVALID_SIGNATURE);
  EXPECT_EQ(state(kNs), PSA_FWU_CANDIDATE);
  EXPECT_FALSE(requested(0));
  EXPECT_FALSE(requested(1));
  ASSERT_TRUE(reboot()) << log;
  EXPECT_EQ(running(kS), 1);
  EXPECT_EQ(running(kNs), 1);
  // With the bad one cleaned away, the good one installs alone.
  EXPECT_EQ(fwu->clean(kS), PSA_SUCCESS);
  EXPECT_EQ(fwu->install(), PSA_SUCCESS_REBOOT);
  EXPECT_EQ(state(kNs), PSA_FWU_STAGED);
}

TEST_F(FwuTwoImages, EachComponentTakesOnlyItsOwnKey) {
  candidate(kNs, make(1, 2, 2, {}, /*key=*/0));  // the non-secure image signed with the secure key
  EXPECT_EQ(fwu->install(), PSA_ERROR_INVALID_SIGNATURE);
  EXPECT_EQ(fwu->clean(kNs), PSA_SUCCESS);
  candidate(kS, make(0, 2, 2, {}, /*key=*/1));
  EXPECT_EQ(fwu->install(), PSA_ERROR_INVALID_SIGNATURE);
  EXPECT_FALSE(requested(0));
  EXPECT_FALSE(requested(1));
}

TEST_F(FwuTwoImages, ARolledBackSecureImageIsNotPermitted) {
  candidate(kS, make(0, 2, 2));
  EXPECT_EQ(fwu->install(), PSA_SUCCESS_REBOOT);
  ASSERT_TRUE(reboot()) << log;
  EXPECT_EQ(fwu->accept(), PSA_SUCCESS);
  ASSERT_TRUE(reboot()) << log;  // the confirmed image raises image 0's counter to 2
  EXPECT_EQ(fwu->clean(kS), PSA_SUCCESS);
  candidate(kS, make(0, 3, 1));  // a higher version, a lower security counter
  EXPECT_EQ(fwu->install(), PSA_ERROR_NOT_PERMITTED);
  EXPECT_FALSE(requested(0));
}

// Red team: install() checked the dependencies of the candidates only, not those of the images
// that stay as they are. A signed downgrade of the secure image (a lower version, a counter that
// is no rollback) that the running non-secure image's dependency rules out was installed
// (PSA_SUCCESS_REBOOT); the bootloader then cancelled the request ("upgrade REFUSED: image 1 needs
// this image >= 2.0.0") and the client saw a FAILED update with no reason. install() must refuse
// what the bootloader would refuse: PSA_ERROR_DEPENDENCY_NEEDED, nothing requested, and the pair
// goes through when the non-secure image that accepts the downgrade is installed with it.
TEST_F(FwuTwoImages, RedteamADowngradeThatBreaksARunningImagesDependencyIsNeeded) {
  candidate(kNs, make(1, 2, 2, {{.image_id = 0, .min_version = {2, 0, 0, 0}}}));
  candidate(kS, make(0, 2, 2));
  ASSERT_EQ(fwu->install(), PSA_SUCCESS_REBOOT);
  ASSERT_TRUE(reboot()) << log;
  ASSERT_EQ(fwu->accept(), PSA_SUCCESS);
  ASSERT_TRUE(reboot()) << log;
  ASSERT_EQ(fwu->clean(kS), PSA_SUCCESS);
  ASSERT_EQ(fwu->clean(kNs), PSA_SUCCESS);
  // The secure image 1.0.0 with counter 2: no rollback, but the running non-secure 2.0.0 needs >= 2.0.0.
  const Bytes s_down = make(0, 1, 2);
  candidate(kS, s_down);
  EXPECT_EQ(fwu->install(), PSA_ERROR_DEPENDENCY_NEEDED);
  EXPECT_EQ(state(kS), PSA_FWU_CANDIDATE);
  EXPECT_FALSE(requested(0));
  ASSERT_TRUE(reboot()) << log;
  EXPECT_EQ(state(kS), PSA_FWU_CANDIDATE) << log;
  EXPECT_EQ(running(kS), 2);
  // With a non-secure image that does not need the secure 2.0.0, both go together.
  candidate(kNs, make(1, 3, 2));
  EXPECT_EQ(fwu->install(), PSA_SUCCESS_REBOOT);
  auto b = reboot();
  ASSERT_TRUE(b) << log;
  EXPECT_EQ(running(kS), 1) << log;
  EXPECT_EQ(running(kNs), 3) << log;
  EXPECT_EQ(state(kS), PSA_FWU_TRIAL);
  EXPECT_EQ(state(kNs), PSA_FWU_TRIAL);
}

}  // namespace

// A power cut at every flash operation of a two-image installation through FWU (install, the
// boot that swaps both in, accept, the boot that keeps them), the non-secure image needing the
// secure one's new version. After every cut the device boots, always runs a pair that belongs
// together (both old or both new: never the new non-secure image on the old secure one), the
// service reports states a client can continue from, and the update can still be completed.
TEST_F(FwuTwoImages, PowerCutAtEveryOperationOfATwoImageInstall) {
  const Bytes s2 = make(0, 2, 2);
  const Bytes ns2 = make(1, 2, 2, {{.image_id = 0, .min_version = {2, 0, 0, 0}}});
  const auto prepared = [&] {
    candidate(kNs, ns2);
    candidate(kS, s2);
  };
  // Install, then the boots and the accept, as far as the power lasts.
  const auto phase = [&] {
    if (fwu->install() != PSA_SUCCESS_REBOOT || !flash.powered()) return;
    if (!reboot() || !flash.powered()) return;
    if (fwu->accept() != PSA_SUCCESS || !flash.powered()) return;
    (void)reboot();
  };
  prepared();
  const auto before = flash.stats().operations();
  phase();
  const std::uint64_t total = flash.stats().operations() - before;
  ASSERT_EQ(running(kS), 2);
  ASSERT_EQ(running(kNs), 2);
  ASSERT_GT(total, 40u);

  for (std::uint64_t cut = 0; cut < total; ++cut) {
    SCOPED_TRACE("cut after " + std::to_string(cut) + " of " + std::to_string(total) + " operations");
    flash = flash::SimFlash{kGeo, cut + 3};
    sim_device::put(flash, kL0.primary_offset, make(0, 1, 1));
    sim_device::put(flash, kL1.primary_offset, make(1, 1, 1));
    ASSERT_TRUE(reboot()) << log;
    prepared();
    flash.arm_power_cut(cut);
    phase();
    flash.disarm_power_cut();
    flash.power_on();
    // Boots as a client would see them: each boot runs a matching pair; a pair on trial is accepted.
    for (int boots = 0; boots < 3; ++boots) {
      auto b = reboot();
      ASSERT_TRUE(b) << log;
      const int s = b->image[0].manifest.layout.header.version.major;
      const int ns = b->image[1].manifest.layout.header.version.major;
      ASSERT_TRUE((s == 1 && ns == 1) || (s == 2 && ns == 2) || (s == 2 && ns == 1)) << s << "/" << ns << "\n" << log;
      if (state(kS) == PSA_FWU_TRIAL || state(kNs) == PSA_FWU_TRIAL) {
        ASSERT_EQ(fwu->accept(), PSA_SUCCESS);
      }
    }
    // Whatever was left, the client can finish the update: clean what failed or was done, stage
    // what is missing, install, boot, accept.
    for (const psa_fwu_component_t c : {kS, kNs}) {
      const auto st = state(c);
      ASSERT_TRUE(st == PSA_FWU_READY || st == PSA_FWU_CANDIDATE || st == PSA_FWU_UPDATED || st == PSA_FWU_FAILED)
          << "component " << int(c) << " state " << int(st);
      if (st == PSA_FWU_UPDATED || st == PSA_FWU_FAILED) {
        ASSERT_EQ(fwu->clean(c), PSA_SUCCESS);
      }
    }
    if (running(kS) != 2 && state(kS) == PSA_FWU_READY) candidate(kS, s2);
    if (running(kNs) != 2 && state(kNs) == PSA_FWU_READY) candidate(kNs, ns2);
    if (running(kS) != 2 || running(kNs) != 2) {
      ASSERT_EQ(fwu->install(), PSA_SUCCESS_REBOOT);
      ASSERT_TRUE(reboot()) << log;
      ASSERT_EQ(fwu->accept(), PSA_SUCCESS);
      ASSERT_TRUE(reboot()) << log;
    }
    ASSERT_EQ(running(kS), 2);
    ASSERT_EQ(running(kNs), 2);
  }
}
