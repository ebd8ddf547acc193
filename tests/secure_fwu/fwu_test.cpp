// The Firmware Update service (secure/fwu) on the simulated device: the specification's state
// machine through the bootloader's real engine (install, test boot, accept / reject / revert),
// resuming a download after a reboot, and every hostile request refused with the specification's
// error and nothing written.
#include <gtest/gtest.h>

#include <cstring>
#include <limits>

#include <ward/secure/update_wire.h>

#include "fwu_device.hpp"
#include "ward/boot/security_counter.hpp"

namespace {
using namespace ward;
using fwu_test::Bytes;
using fwu_test::Device;
using fwu_test::kLayout;
constexpr psa_fwu_component_t kNs = WARD_FWU_COMPONENT_NONSECURE;

class Fwu : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    key = std::make_unique<test_images::TestKey>(test_images::make_key());
    other = std::make_unique<test_images::TestKey>(test_images::make_key());
  }
  static void TearDownTestSuite() {
    key.reset();
    other.reset();
  }
  static inline std::unique_ptr<test_images::TestKey> key, other;

  void SetUp() override {
    v1 = test_images::make_image(*key, {.major = 1, .payload_size = 3000, .security_counter = 1, .seed = 1});
    v2 = test_images::make_image(*key, {.major = 2, .payload_size = 4100, .security_counter = 2, .seed = 2});
    dev.emplace(key->pub);
    sim_device::put(dev->flash, kLayout.primary_offset, v1);
    auto b = dev->reboot();
    ASSERT_TRUE(b) << dev->boot_log;
  }

  // start + write + finish: a complete candidate.
  void candidate(const Bytes& image) {
    ASSERT_EQ(dev->fwu->start(kNs, 0), PSA_SUCCESS);
    ASSERT_EQ(dev->stage(image), PSA_SUCCESS);
    ASSERT_EQ(dev->fwu->finish(kNs), PSA_SUCCESS);
    ASSERT_EQ(dev->state(), PSA_FWU_CANDIDATE);
  }

  Bytes v1, v2;
  std::optional<Device> dev;
};

TEST_F(Fwu, UpdateTestBootAcceptClean) {
  auto info = dev->query();
  EXPECT_EQ(info.state, PSA_FWU_READY);
  EXPECT_EQ(info.version.major, 1);
  EXPECT_EQ(info.max_size, kLayout.max_image_size());
  EXPECT_EQ(info.flags, 0u);
  candidate(v2);
  EXPECT_EQ(dev->query().impl.written, v2.size());
  EXPECT_EQ(dev->fwu->install(), PSA_SUCCESS_REBOOT);
  EXPECT_EQ(dev->state(), PSA_FWU_STAGED);
  EXPECT_EQ(dev->fwu->request_reboot(), PSA_SUCCESS);
  auto b = dev->reboot();
  ASSERT_TRUE(b) << dev->boot_log;
  EXPECT_TRUE(b->test_boot);
  EXPECT_TRUE(dev->primary_holds(v2));
  info = dev->query();
  EXPECT_EQ(info.state, PSA_FWU_TRIAL);
  EXPECT_EQ(info.version.major, 2);
  EXPECT_EQ(dev->fwu->accept(), PSA_SUCCESS);
  EXPECT_EQ(dev->state(), PSA_FWU_UPDATED);
  // UPDATED lasts until clean(), across reboots; the confirmed image stays and raises the counter.
  b = dev->reboot();
  ASSERT_TRUE(b) << dev->boot_log;
  EXPECT_FALSE(b->test_boot);
  EXPECT_EQ(b->security_counter, 2u);
  EXPECT_EQ(dev->state(), PSA_FWU_UPDATED);
  EXPECT_EQ(dev->fwu->clean(kNs), PSA_SUCCESS);
  EXPECT_EQ(dev->state(), PSA_FWU_READY);
  EXPECT_TRUE(dev->primary_holds(v2));
}

