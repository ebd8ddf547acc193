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
// dtls and tls are named by the protocol but not served yet: refused with a usage error.
std::unique_ptr<Transport> open_transport(const std::string& conntype, const std::string& connstring);

}  // namespace ward::mgmt_client
