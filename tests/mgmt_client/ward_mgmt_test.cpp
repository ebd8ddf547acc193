// ward-mgmt (tools/ward-mgmt) end to end on the host: the real binary against Ward's own SMP server
// (lib/mgmt, built for the host) behind a pty, a TCP socket (as QEMU's serial chardev) or a UDP
// socket, with slots and an upload sink in memory. Then a device that misbehaves: replies with the
// wrong sequence number, a bad CRC, truncated CBOR, oversize frames and datagrams, SMP 1 only.
//
// Every command is answered by the server itself; the fakes behind it (slots, upload sink, task
// source) keep state as smp_group_0 and smp_group_1 describe it.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pty.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>

#include "mgmt_test_util.hpp"
#include "ward/boot/sha256.hpp"
#include "ward/mgmt/console_transport.hpp"
#include "ward/mgmt/image_group.hpp"
#include "ward/mgmt/os_group.hpp"

using namespace mgmt_test;
using namespace ward::mgmt;

namespace {

std::array<std::byte, 32> sha256(const Bytes& data) {
  ward::boot::Sha256 h;
  h.update(data);
  const auto d = h.finish();
  std::array<std::byte, 32> out{};
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::byte>(d[i]);
  return out;
}

std::string hex_of(std::span<const std::byte> b) {
  std::string s;
  char buf[3];
  for (auto x : b) {
    std::snprintf(buf, sizeof buf, "%02x", std::to_integer<unsigned>(x));
    s += buf;
  }
  return s;
}

// Slots in memory; state write and erase as smp_group_1 describes them.
struct FakeSlots final : ImageSlots {
  std::vector<SlotState> slots;
  int erases = 0;
  std::size_t read(std::span<SlotState, kMaxSlots> out) override {
    const std::size_t n = std::min(slots.size(), out.size());
    std::copy_n(slots.begin(), n, out.begin());
    return n;
  }
  ImageError set_state(std::span<const std::byte> hash, bool confirm) override {
    SlotState* target = nullptr;
    for (auto& s : slots) {
      if (hash.empty() ? s.active : std::equal(s.hash.begin(), s.hash.end(), hash.begin(), hash.end())) {
        target = &s;
      }
    }
    if (target == nullptr) return ImageError::hash_not_found;
    if (confirm) {
      target->confirmed = true;
      target->pending = false;
      target->permanent = true;
    } else {
      target->pending = true;
    }
    return ImageError::ok;
  }
  ImageError erase(std::uint32_t slot) override {
    ++erases;
    std::erase_if(slots, [slot](const SlotState& x) { return x.slot == slot; });
    return ImageError::ok;
  }
  // Slot info: two images; image 1's largest upload unknown (left out of the answer).
  std::size_t sizes(std::span<ImageSlotSizes, kMaxImages> out) override {
    out[0] = {0, {327680, 327680}, 323584};
    out[1] = {1, {65536, 65536}, 0};
    return 2;
  }
};

// Two threads for task statistics.
struct FakeTasks final : TaskSource {
  bool task(std::size_t index, TaskStat& out) override {
    if (index > 1) return false;
    out = TaskStat{};
    out.name = index == 0 ? "main" : "idle";
    out.priority = index == 0 ? 10 : 255;
    out.id = static_cast<std::uint32_t>(index + 1);
    out.state = 1;
    out.stack_used = 312;
    out.stack_size = 1024;
    return true;
  }
};

// The secondary slot in memory: only the next contiguous bytes are taken (anything else fails the
// test), and finish() checks the SHA-256 the upload named, then lists the image in slot 1.
struct FakeSink final : UploadSink {
  FakeSlots* slots = nullptr;
  std::uint32_t max_length = 1024 * 1024;
  Bytes slot;
  UploadStart started;
  int begins = 0, finishes = 0, aborts = 0;
  bool finished_ok = false;
  ImageError begin(const UploadStart& s, std::uint32_t& /*resume_at*/) override {
    ++begins;
    if (s.image != 0) return ImageError::invalid_slot;
    if (s.length > max_length) return ImageError::invalid_image_too_large;
    started = s;
    slot.clear();
    finished_ok = false;
    return ImageError::ok;
  }
  ImageError write(std::uint32_t offset, std::span<const std::byte> data) override {
    EXPECT_EQ(offset, slot.size()) << "non-contiguous write";
    EXPECT_LE(offset + data.size(), started.length) << "write past the announced length";
    slot.insert(slot.end(), data.begin(), data.end());
    return ImageError::ok;
  }
  ImageError finish() override {
    ++finishes;
    if (slot.size() != started.length || (started.has_sha && sha256(slot) != started.sha)) {
      return ImageError::invalid_hash;
    }
    finished_ok = true;
    SlotState s;
    s.slot = 1;
    s.version = {1, 3, 0, 0};
    s.hash = sha256(slot);
    s.bootable = true;
    std::erase_if(slots->slots, [](const SlotState& x) { return x.slot == 1; });
    slots->slots.push_back(s);
    return ImageError::ok;
  }
  void abort() override { ++aborts; }
};

enum class Fault { none, wrong_seq, stale_then_right, bad_crc, truncated_cbor, oversize_frame, long_line,
                   not_an_answer, oversize_datagram, short_datagram, smp1_only, slot_size_as_text };

const OsInfo kInfo{"Ward", "dev1", "0.9.0", "abc", "2026-12-05", "cortex-m33", "armv8-m.main", "mps2-an505", "Ward"};
const BootloaderInfo kBoot{"MCUboot", 3, true};

// The device: Ward's server over the fakes.
struct Device {
  FakeSlots slots;
  FakeSink sink;
  FakeTasks tasks;
  OsGroup os{kInfo, kBoot, BufferParams{1024, 2}, &tasks};
  ImageGroup image{slots, sink};
  std::array<Group*, 2> groups{&os, &image};
  Server server{groups};
  std::mutex m;
  Fault fault = Fault::none;
  int silent_after_uploads = -1;  // after this many upload requests, the link is cut (nothing answered)
  int uploads = 0, resets = 0;
  // A transport with a packet limit of its own (the TLS transport's 512 bytes): requests over it
  // are dropped and counted; mcumgr parameters answer it (Server::handle's packet_limit).
  std::size_t packet_limit = 0;
  std::size_t largest = 0;
  int over_limit = 0;

