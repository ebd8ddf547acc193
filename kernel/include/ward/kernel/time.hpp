// Kernel time. The unit is one count of the system timer (SysTick, at CONFIG_WARD_SYS_CLOCK_HZ):
// 64 bits, so it never wraps in a device's lifetime. Durations convert from human units at compile
// time where possible.
#pragma once
#include <cstdint>
#include <limits>

#include "ward/config.hpp"

namespace ward {

class Duration {
 public:
  static constexpr std::int64_t kHz = config::sys_clock_hz;

  constexpr Duration() = default;
  static constexpr Duration ticks(std::int64_t t) { return Duration{t}; }
  static constexpr Duration us(std::int64_t n) { return Duration{n * kHz / 1'000'000}; }
  static constexpr Duration ms(std::int64_t n) { return Duration{n * kHz / 1'000}; }
  static constexpr Duration s(std::int64_t n) { return Duration{n * kHz}; }

  constexpr std::int64_t ticks() const { return ticks_; }
  constexpr std::int64_t to_us() const { return ticks_ * 1'000'000 / kHz; }
  constexpr auto operator<=>(const Duration&) const = default;
  constexpr Duration operator+(Duration o) const { return Duration{ticks_ + o.ticks_}; }
  constexpr Duration operator-(Duration o) const { return Duration{ticks_ - o.ticks_}; }

 private:
  constexpr explicit Duration(std::int64_t t) : ticks_{t} {}
  std::int64_t ticks_ = 0;
};

// A point in kernel time (timer counts since boot).
class Instant {
 public:
  constexpr Instant() = default;
  static constexpr Instant from_ticks(std::uint64_t t) { return Instant{t}; }
  static constexpr Instant never() { return Instant{std::numeric_limits<std::uint64_t>::max()}; }
  constexpr std::uint64_t ticks() const { return ticks_; }
  constexpr auto operator<=>(const Instant&) const = default;
  constexpr Instant operator+(Duration d) const {
    // Saturate: a deadline past the end of time is "never", not a wrapped early deadline.
    const auto t = static_cast<std::uint64_t>(d.ticks() < 0 ? 0 : d.ticks());
    return t > never().ticks_ - ticks_ ? never() : Instant{ticks_ + t};
  }
  constexpr Duration operator-(Instant o) const {
    return Duration::ticks(static_cast<std::int64_t>(ticks_ - o.ticks_));
  }

 private:
  constexpr explicit Instant(std::uint64_t t) : ticks_{t} {}
  std::uint64_t ticks_ = 0;
};

// How long a blocking call may wait: not at all, for a while, until a point, or forever.
class Timeout {
 public:
  static constexpr Timeout none() { return Timeout{Kind::none, {}}; }
  static constexpr Timeout forever() { return Timeout{Kind::forever, {}}; }
  static constexpr Timeout after(Duration d) { return d.ticks() <= 0 ? none() : Timeout{Kind::after, d}; }
  static constexpr Timeout until(Instant t) { return Timeout{Kind::until, Duration::ticks(static_cast<std::int64_t>(t.ticks()))}; }

  constexpr bool is_none() const { return kind_ == Kind::none; }
  constexpr bool is_forever() const { return kind_ == Kind::forever; }
  // The absolute deadline, for a timeout that has one, given the current time.
  Instant deadline(Instant now) const;

 private:
  enum class Kind : std::uint8_t { none, after, until, forever };
  constexpr Timeout(Kind k, Duration v) : kind_{k}, value_{v} {}
  Kind kind_;
  Duration value_;
};

// The current kernel time.
Instant now();

}  // namespace ward
