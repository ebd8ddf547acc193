// The image group (smp_group_1): state read from a fake slot source, and the upload state machine
// against a fake sink that keeps a slot in memory and checks the whole image's SHA-256 at the end.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>

#include "mgmt_test_util.hpp"
#include "ward/boot/sha256.hpp"
#include "ward/mgmt/image_group.hpp"

using namespace mgmt_test;
using namespace ward::mgmt;

namespace {

struct FakeSlots final : ImageSlots {
  std::vector<SlotState> slots;
  std::size_t read(std::span<SlotState, kMaxSlots> out) override {
    const std::size_t n = std::min(slots.size(), out.size());
    std::copy_n(slots.begin(), n, out.begin());
    return n;
  }
  // State write: the calls are logged; the answer is `state_answer`.
  Bytes last_hash;
  bool last_confirm = false;
  int state_writes = 0;
  ImageError state_answer = ImageError::ok;
  ImageError set_state(std::span<const std::byte> hash, bool confirm) override {
    ++state_writes;
    last_hash.assign(hash.begin(), hash.end());
    last_confirm = confirm;
    return state_answer;
  }
  std::vector<std::uint32_t> erased;
  ImageError erase(std::uint32_t slot) override {
    if (slot % 2 == 0) return ImageError::invalid_slot;
    erased.push_back(slot);
    return ImageError::ok;
  }
};

// A slot in memory. Every call is logged; write() refuses anything but the next contiguous bytes
// (the group must never ask for more), and finish() checks the SHA-256 the start named.
struct FakeSink final : UploadSink {
  std::uint32_t max_length = 4096;
  std::uint32_t images = 2;
  int fail_write_at = -1;  // the n-th write fails
  Bytes slot;
  UploadStart started;
  int begins = 0, writes = 0, finishes = 0, aborts = 0;
  bool finished_ok = false;

  // A session that survived a reset: begin() of the same image resumes at slot.size().
  bool survives_reset = false;
  std::uint32_t forced_resume = 0;  // a misbehaving sink's resume offset
  ImageError begin(const UploadStart& s, std::uint32_t& resume_at) override {
    ++begins;
    if (s.image >= images) return ImageError::invalid_slot;
    if (s.length > max_length) return ImageError::invalid_image_too_large;
    if (forced_resume != 0) {
      resume_at = forced_resume;
      return ImageError::ok;
    }
    if (survives_reset && s.has_sha && started.has_sha && s.sha == started.sha && s.length == started.length &&
        !slot.empty() && slot.size() < s.length) {
      resume_at = static_cast<std::uint32_t>(slot.size());
      return ImageError::ok;
    }
    started = s;
    slot.clear();
    return ImageError::ok;
  }
  ImageError write(std::uint32_t offset, std::span<const std::byte> data) override {
    if (writes++ == fail_write_at) return ImageError::flash_write_failed;
    EXPECT_EQ(offset, slot.size()) << "non-contiguous write";
    EXPECT_LE(offset + data.size(), started.length) << "write past the announced length";
    slot.insert(slot.end(), data.begin(), data.end());
    return ImageError::ok;
  }
  ImageError finish() override {
    ++finishes;
    EXPECT_EQ(slot.size(), started.length);
    if (started.has_sha) {
      ward::boot::Sha256 h;
      h.update(slot);
      const auto d = h.finish();
      if (!std::equal(d.begin(), d.end(), started.sha.begin(),
                      [](std::uint8_t a, std::byte x) { return a == std::to_integer<std::uint8_t>(x); })) {
        return ImageError::invalid_hash;
      }
    }
    finished_ok = true;
    return ImageError::ok;
  }
  void abort() override { ++aborts; }
};

Bytes image_bytes(std::size_t n) {
  Bytes out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::byte>(i * 7 + 3);
  return out;
}

Bytes sha256(const Bytes& data) {
  ward::boot::Sha256 h;
  h.update(data);
  const auto d = h.finish();
  Bytes out;
  for (auto x : d) out.push_back(static_cast<std::byte>(x));
  return out;
}

struct ImageFixture : ::testing::Test {
  FakeSlots slots;
  FakeSink sink;
  ImageGroup image{slots, sink};
  std::array<Group*, 1> groups{&image};
  Server server{groups};
  std::uint8_t seq = 0;

