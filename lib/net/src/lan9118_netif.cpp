// The LAN9118 as lwIP's Ethernet netif (ward/net/interface.hpp). Received frames reach lwIP only
// through frame intake (Lan9118::drain); lwIP's thread owns the netif, so everything that changes
// it runs there (tcpip_callback).
#include <cstddef>
#include <span>

extern "C" {
#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/tcpip.h"
}

#include "ward/net/interface.hpp"
#include "ward/panic.hpp"
#include "ward/stack_bound.hpp"

namespace ward::net {
namespace {
struct Context {
  Lan9118* dev = nullptr;
  struct netif nif {};
  BinarySemaphore step;      // one bring-up step in lwIP's thread has finished
  BinarySemaphore ipv4_up;   // DHCP supplied an address
  bool ipv4_signalled = false;
  bool dhcp = true;          // else static_ipv4
  StaticIpv4 static_ipv4{};
};
Context ctx;

ThreadStack<2048> rx_stack;
Thread rx_thread;

alignas(4) std::byte tx_buffer[kMaxFrameBytes];  // lwIP's thread is the only sender

err_t link_output(struct netif* /*nif*/, struct pbuf* p) {
  if (p->tot_len > sizeof tx_buffer) {
    LINK_STATS_INC(link.drop);
    return ERR_BUF;
  }
  const u16_t n = pbuf_copy_partial(p, tx_buffer, p->tot_len, 0);
  if (!ctx.dev->transmit(std::span<const std::byte>{tx_buffer, n})) {
    LINK_STATS_INC(link.err);
    return ERR_IF;
  }
  LINK_STATS_INC(link.xmit);
  return ERR_OK;
}

void status_changed(struct netif* nif) {
  if (!ctx.ipv4_signalled && !ip4_addr_isany_val(*netif_ip4_addr(nif))) {
    ctx.ipv4_signalled = true;
    (void)ctx.ipv4_up.give();
  }
}

err_t netif_init(struct netif* nif) {
  const auto mac = ctx.dev->mac();
  nif->hwaddr_len = ETH_HWADDR_LEN;
  for (std::size_t i = 0; i < mac.size(); ++i) nif->hwaddr[i] = mac[i];
  nif->mtu = 1500;
  nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_MLD6;
  nif->name[0] = 'e';
  nif->name[1] = 'n';
  nif->output = etharp_output;
  nif->output_ip6 = ethip6_output;
  nif->linkoutput = link_output;
  return ERR_OK;
}

// In lwIP's thread: the netif, its addresses and DHCP.
ip4_addr_t ip4(const std::array<std::uint8_t, 4>& a) {
  ip4_addr_t r;
  IP4_ADDR(&r, a[0], a[1], a[2], a[3]);
  return r;
}

void add_netif(void* /*arg*/) {
  ip4_addr_t address = {}, netmask = {}, gateway = {};
  if (!ctx.dhcp) {
    address = ip4(ctx.static_ipv4.address);
    netmask = ip4(ctx.static_ipv4.netmask);
    gateway = ip4(ctx.static_ipv4.gateway);
  }
  if (netif_add(&ctx.nif, &address, &netmask, &gateway, nullptr, netif_init, tcpip_input) == nullptr) {
    panic("net: netif_add failed");
  }
  netif_set_status_callback(&ctx.nif, status_changed);
  netif_set_default(&ctx.nif);
  netif_create_ip6_linklocal_address(&ctx.nif, 1);
  netif_set_ip6_autoconfig_enabled(&ctx.nif, 1);
  netif_set_up(&ctx.nif);
  netif_set_link_up(&ctx.nif);  // QEMU's PHY reports the link up at once
  if (ctx.dhcp && dhcp_start(&ctx.nif) != ERR_OK) {
    panic("net: dhcp_start failed");
  }
  (void)ctx.step.give();
}

void tcpip_ready(void* /*arg*/) { (void)ctx.step.give(); }

// Receives whole frames into pool pbufs: one pbuf per frame (PBUF_POOL_BUFSIZE holds
// kRxBufferBytes), so intake writes straight into lwIP's buffer.
void receive_loop(void* /*arg*/) {
  for (;;) {
    // The timeout is a safety net for a lost interrupt, not the receive path.
    (void)ctx.dev->wait_for_frames(Timeout::after(Duration::s(1)));
    struct pbuf* p = nullptr;
    ctx.dev->drain(
        [&]() -> std::span<std::byte> {
          p = pbuf_alloc(PBUF_RAW, static_cast<u16_t>(kRxBufferBytes), PBUF_POOL);
          if (p != nullptr && p->len != p->tot_len) {
            pbuf_free(p);
            p = nullptr;
          }
          if (p == nullptr) {
            LINK_STATS_INC(link.memerr);
            return {};
          }
          return {static_cast<std::byte*>(p->payload), kRxBufferBytes};
        },
        [&](std::size_t bytes) {
          if (p == nullptr) return;
          if (bytes == 0) {
            LINK_STATS_INC(link.drop);
            pbuf_free(p);
          } else {
            pbuf_realloc(p, static_cast<u16_t>(bytes));
            LINK_STATS_INC(link.recv);
            if (ctx.nif.input(p, &ctx.nif) != ERR_OK) pbuf_free(p);
          }
          p = nullptr;
        });
  }
}
// The receive thread's stack and entry: its bound is checked at every link (lib/net/stackbound.conf
// resolves its call through ctx.nif.input).
WARD_STACK_BOUND_THREAD(rx_stack, receive_loop);
}  // namespace

Status start_interface(Lan9118& dev, Priority rx_priority) {
  if (ctx.dev != nullptr) return fail(Error::invalid_state);
  ctx.dev = &dev;
  if (auto s = dev.init(); !s) return s;
  tcpip_init(tcpip_ready, nullptr);
  if (auto s = ctx.step.take(); !s) return s;
  if (tcpip_callback(add_netif, nullptr) != ERR_OK) return fail(Error::invalid_state);
  if (auto s = ctx.step.take(); !s) return s;
  return rx_thread.start(rx_stack.span(), &receive_loop, nullptr, rx_priority, "net-rx");
}

Status start_interface(Lan9118& dev, Priority rx_priority, const StaticIpv4& ipv4) {
  if (ctx.dev != nullptr) return fail(Error::invalid_state);
  ctx.dhcp = false;
  ctx.static_ipv4 = ipv4;
  return start_interface(dev, rx_priority);
}

Status wait_for_ipv4(Timeout timeout) { return ctx.ipv4_up.take(timeout); }

netif& interface_netif() { return ctx.nif; }

}  // namespace ward::net
