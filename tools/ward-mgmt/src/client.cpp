// ward-mgmt's client and commands (client.hpp).
#include "client.hpp"

#include <openssl/evp.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <random>
#include <sstream>

namespace ward::mgmt_client {

Client::Client(Transport& t, const ClientOptions& o, std::ostream& log)
    : t_(t), opt_(o), log_(log), seq_(static_cast<std::uint8_t>(std::random_device{}())) {}

Reply Client::call(Op op, std::uint16_t grp, std::uint8_t id, const Bytes& map) {
  const std::uint8_t seq = seq_++;
  const Expect expect{op, grp, id, seq};
  const auto timeout = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(opt_.timeout_s));
  std::string last_reason;
  for (int attempt = 1; attempt <= opt_.tries; ++attempt) {
    // Every try sends the same packet with the same sequence number: a late reply to an
    // earlier try answers this request as well.
    const Bytes packet = make_request(op, version_, grp, seq, id, map);
    if (opt_.verbose) log_ << "ward-mgmt: request group " << grp << " command " << +id << " seq " << +seq << " ("
                           << packet.size() << " bytes), try " << attempt << '\n';
    t_.send(packet);
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      auto got = t_.receive(deadline);
      if (const std::string d = t_.dropped(); !d.empty()) {
        // cppcheck-suppress unreadVariable ; read by the timeout's message after the loops
        last_reason = d;
        if (opt_.verbose) log_ << "ward-mgmt: dropped: " << d << '\n';
      }
      if (!got) break;
      auto parsed = parse_reply(*got, expect);
      if (auto* e = std::get_if<ReplyError>(&parsed)) {
        if (!e->other_request) throw Failure(ExitCode::transport, "malformed reply: " + e->what);
        last_reason = e->what;
        if (opt_.verbose) log_ << "ward-mgmt: ignored: " << e->what << '\n';
        continue;
      }
      const std::uint8_t version = std::get<Reply>(parsed).header.version;
      if (version < version_) {
        version_ = version;  // an SMP 1 device: speak SMP 1 from now on
        if (opt_.verbose) log_ << "ward-mgmt: the device answers in SMP 1\n";
      }
      return std::get<Reply>(std::move(parsed));
    }
  }
  throw Failure(ExitCode::timeout, "no reply after " + std::to_string(opt_.tries) + " tries of " +
                                       std::to_string(opt_.timeout_s).substr(0, 4) + " s" +
                                       (last_reason.empty() ? "" : " (last: " + last_reason + ")"));
}

Reply Client::call_ok(Op op, std::uint16_t grp, std::uint8_t id, const Bytes& map) {
  Reply r = call(op, grp, id, map);
  const DeviceError e = take(reply_error(r));
  if (e.rc != 0) throw Failure(ExitCode::device, "the device refused: " + e.describe());
  return r;
}

// --- OS group -------------------------------------------------------------------------------------

void cmd_echo(Client& c, const std::string& text, std::ostream& out) {
  const Reply r = c.call_ok(Op::write, group::os, os_cmd::echo, MapBuilder().text("d", text).finish());
  out << take(decode_echo(r)) << '\n';
}

void cmd_reset(Client& c, bool force, std::ostream& out) {
  MapBuilder m;
  if (force) m.boolean("force", true);
  (void)c.call_ok(Op::write, group::os, os_cmd::reset, m.finish());
  out << "Done\n";
}

void cmd_taskstat(Client& c, std::ostream& out) {
  const Reply r = c.call_ok(Op::read, group::os, os_cmd::taskstat, MapBuilder().finish());
  const auto tasks = take(decode_taskstat(r));
  static const char* const kCols[] = {"prio", "tid", "state", "stkuse", "stksiz", "cswcnt", "runtime"};
  out << std::setw(16) << "task";
  for (const char* col : kCols) out << ' ' << std::setw(10) << col;
  out << '\n';
  for (const auto& t : tasks) {
    out << std::setw(16) << t.name;
    for (const char* col : kCols) {
      const auto it = t.fields.find(col);
      out << ' ' << std::setw(10) << (it == t.fields.end() ? std::string("-") : std::to_string(it->second));
    }
    out << '\n';
  }
}

// --- image group ----------------------------------------------------------------------------------

