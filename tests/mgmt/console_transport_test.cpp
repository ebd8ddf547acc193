// The console transport's framing (smp_transport, "UART/serial and console"): CRC-16/XMODEM,
// base64, lines of at most 127 bytes, and every way a line or a packet can be wrong.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "mgmt_test_util.hpp"
#include "ward/mgmt/console_transport.hpp"

using namespace mgmt_test;
using namespace ward::mgmt::console;

namespace {

Bytes str(std::string_view s) {
  Bytes out;
  for (char c : s) out.push_back(static_cast<std::byte>(c));
  return out;
}

std::string b64(const Bytes& in) {
  std::string out(4 * ((in.size() + 2) / 3), '\0');
  out.resize(base64_encode(in, out));
  return out;
}

std::ptrdiff_t unb64(std::string_view in, Bytes& out) {
  out.assign(in.size(), std::byte{0});
  const auto n = base64_decode(in, out);
  out.resize(n < 0 ? 0 : static_cast<std::size_t>(n));
  return n;
}

std::vector<Bytes> encode(const Bytes& packet) {
  std::vector<Bytes> lines;
  EXPECT_TRUE(encode_packet(packet, [&](std::span<const std::byte> l) { lines.emplace_back(l.begin(), l.end()); }));
  return lines;
}

template <std::size_t N>
std::vector<Event> feed(Decoder<N>& d, const Bytes& bytes) {
  std::vector<Event> events;
  for (std::byte x : bytes) {
    if (const Event e = d.push(x); e != Event::none) events.push_back(e);
  }
  return events;
}

// The echo request {"d": "hello"} (smp_server_test.cpp) as one console line: length 0x0013, the
// packet, CRC 0xc109, in base64 (computed outside Ward's code, from the specification).
const Bytes kEchoPacket = hex("02 00 00 09 00 00 42 00 a1 61 64 65 68 65 6c 6c 6f");
const Bytes kEchoLine = cat({hex("06 09"), str("ABMCAAAJAABCAKFhZGVoZWxsb8EJ"), hex("0a")});

}  // namespace

TEST(Crc16Xmodem, CheckValue) {
  EXPECT_EQ(crc16_xmodem(str("123456789")), 0x31c3);
  EXPECT_EQ(crc16_xmodem({}), 0);
  EXPECT_EQ(crc16_xmodem(kEchoPacket), 0xc109);
}

TEST(Base64, Rfc4648Vectors) {
  EXPECT_EQ(b64(str("")), "");
  EXPECT_EQ(b64(str("f")), "Zg==");
  EXPECT_EQ(b64(str("fo")), "Zm8=");
  EXPECT_EQ(b64(str("foo")), "Zm9v");
  EXPECT_EQ(b64(str("foob")), "Zm9vYg==");
  EXPECT_EQ(b64(str("fooba")), "Zm9vYmE=");
  EXPECT_EQ(b64(str("foobar")), "Zm9vYmFy");
  EXPECT_EQ(b64(hex("fb ff fe")), "+//+");
  Bytes out;
  EXPECT_EQ(unb64("Zm9vYmE=", out), 5);
  EXPECT_EQ(out, str("fooba"));
  EXPECT_EQ(unb64("+//+", out), 3);
  EXPECT_EQ(out, hex("fb ff fe"));
}

TEST(Base64, RefusesWhatIsNotBase64) {
  Bytes out;
  for (const char* bad : {"Zg=", "Zm9", "Z===", "====", "Zm=v", "Zh==", "Zm9=", "Zg==Zm9v", "Zm9v!A==", "Zm9v\nA==",
                          "Zm 9"}) {
    EXPECT_EQ(unb64(bad, out), -1) << bad;
  }
  std::array<std::byte, 2> small{};
  EXPECT_EQ(base64_decode(std::string_view{"Zm9v"}, small), -1);  // no room: refused, not truncated
  std::array<char, 3> tiny{};
  EXPECT_EQ(base64_encode(str("f"), tiny), 0u);
}