  Bytes upload(const Bytes& fields, std::size_t n_fields, unsigned version = 1) {
    const Bytes req = packet(version, 2, 1, ++seq, 1, cat({map(n_fields), fields}));
    const Bytes resp = roundtrip(server, req, 1024);
    EXPECT_GE(resp.size(), 8u);
    return resp.size() >= 8 ? Bytes(resp.begin() + 8, resp.end()) : Bytes{};
  }
  Bytes first(const Bytes& data, std::size_t len, const Bytes& sha, unsigned version = 1) {
    return upload(cat({t("image"), u(0), t("len"), u(len), t("off"), u(0), t("sha"), b(sha), t("data"), b(data)}), 5,
                  version);
  }
  Bytes chunk(std::size_t off, const Bytes& data, unsigned version = 1) {
    return upload(cat({t("off"), u(off), t("data"), b(data)}), 2, version);
  }
};

Bytes off(std::uint64_t n) { return cat({kOpenMap, t("off"), u(n), kBreak}); }
Bytes off_err(std::uint64_t n, std::uint64_t rc) {
  return cat({kOpenMap, t("off"), u(n), t("err"), kOpenMap, t("group"), u(1), t("rc"), u(rc), kBreak, kBreak});
}
Bytes err(std::uint64_t rc) { return cat({kOpenMap, t("err"), kOpenMap, t("group"), u(1), t("rc"), u(rc), kBreak, kBreak}); }
Bytes rc(std::uint64_t n) { return cat({kOpenMap, t("rc"), u(n), kBreak}); }

Bytes slice(const Bytes& v, std::size_t from, std::size_t n) { return Bytes(v.begin() + from, v.begin() + from + n); }

}  // namespace

TEST_F(ImageFixture, StateListsTheSlots) {
  SlotState s0{.image = 0, .slot = 0, .version = {1, 2, 3, 0}, .hash = {}, .bootable = true, .pending = false,
               .confirmed = true, .active = true, .permanent = false};
  s0.hash.fill(std::byte{0xab});
  SlotState s1{.image = 0, .slot = 1, .version = {1, 3, 0, 77}, .hash = {}, .bootable = true, .pending = true,
               .confirmed = false, .active = false, .permanent = false};
  slots.slots = {s0, s1};
  auto entry = [](const SlotState& s, std::string_view version) {
    return cat({kOpenMap, t("image"), u(s.image), t("slot"), u(s.slot), t("version"), t(version), t("hash"),
                b(s.hash), t("bootable"), s.bootable ? kTrue : kFalse, t("pending"), s.pending ? kTrue : kFalse,
                t("confirmed"), s.confirmed ? kTrue : kFalse, t("active"), s.active ? kTrue : kFalse, t("permanent"),
                s.permanent ? kTrue : kFalse, kBreak});
  };
  const Bytes resp = roundtrip(server, packet(0, 0, 1, 5, 0, {}), 1024);
  const Bytes body = cat({kOpenMap, t("images"), kOpenArray, entry(s0, "1.2.3"), entry(s1, "1.3.0.77"), kBreak,
                          t("splitStatus"), u(0), kBreak});
  EXPECT_EQ(resp, packet(0, 1, 1, 5, 0, body));
}

TEST_F(ImageFixture, StateWithNoImagesAndNoWrite) {
  EXPECT_EQ(roundtrip(server, packet(0, 0, 1, 5, 0, {})),
            packet(0, 1, 1, 5, 0, cat({kOpenMap, t("images"), kOpenArray, kBreak, t("splitStatus"), u(0), kBreak})));
}

const Bytes kEmptyState = cat({kOpenMap, t("images"), kOpenArray, kBreak, t("splitStatus"), u(0), kBreak});