namespace {

void print_state(const ImageState& s, std::ostream& out) {
  out << "Images:\n";
  for (const auto& slot : s.slots) {
    out << " image=" << slot.image << " slot=" << slot.slot << '\n'
        << "    version: " << slot.version << '\n'
        << "    bootable: " << (slot.bootable ? "true" : "false") << '\n'
        << "    flags:";
    if (slot.active) out << " active";
    if (slot.confirmed) out << " confirmed";
    if (slot.pending) out << " pending";
    if (slot.permanent) out << " permanent";
    out << '\n' << "    hash: " << (slot.hash.empty() ? "Unavailable" : hex(slot.hash)) << '\n';
  }
  out << "Split status: " << (s.split_status && *s.split_status != 0 ? std::to_string(*s.split_status) : "N/A")
      << " (" << s.split_status.value_or(0) << ")\n";
}

void state_write(Client& c, const std::optional<Bytes>& hash, bool confirm, std::ostream& out) {
  MapBuilder m;
  if (hash) m.bytes("hash", *hash);
  m.boolean("confirm", confirm);
  const Reply r = c.call_ok(Op::write, group::image, image_cmd::state, m.finish());
  print_state(take(decode_image_state(r)), out);
}

std::array<std::uint8_t, 32> sha256(const Bytes& data) {
  std::array<std::uint8_t, 32> out{};
  unsigned int n = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &n, EVP_sha256(), nullptr) != 1 || n != out.size()) {
    throw Failure(ExitCode::usage, "SHA-256 failed");
  }
  return out;
}

// The request packet limit: the option, else what the device says (mcumgr parameters), else
// 512 bytes; never beyond what the transport carries.
std::size_t packet_budget(Client& c) {
  std::size_t budget = c.options().mtu;
  if (budget == 0) {
    budget = 512;
    try {
      const Reply r = c.call(Op::read, group::os, os_cmd::params, MapBuilder().finish());
      if (take(reply_error(r)).rc == 0) {
        const Params p = take(decode_params(r));
        if (p.buf_size >= 64) budget = p.buf_size > 65535 ? 65535 : static_cast<std::size_t>(p.buf_size);
      }
    } catch (const Failure& f) {
      if (f.code != ExitCode::device) throw;
    }
  }
  const std::size_t limit = c.transport_max();
  return limit != 0 && budget > limit ? limit : budget;
}

std::string duration(double s) {
  const long total = std::lround(s);
  char buf[32];
  (void)std::snprintf(buf, sizeof buf, "%02ld:%02ld", total / 60, total % 60);
  return buf;
}

class Progress {
 public:
  Progress(bool on, std::size_t total) : on_(on), total_(total), start_(Clock::now()) {}
  void update(std::size_t done, std::size_t sent_this_run) {
    if (!on_) return;
    const double s = std::chrono::duration<double>(Clock::now() - start_).count();
    const double rate = s > 0 ? static_cast<double>(sent_this_run) / s : 0;
    const double left = rate > 0 ? static_cast<double>(total_ - done) / rate : 0;
    const std::size_t width = 30;
    const std::size_t fill = total_ == 0 ? width : done * width / total_;
    (void)std::fprintf(stderr, "\r[%s%s] %3zu%% %7.1f KiB/s %s left ", std::string(fill, '#').c_str(),
                 std::string(width - fill, ' ').c_str(), total_ == 0 ? 100 : done * 100 / total_, rate / 1024,
                 duration(left).c_str());
    (void)std::fflush(stderr);
  }
  void end() {
    if (on_) (void)std::fputc('\n', stderr);
  }

 private:
  bool on_;
  std::size_t total_;
  Clock::time_point start_;
};

// One chunk's request map. The first chunk (off 0) names the upload: length, the whole image's
// SHA-256 and the image number; the same three again on a later run make a device that kept
// the session (Zephyr, Ward) answer with its offset: the upload resumes there.
Bytes chunk_map(const Bytes& file, std::size_t off, std::size_t n, const std::array<std::uint8_t, 32>& sha,
                const UploadOptions& u) {
  MapBuilder m;
  if (off == 0) {
    m.uint("image", u.image).uint("len", file.size()).bytes("sha", sha);
    if (u.upgrade) m.boolean("upgrade", true);
  }
  m.uint("off", off).bytes("data", std::span<const std::uint8_t>(file).subspan(off, n));
  return m.finish();
}

}  // namespace

