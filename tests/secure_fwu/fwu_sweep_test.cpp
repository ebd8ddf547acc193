// Firmware Update under power cuts: the power is cut at every single flash operation of staging
// (start, the writes, finish) and of install (verification, the request, the record). After each cut the device reboots (bootloader, then the secure side) and a
// client that knows only psa_fwu_query resumes where the service says it is. Every run must end
// with the new image on trial, never with an image the service did not verify requested, and
// never with the service in a state the client cannot continue from (FAILED, a lost record).
#include <gtest/gtest.h>

#include "fwu_device.hpp"

namespace {
using namespace ward;
using fwu_test::Bytes;
using fwu_test::Device;
using fwu_test::kLayout;
constexpr psa_fwu_component_t kNs = WARD_FWU_COMPONENT_NONSECURE;

class FwuSweep : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { key = std::make_unique<test_images::TestKey>(test_images::make_key()); }
  static void TearDownTestSuite() { key.reset(); }
  static inline std::unique_ptr<test_images::TestKey> key;
};

// The client: one step towards "installed" from whatever state the service reports. Returns the
// first error (a power cut shows as a storage failure) or PSA_SUCCESS when STAGED.
psa_status_t drive(Device& d, const Bytes& image, std::string& trace) {
  for (int guard = 0; guard < 8; ++guard) {
    psa_fwu_component_info_t info{};
    if (const auto s = d.fwu->query(kNs, &info); s != PSA_SUCCESS) return s;
    trace += std::to_string(info.state) + " ";
    psa_status_t s = PSA_SUCCESS;
    switch (info.state) {
      case PSA_FWU_READY:
        s = d.fwu->start(kNs, 0);
        break;
      case PSA_FWU_WRITING:
        s = d.stage(image, info.impl.written, 1024);
        if (s == PSA_SUCCESS) s = d.fwu->finish(kNs);
        break;
      case PSA_FWU_CANDIDATE:
        s = d.fwu->install();
        if (s == PSA_SUCCESS_REBOOT) s = PSA_SUCCESS;
        break;
      case PSA_FWU_STAGED:
        return PSA_SUCCESS;
      default:
        ADD_FAILURE() << "unexpected state " << static_cast<int>(info.state) << " error " << info.error
                      << " trace " << trace;
        return PSA_ERROR_GENERIC_ERROR;
    }
    if (s != PSA_SUCCESS) return s;
  }
  return PSA_ERROR_GENERIC_ERROR;
}

TEST_F(FwuSweep, PowerCutAtEveryOperationOfStagingAndInstall) {
  const Bytes v1 = test_images::make_image(*key, {.major = 1, .payload_size = 2500, .security_counter = 1, .seed = 1});
  const Bytes v2 = test_images::make_image(*key, {.major = 2, .payload_size = 5200, .security_counter = 2, .seed = 2});
  // An uncut run counts the operations.
  std::uint64_t total = 0;
  {
    Device d{key->pub};
    sim_device::put(d.flash, kLayout.primary_offset, v1);
    ASSERT_TRUE(d.reboot());
    const auto before = d.flash.stats().operations();
    std::string trace;
    ASSERT_EQ(drive(d, v2, trace), PSA_SUCCESS) << trace;
    total = d.flash.stats().operations() - before;
  }
  ASSERT_GT(total, 20u);
  for (std::uint64_t cut = 0; cut < total; ++cut) {
    SCOPED_TRACE("cut after " + std::to_string(cut) + " of " + std::to_string(total) + " operations");
    Device d{key->pub, cut + 1};
    sim_device::put(d.flash, kLayout.primary_offset, v1);
    ASSERT_TRUE(d.reboot());
    d.flash.arm_power_cut(cut);
    std::string trace;
    psa_status_t s = drive(d, v2, trace);
    int reboots = 0;
    while (s != PSA_SUCCESS && reboots < 3) {
      if (d.flash.powered()) {
        const auto& raw = d.flash.raw();
        for (std::size_t i = 0; i < v2.size(); ++i) {
          const auto got = std::to_integer<int>(raw[kLayout.secondary_offset + kLayout.sector_size() + i]);
          if (got != v2[i]) { ADD_FAILURE() << "byte " << i << " got " << got << " want " << int(v2[i]); break; }
        }
      }
      ASSERT_FALSE(d.flash.powered()) << "failed without a power cut: " << s << " trace " << trace;
      d.flash.power_on();
      // The boot after the cut: what the flash holds now must boot the old image, or, if the
      // request was committed, the new one on trial (then the client's work is done).
      auto b = d.reboot();
      ASSERT_TRUE(b) << d.boot_log;
      ++reboots;
      if (d.primary_holds(v2)) {
        ASSERT_EQ(d.state(), PSA_FWU_TRIAL);
        s = PSA_SUCCESS;
        break;
      }
      ASSERT_TRUE(d.primary_holds(v1)) << d.boot_log;
      s = drive(d, v2, trace);
    }
    ASSERT_EQ(s, PSA_SUCCESS) << trace;
    // The bootloader's own power-cut sweep is tests/boot's: this one ends with the staging.
    d.flash.disarm_power_cut();
    if (!d.primary_holds(v2)) {
      ASSERT_EQ(d.state(), PSA_FWU_STAGED);
      auto b = d.reboot();
      ASSERT_TRUE(b) << d.boot_log;
      ASSERT_TRUE(d.primary_holds(v2)) << d.boot_log;
      ASSERT_EQ(d.state(), PSA_FWU_TRIAL);
    }
    ASSERT_EQ(d.fwu->accept(), PSA_SUCCESS);
    ASSERT_EQ(d.state(), PSA_FWU_UPDATED);
  }
}

// A cut at every operation of accept: the trial is either confirmed (UPDATED) or, on the next
// boot, reverted (FAILED); never anything else, and the image that runs is the one reported.
TEST_F(FwuSweep, PowerCutDuringAccept) {
  const Bytes v1 = test_images::make_image(*key, {.major = 1, .payload_size = 2500, .security_counter = 1, .seed = 1});
  const Bytes v2 = test_images::make_image(*key, {.major = 2, .payload_size = 3000, .security_counter = 2, .seed = 2});
  for (std::uint64_t cut = 0; cut < 4; ++cut) {
    SCOPED_TRACE("cut after " + std::to_string(cut));
    Device d{key->pub, cut + 7};
    sim_device::put(d.flash, kLayout.primary_offset, v1);
    ASSERT_TRUE(d.reboot());
    std::string trace;
    ASSERT_EQ(drive(d, v2, trace), PSA_SUCCESS);
    ASSERT_TRUE(d.reboot());
    ASSERT_EQ(d.state(), PSA_FWU_TRIAL);
    d.flash.arm_power_cut(cut);
    const auto s = d.fwu->accept();
    d.flash.power_on();
    ASSERT_TRUE(d.reboot()) << d.boot_log;
    if (s == PSA_SUCCESS) {
      EXPECT_TRUE(d.primary_holds(v2));
      EXPECT_EQ(d.state(), PSA_FWU_UPDATED);
    } else if (d.primary_holds(v2)) {
      EXPECT_EQ(d.state(), PSA_FWU_UPDATED);  // the flag made it before the cut was noticed
    } else {
      EXPECT_TRUE(d.primary_holds(v1));
      EXPECT_EQ(d.state(), PSA_FWU_FAILED);
    }
  }
}

}  // namespace