TEST_F(Fwu, TrialNotAcceptedIsRevertedAndFailed) {
  candidate(v2);
  ASSERT_EQ(dev->fwu->install(), PSA_SUCCESS_REBOOT);
  ASSERT_TRUE(dev->reboot());
  ASSERT_EQ(dev->state(), PSA_FWU_TRIAL);
  auto b = dev->reboot();  // no accept: the bootloader reverts
  ASSERT_TRUE(b) << dev->boot_log;
  EXPECT_TRUE(dev->primary_holds(v1));
  EXPECT_EQ(dev->state(), PSA_FWU_FAILED);
  EXPECT_EQ(dev->fwu->start(kNs, 0), PSA_ERROR_BAD_STATE);
  EXPECT_EQ(dev->fwu->clean(kNs), PSA_SUCCESS);
  EXPECT_EQ(dev->state(), PSA_FWU_READY);
}

TEST_F(Fwu, RejectInTrialRevertsWithTheClientsReason) {
  candidate(v2);
  ASSERT_EQ(dev->fwu->install(), PSA_SUCCESS_REBOOT);
  ASSERT_TRUE(dev->reboot());
  constexpr psa_status_t kWhy = -1234;
  EXPECT_EQ(dev->fwu->reject(kWhy), PSA_SUCCESS_REBOOT);
  EXPECT_EQ(dev->state(), PSA_FWU_REJECTED);
  EXPECT_EQ(dev->fwu->accept(), PSA_ERROR_BAD_STATE);  // rejected is final
  EXPECT_EQ(dev->fwu->install(), PSA_ERROR_BAD_STATE);
  // Red team: until the reboot the secondary slot holds the image the revert brings back. A clean,
  // cancel or new download now would leave nothing to revert to, and the rejected image would keep
  // running (on trial, at every boot). Nothing may touch the slot.
  const auto slot_bytes = [&] {
    const auto& raw = dev->flash.raw();
    const auto at = raw.begin() + kLayout.secondary_offset;
    return std::vector<std::byte>(at, at + kLayout.secondary_size());
  };
  const auto before = slot_bytes();
  EXPECT_EQ(dev->fwu->clean(kNs), PSA_ERROR_BAD_STATE);
  EXPECT_EQ(dev->fwu->cancel(kNs), PSA_ERROR_BAD_STATE);
  EXPECT_EQ(dev->fwu->start(kNs, 0), PSA_ERROR_BAD_STATE);
  EXPECT_EQ(dev->fwu->write(kNs, 0, std::as_bytes(std::span{v2}.first(8))), PSA_ERROR_BAD_STATE);
  EXPECT_EQ(dev->fwu->finish(kNs), PSA_ERROR_BAD_STATE);
  EXPECT_EQ(dev->state(), PSA_FWU_REJECTED);
  EXPECT_TRUE(slot_bytes() == before);
  ASSERT_TRUE(dev->reboot());
  EXPECT_TRUE(dev->primary_holds(v1));
  const auto info = dev->query();
  EXPECT_EQ(info.state, PSA_FWU_FAILED);
  EXPECT_EQ(info.error, kWhy);
}

// Red team: the component's record unreadable during a trial (damaged ITS) makes it FAILED, a
// state in which clean() and start() erase the secondary slot. That slot holds the image the
// revert needs: erasing it would leave the trial image running at every boot. Refused.
TEST_F(Fwu, TheRevertImageSurvivesAnUnreadableRecordDuringATrial) {
  candidate(v2);
  ASSERT_EQ(dev->fwu->install(), PSA_SUCCESS_REBOOT);
  ASSERT_TRUE(dev->reboot());
  ASSERT_EQ(dev->state(), PSA_FWU_TRIAL);
  const Bytes garbage(16, 0xA5);
  ASSERT_EQ(dev->its->set(secure::kFwuPartition, secure::fwu::kRecordUidBase + kNs, std::as_bytes(std::span{garbage}), 0),
            PSA_SUCCESS);
  dev->fwu->mount();
  ASSERT_EQ(dev->state(), PSA_FWU_FAILED);
  EXPECT_EQ(dev->fwu->clean(kNs), PSA_ERROR_BAD_STATE);
  EXPECT_EQ(dev->fwu->start(kNs, 0), PSA_ERROR_BAD_STATE);
  auto b = dev->reboot();  // not accepted: reverted to v1, which is still there
  ASSERT_TRUE(b) << dev->boot_log;
  EXPECT_TRUE(dev->primary_holds(v1));
}

