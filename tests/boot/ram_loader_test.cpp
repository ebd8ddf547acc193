// The bootloader's RAM loader (boot::RamLoader) with the engine, from the attacker's side: the
// bytes that end up executable are exactly the ones the signature covers, and the fields the
// hand-over uses are the ones that were checked and verified.
//
// A host buffer stands in for the executable window; the loader and the engine are the ones the
// bootloader runs on QEMU.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "sim_device.hpp"
#include "test_images.hpp"
#include "ward/boot/engine.hpp"
#include "ward/boot/ram_loader.hpp"
#include "ward/byte_order.hpp"
#include "ward/flash/sim_flash.hpp"

namespace {
using namespace ward;
using test_images::Bytes;

using sim_device::kGeo;
using sim_device::kLayout;
using sim_device::put;
using sim_device::Recorder;
constexpr std::uint32_t kWindowAddr = 0x10100000;  // as on QEMU
constexpr std::size_t kWindowSize = 32 * 1024;
constexpr std::uint32_t kHeaderSize = 0x200;  // the vector table 512-byte aligned, as on QEMU

struct Parts {
  std::uint32_t hashed_size;  // header + payload + protected TLVs: what the signature covers
  std::uint32_t total_size;   // + the unprotected TLV area
};
Parts parts(const Bytes& img) {
  const auto b = std::as_bytes(std::span{img});
  const std::uint32_t hdr = load_le<std::uint16_t>(b.subspan<8, 2>());
  const std::uint32_t prot = load_le<std::uint16_t>(b.subspan<10, 2>());
  const std::uint32_t size = load_le<std::uint32_t>(b.subspan<12, 4>());
  const std::uint32_t hashed = hdr + size + prot;
  return {hashed, hashed + load_le<std::uint16_t>(b.subspan(hashed + 2).first<2>())};
}

// A flash whose primary image is replaced by another one from the second read of the image's first
// bytes on: the first read is the engine looking at the header, the second the loader's copy. (On
// QEMU the flash is a host file; on a device, external flash on a bus an attacker can drive.)
class SwappingFlash final : public flash::Flash {
 public:
  SwappingFlash(flash::SimFlash& before, flash::SimFlash& after) : before_{before}, after_{after} {}
  flash::Geometry geometry() const override { return before_.geometry(); }
  flash::Status read(std::uint32_t offset, std::span<std::byte> out) override {
    if (offset == kLayout.primary_offset && ++header_reads_ == 2) {
      swapped_ = true;
    }
    return (swapped_ ? after_ : before_).read(offset, out);
  }
  flash::Status program(std::uint32_t offset, std::span<const std::byte> data) override {
    auto s = before_.program(offset, data);
    return s ? after_.program(offset, data) : s;
  }
  flash::Status erase(std::uint32_t offset) override {
    auto s = before_.erase(offset);
    return s ? after_.erase(offset) : s;
  }
  bool swapped() const { return swapped_; }

 private:
  flash::SimFlash& before_;
  flash::SimFlash& after_;
  int header_reads_ = 0;
  bool swapped_ = false;
};

class RamLoad : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { key = std::make_unique<test_images::TestKey>(test_images::make_key()); }
  static void TearDownTestSuite() { key.reset(); }
  static inline std::unique_ptr<test_images::TestKey> key;

  static Bytes make(std::uint32_t load_addr, std::uint32_t payload, std::uint8_t seed = 1) {
    return test_images::make_image(*key, {.major = 1, .payload_size = payload, .security_counter = 1,
                                          .header_size = kHeaderSize, .seed = seed, .load_addr = load_addr});
  }

  boot::Result<boot::BootImage> boot(flash::Flash& f) {
    boot::BootCrypto crypto;
    boot::RamLoader loader{window, kWindowAddr};
    boot::Engine engine{f, kLayout, key->pub, crypto, rec};
    return engine.run(loader);
  }

