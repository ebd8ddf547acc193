// Attacks on the TLS transport's 512-byte packet limit (TlsService::kPacket; the console and UDP
// take 1,024), on the host: the stream reassembler at the TLS transport's size (packets at, just
// over and far over the limit, a header split over reads, pipelined packets, a header that lies),
// and the server's answers on that transport (Request::packet_limit, ConsoleService::answer): which
// answers are longer than the 512 bytes the transport advertises as buf_size, and that none is
// longer than the shared response buffer (1,024 bytes) or cut short in it.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <string>

#include "mgmt_test_util.hpp"
#include "ward/mgmt/image_group.hpp"
#include "ward/mgmt/os_group.hpp"
#include "ward/mgmt/server.hpp"
#include "ward/mgmt/stream_transport.hpp"

using namespace mgmt_test;
using namespace ward::mgmt;

namespace {

// TlsService::kPacket (tls_service.hpp is firmware only: it needs ward::tls) and
// ConsoleService::kPacket (the response buffer every transport answers from).
constexpr std::size_t kTlsPacket = 512;
constexpr std::size_t kResponse = 1024;

Bytes echo_packet(std::uint8_t seq, std::size_t text) {
  return packet(1, 2, 0, seq, 0, cat({map(1), t("d"), t(std::string(text, 'e'))}));
}

struct TlsStream : ::testing::Test {
  std::array<std::byte, kTlsPacket> buffer{};
  stream::Reassembler r{buffer};

  // Feeds `bytes` in reads of at most `step` bytes into want(), as TlsService::serve_session does.
  std::vector<Bytes> feed(const Bytes& bytes, std::size_t step, stream::Event& last, std::size_t* taken = nullptr) {
    std::vector<Bytes> packets;
    last = stream::Event::more;
    std::size_t at = 0;
    while (at < bytes.size() && last != stream::Event::error) {
      const auto space = r.want();
      EXPECT_FALSE(space.empty());
      EXPECT_LE(space.size(), kTlsPacket);
      const std::size_t n = std::min({space.size(), step, bytes.size() - at});
      std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(at), n, space.begin());
      at += n;
      last = r.commit(n);
      if (last == stream::Event::packet) {
        packets.emplace_back(r.packet().begin(), r.packet().end());
      }
    }
    if (taken != nullptr) {
      *taken = at;
    }
    return packets;
  }
};

}  // namespace

// The largest echo a 512-byte packet carries: 8 + 1 (map) + 2 ("d") + 3 (text head) + 498.
TEST_F(TlsStream, APacketOfExactlyTheLimitIsTakenWhateverTheReads) {
  const Bytes at_limit = echo_packet(1, 498);
  ASSERT_EQ(at_limit.size(), kTlsPacket);
  for (const std::size_t step : {1u, 7u, 8u, 9u, 504u, 512u, 4096u}) {
    r.reset();
    stream::Event last{};
    // Three back to back (pipelined), the reads crossing packet boundaries as TLS records do.
    const auto packets = feed(cat({at_limit, at_limit, at_limit}), step, last);
    ASSERT_EQ(packets.size(), 3u) << step;
    for (const Bytes& p : packets) {
      EXPECT_EQ(p, at_limit) << step;
    }
    EXPECT_EQ(last, stream::Event::packet);
  }
}

TEST_F(TlsStream, OneByteOverTheLimitEndsTheSessionAtTheHeader) {
  for (const std::size_t data : {505u, 516u, 1016u, 0xffffu}) {
    r.reset();
    Bytes over = packet(1, 2, 0, 1, 0, Bytes(data, std::byte{0x41}));
    stream::Event last{};
    std::size_t taken = 0;
    EXPECT_TRUE(feed(over, 4096, last, &taken).empty()) << data;
    EXPECT_EQ(last, stream::Event::error) << data;
    // Refused at the header: not one byte of the announced data was read from the session.
    EXPECT_EQ(taken, kHeaderBytes) << data;
    EXPECT_TRUE(r.want().empty());
  }
  // The same 505 bytes of data after a packet at the limit: the first is served, then the end.
  r.reset();
  stream::Event last{};
  const auto packets = feed(cat({echo_packet(1, 498), packet(1, 2, 0, 2, 0, Bytes(505, std::byte{0x41}))}), 100, last);
  EXPECT_EQ(packets.size(), 1u);
  EXPECT_EQ(last, stream::Event::error);
}

// A header whose length says less than the client sends: the rest is read as the next packet's
// header (here reserved bits: the session ends); says more: the reassembler waits for it (the TLS
// read timeout ends an idle session), nothing is served early.
TEST_F(TlsStream, AHeaderThatLiesAboutItsLength) {
  Bytes shorter = echo_packet(1, 100);
  shorter[3] = std::byte{10};  // 10 of the 106 bytes of data
  stream::Event last{};
  auto packets = feed(cat({shorter}), 13, last);
  ASSERT_EQ(packets.size(), 1u);
  EXPECT_EQ(packets[0].size(), kHeaderBytes + 10);
  // The bytes after it ('e' = 0x65: reserved bits set) are not a header.
  EXPECT_EQ(last, stream::Event::error);

  r.reset();
  Bytes longer = echo_packet(1, 100);
  longer[2] = std::byte{0x01};  // 256 + 106 announced, 106 sent
  packets = feed(longer, 4096, last);
  EXPECT_TRUE(packets.empty());
  EXPECT_EQ(last, stream::Event::more);
  EXPECT_EQ(r.want().size(), 256u);
}

