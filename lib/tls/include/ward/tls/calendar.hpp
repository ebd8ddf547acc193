// Seconds since 1970-01-01 UTC as a proleptic Gregorian date and time: what Mbed TLS compares
// certificates' validity periods with (lib/tls/src/platform.cpp). Portable; host-tested.
#pragma once
#include <cstdint>

namespace ward::tls {

struct Civil {
  std::int32_t year;
  std::int32_t month;  // 1..12
  std::int32_t day;    // 1..31
  std::int32_t hour, minute, second;
};

// Howard Hinnant's days-to-civil algorithm (public domain, "chrono-Compatible Low-Level Date
// Algorithms"): exact for every day of the proleptic Gregorian calendar in range.
constexpr Civil civil_from_unix(std::int64_t seconds) {
  std::int64_t days = seconds / 86400;
  std::int64_t rest = seconds % 86400;
  if (rest < 0) {
    rest += 86400;
    --days;
  }
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;                                 // [0, 146096]
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);          // [0, 365]
  const std::int64_t mp = (5 * doy + 2) / 153;                               // [0, 11]
  const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;                       // [1, 31]
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;                          // [1, 12]
  const std::int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return Civil{static_cast<std::int32_t>(y), static_cast<std::int32_t>(m), static_cast<std::int32_t>(d),
               static_cast<std::int32_t>(rest / 3600), static_cast<std::int32_t>(rest % 3600 / 60),
               static_cast<std::int32_t>(rest % 60)};
}

}  // namespace ward::tls