  // The image alone in the primary slot of a fresh device, booted once.
  boot::Result<boot::BootImage> boot_image(const Bytes& img) {
    flash::SimFlash f{kGeo};
    put(f, kLayout.primary_offset, img);
    return boot(f);
  }

  // The window after a previous boot: whatever that left (here a recognisable pattern).
  std::vector<std::byte> window = std::vector<std::byte>(kWindowSize, std::byte{0xAA});
  Recorder rec;
};

TEST_F(RamLoad, BootsTheVerifiedCopyInTheWindow) {
  const Bytes img = make(kWindowAddr, 3000);
  auto b = boot_image(img);
  ASSERT_TRUE(b) << rec.log;
  EXPECT_EQ(b->manifest.layout.header.load_addr, kWindowAddr);
  const Parts p = parts(img);
  EXPECT_TRUE(std::equal(img.begin(), img.begin() + p.hashed_size, window.begin(),
                         [](std::uint8_t a, std::byte w) { return std::byte{a} == w; }));
}

TEST_F(RamLoad, UnprotectedTlvBytesAreNotLeftExecutable) {
  // The unprotected TLV area (hash, key hash, signature) is not covered by the signature: anyone
  // can change its bytes, so none of them may be left in the executable window. (An unknown TLV
  // there, e.g. 1 KiB of "code", is refused outright: ImageFormat.UnknownTlvsAreRefusedOutsideTheProtectedArea.)
  const Bytes img = make(kWindowAddr, 3000);
  auto b = boot_image(img);
  ASSERT_TRUE(b) << rec.log;
  const Parts p = parts(img);
  ASSERT_EQ(b->manifest.layout.hashed_size, p.hashed_size);
  ASSERT_GE(window.size(), p.total_size);
  const auto tlvs = std::span{img}.subspan(p.hashed_size, p.total_size - p.hashed_size);
  ASSERT_TRUE(std::any_of(tlvs.begin(), tlvs.end(), [](std::uint8_t x) { return x != 0; }));  // the test can fail
  const auto unsigned_part = std::span{window}.subspan(p.hashed_size, p.total_size - p.hashed_size);
  EXPECT_TRUE(std::all_of(unsigned_part.begin(), unsigned_part.end(), [](std::byte w) { return w == std::byte{0}; }))
      << "the unprotected TLV area was copied into the executable window";
}

TEST_F(RamLoad, NothingButTheVerifiedImageStaysInTheWindow) {
  // What a previous boot left in the window (here 0xAA, e.g. an earlier image and its TLVs) is as
  // unverified as an unprotected TLV: only the signed bytes may remain executable.
  const std::uint32_t at = 0x2000;  // loaded above the window's start: the window below is wiped too
  const Bytes img = make(kWindowAddr + at, 3000);
  auto b = boot_image(img);
  ASSERT_TRUE(b) << rec.log;
  const Parts p = parts(img);
  for (std::size_t i = 0; i < window.size(); ++i) {
    if (i >= at && i < at + p.hashed_size) {
      continue;
    }
    ASSERT_EQ(window[i], std::byte{0}) << "window byte " << i << " (image at " << at << ", signed part "
                                       << p.hashed_size << " bytes) is not wiped";
  }
}

TEST_F(RamLoad, AHeaderChangedBetweenCheckAndUseIsNotUsed) {
  // The engine reads image A's header from flash and the loader checks it (load address inside
  // the window, alignment); then the flash answers with image B, also signed, smaller, but linked
  // for another load address. The copy at A's address verifies (it is B), so B's header must not
  // decide where the hand-over jumps: that address holds nothing verified.
  const Bytes a = make(kWindowAddr, 6000, 1);
  const Bytes other = make(kWindowAddr + 0x4000, 2000, 2);
  flash::SimFlash before{kGeo}, after{kGeo};
  put(before, kLayout.primary_offset, a);
  put(after, kLayout.primary_offset, other);
  SwappingFlash f{before, after};
  auto b = boot(f);
  ASSERT_TRUE(f.swapped()) << "the flash must change between the header check and the copy";
  if (b) {
    ADD_FAILURE() << "booted with load address " << std::hex << b->manifest.layout.header.load_addr
                  << " while the verified bytes were copied to " << kWindowAddr;
  } else {
    EXPECT_EQ(b.error(), boot::Error::no_bootable_image);
    EXPECT_TRUE(
        rec.saw(boot::Event::primary_invalid, static_cast<std::uint32_t>(image::Error::changed_while_loading)))
        << rec.log;
  }
}

