// SMP over UDP port 1337 (docs/device-management.md, "UDP transport"): Zephyr's smp_udp transport on
// an lwIP netconn. Each datagram is one request (udp::accepts); the answer goes back to the
// datagram's sender. DEVELOPMENT BUILDS ONLY: compiled only with CONFIG_WARD_MGMT_UDP, which a
// production build refuses (anyone who can reach the port can upload, test, reset and read the
// device; production management needs a mutually authenticated channel, DTLS or TLS).
//
// No thread of its own: the console's thread (ConsoleService) polls it between polls of the UART
// (PolledTransport), so both transports are served one request at a time by one thread, with no
// lock, one stack and one response buffer (ConsoleService::answer). The upload session and the
// reset request are the groups', whichever transport a request came on, as before.
//
// Memory: no buffer of its own. The request is read in place from lwIP's receive buffer (a
// datagram split over several buffers, after IP reassembly, is copied into one pbuf from lwIP's
// heap first); the answer is sent from the shared response buffer by reference (lwIP copies it
// into the driver's transmit buffer, or into a queued pbuf while ARP or ND resolves the sender,
// before netconn_sendto returns).
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "ward/mgmt/console_service.hpp"

struct netconn;
struct netbuf;

namespace ward::mgmt {

class UdpService final : public PolledTransport {
 public:
  // The largest SMP packet taken or answered: the console transport's (the buffer is shared).
  static constexpr std::size_t kPacket = ConsoleService::kPacket;

  constexpr UdpService() = default;

  // Binds UDP `port` (IPv4 and IPv6); call once the network stack runs (net::start_interface
  // first), from any thread. False: no socket (the console still serves).
  bool open(std::uint16_t port);
  // Serves one datagram if one is waiting (never blocks).
  bool poll(ConsoleService& smp) override;

  // Whether the port is bound.
  bool listening() const { return conn_.load(std::memory_order_acquire) != nullptr; }

 private:
  // Answers one datagram; true when the answer was a reset request's.
  bool serve(struct netconn* conn, struct netbuf* request, ConsoleService& smp);

  // Published by open() (another thread) once bound; read by the console's thread.
  std::atomic<struct netconn*> conn_{nullptr};
};

}  // namespace ward::mgmt