namespace {

const OsInfo kLongInfo{std::string_view{"kernel-name-that-is-long"}, "node-name-that-is-long", "release-0.1.0",
                       "version-string", "2026-12-06T00:00:00", "cortex-m33", "armv8-m.main", "mps2-an505",
                       "Ward"};
const BootloaderInfo kBoot{"MCUboot", 1, true};

// Both images, both slots, the longest versions and hashes that can be listed.
struct FullSlots final : ImageSlots {
  std::size_t read(std::span<SlotState, kMaxSlots> out) override {
    for (std::size_t i = 0; i < out.size(); ++i) {
      SlotState& s = out[i];
      s.image = static_cast<std::uint32_t>(i / 2);
      s.slot = static_cast<std::uint32_t>(i % 2);
      s.version = {255, 255, 65535, 4294967295u};
      s.hash.fill(std::byte{0xab});
      s.bootable = s.pending = s.confirmed = s.active = s.permanent = true;
    }
    return out.size();
  }
  std::size_t sizes(std::span<ImageSlotSizes, kMaxImages> out) override {
    for (std::size_t i = 0; i < out.size(); ++i) {
      out[i] = {static_cast<std::uint32_t>(i), {0xffffffffu, 0xffffffffu}, 0xffffffffu};
    }
    return out.size();
  }
  ImageError set_state(std::span<const std::byte>, bool) override { return ImageError::ok; }
  ImageError erase(std::uint32_t) override { return ImageError::ok; }
};

struct NoSink final : UploadSink {
  ImageError begin(const UploadStart&, std::uint32_t&) override { return ImageError::ok; }
  ImageError write(std::uint32_t, std::span<const std::byte>) override { return ImageError::ok; }
  ImageError finish() override { return ImageError::ok; }
  void abort() override {}
};

// `n` threads with names of `name` characters.
struct ManyTasks final : TaskSource {
  explicit ManyTasks(std::size_t n, std::size_t name) : count(n), names(n) {
    for (std::size_t i = 0; i < n; ++i) names[i] = std::string(name, static_cast<char>('a' + i % 26));
  }
  bool task(std::size_t index, TaskStat& out) override {
    if (index >= count) return false;
    out.name = names[index];
    out.priority = 255;
    out.id = static_cast<std::uint32_t>(index);
    out.state = 3;
    out.stack_size = 0xfffffffcu;
    out.stack_used = 0xfffffffcu;
    return true;
  }
  std::size_t count;
  std::vector<std::string> names;
};

// One request through the server as ConsoleService::answer has it on the TLS transport: a
// 1,024-byte response buffer, the TLS limit as packet_limit. Guard bytes after the buffer catch a
// write past it.
struct Answer {
  Bytes packet;
  bool guard_intact = true;
};
Answer answer_on_tls(Server& server, const Bytes& request, std::size_t response = kResponse) {
  Bytes out(response + 64, std::byte{0xcc});
  const std::size_t n = server.handle(request, std::span{out}.first(response), kTlsPacket);
  Answer a;
  a.guard_intact = std::all_of(out.begin() + static_cast<std::ptrdiff_t>(response), out.end(),
                               [](std::byte x) { return x == std::byte{0xcc}; });
  a.packet.assign(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n));
  return a;
}

// A whole answer: a header whose length is what follows, a map that ends with its break.
void expect_whole(const Answer& a, const char* what) {
  EXPECT_TRUE(a.guard_intact) << what;
  ASSERT_GE(a.packet.size(), kHeaderBytes + 2) << what;
  EXPECT_LE(a.packet.size(), kResponse) << what;
  const auto h = parse_header(a.packet);
  ASSERT_TRUE(h.has_value()) << what;
  EXPECT_EQ(h->length, a.packet.size() - kHeaderBytes) << what;
  EXPECT_EQ(a.packet[kHeaderBytes], std::byte{0xbf}) << what;
  EXPECT_EQ(a.packet.back(), std::byte{0xff}) << what;
}

struct TlsAnswers : ::testing::Test {
  FullSlots slots;
  NoSink sink;
  ManyTasks tasks{3, 8};
  OsGroup os{kLongInfo, kBoot, BufferParams{kResponse, 1}, &tasks};
  ImageGroup image{slots, sink};
  std::array<Group*, 2> groups{&os, &image};
  Server server{groups};
};

}  // namespace