TEST_F(Fwu, RejectWhileStagedWithdrawsTheRequest) {
  candidate(v2);
  ASSERT_EQ(dev->fwu->install(), PSA_SUCCESS_REBOOT);
  EXPECT_EQ(dev->fwu->reject(-7), PSA_SUCCESS);
  EXPECT_EQ(dev->query().state, PSA_FWU_FAILED);
  EXPECT_EQ(dev->query().error, -7);
  auto b = dev->reboot();
  ASSERT_TRUE(b);
  EXPECT_FALSE(b->test_boot);
  EXPECT_TRUE(dev->primary_holds(v1));
  EXPECT_EQ(dev->state(), PSA_FWU_FAILED);
}

TEST_F(Fwu, CancelThenCleanThenStartAgain) {
  ASSERT_EQ(dev->fwu->start(kNs, 0), PSA_SUCCESS);
  ASSERT_EQ(dev->stage(v2), PSA_SUCCESS);
  EXPECT_EQ(dev->fwu->cancel(kNs), PSA_SUCCESS);
  EXPECT_EQ(dev->state(), PSA_FWU_FAILED);
  EXPECT_EQ(dev->fwu->write(kNs, 0, std::as_bytes(std::span{v2}.first(8))), PSA_ERROR_BAD_STATE);
  EXPECT_EQ(dev->fwu->cancel(kNs), PSA_ERROR_BAD_STATE);
  EXPECT_EQ(dev->fwu->clean(kNs), PSA_SUCCESS);
  candidate(v2);
  EXPECT_EQ(dev->fwu->cancel(kNs), PSA_SUCCESS);  // CANDIDATE can be cancelled too
  EXPECT_EQ(dev->fwu->install(), PSA_ERROR_BAD_STATE);
}

TEST_F(Fwu, StagingSurvivesARebootAndResumes) {
  ASSERT_EQ(dev->fwu->start(kNs, 0), PSA_SUCCESS);
  const Bytes first(v2.begin(), v2.begin() + 1500);  // not a multiple of the block or the unit
  ASSERT_EQ(dev->stage(first), PSA_SUCCESS);
  EXPECT_EQ(dev->query().impl.written, 1500u);
  ASSERT_TRUE(dev->reboot());
  auto info = dev->query();
  EXPECT_EQ(info.state, PSA_FWU_WRITING);
  // The start of the unit holding the last staged byte: that unit is sent again.
  EXPECT_LT(info.impl.written, 1500u);
  EXPECT_GE(info.impl.written + (1u << PSA_FWU_LOG2_WRITE_ALIGN), 1500u);
  EXPECT_EQ(info.impl.written % (1u << PSA_FWU_LOG2_WRITE_ALIGN), 0u);
  ASSERT_EQ(dev->stage(v2, info.impl.written), PSA_SUCCESS);
  ASSERT_EQ(dev->fwu->finish(kNs), PSA_SUCCESS);
  ASSERT_TRUE(dev->reboot());
  EXPECT_EQ(dev->state(), PSA_FWU_CANDIDATE);
  EXPECT_EQ(dev->fwu->install(), PSA_SUCCESS_REBOOT);
  ASSERT_TRUE(dev->reboot());
  EXPECT_TRUE(dev->primary_holds(v2));
  EXPECT_EQ(dev->state(), PSA_FWU_TRIAL);
}

// --- Hostile requests ----------------------------------------------------------------------------

