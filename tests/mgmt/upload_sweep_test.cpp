// An SMP upload under power cuts (issue 17), on the host with the real code end to end: SMP
// request packets with their CBOR through the server core and the image group, the PSA Firmware
// Update binding (lib/mgmt fwu_binding.cpp), the client functions psa_fwu_* and psa_ps_* over the
// host transport (the secure-call boundary and the dispatcher), the FWU service and Protected
// Storage (with its counters in ITS) on one simulated flash that also holds the bootloader's slots
// and counter. The power is cut at flash operation N (program or erase) of the upload, for every N
// in turn (or a deterministic sample of them, below); the device reboots from what the flash holds
// (bootloader, ITS and PS mounted, the FWU service and a new SMP server and binding: nothing in
// RAM survives), and a client resumes as ward-mgmt does: it reads the image state, and uploads at
// off 0 with the same image, length and SHA-256, then goes on from the offset the device answers.
//
// After every cut:
//   - no slot the device lists, and no FWU state past WRITING, stands for an image that is not
//     staged whole and byte for byte (a half-written slot is never reported complete), and a test
//     request by the image's hash is refused until then (never installable);
//   - the offset the device resumes at is one whose bytes are staged as sent;
//   - the upload completes, the staged image is the image byte for byte (its SHA-256 matches),
//     the slot is listed with the image's hash, and a test request by that hash is taken (the FWU
//     service verifies the signature at install: STAGED).
//
// The budget: every cut point of one upload takes about 2 s of CPU on the host (5 s under ASan), so
// that sweep is whole in every run; the two costlier ones (an upload replacing a staged image, a
// second cut after the reset) run a deterministic sample of their first cuts (the first and last
// few, and every n-th). WARD_SWEEP=full runs every first cut of all three: `./ward sweep`.
#include <gtest/gtest.h>
#include <psa/update.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mgmt_test_util.hpp"
#include "sim_device.hpp"
#include "test_images.hpp"
#include "ward/boot/boot_crypto.hpp"
#include "ward/boot/engine.hpp"
#include "ward/boot/sha256.hpp"
#include "ward/flash/sim_flash.hpp"
#include "ward/mgmt/fwu_binding.hpp"
#include "ward/mgmt/image_group.hpp"
#include "ward/secure/crypto/image_crypto.hpp"
#include "ward/secure/fwu/service.hpp"
#include "ward/secure/storage_service.hpp"

namespace {

using namespace ward;
using mgmt_test::b;
using mgmt_test::Bytes;
using mgmt_test::cat;
using mgmt_test::kBreak;
using mgmt_test::kFalse;
using mgmt_test::kOpenMap;
using mgmt_test::kTrue;
using mgmt_test::map;
using mgmt_test::t;
using mgmt_test::u;

// One flash for the whole device, as one power supply: the bootloader's counter and image 1's
// slots (4 KiB sectors as on the board, 12-sector slots), then ITS (32 KiB) and PS (64 KiB) as the
// secure image lays them out (secure/firmware/services.cpp).
constexpr flash::Geometry kGeo{.size = 0x33000, .sector_size = 0x1000, .write_align = 8};
constexpr boot::FlashLayout kLayout{kGeo, 0, 0x2000, 12, 0xE000};
constexpr std::uint32_t kItsBase = 0x1B000, kItsSize = 0x8000;
constexpr std::uint32_t kPsBase = 0x23000, kPsSize = 0x10000;
static_assert(kLayout.valid() && kLayout.secondary_offset + kLayout.secondary_size() <= kItsBase);
static_assert(kItsBase + kItsSize == kPsBase && kPsBase + kPsSize == kGeo.size);
// Where the FWU service stages image 1 (the secondary partition's sector 1 on).
constexpr std::uint32_t kStaging = kLayout.secondary_offset + kLayout.sector_size();

constexpr std::uint64_t kRecordUid = 0x574d4700u;  // samples/mgmt's
constexpr std::uint32_t kImageNo = 1;              // the non-secure image (FWU component 1)
constexpr std::size_t kChunk = 749;                // data per request: never a multiple of 8

std::vector<std::byte> as_bytes(const test_images::Bytes& v) {
  std::vector<std::byte> out(v.size());
  std::transform(v.begin(), v.end(), out.begin(), [](std::uint8_t x) { return std::byte{x}; });
  return out;
}

Bytes sha256(std::span<const std::byte> data) {
  boot::Sha256 h;
  h.update(data);
  Bytes out;
  for (const auto x : h.finish()) out.push_back(std::byte{x});
  return out;
}

// The image's SHA-256 TLV value as MCUboot defines it (header, payload, protected TLVs), computed
// here from the header's fields rather than taken from the code under test.
Bytes tlv_hash(const Bytes& img) {
  auto le = [&](std::size_t at, int n) {
    std::uint32_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = v << 8 | std::to_integer<std::uint32_t>(img[at + static_cast<std::size_t>(i)]);
    return v;
  };
  const std::size_t covered = le(8, 2) + le(10, 2) + le(12, 4);
  return sha256(std::span{img}.first(covered));
}

bool contains(const Bytes& hay, const Bytes& needle, std::size_t* at = nullptr) {
  const auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end());
  if (at != nullptr) *at = static_cast<std::size_t>(it - hay.begin());
  return it != hay.end();
}

