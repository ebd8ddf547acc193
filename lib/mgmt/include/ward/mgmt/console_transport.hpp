// SMP over a text console (Zephyr's "SMP Transport Specification", UART/serial and console): the
// packets share the console with ordinary output, so each one travels as lines of at most 127 bytes
// (marker, base64 text, newline) that a terminal shows as harmless text:
//
//   first line         0x06 0x09  base64(...)  '\n'
//   continuation line  0x04 0x14  base64(...)  '\n'
//
// The base64 lines carry, concatenated: the packet's length + 2 (big-endian u16), the SMP packet,
// and the CRC-16/XMODEM of the packet (big-endian). Each line's base64 decodes on its own (a
// whole number of 4-character groups), as Zephyr's receiver decodes it; a sender that splits one
// base64 text at multiples of 4 characters (the Go mcumgr client) produces the same lines.
//
// The decoder takes console input a byte at a time: lines without a marker are the console's and
// are left alone; a line longer than 127 bytes, bad base64, a continuation without a first line,
// a length the buffer cannot hold or a wrong CRC drops the packet and says why.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace ward::mgmt::console {

inline constexpr std::size_t kMaxLine = 127;                     // marker + base64 + newline
inline constexpr std::size_t kMaxBase64 = kMaxLine - 3;           // 124 characters
inline constexpr std::size_t kMaxRawPerLine = kMaxBase64 / 4 * 3;  // 93 bytes
inline constexpr std::byte kFirst[2] = {std::byte{0x06}, std::byte{0x09}};
inline constexpr std::byte kContinuation[2] = {std::byte{0x04}, std::byte{0x14}};

// CRC-16/XMODEM (poly 0x1021, initial 0, no reflection, no final xor): "123456789" -> 0x31c3.
std::uint16_t crc16_xmodem(std::span<const std::byte> data, std::uint16_t crc = 0);

// Base64 (RFC 4648, standard alphabet, padded). encode writes 4 * ceil(n / 3) characters and
// returns their count (0 if `out` is too small). decode takes a whole number of 4-character groups,
// with '=' only at the end of the last one, and returns the byte count, or -1 if the text is not
// such base64 or `out` is too small.
std::size_t base64_encode(std::span<const std::byte> in, std::span<char> out);
std::ptrdiff_t base64_decode(std::span<const char> in, std::span<std::byte> out);

// Writes `packet` as console lines through `emit(std::span<const std::byte> line)` (each line with
// its marker and newline, at most kMaxLine bytes). Returns false, emitting nothing, if the packet
// is longer than the length field can describe.
template <class Emit>
bool encode_packet(std::span<const std::byte> packet, Emit&& emit);
// The same lines from a packet that already sits in `frame` with two bytes of room before it and
// two after it (frame: length, packet, CRC; the packet is frame.size() - 4 bytes): writes the length
// and the CRC into that room and emits the lines straight from the frame, with no copy of the
// packet (ConsoleService answers into such a frame). False, emitting nothing, when `frame` is
// shorter than 4 bytes or the packet is longer than the length field can describe.
template <class Emit>
bool encode_frame(std::span<std::byte> frame, Emit&& emit);

enum class Event : std::uint8_t {
  none,                     // byte taken, nothing complete yet (or a console line ended)
  packet,                   // a whole packet with a good CRC: packet() holds it
  line_too_long,            // a marked line exceeded 127 bytes: the packet is dropped
  bad_base64,               // a marked line's text is not base64
  bad_length,               // the length field is below 2 or beyond the buffer
  unexpected_continuation,  // a continuation line without a packet in progress
  interrupted,              // a new first line before the previous packet was complete
  overrun,                  // the lines carried more bytes than the length field said
  bad_crc,                  // the packet's CRC-16 does not match
};

// Reassembles packets of at most `Capacity` bytes (the SMP packet, without length and CRC).
template <std::size_t Capacity>
class Decoder {
 public:
  Event push(std::byte b);
  // The last completed packet (valid until the next push).
  std::span<const std::byte> packet() const { return {raw_.data() + 2, packet_len_}; }

 private:
  Event end_line();
  Event take_first(std::span<const std::byte> decoded);
  Event take_more(std::span<const std::byte> decoded);

  std::array<std::byte, kMaxLine> line_{};
  std::size_t line_len_ = 0;
  bool line_overflow_ = false;
  std::array<std::byte, Capacity + 4> raw_{};  // length (2) + packet + CRC (2)
  std::size_t have_ = 0;                       // raw bytes received so far
  std::size_t expected_ = 0;                   // 2 + the length field (0: no packet in progress)
  std::size_t packet_len_ = 0;                 // the completed packet's length
};

// --- implementation --------------------------------------------------------------------------

namespace detail {
// One line: the marker (the first line's or a continuation's), the base64 of `raw` (at most
// kMaxRawPerLine bytes), the newline.
template <class Emit>
void emit_line(bool first, std::span<const std::byte> raw, Emit& emit) {
  std::array<std::byte, kMaxLine> line{};
  const auto& marker = first ? kFirst : kContinuation;
  line[0] = marker[0];
  line[1] = marker[1];
  const std::size_t chars =
      base64_encode(raw, std::span<char>{reinterpret_cast<char*>(line.data() + 2), kMaxBase64});
  line[2 + chars] = std::byte{'\n'};
  emit(std::span<const std::byte>{line.data(), chars + 3});
}
}  // namespace detail

