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

void Writer::put_unsigned(std::uint64_t v) {
  char digits[20];
  std::size_t n = 0;
  do {
    digits[sizeof digits - 1 - n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  put(std::string_view{&digits[sizeof digits - n], n});
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