// The advertised limit is the TLS transport's; the answers are written from the shared 1,024-byte
// buffer and may be longer than 512 bytes: a client must not size its receive buffer from buf_size
// (ward-mgmt reads up to 16 KiB). These record which answers go over 512 on TLS, each whole.
TEST_F(TlsAnswers, AnswersLongerThanTheTransportsLimitAreWholeAndWithinTheResponseBuffer) {
  // mcumgr parameters: 512 on this transport.
  const Answer params = answer_on_tls(server, packet(1, 0, 0, 1, 6, {}));
  expect_whole(params, "params");
  EXPECT_EQ(params.packet, packet(1, 1, 0, 1, 6, cat({kOpenMap, t("buf_size"), u(512), t("buf_count"), u(1), kBreak})));

  // An echo of the largest text a 512-byte request carries: 513 bytes back (the answer's map is
  // indefinite: one byte more than the request's).
  const Answer echo = answer_on_tls(server, echo_packet(2, 498));
  expect_whole(echo, "echo");
  EXPECT_EQ(echo.packet.size(), kTlsPacket + 1);

  // The image state list with both images, both slots, the longest versions: over 512 bytes.
  const Answer state = answer_on_tls(server, packet(1, 0, 1, 3, 0, {}));
  expect_whole(state, "image state");
  EXPECT_GT(state.packet.size(), kTlsPacket);

  // OS info, every field: these fields (136 bytes with the spaces) are over the OS group's own
  // limit (kMaxInfoOutput, 128), answered {"rc": 7}; all but the node name fit.
  const Answer info = answer_on_tls(server, packet(1, 0, 0, 4, 7, cat({map(1), t("format"), t("a")})));
  expect_whole(info, "os info");
  EXPECT_EQ(info.packet, packet(1, 1, 0, 4, 7, cat({kOpenMap, t("rc"), u(7), kBreak})));
  const Answer most = answer_on_tls(server, packet(1, 0, 0, 4, 7, cat({map(1), t("format"), t("srvbmpio")})));
  expect_whole(most, "os info");
  EXPECT_GT(most.packet.size(), 100u);

  // Slot info, both images.
  const Answer slot_info = answer_on_tls(server, packet(1, 0, 1, 5, 6, {}));
  expect_whole(slot_info, "slot info");
  std::printf("answers on TLS (limit %zu): params %zu, echo %zu, image state %zu, os info %zu, slot info %zu\n",
              kTlsPacket, params.packet.size(), echo.packet.size(), state.packet.size(), info.packet.size(),
              slot_info.packet.size());
}

// Task statistics of many threads: over the 1,024-byte buffer, the answer is {"rc": 7}
// (message_size), whole; never cut, never past the buffer.
TEST_F(TlsAnswers, TaskStatisticsOverTheResponseBufferAnswerMessageSize) {
  for (const std::size_t n : {3u, 8u, 16u, 40u}) {
    ManyTasks many{n, 31};
    OsGroup big_os{kLongInfo, kBoot, BufferParams{kResponse, 1}, &many};
    std::array<Group*, 1> g{&big_os};
    Server s{g};
    const Answer a = answer_on_tls(s, packet(1, 0, 0, 7, 2, {}));
    expect_whole(a, "taskstat");
    const bool fits = a.packet.size() > 32;
    if (!fits) {
      EXPECT_EQ(a.packet, packet(1, 1, 0, 7, 2, cat({kOpenMap, t("rc"), u(7), kBreak}))) << n;
    }
    std::printf("task statistics of %zu threads on TLS: %zu bytes%s\n", n, a.packet.size(),
                fits ? "" : " (message_size)");
  }
}

// A transport whose response buffer were only the advertised 512 bytes: every answer above is
// refused whole ({"rc": 7}), none written past 512 bytes.
TEST_F(TlsAnswers, ASmallerResponseBufferRefusesWholeNeverOverflows) {
  for (const Bytes& req : {echo_packet(2, 498), packet(1, 0, 1, 3, 0, {})}) {
    const Answer a = answer_on_tls(server, req, kTlsPacket);
    EXPECT_TRUE(a.guard_intact);
    ASSERT_GE(a.packet.size(), kHeaderBytes);
    EXPECT_EQ(Bytes(a.packet.begin() + kHeaderBytes, a.packet.end()), cat({kOpenMap, t("rc"), u(7), kBreak}));
  }
}

// packet_limit reaches only the parameters' answer; an absurd one is clamped to SMP's 16 bits.
TEST_F(TlsAnswers, PacketLimitIsClampedAndOnlyParamsSeeIt) {
  Bytes out(kResponse);
  const Bytes req = packet(1, 0, 0, 1, 6, {});
  std::size_t n = server.handle(req, out, 0x12345);
  EXPECT_EQ(Bytes(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n)),
            packet(1, 1, 0, 1, 6, cat({kOpenMap, t("buf_size"), u(0xffff), t("buf_count"), u(1), kBreak})));
  n = server.handle(req, out);  // console, UDP: the image's figure
  EXPECT_EQ(Bytes(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n)),
            packet(1, 1, 0, 1, 6, cat({kOpenMap, t("buf_size"), u(kResponse), t("buf_count"), u(1), kBreak})));
}