// The device: the flash, and what runs on it after each reset.
class Device {
 public:
  Device(const image::PublicKey& key, std::uint64_t seed) : key_{key}, flash{kGeo, seed} {
    components_[1].key = &key_;
  }
  ~Device() { secure::fwu::set_instance(nullptr); }
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  // A reset: the bootloader, then the secure side from the flash alone (ITS and PS mounted, the
  // FWU service reads its records and slots), then the application's SMP server and binding.
  ::testing::AssertionResult boot() {
    secure::fwu::set_instance(nullptr);
    smp_.reset();
    fwu_.reset();
    sim_device::Recorder rec;
    boot::FlashLoader loader;
    boot::Engine engine{flash, kLayout, key_, boot_crypto_, rec};
    if (!engine.run(loader)) return ::testing::AssertionFailure() << "the bootloader refused: " << rec.log;
    const psa_status_t s = secure::storage::init(flash::Region{flash, kItsBase, kItsSize},
                                                 flash::Region{flash, kPsBase, kPsSize});
    if (s != PSA_SUCCESS) return ::testing::AssertionFailure() << "storage did not mount: " << s;
    fwu_.emplace(flash, *secure::storage::its(), image_crypto_, components_);
    fwu_->mount();
    secure::fwu::set_instance(&*fwu_);
    smp_.emplace(kRecordUid);
    return ::testing::AssertionSuccess();
  }

  // One request packet in; the response's CBOR out (empty: no response). The header is checked.
  Bytes request(unsigned op, std::uint8_t id, const Bytes& payload) {
    const Bytes req = mgmt_test::packet(1, op, 1, ++seq_, id, payload);
    EXPECT_LE(req.size(), 1024u);  // the device's buf_size
    const Bytes resp = mgmt_test::roundtrip(smp_->server, req, 1024);
    if (resp.size() < 8) {
      ADD_FAILURE() << "no response to command " << int(id);
      return {};
    }
    EXPECT_EQ(std::to_integer<unsigned>(resp[0]), (1u << 3) | (op + 1));
    EXPECT_EQ(std::to_integer<unsigned>(resp[5]), 1u);
    EXPECT_EQ(std::to_integer<unsigned>(resp[6]), seq_);
    EXPECT_EQ(std::to_integer<unsigned>(resp[7]), id);
    return Bytes(resp.begin() + 8, resp.end());
  }

  psa_fwu_component_info_t query() {
    psa_fwu_component_info_t info{};
    EXPECT_EQ(fwu_->query(kImageNo, &info), PSA_SUCCESS);
    return info;
  }

  // Whether the staging area holds exactly `img` from its start for `n` bytes.
  bool staged(const Bytes& img, std::size_t n) const {
    const auto& raw = flash.raw();
    return std::equal(img.begin(), img.begin() + static_cast<std::ptrdiff_t>(n), raw.begin() + kStaging);
  }

  image::PublicKey key_;
  flash::SimFlash flash;

 private:
  // The application's SMP server over the binding (rebuilt at every reset).
  struct Smp {
    explicit Smp(std::uint64_t uid) : fwu{uid, {0, 0}} {}
    mgmt::FwuBinding fwu;
    mgmt::ImageGroup image{fwu, fwu};
    std::array<mgmt::Group*, 1> groups{&image};
    mgmt::Server server{groups};
  };

