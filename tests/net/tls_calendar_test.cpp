// The calendar Mbed TLS checks certificate validity against (ward/tls/calendar.hpp): known dates,
// leap days, century rules and the 2038 boundary, and every day for 600 years against the C
// library's gmtime_r.
#include <gtest/gtest.h>

#include <ctime>

#include "ward/tls/calendar.hpp"

namespace {

using ward::tls::civil_from_unix;

void expect(std::int64_t t, int y, int mo, int d, int h, int mi, int s) {
  const auto c = civil_from_unix(t);
  EXPECT_EQ(c.year, y) << t;
  EXPECT_EQ(c.month, mo) << t;
  EXPECT_EQ(c.day, d) << t;
  EXPECT_EQ(c.hour, h) << t;
  EXPECT_EQ(c.minute, mi) << t;
  EXPECT_EQ(c.second, s) << t;
}

TEST(TlsCalendar, KnownDates) {
  expect(0, 1970, 1, 1, 0, 0, 0);
  expect(951782400, 2000, 2, 29, 0, 0, 0);      // a leap day of a year divisible by 400
  expect(1609459199, 2020, 12, 31, 23, 59, 59);  // the expired test certificate's last second
  expect(1609459200, 2021, 1, 1, 0, 0, 0);
  expect(2147483647, 2038, 1, 19, 3, 14, 7);     // 32-bit time_t's end
  expect(2147483648, 2038, 1, 19, 3, 14, 8);
  expect(4107542400, 2100, 3, 1, 0, 0, 0);       // 2100 is not a leap year
  expect(-1, 1969, 12, 31, 23, 59, 59);
}

TEST(TlsCalendar, MatchesGmtimeEveryDay) {
  for (std::int64_t day = -365 * 100; day < 365 * 500; ++day) {
    const std::time_t t = static_cast<std::time_t>(day * 86400 + 45296);  // 12:34:56
    std::tm tm{};
    ASSERT_NE(gmtime_r(&t, &tm), nullptr);
    const auto c = civil_from_unix(static_cast<std::int64_t>(t));
    ASSERT_EQ(c.year, tm.tm_year + 1900) << day;
    ASSERT_EQ(c.month, tm.tm_mon + 1) << day;
    ASSERT_EQ(c.day, tm.tm_mday) << day;
    ASSERT_EQ(c.hour * 3600 + c.minute * 60 + c.second, 45296) << day;
  }
}

}  // namespace