TEST_F(Fwu, UnknownComponentsDoNotExist) {
  // 0 is the secure image, which has no slots in this layout; 2 and 255 are nothing.
  for (const psa_fwu_component_t c : {psa_fwu_component_t{0}, psa_fwu_component_t{2}, psa_fwu_component_t{255}}) {
    psa_fwu_component_info_t info{};
    EXPECT_EQ(dev->fwu->query(c, &info), PSA_ERROR_DOES_NOT_EXIST);
    EXPECT_EQ(dev->fwu->start(c, 0), PSA_ERROR_DOES_NOT_EXIST);
    EXPECT_EQ(dev->fwu->write(c, 0, std::as_bytes(std::span{v2}.first(8))), PSA_ERROR_DOES_NOT_EXIST);
    EXPECT_EQ(dev->fwu->finish(c), PSA_ERROR_DOES_NOT_EXIST);
    EXPECT_EQ(dev->fwu->cancel(c), PSA_ERROR_DOES_NOT_EXIST);
    EXPECT_EQ(dev->fwu->clean(c), PSA_ERROR_DOES_NOT_EXIST);
  }
}

TEST_F(Fwu, OperationsOutOfOrderAreBadState) {
  const auto block = std::as_bytes(std::span{v2}.first(64));
  // READY
  EXPECT_EQ(dev->fwu->write(kNs, 0, block), PSA_ERROR_BAD_STATE);
  EXPECT_EQ(dev->fwu->finish(kNs), PSA_ERROR_BAD_STATE);
  EXPECT_EQ(dev->fwu->cancel(kNs), PSA_ERROR_BAD_STATE);
  EXPECT_EQ(dev->fwu->clean(kNs), PSA_ERROR_BAD_STATE);
  EXPECT_EQ(dev->fwu->install(), PSA_ERROR_BAD_STATE);
  EXPECT_EQ(dev->fwu->accept(), PSA_ERROR_BAD_STATE);
  EXPECT_EQ(dev->fwu->reject(-1), PSA_ERROR_BAD_STATE);
  // WRITING
  ASSERT_EQ(dev->fwu->start(kNs, 0), PSA_SUCCESS);
  EXPECT_EQ(dev->fwu->start(kNs, 0), PSA_ERROR_BAD_STATE);
  EXPECT_EQ(dev->fwu->install(), PSA_ERROR_BAD_STATE);
  EXPECT_EQ(dev->fwu->clean(kNs), PSA_ERROR_BAD_STATE);
  EXPECT_EQ(dev->fwu->accept(), PSA_ERROR_BAD_STATE);
  // CANDIDATE
  ASSERT_EQ(dev->stage(v2), PSA_SUCCESS);
  ASSERT_EQ(dev->fwu->finish(kNs), PSA_SUCCESS);
  EXPECT_EQ(dev->fwu->write(kNs, 0, block), PSA_ERROR_BAD_STATE);
  EXPECT_EQ(dev->fwu->finish(kNs), PSA_ERROR_BAD_STATE);
  EXPECT_EQ(dev->fwu->start(kNs, 0), PSA_ERROR_BAD_STATE);
  EXPECT_EQ(dev->fwu->accept(), PSA_ERROR_BAD_STATE);
  // STAGED
  ASSERT_EQ(dev->fwu->install(), PSA_SUCCESS_REBOOT);
  EXPECT_EQ(dev->fwu->install(), PSA_ERROR_BAD_STATE);
  EXPECT_EQ(dev->fwu->cancel(kNs), PSA_ERROR_BAD_STATE);
  EXPECT_EQ(dev->fwu->clean(kNs), PSA_ERROR_BAD_STATE);
  EXPECT_EQ(dev->fwu->start(kNs, 0), PSA_ERROR_BAD_STATE);
  EXPECT_EQ(dev->fwu->accept(), PSA_ERROR_BAD_STATE);
  // TRIAL: the secondary slot holds the image a revert needs; nothing may touch it.
  ASSERT_TRUE(dev->reboot());
  ASSERT_EQ(dev->state(), PSA_FWU_TRIAL);
  EXPECT_EQ(dev->fwu->start(kNs, 0), PSA_ERROR_BAD_STATE);
  EXPECT_EQ(dev->fwu->clean(kNs), PSA_ERROR_BAD_STATE);
  EXPECT_EQ(dev->fwu->cancel(kNs), PSA_ERROR_BAD_STATE);
  EXPECT_EQ(dev->fwu->install(), PSA_ERROR_BAD_STATE);
}