TEST(ConsoleFrames, EncodesTheEchoRequestAsTheSpecificationSays) {
  const auto lines = encode(kEchoPacket);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], kEchoLine);
}

TEST(ConsoleFrames, LongPacketsSplitIntoLinesOfAtMost127Bytes) {
  Bytes packet(700);
  for (std::size_t i = 0; i < packet.size(); ++i) packet[i] = static_cast<std::byte>(i * 13);
  const auto lines = encode(packet);
  ASSERT_EQ(lines.size(), (700 + 4 + 92) / 93);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    EXPECT_LE(lines[i].size(), kMaxLine);
    EXPECT_EQ(lines[i].back(), std::byte{'\n'});
    EXPECT_EQ(lines[i][0], i == 0 ? std::byte{0x06} : std::byte{0x04});
    EXPECT_EQ(lines[i][1], i == 0 ? std::byte{0x09} : std::byte{0x14});
    if (i + 1 < lines.size()) {
      EXPECT_EQ(lines[i].size(), kMaxLine);
    }
  }
  Decoder<1024> d;
  std::vector<Event> events;
  for (const auto& l : lines) {
    const auto e = feed(d, l);
    events.insert(events.end(), e.begin(), e.end());
  }
  ASSERT_EQ(events, std::vector<Event>{Event::packet});
  EXPECT_EQ(Bytes(d.packet().begin(), d.packet().end()), packet);
}

TEST(ConsoleFrames, DecodesTheEchoLineAmongConsoleText) {
  Decoder<256> d;
  EXPECT_TRUE(feed(d, str("boot banner\nward> help\n")).empty());
  EXPECT_EQ(feed(d, kEchoLine), std::vector<Event>{Event::packet});
  EXPECT_EQ(Bytes(d.packet().begin(), d.packet().end()), kEchoPacket);
  // Again, after more console text.
  EXPECT_TRUE(feed(d, str("\n\n\x06 text\n")).empty());
  EXPECT_EQ(feed(d, kEchoLine), std::vector<Event>{Event::packet});
}

TEST(ConsoleFrames, GoClientSplitOfOneBase64TextDecodes) {
  // The Go mcumgr client base64-encodes the whole raw stream once and cuts the text every 124
  // characters; those lines must decode to the same packet.
  Bytes packet(250);
  for (std::size_t i = 0; i < packet.size(); ++i) packet[i] = static_cast<std::byte>(255 - i);
  const std::uint16_t crc = crc16_xmodem(packet);
  const Bytes raw = cat({hex("00 fc"), packet, Bytes{static_cast<std::byte>(crc >> 8), static_cast<std::byte>(crc)}});
  const std::string text = b64(raw);
  Decoder<512> d;
  std::vector<Event> events;
  for (std::size_t at = 0; at < text.size(); at += 124) {
    const Bytes line = cat({at == 0 ? hex("06 09") : hex("04 14"), str(text.substr(at, 124)), hex("0a")});
    const auto e = feed(d, line);
    events.insert(events.end(), e.begin(), e.end());
  }
  ASSERT_EQ(events, std::vector<Event>{Event::packet});
  EXPECT_EQ(Bytes(d.packet().begin(), d.packet().end()), packet);
}

TEST(ConsoleFrames, BadCrcIsDropped) {
  Bytes packet = kEchoPacket;
  const std::uint16_t crc = crc16_xmodem(packet) ^ 0x0001;
  const Bytes raw = cat({hex("00 13"), packet, Bytes{static_cast<std::byte>(crc >> 8), static_cast<std::byte>(crc)}});
  Decoder<256> d;
  EXPECT_EQ(feed(d, cat({hex("06 09"), str(b64(raw)), hex("0a")})), std::vector<Event>{Event::bad_crc});
  // The decoder is ready for the next packet.
  EXPECT_EQ(feed(d, kEchoLine), std::vector<Event>{Event::packet});
}

