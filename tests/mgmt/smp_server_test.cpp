// The SMP header, the server's dispatch and error forms, and the OS group, with byte sequences
// written from Zephyr's SMP specification (smp_protocol, smp_group_0).
#include <gtest/gtest.h>

#include <array>

#include "mgmt_test_util.hpp"
#include "ward/mgmt/os_group.hpp"
#include "ward/mgmt/server.hpp"

using namespace mgmt_test;
using namespace ward::mgmt;

namespace {

const OsInfo kInfo{"Ward", "dev1", "0.9.0", "abc123", "2026-12-05T00:00:00", "cortex-m33", "armv8-m.main",
                   "mps2-an505", "Ward"};
const BootloaderInfo kBoot{"MCUboot", 3, true};

struct OsFixture : ::testing::Test {
  OsGroup os{kInfo, kBoot, BufferParams{1024, 2}};
  std::array<Group*, 1> groups{&os};
  Server server{groups};
};

// {"rc": n} as the server writes it (an indefinite-length map).
Bytes rc(std::uint64_t n) { return cat({kOpenMap, t("rc"), u(n), kBreak}); }
Bytes err(std::uint16_t group, std::uint64_t n) {
  return cat({kOpenMap, t("err"), kOpenMap, t("group"), u(group), t("rc"), u(n), kBreak, kBreak});
}

}  // namespace

TEST(SmpHeader, ParsesTheSpecificationsLayout) {
  // SMP 2 write, flags 0, length 0x0102, group 0x0040, sequence 0x7f, command 9.
  const auto h = parse_header(hex("0a 00 01 02 00 40 7f 09"));
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->op, 2);
  EXPECT_EQ(h->version, 1);
  EXPECT_EQ(h->flags, 0);
  EXPECT_EQ(h->length, 0x0102);
  EXPECT_EQ(h->group, 0x0040);
  EXPECT_EQ(h->sequence, 0x7f);
  EXPECT_EQ(h->id, 9);
  const auto again = encode_header(*h);
  EXPECT_EQ(Bytes(again.begin(), again.end()), hex("0a 00 01 02 00 40 7f 09"));
}

TEST(SmpHeader, RefusesShortInputAndReservedBits) {
  EXPECT_FALSE(parse_header(hex("0a 00 00 00 00 00 00")).has_value());
  EXPECT_FALSE(parse_header(hex("")).has_value());
  for (const char* b0 : {"20", "40", "80", "e2"}) {
    auto bytes = hex("00 00 00 00 00 00 00 00");
    bytes[0] = hex(b0)[0];
    EXPECT_FALSE(parse_header(bytes).has_value()) << b0;
  }
}

TEST(SmpHeader, EncodesBigEndianAndMasksFields) {
  Header h{.op = 3, .version = 1, .flags = 0, .length = 0xabcd, .group = 0x1234, .sequence = 0xff, .id = 0x80};
  const auto e = encode_header(h);
  EXPECT_EQ(Bytes(e.begin(), e.end()), hex("0b 00 ab cd 12 34 ff 80"));
  h.op = 0xff;  // out-of-range values cannot reach the reserved bits
  h.version = 0xff;
  EXPECT_EQ(std::to_integer<unsigned>(encode_header(h)[0]), 0x1fu);
}

TEST_F(OsFixture, EchoWriteSmp1) {
  // Request: write, group 0, seq 0x42, command 0, {"d": "hello"}.
  const Bytes req = hex("02 00 00 09 00 00 42 00 a1 61 64 65 68 65 6c 6c 6f");
  EXPECT_EQ(roundtrip(server, req), hex("03 00 00 0a 00 00 42 00 bf 61 72 65 68 65 6c 6c 6f ff"));
}

TEST_F(OsFixture, EchoReadSmp2KeepsVersionAndSequence) {
  const Bytes req = packet(1, 0, 0, 0xee, 0, cat({map(1), t("d"), t("")}));
  EXPECT_EQ(roundtrip(server, req), packet(1, 1, 0, 0xee, 0, cat({kOpenMap, t("r"), t(""), kBreak})));
}

