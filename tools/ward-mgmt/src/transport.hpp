// ward-mgmt's transports: SMP packets over a serial line (a tty or pty with POSIX termios, or the
// TCP socket of QEMU's serial chardev), in the console framing, and over UDP (one packet per
// datagram). Errors are thrown as Failure with the exit code scripts see.
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "exit_codes.hpp"

namespace ward::mgmt_client {

// Ends a command: a message for the user and the process's exit code.
struct Failure : std::runtime_error {
  Failure(ExitCode c, const std::string& what) : std::runtime_error(what), code(c) {}
  ExitCode code;
};

using Clock = std::chrono::steady_clock;

class Transport {
 public:
  virtual ~Transport() = default;
  virtual void send(std::span<const std::uint8_t> packet) = 0;
  // One received packet, or nullopt once `deadline` passes. Packets dropped on the way (bad
  // framing, oversize datagrams) are not returned; the last reason is in dropped().
  virtual std::optional<std::vector<std::uint8_t>> receive(Clock::time_point deadline) = 0;
  virtual std::string dropped() = 0;
  // The largest request packet the transport itself can carry (0: no limit of its own).
  virtual std::size_t max_packet() const = 0;
};

// --conntype and --connstring, as mcumgr names them:
//   serial: "dev=/dev/ttyUSB0[,baud=115200]" (a tty or pty), or "tcp=HOST:PORT" (QEMU's
//           -serial tcp:... chardev); the console framing either way
//   udp:    "HOST:PORT" or "[HOST]:PORT"
//   tls:    "HOST:PORT" or "[HOST]:PORT": SMP over TLS (1.2 at least), SMP-over-TCP framing (each
//           packet is its 8-byte header and its data, back to back on the stream); the device's
//           certificate must chain to TlsOptions::ca and carry TlsOptions::name (default: HOST, an IP
//           address checked as one), and the client authenticates with TlsOptions::cert and key
// dtls is named by the protocol but not served: refused with a usage error.
struct TlsOptions {
  std::string cert;  // PEM: the operator's client certificate (from the device's management CA)
  std::string key;   // PEM: its private key
  std::string ca;    // PEM: the CA the device's certificate chains to
  std::string name;  // the name the device's certificate must carry (default: the connstring's host)
};
std::unique_ptr<Transport> open_transport(const std::string& conntype, const std::string& connstring,
                                          const TlsOptions& tls = {});

}  // namespace ward::mgmt_client