TEST(ConsoleFrames, BadBase64IsDropped) {
  Decoder<256> d;
  Bytes line = kEchoLine;
  line[5] = std::byte{'*'};
  EXPECT_EQ(feed(d, line), std::vector<Event>{Event::bad_base64});
  line = kEchoLine;
  line.erase(line.begin() + 4);  // not a whole number of groups
  EXPECT_EQ(feed(d, line), std::vector<Event>{Event::bad_base64});
  EXPECT_EQ(feed(d, kEchoLine), std::vector<Event>{Event::packet});
}

TEST(ConsoleFrames, OverlongLineIsDropped) {
  Decoder<1024> d;
  // 06 09 + 128 base64 characters + newline: 131 bytes.
  const Bytes line = cat({hex("06 09"), str(std::string(128, 'A')), hex("0a")});
  EXPECT_EQ(feed(d, line), std::vector<Event>{Event::line_too_long});
  // Exactly 127 bytes is a line (its content is a bad length here, not a long line).
  const Bytes max = cat({hex("06 09"), str(std::string(124, 'A')), hex("0a")});
  ASSERT_EQ(max.size(), kMaxLine);
  EXPECT_EQ(feed(d, max), std::vector<Event>{Event::bad_length});
  // A long console line (no marker) is not ours.
  EXPECT_TRUE(feed(d, cat({str(std::string(500, 'x')), hex("0a")})).empty());
}

TEST(ConsoleFrames, ContinuationWithoutFirstLineIsDropped) {
  Decoder<256> d;
  const Bytes cont = cat({hex("04 14"), str("AAAA"), hex("0a")});
  EXPECT_EQ(feed(d, cont), std::vector<Event>{Event::unexpected_continuation});
}

TEST(ConsoleFrames, TruncatedPacketIsReportedWhenTheNextOneStarts) {
  Bytes packet(200, std::byte{0x5a});
  auto lines = encode(packet);
  ASSERT_EQ(lines.size(), 3u);
  Decoder<512> d;
  EXPECT_TRUE(feed(d, lines[0]).empty());
  EXPECT_TRUE(feed(d, lines[1]).empty());
  // The last line never comes; a new packet of several lines starts.
  Bytes other(200, std::byte{0xa5});
  const auto next = encode(other);
  EXPECT_EQ(feed(d, next[0]), std::vector<Event>{Event::interrupted});
  // The first packet's stray last line lands in the new packet: the CRC catches the mix.
  EXPECT_TRUE(feed(d, lines[2]).empty());
  EXPECT_EQ(feed(d, next[1]), std::vector<Event>{Event::bad_crc});
  // The new packet's own last line now has no packet to continue.
  EXPECT_EQ(feed(d, next[2]), std::vector<Event>{Event::unexpected_continuation});
  // And a clean packet still gets through.
  for (const auto& l : next) feed(d, l);
  EXPECT_EQ(Bytes(d.packet().begin(), d.packet().end()), other);
}

TEST(ConsoleFrames, InterruptedThenCompleteInOneLine) {
  Bytes big(200, std::byte{1});
  auto lines = encode(big);
  Decoder<512> d;
  EXPECT_TRUE(feed(d, lines[0]).empty());
  // A one-line packet after an incomplete one: the old one is dropped (interrupted) and the
  // new one is complete at once; the decoder reports the loss and keeps the new packet.
  EXPECT_EQ(feed(d, kEchoLine), std::vector<Event>{Event::packet});
  EXPECT_EQ(Bytes(d.packet().begin(), d.packet().end()), kEchoPacket);
}

TEST(ConsoleFrames, LengthBeyondTheBufferIsDropped) {
  Decoder<16> d;
  EXPECT_EQ(feed(d, kEchoLine), std::vector<Event>{Event::bad_length});  // 17-byte packet, 16-byte buffer
  Decoder<17> fits;
  EXPECT_EQ(feed(fits, kEchoLine), std::vector<Event>{Event::packet});
  // Length fields of 0 and 1 cannot even hold the CRC.
  for (const char* l : {"00 00", "00 01"}) {
    Decoder<64> z;
    EXPECT_EQ(feed(z, cat({hex("06 09"), str(b64(cat({hex(l), hex("00 00 00 00")}))), hex("0a")})),
              std::vector<Event>{Event::bad_length})
        << l;
  }
  Decoder<64> one;
  EXPECT_EQ(feed(one, cat({hex("06 09"), str(b64(hex("00"))), hex("0a")})), std::vector<Event>{Event::bad_length});
}