  Device() {
    sink.slots = &slots;
    SlotState s;
    s.version = {1, 2, 3, 0};
    s.hash.fill(std::byte{0x11});
    s.bootable = s.confirmed = s.active = true;
    slots.slots.push_back(s);
  }

  // The answers to one request packet (none: dropped).
  std::optional<Bytes> answer(Bytes req) {
    std::lock_guard lock(m);
    if (req.size() >= 8 && req[4] == std::byte{0} && req[5] == std::byte{1} && req[7] == std::byte{1}) {
      if (silent_after_uploads >= 0 && uploads >= silent_after_uploads) return std::nullopt;
      ++uploads;
    }
    largest = std::max(largest, req.size());
    if (packet_limit != 0 && req.size() > packet_limit) {
      ++over_limit;
      return std::nullopt;
    }
    if (fault == Fault::smp1_only && !req.empty()) req[0] &= std::byte{0xe7};  // an SMP 1 server reads version 0
    if (fault == Fault::slot_size_as_text && req.size() >= 8) {
      // A well-framed answer to this request whose slot size is text, not an unsigned integer.
      return packet(1, std::to_integer<unsigned>(req[0] & std::byte{7}) + 1, 1, std::to_integer<std::uint8_t>(req[6]),
                    std::to_integer<std::uint8_t>(req[7]),
                    cat({map(1), t("images"), hex("81"), map(2), t("image"), u(0), t("slots"), hex("81"), map(2),
                         t("slot"), u(0), t("size"), t("320K")}));
    }
    Bytes resp(1024);
    resp.resize(server.handle(req, resp, packet_limit));
    if (os.take_reset()) ++resets;
    if (resp.empty()) return std::nullopt;
    return resp;
  }

