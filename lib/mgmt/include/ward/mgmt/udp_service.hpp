// SMP over UDP port 1337 as a firmware thread (docs/device-management.md, "UDP transport"): Zephyr's
// smp_udp transport on an lwIP netconn. Each datagram is one request (udp::serve); the answer goes
// back to the datagram's sender. DEVELOPMENT BUILDS ONLY: compiled only with CONFIG_WARD_MGMT_UDP,
// which a production build refuses (anyone who can reach the port can upload, test, reset and read
// the device; production management needs a mutually authenticated channel, DTLS or TLS).
//
// Memory: no buffer of its own. The request is read in place from lwIP's receive buffer (a
// datagram split over several buffers, after IP reassembly, is copied into one pbuf from lwIP's
// heap first) and the answer is written straight into the pbuf that is sent, from lwIP's heap.
//
// Beside ConsoleService, both serve the same Server and groups: the two threads take `lock` around
// each request (the groups keep state: the upload session, the reset request).
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

#include "ward/kernel.hpp"
#include "ward/mgmt/os_group.hpp"
#include "ward/mgmt/server.hpp"

struct netconn;
struct netbuf;

namespace ward::mgmt {

class UdpService {
 public:
  // The largest SMP packet taken or answered: the same buf_size the console transport gives.
  static constexpr std::size_t kPacket = 1024;

  // `reset`: what resets the device; `lock`: held around each request (nullptr: this is the only
  // transport).
  UdpService(Server& server, OsGroup& os, void (*reset)(), Mutex* lock = nullptr)
      : server_(server), os_(os), reset_(reset), lock_(lock) {}

  // Starts the service thread on `stack`; it binds UDP `port` (IPv4 and IPv6) once the network
  // stack runs (net::start_interface first). WARD_STACK_BOUND_THREAD(stack, ward::mgmt::UdpService::run).
  Status start(std::span<std::byte> stack, Priority priority, std::uint16_t port);
  static void run(void* self);

  Thread& thread() { return thread_; }
  // Whether the port is bound (the thread got that far).
  bool listening() const { return listening_; }
  std::uint32_t packets() const { return packets_; }
  std::uint32_t dropped() const { return dropped_; }

 private:
  // Answers one datagram; true when the answer was a reset request's (taken from os_).
  bool serve(struct netconn* conn, struct netbuf* request);

  Server& server_;
  OsGroup& os_;
  void (*reset_)();
  Mutex* lock_;
  Thread thread_;
  std::uint16_t port_ = 0;
  volatile bool listening_ = false;
  std::uint32_t packets_ = 0;
  std::uint32_t dropped_ = 0;
};

}  // namespace ward::mgmt
