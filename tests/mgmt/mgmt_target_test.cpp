// The SMP server core on the target (Cortex-M33, QEMU mps2-an505): requests arrive as console
// lines, go through the decoder, the server and the encoder, and the answers are decoded again as
// a client would; the bytes are the ones the host tests derive from the specification. Everything
// is statically allocated, as on a product.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <span>

#include "ward/mgmt/console_transport.hpp"
#include "ward/mgmt/image_group.hpp"
#include "ward/mgmt/os_group.hpp"
#include "ward/mgmt/server.hpp"
#include "ward/test.hpp"

namespace {
using namespace ward::mgmt;

constexpr std::size_t kPacket = 512;

struct NoSlots final : ImageSlots {
  std::size_t read(std::span<SlotState, kMaxSlots> /*out*/) override { return 0; }
  ImageError set_state(std::span<const std::byte> /*hash*/, bool /*confirm*/) override { return ImageError::no_image; }
  ImageError erase(std::uint32_t /*slot*/) override { return ImageError::ok; }
  std::size_t sizes(std::span<ImageSlotSizes, kMaxImages> /*out*/) override { return 0; }
};

// A 2 KiB slot in RAM that accepts only the next contiguous bytes.
struct RamSink final : UploadSink {
  std::array<std::byte, 2048> slot{};
  std::uint32_t length = 0;
  std::uint32_t written = 0;
  bool finished = false;
  bool misuse = false;
  ImageError begin(const UploadStart& s, std::uint32_t& /*resume_at*/) override {
    if (s.length > slot.size()) return ImageError::invalid_image_too_large;
    length = s.length;
    written = 0;
    return ImageError::ok;
  }
  ImageError write(std::uint32_t offset, std::span<const std::byte> data) override {
    if (offset != written || data.size() > length - written) {
      misuse = true;
      return ImageError::flash_write_failed;
    }
    std::memcpy(slot.data() + offset, data.data(), data.size());
    written += static_cast<std::uint32_t>(data.size());
    return ImageError::ok;
  }
  ImageError finish() override {
    finished = written == length;
    return ImageError::ok;
  }
  void abort() override {}
};

const OsInfo kInfo{"Ward", "qemu", "0", "0", "-", "cortex-m33", "arm", "mps2-an505", "Ward"};
NoSlots slots;
RamSink sink;
const BootloaderInfo kBootloader{"MCUboot", 3, false};
OsGroup os{kInfo, kBootloader, BufferParams{kPacket, 1}};
ImageGroup image{slots, sink};
Group* const groups[] = {&os, &image};
Server server{groups};
console::Decoder<kPacket> device_rx;
console::Decoder<kPacket> client_rx;
std::array<std::byte, kPacket> response{};

// Feeds `line` to the device; serves a completed packet; decodes the answer's lines as a client.
// Returns the response packet (empty if none).
std::span<const std::byte> serve_lines(std::span<const std::byte> lines) {
  std::size_t n = 0;
  for (const std::byte b : lines) {
    if (device_rx.push(b) == console::Event::packet) {
      n = server.handle(device_rx.packet(), response);
    }
  }
  if (n == 0) return {};
  bool got = false;
  (void)console::encode_packet(std::span<const std::byte>{response.data(), n}, [&](std::span<const std::byte> l) {
    for (const std::byte b : l) {
      got = client_rx.push(b) == console::Event::packet || got;
    }
  });
  return got ? client_rx.packet() : std::span<const std::byte>{};
}

template <std::size_t N>
std::array<std::byte, N> bytes(const char (&s)[N]) {
  std::array<std::byte, N> out{};
  for (std::size_t i = 0; i < N; ++i) out[i] = static_cast<std::byte>(s[i]);
  return out;
}

bool equal(std::span<const std::byte> a, std::span<const std::byte> b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size()) == 0;
}