  // How the answer goes on the wire (serial): the faults that are about framing are made here.
  Bytes frame(Bytes resp) {
    std::lock_guard lock(m);
    auto lines = [](const Bytes& p) {
      Bytes out;
      (void)console::encode_packet(p, [&](std::span<const std::byte> l) { out.insert(out.end(), l.begin(), l.end()); });
      return out;
    };
    const Bytes log = hex("5b 30 30 3a 30 30 5d 20 3c 69 6e 66 3e 20 6c 6f 67 0d 0a");  // "[00:00] <inf> log\r\n"
    switch (fault) {
      case Fault::wrong_seq:
        resp[6] = static_cast<std::byte>(std::to_integer<unsigned>(resp[6]) + 1);
        return cat({log, lines(resp)});
      case Fault::stale_then_right: {
        Bytes stale = resp;
        stale[6] = static_cast<std::byte>(std::to_integer<unsigned>(resp[6]) - 1);
        return cat({lines(stale), log, lines(resp)});
      }
      case Fault::bad_crc: {
        Bytes raw = {static_cast<std::byte>((resp.size() + 2) >> 8), static_cast<std::byte>(resp.size() + 2)};
        raw.insert(raw.end(), resp.begin(), resp.end());
        const std::uint16_t crc = console::crc16_xmodem(resp) ^ 1u;
        raw.push_back(static_cast<std::byte>(crc >> 8));
        raw.push_back(static_cast<std::byte>(crc));
        return cat({hex("06 09"), base64(raw), hex("0a")});  // short enough for one line
      }
      case Fault::truncated_cbor:
        resp.resize(resp.size() - 2);
        resp[2] = static_cast<std::byte>((resp.size() - 8) >> 8);
        resp[3] = static_cast<std::byte>(resp.size() - 8);
        return lines(resp);
      case Fault::oversize_frame: {
        // A first line announcing 60,000 bytes, then as many continuation lines as it takes.
        Bytes out = cat({hex("06 09"), base64(hex("ea 62") ), hex("0a")});
        const Bytes filler(93, std::byte{0x41});
        const Bytes more = cat({hex("04 14"), base64(filler), hex("0a")});
        for (int i = 0; i < 700; ++i) out.insert(out.end(), more.begin(), more.end());
        return out;
      }
      case Fault::long_line: {
        Bytes l = lines(resp);
        l.insert(l.begin() + 2, 200, std::byte{'A'});  // the first line grows past 127 bytes
        return l;
      }
      case Fault::not_an_answer:
        resp[7] = static_cast<std::byte>(std::to_integer<unsigned>(resp[7]) ^ 0x40);
        return lines(resp);
      default:
        return cat({log, lines(resp)});
    }
  }

  static Bytes base64(const Bytes& raw) {
    std::string text(4 * ((raw.size() + 2) / 3), '\0');
    const std::size_t n = console::base64_encode(raw, text);
    Bytes out;
    for (std::size_t i = 0; i < n; ++i) out.push_back(static_cast<std::byte>(text[i]));
    return out;
  }
};

// Writes what the device says; gives up when the client stops reading (it timed out and left)
// or the test ends, so that a full pty or socket buffer never blocks the server thread.
void write_all(int fd, const Bytes& b, const std::atomic<bool>& stop) {
  std::size_t done = 0;
  int idle = 0;
  while (done < b.size() && !stop && idle < 100) {
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, 20) <= 0) {
      ++idle;
      continue;
    }
    const ssize_t n = ::write(fd, b.data() + done, b.size() - done);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n <= 0) return;
    idle = 0;
    done += static_cast<std::size_t>(n);
  }
}

