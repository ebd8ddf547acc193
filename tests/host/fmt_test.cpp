// ward::fmt: the console formatter must print every value exactly and never truncate.
#include "ward/fmt.hpp"

#include <gtest/gtest.h>

#include <climits>
#include <cstdint>
#include <string>

namespace {

std::string captured;
void capture(std::string_view s) { captured.append(s); }

template <class... Args>
std::string format(const Args&... args) {
  captured.clear();
  ward::fmt::write(&capture, args...);
  return captured;
}

TEST(Fmt, Integers) {
  EXPECT_EQ(format(0), "0");
  EXPECT_EQ(format(42u), "42");
  EXPECT_EQ(format(-7), "-7");
  EXPECT_EQ(format(INT64_MIN), "-9223372036854775808");
  EXPECT_EQ(format(UINT64_MAX), "18446744073709551615");
}

TEST(Fmt, Hex) {
  EXPECT_EQ(format(ward::fmt::hex(std::uint32_t{0xbeef})), "0x0000beef");
  EXPECT_EQ(format(ward::fmt::Hex{0x1234, 1}), "0x1234");
  EXPECT_EQ(format(ward::fmt::Hex{0, 0}), "0x0");
  EXPECT_EQ(format(ward::fmt::hex(UINT64_MAX)), "0xffffffffffffffff");
}

TEST(Fmt, StringsCharsAndBools) {
  EXPECT_EQ(format("a", 'b', std::string_view{"c"}, true, false), "abctruefalse");
  const char* null_text = nullptr;
  EXPECT_EQ(format(null_text), "(null)");
}

TEST(Fmt, LongTextIsNotTruncated) {
  const std::string long_text(1000, 'x');
  EXPECT_EQ(format(std::string_view{long_text}, 1), long_text + "1");
}

}  // namespace
