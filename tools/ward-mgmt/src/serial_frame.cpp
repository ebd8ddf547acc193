// SMP's console framing, ward-mgmt's side (serial_frame.hpp).
#include "serial_frame.hpp"

#include <algorithm>
#include <array>
#include <cstddef>

namespace ward::mgmt_client::serial {
namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}
}  // namespace

std::uint16_t crc16_xmodem(std::span<const std::uint8_t> data) {
  std::uint16_t crc = 0;
  for (std::uint8_t b : data) {
    crc = static_cast<std::uint16_t>(crc ^ (b << 8));
    for (int i = 0; i < 8; ++i) {
      crc = (crc & 0x8000u) != 0 ? static_cast<std::uint16_t>((crc << 1) ^ 0x1021u) : static_cast<std::uint16_t>(crc << 1);
    }
  }
  return crc;
}

std::string base64_encode(std::span<const std::uint8_t> in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); i += 3) {
    // The next 1-3 bytes, zero-padded to three; the sextets past the last byte are '='.
    const std::size_t n = std::min<std::size_t>(in.size() - i, 3);
    std::array<std::uint8_t, 3> b{};
    std::copy_n(in.begin() + static_cast<std::ptrdiff_t>(i), n, b.begin());
    const std::uint32_t v = (std::uint32_t{b[0]} << 16) | (std::uint32_t{b[1]} << 8) | std::uint32_t{b[2]};
    std::array<char, 4> quad{kAlphabet[(v >> 18) & 63], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63],
                             kAlphabet[v & 63]};
    std::fill(quad.begin() + static_cast<std::ptrdiff_t>(n) + 1, quad.end(), '=');
    out.append(quad.data(), quad.size());
  }
  return out;
}

std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view in) {
  if (in.size() % 4 != 0) return std::nullopt;
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i < in.size(); i += 4) {
    const bool last = i + 4 == in.size();
    std::array<int, 4> v{};
    int pad = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      const char c = in[i + k];
      if (c == '=' && last && k >= 2) {
        ++pad;
        v[k] = 0;
        continue;
      }
      if (pad > 0) return std::nullopt;  // a character after '='
      v[k] = b64_value(c);
      if (v[k] < 0) return std::nullopt;
    }
    const std::uint32_t w = static_cast<std::uint32_t>(v[0] << 18 | v[1] << 12 | v[2] << 6 | v[3]);
    out.push_back(static_cast<std::uint8_t>(w >> 16));
    if (pad < 2) out.push_back(static_cast<std::uint8_t>(w >> 8));
    if (pad < 1) out.push_back(static_cast<std::uint8_t>(w));
  }
  return out;
}

std::vector<std::uint8_t> encode(std::span<const std::uint8_t> packet) {
  std::vector<std::uint8_t> raw;
  const std::size_t length = packet.size() + 2;
  raw.push_back(static_cast<std::uint8_t>(length >> 8));
  raw.push_back(static_cast<std::uint8_t>(length));
  raw.insert(raw.end(), packet.begin(), packet.end());
  const std::uint16_t crc = crc16_xmodem(packet);
  raw.push_back(static_cast<std::uint8_t>(crc >> 8));
  raw.push_back(static_cast<std::uint8_t>(crc));
  std::vector<std::uint8_t> out;
  for (std::size_t done = 0; done < raw.size(); done += kMaxRawPerLine) {
    const std::size_t n = raw.size() - done < kMaxRawPerLine ? raw.size() - done : kMaxRawPerLine;
    out.push_back(done == 0 ? 0x06 : 0x04);
    out.push_back(done == 0 ? 0x09 : 0x14);
    const std::string text = base64_encode(std::span<const std::uint8_t>(raw).subspan(done, n));
    out.insert(out.end(), text.begin(), text.end());
    out.push_back('\n');
  }
  return out;
}

// The first reason since the caller last looked is kept: what follows a dropped frame (its
// continuation lines, say) is a consequence, not news.
void Decoder::drop(const char* why) {
  if (dropped_.empty()) dropped_ = why;
  expected_ = 0;
  raw_.clear();
}

bool Decoder::push(std::uint8_t b) {
  if (b != '\n') {
    if (line_.size() < kMaxLine) {
      line_.push_back(b);
    } else {
      line_too_long_ = true;
    }
    return false;
  }
  const bool ready = end_line();
  line_.clear();
  line_too_long_ = false;
  return ready;
}

bool Decoder::end_line() {
  // Some consoles end lines with "\r\n": the '\r' is not base64 and not the packet's.
  if (!line_.empty() && line_.back() == '\r') line_.pop_back();
  const bool first = line_.size() >= 2 && line_[0] == 0x06 && line_[1] == 0x09;
  const bool more = line_.size() >= 2 && line_[0] == 0x04 && line_[1] == 0x14;
  if (!first && !more) return false;  // console text
  if (line_too_long_ || line_.size() + 1 > kMaxLine) {
    drop("frame line longer than 127 bytes");
    return false;
  }
  const auto decoded = base64_decode(std::string_view(reinterpret_cast<const char*>(line_.data()) + 2, line_.size() - 2));
  if (!decoded) {
    drop("frame line is not base64");
    return false;
  }
  if (first) {
    if (expected_ != 0 && dropped_.empty()) dropped_ = "frame interrupted by a new one";
    raw_.clear();
    expected_ = 0;
    if (decoded->size() < 2) {
      drop("frame without its length");
      return false;
    }
    const std::size_t length = static_cast<std::size_t>((*decoded)[0]) << 8 | (*decoded)[1];
    if (length < 2 || length - 2 > max_packet_) {
      drop("frame length beyond the limit");
      return false;
    }
    expected_ = length + 2;
  } else if (expected_ == 0) {
    drop("frame continuation without a first line");
    return false;
  }
  if (decoded->size() > expected_ - raw_.size()) {
    drop("frame longer than its length");
    return false;
  }
  raw_.insert(raw_.end(), decoded->begin(), decoded->end());
  if (raw_.size() < expected_) return false;
  const std::span<const std::uint8_t> body(raw_.data() + 2, expected_ - 4);
  const std::uint16_t sent = static_cast<std::uint16_t>(raw_[expected_ - 2] << 8 | raw_[expected_ - 1]);
  if (crc16_xmodem(body) != sent) {
    drop("frame CRC mismatch");
    return false;
  }
  packet_.assign(body.begin(), body.end());
  expected_ = 0;
  raw_.clear();
  return true;
}

}  // namespace ward::mgmt_client::serial
