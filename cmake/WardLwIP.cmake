# lwIP 2.2, the non-secure image's IP stack (docs/networking.md), built from the pinned source.
#
# - cmake/lwip.pin names the release and the SHA-256 of Debian's orig tarball.
# - scripts/fetch-orig.sh (run by `./ward setup`) verifies it and unpacks it to
#   <cache>/lwip-<version> with the verified checksum in .ward-verified-sha256. Configuring fails
#   unless that stamp matches the pin, as for Mbed TLS and tinycbor.
# - Compiled: the core (IPv4, IPv6, DHCP, DNS, UDP, TCP), the netconn API, Ethernet and the SNTP
#   client (it parses SNTP answers: lwIP's code, not Ward's). Not
#   compiled: SNMP, PPP, 6LoWPAN, SLIP, the bridge, altcp_tls (it targets Mbed TLS 2.x) and the
#   other apps but SNTP (apps/sntp: lib/net/src/sntp.cpp starts it). lib/net/lwip/include holds Ward's lwipopts.h and the architecture port's headers.
# - One static library per preset (the configuration is Ward's, not an image's); the port's
#   sys_arch (kernel objects) compiles inside each image through ward_net (lib/net).
#
# Sets WARD_LWIP_PIN and WARD_LWIP_SOURCE_DIR (for the SBOM).
include(WardPinnedSource)
set(WARD_LWIP_PIN ${CMAKE_SOURCE_DIR}/cmake/lwip.pin)
ward_pinned_source(lwIP ${WARD_LWIP_PIN} WARD_LWIP_SOURCE_DIR)

set(_lw ${WARD_LWIP_SOURCE_DIR}/src)
add_library(ward_lwip STATIC
  # core
  ${_lw}/core/init.c ${_lw}/core/def.c ${_lw}/core/dns.c ${_lw}/core/inet_chksum.c ${_lw}/core/ip.c
  ${_lw}/core/mem.c ${_lw}/core/memp.c ${_lw}/core/netif.c ${_lw}/core/pbuf.c ${_lw}/core/raw.c
  ${_lw}/core/stats.c ${_lw}/core/sys.c ${_lw}/core/tcp.c ${_lw}/core/tcp_in.c ${_lw}/core/tcp_out.c
  ${_lw}/core/timeouts.c ${_lw}/core/udp.c
  # IPv4 (with DHCP and its address conflict detection)
  ${_lw}/core/ipv4/acd.c ${_lw}/core/ipv4/dhcp.c ${_lw}/core/ipv4/etharp.c ${_lw}/core/ipv4/icmp.c
  ${_lw}/core/ipv4/igmp.c ${_lw}/core/ipv4/ip4_frag.c ${_lw}/core/ipv4/ip4.c ${_lw}/core/ipv4/ip4_addr.c
  # IPv6 (stateless autoconfiguration; no DHCPv6)
  ${_lw}/core/ipv6/ethip6.c ${_lw}/core/ipv6/icmp6.c ${_lw}/core/ipv6/inet6.c ${_lw}/core/ipv6/ip6.c
  ${_lw}/core/ipv6/ip6_addr.c ${_lw}/core/ipv6/ip6_frag.c ${_lw}/core/ipv6/mld6.c ${_lw}/core/ipv6/nd6.c
  # the tcpip thread and the netconn API (no BSD sockets yet: Ward's own come as system calls)
  ${_lw}/api/api_lib.c ${_lw}/api/api_msg.c ${_lw}/api/err.c ${_lw}/api/netbuf.c ${_lw}/api/netdb.c
  ${_lw}/api/tcpip.c
  ${_lw}/netif/ethernet.c
  # SNTP (apps/sntp): the calendar time for certificate validity (ward/net/sntp.hpp)
  ${_lw}/apps/sntp/sntp.c)
target_include_directories(ward_lwip SYSTEM PUBLIC ${CMAKE_SOURCE_DIR}/lib/net/lwip/include ${_lw}/include)
# Third-party code: never -Werror, and its warnings are not ours to fix.
target_compile_options(ward_lwip PRIVATE -w)
if(NOT WARD_IS_HOST)
  target_compile_options(ward_lwip PRIVATE -Os -ffunction-sections -fdata-sections -fstack-protector-strong)
endif()
if(WARD_SANITIZER_FLAGS)
  target_compile_options(ward_lwip PRIVATE ${WARD_SANITIZER_FLAGS})
  target_link_options(ward_lwip INTERFACE ${WARD_SANITIZER_FLAGS})
endif()
