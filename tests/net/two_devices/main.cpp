// Two Ward devices on one Ethernet link without a DHCP server (tests/net/two_devices_test.py):
// two QEMU instances joined by `-netdev dgram`, each with its own MAC address, and this image
// on both with a static IPv4 address chosen by the command line.
//
//   --role=b  device B, 10.0.9.2/24: echoes UDP datagrams and one TCP connection at a time on
//             port 7; exits after a UDP "quit" (echoed first), printing what it echoed.
//             --corrupt-tcp=N (N > 0, the test's negative run): flips the stream's byte N-1 once.
//   --role=a  device A, 10.0.9.1/24: sends datagrams of every size class to B and checks each echo,
//             then a TCP stream of kTcpBytes in pieces, checking every byte that comes back; then
//             "quit". Exits 0 only if every byte came back as sent.
// Every wait is bounded (netconn timeouts, retry counts); the test bounds each QEMU run too.
#include <atomic>
#include <cstdint>
#include <cstring>
#include <string_view>

extern "C" {
#include "lwip/api.h"
#include "lwip/ip_addr.h"
#include "lwip/netif.h"
}

#include "ward/board.hpp"
#include "ward/command_line.hpp"
#include "ward/kernel.hpp"
#include "ward/net/interface.hpp"
#include "ward/net/lan9118.hpp"
#include "ward/print.hpp"
#include "ward/stack_bound.hpp"

