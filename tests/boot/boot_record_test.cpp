// The boot record (measured boot: bootloader -> secure image) from the reader's side: what the
// encoder writes decodes to the same measurements, and every field the reader relies on is
// checked against the area before it is used. And the boot record TLV (imgtool's --boot-record)
// names the software component.
#include <gtest/gtest.h>

#include <vector>

#include "signer.hpp"
#include "test_images.hpp"
#include "ward/boot/boot_record.hpp"
#include "ward/byte_order.hpp"

namespace {
using namespace ward;
namespace rec = boot::record;

rec::Measurement sample(std::uint8_t id) {
  rec::Measurement m;
  m.image_id = id;
  m.test_boot = id == 1;
  m.version = {2, 3, 4, 5};
  m.security_counter = 7 + id;
  m.entry = 0x10008200 + id;
  for (std::size_t i = 0; i < 32; ++i) {
    m.sha256[i] = static_cast<std::uint8_t>(i + id);
    m.signer_id[i] = static_cast<std::uint8_t>(0xA0 + i);
  }
  const std::string_view name = id == 0 ? "SPE" : "NSPE";
  m.component_size = static_cast<std::uint8_t>(name.size());
  std::copy(name.begin(), name.end(), m.component.begin());
  return m;
}

TEST(BootRecord, RoundTrip) {
  std::vector<std::byte> area(1024, std::byte{0x5A});
  const rec::Measurement in[2] = {sample(0), sample(1)};
  ASSERT_TRUE(rec::encode(area, in));
  auto r = rec::decode(area);
  ASSERT_TRUE(r) << rec::to_string(r.error());
  ASSERT_EQ(r->count, 2u);
  EXPECT_EQ(r->image[0], in[0]);
  EXPECT_EQ(r->image[1], in[1]);
  EXPECT_EQ(r->image[1].component_name(), "NSPE");
  // Exactly the announced size is read: the record fits an area of that size.
  auto exact = rec::decode(std::span{area}.first(rec::kHeaderSize + 2 * rec::kEntrySize));
  EXPECT_TRUE(exact);
}

TEST(BootRecord, EveryFieldIsCheckedBeforeUse) {
  std::vector<std::byte> area(rec::kMaxSize);
  const rec::Measurement in[2] = {sample(0), sample(1)};
  ASSERT_TRUE(rec::encode(area, in));
  auto broken = [&](auto change) {
    auto copy = area;
    change(copy);
    auto r = rec::decode(copy);
    return r ? rec::Error{} : r.error();
  };
  auto put32 = [](std::vector<std::byte>& a, std::size_t at, std::uint32_t v) {
    store_le<std::uint32_t>(std::span{a}.subspan(at).first<4>(), v);
  };
  EXPECT_EQ(rec::decode(std::span{area}.first(rec::kHeaderSize - 1)).error(), rec::Error::too_small);
  EXPECT_EQ(rec::decode(std::span{area}.first(rec::kMaxSize - 1)).error(), rec::Error::too_small);
  EXPECT_EQ(broken([](auto& a) { a[0] ^= std::byte{1}; }), rec::Error::bad_magic);
  EXPECT_EQ(broken([&](auto& a) { put32(a, 4, rec::kMaxSize + rec::kEntrySize); }), rec::Error::bad_size);
  EXPECT_EQ(broken([&](auto& a) { put32(a, 8, 3); }), rec::Error::bad_size);
  EXPECT_EQ(broken([&](auto& a) { put32(a, 8, 0xFFFFFFFFu); }), rec::Error::bad_size);
  EXPECT_EQ(broken([&](auto& a) { put32(a, 12, 1); }), rec::Error::bad_size);
  const std::size_t e1 = rec::kHeaderSize + rec::kEntrySize;
  EXPECT_EQ(broken([&](auto& a) { a[e1] = std::byte{0}; }), rec::Error::bad_entry);           // id != index
  EXPECT_EQ(broken([&](auto& a) { a[e1 + 1] = std::byte{2}; }), rec::Error::bad_entry);       // unknown flag
  EXPECT_EQ(broken([&](auto& a) { a[e1 + 2] = std::byte{1}; }), rec::Error::bad_entry);       // padding
  EXPECT_EQ(broken([&](auto& a) { a[e1 + 84] = std::byte{33}; }), rec::Error::bad_entry);     // name too long
  EXPECT_EQ(broken([&](auto& a) { a[e1 + 127] = std::byte{1}; }), rec::Error::bad_entry);     // reserved
  // Zero images is a valid (empty) record; more than the area holds is refused by the encoder.
  ASSERT_TRUE(rec::encode(area, {}));
  EXPECT_EQ(rec::decode(area)->count, 0u);
  EXPECT_FALSE(rec::encode(std::span{area}.first(rec::kHeaderSize + rec::kEntrySize), in));
}

TEST(BootRecord, ComponentNameFromImgtoolsCbor) {
  const std::array<std::uint8_t, 32> key_hash{1, 2, 3};
  auto cbor = tool::boot_record_cbor("NSPE", {1, 2, 3, 0}, key_hash);
  EXPECT_EQ(rec::component_from_cbor(cbor), "NSPE");
  // imgtool's bytes for sw_type "SPE", version 0.0.0 (cbor2.dumps of its property map).
  auto spe = tool::boot_record_cbor("SPE", {}, key_hash);
  ASSERT_GE(spe.size(), 6u);
  EXPECT_EQ(spe[0], 0xA5);
  EXPECT_EQ(spe[1], 0x01);
  EXPECT_EQ(spe[2], 0x63);
  EXPECT_EQ(rec::component_from_cbor(spe), "SPE");
  // Not the subset: nothing, never a read past the end.
  for (std::size_t keep = 0; keep < cbor.size(); ++keep) {
    const auto name = rec::component_from_cbor(std::span{cbor}.first(keep));
    EXPECT_TRUE(name.empty() || name == "NSPE") << keep;
    EXPECT_TRUE(keep >= 7 || name.empty()) << keep;
  }
  const std::vector<std::uint8_t> not_a_map{0x81, 0x01};
  EXPECT_TRUE(rec::component_from_cbor(not_a_map).empty());
  const std::vector<std::uint8_t> long_name{0xA1, 0x01, 0x78, 40};
  EXPECT_TRUE(rec::component_from_cbor(long_name).empty());
}

TEST(BootRecord, MeasurementOfAVerifiedImage) {
  auto key = test_images::make_key();
  tool::SignOptions o;
  o.version = {3, 1, 0, 9};
  o.header_size = 0x100;
  o.pad_header = true;
  o.security_counter = 4;
  o.boot_record = "SPE";
  auto img = tool::sign_image(test_images::make_payload(900, 3), o, *key.signer);
  ASSERT_TRUE(img) << img.error();
  image::MemorySource src{std::as_bytes(std::span{*img})};
  boot::BootCrypto crypto;
  auto m = image::verify(src, static_cast<std::uint32_t>(img->size()), key.pub, crypto);
  ASSERT_TRUE(m) << image::to_string(m.error());
  ASSERT_NE(m->boot_record_size, 0u);
  EXPECT_EQ(rec::component_from_cbor(std::span{*img}.subspan(m->boot_record_offset, m->boot_record_size)), "SPE");
  const auto meas = rec::measure(0, *m, key.pub, false);
  EXPECT_EQ(meas.sha256, m->sha256);
  EXPECT_EQ(meas.signer_id, key.pub.spki_sha256);
  EXPECT_EQ(meas.version, o.version);
  EXPECT_EQ(meas.security_counter, 4u);
  // imgtool's limit on the type's length.
  o.boot_record = "THIRTEEN-CHRS";
  EXPECT_FALSE(tool::sign_image(test_images::make_payload(10, 3), o, *key.signer));
}

}  // namespace
