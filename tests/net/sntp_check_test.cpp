// The checks on the time lwIP's SNTP client accepted (ward/net/sntp.hpp, check_sntp_time): NTP's
// eras, zero, the floor; and that the build's floor is the build's date, not the epoch.
#include <gtest/gtest.h>

#include "ward/net/sntp.hpp"

namespace {

using ward::net::check_sntp_time;

constexpr std::uint32_t kNtpToUnix = 2'208'988'800u;

TEST(SntpCheck, EraZero) {
  EXPECT_EQ(check_sntp_time(kNtpToUnix, 0), 0);
  EXPECT_EQ(check_sntp_time(kNtpToUnix + 1'796'083'200u, 0), 1'796'083'200);  // 2026-12-01
  EXPECT_EQ(check_sntp_time(0xFFFF'FFFFu, 0), 2'085'978'495);                 // 2036-02-07 06:28:15
}

TEST(SntpCheck, EraOneAfter2036) {
  EXPECT_EQ(check_sntp_time(1, 0), 2'085'978'497);  // the second after era 0's last
  EXPECT_EQ(check_sntp_time(kNtpToUnix - 1, 0), (std::int64_t{1} << 32) - 1);
}

TEST(SntpCheck, ZeroIsNoTime) {
  EXPECT_FALSE(check_sntp_time(0, 0));
  EXPECT_FALSE(check_sntp_time(0, -1));
}

TEST(SntpCheck, BeforeTheFloorRefused) {
  const std::int64_t floor = 1'796'083'200;
  EXPECT_FALSE(check_sntp_time(kNtpToUnix + 1'577'836'800u, floor));  // 2020-01-01
  EXPECT_FALSE(check_sntp_time(kNtpToUnix + 1'796'083'199u, floor));  // one second before
  EXPECT_EQ(check_sntp_time(kNtpToUnix + 1'796'083'200u, floor), floor);
}

TEST(SntpCheck, FloorIsTheBuildsDate) {
  EXPECT_GE(ward::net::kTimeFloor, 1'796'083'200);  // 2026-12-01: SNTP came later than that
}

}  // namespace