namespace {
using namespace ward;

constexpr std::uint16_t kEchoPort = 7;
constexpr std::uint32_t kTcpBytes = 128 * 1024;
constexpr std::size_t kTcpPiece = 4096;  // A writes a piece, then reads it back whole
constexpr std::uint16_t kUdpSizes[] = {1, 2, 3, 46, 64, 512, 1000, 1400, 1472};
constexpr int kUdpTries = 5;  // a datagram may be lost; never more tries than this

const net::StaticIpv4 kDeviceA{{10, 0, 9, 1}, {255, 255, 255, 0}, {0, 0, 0, 0}};
const net::StaticIpv4 kDeviceB{{10, 0, 9, 2}, {255, 255, 255, 0}, {0, 0, 0, 0}};

net::Lan9118 ethernet{{0x42000000, 48}};

std::uint64_t argument(std::string_view name) { return number_argument(board::command_line(), name); }

// The stream's byte i (A sends it, B echoes it, A checks it): not periodic within kTcpBytes.
std::uint8_t stream_byte(std::uint32_t i) {
  std::uint32_t x = i * 2654435761u;
  x ^= x >> 15;
  return static_cast<std::uint8_t>(x ^ (i >> 8));
}

ip_addr_t address_of(const net::StaticIpv4& d) {
  ip_addr_t a;
  IP_ADDR4(&a, d.address[0], d.address[1], d.address[2], d.address[3]);
  return a;
}

void print_ip(const ip_addr_t& a) {
  char text[IPADDR_STRLEN_MAX];
  print(ipaddr_ntoa_r(&a, text, sizeof text));
}

// ---- Device B -----------------------------------------------------------------------------------

std::atomic<std::uint32_t> tcp_bytes = 0;
std::atomic<std::uint32_t> tcp_connections = 0;
std::atomic<std::uint32_t> tcp_closed = 0;
std::uint32_t corrupt_at = 0;  // 0: never; else the stream offset + 1 of the byte flipped once

void serve(struct netconn* conn) {
  struct netbuf* buf = nullptr;
  while (netconn_recv(conn, &buf) == ERR_OK) {
    do {
      void* data = nullptr;
      u16_t len = 0;
      netbuf_data(buf, &data, &len);
      const std::uint32_t at = tcp_bytes.load();
      if (corrupt_at != 0 && corrupt_at - 1 >= at && corrupt_at - 1 < at + len) {
        static_cast<std::uint8_t*>(data)[corrupt_at - 1 - at] ^= 0x01;
        corrupt_at = 0;
      }
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
WARD_STACK_BOUND_THREAD(tcp_stack, &tcp_echo);

int device_b() {
  corrupt_at = static_cast<std::uint32_t>(argument("--corrupt-tcp="));
  struct netconn* udp = netconn_new(NETCONN_UDP);
  if (udp == nullptr || netconn_bind(udp, IP4_ADDR_ANY, kEchoPort) != ERR_OK) {
    print("two_devices: b: cannot bind UDP port 7\n");
    return 1;
  }
  struct netconn* listener = netconn_new(NETCONN_TCP);
  if (listener == nullptr || netconn_bind(listener, IP4_ADDR_ANY, kEchoPort) != ERR_OK ||
      netconn_listen(listener) != ERR_OK) {
    print("two_devices: b: cannot listen on TCP port 7\n");
    return 1;
  }
  if (!tcp_thread.start(tcp_stack.span(), &tcp_echo, listener, Priority{15}, "tcp-echo")) {
    print("two_devices: b: cannot start the TCP echo\n");
    return 1;
  }
  print("two_devices: b: ready, echo on UDP and TCP port 7\n");
  std::uint32_t datagrams = 0;
  std::uint32_t udp_bytes = 0;
  bool first = true;
  // Bounded by the test's QEMU timeout: B serves until A's "quit".
  for (;;) {
    struct netbuf* buf = nullptr;
    if (netconn_recv(udp, &buf) != ERR_OK) continue;
    void* data = nullptr;
    u16_t len = 0;
    netbuf_data(buf, &data, &len);
    const bool quit = len == 4 && std::memcmp(data, "quit", 4) == 0;
    if (first) {
      first = false;
      print("two_devices: b: first datagram from ");
      print_ip(*netbuf_fromaddr(buf));
      print('\n');
    }
    if (netconn_sendto(udp, buf, netbuf_fromaddr(buf), netbuf_fromport(buf)) == ERR_OK && !quit) {
      ++datagrams;
      udp_bytes += len;
    }
    netbuf_delete(buf);
    if (quit) break;
  }
  // "quit" may overtake the TCP thread's close: a bounded wait for it.
  for (int i = 0; i < 200 && tcp_closed < tcp_connections; ++i) (void)this_thread::sleep_for(Duration::ms(10));
  const auto& c = ethernet.counters();
  print("two_devices: b: udp echoed ", datagrams, " datagrams ", udp_bytes, " bytes, tcp connections ",
        tcp_connections.load(), " closed ", tcp_closed.load(), " bytes ", tcp_bytes.load(), '\n');
  print("two_devices: b: intake accepted ", c.accepted, " dropped ", c.dropped(), '\n');
  print("two_devices: b: done\n");
  return 0;
}

// ---- Device A -----------------------------------------------------------------------------------

alignas(4) std::uint8_t piece[kTcpPiece];

// One datagram of `size` to B and its echo, compared; at most kUdpTries sends.
bool udp_round(struct netconn* conn, const ip_addr_t& b, std::uint16_t size, std::uint32_t seed) {
  for (int attempt = 0; attempt < kUdpTries; ++attempt) {
    struct netbuf* out = netbuf_new();
    void* p = out != nullptr ? netbuf_alloc(out, size) : nullptr;
    if (p == nullptr) {
      if (out != nullptr) netbuf_delete(out);
      return false;
    }
    for (std::uint16_t i = 0; i < size; ++i) static_cast<std::uint8_t*>(p)[i] = stream_byte(seed + i);
    const err_t sent = netconn_sendto(conn, out, &b, kEchoPort);
    netbuf_delete(out);
    if (sent != ERR_OK) continue;  // e.g. ARP not yet answered: lwIP queues one; try again
    struct netbuf* in = nullptr;
    // A late echo of an earlier datagram (another size) is passed over; at most 4 of them.
    for (int stale = 0; stale < 4; ++stale) {
      if (netconn_recv(conn, &in) != ERR_OK) break;  // the 1 s receive timeout
      if (netbuf_len(in) == size) break;
      netbuf_delete(in);
      in = nullptr;
    }
    if (in == nullptr) continue;
    bool same = true;
    // Sizes are at most 1472, less than the piece buffer: one copy.
    static_assert(sizeof piece >= 1472);
    {
      constexpr std::uint16_t i = 0;
      const u16_t n = netbuf_copy_partial(in, piece, size, 0);
      for (u16_t k = 0; same && k < n; ++k) same = piece[k] == stream_byte(seed + i + k);
    }
    netbuf_delete(in);
    if (!same) {
      print("two_devices: a: udp echo of ", size, " bytes came back different\n");
      return false;
    }
    return true;
  }
  print("two_devices: a: no udp echo of ", size, " bytes after ", kUdpTries, " tries\n");
  return false;
}

// The stream to B, a piece at a time, each piece read back whole and checked: returns the bytes
// that came back right (kTcpBytes when all did).
std::uint32_t tcp_stream(const ip_addr_t& b) {
  struct netconn* conn = netconn_new(NETCONN_TCP);
  if (conn == nullptr) return 0;
  netconn_set_recvtimeout(conn, 10'000);
  std::uint32_t good = 0;
  if (netconn_connect(conn, &b, kEchoPort) != ERR_OK) {
    print("two_devices: a: tcp connect to B failed\n");
  } else {
    bool ok = true;
    for (std::uint32_t at = 0; ok && at < kTcpBytes; at += kTcpPiece) {
      for (std::size_t i = 0; i < kTcpPiece; ++i) piece[i] = stream_byte(at + static_cast<std::uint32_t>(i));
      ok = netconn_write(conn, piece, kTcpPiece, NETCONN_COPY) == ERR_OK;
      std::size_t back = 0;
      // A piece comes back in at most a few segments; 64 receives bound the loop.
      for (int i = 0; ok && back < kTcpPiece && i < 64; ++i) {
        struct netbuf* nb = nullptr;
        if (netconn_recv(conn, &nb) != ERR_OK) {
          print("two_devices: a: tcp receive failed after ", good, " bytes\n");
          ok = false;
          break;
        }
        do {
          void* data = nullptr;
          u16_t len = 0;
          netbuf_data(nb, &data, &len);
          for (u16_t k = 0; ok && k < len; ++k) {
            if (back + k >= kTcpPiece ||
                static_cast<const std::uint8_t*>(data)[k] != stream_byte(at + static_cast<std::uint32_t>(back + k))) {
              print("two_devices: a: tcp byte ", at + back + k, " came back different\n");
              ok = false;
            }
          }
          back += len;
        } while (ok && netbuf_next(nb) >= 0);
        netbuf_delete(nb);
      }
      ok = ok && back == kTcpPiece;
      good += ok ? kTcpPiece : 0;
    }
  }
  netconn_close(conn);
  netconn_delete(conn);
  return good;
}

int device_a() {
  const ip_addr_t b = address_of(kDeviceB);
  struct netconn* udp = netconn_new(NETCONN_UDP);
  if (udp == nullptr || netconn_bind(udp, IP4_ADDR_ANY, 0) != ERR_OK) {
    print("two_devices: a: cannot open a UDP netconn\n");
    return 1;
  }
  netconn_set_recvtimeout(udp, 1'000);
  std::uint32_t udp_ok = 0;
  std::uint32_t udp_bytes = 0;
  std::uint32_t seed = 0;
  for (const std::uint16_t size : kUdpSizes) {
    if (udp_round(udp, b, size, seed)) {
      ++udp_ok;
      udp_bytes += size;
    }
    seed += 7919;
  }
  print("two_devices: a: udp ", udp_ok, " of ", sizeof kUdpSizes / sizeof kUdpSizes[0], " datagrams (", udp_bytes,
        " bytes) echoed exact\n");
  const std::uint32_t good = tcp_stream(b);
  print("two_devices: a: tcp ", good, " of ", kTcpBytes, " bytes echoed exact\n");
  // "quit", until B's echo of it arrives (B exits after echoing it).
  bool quit = false;
  for (int attempt = 0; !quit && attempt < kUdpTries; ++attempt) {
    struct netbuf* out = netbuf_new();
    if (out == nullptr || netbuf_ref(out, "quit", 4) != ERR_OK) break;
    const err_t sent = netconn_sendto(udp, out, &b, kEchoPort);
    netbuf_delete(out);
    struct netbuf* in = nullptr;
    if (sent == ERR_OK && netconn_recv(udp, &in) == ERR_OK) {
      quit = netbuf_len(in) == 4;
      netbuf_delete(in);
    }
  }
  const auto& c = ethernet.counters();
  print("two_devices: a: intake accepted ", c.accepted, " dropped ", c.dropped(), '\n');
  const bool ok = udp_ok == sizeof kUdpSizes / sizeof kUdpSizes[0] && good == kTcpBytes && quit;
  print(ok ? "two_devices: a: done, every byte came back\n" : "two_devices: a: done, SOMETHING FAILED\n");
  return ok ? 0 : 1;
}
}  // namespace

int main() {
  const std::string_view line = board::command_line();
  const bool is_a = line.find("--role=a") != std::string_view::npos;
  const bool is_b = line.find("--role=b") != std::string_view::npos;
  if (is_a == is_b) {
    print("two_devices: usage: --role=a | --role=b [--corrupt-tcp=N]\n");
    return 1;
  }
  if (!net::start_interface(ethernet, Priority{20}, is_a ? kDeviceA : kDeviceB) ||
      !net::wait_for_ipv4(Timeout::after(Duration::s(5)))) {
    print("two_devices: no interface\n");
    return 1;
  }
  const auto mac = ethernet.mac();
  print("two_devices: ", is_a ? "a" : "b", ": MAC ");
  constexpr const char* kDigits = "0123456789abcdef";
  for (std::size_t i = 0; i < mac.size(); ++i) {
    const char byte[] = {':', kDigits[mac[i] >> 4], kDigits[mac[i] & 15], '\0'};
    print(i ? byte : byte + 1);
  }
  print(" address ");
  print_ip(*netif_ip_addr4(&net::interface_netif()));
  print('\n');
  return is_a ? device_a() : device_b();
}
