// SMP over a serial console, as Zephyr's SMP Transport Specification gives it: a packet travels as
// lines of at most 127 bytes, interleaved with whatever else the console prints:
//
//   first line         0x06 0x09  base64(...)  '\n'
//   continuation line  0x04 0x14  base64(...)  '\n'
//
// The lines' base64 carries: the packet's length + 2 (u16 big-endian), the packet, and its
// CRC-16/XMODEM (u16 big-endian). Each line's base64 is a whole number of 4-character groups and
// decodes on its own.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace ward::mgmt_client::serial {

inline constexpr std::size_t kMaxLine = 127;            // marker + base64 + '\n'
inline constexpr std::size_t kMaxRawPerLine = 93;       // 124 base64 characters

std::uint16_t crc16_xmodem(std::span<const std::uint8_t> data);
std::string base64_encode(std::span<const std::uint8_t> in);
// nullopt: not whole 4-character groups of the standard alphabet with '=' only at the end.
std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view in);

// The console lines of one packet, concatenated (each with its marker and newline).
std::vector<std::uint8_t> encode(std::span<const std::uint8_t> packet);

// Reassembles packets from console bytes. Console text (lines without a marker) is passed over;
// a marked line that is too long, bad base64, a bad length, a continuation with nothing open, too
// many bytes or a wrong CRC drops the packet, and the reason is kept for the user.
class Decoder {
 public:
  explicit Decoder(std::size_t max_packet) : max_packet_(max_packet) {}
  // Takes one byte; true when a whole packet is ready (take it with packet()).
  bool push(std::uint8_t b);
  const std::vector<std::uint8_t>& packet() const { return packet_; }
  // Why a packet was dropped: the first reason since the last call to clear_dropped (empty: none).
  const std::string& dropped() const { return dropped_; }
  void clear_dropped() { dropped_.clear(); }

 private:
  bool end_line();
  void drop(const char* why);
  std::size_t max_packet_;
  std::vector<std::uint8_t> line_;
  bool line_too_long_ = false;
  std::vector<std::uint8_t> raw_;  // length field + packet + CRC received so far
  std::size_t expected_ = 0;       // raw bytes of the open packet (0: none open)
  std::vector<std::uint8_t> packet_;
  std::string dropped_;
};

}  // namespace ward::mgmt_client::serial
