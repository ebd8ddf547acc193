// lwIP with Ward's port (lib/net/lwip/sys_arch.cpp) on the host kernel: lwIP's own thread, its
// mailboxes and semaphores as Ward objects, and a fake Ethernet netif whose received frames pass
// frame intake first, exactly as the LAN9118's do. Checks that the stack answers ARP, delivers
// and echoes a UDP datagram, and drops (and counts) what is malformed without delivering it.
//
// One test case: lwIP starts once per process (tcpip_init), and CTest runs each case in a
// process of its own anyway.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <vector>

extern "C" {
#include "lwip/api.h"
#include "lwip/etharp.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/stats.h"
#include "lwip/tcpip.h"
}

#include "ward/host/kernel.hpp"
#include "ward/kernel.hpp"
#include "ward/kernel/socket.hpp"
#include "ward/net/frame_intake.hpp"

namespace {
using Bytes = std::vector<std::uint8_t>;

constexpr std::array<std::uint8_t, 6> kOurMac{0x02, 0, 0, 0, 0, 0x02};
constexpr std::array<std::uint8_t, 6> kPeerMac{0x02, 0, 0, 0, 0, 0x01};
constexpr std::array<std::uint8_t, 4> kOurIp{192, 168, 7, 2};
constexpr std::array<std::uint8_t, 4> kPeerIp{192, 168, 7, 1};

struct netif fake;
std::vector<Bytes> sent;  // frames lwIP transmitted (its thread writes, one thread runs at a time)
ward::net::IntakeCounters intake;
ward::BinarySemaphore step;

err_t capture(struct netif*, struct pbuf* p) {
  Bytes frame(p->tot_len);
  pbuf_copy_partial(p, frame.data(), p->tot_len, 0);
  sent.push_back(std::move(frame));
  return ERR_OK;
}

err_t fake_init(struct netif* nif) {
  nif->hwaddr_len = 6;
  std::memcpy(nif->hwaddr, kOurMac.data(), 6);
  nif->mtu = 1500;
  nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP;
  nif->output = etharp_output;
  nif->linkoutput = capture;
  return ERR_OK;
}

void add_fake(void*) {
  ip4_addr_t ip, mask, gw;
  IP4_ADDR(&ip, kOurIp[0], kOurIp[1], kOurIp[2], kOurIp[3]);
  IP4_ADDR(&mask, 255, 255, 255, 0);
  IP4_ADDR(&gw, kPeerIp[0], kPeerIp[1], kPeerIp[2], kPeerIp[3]);
  netif_add(&fake, &ip, &mask, &gw, nullptr, fake_init, tcpip_input);
  netif_set_default(&fake);
  netif_set_up(&fake);
  (void)step.give();
}

// A frame as the LAN9118's FIFO would hold it, taken through frame intake into a pool pbuf and
// handed to lwIP's thread: returns false if intake dropped it.
struct WordFifo {
  std::vector<std::uint32_t> words;
  std::size_t next = 0;
  std::uint32_t pop_status() { return pop_data(); }
  std::uint32_t pop_data() { return next < words.size() ? words[next++] : 0; }
  void flush() { next = words.size(); }
};
bool receive(const Bytes& frame) {
  WordFifo fifo;
  fifo.words.push_back(static_cast<std::uint32_t>(frame.size() + 4) << 16);
  Bytes padded = frame;
  padded.resize((frame.size() + 4 + 3) / 4 * 4, 0);  // the FCS (unchecked by intake) and padding
  for (std::size_t i = 0; i < padded.size(); i += 4) {
    std::uint32_t w = 0;
    std::memcpy(&w, &padded[i], 4);
    fifo.words.push_back(w);
  }
  struct pbuf* p = pbuf_alloc(PBUF_RAW, ward::net::kRxBufferBytes, PBUF_POOL);
  if (p == nullptr) return false;
  const auto r = ward::net::receive_one(
      fifo, std::span<std::byte>{static_cast<std::byte*>(p->payload), ward::net::kRxBufferBytes}, intake);
  if (r.drop != ward::net::Drop::none) {
    pbuf_free(p);
    return false;
  }
  pbuf_realloc(p, static_cast<u16_t>(r.bytes));
  if (tcpip_input(p, &fake) != ERR_OK) pbuf_free(p);
  return true;
}

void put16(Bytes& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}
Bytes ethernet(const std::array<std::uint8_t, 6>& dst, std::uint16_t type) {
  Bytes b(dst.begin(), dst.end());
  b.insert(b.end(), kPeerMac.begin(), kPeerMac.end());
  put16(b, type);
  return b;
}
Bytes arp_request() {
  Bytes b = ethernet({0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 0x0806);
  for (std::uint16_t v : {std::uint16_t{1}, std::uint16_t{0x0800}}) put16(b, v);
  b.push_back(6);
  b.push_back(4);
  put16(b, 1);
  b.insert(b.end(), kPeerMac.begin(), kPeerMac.end());
  b.insert(b.end(), kPeerIp.begin(), kPeerIp.end());
  b.insert(b.end(), 6, 0);
  b.insert(b.end(), kOurIp.begin(), kOurIp.end());
  return b;  // 42 bytes: a runt, as slirp sends them
}
// An IPv4/UDP frame from the peer to port 7; `ip_total` overrides the IP total length (a lie),
// `bad_checksum` spoils the header checksum.
Bytes udp_frame(const Bytes& payload, int ip_total = -1, bool bad_checksum = false) {
  Bytes b = ethernet(kOurMac, 0x0800);
  const std::size_t ip_at = b.size();
  const auto total = static_cast<std::uint16_t>(ip_total >= 0 ? ip_total : 20 + 8 + payload.size());
  b.push_back(0x45);
  b.push_back(0);
  put16(b, total);
  put16(b, 1);
  put16(b, 0);
  b.push_back(64);
  b.push_back(17);
  put16(b, 0);
  b.insert(b.end(), kPeerIp.begin(), kPeerIp.end());
  b.insert(b.end(), kOurIp.begin(), kOurIp.end());
  std::uint32_t sum = 0;
  for (std::size_t i = ip_at; i < ip_at + 20; i += 2) sum += (b[i] << 8) | b[i + 1];
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  const auto checksum = static_cast<std::uint16_t>(~sum ^ (bad_checksum ? 1 : 0));
  b[ip_at + 10] = static_cast<std::uint8_t>(checksum >> 8);
  b[ip_at + 11] = static_cast<std::uint8_t>(checksum);
  put16(b, 5000);
  put16(b, 7);
  put16(b, static_cast<std::uint16_t>(8 + payload.size()));
  put16(b, 0);  // no UDP checksum (allowed over IPv4)
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

// Receives one datagram on `conn` within a second of simulated time; empty if none came.
Bytes receive_datagram(struct netconn* conn) {
  struct netbuf* buf = nullptr;
  if (netconn_recv(conn, &buf) != ERR_OK) return {};
  void* data = nullptr;
  u16_t len = 0;
  netbuf_data(buf, &data, &len);
  Bytes out(static_cast<const std::uint8_t*>(data), static_cast<const std::uint8_t*>(data) + len);
  // Echo it back to its sender, as the device's echo server does.
  EXPECT_EQ(netconn_sendto(conn, buf, netbuf_fromaddr(buf), netbuf_fromport(buf)), ERR_OK);
  netbuf_delete(buf);
  return out;
}

// The socket layer's send_to, receive_from and poll on port 7 (kernel::stack, called as the
// kernel calls it once its checks are done).
int sockets(const Bytes& payload) {
  namespace stack = ward::kernel::stack;
  auto opened = stack::open(ward::kSocketDatagram);
  EXPECT_TRUE(opened.has_value());
  if (!opened) return 10;
  ward::Socket& s = **opened;
  ward::SocketAddress any;
  any.family = ward::SocketAddress::kIpv4;
  any.port = 7;
  EXPECT_TRUE(stack::bind(s, any));
  EXPECT_TRUE(stack::set_option(s, ward::kSocketReceiveTimeout, 1'000'000));
  EXPECT_EQ(stack::poll(s), ward::kPollOut) << "nothing to read yet; a datagram socket can send";

  EXPECT_TRUE(receive(udp_frame(payload)));
  (void)ward::this_thread::sleep_for(ward::Duration::ms(10));
  EXPECT_EQ(stack::poll(s), ward::kPollIn | ward::kPollOut);
  ward::SocketAddress from;
  std::byte four[4] = {};
  auto got = stack::receive_from(s, from, four);
  EXPECT_EQ(got.value_or(0), 4u) << "a datagram is cut to the buffer";
  EXPECT_EQ(std::memcmp(four, payload.data(), 4), 0);
  EXPECT_EQ(from.family, ward::SocketAddress::kIpv4);
  EXPECT_EQ(from.port, 5000);
  EXPECT_TRUE(std::equal(kPeerIp.begin(), kPeerIp.end(), from.address));
  EXPECT_EQ(stack::poll(s), ward::kPollOut) << "the rest of the datagram was dropped";

  sent.clear();
  ward::SocketAddress to = from;
  to.port = 6000;
  const std::byte out[3] = {std::byte{1}, std::byte{2}, std::byte{3}};
  EXPECT_EQ(stack::send_to(s, to, out).value_or(0), 3u);
  (void)ward::this_thread::sleep_for(ward::Duration::ms(10));
  EXPECT_EQ(sent.size(), 1u);
  if (sent.size() == 1) {
    const Bytes& frame = sent.back();
    EXPECT_EQ(frame.size(), 14u + 20 + 8 + 3);
    EXPECT_EQ(frame[14 + 20 + 2], 6000 >> 8);  // to the address given
    EXPECT_EQ(frame[14 + 20 + 3], 6000 & 0xff);
  }
  to.family = 9;
  EXPECT_FALSE(stack::send_to(s, to, out).has_value()) << "an unknown family";
  stack::close(s);

  auto tcp = stack::open(ward::kSocketStream);
  EXPECT_TRUE(tcp.has_value());
  if (tcp) {
    EXPECT_EQ(stack::poll(**tcp), 0) << "an unconnected stream can neither send nor receive";
    EXPECT_FALSE(stack::send_to(**tcp, from, out).has_value()) << "sendto on a stream";
    EXPECT_FALSE(stack::receive_from(**tcp, from, four).has_value()) << "recvfrom on a stream";
    stack::close(**tcp);
  }
  return 0;
}

int scenario() {
  tcpip_init([](void*) { (void)step.give(); }, nullptr);
  if (!step.take(ward::Timeout::after(ward::Duration::s(1)))) return 1;
  if (tcpip_callback(add_fake, nullptr) != ERR_OK) return 2;
  if (!step.take(ward::Timeout::after(ward::Duration::s(1)))) return 3;

  struct netconn* udp = netconn_new(NETCONN_UDP);
  EXPECT_NE(udp, nullptr);
  EXPECT_EQ(netconn_bind(udp, IP4_ADDR_ANY, 7), ERR_OK);
  netconn_set_recvtimeout(udp, 1000);
  (void)ward::this_thread::sleep_for(ward::Duration::ms(10));
  sent.clear();  // the gratuitous ARP of netif_set_up

  // ARP: a 42-byte request (a runt) passes intake and gets lwIP's reply.
  EXPECT_TRUE(receive(arp_request()));
  (void)ward::this_thread::sleep_for(ward::Duration::ms(10));
  EXPECT_EQ(sent.size(), 1u);
  if (!sent.empty()) {
    const Bytes& reply = sent.back();
    EXPECT_GE(reply.size(), 42u);
    EXPECT_TRUE(std::equal(kPeerMac.begin(), kPeerMac.end(), reply.begin()));
    EXPECT_EQ(reply[12], 0x08);
    EXPECT_EQ(reply[13], 0x06);
    EXPECT_EQ(reply[21], 2);  // ARP reply
  }

  // UDP: delivered, and the echo goes back to the peer's address and port.
  const Bytes payload{'w', 'a', 'r', 'd', '-', 'n', 'e', 't'};
  EXPECT_TRUE(receive(udp_frame(payload)));
  EXPECT_EQ(receive_datagram(udp), payload);
  (void)ward::this_thread::sleep_for(ward::Duration::ms(10));
  EXPECT_EQ(sent.size(), 2u);
  if (sent.size() == 2) {
    const Bytes& echo = sent.back();
    EXPECT_TRUE(std::equal(kPeerMac.begin(), kPeerMac.end(), echo.begin()));
    EXPECT_EQ(echo.size(), 14u + 20 + 8 + payload.size());
    EXPECT_EQ(echo[14 + 20 + 2], 5000 >> 8);  // to the sender's port
    EXPECT_EQ(echo[14 + 20 + 3], 5000 & 0xff);
    EXPECT_TRUE(std::equal(payload.begin(), payload.end(), echo.end() - static_cast<long>(payload.size())));
  }

  // Malformed: an IP length longer than the frame, a bad header checksum: dropped by lwIP and
  // counted, nothing delivered, nothing sent.
  const auto lenerr = lwip_stats.ip.lenerr, chkerr = lwip_stats.ip.chkerr;
  EXPECT_TRUE(receive(udp_frame(payload, 400)));
  EXPECT_TRUE(receive(udp_frame(payload, -1, true)));
  EXPECT_TRUE(receive_datagram(udp).empty());
  EXPECT_EQ(lwip_stats.ip.lenerr, lenerr + 1);
  EXPECT_EQ(lwip_stats.ip.chkerr, chkerr + 1);
  EXPECT_EQ(sent.size(), 2u);

  // Intake: frames without a whole header or with a multicast source never reach lwIP.
  const auto delivered = lwip_stats.link.recv;
  EXPECT_FALSE(receive(Bytes(13, 0x55)));
  Bytes spoofed = udp_frame(payload);
  spoofed[6] |= 1;
  EXPECT_FALSE(receive(spoofed));
  (void)ward::this_thread::sleep_for(ward::Duration::ms(10));
  EXPECT_EQ(intake.too_short, 1u);
  EXPECT_EQ(intake.bad_source, 1u);
  EXPECT_EQ(lwip_stats.link.recv, delivered);
  EXPECT_TRUE(receive_datagram(udp).empty());
  netconn_delete(udp);
  return sockets(payload);
}

TEST(LwipOnHostKernel, AnswersArpEchoesUdpDropsMalformed) {
  EXPECT_EQ(ward::host::run_kernel(&scenario), 0);
}

}  // namespace
