// SMP over UDP: one datagram, one packet (udp_transport.hpp).
#include "ward/mgmt/udp_transport.hpp"

namespace ward::mgmt::udp {

std::size_t serve(Server& server, std::span<const std::byte> received, std::size_t datagram_size,
                  std::span<std::byte> response, std::size_t max_packet) {
  if (datagram_size != received.size() || datagram_size > max_packet) {
    return 0;
  }
  return server.handle(received, response);
}

}  // namespace ward::mgmt::udp
