// SMP over a byte stream (stream_transport.hpp): packets back to back, reassembled whatever the
// reads' sizes; a header with reserved bits or a length the buffer cannot hold ends the stream
// before anything of that packet reaches the server; a stream cut inside a packet delivers nothing.
#include <gtest/gtest.h>

#include <array>

#include "mgmt_test_util.hpp"
#include "ward/mgmt/os_group.hpp"
#include "ward/mgmt/stream_transport.hpp"

using namespace mgmt_test;
using namespace ward::mgmt;

namespace {

Bytes echo(std::uint8_t seq, std::string_view text) { return packet(1, 2, 0, seq, 0, cat({map(1), t("d"), t(text)})); }

struct StreamFixture : ::testing::Test {
  std::array<std::byte, 64> buffer{};
  stream::Reassembler r{buffer};

  // Feeds `bytes` in reads of at most `step` bytes, as a transport does (into want()).
  std::vector<Bytes> feed(const Bytes& bytes, std::size_t step, stream::Event& last) {
    std::vector<Bytes> packets;
    last = stream::Event::more;
    for (std::size_t at = 0; at < bytes.size() && last != stream::Event::error;) {
      const auto space = r.want();
      const std::size_t n = std::min({space.size(), step, bytes.size() - at});
      std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(at), n, space.begin());
      at += n;
      last = r.commit(n);
      if (last == stream::Event::packet) {
        packets.emplace_back(r.packet().begin(), r.packet().end());
      }
    }
    return packets;
  }
};

}  // namespace

TEST_F(StreamFixture, TakesPacketsBackToBackWhateverTheReadSizes) {
  const Bytes a = echo(1, "first");
  const Bytes b = packet(0, 0, 1, 2, 0, {});  // no data at all
  const Bytes c = echo(3, std::string(40, 'x'));
  for (std::size_t step : {1u, 3u, 8u, 13u, 200u}) {
    r.reset();
    stream::Event last{};
    const auto packets = feed(cat({a, b, c}), step, last);
    ASSERT_EQ(packets.size(), 3u) << step;
    EXPECT_EQ(packets[0], a);
    EXPECT_EQ(packets[1], b);
    EXPECT_EQ(packets[2], c);
    EXPECT_EQ(last, stream::Event::packet);
  }
}

TEST_F(StreamFixture, NeverAsksForMoreThanThePacketLacks) {
  const Bytes a = echo(1, "abc");
  EXPECT_EQ(r.want().size(), kHeaderBytes);
  std::size_t used = 0;
  EXPECT_EQ(r.push(std::span{a}.first(5), used), stream::Event::more);
  EXPECT_EQ(r.want().size(), kHeaderBytes - 5);
  EXPECT_EQ(r.push(std::span{a}.subspan(5, 3), used), stream::Event::more);
  EXPECT_EQ(r.want().size(), a.size() - kHeaderBytes);
  // Two packets in one buffer: the first is taken, the second left to the next push.
  const Bytes two = cat({Bytes(a.begin() + kHeaderBytes, a.end()), echo(2, "x")});
  EXPECT_EQ(r.push(two, used), stream::Event::packet);
  EXPECT_EQ(used, a.size() - kHeaderBytes);
  EXPECT_EQ(Bytes(r.packet().begin(), r.packet().end()), a);
}

TEST_F(StreamFixture, ALengthOverTheBufferEndsTheStream) {
  // 56 bytes of data fill the 64-byte buffer exactly; 57 do not.
  Bytes fits = packet(0, 2, 0, 1, 0, Bytes(56, std::byte{0x41}));
  stream::Event last{};
  EXPECT_EQ(feed(fits, 64, last).size(), 1u);
  r.reset();
  Bytes over = packet(0, 2, 0, 1, 0, Bytes(57, std::byte{0x41}));
  EXPECT_TRUE(feed(over, 64, last).empty());
  EXPECT_EQ(last, stream::Event::error);
  EXPECT_TRUE(r.failed());
  // Refused at the header: the announced length is never waited for.
  r.reset();
  const Bytes header_only(over.begin(), over.begin() + kHeaderBytes);
  EXPECT_TRUE(feed(header_only, 64, last).empty());
  EXPECT_EQ(last, stream::Event::error);
  // After an error, nothing more is taken until reset().
  EXPECT_TRUE(r.want().empty());
  EXPECT_EQ(r.commit(0), stream::Event::error);
  std::size_t used = 0;
  EXPECT_EQ(r.push(echo(1, "a"), used), stream::Event::error);
  r.reset();
  EXPECT_EQ(feed(echo(1, "a"), 64, last).size(), 1u);
}

TEST_F(StreamFixture, GarbageEndsTheStream) {
  // Reserved bits set (a TLS ClientHello or HTTP on the port reads as one): refused at the header.
  stream::Event last{};
  const Bytes tls_hello = hex("160301020001");
  EXPECT_TRUE(feed(cat({tls_hello, Bytes(10, std::byte{0})}), 64, last).empty());
  EXPECT_EQ(last, stream::Event::error);
  r.reset();
  const std::string_view http = "GET / HTTP/1.1\r\n\r\n";
  const Bytes text(reinterpret_cast<const std::byte*>(http.data()),
                   reinterpret_cast<const std::byte*>(http.data()) + http.size());
  EXPECT_TRUE(feed(text, 64, last).empty());
  EXPECT_EQ(last, stream::Event::error);
}

TEST_F(StreamFixture, AShortStreamDeliversNothingOfItsLastPacket) {
  const Bytes a = echo(1, "whole");
  const Bytes b = echo(2, "cut");
  stream::Event last{};
  const auto packets = feed(cat({a, Bytes(b.begin(), b.end() - 1)}), 7, last);
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_EQ(last, stream::Event::more);
}

TEST_F(StreamFixture, CommittingMoreThanWantedIsAnError) {
  (void)r.want();
  EXPECT_EQ(r.commit(kHeaderBytes + 1), stream::Event::error);
  std::array<std::byte, 4> tiny{};
  stream::Reassembler small{tiny};  // cannot hold a header
  EXPECT_TRUE(small.want().empty());
  EXPECT_EQ(small.commit(0), stream::Event::error);
}

TEST_F(StreamFixture, FeedsTheServerLikeTheUdpTransport) {
  const OsInfo info{"Ward", "dev1", "0.9.0", "abc123", "now", "cortex-m33", "armv8-m.main", "mps2-an505", "Ward"};
  const BootloaderInfo boot{"MCUboot", 1, true};
  OsGroup os{info, boot, BufferParams{64, 1}};
  std::array<Group*, 1> groups{&os};
  Server server{groups};
  stream::Event last{};
  const auto packets = feed(cat({echo(4, "one"), echo(5, "two")}), 5, last);
  ASSERT_EQ(packets.size(), 2u);
  for (std::uint8_t i = 0; i < 2; ++i) {
    Bytes response(64);
    response.resize(server.handle(packets[i], response));
    const auto h = parse_header(response);
    ASSERT_TRUE(h.has_value());
    EXPECT_EQ(h->sequence, 4 + i);
    EXPECT_EQ(h->op, 3);
  }
}