TEST_F(ImageFixture, TestByHashReachesTheSlotsAndAnswersTheState) {
  const Bytes h = sha256(image_bytes(8));
  EXPECT_EQ(roundtrip(server, packet(1, 2, 1, 6, 0, cat({map(2), t("hash"), b(h), t("confirm"), kFalse}))),
            packet(1, 3, 1, 6, 0, kEmptyState));
  EXPECT_EQ(slots.state_writes, 1);
  EXPECT_EQ(slots.last_hash, h);
  EXPECT_FALSE(slots.last_confirm);
}

TEST_F(ImageFixture, ConfirmWithoutHashConfirmsTheRunningImage) {
  EXPECT_EQ(roundtrip(server, packet(1, 2, 1, 6, 0, cat({map(1), t("confirm"), kTrue}))),
            packet(1, 3, 1, 6, 0, kEmptyState));
  EXPECT_TRUE(slots.last_confirm);
  EXPECT_TRUE(slots.last_hash.empty());
}

TEST_F(ImageFixture, StateWriteRefusals) {
  // A test without a hash, a hash that is not 32 bytes, a hash of the wrong type: nothing asked.
  EXPECT_EQ(roundtrip(server, packet(1, 2, 1, 6, 0, cat({map(1), t("confirm"), kFalse}))), packet(1, 3, 1, 6, 0, rc(3)));
  EXPECT_EQ(roundtrip(server, packet(1, 2, 1, 6, 0, {})), packet(1, 3, 1, 6, 0, rc(3)));
  EXPECT_EQ(roundtrip(server, packet(1, 2, 1, 6, 0, cat({map(1), t("hash"), b(image_bytes(31))}))),
            packet(1, 3, 1, 6, 0, err(24)));
  EXPECT_EQ(roundtrip(server, packet(1, 2, 1, 6, 0, cat({map(1), t("hash"), t("abcd")}))), packet(1, 3, 1, 6, 0, rc(3)));
  EXPECT_EQ(slots.state_writes, 0);
  // The slots' refusal reaches the client (SMP 2: the group's code; SMP 1: its rc).
  slots.state_answer = ImageError::hash_not_found;
  const Bytes h = sha256(image_bytes(8));
  EXPECT_EQ(roundtrip(server, packet(1, 2, 1, 6, 0, cat({map(1), t("hash"), b(h)}))), packet(1, 3, 1, 6, 0, err(8)));
  EXPECT_EQ(roundtrip(server, packet(0, 2, 1, 6, 0, cat({map(1), t("hash"), b(h)}))), packet(0, 3, 1, 6, 0, rc(5)));
}

TEST_F(ImageFixture, EraseEmptiesTheStagingSlotAndEndsTheSession) {
  const Bytes img = image_bytes(100);
  EXPECT_EQ(first(slice(img, 0, 50), 100, sha256(img)), off(50));
  EXPECT_EQ(roundtrip(server, packet(1, 2, 1, 7, 5, {})), packet(1, 3, 1, 7, 5, cat({kOpenMap, kBreak})));
  EXPECT_EQ(slots.erased, std::vector<std::uint32_t>{1});  // default: image 0's secondary
  EXPECT_FALSE(image.session_open());
  EXPECT_EQ(sink.aborts, 1);
  EXPECT_EQ(chunk(50, slice(img, 50, 50)), off_err(0, 20));  // nothing to go on with
  EXPECT_EQ(roundtrip(server, packet(1, 2, 1, 8, 5, cat({map(1), t("slot"), u(3)}))),
            packet(1, 3, 1, 8, 5, cat({kOpenMap, kBreak})));
  EXPECT_EQ(roundtrip(server, packet(1, 2, 1, 9, 5, cat({map(1), t("slot"), u(0)}))), packet(1, 3, 1, 9, 5, err(14)));
  EXPECT_EQ(roundtrip(server, packet(1, 2, 1, 9, 5, cat({map(1), t("slot"), u(256)}))), packet(1, 3, 1, 9, 5, err(14)));
  EXPECT_EQ(roundtrip(server, packet(1, 2, 1, 9, 5, cat({map(1), t("slot"), t("1")}))), packet(1, 3, 1, 9, 5, rc(3)));
  EXPECT_EQ(roundtrip(server, packet(1, 0, 1, 9, 5, {})), packet(1, 1, 1, 9, 5, rc(8)));  // write only
  EXPECT_EQ(slots.erased, (std::vector<std::uint32_t>{1, 3}));
}

