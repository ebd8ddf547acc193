// ward-image's Intel HEX reader and writer (tools/ward-image/src/intel_hex.cpp): every refusal of
// the strict parser with its line number, and the writer's records as python intelhex (imgtool)
// writes them. The parser is also a libFuzzer target (fuzz_intel_hex.cpp).
#include <gtest/gtest.h>

#include <string>

#include "intel_hex.hpp"

namespace {
using namespace ward::tool;

std::string error_of(const std::string& text) {
  auto r = ihex::parse(text);
  return r ? std::string{"accepted"} : r.error;
}

TEST(IntelHex, ParsesDataWithAddressRecordsAndGaps) {
  // 04 sets the upper address 0x1010; two data records with a 2-byte gap (erased) between them;
  // a start address (05) is read and ignored; CRLF accepted.
  const std::string text =
      ":020000041010DA\r\n"
      ":0400000001020304F2\r\n"
      ":02000600AABB93\r\n"
      ":0400000510100200D5\r\n"
      ":00000001FF\r\n";
  auto r = ihex::parse(text);
  ASSERT_TRUE(r) << r.error;
  EXPECT_EQ(r->base, 0x10100000u);
  const std::vector<std::uint8_t> want{1, 2, 3, 4, 0xFF, 0xFF, 0xAA, 0xBB};
  EXPECT_EQ(r->bytes, want);
}

TEST(IntelHex, ExtendedSegmentAddress) {
  auto r = ihex::parse(":020000021000EC\n:0100000042BD\n:00000001FF\n");
  ASSERT_TRUE(r) << r.error;
  EXPECT_EQ(r->base, 0x10000u);
  EXPECT_EQ(r->bytes, std::vector<std::uint8_t>{0x42});
}

TEST(IntelHex, RefusesEachMalformationWithItsLine) {
  const std::string eof = ":00000001FF\n";
  const std::string data = ":0100000042BD\n";
  struct Case {
    std::string text;
    std::string reason;
  };
  for (const Case& c : {
           Case{":0100000042BC\n" + eof, "line 1: checksum mismatch"},
           Case{data + ":0100010043BB\n" + eof, "line 2: data at 0x00000001"},  // fine: after
           Case{data + ":0100000043BC\n" + eof, "line 2: data at 0x00000000 overlaps"},
           Case{":0100010042BC\n" + data + eof, "line 2: data at 0x00000000 overlaps or precedes"},  // out of order
           Case{data + ":0200000042BD\n" + eof, "line 2: record length 2 does not match"},
           Case{data + "0100000042BD\n" + eof, "line 2: not a record"},
           Case{data + ":01000000G2BD\n" + eof, "line 2: not a hex digit"},
           Case{data + ":0400000300000000F9\n" + eof, "line 2: record type 3 not supported"},
           Case{data + ":00000006FA\n" + eof, "line 2: record type 6 not supported"},
           Case{data + ":0000000000\n" + eof, "line 2: empty data record"},
           Case{":02FFFF000102FD\n" + eof, "line 1: data record crosses its 64 KiB window"},
           Case{data + ":0100000100FE\n", "line 2: record type 01 needs length 0"},
           Case{data + ":01000004000FB\n" + eof, "line 2: not a record"},
           Case{data + ":03000004000000F9\n" + eof, "line 2: record type 04 needs length 2"},
           Case{data + eof + data, "line 3: data after the end-of-file record"},
           Case{data + "\n" + eof, "line 2: not a record"},
           Case{data, "no end-of-file record"},
           Case{eof, "no data"},
           Case{":0400000510100200D5\n:0400000510100200D5\n" + data + eof, "line 2: a second start address"},
       }) {
    if (c.reason.starts_with("line 2: data at 0x00000001")) {
      EXPECT_EQ(error_of(c.text), "accepted") << c.text;
      continue;
    }
    EXPECT_NE(error_of(c.text).find(c.reason), std::string::npos) << c.text << " -> " << error_of(c.text);
  }
}

TEST(IntelHex, RefusesASpanLargerThanAllowed) {
  // 0x00000000 and 0x10000000: 256 MiB of gap would be allocated.
  const std::string text = ":0100000042BD\n:020000041000EA\n:0100000042BD\n:00000001FF\n";
  auto r = ihex::parse(text, 1 << 20);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error.find("line 3: data spans more than"), std::string::npos) << r.error;
}

TEST(IntelHex, WritesAsPythonIntelhexDoes) {
  // 20 bytes at 0x0FFF8 (crossing 64 KiB: records split there, 04 records first and at the new
  // window) and one byte at 0x10030 after a gap. Reference records computed by hand: length,
  // address, type, data, two's complement checksum, upper case.
  std::vector<std::uint8_t> a(20);
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<std::uint8_t>(i);
  const std::vector<std::uint8_t> b{0xEE};
  auto text = ihex::write({{0x10030, b}, {0x0FFF8, a}});
  ASSERT_TRUE(text) << text.error;
  EXPECT_EQ(*text,
            ":020000040000FA\n"
            ":08FFF8000001020304050607E5\n"
            ":020000040001F9\n"
            ":0C00000008090A0B0C0D0E0F1011121352\n"
            ":01003000EEE1\n"
            ":00000001FF\n");
  auto back = ihex::parse(*text);
  ASSERT_TRUE(back) << back.error;
  EXPECT_EQ(back->base, 0x0FFF8u);
  EXPECT_EQ(back->bytes.size(), 0x10031u - 0x0FFF8u);
  // Below 64 KiB: no address record at all; 16 bytes per record.
  std::vector<std::uint8_t> c(17, 0x11);
  auto small = ihex::write({{0x100, c}});
  ASSERT_TRUE(small);
  EXPECT_EQ(*small, ":1001000011111111111111111111111111111111DF\n:0101100011DD\n:00000001FF\n");
  EXPECT_FALSE(ihex::write({{0x100, c}, {0x110, c}}));  // overlapping
}

}  // namespace
