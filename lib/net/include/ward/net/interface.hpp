// The device's network interface: lwIP's thread, one Ethernet netif on the LAN9118 and the thread
// that moves received frames from the controller to lwIP. IPv4 by DHCP (or a static address),
// IPv6 link-local plus stateless autoconfiguration.
#pragma once
#include <array>
#include <cstdint>

#include "ward/kernel.hpp"
#include "ward/net/lan9118.hpp"

struct netif;

namespace ward::net {

// Starts lwIP (tcpip_thread), initialises `dev`, adds it as the default interface, starts DHCP
// and the receive thread at `rx_priority`. Once per boot.
Status start_interface(Lan9118& dev, Priority rx_priority);

// A fixed IPv4 address instead of DHCP (a network without a DHCP server: two devices on one
// link, tests/net/two_devices). A zero gateway: none.
struct StaticIpv4 {
  std::array<std::uint8_t, 4> address;
  std::array<std::uint8_t, 4> netmask;
  std::array<std::uint8_t, 4> gateway;
};
// The same with `ipv4` set on the netif before it comes up; no DHCP client runs.
Status start_interface(Lan9118& dev, Priority rx_priority, const StaticIpv4& ipv4);
// Waits until DHCP has supplied an IPv4 address.
Status wait_for_ipv4(Timeout timeout);
// lwIP's netif (read only from other threads: the tcpip thread owns it).
netif& interface_netif();

}  // namespace ward::net