// An upload request: {"off": off, "data": bytes(n)} plus, at 0, {"len": len}.
std::size_t upload_request(std::array<std::byte, kPacket>& out, std::uint8_t seq, std::uint32_t off, std::uint32_t len,
                           std::span<const std::byte> data) {
  std::size_t at = 8;
  auto put = [&](std::initializer_list<std::uint8_t> v) {
    for (auto x : v) out[at++] = std::byte{x};
  };
  auto u32 = [&](std::uint32_t v) { put({0x1a, std::uint8_t(v >> 24), std::uint8_t(v >> 16), std::uint8_t(v >> 8), std::uint8_t(v)}); };
  put({static_cast<std::uint8_t>(off == 0 ? 0xa3 : 0xa2), 0x63, 'o', 'f', 'f'});
  u32(off);
  if (off == 0) {
    put({0x63, 'l', 'e', 'n'});
    u32(len);
  }
  put({0x64, 'd', 'a', 't', 'a', 0x59, std::uint8_t(data.size() >> 8), std::uint8_t(data.size())});
  std::memcpy(out.data() + at, data.data(), data.size());
  at += data.size();
  const std::size_t payload = at - 8;
  const std::uint8_t head[8] = {0x0a, 0, std::uint8_t(payload >> 8), std::uint8_t(payload), 0, 1, seq, 1};
  std::memcpy(out.data(), head, 8);
  return at;
}

}  // namespace

WARD_TEST(SmpConsole, EchoThroughTheConsoleLines) {
  // {"d": "hello"}, sequence 0x42, as one console line (tests/mgmt/console_transport_test.cpp).
  const auto line = bytes("\x06\x09" "ABMCAAAJAABCAKFhZGVoZWxsb8EJ\n");
  const auto expected = bytes("\x03\x00\x00\x0a\x00\x00\x42\x00\xbf\x61\x72\x65\x68\x65\x6c\x6c\x6f\xff");
  const auto answer = serve_lines(std::span{line}.first(line.size() - 1));  // without the literal's NUL
  WARD_EXPECT_TRUE(equal(answer, std::span{expected}.first(expected.size() - 1)));
}

WARD_TEST(SmpConsole, UnknownGroupAnswersNotSupported) {
  // A read of group 64, command 0, sequence 7, no data (the literal's NUL is the command byte).
  const auto req = bytes("\x00\x00\x00\x00\x00\x40\x07");
  const auto expected = bytes("\x01\x00\x00\x06\x00\x40\x07\x00\xbf\x62\x72\x63\x08\xff");
  std::size_t n = server.handle(std::span{req}.first(8), response);
  WARD_EXPECT_TRUE(equal(std::span{response}.first(n), std::span{expected}.first(expected.size() - 1)));
}

WARD_TEST(SmpConsole, UploadInChunksOverTheConsole) {
  static std::array<std::byte, 2000> img{};
  for (std::size_t i = 0; i < img.size(); ++i) img[i] = static_cast<std::byte>(i * 31 + 7);
  static std::array<std::byte, kPacket> req{};
  static std::array<std::byte, 4096> lines{};
  std::uint32_t off = 0;
  std::uint8_t seq = 0;
  while (off < img.size()) {
    const std::size_t n = std::min<std::size_t>(300, img.size() - off);
    const std::size_t len = upload_request(req, ++seq, off, static_cast<std::uint32_t>(img.size()),
                                           std::span{img}.subspan(off, n));
    std::size_t at = 0;
    WARD_ASSERT_TRUE(console::encode_packet(std::span{req}.first(len), [&](std::span<const std::byte> l) {
      std::memcpy(lines.data() + at, l.data(), l.size());
      at += l.size();
    }));
    const auto answer = serve_lines(std::span{lines}.first(at));
    WARD_ASSERT_TRUE(answer.size() > 8);
    off += static_cast<std::uint32_t>(n);
    // {"off": off} in the answer (an unsigned of up to 2000: 0x19 hi lo).
    const std::array<std::byte, 8> tail{std::byte{0xbf}, std::byte{0x63}, std::byte{'o'}, std::byte{'f'},
                                        std::byte{'f'},  std::byte{0x19}, std::byte(off >> 8), std::byte(off & 0xff)};
    WARD_ASSERT_TRUE(equal(answer.subspan(8, 8), tail));
  }
  WARD_EXPECT_TRUE(sink.finished);
  WARD_EXPECT_FALSE(sink.misuse);
  WARD_EXPECT_TRUE(equal(std::span{sink.slot}.first(img.size()), img));
}