// Serves the device on a byte stream (pty master or TCP connection) until stopped.
void serve_stream(Device& d, int fd, const std::atomic<bool>& stop) {
  console::Decoder<2048> dec;
  std::array<std::byte, 4096> buf{};
  while (!stop) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n <= 0) {
      if (n < 0 && errno == EIO) {  // a pty whose client side is closed: wait for the next one
        ::usleep(10000);
        continue;
      }
      return;
    }
    for (ssize_t i = 0; i < n; ++i) {
      if (dec.push(buf[static_cast<std::size_t>(i)]) != console::Event::packet) continue;
      const auto p2 = dec.packet();
      if (auto resp = d.answer(Bytes(p2.begin(), p2.end()))) write_all(fd, d.frame(*resp), stop);
    }
  }
}

void serve_udp(Device& d, int fd, const std::atomic<bool>& stop) {
  Bytes buf(65536);
  while (!stop) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    sockaddr_storage from{};
    socklen_t len = sizeof from;
    const ssize_t n = ::recvfrom(fd, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n <= 0) continue;
    auto resp = d.answer(Bytes(buf.begin(), buf.begin() + n));
    if (!resp) continue;
    if (d.fault == Fault::oversize_datagram) resp->resize(20000);
    if (d.fault == Fault::short_datagram) resp->resize(5);
    if (d.fault == Fault::wrong_seq) (*resp)[6] = static_cast<std::byte>(std::to_integer<unsigned>((*resp)[6]) + 1);
    (void)::sendto(fd, resp->data(), resp->size(), 0, reinterpret_cast<sockaddr*>(&from), len);
  }
}

struct ToolRun {
  int code = -1;
  std::string out, err;
};

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

class WardMgmt : public ::testing::Test {
 protected:
  Device dev;
  std::atomic<bool> stop{false};
  std::thread server;
  int master = -1, slave = -1, udp = -1, listener = -1, tcp = -1;
  std::string connstring = "--conntype serial --connstring dev=";
  std::string dir;

  void SetUp() override {
    char tmpl[] = "/tmp/ward-mgmt-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir = tmpl;
  }
  void TearDown() override {
    stop = true;
    if (server.joinable()) server.join();
    for (int fd : {master, slave, udp, listener, tcp}) {
      if (fd >= 0) ::close(fd);
    }
    (void)std::system(("rm -rf " + dir).c_str());
  }

  void serve_pty() {
    char name[64] = {};
    ASSERT_EQ(::openpty(&master, &slave, name, nullptr, nullptr), 0);
    ASSERT_EQ(::fcntl(master, F_SETFL, ::fcntl(master, F_GETFL) | O_NONBLOCK), 0);
    termios t{};
    ::tcgetattr(slave, &t);
    ::cfmakeraw(&t);
    ::tcsetattr(slave, TCSANOW, &t);
    connstring = std::string("--conntype serial --connstring dev=") + name + ",baud=115200";
    server = std::thread([this] { serve_stream(dev, master, stop); });
  }