  boot::BootCrypto boot_crypto_;                // the bootloader's
  secure::crypto::ImageCrypto image_crypto_;   // the secure image's
  std::array<secure::fwu::Component, 2> components_{{{WARD_FWU_COMPONENT_SECURE, nullptr, nullptr, 0},
                                                     {WARD_FWU_COMPONENT_NONSECURE, &kLayout, nullptr, 0}}};
  std::optional<secure::fwu::Service> fwu_;
  std::optional<Smp> smp_;
  std::uint8_t seq_ = 0;
};

// The CBOR unsigned integer (RFC 8949, major type 0) that is exactly `v`, or nothing.
std::optional<std::uint64_t> uint_of(std::span<const std::byte> v) {
  if (v.empty() || (std::to_integer<unsigned>(v[0]) >> 5) != 0) return std::nullopt;
  const unsigned info = std::to_integer<unsigned>(v[0]) & 0x1f;
  const std::size_t extra = info < 24 ? 0 : info == 24 ? 1 : info == 25 ? 2 : info == 26 ? 4 : 99;
  if (v.size() != 1 + extra) return std::nullopt;
  std::uint64_t n = info < 24 ? info : 0;
  for (std::size_t i = 1; i <= extra; ++i) n = n << 8 | std::to_integer<std::uint64_t>(v[i]);
  return n;
}

// The integer of `r` = head + integer + tail, or nothing if `r` is not of that shape.
std::optional<std::uint64_t> between(const Bytes& r, const Bytes& head, const Bytes& tail) {
  if (r.size() < head.size() + tail.size() + 1 || !std::equal(head.begin(), head.end(), r.begin()) ||
      !std::equal(tail.rbegin(), tail.rend(), r.rbegin())) {
    return std::nullopt;
  }
  return uint_of(std::span{r}.subspan(head.size(), r.size() - head.size() - tail.size()));
}

// {"off": n} (the image group's answer to a chunk it took), or nothing.
std::optional<std::uint64_t> offset_of(const Bytes& r) { return between(r, cat({kOpenMap, t("off")}), kBreak); }

// SMP 2's group error {"err": {"group": 1, "rc": n}}, or nothing.
std::optional<std::uint64_t> image_error_of(const Bytes& r) {
  return between(r, cat({kOpenMap, t("err"), kOpenMap, t("group"), u(1), t("rc")}), cat({kBreak, kBreak}));
}

// What happened to one run of the client.
enum class Ending { done, cut, failed };

// The client, as ward-mgmt drives an upload: the first chunk at off 0 names the image, its length
// and SHA-256; the device answers where to go on (the chunk's end, or a resumed session's offset).
class Client {
 public:
  Client(Device& d, const Bytes& img) : d_{d}, img_{img}, sha_{sha256(img)}, hash_{tlv_hash(img)} {}

  // Uploads from off 0 to the end, unless the power goes. `resumed_at`: the device's first answer.
  Ending upload(std::uint64_t* resumed_at = nullptr) {
    const std::size_t n0 = std::min(kChunk, img_.size());
    const Bytes r0 = d_.request(2, mgmt::ImageGroup::kUpload,
                                cat({map(5), t("image"), u(kImageNo), t("len"), u(img_.size()), t("off"), u(0),
                                     t("sha"), b(sha_), t("data"), b(std::span{img_}.first(n0))}));
    if (!d_.flash.powered()) return Ending::cut;
    std::optional<std::uint64_t> off = offset_of(r0);
    if (!off || *off == 0 || *off > img_.size()) {
      ADD_FAILURE() << "upload at off 0 not answered with an offset";
      return Ending::failed;
    }
    if (resumed_at != nullptr) *resumed_at = *off;
    // The device's offset must be one it can vouch for: everything below it staged as sent (the
    // first chunk itself may still wait in the binding's tail of under 8 bytes).
    if (*off != n0 && !d_.staged(img_, *off)) {
      ADD_FAILURE() << "resumed at " << *off << " but the staged bytes below differ";
      return Ending::failed;
    }
    while (*off < img_.size()) {
      const std::size_t at = static_cast<std::size_t>(*off);
      const std::size_t n = std::min(kChunk, img_.size() - at);
      const Bytes r = d_.request(2, mgmt::ImageGroup::kUpload,
                                 cat({map(2), t("off"), u(at), t("data"), b(std::span{img_}.subspan(at, n))}));
      if (!d_.flash.powered()) return Ending::cut;
      if (offset_of(r) != at + n) {
        ADD_FAILURE() << "chunk at " << at << " not taken";
        return Ending::failed;
      }
      *off = at + n;
    }
    return Ending::done;
  }

