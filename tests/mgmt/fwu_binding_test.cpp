// The image group's PSA Firmware Update binding (lib/mgmt fwu_binding.hpp) against a model of the
// FWU service and of Protected Storage (fwu_model.hpp), in place of the client libraries. A "reset"
// is a new binding and a new image group over the same model.
#include <gtest/gtest.h>
#include <psa/protected_storage.h>
#include <psa/update.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <vector>

#include "fwu_model.hpp"
#include "mgmt_test_util.hpp"
#include "ward/boot/sha256.hpp"
#include "ward/mgmt/fwu_binding.hpp"
#include "ward/mgmt/image_group.hpp"

using namespace mgmt_test;
using namespace ward::mgmt;

namespace {

constexpr std::uint64_t kUid = 0x100;
// Each image's slot size, as a board's flash layout gives it (different, so a swap shows).
constexpr std::uint32_t kSlotSize0 = 80 * 4096;
constexpr std::uint32_t kSlotSize1 = 48 * 4096;

// An MCUboot-shaped image: header (version 2.1.3), payload, an unprotected TLV area holding the key
// hash and the SHA-256 TLV (the binding takes the latter for the slot list).
struct TestImage {
  Bytes bytes;
  Bytes tlv_hash;
};
TestImage make_image(std::uint32_t payload, std::uint8_t seed = 1) {
  TestImage t;
  Bytes& b = t.bytes;
  b.resize(32 + payload);
  auto put32 = [&](std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) b[at + i] = static_cast<std::byte>(v >> (8 * i));
  };
  put32(0, 0x96f3b83d);
  b[8] = std::byte{32};  // hdr_size
  put32(12, payload);     // img_size
  b[20] = std::byte{2};
  b[21] = std::byte{1};
  b[22] = std::byte{3};
  for (std::uint32_t i = 0; i < payload; ++i) b[32 + i] = static_cast<std::byte>(i * 13 + seed);
  ward::boot::Sha256 h;
  h.update(b);
  const auto d = h.finish();
  for (auto x : d) t.tlv_hash.push_back(static_cast<std::byte>(x));
  const Bytes info = {std::byte{0x07}, std::byte{0x69}, std::byte{76}, std::byte{0}};
  b.insert(b.end(), info.begin(), info.end());
  const Bytes key = {std::byte{0x01}, std::byte{0}, std::byte{32}, std::byte{0}};
  b.insert(b.end(), key.begin(), key.end());
  b.insert(b.end(), 32, std::byte{0x5a});
  const Bytes sha = {std::byte{0x10}, std::byte{0}, std::byte{32}, std::byte{0}};
  b.insert(b.end(), sha.begin(), sha.end());
  b.insert(b.end(), t.tlv_hash.begin(), t.tlv_hash.end());
  return t;
}

Bytes sha256(const Bytes& data) {
  ward::boot::Sha256 h;
  h.update(data);
  Bytes out;
  for (auto x : h.finish()) out.push_back(static_cast<std::byte>(x));
  return out;
}

// A device: the binding and the group (a reset builds a new one over the same model).
struct Device {
  FwuBinding fwu{kUid, {kSlotSize0, kSlotSize1}};
  ImageGroup image{fwu, fwu};
  std::array<Group*, 1> groups{&image};
  Server server{groups};
  std::uint8_t seq = 0;

  Bytes upload(const Bytes& fields, std::size_t n) {
    const Bytes resp = roundtrip(server, packet(1, 2, 1, ++seq, 1, cat({map(n), fields})), 1024);
    return resp.size() >= 8 ? Bytes(resp.begin() + 8, resp.end()) : Bytes{};
  }
  Bytes first(const Bytes& img, std::size_t n, std::uint32_t image_no = 1) {
    return upload(cat({t("image"), u(image_no), t("len"), u(img.size()), t("off"), u(0), t("sha"), b(sha256(img)),
                       t("data"), b(Bytes(img.begin(), img.begin() + static_cast<std::ptrdiff_t>(n)))}),
                  5);
  }
  Bytes chunk(const Bytes& img, std::size_t off, std::size_t n) {
    return upload(cat({t("off"), u(off), t("data"),
                       b(Bytes(img.begin() + static_cast<std::ptrdiff_t>(off),
                               img.begin() + static_cast<std::ptrdiff_t>(off + n)))}),
                  2);
  }
  // Sends img from `off` in chunks of `step`; returns the device's last offset.
  std::uint64_t send(const Bytes& img, std::size_t off, std::size_t step, std::size_t until) {
    while (off < until) {
      const std::size_t n = std::min(step, until - off);
      const Bytes r = off == 0 ? first(img, n) : chunk(img, off, n);
      if (r != cat({kOpenMap, t("off"), u(off + n), kBreak})) {
        ADD_FAILURE() << "chunk at " << off << " not taken";
        return off;
      }
      off += n;
    }
    return off;
  }
};

