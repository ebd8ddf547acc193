// Ward's network sample: the LAN9118 with lwIP on the non-secure side. It takes a DHCP lease from
// the network (QEMU's user networking: 10.0.2.15), resolves a name through the DNS server the
// lease named, and serves UDP and TCP echo on port 7 until a UDP datagram "quit" arrives; then it
// prints what frame intake counted and exits. tests/net/net_echo_test.py drives it.
#include <atomic>
#include <cstdint>
#include <cstring>

extern "C" {
#include "lwip/api.h"
#include "lwip/dns.h"
#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/stats.h"
}

#include "ward/kernel.hpp"
#include "ward/net/interface.hpp"
#include "ward/net/lan9118.hpp"
#include "ward/print.hpp"
#include "ward/stack_bound.hpp"
#include "sample_marks.hpp"

namespace {
using namespace ward;

constexpr std::uint16_t kEchoPort = 7;
// mps2-an505's LAN9118 (non-secure alias; the secure image opens its PPC port).
net::Lan9118 ethernet{{0x42000000, 48}};

// Written by the TCP thread, read by main once the TCP thread is idle.
std::atomic<std::uint32_t> tcp_bytes = 0;
std::atomic<std::uint32_t> tcp_connections = 0;
std::atomic<std::uint32_t> tcp_closed = 0;

void print_ip(const ip_addr_t& a) {
  char text[IPADDR_STRLEN_MAX];
  print(ipaddr_ntoa_r(&a, text, sizeof text));
}

// One connection at a time: echoes every byte back until the peer closes.
void serve(struct netconn* conn) {
  struct netbuf* buf = nullptr;
  while (netconn_recv(conn, &buf) == ERR_OK) {
    do {
      void* data = nullptr;
      u16_t len = 0;
      netbuf_data(buf, &data, &len);
      if (netconn_write(conn, data, len, NETCONN_COPY) != ERR_OK) {
        netbuf_delete(buf);
        return;
      }
      tcp_bytes += len;
    } while (netbuf_next(buf) >= 0);
    netbuf_delete(buf);
  }
}

ThreadStack<2048> tcp_stack;
Thread tcp_thread;
// The listener is made by main before "ready" is printed: a peer that connects on "ready" finds
// it listening (made here, in this less urgent thread, it could still be missing then: slirp
// would pass on the device's reset).
void tcp_echo(void* arg) {
  auto* listener = static_cast<struct netconn*>(arg);
  for (;;) {
    struct netconn* conn = nullptr;
    if (netconn_accept(listener, &conn) != ERR_OK) continue;
    ++tcp_connections;
    serve(conn);
    netconn_close(conn);
    netconn_delete(conn);
    ++tcp_closed;
  }
}

void resolve(const char* name) {
  ip_addr_t addr;
  const Instant start = now();
  const err_t e = netconn_gethostbyname(name, &addr);
  print("net_echo: dns ", name, " -> ");
  if (e == ERR_OK) {
    print_ip(addr);
  } else {
    print("error ", static_cast<int>(e));  // ERR_VAL: no answer, or an answer without an address
  }
  // lwIP gives up only after 7 s of retries: a quicker failure means the resolver answered.
  print(" in ", (now() - start).to_us() / 1000, " ms\n");
}

// Serves UDP echo in the calling thread; returns when "quit" arrives.
std::uint32_t udp_echo(struct netconn* conn) {
  std::uint32_t datagrams = 0;
  for (;;) {
    struct netbuf* buf = nullptr;
    if (netconn_recv(conn, &buf) != ERR_OK) continue;
    void* data = nullptr;
    u16_t len = 0;
    netbuf_data(buf, &data, &len);
    const bool quit = len == 4 && std::memcmp(data, "quit", 4) == 0;
    // netbuf_fromaddr/port: the sender; the same netbuf goes back to it.
    if (netconn_sendto(conn, buf, netbuf_fromaddr(buf), netbuf_fromport(buf)) == ERR_OK) ++datagrams;
    netbuf_delete(buf);
    if (quit) return datagrams;
  }
}
}  // namespace

int main() {
  sample::marks_begin();  // net_echo_marks only (samples/marks.conf), as marks_report below
  if (auto s = net::start_interface(ethernet, Priority{20}); !s) {
    print("net_echo: interface failed\n");
    return 1;
  }
  const auto mac = ethernet.mac();
  print("net_echo: LAN9118 up, MAC ");
  constexpr const char* kDigits = "0123456789abcdef";
  for (std::size_t i = 0; i < mac.size(); ++i) {
    const char byte[] = {i ? ':' : '\0', kDigits[mac[i] >> 4], kDigits[mac[i] & 15], '\0'};
    print(i ? byte : byte + 1);
  }
  print('\n');
  if (!net::wait_for_ipv4(Timeout::after(Duration::s(20)))) {
    print("net_echo: no DHCP lease\n");
    return 1;
  }
  auto& nif = net::interface_netif();
  print("net_echo: dhcp ");
  print_ip(*netif_ip_addr4(&nif));
  print(" gw ");
  print_ip(*netif_ip_gw4(&nif));
  print(" dns ");
  print_ip(*dns_getserver(0));
  print('\n');
  resolve("localhost");

  struct netconn* udp = netconn_new(NETCONN_UDP_IPV6);
  if (udp == nullptr || netconn_bind(udp, IP6_ADDR_ANY, kEchoPort) != ERR_OK) {
    print("net_echo: cannot bind UDP port 7\n");
    return 1;
  }
  struct netconn* listener = netconn_new(NETCONN_TCP_IPV6);  // dual stack: IPv4 and IPv6
  if (listener == nullptr || netconn_bind(listener, IP6_ADDR_ANY, kEchoPort) != ERR_OK ||
      netconn_listen(listener) != ERR_OK) {
    print("net_echo: cannot listen on TCP port 7\n");
    return 1;
  }
  WARD_STACK_BOUND_THREAD(tcp_stack, &tcp_echo);
  if (!tcp_thread.start(tcp_stack.span(), &tcp_echo, listener, Priority{15}, "tcp-echo")) {
    print("net_echo: cannot start the TCP echo\n");
    return 1;
  }
  print("net_echo: ready, echo on UDP and TCP port 7\n");
  const std::uint32_t datagrams = udp_echo(udp);
  // "quit" may overtake the TCP thread (a lower priority) finishing its last connection: give it
  // a bounded while to see the peer's close before the counts are printed.
  for (int i = 0; i < 200 && tcp_closed < tcp_connections; ++i) {
    (void)this_thread::sleep_for(Duration::ms(10));
  }

  const auto& c = ethernet.counters();
  print("net_echo: udp datagrams ", datagrams, ", tcp connections ", tcp_connections.load(), ", tcp bytes ",
        tcp_bytes.load(), '\n');
  print("net_echo: intake accepted ", c.accepted, " dropped ", c.dropped(), " (short ", c.too_short, " long ",
        c.too_long, " error ", c.error, " filtered ", c.filtered, " source ", c.bad_source, " malformed ",
        c.malformed, ") no-buffer ", ethernet.no_buffer(), " interrupts ", ethernet.interrupts(), '\n');
  sample::marks_report();  // after the test's echoes (tests/net/net_echo_test.py --stack-report)
  print("net_echo: done\n");
  return 0;
}
