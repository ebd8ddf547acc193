// ward-mgmt's client: one request and its reply at a time over a Transport, with SMP's sequence
// numbers matched, a timeout per try and a number of tries; and the commands built on it.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

#include "smp.hpp"
#include "transport.hpp"

namespace ward::mgmt_client {

struct ClientOptions {
  double timeout_s = 3.0;  // per try
  int tries = 3;
  std::size_t mtu = 0;     // largest request packet; 0: ask the device (mcumgr parameters)
  bool verbose = false;
};

class Client {
 public:
  Client(Transport& t, const ClientOptions& o, std::ostream& log);

  // Sends the request and waits for its reply: replies to other sequence numbers and dropped
  // frames are passed over until the try's timeout; then the request is sent again. Throws
  // Failure: timeout after the last try, transport on a malformed answer to this request.
  Reply call(Op op, std::uint16_t group, std::uint8_t id, const Bytes& map);
  // The same, and the device's error (rc or err) is a Failure(device).
  Reply call_ok(Op op, std::uint16_t group, std::uint8_t id, const Bytes& map);

  const ClientOptions& options() const { return opt_; }
  std::ostream& log() { return log_; }
  std::size_t transport_max() const { return t_.max_packet(); }

 private:
  Transport& t_;
  ClientOptions opt_;
  std::ostream& log_;
  std::uint8_t seq_;
  std::uint8_t version_ = 1;  // SMP 2; falls back to 1 when a device answers in version 1
};

// Throws Failure(transport) for a ReplyError.
template <class T>
T take(std::variant<T, ReplyError>&& v) {
  if (auto* e = std::get_if<ReplyError>(&v)) throw Failure(ExitCode::transport, "malformed reply: " + e->what);
  return std::move(std::get<T>(v));
}

// --- commands (printing to `out`) -------------------------------------------------------------------
void cmd_echo(Client& c, const std::string& text, std::ostream& out);
void cmd_reset(Client& c, bool force, std::ostream& out);
void cmd_taskstat(Client& c, std::ostream& out);
void cmd_image_list(Client& c, std::ostream& out);
void cmd_image_test(Client& c, const Bytes& hash, std::ostream& out);
void cmd_image_confirm(Client& c, const std::optional<Bytes>& hash, std::ostream& out);
void cmd_image_erase(Client& c, std::optional<std::uint32_t> slot, std::ostream& out);
void cmd_image_slot_info(Client& c, std::ostream& out);

struct UploadOptions {
  std::uint32_t image = 0;
  bool upgrade = false;
  bool progress = false;  // a progress bar on stderr (a terminal)
};
void cmd_image_upload(Client& c, const Bytes& file, const UploadOptions& u, std::ostream& out);

}  // namespace ward::mgmt_client
