// SMP over UDP: one datagram, one packet (udp_transport.hpp).
#include "ward/mgmt/udp_transport.hpp"

namespace ward::mgmt::udp {

std::size_t serve(Server& server, std::span<const std::byte> received, std::size_t datagram_size,
                  std::span<std::byte> response, std::size_t max_packet) {
  return accepts(received.size(), datagram_size, max_packet) ? server.handle(received, response) : 0;
}

}  // namespace ward::mgmt::udp
