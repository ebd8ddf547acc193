// SMP over UDP, polled by the console's thread (udp_service.hpp). Development builds only.
#include "ward/autoconf.h"

#if !defined(CONFIG_WARD_MGMT_UDP)
#error "SMP over UDP has no authentication: it needs CONFIG_WARD_MGMT_UDP=y, which production builds refuse"
#endif

#include "ward/mgmt/udp_service.hpp"

extern "C" {
#include "lwip/api.h"
#include "lwip/pbuf.h"
}

#include "ward/mgmt/udp_transport.hpp"

namespace ward::mgmt {

bool UdpService::open(std::uint16_t port) {
  if (listening()) {
    return true;
  }
  struct netconn* conn = netconn_new(NETCONN_UDP_IPV6);  // dual stack: IPv4 and IPv6
  if (conn == nullptr) {
    return false;
  }
  if (netconn_bind(conn, IP6_ADDR_ANY, port) != ERR_OK) {
    (void)netconn_delete(conn);
    return false;
  }
  conn_.store(conn, std::memory_order_release);
  return true;
}

bool UdpService::serve(struct netconn* conn, struct netbuf* request, ConsoleService& smp) {
  struct pbuf* in = request->p;
  const std::size_t size = in->tot_len;
  struct pbuf* whole = nullptr;
  if (in->len != in->tot_len && size <= kPacket) {
    // A datagram in several buffers (IP reassembly): one contiguous copy, from lwIP's heap.
    whole = pbuf_clone(PBUF_RAW, PBUF_RAM, in);
    if (whole == nullptr) {
      return false;  // dropped: no memory
    }
    in = whole;
  }
  bool reset = false;
  std::span<const std::byte> out;
  if (udp::accepts(in->len, size, kPacket)) {
    out = smp.answer(std::span<const std::byte>{static_cast<const std::byte*>(in->payload), in->len}, reset);
  }
  if (whole != nullptr) {
    pbuf_free(whole);
  }
  // The answer by reference to the shared response buffer: no copy on lwIP's heap.
  struct netbuf* reply = out.empty() ? nullptr : netbuf_new();
  // Nothing to answer (dropped), or no memory for the answer's netbuf: nothing is sent.
  if (reply != nullptr && netbuf_ref(reply, out.data(), static_cast<u16_t>(out.size())) == ERR_OK) {
    // Synchronous: lwIP has copied the answer (into the driver's transmit buffer, or a queued pbuf
    // while ARP or ND resolves the sender) when this returns; the buffer is free for the next one.
    (void)netconn_sendto(conn, reply, netbuf_fromaddr(request), netbuf_fromport(request));
  }
  if (reply != nullptr) {
    netbuf_delete(reply);
  }
  return reset;
}

bool UdpService::poll(ConsoleService& smp) {
  struct netconn* conn = conn_.load(std::memory_order_acquire);
  struct netbuf* request = nullptr;
  if (conn == nullptr || netconn_recv_udp_raw_netbuf_flags(conn, &request, NETCONN_DONTBLOCK) != ERR_OK) {
    return false;
  }
  const bool reset = serve(conn, request, smp);
  netbuf_delete(request);
  if (reset) {
    // The answer is queued to the driver; let it leave before the device resets.
    (void)this_thread::sleep_for(Duration::ms(100));
  }
  return reset;
}

}  // namespace ward::mgmt