template <class Emit>
bool encode_packet(std::span<const std::byte> packet, Emit&& emit) {
  if (packet.size() > 0xffffu - 2) {
    return false;
  }
  const std::uint16_t length = static_cast<std::uint16_t>(packet.size() + 2);
  const std::uint16_t crc = crc16_xmodem(packet);
  const std::array<std::byte, 2> head{static_cast<std::byte>(length >> 8), static_cast<std::byte>(length & 0xff)};
  const std::array<std::byte, 2> tail{static_cast<std::byte>(crc >> 8), static_cast<std::byte>(crc & 0xff)};
  const std::size_t total = packet.size() + 4;
  // The raw stream is head + packet + tail; each line takes up to 93 of its bytes.
  auto raw_at = [&](std::size_t i) {
    if (i < 2) return head[i];
    if (i < 2 + packet.size()) return packet[i - 2];
    return tail[i - 2 - packet.size()];
  };
  std::array<std::byte, kMaxRawPerLine> chunk{};
  for (std::size_t done = 0; done < total;) {
    const std::size_t n = total - done < kMaxRawPerLine ? total - done : kMaxRawPerLine;
    for (std::size_t i = 0; i < n; ++i) {
      chunk[i] = raw_at(done + i);
    }
    detail::emit_line(done == 0, std::span<const std::byte>{chunk.data(), n}, emit);
    done += n;
  }
  return true;
}

template <class Emit>
bool encode_frame(std::span<std::byte> frame, Emit&& emit) {
  if (frame.size() < 4 || frame.size() - 4 > 0xffffu - 2) {
    return false;
  }
  const std::size_t size = frame.size() - 4;
  const std::uint16_t length = static_cast<std::uint16_t>(size + 2);
  const std::uint16_t crc = crc16_xmodem(frame.subspan(2, size));
  frame[0] = static_cast<std::byte>(length >> 8);
  frame[1] = static_cast<std::byte>(length & 0xff);
  frame[2 + size] = static_cast<std::byte>(crc >> 8);
  frame[3 + size] = static_cast<std::byte>(crc & 0xff);
  // The raw stream is the frame itself: each line takes up to 93 of its bytes.
  for (std::size_t done = 0; done < frame.size(); done += kMaxRawPerLine) {
    const std::size_t n = frame.size() - done < kMaxRawPerLine ? frame.size() - done : kMaxRawPerLine;
    detail::emit_line(done == 0, std::span<const std::byte>{frame.data() + done, n}, emit);
  }
  return true;
}

template <std::size_t Capacity>
Event Decoder<Capacity>::push(std::byte b) {
  if (b == std::byte{'\n'}) {
    return end_line();
  }
  if (line_len_ < line_.size()) {
    line_[line_len_++] = b;
  } else {
    line_overflow_ = true;
  }
  return Event::none;
}

template <std::size_t Capacity>
Event Decoder<Capacity>::end_line() {
  const std::size_t len = line_len_;
  const bool overflow = line_overflow_ || len + 1 > kMaxLine;
  line_len_ = 0;
  line_overflow_ = false;
  const bool first = len >= 2 && line_[0] == kFirst[0] && line_[1] == kFirst[1];
  const bool more = len >= 2 && line_[0] == kContinuation[0] && line_[1] == kContinuation[1];
  if (!first && !more) {
    return Event::none;  // console text
  }
  if (overflow) {
    expected_ = 0;
    return Event::line_too_long;
  }
  std::array<std::byte, kMaxRawPerLine> decoded{};
  const std::ptrdiff_t n =
      base64_decode(std::span<const char>{reinterpret_cast<const char*>(line_.data() + 2), len - 2}, decoded);
  if (n < 0) {
    expected_ = 0;
    return Event::bad_base64;
  }
  const std::span<const std::byte> bytes{decoded.data(), static_cast<std::size_t>(n)};
  if (first) {
    const bool interrupted = expected_ != 0;
    const Event e = take_first(bytes);
    return interrupted && e == Event::none ? Event::interrupted : e;
  }
  if (expected_ == 0) {
    return Event::unexpected_continuation;
  }
  return take_more(bytes);
}

template <std::size_t Capacity>
Event Decoder<Capacity>::take_first(std::span<const std::byte> decoded) {
  expected_ = 0;
  have_ = 0;
  if (decoded.size() < 2) {
    return Event::bad_length;
  }
  const std::size_t length =
      (std::to_integer<std::size_t>(decoded[0]) << 8) | std::to_integer<std::size_t>(decoded[1]);
  // The length counts the packet and its CRC; a packet is at least a header's worth in practice,
  // but the transport only needs room for the CRC and the packet within the buffer.
  if (length < 2 || length > Capacity + 2) {
    return Event::bad_length;
  }
  expected_ = length + 2;
  return take_more(decoded);
}

template <std::size_t Capacity>
Event Decoder<Capacity>::take_more(std::span<const std::byte> decoded) {
  if (decoded.size() > expected_ - have_) {
    expected_ = 0;
    have_ = 0;
    return Event::overrun;
  }
  for (const std::byte d : decoded) {
    raw_[have_++] = d;
  }
  if (have_ < expected_) {
    return Event::none;
  }
  const std::size_t body = expected_ - 4;
  const std::uint16_t crc = crc16_xmodem(std::span<const std::byte>{raw_.data() + 2, body});
  const std::uint16_t sent = static_cast<std::uint16_t>((std::to_integer<unsigned>(raw_[2 + body]) << 8) |
                                                        std::to_integer<unsigned>(raw_[3 + body]));
  expected_ = 0;
  have_ = 0;
  if (crc != sent) {
    return Event::bad_crc;
  }
  packet_len_ = body;
  return Event::packet;
}

}  // namespace ward::mgmt::console