  // The image state read: whether a slot carries this image's hash, and whether it is pending.
  struct Listed {
    bool listed = false;
    bool pending = false;
  };
  Listed state() { return parse_state(d_.request(0, mgmt::ImageGroup::kState, map(0))); }

  // A test request by this image's hash: the answer's state, or the group's error (0: taken).
  std::uint64_t test(Listed* after = nullptr) {
    const Bytes r = d_.request(2, mgmt::ImageGroup::kState, cat({map(2), t("hash"), b(hash_), t("confirm"), kFalse}));
    if (const auto rc = image_error_of(r)) return *rc;
    // Taken: the answer is the state read's.
    const Bytes images = cat({kOpenMap, t("images")});
    EXPECT_TRUE(r.size() > images.size() && std::equal(images.begin(), images.end(), r.begin()));
    if (after != nullptr) *after = parse_state(r);
    return 0;
  }

  const Bytes& image() const { return img_; }
  const Bytes& sha() const { return sha_; }

 private:
  Listed parse_state(const Bytes& r) const {
    Listed l;
    std::size_t at = 0;
    l.listed = contains(r, cat({t("hash"), b(hash_)}), &at);
    if (l.listed) {
      // The slot's fields after its hash: bootable, then pending.
      const Bytes rest(r.begin() + static_cast<std::ptrdiff_t>(at), r.end());
      std::size_t p = 0;
      l.pending = contains(rest, t("pending"), &p) && p + t("pending").size() < rest.size() &&
                  rest[p + t("pending").size()] == kTrue[0];
    }
    return l;
  }

  Device& d_;
  const Bytes& img_;
  Bytes sha_;
  Bytes hash_;
};

