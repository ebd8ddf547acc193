// Unpredictable numbers for the IP stack (lwIP's LWIP_RAND: DHCP transaction ids, DNS query ids
// and source ports, TCP initial sequence numbers, ephemeral ports). A predictable value lets an
// off-path host forge answers, so each platform supplies a cryptographic source: the secure
// world's generator (psa_generate_random) on the device, the kernel's getrandom() on the host.
#pragma once
#include <cstdint>

namespace ward::net {
std::uint32_t random32();
}  // namespace ward::net