  void serve_tcp() {
    listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ASSERT_EQ(::listen(listener, 1), 0);
    ::getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len);
    connstring = "--conntype serial --connstring tcp=127.0.0.1:" + std::to_string(ntohs(a.sin_port));
    server = std::thread([this] {
      pollfd p{listener, POLLIN, 0};
      while (!stop && ::poll(&p, 1, 20) <= 0) {
      }
      if (stop) return;
      tcp = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK);
      serve_stream(dev, tcp, stop);
    });
  }

  void serve_udp_socket() {
    udp = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ASSERT_EQ(::bind(udp, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ::getsockname(udp, reinterpret_cast<sockaddr*>(&a), &len);
    connstring = "--conntype udp --connstring 127.0.0.1:" + std::to_string(ntohs(a.sin_port));
    server = std::thread([this] { serve_udp(dev, udp, stop); });
  }

  ToolRun mgmt(const std::string& args, const std::string& timing = "-t 2 -r 2") {
    const std::string out = dir + "/out", err = dir + "/err";
    const std::string cmd = std::string(WARD_MGMT_TOOL) + " " + connstring + " " + timing + " " + args + " >" + out +
                            " 2>" + err;
    const int status = std::system(cmd.c_str());
    ToolRun r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
  }

  std::string write_file(const std::string& name, const Bytes& data) {
    const std::string path = dir + "/" + name;
    std::ofstream f(path, std::ios::binary);
    f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    return path;
  }
};

Bytes image_bytes(std::size_t n) {
  Bytes out(n);
  std::uint32_t x = 12345;
  for (auto& b : out) {
    x = x * 1103515245u + 12345u;
    b = static_cast<std::byte>(x >> 16);
  }
  return out;
}

#define EXPECT_RUN(r, expected_code) EXPECT_EQ((r).code, expected_code) << "stdout:\n" << (r).out << "stderr:\n" << (r).err

// --- working commands -------------------------------------------------------------------------------

TEST_F(WardMgmt, EchoOverPtyPassesConsoleTextBy) {
  serve_pty();
  const ToolRun r = mgmt("echo 'hello ward'");
  EXPECT_RUN(r, 0);
  EXPECT_EQ(r.out, "hello ward\n");
}

TEST_F(WardMgmt, EchoOverTcpSerial) {
  serve_tcp();
  const ToolRun r = mgmt("echo over-tcp");
  EXPECT_RUN(r, 0);
  EXPECT_EQ(r.out, "over-tcp\n");
}

TEST_F(WardMgmt, EchoOverUdp) {
  serve_udp_socket();
  const ToolRun r = mgmt("echo over-udp");
  EXPECT_RUN(r, 0);
  EXPECT_EQ(r.out, "over-udp\n");
}

TEST_F(WardMgmt, ImageList) {
  serve_pty();
  const ToolRun r = mgmt("image list");
  EXPECT_RUN(r, 0);
  EXPECT_NE(r.out.find(" image=0 slot=0\n    version: 1.2.3\n    bootable: true\n    flags: active confirmed\n    hash: " +
                       std::string(64, '1')),
            std::string::npos)
      << r.out;
}

TEST_F(WardMgmt, ImageSlotInfo) {
  serve_pty();
  const ToolRun r = mgmt("image slot-info");
  EXPECT_RUN(r, 0);
  EXPECT_EQ(r.out,
            "Images:\n"
            " image=0\n    slot=0 size=327680\n    slot=1 size=327680 upload_image_id=0\n    max_image_size: 323584\n"
            " image=1\n    slot=0 size=65536\n    slot=1 size=65536 upload_image_id=1\n    max_image_size: N/A\n");
}

TEST_F(WardMgmt, ImageSlotInfoOverUdp) {
  serve_udp_socket();
  const ToolRun r = mgmt("image slot-info");
  EXPECT_RUN(r, 0);
  EXPECT_NE(r.out.find("slot=1 size=65536 upload_image_id=1"), std::string::npos) << r.out;
}

TEST_F(WardMgmt, SlotInfoOfTheWrongTypeIsAMalformedReply) {
  serve_pty();
  dev.fault = Fault::slot_size_as_text;
  const ToolRun r = mgmt("image slot-info");
  EXPECT_RUN(r, 3);
  EXPECT_NE(r.err.find("slot info: a slot without \"slot\" or \"size\""), std::string::npos) << r.err;
}

TEST_F(WardMgmt, TaskstatAndReset) {
  serve_pty();
  ToolRun r = mgmt("taskstat");
  EXPECT_RUN(r, 0);
  EXPECT_NE(r.out.find("main"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("78"), std::string::npos) << r.out;  // 312 bytes: SMP counts stack in 4-byte words
  r = mgmt("reset");
  EXPECT_RUN(r, 0);
  EXPECT_EQ(dev.resets, 1);
}

// 256 KiB, the link cut after 100 chunks: the first run times out, the second asks the device
// where it is (the same length, SHA-256 and image at offset 0) and sends only the rest.
TEST_F(WardMgmt, UploadCutMidwayThenResumedThenTestConfirmErase) {
  serve_pty();
  const Bytes img = image_bytes(256 * 1024);
  const std::string path = write_file("app.bin", img);
  dev.silent_after_uploads = 100;
  ToolRun r = mgmt("image upload " + path, "-t 0.6 -r 2");
  EXPECT_RUN(r, 4);
  EXPECT_NE(r.err.find("no reply"), std::string::npos) << r.err;
  const std::size_t taken = dev.sink.slot.size();
  EXPECT_GT(taken, 0u);
  EXPECT_LT(taken, img.size());
  EXPECT_TRUE(dev.image.session_open());

  dev.silent_after_uploads = -1;
  r = mgmt("image upload " + path);
  EXPECT_RUN(r, 0);
  EXPECT_NE(r.out.find("Resuming at offset " + std::to_string(taken)), std::string::npos) << r.out;
  EXPECT_TRUE(dev.sink.finished_ok);
  EXPECT_EQ(dev.sink.slot, img);
  EXPECT_EQ(dev.sink.begins, 1);  // one session, resumed, never restarted
  const std::string sha = hex_of(sha256(img));
  EXPECT_NE(r.out.find("sha256 " + sha), std::string::npos) << r.out;

  r = mgmt("image test " + sha);
  EXPECT_RUN(r, 0);
  EXPECT_NE(r.out.find(" image=0 slot=1\n    version: 1.3.0\n    bootable: true\n    flags: pending\n"), std::string::npos)
      << r.out;
  r = mgmt("image confirm " + sha);
  EXPECT_RUN(r, 0);
  EXPECT_NE(r.out.find("flags: confirmed permanent"), std::string::npos) << r.out;
  r = mgmt("image erase");
  EXPECT_RUN(r, 0);
  r = mgmt("image list");
  EXPECT_RUN(r, 0);
  EXPECT_EQ(r.out.find("slot=1"), std::string::npos) << r.out;
}

// The link cut during one image's upload, then another image of the same length uploaded: the
// device's staged bytes are not the new file's, so nothing is resumed: the tool starts at 0 and
// sends the whole file, and the slot holds the second image only.
TEST_F(WardMgmt, UploadOfAnotherImageAfterACutStartsOver) {
  serve_pty();
  const Bytes a = image_bytes(64 * 1024);
  Bytes other = a;
  other[other.size() / 2] ^= std::byte{0xff};  // past what the cut run sends
  dev.silent_after_uploads = 20;
  ToolRun r = mgmt("image upload " + write_file("a.bin", a), "-t 0.6 -r 2");
  EXPECT_RUN(r, 4);
  EXPECT_GT(dev.sink.slot.size(), 0u);
  EXPECT_LT(dev.sink.slot.size(), a.size() / 2);
  dev.silent_after_uploads = -1;
  r = mgmt("image upload " + write_file("b.bin", other));
  EXPECT_RUN(r, 0);
  EXPECT_EQ(r.out.find("Resuming"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(" + std::to_string(other.size()) + " sent in this run"), std::string::npos) << r.out;
  EXPECT_EQ(dev.sink.begins, 2);
  EXPECT_EQ(dev.sink.aborts, 1);
  EXPECT_EQ(dev.sink.slot, other);
  EXPECT_TRUE(dev.sink.finished_ok);
}

TEST_F(WardMgmt, UploadOverUdp) {
  serve_udp_socket();
  const Bytes img = image_bytes(20000);
  const ToolRun r = mgmt("image upload " + write_file("app.bin", img));
  EXPECT_RUN(r, 0);
  EXPECT_EQ(dev.sink.slot, img);
  EXPECT_TRUE(dev.sink.finished_ok);
}

// A device whose transport takes 512-byte packets (as the TLS transport): ward-mgmt sizes its
// chunks from mcumgr parameters, every request at most 512 bytes and close to it (attack17: upload
// chunk sizing at the TLS limit; the first chunk carries "image", "len", "sha" and "upgrade").
TEST_F(WardMgmt, UploadToATransportOf512BytesSizesEveryPacketToIt) {
  dev.packet_limit = 512;
  serve_udp_socket();
  for (const std::size_t size : {std::size_t{1}, std::size_t{457}, std::size_t{20000}, std::size_t{70000}}) {
    dev.largest = 0;
    const Bytes img = image_bytes(size);
    const ToolRun r = mgmt("image upload --upgrade " + write_file("app.bin", img));
    EXPECT_RUN(r, 0);
    EXPECT_EQ(dev.sink.slot, img) << size;
    EXPECT_EQ(dev.over_limit, 0) << size;
    EXPECT_LE(dev.largest, 512u) << size;
    if (size > 1000) {
      EXPECT_GE(dev.largest, 480u) << size;
    }
  }
}

// --- the device says no -----------------------------------------------------------------------------

TEST_F(WardMgmt, DeviceErrorsExitOneWithTheGroupsCode) {
  serve_pty();
  dev.sink.max_length = 1000;
  ToolRun r = mgmt("image upload " + write_file("big.bin", image_bytes(5000)));
  EXPECT_RUN(r, 1);
  EXPECT_NE(r.err.find("group 1 rc 30 (image too large)"), std::string::npos) << r.err;
  r = mgmt("image test " + std::string(64, 'a'));
  EXPECT_RUN(r, 1);
  EXPECT_NE(r.err.find("group 1 rc 8"), std::string::npos) << r.err;
}

TEST_F(WardMgmt, Smp1DeviceErrorsAreRead) {
  serve_pty();
  dev.fault = Fault::smp1_only;
  dev.sink.max_length = 1000;
  ToolRun r = mgmt("echo v1");
  EXPECT_RUN(r, 0);
  EXPECT_EQ(r.out, "v1\n");
  r = mgmt("image upload " + write_file("big.bin", image_bytes(5000)));
  EXPECT_RUN(r, 1);
  EXPECT_NE(r.err.find("refused: rc 3 (invalid)"), std::string::npos) << r.err;
}

// --- a device that misbehaves: an error and an exit code, never a crash or a hang ---------------------

TEST_F(WardMgmt, WrongSequenceNumberIsIgnoredUntilTimeout) {
  serve_pty();
  dev.fault = Fault::wrong_seq;
  const ToolRun r = mgmt("-v echo x", "-t 0.6 -r 2");
  EXPECT_RUN(r, 4);
  EXPECT_NE(r.err.find("sequence number"), std::string::npos) << r.err;
}

TEST_F(WardMgmt, StaleReplyBeforeTheRightOneIsPassedOver) {
  serve_pty();
  dev.fault = Fault::stale_then_right;
  const ToolRun r = mgmt("echo right");
  EXPECT_RUN(r, 0);
  EXPECT_EQ(r.out, "right\n");
}

TEST_F(WardMgmt, BadCrcIsDropped) {
  serve_pty();
  dev.fault = Fault::bad_crc;
  const ToolRun r = mgmt("echo x", "-t 0.6 -r 2");
  EXPECT_RUN(r, 4);
  EXPECT_NE(r.err.find("CRC"), std::string::npos) << r.err;
}

TEST_F(WardMgmt, TruncatedCborIsAMalformedReply) {
  serve_pty();
  dev.fault = Fault::truncated_cbor;
  const ToolRun r = mgmt("image list");
  EXPECT_RUN(r, 3);
  EXPECT_NE(r.err.find("CBOR"), std::string::npos) << r.err;
}

TEST_F(WardMgmt, OversizeFrameIsDropped) {
  serve_pty();
  dev.fault = Fault::oversize_frame;
  const ToolRun r = mgmt("echo x", "-t 1 -r 1");
  EXPECT_RUN(r, 4);
  EXPECT_NE(r.err.find("frame length beyond the limit"), std::string::npos) << r.err;
}

TEST_F(WardMgmt, LineOver127BytesIsDropped) {
  serve_pty();
  dev.fault = Fault::long_line;
  const ToolRun r = mgmt("echo x", "-t 1 -r 1");
  EXPECT_RUN(r, 4);
  EXPECT_NE(r.err.find("127"), std::string::npos) << r.err;
}

TEST_F(WardMgmt, ReplyToAnotherCommandIsRefused) {
  serve_pty();
  dev.fault = Fault::not_an_answer;
  const ToolRun r = mgmt("echo x");
  EXPECT_RUN(r, 3);
  EXPECT_NE(r.err.find("does not answer"), std::string::npos) << r.err;
}

TEST_F(WardMgmt, OversizeDatagramIsDropped) {
  serve_udp_socket();
  dev.fault = Fault::oversize_datagram;
  const ToolRun r = mgmt("echo x", "-t 1 -r 1");
  EXPECT_RUN(r, 4);
  EXPECT_NE(r.err.find("over the limit"), std::string::npos) << r.err;
}

TEST_F(WardMgmt, ShortDatagramIsAMalformedReply) {
  serve_udp_socket();
  dev.fault = Fault::short_datagram;
  const ToolRun r = mgmt("echo x");
  EXPECT_RUN(r, 3);
}

TEST_F(WardMgmt, WrongSequenceOverUdpTimesOut) {
  serve_udp_socket();
  dev.fault = Fault::wrong_seq;
  const ToolRun r = mgmt("echo x", "-t 0.6 -r 2");
  EXPECT_RUN(r, 4);
}

// --- usage --------------------------------------------------------------------------------------------

TEST_F(WardMgmt, UsageErrorsExitTwo) {
  serve_pty();
  EXPECT_RUN(mgmt("image test nothex"), 2);
  EXPECT_RUN(mgmt("image upload " + dir + "/missing.bin"), 2);
  EXPECT_RUN(mgmt("image"), 2);
  EXPECT_RUN(mgmt("bogus"), 2);
  connstring = "--conntype dtls --connstring 127.0.0.1:1337";
  const ToolRun r = mgmt("echo x");
  EXPECT_RUN(r, 2);
  EXPECT_NE(r.err.find("not supported"), std::string::npos) << r.err;
  // tls needs the operator's certificate and key and the device's CA: refused before connecting.
  connstring = "--conntype tls --connstring 127.0.0.1:1338";
  const ToolRun no_cert = mgmt("echo x");
  EXPECT_RUN(no_cert, 2);
  EXPECT_NE(no_cert.err.find("--tls-cert"), std::string::npos) << no_cert.err;
  connstring = "--conntype serial --connstring dev=/dev/null,speed=9600";
  EXPECT_RUN(mgmt("echo x"), 2);
  connstring = "--conntype udp --connstring localhost";
  EXPECT_RUN(mgmt("echo x"), 2);
}

TEST_F(WardMgmt, HelpOnEveryCommand) {
  for (const char* c : {"", "echo", "reset", "taskstat", "image", "image list", "image upload", "image test",
                        "image confirm", "image erase", "image slot-info"}) {
    connstring = "";
    const ToolRun r = mgmt(std::string(c) + " --help", "");
    EXPECT_RUN(r, 0);
    EXPECT_NE(r.out.find("Usage:"), std::string::npos) << c;
  }
}

TEST_F(WardMgmt, NoDeviceIsATransportError) {
  connstring = "--conntype serial --connstring dev=" + dir + "/no-such-tty";
  EXPECT_RUN(mgmt("echo x"), 3);
}

}  // namespace
