// CRC-16/XMODEM and base64 for the console transport (console_transport.hpp).
#include "ward/mgmt/console_transport.hpp"

namespace ward::mgmt::console {
namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// The 6-bit value of a base64 character, or -1.
constexpr int sextet(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}
}  // namespace

std::uint16_t crc16_xmodem(std::span<const std::byte> data, std::uint16_t crc) {
  for (const std::byte b : data) {
    crc = static_cast<std::uint16_t>(crc ^ (std::to_integer<unsigned>(b) << 8));
    for (int i = 0; i < 8; ++i) {
      crc = (crc & 0x8000u) != 0 ? static_cast<std::uint16_t>((crc << 1) ^ 0x1021u) : static_cast<std::uint16_t>(crc << 1);
    }
  }
  return crc;
}

std::size_t base64_encode(std::span<const std::byte> in, std::span<char> out) {
  const std::size_t need = (in.size() + 2) / 3 * 4;
  if (out.size() < need) {
    return 0;
  }
  std::size_t o = 0;
  auto put = [&](std::uint32_t v, std::size_t chars) {
    for (std::size_t k = 0; k < 4; ++k) {
      out[o++] = k < chars ? kAlphabet[(v >> (18 - 6 * k)) & 63u] : '=';
    }
  };
  std::size_t i = 0;
  for (; in.size() - i >= 3; i += 3) {
    put(std::to_integer<std::uint32_t>(in[i]) << 16 | std::to_integer<std::uint32_t>(in[i + 1]) << 8 |
            std::to_integer<std::uint32_t>(in[i + 2]),
        4);
  }
  if (in.size() - i == 2) {
    put(std::to_integer<std::uint32_t>(in[i]) << 16 | std::to_integer<std::uint32_t>(in[i + 1]) << 8, 3);
  } else if (in.size() - i == 1) {
    put(std::to_integer<std::uint32_t>(in[i]) << 16, 2);
  }
  return o;
}

std::ptrdiff_t base64_decode(std::span<const char> in, std::span<std::byte> out) {
  if (in.size() % 4 != 0) {
    return -1;
  }
  std::size_t o = 0;
  for (std::size_t i = 0; i < in.size(); i += 4) {
    const bool last = i + 4 == in.size();
    // '=' may stand only in the last group's last one or two places.
    const std::size_t pad = (in[i + 3] == '=' ? 1u : 0u) + (in[i + 2] == '=' ? 1u : 0u);
    if ((pad > 0 && !last) || (in[i + 2] == '=' && in[i + 3] != '=')) {
      return -1;
    }
    std::uint32_t v = 0;
    for (std::size_t k = 0; k < 4 - pad; ++k) {
      const int s = sextet(in[i + k]);
      if (s < 0) {
        return -1;
      }
      v |= static_cast<std::uint32_t>(s) << (18 - 6 * k);
    }
    // Canonical only: the bits the padding leaves over must be zero.
    if (pad > 0 && (v & ((1u << (8 * pad)) - 1u)) != 0) {
      return -1;
    }
    const std::size_t n = 3 - pad;
    if (out.size() - o < n) {
      return -1;
    }
    for (std::size_t k = 0; k < n; ++k) {
      out[o++] = static_cast<std::byte>((v >> (16 - 8 * k)) & 0xffu);
    }
  }
  return static_cast<std::ptrdiff_t>(o);
}

}  // namespace ward::mgmt::console
