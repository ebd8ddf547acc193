// Frame intake (lib/net): every drop reason with a frame or status that must trigger it, the
// boundaries either side of each limit, and the FIFO kept in step after every drop.
#include "ward/net/frame_intake.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <deque>
#include <vector>

namespace ward::net {
namespace {

// A LAN9118 receive FIFO as QEMU fills it: a status word per frame, then the frame's bytes and
// its FCS in little-endian words.
struct FakeFifo {
  std::deque<std::uint32_t> status;
  std::deque<std::uint32_t> data;
  int flushes = 0;
  int underflows = 0;

  std::uint32_t pop_status() {
    if (status.empty()) return 0;
    const auto v = status.front();
    status.pop_front();
    return v;
  }
  std::uint32_t pop_data() {
    if (data.empty()) {
      ++underflows;
      return 0;
    }
    const auto v = data.front();
    data.pop_front();
    return v;
  }
  void flush() {
    ++flushes;
    status.clear();
    data.clear();
  }

  // Pushes a frame of `bytes` (filled with `fill`, source address unicast) with extra status flags.
  void push(std::size_t bytes, std::uint32_t flags = 0, std::uint8_t fill = 0x42) {
    std::vector<std::uint8_t> f(bytes + kFcsBytes, fill);
    if (bytes > 6) f[6] = 0x02;  // locally administered unicast source
    push_raw(f, static_cast<std::uint32_t>(f.size()) << rx_status::kLengthShift | flags);
  }
  void push_raw(const std::vector<std::uint8_t>& with_fcs, std::uint32_t status_word) {
    status.push_back(status_word);
    for (std::size_t i = 0; i < with_fcs.size(); i += 4) {
      std::uint32_t w = 0;
      for (std::size_t b = 0; b < 4 && i + b < with_fcs.size(); ++b) w |= std::uint32_t{with_fcs[i + b]} << (8 * b);
      data.push_back(w);
    }
  }
};

struct IntakeTest : testing::Test {
  FakeFifo fifo;
  IntakeCounters counters;
  alignas(4) std::array<std::byte, kRxBufferBytes> buffer{};
  Received receive() { return receive_one(fifo, buffer, counters); }
};

TEST_F(IntakeTest, AcceptsAFullSizeFrame) {
  fifo.push(kMaxFrameBytes);
  const auto r = receive();
  EXPECT_EQ(r.drop, Drop::none);
  EXPECT_EQ(r.bytes, kMaxFrameBytes);
  EXPECT_EQ(counters.accepted, 1u);
  EXPECT_TRUE(fifo.data.empty());
}

TEST_F(IntakeTest, AcceptsRuntsDownToAWholeHeader) {
  for (std::size_t n : {std::size_t{14}, std::size_t{15}, std::size_t{46}, std::size_t{59}, std::size_t{60}}) {
    fifo.push(n, rx_status::kRunt | rx_status::kErrorSummary);  // the runt flag alone is no error
    const auto r = receive();
    EXPECT_EQ(r.drop, Drop::none) << n;
    EXPECT_EQ(r.bytes, n);
  }
  EXPECT_EQ(counters.accepted, 5u);
  EXPECT_TRUE(fifo.data.empty());
}

TEST_F(IntakeTest, CopiesTheFrameByteExact) {
  std::vector<std::uint8_t> f(46 + kFcsBytes);
  for (std::size_t i = 0; i < f.size(); ++i) f[i] = static_cast<std::uint8_t>(i * 7 + 1);
  f[6] = 0x00;
  fifo.push_raw(f, static_cast<std::uint32_t>(f.size()) << rx_status::kLengthShift);
  const auto r = receive();
  ASSERT_EQ(r.bytes, 46u);
  for (std::size_t i = 0; i < 46; ++i) EXPECT_EQ(std::to_integer<std::uint8_t>(buffer[i]), f[i]) << i;
}

TEST_F(IntakeTest, DropsFramesWithoutAWholeHeader) {
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{13}}) fifo.push(n);
  fifo.status.push_back(3u << rx_status::kLengthShift);  // shorter than its own FCS
  fifo.data.push_back(0);
  fifo.push(14);  // the frame after them is still found
  for (int i = 0; i < 4; ++i) EXPECT_EQ(receive().drop, Drop::too_short);
  EXPECT_EQ(receive().drop, Drop::none);
  EXPECT_EQ(counters.too_short, 4u);
  EXPECT_EQ(counters.accepted, 1u);
  EXPECT_EQ(fifo.underflows, 0);
}

TEST_F(IntakeTest, DropsFramesOverTheMaximum) {
  fifo.push(kMaxFrameBytes + 1);
  fifo.push(2047);
  fifo.push(20);
  EXPECT_EQ(receive().drop, Drop::too_long);
  EXPECT_EQ(receive().drop, Drop::too_long);
  EXPECT_EQ(receive().bytes, 20u);
  EXPECT_EQ(counters.too_long, 2u);
  EXPECT_EQ(fifo.underflows, 0);
}

TEST_F(IntakeTest, DropsFramesWithReceiveErrors) {
  for (auto flag : {rx_status::kCrcError, rx_status::kMiiError, rx_status::kCollision, rx_status::kWatchdog,
                    rx_status::kTooLong}) {
    fifo.push(100, flag | rx_status::kErrorSummary);
    EXPECT_EQ(receive().drop, Drop::error) << flag;
  }
  EXPECT_EQ(counters.error, 5u);
  EXPECT_EQ(counters.accepted, 0u);
  EXPECT_TRUE(fifo.data.empty());
}

TEST_F(IntakeTest, DropsFramesTheAddressFilterRejected) {
  fifo.push(64, rx_status::kFilterFail);
  EXPECT_EQ(receive().drop, Drop::filtered);
  EXPECT_EQ(counters.filtered, 1u);
}

TEST_F(IntakeTest, DropsAMulticastSource) {
  std::vector<std::uint8_t> f(64 + kFcsBytes, 0);
  f[6] = 0x01;
  fifo.push_raw(f, static_cast<std::uint32_t>(f.size()) << rx_status::kLengthShift);
  const auto r = receive();
  EXPECT_EQ(r.drop, Drop::bad_source);
  EXPECT_EQ(r.bytes, 0u);
  EXPECT_EQ(counters.bad_source, 1u);
}

TEST_F(IntakeTest, FlushesOnALengthNoFifoCouldHold) {
  fifo.push(64);
  fifo.status.front() = rx_status::kLengthMask << rx_status::kLengthShift;
  const auto r = receive();
  EXPECT_EQ(r.drop, Drop::malformed);
  EXPECT_EQ(fifo.flushes, 1);
  EXPECT_EQ(counters.malformed, 1u);
  EXPECT_EQ(fifo.underflows, 0);
}

TEST_F(IntakeTest, ASmallBufferIsNeverOverrun) {
  fifo.push(200);
  std::array<std::byte, 64> small{};
  const auto r = receive_one(fifo, small, counters);
  EXPECT_EQ(r.drop, Drop::too_long);
  EXPECT_TRUE(fifo.data.empty());
}

TEST(IntakeCounters, DroppedIsTheSumOfEveryReason) {
  IntakeCounters c;
  for (auto d : {Drop::none, Drop::too_short, Drop::too_long, Drop::error, Drop::filtered, Drop::bad_source,
                 Drop::malformed}) {
    c.count(d);
  }
  EXPECT_EQ(c.accepted, 1u);
  EXPECT_EQ(c.dropped(), 6u);
}

}  // namespace
}  // namespace ward::net