TEST_F(OsFixture, EchoWithoutTextIsInvalid) {
  EXPECT_EQ(roundtrip(server, packet(0, 2, 0, 1, 0, cat({map(0)}))), packet(0, 3, 0, 0x01, 0, rc(3)));
  EXPECT_EQ(roundtrip(server, packet(0, 2, 0, 1, 0, cat({map(1), t("d"), u(5)}))),
            packet(0, 3, 0, 0x01, 0, rc(3)));
  // The same key twice is ambiguous: refused.
  EXPECT_EQ(roundtrip(server, packet(0, 2, 0, 1, 0, cat({map(2), t("d"), t("a"), t("d"), t("b")}))),
            packet(0, 3, 0, 0x01, 0, rc(3)));
  // An indefinite-length (chunked) string is not read in place: refused.
  EXPECT_EQ(roundtrip(server, packet(0, 2, 0, 1, 0, cat({map(1), t("d"), hex("7f 61 61 ff")}))),
            packet(0, 3, 0, 0x01, 0, rc(3)));
}

TEST_F(OsFixture, MalformedCborIsInvalid) {
  const Bytes bad[] = {
      hex("a1 61 64"),                            // truncated map
      hex("01"),                                  // not a map
      cat({map(1), t("d"), t("x"), hex("00")}),   // bytes after the map
      cat({map(1), u(1), t("x")}),                // key not text
      cat({map(1), t("d"), hex("65 68 65")}),     // string longer than the packet
      cat({map(1), t("x"), hex("81 81 81 81 81 81 81 81 81 81 01")}),  // nested deeper than the bound
      hex("ff"),                                  // a break with nothing open
  };
  for (const auto& payload : bad) {
    EXPECT_EQ(roundtrip(server, packet(0, 0, 0, 9, 0, payload)), packet(0, 1, 0, 0x09, 0, rc(3)));
  }
}

TEST_F(OsFixture, UnknownKeysAreSkipped) {
  const Bytes req = packet(0, 0, 0, 3, 0, cat({map(2), t("x"), hex("a1 61 79 82 01 02"), t("d"), t("ok")}));
  EXPECT_EQ(roundtrip(server, req), packet(0, 1, 0, 0x03, 0, cat({kOpenMap, t("r"), t("ok"), kBreak})));
}

TEST_F(OsFixture, UnknownGroupCommandOrOpIsNotSupported) {
  // group 64
  EXPECT_EQ(roundtrip(server, packet(0, 0, 64, 7, 0, {})), packet(0, 1, 64, 0x07, 0, rc(8)));
  // command 99 of group 0
  EXPECT_EQ(roundtrip(server, packet(0, 0, 0, 7, 99, {})), packet(0, 1, 0, 0x07, 99, rc(8)));
  // parameters take no write
  EXPECT_EQ(roundtrip(server, packet(1, 2, 0, 7, 6, {})), packet(1, 3, 0, 0x07, 6, rc(8)));
}

TEST_F(OsFixture, ResponsesAndUndefinedOpsAreDropped) {
  EXPECT_TRUE(roundtrip(server, packet(0, 1, 0, 1, 0, {})).empty());
  EXPECT_TRUE(roundtrip(server, packet(0, 3, 0, 1, 0, {})).empty());
  for (unsigned op = 4; op < 8; ++op) {
    EXPECT_TRUE(roundtrip(server, packet(0, op, 0, 1, 0, {})).empty()) << op;
  }
  EXPECT_TRUE(roundtrip(server, hex("00 00 00 00 00 00 00")).empty());  // shorter than a header
  EXPECT_TRUE(roundtrip(server, hex("80 00 00 00 00 00 00 00")).empty());  // reserved bit
}

TEST_F(OsFixture, VersionTooNewIsAnsweredAsSmp2) {
  EXPECT_EQ(roundtrip(server, packet(2, 0, 0, 5, 0, {})), packet(1, 1, 0, 0x05, 0, rc(13)));
  EXPECT_EQ(roundtrip(server, packet(3, 2, 0, 5, 0, {})), packet(1, 3, 0, 0x05, 0, rc(13)));
}

TEST_F(OsFixture, LengthMismatchIsInvalid) {
  Bytes req = hex("02 00 00 09 00 00 42 00 a1 61 64 65 68 65 6c 6c 6f");
  req[3] = std::byte{0x08};  // says one byte fewer than follow
  EXPECT_EQ(roundtrip(server, req), packet(0, 3, 0, 0x42, 0, rc(3)));
  req[3] = std::byte{0x0a};  // says one byte more (a truncated packet)
  EXPECT_EQ(roundtrip(server, req), packet(0, 3, 0, 0x42, 0, rc(3)));
  req[2] = std::byte{0xff};  // far more than any buffer
  EXPECT_EQ(roundtrip(server, req), packet(0, 3, 0, 0x42, 0, rc(3)));
}

