// SMP over UDP (udp_transport.hpp): one datagram, one packet. What a datagram that is not exactly one
// well-formed request gets: a truncated or oversized datagram is dropped, a length field that
// differs from the datagram is answered rc 3, a replayed upload chunk is refused by the image group.
#include <gtest/gtest.h>

#include <array>

#include "mgmt_test_util.hpp"
#include "ward/mgmt/os_group.hpp"
#include "ward/mgmt/udp_transport.hpp"

using namespace mgmt_test;
using namespace ward::mgmt;

namespace {

const OsInfo kInfo{"Ward", "dev1", "0.9.0", "abc123", "now", "cortex-m33", "armv8-m.main", "mps2-an505", "Ward"};
const BootloaderInfo kBoot{"MCUboot", 1, true};
constexpr std::size_t kMax = 1024;

struct UdpFixture : ::testing::Test {
  OsGroup os{kInfo, kBoot, BufferParams{kMax, 1}};
  std::array<Group*, 1> groups{&os};
  Server server{groups};

  // The datagram as received in full.
  Bytes serve(const Bytes& datagram) { return serve(datagram, datagram.size()); }
  // The first received.size() bytes of a datagram of `size` bytes.
  Bytes serve(const Bytes& received, std::size_t size) {
    Bytes response(kMax);
    response.resize(udp::serve(server, received, size, response, kMax));
    return response;
  }
  static Bytes echo(std::uint8_t seq, std::string_view text) {
    return packet(1, 2, 0, seq, 0, cat({map(1), t("d"), t(text)}));
  }
};

}  // namespace

TEST_F(UdpFixture, AnswersOneRequestPerDatagram) {
  const Bytes answer = serve(echo(9, "over udp"));
  ASSERT_GE(answer.size(), kHeaderBytes);
  const auto h = parse_header(answer);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->op, 3);
  EXPECT_EQ(h->sequence, 9);
  EXPECT_EQ(h->length, answer.size() - kHeaderBytes);
  EXPECT_EQ(udp::kPort, 1337);
}

TEST_F(UdpFixture, DropsATruncatedDatagram) {
  // A datagram larger than the receive buffer: what was received may look like a whole request
  // (here: a complete echo), but it is not what was sent. Dropped, not parsed.
  const Bytes whole = echo(1, "abc");
  EXPECT_TRUE(serve(whole, whole.size() + 1).empty());
  EXPECT_TRUE(serve(whole, whole.size() + 60000).empty());
  EXPECT_FALSE(serve(whole, whole.size()).empty());
}

TEST_F(UdpFixture, DropsADatagramLargerThanAPacket) {
  const Bytes big = echo(2, std::string(kMax, 'x'));
  ASSERT_GT(big.size(), kMax);
  EXPECT_TRUE(serve(big).empty());
}

TEST_F(UdpFixture, DropsWhatTheServerDrops) {
  EXPECT_TRUE(serve(Bytes{}).empty());                            // empty datagram
  EXPECT_TRUE(serve(hex("0a 00 00 00 00 00 00")).empty());        // shorter than a header
  EXPECT_TRUE(serve(packet(1, 3, 0, 1, 0, Bytes{})).empty());    // a response: never answered
}

TEST_F(UdpFixture, AnswersALengthMismatchWithAnError) {
  // Two requests packed in one datagram, or a header that says more than was sent: rc 3.
  Bytes two = cat({echo(3, "a"), echo(4, "b")});
  Bytes answer = serve(two);
  ASSERT_GT(answer.size(), kHeaderBytes);
  EXPECT_EQ(Bytes(answer.begin() + kHeaderBytes, answer.end()), cat({kOpenMap, t("rc"), u(3), kBreak}));
  Bytes cut = echo(5, "abcdef");
  cut.resize(cut.size() - 2);  // a truncated request that arrived whole as a shorter datagram
  answer = serve(cut);
  ASSERT_GT(answer.size(), kHeaderBytes);
  EXPECT_EQ(Bytes(answer.begin() + kHeaderBytes, answer.end()), cat({kOpenMap, t("rc"), u(3), kBreak}));
}

// The check UdpService makes before it hands a datagram to the server (it calls the server itself,
// through the console transport's answer()): the same function serve() starts with.
TEST(UdpAccepts, OnlyAWholeDatagramWithinThePacketLimit) {
  EXPECT_TRUE(udp::accepts(1024, 1024, 1024));
  EXPECT_TRUE(udp::accepts(8, 8, 1024));
  EXPECT_FALSE(udp::accepts(1025, 1025, 1024));  // oversized
  EXPECT_FALSE(udp::accepts(512, 513, 1024));    // truncated
  EXPECT_FALSE(udp::accepts(1024, 2048, 1024));  // truncated and oversized
}