TEST_F(ImageFixture, ASessionThatSurvivedAResetResumesWhereTheSinkSays) {
  sink.survives_reset = true;
  const Bytes img = image_bytes(300);
  const Bytes sha = sha256(img);
  EXPECT_EQ(first(slice(img, 0, 120), 300, sha), off(120));
  // The device resets: a new group (its session gone), the same sink (the staging survived).
  ImageGroup after{slots, sink};
  std::array<Group*, 1> g{&after};
  Server s2{g};
  const int writes = sink.writes;
  const Bytes req = packet(1, 2, 1, 1, 1,
                           cat({map(5), t("image"), u(0), t("len"), u(300), t("off"), u(0), t("sha"), b(sha), t("data"),
                                b(slice(img, 0, 100))}));
  EXPECT_EQ(roundtrip(s2, req), packet(1, 3, 1, 1, 1, off(120)));
  EXPECT_EQ(sink.writes, writes);  // nothing written by the resuming request
  EXPECT_EQ(after.expected_offset(), 120u);
  const Bytes next = packet(1, 2, 1, 2, 1, cat({map(2), t("off"), u(120), t("data"), b(slice(img, 120, 180))}));
  EXPECT_EQ(roundtrip(s2, next), packet(1, 3, 1, 2, 1, off(300)));
  EXPECT_EQ(sink.slot, img);
  EXPECT_TRUE(sink.finished_ok);
}

TEST_F(ImageFixture, AResumeOffsetTheGroupCannotTrustIsRefused) {
  // A sink bug (or a corrupted record) naming an offset at or past the end, or a resume of an
  // upload without a SHA-256 (the group could not tell it is the same image): refused, closed.
  sink.forced_resume = 300;
  const Bytes img = image_bytes(300);
  EXPECT_EQ(first(slice(img, 0, 100), 300, sha256(img)), err(1));
  EXPECT_FALSE(image.session_open());
  sink.forced_resume = 10;
  EXPECT_EQ(upload(cat({t("off"), u(0), t("len"), u(300), t("data"), b(slice(img, 0, 100))}), 3), err(1));
  EXPECT_FALSE(image.session_open());
  EXPECT_EQ(sink.aborts, 2);
  EXPECT_EQ(sink.writes, 0);
}

TEST_F(ImageFixture, UploadInChunksChecksTheWholeImage) {
  const Bytes img = image_bytes(300);
  const Bytes sha = sha256(img);
  EXPECT_EQ(first(slice(img, 0, 100), 300, sha), off(100));
  EXPECT_EQ(chunk(100, slice(img, 100, 150)), off(250));
  EXPECT_TRUE(image.session_open());
  EXPECT_EQ(chunk(250, slice(img, 250, 50)), off(300));
  EXPECT_EQ(sink.slot, img);
  EXPECT_TRUE(sink.finished_ok);
  EXPECT_FALSE(image.session_open());
  EXPECT_EQ(sink.started.length, 300u);
  EXPECT_TRUE(sink.started.has_sha);
}

TEST_F(ImageFixture, WrongShaIsRefusedAtTheEnd) {
  const Bytes img = image_bytes(64);
  Bytes sha = sha256(img);
  sha[5] ^= std::byte{1};
  EXPECT_EQ(first(slice(img, 0, 32), 64, sha), off(32));
  EXPECT_EQ(chunk(32, slice(img, 32, 32)), err(24));  // invalid hash
  EXPECT_FALSE(sink.finished_ok);
  EXPECT_FALSE(image.session_open());
}