Bytes off(std::uint64_t n) { return cat({kOpenMap, t("off"), u(n), kBreak}); }
Bytes err(std::uint64_t rc) { return cat({kOpenMap, t("err"), kOpenMap, t("group"), u(1), t("rc"), u(rc), kBreak, kBreak}); }

struct FwuBindingTest : ::testing::Test {
  void SetUp() override { model = Model{}; }
  std::vector<SlotState> slots(FwuBinding& f) {
    std::array<SlotState, ImageSlots::kMaxSlots> s{};
    const std::size_t n = f.read(s);
    return {s.begin(), s.begin() + static_cast<std::ptrdiff_t>(n)};
  }
};

Bytes hash_of(const SlotState& s) { return Bytes(s.hash.begin(), s.hash.end()); }

}  // namespace

TEST_F(FwuBindingTest, OddChunksReachFwuAsWholeUnitsAndTheSlotIsListed) {
  const TestImage img = make_image(3001);
  Device d;
  d.send(img.bytes, 0, 37, img.bytes.size());  // 37: never a multiple of 8
  EXPECT_EQ(model.bad_calls, 0);
  EXPECT_EQ(model.c[1].state, PSA_FWU_CANDIDATE);
  ASSERT_EQ(model.c[1].staged.size(), img.bytes.size());
  EXPECT_TRUE(std::equal(img.bytes.begin(), img.bytes.end(), model.c[1].staged.begin(),
                         [](std::byte a, std::uint8_t x) { return std::to_integer<std::uint8_t>(a) == x; }));
  const auto s = slots(d.fwu);
  ASSERT_EQ(s.size(), 3u);  // image 0 slot 0, image 1 slots 0 and 1
  EXPECT_EQ(s[2].image, 1u);
  EXPECT_EQ(s[2].slot, 1u);
  EXPECT_EQ(s[2].version.major, 2);
  EXPECT_EQ(s[2].version.minor, 1);
  EXPECT_EQ(s[2].version.revision, 3);
  EXPECT_EQ(hash_of(s[2]), img.tlv_hash);
  EXPECT_FALSE(s[2].pending);
}

TEST_F(FwuBindingTest, AWrongWholeImageHashIsRefusedAndTheStagingCancelled) {
  const TestImage img = make_image(500);
  Device d;
  Bytes wrong = sha256(img.bytes);
  wrong[0] ^= std::byte{1};
  const Bytes r = d.upload(cat({t("image"), u(1), t("len"), u(img.bytes.size()), t("off"), u(0), t("sha"), b(wrong),
                                t("data"), b(img.bytes)}),
                           5);
  EXPECT_EQ(r, err(24));
  EXPECT_EQ(model.c[1].state, PSA_FWU_READY);  // cancelled and cleaned: nothing to install
  EXPECT_EQ(slots(d.fwu).size(), 2u);
}

TEST_F(FwuBindingTest, AnUploadResumesAfterAResetFromTheCheckpoint) {
  const TestImage img = make_image(40000);
  const Bytes& bytes = img.bytes;
  {
    Device d;
    d.send(bytes, 0, 700, 20000);  // past the first checkpoint (16 KiB)
  }
  const int ps_before = model.ps_writes;
  Device after;  // reset: the FWU staging and the record survive
  EXPECT_EQ(after.first(bytes, 700), off(FwuBinding::kCheckpoint));
  EXPECT_EQ(model.ps_writes, ps_before);  // a resume starts nothing
  EXPECT_EQ(model.c[1].state, PSA_FWU_WRITING);
  after.send(bytes, FwuBinding::kCheckpoint, 999, bytes.size());
  EXPECT_EQ(model.bad_calls, 0);
  EXPECT_EQ(model.c[1].state, PSA_FWU_CANDIDATE);  // the SHA-256 over every byte matched
  EXPECT_EQ(hash_of(slots(after.fwu)[2]), img.tlv_hash);
}

TEST_F(FwuBindingTest, ResentBytesThatDifferFromTheStagedOnesAreRefused) {
  const TestImage img = make_image(40000);
  {
    Device d;
    d.send(img.bytes, 0, 1000, 20000);
  }
  Bytes changed = img.bytes;
  changed[17000] ^= std::byte{0xff};  // between the checkpoint and what was staged
  Device after;
  // Not the same image (its SHA-256 differs): a fresh start, the old staging cancelled.
  EXPECT_EQ(after.first(changed, 64), off(64));
  EXPECT_EQ(model.c[1].staged.size(), 64u);
  // The same image, but a client that sends other bytes over the staged ones: FWU refuses them.
  {
    Device d;
    d.send(img.bytes, 0, 1000, 20000);
  }
  Device again;
  EXPECT_EQ(again.first(img.bytes, 64), off(FwuBinding::kCheckpoint));
  EXPECT_EQ(again.chunk(changed, FwuBinding::kCheckpoint, 1000), err(12));
  EXPECT_EQ(model.bad_calls, 0);
}