TEST_F(OsFixture, OversizedResponseAnswersMessageSize) {
  const std::string text(200, 'x');
  const Bytes req = packet(0, 2, 0, 1, 0, cat({map(1), t("d"), t(text)}));
  EXPECT_EQ(roundtrip(server, req, 64), packet(0, 3, 0, 0x01, 0, rc(7)));
  // The same request with room for the answer echoes it.
  EXPECT_EQ(roundtrip(server, req, 256).size(), 8u + 1 + 2 + 2 + 200 + 1);
  // A buffer that cannot hold even an error: no response.
  EXPECT_TRUE(roundtrip(server, req, kMinResponseBytes - 1).empty());
}

TEST_F(OsFixture, McumgrParameters) {
  EXPECT_EQ(roundtrip(server, packet(0, 0, 0, 2, 6, {})),
            packet(0, 1, 0, 0x02, 6, cat({kOpenMap, t("buf_size"), u(1024), t("buf_count"), u(2), kBreak})));
}

// A transport with a packet limit of its own (the TLS transport's 512 bytes) has mcumgr parameters
// answer it, so a client sizes its packets for that transport; the other requests are served as
// without it.
TEST_F(OsFixture, McumgrParametersAnswerTheTransportsOwnLimit) {
  const Bytes req = packet(0, 0, 0, 3, 6, {});
  Bytes out(1024);
  std::size_t n = server.handle(req, out, 512);
  EXPECT_EQ(Bytes(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n)),
            packet(0, 1, 0, 0x03, 6, cat({kOpenMap, t("buf_size"), u(512), t("buf_count"), u(2), kBreak})));
  // Without one: the image's figure.
  n = server.handle(req, out, 0);
  EXPECT_EQ(Bytes(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n)),
            packet(0, 1, 0, 0x03, 6, cat({kOpenMap, t("buf_size"), u(1024), t("buf_count"), u(2), kBreak})));
  const Bytes echo = packet(0, 2, 0, 4, 0, cat({map(1), t("d"), t("hi")}));
  n = server.handle(echo, out, 512);
  EXPECT_EQ(Bytes(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n)),
            packet(0, 3, 0, 0x04, 0, cat({kOpenMap, t("r"), t("hi"), kBreak})));
}

TEST_F(OsFixture, OsInfoDefaultAllAndOrder) {
  auto info = [&](std::string_view format) {
    const Bytes payload = format.empty() ? Bytes{} : cat({map(1), t("format"), t(format)});
    const Bytes resp = roundtrip(server, packet(0, 0, 0, 4, 7, payload));
    return Bytes(resp.begin() + 8, resp.end());
  };
  auto output = [](std::string_view s) { return cat({kOpenMap, t("output"), t(s), kBreak}); };
  EXPECT_EQ(info(""), output("Ward"));
  EXPECT_EQ(info("vs"), output("Ward abc123"));  // always in the specification's order
  EXPECT_EQ(info("i"), output("mps2-an505"));
  EXPECT_EQ(info("a"), output("Ward dev1 0.9.0 abc123 2026-12-05T00:00:00 cortex-m33 armv8-m.main mps2-an505 Ward"));
}

TEST_F(OsFixture, OsInfoUnknownLetterIsAGroupError) {
  const Bytes payload = cat({map(1), t("format"), t("sx")});
  EXPECT_EQ(roundtrip(server, packet(1, 0, 0, 4, 7, payload)), packet(1, 1, 0, 0x04, 7, err(0, 2)));
  EXPECT_EQ(roundtrip(server, packet(0, 0, 0, 4, 7, payload)), packet(0, 1, 0, 0x04, 7, rc(3)));
}

TEST_F(OsFixture, OsInfoTooLongAnswersMessageSize) {
  const std::string node(OsGroup::kMaxInfoOutput, 'n');
  OsInfo big = kInfo;
  big.node_name = node;
  OsGroup os2{big, kBoot, {}};
  std::array<Group*, 1> g{&os2};
  Server s{g};
  const Bytes resp = roundtrip(s, packet(0, 0, 0, 4, 7, cat({map(1), t("format"), t("sn")})), 1024);
  EXPECT_EQ(resp, packet(0, 1, 0, 0x04, 7, rc(7)));
}