TEST_F(ImageFixture, ReplayedChunkIsRefusedAndNotWritten) {
  const Bytes img = image_bytes(200);
  EXPECT_EQ(first(slice(img, 0, 100), 200, sha256(img)), off(100));
  const int writes = sink.writes;
  EXPECT_EQ(chunk(0 + 50, slice(img, 50, 50)), off_err(100, 20));  // behind: replayed
  EXPECT_EQ(chunk(150, slice(img, 150, 50)), off_err(100, 20));     // ahead: a chunk was lost
  EXPECT_EQ(sink.writes, writes);
  EXPECT_EQ(chunk(100, slice(img, 100, 100)), off(200));            // the right one still completes it
  EXPECT_TRUE(sink.finished_ok);
  EXPECT_EQ(chunk(100, slice(img, 100, 100)), off_err(0, 20));      // after the end: no session
}

TEST_F(ImageFixture, Smp1ClientsSeeInvalid) {
  const Bytes img = image_bytes(200);
  EXPECT_EQ(first(slice(img, 0, 100), 200, sha256(img), 0), off(100));
  EXPECT_EQ(chunk(120, slice(img, 120, 10), 0), cat({kOpenMap, t("off"), u(100), t("rc"), u(3), kBreak}));
}

TEST_F(ImageFixture, ChunkWithoutSessionIsRefused) {
  EXPECT_EQ(chunk(10, image_bytes(10)), off_err(0, 20));
  EXPECT_EQ(sink.writes, 0);
  EXPECT_EQ(sink.begins, 0);
}

TEST_F(ImageFixture, FirstChunkMustCarryALength) {
  EXPECT_EQ(upload(cat({t("off"), u(0), t("data"), b(image_bytes(4))}), 2), err(21));
  EXPECT_EQ(upload(cat({t("off"), u(0), t("len"), u(0), t("data"), b(image_bytes(0))}), 3), err(21));
  EXPECT_EQ(upload(cat({t("off"), u(0), t("len"), hex("1b 00 00 00 01 00 00 00 00"), t("data"), b({})}), 3), err(21));
  EXPECT_EQ(sink.begins, 0);
}

TEST_F(ImageFixture, MissingOrMistypedFieldsAreInvalid) {
  EXPECT_EQ(upload(cat({t("data"), b(image_bytes(4))}), 1), rc(3));                 // no off
  EXPECT_EQ(upload(cat({t("off"), u(0), t("len"), u(4)}), 2), rc(3));               // no data
  EXPECT_EQ(upload(cat({t("off"), u(0), t("len"), u(4), t("data"), t("abcd")}), 3), rc(3));  // text, not bytes
  EXPECT_EQ(upload(cat({t("off"), u(0), t("len"), u(4), t("sha"), b(image_bytes(31)), t("data"), b(image_bytes(4))}),
                   4),
            rc(3));  // a SHA-256 is 32 bytes
  EXPECT_EQ(upload(cat({t("off"), hex("20"), t("data"), b(image_bytes(4))}), 2), rc(3));  // negative offset
  EXPECT_EQ(sink.begins, 0);
  EXPECT_EQ(sink.writes, 0);
}

TEST_F(ImageFixture, DataBeyondTheLengthIsRefused) {
  const Bytes img = image_bytes(100);
  EXPECT_EQ(first(slice(img, 0, 60), 100, sha256(img)), off(60));
  EXPECT_EQ(chunk(60, image_bytes(41)), off_err(60, 31));
  EXPECT_EQ(sink.slot.size(), 60u);
  // A first chunk longer than its own length.
  EXPECT_EQ(first(image_bytes(20), 10, sha256(img)), off_err(0, 31));
}

TEST_F(ImageFixture, SinkRefusalsReachTheClient) {
  EXPECT_EQ(upload(cat({t("off"), u(0), t("len"), u(10), t("image"), u(5), t("data"), b(image_bytes(10))}), 4), err(14));
  EXPECT_EQ(upload(cat({t("off"), u(0), t("len"), u(10), t("image"), u(300), t("data"), b(image_bytes(10))}), 4),
            err(14));
  EXPECT_EQ(upload(cat({t("off"), u(0), t("len"), u(5000), t("data"), b(image_bytes(10))}), 3), err(30));
  EXPECT_FALSE(image.session_open());
}

