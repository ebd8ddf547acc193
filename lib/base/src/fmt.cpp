#include "ward/fmt.hpp"

namespace ward::fmt {

void Writer::put(std::string_view text) {
  while (!text.empty()) {
    if (used_ == sizeof buffer_) {
      flush();
    }
    const std::size_t n = text.size() < sizeof buffer_ - used_ ? text.size() : sizeof buffer_ - used_;
    for (std::size_t i = 0; i < n; ++i) {
      buffer_[used_ + i] = text[i];
    }
    used_ += n;
    text.remove_prefix(n);
  }
}

void Writer::put(char c) { put(std::string_view{&c, 1}); }

void Writer::put(const char* text) {
  if (text == nullptr) {
    text = "(null)";
  }
  // Measured here rather than with strlen(): a byte loop is a tenth of the C library's size.
  std::size_t n = 0;
  while (text[n] != '\0') {
    ++n;
  }
  put(std::string_view{text, n});
}

namespace {
// Divides by 10 in 32-bit steps (the core has a 32-bit divider; a 64-bit division would pull in
// the compiler's ~750-byte software routine). Returns the remainder.
std::uint32_t divide_by_10(std::uint64_t& v) {
  const auto high = static_cast<std::uint32_t>(v >> 32);
  const auto low = static_cast<std::uint32_t>(v);
  const std::uint32_t high_q = high / 10;
  // (high % 10) * 2^32 + low, split so each step fits in 32 bits: 2^32 = 429496729 * 10 + 6.
  const std::uint32_t high_r = high % 10;
  const std::uint32_t low_q = low / 10, low_r = low % 10;
  const std::uint32_t carry = high_r * 6 + low_r;  // at most 9*6 + 9
  v = (static_cast<std::uint64_t>(high_q) << 32) + std::uint64_t{high_r} * 429496729u + low_q + carry / 10;
  return carry % 10;
}
}  // namespace

void Writer::put_unsigned(std::uint64_t v) {
  char digits[20];
  std::size_t n = 0;
  do {
    digits[sizeof digits - 1 - n++] = static_cast<char>('0' + divide_by_10(v));
  } while (v != 0);
  put(std::string_view{&digits[sizeof digits - n], n});
}

void Writer::put_unsigned32(std::uint32_t v) {
  char digits[10];
  std::size_t n = 0;
  do {
    digits[sizeof digits - 1 - n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  put(std::string_view{&digits[sizeof digits - n], n});
}

void Writer::put_signed32(std::int32_t v) {
  if (v < 0) {
    put('-');
    put_unsigned32(0 - static_cast<std::uint32_t>(v));
  } else {
    put_unsigned32(static_cast<std::uint32_t>(v));
  }
}

void Writer::put_signed(std::int64_t v) {
  if (v < 0) {
    put('-');
    // Negate in unsigned arithmetic so INT64_MIN does not overflow.
    put_unsigned(0 - static_cast<std::uint64_t>(v));
  } else {
    put_unsigned(static_cast<std::uint64_t>(v));
  }
}

void Writer::put(Hex h) {
  static constexpr char kDigits[] = "0123456789abcdef";
  char text[2 + 16];
  int digits = 1;
  while (digits < 16 && (h.value >> (4 * digits)) != 0) {
    ++digits;
  }
  if (digits < h.digits) {
    digits = h.digits > 16 ? 16 : h.digits;
  }
  text[0] = '0';
  text[1] = 'x';
  for (int i = 0; i < digits; ++i) {
    text[2 + i] = kDigits[(h.value >> (4 * (digits - 1 - i))) & 0xf];
  }
  put(std::string_view{text, static_cast<std::size_t>(2 + digits)});
}

void Writer::flush() {
  if (used_ != 0) {
    sink_(std::string_view{buffer_, used_});
    used_ = 0;
  }
}

}  // namespace ward::fmt