class UploadSweep : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    key = std::make_unique<test_images::TestKey>(test_images::make_key());
    v1 = test_images::make_image(*key, {.major = 1, .payload_size = 3000, .security_counter = 1, .seed = 1});
    // Past two of the binding's checkpoints (every 16 KiB), so that resumes start at 0, 16 KiB
    // and 32 KiB depending on the cut.
    v2 = as_bytes(test_images::make_image(*key, {.major = 2, .payload_size = 40000, .security_counter = 2, .seed = 2}));
    // An earlier upload, complete (CANDIDATE) when v2's starts: the new upload cancels it first.
    v3 = as_bytes(test_images::make_image(*key, {.major = 3, .payload_size = 9000, .security_counter = 3, .seed = 3}));
  }
  static void TearDownTestSuite() { key.reset(); }

  static inline std::unique_ptr<test_images::TestKey> key;
  static inline test_images::Bytes v1;
  static inline Bytes v2;
  static inline Bytes v3;

  // What the device holds when the upload of v2 begins.
  enum class Before { nothing, candidate };

  // A device running v1, booted once; with `before` = candidate, v3 uploaded whole (CANDIDATE).
  static void prepare(Device& d, Before before) {
    sim_device::put(d.flash, kLayout.primary_offset, v1);
    ASSERT_TRUE(d.boot());
    if (before == Before::candidate) {
      Client old{d, v3};
      ASSERT_EQ(old.upload(), Ending::done);
      ASSERT_EQ(d.query().state, PSA_FWU_CANDIDATE);
    }
  }

  // The flash operations of one uncut upload of v2 (the sweep's range).
  static std::uint64_t count_operations(Before before) {
    Device d{key->pub, 1};
    prepare(d, before);
    const auto before_ops = d.flash.stats().operations();
    Client c{d, v2};
    EXPECT_EQ(c.upload(), Ending::done);
    return d.flash.stats().operations() - before_ops;
  }

  struct Tally {
    std::map<std::uint64_t, int> resumed_at;  // the device's first answer after a reset (0: from the start)
    int listed_after_reset = 0;               // complete already when the device came back
    int unlisted_candidate = 0;               // CANDIDATE, but no image listed (the record lost it)
    int second_cuts = 0;                      // runs cut again after the reset
    std::string text() const {
      std::string out = "resumed at (offset:runs)";
      for (const auto& [at, n] : resumed_at) out += " " + std::to_string(at) + ":" + std::to_string(n);
      return out + "; complete at the reset: " + std::to_string(listed_after_reset) +
             "; CANDIDATE but not listed (sent again whole): " + std::to_string(unlisted_candidate) +
             "; cut again after the reset: " + std::to_string(second_cuts);
    }
  };

  // What no cut may break, checked after every reset: a state past WRITING means the image is
  // staged whole; a slot listed with an image's hash likewise (v2's, or the earlier v3's);
  // otherwise a test by v2's hash is refused. Returns whether v2's upload is complete (listed).
  static bool check_after_reset(Device& d, Client& c, Client& old, Tally& tally) {
    const psa_fwu_component_info_t info = d.query();
    // FAILED: a cut between the cancel of the earlier candidate and its clean.
    EXPECT_TRUE(info.state == PSA_FWU_READY || info.state == PSA_FWU_WRITING || info.state == PSA_FWU_CANDIDATE ||
                info.state == PSA_FWU_FAILED)
        << "state " << int(info.state) << " error " << info.error;
    if (info.state == PSA_FWU_CANDIDATE) {
      EXPECT_TRUE(d.staged(c.image(), c.image().size()) || d.staged(old.image(), old.image().size()))
          << "CANDIDATE, but no image is staged whole";
    }
    const Client::Listed was = old.state();
    if (was.listed) {
      EXPECT_EQ(info.state, PSA_FWU_CANDIDATE);
      EXPECT_TRUE(d.staged(old.image(), old.image().size())) << "the earlier image listed, but not staged whole";
    }
    const Client::Listed l = c.state();
    EXPECT_FALSE(l.pending || was.pending);
    if (l.listed) {
      EXPECT_EQ(info.state, PSA_FWU_CANDIDATE);
      EXPECT_TRUE(d.staged(c.image(), c.image().size())) << "listed, but the staged image is not whole";
      return true;
    }
    // (Not counted when a second cut took the power during these reads: nothing could be listed.)
    tally.unlisted_candidate += info.state == PSA_FWU_CANDIDATE && !was.listed && d.flash.powered() ? 1 : 0;
    // Not listed: not installable either (unknown hash, or a download still being written).
    const std::uint64_t rc = c.test();
    EXPECT_TRUE(rc == static_cast<std::uint64_t>(mgmt::ImageError::hash_not_found) ||
                rc == static_cast<std::uint64_t>(mgmt::ImageError::image_already_pending))
        << "a test of an incomplete upload answered " << rc;
    EXPECT_NE(d.query().state, PSA_FWU_STAGED);
    return false;
  }


  // One run: the power is cut after `cut` operations of the upload (and, if `second` is given,
  // again after that many operations from the reset on); the device resets and the client
  // resumes until the upload is complete; then the image is tested.
  static void run_with_cut(Before before, std::uint64_t cut, std::optional<std::uint64_t> second, Tally& tally) {
    Device d{key->pub, cut + 1};  // the seed places each torn write differently
    prepare(d, before);
    ASSERT_FALSE(HasFatalFailure());
    d.flash.arm_power_cut(cut);
    Client c{d, v2};
    Client old{d, v3};
    ASSERT_EQ(c.upload(), Ending::cut) << "the power was not cut: fewer operations than counted";
    for (int reset = 0;; ++reset) {
      ASSERT_LT(reset, 4) << "still not complete after " << reset << " resets";
      d.flash.power_on();
      // The second cut counts from the reset: the boot's own writes (storage settling what the
      // first cut interrupted), the client's reads, the resumed upload.
      if (reset == 0 && second) d.flash.arm_power_cut(*second);
      const ::testing::AssertionResult booted = d.boot();
      if (!d.flash.powered()) {
        ++tally.second_cuts;
        continue;
      }
      ASSERT_TRUE(booted);
      const bool listed = check_after_reset(d, c, old, tally);
      if (!d.flash.powered()) {
        ++tally.second_cuts;
        continue;
      }
      if (listed) {
        ++tally.listed_after_reset;
        break;
      }
      std::uint64_t at = 0;
      const Ending e = c.upload(&at);
      ASSERT_NE(e, Ending::failed);
      ++tally.resumed_at[at == std::min(kChunk, v2.size()) ? 0 : at];
      if (e == Ending::done) break;
      ++tally.second_cuts;
    }
    d.flash.disarm_power_cut();
    // Complete: staged byte for byte, its SHA-256 the client's, listed and not pending, and the
    // FWU service takes it for install (it verifies the signature over the staged bytes).
    ASSERT_EQ(d.query().state, PSA_FWU_CANDIDATE);
    ASSERT_TRUE(d.staged(v2, v2.size()));
    EXPECT_EQ(sha256(std::span{d.flash.raw()}.subspan(kStaging, v2.size())), c.sha());
    const Client::Listed listed = c.state();
    EXPECT_TRUE(listed.listed);
    EXPECT_FALSE(listed.pending);
    EXPECT_FALSE(old.state().listed);
    Client::Listed after;
    EXPECT_EQ(c.test(&after), 0u);
    EXPECT_TRUE(after.listed && after.pending);
    EXPECT_EQ(d.query().state, PSA_FWU_STAGED);
  }

  static bool full_sweep() {
    const char* env = std::getenv("WARD_SWEEP");
    return env != nullptr && std::string_view{env} == "full";
  }
  // The cut points to run: every one, or (a sample) the first and last kEdge and every stride-th:
  // deterministic, the same points every run.
  static constexpr std::uint64_t kEdge = 6;
  static std::vector<std::uint64_t> cut_points(std::uint64_t total, std::uint64_t stride) {
    std::vector<std::uint64_t> cuts;
    for (std::uint64_t n = 0; n < total; ++n) {
      if (stride <= 1 || n < kEdge || n + kEdge >= total || n % stride == 0) cuts.push_back(n);
    }
    return cuts;
  }

  static void sweep(Before before, std::uint64_t stride, std::span<const std::uint64_t> seconds) {
    const std::uint64_t total = count_operations(before);
    ASSERT_FALSE(HasFatalFailure());
    ASSERT_GT(total, 50u);
    const auto cuts = cut_points(total, full_sweep() ? 1 : stride);
    Tally tally;
    std::size_t runs = 0;
    for (const std::uint64_t cut : cuts) {
      for (std::size_t i = 0; i < std::max<std::size_t>(seconds.size(), 1); ++i) {
        const std::optional<std::uint64_t> second =
            seconds.empty() ? std::nullopt : std::optional{seconds[(cut + i) % seconds.size()]};
        SCOPED_TRACE("cut after " + std::to_string(cut) + " of " + std::to_string(total) + " operations" +
                     (second ? ", then after " + std::to_string(*second) + " of the resumed upload" : ""));
        run_with_cut(before, cut, second, tally);
        ++runs;
        if (HasFatalFailure()) return;
      }
    }
    std::printf("%zu of %llu cut points, %zu runs, an image of %zu bytes; %s\n", cuts.size(),
                static_cast<unsigned long long>(total), runs, v2.size(), tally.text().c_str());
    // The sweep reached every kind of resume: from the start, from each checkpoint the image passes.
    EXPECT_TRUE(tally.resumed_at.contains(0));
    EXPECT_TRUE(tally.resumed_at.contains(mgmt::FwuBinding::kCheckpoint));
    EXPECT_TRUE(tally.resumed_at.contains(2 * mgmt::FwuBinding::kCheckpoint));
    if (!seconds.empty()) {
      EXPECT_GT(tally.second_cuts, 0);
    }
    // A complete image is never lost to a cut: the device names every CANDIDATE it holds (a
    // cut between FWU's finish and the binding's record once made it unnamed, to be sent whole
    // again and its staging erased first).
    EXPECT_EQ(tally.unlisted_candidate, 0);
  }
};

// Every flash operation of the upload (a few seconds on the host, so no sample is needed).
TEST_F(UploadSweep, PowerCutAtEveryFlashOperationOfAnUpload) { sweep(Before::nothing, 1, {}); }

// The upload replaces a complete earlier one (cancelled, cleaned, started again): a sample.
TEST_F(UploadSweep, PowerCutWhileAnUploadReplacesAStagedImage) { sweep(Before::candidate, 5, {}); }

// Cut again after the reset, while the device recovers or the client resumes (a sample of first
// cuts, each with a few second ones).
TEST_F(UploadSweep, SecondPowerCutWhileResuming) {
  constexpr std::uint64_t kSeconds[] = {0, 1, 3, 8, 21, 55, 120};
  sweep(Before::nothing, 23, kSeconds);
}

}  // namespace