TEST_F(RamLoad, TheVectorTableMustLieInTheSignedBytes) {
  // The hand-over reads the initial stack pointer and the reset handler from the first 8 bytes
  // after the header: a payload shorter than that would take them from unsigned bytes.
  const Bytes img = test_images::make_image(*key, {.major = 1, .payload_size = 4, .header_size = kHeaderSize,
                                                   .load_addr = kWindowAddr});
  auto b = boot_image(img);
  ASSERT_FALSE(b) << "booted an image whose vector table is not signed";
  EXPECT_TRUE(rec.saw(boot::Event::primary_invalid, static_cast<std::uint32_t>(image::Error::vectors_unsigned)))
      << rec.log;
}

TEST_F(RamLoad, RefusesImagesOutsideTheWindow) {
  // Each refusal with its own reason.
  struct Case {
    std::uint32_t addr;
    image::Error why;
  };
  for (const Case c : {Case{kWindowAddr - 0x200, image::Error::load_outside_window},
                       Case{kWindowAddr + static_cast<std::uint32_t>(kWindowSize) - 0x200, image::Error::load_outside_window},
                       Case{kWindowAddr + 0x100, image::Error::vectors_misaligned}}) {
    rec = {};
    const Bytes img = make(c.addr, 3000);
    auto b = boot_image(img);
    EXPECT_FALSE(b) << std::hex << c.addr;
    EXPECT_TRUE(rec.saw(boot::Event::primary_invalid, static_cast<std::uint32_t>(c.why)))
        << std::hex << c.addr << ": " << rec.log;
  }
  // Not a RAM-load image at all.
  rec = {};
  const Bytes plain = test_images::make_image(*key, {.major = 1, .payload_size = 3000, .header_size = kHeaderSize});
  EXPECT_FALSE(boot_image(plain));
  EXPECT_TRUE(rec.saw(boot::Event::primary_invalid, static_cast<std::uint32_t>(image::Error::not_ram_load))) << rec.log;
}

// The chain's loaders (boot::Placement::at_start): an image signed with the right key but linked
// for another window inside this one (the single-image bootloader's applications at 0x10100000
// inside the secure image's [0x10008000, 0x10200000)) is not this image.
TEST_F(RamLoad, AFixedPlacementTakesOnlyTheWindowsStart) {
  for (const std::uint32_t at : {0x200u, 0x2000u}) {
    rec = {};
    flash::SimFlash f{kGeo};
    put(f, kLayout.primary_offset, make(kWindowAddr + at, 3000));
    boot::BootCrypto crypto;
    boot::RamLoader loader{window, kWindowAddr, boot::Placement::at_start};
    boot::Engine engine{f, kLayout, key->pub, crypto, rec};
    EXPECT_FALSE(engine.run(loader)) << "booted an image loaded at +" << at;
    EXPECT_TRUE(rec.saw(boot::Event::primary_invalid, static_cast<std::uint32_t>(image::Error::wrong_load_address)))
        << rec.log;
  }
  rec = {};
  flash::SimFlash f{kGeo};
  put(f, kLayout.primary_offset, make(kWindowAddr, 3000));
  boot::BootCrypto crypto;
  boot::RamLoader loader{window, kWindowAddr, boot::Placement::at_start};
  boot::Engine engine{f, kLayout, key->pub, crypto, rec};
  EXPECT_TRUE(engine.run(loader)) << rec.log;
}

}  // namespace