TEST_F(FwuBindingTest, NoResumeWithoutAHashOrBeforeTheFirstCheckpoint) {
  const TestImage img = make_image(40000);
  {
    Device d;
    d.send(img.bytes, 0, 1000, 10000);  // below 16 KiB: no checkpoint yet
  }
  Device after;
  EXPECT_EQ(after.first(img.bytes, 1000), off(1000));  // starts again at 0
  EXPECT_EQ(model.c[1].staged.size(), 1000u);
}

TEST_F(FwuBindingTest, TestInstallsTrialThenConfirmAccepts) {
  const TestImage img = make_image(3001);
  Device d;
  d.send(img.bytes, 0, 500, img.bytes.size());
  EXPECT_EQ(d.fwu.set_state(img.tlv_hash, false), ImageError::ok);
  EXPECT_EQ(model.c[1].state, PSA_FWU_STAGED);
  EXPECT_TRUE(slots(d.fwu)[2].pending);
  model.reboot();
  Device after;
  auto s = slots(after.fwu);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[1].version.major, 2);
  EXPECT_FALSE(s[1].confirmed);
  EXPECT_EQ(hash_of(s[1]), img.tlv_hash);
  EXPECT_EQ(after.fwu.set_state({}, true), ImageError::ok);
  EXPECT_EQ(model.c[1].state, PSA_FWU_READY);  // accepted, then cleaned
  s = slots(after.fwu);
  EXPECT_TRUE(s[1].confirmed);
  EXPECT_EQ(hash_of(s[1]), img.tlv_hash);  // the running image keeps its hash
  // Testing the running image again is refused.
  EXPECT_EQ(after.fwu.set_state(img.tlv_hash, false), ImageError::image_setting_test_to_active_denied);
}

TEST_F(FwuBindingTest, RefusalsOfStateWritesAndErase) {
  const TestImage img = make_image(3001);
  Device d;
  EXPECT_EQ(d.fwu.set_state(img.tlv_hash, false), ImageError::hash_not_found);
  EXPECT_EQ(d.fwu.set_state(img.tlv_hash, true), ImageError::hash_not_found);
  d.send(img.bytes, 0, 500, img.bytes.size());
  // Confirming an image that has not run: Ward test-boots every image first.
  EXPECT_EQ(d.fwu.set_state(img.tlv_hash, true), ImageError::image_confirmation_denied);
  // The secure side refuses the image at install (a bad signature): reported, left FAILED.
  model.install_answer = PSA_ERROR_INVALID_SIGNATURE;
  EXPECT_EQ(d.fwu.set_state(img.tlv_hash, false), ImageError::invalid_image_header);
  EXPECT_EQ(model.c[1].state, PSA_FWU_FAILED);
  EXPECT_EQ(d.fwu.erase(0), ImageError::invalid_slot);  // a running image's slot
  EXPECT_EQ(d.fwu.erase(2), ImageError::invalid_slot);
  EXPECT_EQ(d.fwu.erase(5), ImageError::invalid_slot);  // no image 2
  EXPECT_EQ(d.fwu.erase(3), ImageError::ok);
  EXPECT_EQ(model.c[1].state, PSA_FWU_READY);
  // Nothing is erased while an image is staged for the bootloader.
  model.install_answer = PSA_SUCCESS_REBOOT;
  d.send(img.bytes, 0, 500, img.bytes.size());
  EXPECT_EQ(d.fwu.set_state(img.tlv_hash, false), ImageError::ok);
  EXPECT_EQ(d.fwu.erase(3), ImageError::image_already_pending);
  EXPECT_EQ(model.c[1].state, PSA_FWU_STAGED);
}

TEST_F(FwuBindingTest, UploadsTheServiceCannotTakeAreRefusedAtTheStart) {
  Device d;
  const TestImage img = make_image(100);
  EXPECT_EQ(d.first(img.bytes, 10, 2), err(14));  // no image 2
  model.max_size = 64;
  EXPECT_EQ(d.first(img.bytes, 10), err(30));  // larger than the staging area
  EXPECT_EQ(model.c[1].state, PSA_FWU_READY);
}