TEST(ConsoleFrames, MoreBytesThanTheLengthIsDropped) {
  Bytes packet = kEchoPacket;
  const std::uint16_t crc = crc16_xmodem(packet);
  // Length says 0x13 but three extra bytes follow the CRC.
  const Bytes raw = cat({hex("00 13"), packet, Bytes{static_cast<std::byte>(crc >> 8), static_cast<std::byte>(crc)},
                         hex("01 02 03")});
  Decoder<256> d;
  EXPECT_EQ(feed(d, cat({hex("06 09"), str(b64(raw)), hex("0a")})), std::vector<Event>{Event::overrun});
}

TEST(ConsoleFrames, EmptyPacketRoundTrips) {
  const auto lines = encode({});
  ASSERT_EQ(lines.size(), 1u);
  Decoder<8> d;
  EXPECT_EQ(feed(d, lines[0]), std::vector<Event>{Event::packet});
  EXPECT_TRUE(d.packet().empty());
}

// encode_frame (ConsoleService's answers: the packet already between room for the length and the
// CRC) writes the same lines as encode_packet, for every size around the line boundaries and up to
// the server's largest packet, and the length and CRC into the frame's room.
TEST(ConsoleFrames, FrameInPlaceWritesTheSameLinesAsACopiedPacket) {
  for (std::size_t size = 0; size <= 1024; size += (size < 200 || size > 1015) ? 1 : 7) {
    Bytes packet(size);
    for (std::size_t i = 0; i < size; ++i) packet[i] = static_cast<std::byte>(i * 7 + size);
    Bytes frame(size + 4, std::byte{0xee});
    std::copy(packet.begin(), packet.end(), frame.begin() + 2);
    std::vector<Bytes> lines;
    ASSERT_TRUE(encode_frame(std::span{frame}, [&](std::span<const std::byte> l) { lines.emplace_back(l.begin(), l.end()); }));
    ASSERT_EQ(lines, encode(packet)) << "size " << size;
    const std::uint16_t crc = crc16_xmodem(packet);
    EXPECT_EQ(frame[0], static_cast<std::byte>((size + 2) >> 8));
    EXPECT_EQ(frame[1], static_cast<std::byte>((size + 2) & 0xff));
    EXPECT_EQ(frame[size + 2], static_cast<std::byte>(crc >> 8));
    EXPECT_EQ(frame[size + 3], static_cast<std::byte>(crc & 0xff));
    EXPECT_TRUE(std::equal(packet.begin(), packet.end(), frame.begin() + 2)) << "the packet itself is not touched";
  }
}

// A frame without room for the length and the CRC, or longer than the length field describes:
// refused, nothing emitted.
TEST(ConsoleFrames, FrameWithoutRoomOrTooLongIsRefused) {
  int lines = 0;
  auto count = [&](std::span<const std::byte>) { ++lines; };
  for (std::size_t size = 0; size < 4; ++size) {
    Bytes frame(size);
    EXPECT_FALSE(encode_frame(std::span{frame}, count)) << "size " << size;
  }
  Bytes longest(0xffffu - 2 + 4);
  EXPECT_TRUE(encode_frame(std::span{longest}, count));
  const int longest_lines = lines;
  EXPECT_EQ(longest_lines, static_cast<int>((longest.size() + kMaxRawPerLine - 1) / kMaxRawPerLine));
  Bytes too_long(0xffffu - 2 + 5);
  EXPECT_FALSE(encode_frame(std::span{too_long}, count));
  EXPECT_EQ(lines, longest_lines);
}