TEST_F(Fwu, WritesOutsideTheRulesAreInvalidAndWriteNothing) {
  ASSERT_EQ(dev->fwu->start(kNs, 0), PSA_SUCCESS);
  const auto ops = dev->flash.stats().operations();
  const Bytes big(PSA_FWU_MAX_WRITE_SIZE + 8, 0x55);
  const auto b8 = std::as_bytes(std::span{v2}.first(8));
  const std::uint64_t max = kLayout.max_image_size();
  EXPECT_EQ(dev->fwu->write(kNs, 0, {}), PSA_ERROR_INVALID_ARGUMENT);                        // empty
  EXPECT_EQ(dev->fwu->write(kNs, 0, std::as_bytes(std::span{big})), PSA_ERROR_INVALID_ARGUMENT);  // too big
  EXPECT_EQ(dev->fwu->write(kNs, 4, b8), PSA_ERROR_INVALID_ARGUMENT);                        // misaligned
  EXPECT_EQ(dev->fwu->write(kNs, 8, b8), PSA_ERROR_INVALID_ARGUMENT);                        // a gap
  EXPECT_EQ(dev->fwu->write(kNs, max, b8), PSA_ERROR_INVALID_ARGUMENT);                      // past the end
  EXPECT_EQ(dev->fwu->write(kNs, max - 8, std::as_bytes(std::span{v2}.first(16))), PSA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(dev->fwu->write(kNs, std::numeric_limits<std::uint64_t>::max() - 7, b8), PSA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(dev->fwu->write(kNs, std::uint64_t{1} << 32, b8), PSA_ERROR_INVALID_ARGUMENT);  // truncation
  EXPECT_EQ(dev->flash.stats().operations(), ops);
  // A retransmission must repeat what is staged: different bytes are refused, the same accepted.
  ASSERT_EQ(dev->stage(Bytes(v2.begin(), v2.begin() + 512)), PSA_SUCCESS);
  Bytes changed(v2.begin(), v2.begin() + 64);
  changed[0] = 0xFF;  // the header magic's first byte (0x3d) has 0 bits: this needs a 0 -> 1
  const auto before = dev->flash.stats().operations();
  EXPECT_EQ(dev->fwu->write(kNs, 0, std::as_bytes(std::span{changed})), PSA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(dev->flash.stats().operations(), before);
  EXPECT_EQ(dev->fwu->write(kNs, 0, std::as_bytes(std::span{v2}.first(64))), PSA_SUCCESS);
  EXPECT_EQ(dev->query().impl.written, 512u);
  // Red team: different bytes that only clear bits (0x3d -> 0x00; a 1 -> 0 is all NOR needs) were
  // accepted and programmed over the staged image. Staged bytes are repeated exactly, or refused.
  changed[0] = 0x00;
  const auto ops2 = dev->flash.stats().operations();
  EXPECT_EQ(dev->fwu->write(kNs, 0, std::as_bytes(std::span{changed})), PSA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(dev->flash.stats().operations(), ops2);
  // Also where a block reaches past the staged length: its staged part must repeat what is there.
  Bytes across(v2.begin() + 504, v2.begin() + 520);
  ASSERT_NE(across[7], 0x00);
  across[7] = 0x00;
  EXPECT_EQ(dev->fwu->write(kNs, 504, std::as_bytes(std::span{across})), PSA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(dev->flash.stats().operations(), ops2);
  EXPECT_EQ(dev->query().impl.written, 512u);
}

TEST_F(Fwu, DetachedManifestIsNotSupported) {
  EXPECT_EQ(dev->fwu->start(kNs, 16), PSA_ERROR_NOT_SUPPORTED);
  EXPECT_EQ(dev->state(), PSA_FWU_READY);
}

TEST_F(Fwu, InstallVerifiesSignatureAndCounter) {
  struct Case {
    const char* name;
    Bytes image;
    psa_status_t want;
  };
  Bytes tampered = v2;
  tampered[0x100 + 10] ^= 1;
  Bytes truncated(v2.begin(), v2.end() - 40);
  // The signature is the last TLV: a byte of its s changed leaves the DER valid and the hash right,
  // so only the ECDSA verification (the secure side's Mbed TLS here) can refuse it.
  Bytes bad_signature = v2;
  bad_signature[bad_signature.size() - 5] ^= 0x40;
  const Bytes wrong_key = test_images::make_image(*other, {.major = 2, .payload_size = 4100, .security_counter = 2});
  const Bytes rollback = test_images::make_image(*key, {.major = 3, .payload_size = 2000, .security_counter = 0});
  // The stored counter is 1 (v1 confirmed? it is a factory image: raise it by hand).
  ASSERT_TRUE(boot::SecurityCounter{kLayout.counter(dev->flash)}.raise(1));
  for (const auto& c : {Case{"tampered", tampered, PSA_ERROR_INVALID_SIGNATURE},
                        Case{"truncated", truncated, PSA_ERROR_INVALID_SIGNATURE},
                        Case{"bad signature", bad_signature, PSA_ERROR_INVALID_SIGNATURE},
                        Case{"wrong key", wrong_key, PSA_ERROR_INVALID_SIGNATURE},
                        Case{"rollback", rollback, PSA_ERROR_NOT_PERMITTED}}) {
    SCOPED_TRACE(c.name);
    candidate(c.image);
    EXPECT_EQ(dev->fwu->install(), c.want);
    const auto info = dev->query();
    EXPECT_EQ(info.state, PSA_FWU_FAILED);
    EXPECT_EQ(info.error, c.want);
    // Nothing was requested from the bootloader.
    auto b = dev->reboot();
    ASSERT_TRUE(b);
    EXPECT_TRUE(dev->primary_holds(v1));
    EXPECT_EQ(dev->state(), PSA_FWU_FAILED);
    ASSERT_EQ(dev->fwu->clean(kNs), PSA_SUCCESS);
  }
}

TEST_F(Fwu, RequestRebootWithoutAHookIsNotSupported) {
  secure::fwu::Service bare{dev->flash, *dev->its, dev->service_crypto, dev->components};
  EXPECT_EQ(bare.request_reboot(), PSA_ERROR_NOT_SUPPORTED);
}

// --- The request handler (wire format) -----------------------------------------------------------

struct Call {
  ward_fwu_args args{};
  std::size_t args_size = sizeof(ward_fwu_args);
  std::vector<std::byte> data;
  int ins = 1;
  std::size_t out_size = 0;
  int outs = 0;

  psa_status_t run(secure::fwu::Service& s, std::int32_t type, psa_fwu_component_info_t* info = nullptr) {
    std::vector<std::byte> a(args_size);
    std::memcpy(a.data(), &args, std::min(args_size, sizeof args));
    std::vector<std::span<const std::byte>> in;
    if (ins >= 1) in.emplace_back(a);
    if (ins >= 2) in.emplace_back(data);
    for (int i = 2; i < ins; ++i) in.emplace_back(data);
    std::vector<std::byte> o(out_size);
    std::vector<std::span<std::byte>> out;
    for (int i = 0; i < outs; ++i) out.emplace_back(o);
    std::vector<std::size_t> written(out.size(), 99);
    const auto st = secure::fwu::handle(s, secure::nonsecure_client(1), type, in, out, written);
    for (auto w : written) EXPECT_TRUE(st == PSA_SUCCESS || w == 0);
    if (info != nullptr && st == PSA_SUCCESS) std::memcpy(info, o.data(), sizeof *info);
    return st;
  }
};

TEST_F(Fwu, HandlerRefusesMalformedRequests) {
  auto& s = *dev->fwu;
  psa_fwu_component_info_t info{};
  Call ok{.args = {.component = kNs}, .out_size = sizeof info, .outs = 1};
  ASSERT_EQ(ok.run(s, WARD_FWU_QUERY, &info), PSA_SUCCESS);
  EXPECT_EQ(info.state, PSA_FWU_READY);
  {
    Call c = ok;
    c.args_size -= 1;
    EXPECT_EQ(c.run(s, WARD_FWU_QUERY), PSA_ERROR_INVALID_ARGUMENT);
  }
  {
    Call c = ok;
    c.args.reserved[1] = 1;
    EXPECT_EQ(c.run(s, WARD_FWU_QUERY), PSA_ERROR_INVALID_ARGUMENT);
  }
  {
    Call c = ok;
    c.out_size -= 1;
    EXPECT_EQ(c.run(s, WARD_FWU_QUERY), PSA_ERROR_INVALID_ARGUMENT);
  }
  {
    Call c = ok;
    c.args.offset = 8;
    EXPECT_EQ(c.run(s, WARD_FWU_QUERY), PSA_ERROR_INVALID_ARGUMENT);
  }
  {
    Call c = ok;
    c.ins = 0;
    EXPECT_EQ(c.run(s, WARD_FWU_QUERY), PSA_ERROR_INVALID_ARGUMENT);
  }
  {
    Call c = ok;
    c.ins = 5;
    EXPECT_EQ(c.run(s, WARD_FWU_QUERY), PSA_ERROR_INVALID_ARGUMENT);
  }
  EXPECT_EQ((Call{.args = {.component = kNs}}).run(s, 0), PSA_ERROR_NOT_SUPPORTED);
  EXPECT_EQ((Call{.args = {.component = kNs}}).run(s, 11), PSA_ERROR_NOT_SUPPORTED);
  EXPECT_EQ((Call{.args = {.component = kNs}}).run(s, -1), PSA_ERROR_NOT_SUPPORTED);
  // START takes exactly its arguments.
  EXPECT_EQ((Call{.args = {.error = 1, .component = kNs}}).run(s, WARD_FWU_START), PSA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ((Call{.args = {.component = kNs}, .ins = 2}).run(s, WARD_FWU_START), PSA_ERROR_INVALID_ARGUMENT);
  // INSTALL / ACCEPT / REQUEST_REBOOT take nothing.
  EXPECT_EQ((Call{}).run(s, WARD_FWU_INSTALL), PSA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ((Call{.ins = 0}).run(s, WARD_FWU_INSTALL), PSA_ERROR_BAD_STATE);
  EXPECT_EQ((Call{.ins = 0, .out_size = 4, .outs = 1}).run(s, WARD_FWU_ACCEPT), PSA_ERROR_INVALID_ARGUMENT);
  // REJECT names no component.
  EXPECT_EQ((Call{.args = {.error = -1, .component = 1}}).run(s, WARD_FWU_REJECT), PSA_ERROR_INVALID_ARGUMENT);
  // WRITE: the block is the second vector, the error field unused.
  ASSERT_EQ((Call{.args = {.component = kNs}}).run(s, WARD_FWU_START), PSA_SUCCESS);
  Call w{.args = {.component = kNs}, .data = std::vector<std::byte>(16, std::byte{0x11}), .ins = 2};
  EXPECT_EQ(w.run(s, WARD_FWU_WRITE), PSA_SUCCESS);
  w.args.error = 3;
  EXPECT_EQ(w.run(s, WARD_FWU_WRITE), PSA_ERROR_INVALID_ARGUMENT);
  w.args.error = 0;
  w.ins = 1;
  EXPECT_EQ(w.run(s, WARD_FWU_WRITE), PSA_ERROR_INVALID_ARGUMENT);
  w.ins = 3;
  EXPECT_EQ(w.run(s, WARD_FWU_WRITE), PSA_ERROR_INVALID_ARGUMENT);
}

}  // namespace