TEST_F(ImageFixture, FailedWriteEndsTheSession) {
  const Bytes img = image_bytes(100);
  EXPECT_EQ(first(slice(img, 0, 50), 100, sha256(img)), off(50));
  sink.fail_write_at = sink.writes;
  EXPECT_EQ(chunk(50, slice(img, 50, 50)), err(12));
  EXPECT_FALSE(image.session_open());
  EXPECT_EQ(sink.aborts, 1);
  // The client cannot go on where it was: the slot's contents are unknown.
  EXPECT_EQ(chunk(50, slice(img, 50, 50)), off_err(0, 20));
}

TEST_F(ImageFixture, SameShaAtOffsetZeroResumes) {
  const Bytes img = image_bytes(300);
  const Bytes sha = sha256(img);
  EXPECT_EQ(first(slice(img, 0, 100), 300, sha), off(100));
  const int writes = sink.writes;
  EXPECT_EQ(first(slice(img, 0, 100), 300, sha), off(100));  // resume: where to go on
  EXPECT_EQ(sink.writes, writes);
  EXPECT_EQ(sink.begins, 1);
  EXPECT_EQ(chunk(100, slice(img, 100, 200)), off(300));
  EXPECT_EQ(sink.slot, img);
}

TEST_F(ImageFixture, DifferentShaAtOffsetZeroStartsOver) {
  const Bytes a = image_bytes(300);
  Bytes bimg = image_bytes(300);
  bimg[0] ^= std::byte{0xff};
  EXPECT_EQ(first(slice(a, 0, 100), 300, sha256(a)), off(100));
  EXPECT_EQ(first(slice(bimg, 0, 100), 300, sha256(bimg)), off(100));
  EXPECT_EQ(sink.aborts, 1);
  EXPECT_EQ(sink.begins, 2);
  EXPECT_EQ(chunk(100, slice(bimg, 100, 200)), off(300));
  EXPECT_EQ(sink.slot, bimg);
  EXPECT_TRUE(sink.finished_ok);
}

// An open session is resumed only by an offset-0 request naming the same image number, length and
// SHA-256: without a hash, or for another image, the group cannot tell the staged bytes belong to
// what comes next, so it starts over at 0 (the staged bytes aborted) rather than merge the two.
TEST_F(ImageFixture, AnOpenSessionIsNotResumedWithoutTheSameHashAndImage) {
  const Bytes img = image_bytes(300);
  const Bytes sha = sha256(img);
  EXPECT_EQ(first(slice(img, 0, 100), 300, sha), off(100));
  // The same bytes and length, no hash.
  EXPECT_EQ(upload(cat({t("image"), u(0), t("len"), u(300), t("off"), u(0), t("data"), b(slice(img, 0, 40))}), 4),
            off(40));
  EXPECT_EQ(sink.begins, 2);
  EXPECT_EQ(sink.aborts, 1);
  EXPECT_EQ(sink.slot, slice(img, 0, 40));
  // The hash again, then the same hash and length for image 1: a new session.
  EXPECT_EQ(first(slice(img, 0, 100), 300, sha), off(100));
  EXPECT_EQ(upload(cat({t("image"), u(1), t("len"), u(300), t("off"), u(0), t("sha"), b(sha), t("data"),
                        b(slice(img, 0, 60))}),
                   5),
            off(60));
  EXPECT_EQ(sink.begins, 4);
  EXPECT_EQ(sink.started.image, 1u);
  EXPECT_EQ(sink.slot, slice(img, 0, 60));
  // The same hash and image (1), another length: a new session too.
  EXPECT_EQ(upload(cat({t("image"), u(1), t("len"), u(299), t("off"), u(0), t("sha"), b(sha), t("data"),
                        b(slice(img, 0, 80))}),
                   5),
            off(80));
  EXPECT_EQ(sink.begins, 5);
  EXPECT_EQ(sink.slot, slice(img, 0, 80));
}

TEST_F(ImageFixture, UploadIsWriteOnly) {
  EXPECT_EQ(roundtrip(server, packet(0, 0, 1, 1, 1, {})), packet(0, 1, 1, 1, 1, rc(8)));
}