// Slot info: the slot sizes the binding was given (the flash layout's), and as the largest upload
// what the FWU service takes (psa_fwu_query's max_size, what an upload's length is checked against).
TEST_F(FwuBindingTest, SlotInfoGivesTheLayoutsSizesAndFwusLargestImage) {
  model.max_size = 12345 * 8;
  Device d;
  const Bytes resp = roundtrip(d.server, packet(1, 0, 1, 1, 6, {}), 1024);
  // Slot 0 runs; slot 1 is where an upload naming the image lands.
  auto slot_list = [](std::uint32_t image, std::uint32_t size) {
    return cat({kOpenArray, kOpenMap, t("slot"), u(0), t("size"), u(size), kBreak, kOpenMap, t("slot"), u(1), t("size"),
                u(size), t("upload_image_id"), u(image), kBreak, kBreak});
  };
  const Bytes body = cat({kOpenMap, t("images"), kOpenArray,
                          kOpenMap, t("image"), u(0), t("slots"), slot_list(0, kSlotSize0), t("max_image_size"), u(12345 * 8),
                          kBreak,
                          kOpenMap, t("image"), u(1), t("slots"), slot_list(1, kSlotSize1), t("max_image_size"), u(12345 * 8),
                          kBreak,
                          kBreak, kBreak});
  EXPECT_EQ(resp, packet(1, 1, 1, 1, 6, body));
  // An upload one byte over that size is refused by the same figure (group error 30).
  const Bytes too_big(model.max_size + 1, std::byte{1});
  EXPECT_EQ(d.first(too_big, 16), err(30));
}


// Attacks on the midstate kept across a reset (attack17): the record in Protected Storage is read
// back as it was written; what it says must agree with itself before an upload resumes from it.
namespace {

FwuBinding::Record read_record(std::uint32_t image) {
  FwuBinding::Record r;
  const auto& bytes = model.ps.at(kUid + image);
  EXPECT_EQ(bytes.size(), sizeof r);
  std::memcpy(&r, bytes.data(), sizeof r);
  return r;
}

void write_record(std::uint32_t image, const FwuBinding::Record& r) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(&r);
  model.ps[kUid + image].assign(p, p + sizeof r);
}

}  // namespace

// A record whose midstate does not cover exactly its checkpoint's bytes (a length that is not the
// checkpoint, a checkpoint off the kCheckpoint grid) is not resumed from: restored, it would hash
// the rest of the image on a wrong state, and the whole upload would end refused (invalid_hash)
// after every byte was sent again. The upload starts fresh instead.
TEST_F(FwuBindingTest, AMidstateThatDoesNotCoverItsCheckpointIsNotResumed) {
  const TestImage img = make_image(40000);
  for (int variant = 0; variant < 3; ++variant) {
    model = Model{};
    {
      Device d;
      d.send(img.bytes, 0, 700, 20000);
    }
    FwuBinding::Record r = read_record(1);
    ASSERT_EQ(r.checkpoint, FwuBinding::kCheckpoint);
    ASSERT_EQ(r.mid_length, FwuBinding::kCheckpoint);
    if (variant == 0) {
      r.mid_length += 64;  // the midstate of another length
    } else if (variant == 1) {
      r.mid_length = 0;
    } else {
      r.checkpoint -= 64;  // on a block boundary, but not where a midstate is ever saved
      r.mid_length -= 64;
    }
    write_record(1, r);
    Device after;
    EXPECT_EQ(after.first(img.bytes, 700), off(700)) << variant;  // a fresh start, not the checkpoint
    EXPECT_EQ(model.c[1].staged.size(), 696u) << variant;         // 700 less the tail under a unit
    after.send(img.bytes, 700, 999, img.bytes.size());
    EXPECT_EQ(model.c[1].state, PSA_FWU_CANDIDATE) << variant;
    EXPECT_EQ(model.bad_calls, 0) << variant;
  }
}

// A midstate whose hash words were changed (its length intact) cannot be told from a good one:
// the upload resumes, and the whole-image SHA-256 refuses it at the end; nothing is left to
// install (the check is not bypassed by the state kept across the reset).
TEST_F(FwuBindingTest, ATamperedMidstateIsCaughtByTheWholeImageHash) {
  const TestImage img = make_image(40000);
  {
    Device d;
    d.send(img.bytes, 0, 700, 20000);
  }
  FwuBinding::Record r = read_record(1);
  r.mid[3] ^= 0x80000000u;
  write_record(1, r);
  Device after;
  EXPECT_EQ(after.first(img.bytes, 700), off(FwuBinding::kCheckpoint));
  const std::uint64_t last = img.bytes.size() - 1000;
  EXPECT_EQ(after.send(img.bytes, FwuBinding::kCheckpoint, 999, last), last);
  EXPECT_EQ(after.chunk(img.bytes, last, 1000), err(24));
  EXPECT_EQ(model.c[1].state, PSA_FWU_READY);
  EXPECT_EQ(slots(after.fwu).size(), 2u);
  EXPECT_EQ(model.bad_calls, 0);
}
