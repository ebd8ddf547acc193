// SMP over UDP as a firmware thread (udp_service.hpp). Development builds only.
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

Status UdpService::start(std::span<std::byte> stack, Priority priority, std::uint16_t port) {
  port_ = port;
  return thread_.start(stack, &UdpService::run, this, priority, "smp-udp");
}

bool UdpService::serve(struct netconn* conn, struct netbuf* request) {
  struct pbuf* in = request->p;
  const std::size_t size = in->tot_len;
  struct pbuf* whole = nullptr;
  if (in->len != in->tot_len && size <= kPacket) {
    // A datagram in several buffers (IP reassembly): one contiguous copy, from lwIP's heap.
    whole = pbuf_clone(PBUF_RAW, PBUF_RAM, in);
    if (whole == nullptr) {
      ++dropped_;
      return false;
    }
    in = whole;
  }
  const std::span<const std::byte> received{static_cast<const std::byte*>(in->payload), in->len};
  struct netbuf* reply = netbuf_new();
  void* out = reply != nullptr ? netbuf_alloc(reply, kPacket) : nullptr;
  std::size_t n = 0;
  bool reset = false;
  if (out != nullptr) {
    // The reset request is taken with its answer, under the same lock: the console thread cannot
    // take it (and reset the device before this answer is out).
    if (lock_ != nullptr) (void)lock_->lock();
    n = udp::serve(server_, received, size, std::span<std::byte>{static_cast<std::byte*>(out), kPacket}, kPacket);
    reset = os_.take_reset();
    if (lock_ != nullptr) (void)lock_->unlock();
  }
  if (whole != nullptr) {
    pbuf_free(whole);
  }
  if (n == 0) {
    ++dropped_;  // nothing to answer (dropped), or no memory for the answer
  } else {
    ++packets_;
    pbuf_realloc(reply->p, static_cast<u16_t>(n));
    (void)netconn_sendto(conn, reply, netbuf_fromaddr(request), netbuf_fromport(request));
  }
  if (reply != nullptr) {
    netbuf_delete(reply);
  }
  return reset;
}

void UdpService::run(void* arg) {
  auto& self = *static_cast<UdpService*>(arg);
  struct netconn* conn = netconn_new(NETCONN_UDP_IPV6);  // dual stack: IPv4 and IPv6
  if (conn == nullptr || netconn_bind(conn, IP6_ADDR_ANY, self.port_) != ERR_OK) {
    return;  // listening() stays false: the application reports it
  }
  self.listening_ = true;
  for (;;) {
    struct netbuf* request = nullptr;
    if (netconn_recv(conn, &request) != ERR_OK) {
      (void)this_thread::sleep_for(Duration::ticks(1));  // no busy loop on a persistent error
      continue;
    }
    const bool reset = self.serve(conn, request);
    netbuf_delete(request);
    if (reset) {
      // The answer is queued to the driver; let it leave before the device resets.
      (void)this_thread::sleep_for(Duration::ms(100));
      self.reset_();
    }
  }
}

}  // namespace ward::mgmt
