// The SMP header (smp.hpp).
#include "ward/mgmt/smp.hpp"

namespace ward::mgmt {
namespace {
constexpr std::uint16_t load_be16(std::byte hi, std::byte lo) {
  return static_cast<std::uint16_t>((std::to_integer<unsigned>(hi) << 8) | std::to_integer<unsigned>(lo));
}
}  // namespace

std::optional<Header> parse_header(std::span<const std::byte> in) {
  if (in.size() < kHeaderBytes) {
    return std::nullopt;
  }
  const unsigned b0 = std::to_integer<unsigned>(in[0]);
  if ((b0 & 0xe0u) != 0) {
    return std::nullopt;
  }
  Header h;
  h.op = static_cast<std::uint8_t>(b0 & 0x07u);
  h.version = static_cast<std::uint8_t>((b0 >> 3) & 0x03u);
  h.flags = std::to_integer<std::uint8_t>(in[1]);
  h.length = load_be16(in[2], in[3]);
  h.group = load_be16(in[4], in[5]);
  h.sequence = std::to_integer<std::uint8_t>(in[6]);
  h.id = std::to_integer<std::uint8_t>(in[7]);
  return h;
}

std::array<std::byte, kHeaderBytes> encode_header(const Header& h) {
  return {static_cast<std::byte>(((h.version & 0x03u) << 3) | (h.op & 0x07u)),
          static_cast<std::byte>(h.flags),
          static_cast<std::byte>(h.length >> 8),
          static_cast<std::byte>(h.length & 0xffu),
          static_cast<std::byte>(h.group >> 8),
          static_cast<std::byte>(h.group & 0xffu),
          static_cast<std::byte>(h.sequence),
          static_cast<std::byte>(h.id)};
}

}  // namespace ward::mgmt