TEST_F(OsFixture, BootloaderInfo) {
  EXPECT_EQ(roundtrip(server, packet(0, 0, 0, 1, 8, {})),
            packet(0, 1, 0, 0x01, 8, cat({kOpenMap, t("bootloader"), t("MCUboot"), kBreak})));
  EXPECT_EQ(roundtrip(server, packet(0, 0, 0, 1, 8, cat({map(1), t("query"), t("mode")}))),
            packet(0, 1, 0, 0x01, 8, cat({kOpenMap, t("mode"), u(3), t("no-downgrade"), kTrue, kBreak})));
  EXPECT_EQ(roundtrip(server, packet(1, 0, 0, 1, 8, cat({map(1), t("query"), t("colour")}))),
            packet(1, 1, 0, 0x01, 8, err(0, 3)));
}

namespace {
struct TwoTasks final : TaskSource {
  bool task(std::size_t index, TaskStat& out) override {
    if (index >= 2) return false;
    out = index == 0 ? TaskStat{"main", 10, 1, 2, 400, 4096} : TaskStat{"idle", 0, 2, 1, 64, 256};
    return true;
  }
};
}  // namespace

TEST(OsGroupTasks, TaskStatListsTheSourcesThreadsInWords) {
  TwoTasks tasks;
  OsGroup os{kInfo, kBoot, {}, &tasks};
  std::array<Group*, 1> g{&os};
  Server s{g};
  auto entry = [](std::uint64_t prio, std::uint64_t tid, std::uint64_t state, std::uint64_t use, std::uint64_t size) {
    return cat({kOpenMap, t("prio"), u(prio), t("tid"), u(tid), t("state"), u(state), t("stkuse"), u(use),
                t("stksiz"), u(size), t("cswcnt"), u(0), t("runtime"), u(0), t("last_checkin"), u(0),
                t("next_checkin"), u(0), kBreak});
  };
  const Bytes body = cat({kOpenMap, t("tasks"), kOpenMap, t("main"), entry(10, 1, 2, 100, 1024), t("idle"),
                          entry(0, 2, 1, 16, 64), kBreak, kBreak});
  EXPECT_EQ(roundtrip(s, packet(1, 0, 0, 3, 2, {}), 1024), packet(1, 1, 0, 3, 2, body));
  // Read only; a request with data of the wrong shape is invalid.
  EXPECT_EQ(roundtrip(s, packet(1, 2, 0, 3, 2, {})), packet(1, 3, 0, 3, 2, rc(8)));
  EXPECT_EQ(roundtrip(s, packet(1, 0, 0, 3, 2, hex("80"))), packet(1, 1, 0, 3, 2, rc(3)));
}

TEST_F(OsFixture, TaskStatWithoutASourceIsNotSupported) {
  EXPECT_EQ(roundtrip(server, packet(1, 0, 0, 3, 2, {})), packet(1, 1, 0, 3, 2, rc(8)));
}

TEST_F(OsFixture, ResetIsAnsweredFirstAndRecordedOnce) {
  EXPECT_FALSE(os.take_reset());
  EXPECT_EQ(roundtrip(server, packet(1, 2, 0, 4, 5, {})), packet(1, 3, 0, 4, 5, cat({kOpenMap, kBreak})));
  EXPECT_TRUE(os.take_reset());
  EXPECT_FALSE(os.take_reset());
  EXPECT_EQ(roundtrip(server, packet(1, 2, 0, 5, 5, cat({map(1), t("force"), kTrue}))),
            packet(1, 3, 0, 5, 5, cat({kOpenMap, kBreak})));
  EXPECT_TRUE(os.take_reset());
  // A read, or a malformed request, resets nothing.
  EXPECT_EQ(roundtrip(server, packet(1, 0, 0, 6, 5, {})), packet(1, 1, 0, 6, 5, rc(8)));
  EXPECT_EQ(roundtrip(server, packet(1, 2, 0, 6, 5, cat({map(1), t("force"), u(1)}))), packet(1, 3, 0, 6, 5, rc(3)));
  EXPECT_FALSE(os.take_reset());
}
