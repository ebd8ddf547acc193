// SMP over UDP, Zephyr's smp_udp transport (docs/device-management.md, "UDP transport"): one SMP
// packet per datagram, no framing around it, the answer sent back to the datagram's sender. The
// portable part: what the transport does with one datagram, whatever it is. The firmware thread
// around it is udp_service.hpp, polled by the console's thread (development builds only: CONFIG_WARD_MGMT_UDP, which a production
// build refuses: there is no authentication on this transport).
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

#include "ward/mgmt/server.hpp"

namespace ward::mgmt::udp {

// The port mcumgr and Zephyr use for SMP over UDP.
inline constexpr std::uint16_t kPort = 1337;

// Serves one datagram of `datagram_size` bytes, of which `received` holds what the transport could
// take (a receive buffer may be smaller than the datagram). Returns the answer's length in
// `response`, or 0: nothing is sent back. Dropped without an answer:
//   - a datagram larger than what was received (truncated: never parsed, a truncated SMP packet
//     could be a different valid one) or than the largest packet served;
//   - everything the server itself drops (shorter than a header, a response op, ...).
// Every other datagram gets the server's answer, an SMP error for a malformed one (length field
// that differs from the datagram: rc 3). A replayed datagram is a request like any other: the
// image group refuses a replayed upload chunk by its offset (group error 20).
// Whether a datagram of `datagram_size` bytes, `received` of them taken, goes to the server: the
// first check of serve(), which a firmware transport that calls the server itself makes the same
// way (UdpService).
constexpr bool accepts(std::size_t received, std::size_t datagram_size, std::size_t max_packet) {
  return datagram_size == received && datagram_size <= max_packet;
}

std::size_t serve(Server& server, std::span<const std::byte> received, std::size_t datagram_size,
                  std::span<std::byte> response, std::size_t max_packet);

}  // namespace ward::mgmt::udp
