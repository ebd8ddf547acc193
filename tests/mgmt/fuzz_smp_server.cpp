// libFuzzer target: the SMP server core (lib/mgmt) over a sequence of request packets from the
// input (each: a big-endian u16 length, then that many bytes), each one a datagram through the UDP
// transport's framing (udp::serve; the length's top bit set: the datagram was larger than what was
// received, truncated; over 2,048 bytes: larger than a packet), served by the OS and image groups
// with an upload sink that aborts on any write the state machine must never ask for. Whatever the
// packets: no memory error (ASan), a response only to a request op and never larger than its
// buffer, a response header that parses and answers the request's group, sequence and command,
// and uploads written only contiguously from 0 within the announced length; a truncated or
// oversized datagram never answered.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <array>
#include <vector>

#include "ward/mgmt/image_group.hpp"
#include "ward/mgmt/os_group.hpp"
#include "ward/mgmt/server.hpp"
#include "ward/mgmt/udp_transport.hpp"

namespace {
using namespace ward::mgmt;

struct Slots final : ImageSlots {
  std::size_t read(std::span<SlotState, kMaxSlots> out) override {
    out[0].image = 0;
    out[0].version = {1, 2, 3, 4};
    out[0].active = true;
    out[1].image = 1;
    out[1].slot = 1;
    return 2;
  }
  ImageError set_state(std::span<const std::byte> hash, bool confirm) override {
    if (hash.size() != 0 && hash.size() != 32) std::abort();
    if (!confirm && hash.empty()) std::abort();
    return hash.empty() || hash[0] == std::byte{0} ? ImageError::ok : ImageError::hash_not_found;
  }
  ImageError erase(std::uint32_t slot) override { return slot == 1 || slot == 3 ? ImageError::ok : ImageError::invalid_slot; }
  std::size_t sizes(std::span<ImageSlotSizes, kMaxImages> out) override {
    out[0] = {0, {327680, 327680}, 323584};
    out[1] = {1, {65536, 65536}, 0};
    return 2;
  }
};

// Like the FWU binding, it keeps what an aborted session staged and resumes a new session of the
// same image (length and SHA-256) from there, as after a reset.
struct CheckingSink final : UploadSink {
  bool open = false;
  std::uint32_t length = 0;
  std::uint32_t written = 0;
  std::array<std::byte, 32> sha{};
  bool has_sha = false;
  ImageError begin(const UploadStart& s, std::uint32_t& resume_at) override {
    if (s.length == 0 || resume_at != 0) std::abort();
    if (s.image > 1 || s.length > 1u << 20) return ImageError::invalid_slot;
    const bool same = has_sha && s.has_sha && s.sha == sha && s.length == length;
    if (same && written < length && (s.sha[1] & std::byte{1}) != std::byte{0}) {
      resume_at = written;
    } else {
      written = 0;
    }
    open = true;
    length = s.length;
    sha = s.sha;
    has_sha = s.has_sha;
    return ImageError::ok;
  }
  ImageError write(std::uint32_t offset, std::span<const std::byte> data) override {
    if (!open || offset != written || data.empty() || data.size() > length - written) std::abort();
    written += static_cast<std::uint32_t>(data.size());
    // Refuse now and then, so the session-ending path runs too.
    return (written & 0x3ffu) == 0x3ffu ? ImageError::flash_write_failed : ImageError::ok;
  }
  ImageError finish() override {
    if (!open || written != length) std::abort();
    open = false;
    return (length & 1u) != 0 ? ImageError::invalid_hash : ImageError::ok;
  }
  void abort() override {
    if (!open) std::abort();
    open = false;
  }
};
struct Tasks final : TaskSource {
  bool task(std::size_t index, TaskStat& out) override {
    if (index >= 3) return false;
    out.name = index == 0 ? "main" : index == 1 ? "idle" : "smp";
    out.priority = static_cast<std::uint32_t>(index);
    out.stack_size = 1024;
    return true;
  }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const OsInfo info{"Ward", "fuzz", "0", "0", "now", "m", "p", "host", "Ward"};
  static const BootloaderInfo boot{"MCUboot", 3, false};
  Slots slots;
  CheckingSink sink;
  Tasks tasks;
  OsGroup os{info, boot, {512, 1}, &tasks};
  ImageGroup image{slots, sink};
  Group* groups[] = {&os, &image};
  Server server{groups};
  const auto* in = reinterpret_cast<const std::byte*>(data);
  constexpr std::size_t kMaxPacket = 2048;
  for (int packets = 0; size >= 2 && packets < 32; ++packets) {
    const bool truncated = (data[0] & 0x80u) != 0;
    const std::size_t low = data[1];
    std::size_t n = (std::size_t{data[0] & 0x7fu} << 8) | low;
    in += 2;
    data += 2;
    size -= 2;
    n = n < size ? n : size;
    // Exactly the request's bytes and a fixed response buffer, on the heap so ASan sees overruns.
    std::vector<std::byte> request(in, in + n);
    std::vector<std::byte> response(256);
    // The datagram as sent: what was received, or (truncated) more than that.
    const std::size_t datagram = truncated ? n + 1 + low : n;
    const std::size_t out = udp::serve(server, request, datagram, response, kMaxPacket);
    if (out > response.size()) std::abort();
    if ((truncated || n > kMaxPacket) && out != 0) std::abort();
    if (out != 0) {
      const auto req = parse_header(request);
      const auto resp = parse_header(response);
      if (!req || !resp || (req->op != 0 && req->op != 2) || resp->op != req->op + 1 || resp->group != req->group ||
          resp->sequence != req->sequence || resp->id != req->id || resp->length != out - kHeaderBytes) {
        std::abort();
      }
    }
    if (image.session_open() && image.expected_offset() != sink.written) std::abort();
    (void)os.take_reset();
    in += n;
    data += n;
    size -= n;
  }
  return 0;
}