void cmd_image_list(Client& c, std::ostream& out) {
  const Reply r = c.call_ok(Op::read, group::image, image_cmd::state, MapBuilder().finish());
  print_state(take(decode_image_state(r)), out);
}

void cmd_image_test(Client& c, const Bytes& hash, std::ostream& out) { state_write(c, hash, false, out); }

void cmd_image_confirm(Client& c, const std::optional<Bytes>& hash, std::ostream& out) {
  state_write(c, hash, true, out);
}

void cmd_image_erase(Client& c, std::optional<std::uint32_t> slot, std::ostream& out) {
  MapBuilder m;
  if (slot) m.uint("slot", *slot);
  (void)c.call_ok(Op::write, group::image, image_cmd::erase, m.finish());
  out << "Done\n";
}

void cmd_image_slot_info(Client& c, std::ostream& out) {
  const Reply r = c.call_ok(Op::read, group::image, image_cmd::slot_info, MapBuilder().finish());
  out << "Images:\n";
  for (const ImageSlotsInfo& image : take(decode_slot_info(r))) {
    out << " image=" << image.image << '\n';
    for (const SlotSize& s : image.slots) {
      out << "    slot=" << s.slot << " size=" << s.size;
      if (s.upload_image_id) out << " upload_image_id=" << *s.upload_image_id;
      out << '\n';
    }
    out << "    max_image_size: " << (image.max_image_size ? std::to_string(*image.max_image_size) : "N/A") << '\n';
  }
}

void cmd_image_upload(Client& c, const Bytes& file, const UploadOptions& u, std::ostream& out) {
  if (file.empty() || file.size() > 0xffffffffu) throw Failure(ExitCode::usage, "an image is 1 byte to 4 GiB");
  const auto sha = sha256(file);
  const std::size_t budget = packet_budget(c);
  // Room for data: the budget less the header and the first chunk's map with no data, less the
  // growth of "off" (up to 4 more bytes) and of the data's length head (up to 4 more).
  const std::size_t overhead = kHeaderBytes + chunk_map(file, 0, 0, sha, u).size() + 8;
  if (budget <= overhead + 16) throw Failure(ExitCode::usage, "--mtu " + std::to_string(budget) + " leaves no room for data");
  const std::size_t per_chunk = budget - overhead;
  Progress bar(u.progress, file.size());
  const auto started = Clock::now();
  std::size_t off = 0, sent = 0;
  int stalls = 0;
  bool first = true;
  while (first || off < file.size()) {
    const std::size_t n = std::min(per_chunk, file.size() - off);
    const Reply r = c.call(Op::write, group::image, image_cmd::upload, chunk_map(file, off, n, sha, u));
    const DeviceError e = take(reply_error(r));
    const cbor_item_t* off_item = r.find("off");
    // A device that expected another offset says which (Ward: image error 20 with "off"; SMP 1: rc 3
    // with "off"): go on from there, as after a resumed session.
    const bool resync = e.rc != 0 && off_item != nullptr &&
                        ((e.group && *e.group == group::image && e.rc == kImageInvalidOffset) || (!e.group && e.rc == 3));
    if (e.rc != 0 && !resync) throw Failure(ExitCode::device, "upload at offset " + std::to_string(off) + ": the device refused: " + e.describe());
    const std::uint64_t next = take(decode_upload_offset(r));
    if (next > file.size()) throw Failure(ExitCode::transport, "the device answered offset " + std::to_string(next) + ", beyond the image");
    if (first && next > n) out << "Resuming at offset " << next << " of " << file.size() << '\n';
    if (!first && next <= off) {
      if (++stalls > 3) throw Failure(ExitCode::device, "the device does not take the upload on at offset " + std::to_string(off));
    } else {
      stalls = 0;
    }
    if (!resync) sent += n;
    first = false;
    off = static_cast<std::size_t>(next);
    bar.update(off, sent);
  }
  bar.end();
  const double s = std::chrono::duration<double>(Clock::now() - started).count();
  std::ostringstream rate;
  rate << std::fixed << std::setprecision(1) << (s > 0 ? static_cast<double>(sent) / 1024 / s : 0.0);
  out << "Done: " << file.size() << " bytes (" << sent << " sent in this run, " << rate.str() << " KiB/s), sha256 "
      << hex(sha) << '\n';
}

}  // namespace ward::mgmt_client
