// The network stack's side of the socket system calls (the kernel's side: kernel/src/socket.cpp,
// ward/kernel/socket.hpp): a static pool of sockets, each one lwIP netconn.
//
// Everything here runs in the calling thread, privileged, after the kernel checked the socket
// (a handle granted to the caller) and the buffers (the caller's memory). User data is copied
// here, in the calling thread: sent data into a buffer of this file before lwIP's thread sees it,
// received data out of lwIP's buffers at the end; lwIP's thread never touches user memory, and
// user threads reach none of this memory (kernel .bss).
#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>

extern "C" {
#include "lwip/api.h"
#include "lwip/ip_addr.h"
}

#include "ward/kernel.hpp"
#include "ward/kernel/socket.hpp"
#include "ward/net/tls_sockets.hpp"

namespace ward {

// One socket: its netconn, and what is left of the last received buffer; or, for a TLS socket,
// the TLS engine's context (ward/net/tls_sockets.hpp), which owns its own netconn.
class Socket {
 public:
  struct netconn* conn = nullptr;
  void* tls = nullptr;
  struct netbuf* pending = nullptr;  // received, not yet all read
  std::uint16_t offset = 0;          // bytes of `pending` already read
  // Set by interrupt(): the kernel is closing the socket, a call in flight returns an error.
  std::atomic<bool> interrupted{false};
  // lwIP's events (on_event, in lwIP's thread), for poll: a send would not wait; the connection
  // failed.
  std::atomic<bool> writable{false};
  std::atomic<bool> failed{false};
  bool listening = false;  // counted against WARD_NET_LISTENERS (guarded by the pool's lock)

  void reset(struct netconn* c, bool can_send, void* tls_context = nullptr) {
    conn = c;
    tls = tls_context;
    pending = nullptr;
    offset = 0;
    interrupted = false;
    writable = can_send;
    failed = false;
    listening = false;
  }
};

namespace kernel::stack {
namespace {

// The pool's size and what the pool may hold of lwIP's PCBs come from lwipopts.h, where lwIP's pools
// are sized for them plus the system's own (DHCP, DNS, the kernel's netconns): the pool can never
// take the system's last PCB (red-team review).
constexpr std::size_t kSockets = WARD_NET_SOCKETS;
constexpr std::size_t kListeners = WARD_NET_LISTENERS;
constexpr std::uint32_t kBacklog = WARD_NET_BACKLOG;
static_assert(MEMP_NUM_UDP_PCB >= kSockets + WARD_NET_SYSTEM_UDP_PCBS, "every socket UDP, DHCP and DNS still run");
static_assert(WARD_NET_SYSTEM_UDP_PCBS >= 1 + DNS_MAX_SOURCE_PORTS, "DHCP and every DNS query in flight");
static_assert(MEMP_NUM_TCP_PCB >= kSockets + kListeners * kBacklog + WARD_NET_SYSTEM_TCP_PCBS,
              "every socket a connection, every listener's backlog full: the system's TCP PCBs are left");
static_assert(MEMP_NUM_TCP_PCB_LISTEN >= kListeners + WARD_NET_SYSTEM_LISTENERS, "the system can still listen");
static_assert(MEMP_NUM_NETCONN >= kSockets + kListeners * kBacklog + WARD_NET_SYSTEM_NETCONNS,
              "the system's netconns are left");
static_assert(TCP_LISTEN_BACKLOG, "lwIP must bound a listener's unaccepted connections");
std::array<Socket, kSockets> pool;
Mutex pool_lock;  // guards the pool's free slots (conn == nullptr)

// Sent TCP data passes through here, one sender at a time, for one write that never waits for
// the peer (NETCONN_DONTBLOCK: lwIP copies what fits into its own buffers and returns). A send
// that finds the socket's send buffer full waits outside the lock (kSendRetry between attempts),
// so a peer that never reads holds up its own sender only, and the send timeout covers it all.
std::byte send_buffer[kSocketMaxTransfer];
Mutex send_lock;
constexpr Duration kSendRetry = Duration::ms(5);

Error from_lwip(err_t e) {
  switch (e) {
    case ERR_MEM:
    case ERR_BUF: return Error::no_resources;
    case ERR_TIMEOUT: return Error::timeout;
    case ERR_WOULDBLOCK: return Error::would_block;
    case ERR_VAL:
    case ERR_ARG: return Error::invalid_argument;
    case ERR_USE:
    case ERR_ISCONN:
    case ERR_ALREADY:
    case ERR_INPROGRESS: return Error::invalid_state;
    default: return Error::connection;  // ERR_RST, ERR_ABRT, ERR_CLSD, ERR_CONN, ERR_RTE, ...
  }
}
Status check(err_t e) { return e == ERR_OK ? Status{} : Status{fail(from_lwip(e))}; }

// lwIP's events on a netconn of the pool (called in lwIP's thread). The socket is found by its
// netconn, not by lwIP's callback_arg: lwIP sets that to -1 in every new netconn (for its own
// sockets layer), and an accepted netconn can see events -- an error, a reset -- before it has a
// slot. Those find no socket: an accepted connection starts writable, and what arrived for it waits
// in its mailbox, which poll reads. close() frees the netconn (in lwIP's thread, synchronously)
// before the slot is given up, so no event reaches a slot's next socket.
// cppcheck-suppress constParameter ; the signature is lwIP's netconn_callback type
void on_event(struct netconn* conn, enum netconn_evt event, u16_t) {
  for (Socket& s : pool) {
    if (s.conn != conn) {
      continue;
    }
    switch (event) {
      case NETCONN_EVT_SENDPLUS: s.writable = true; break;
      case NETCONN_EVT_SENDMINUS: s.writable = false; break;
      case NETCONN_EVT_ERROR: s.failed = true; break;
      default: break;
    }
    return;
  }
}

// can_send: a datagram socket can always send, a stream one once connected (lwIP's SENDPLUS) or
// accepted.
Result<Socket*> take_slot(struct netconn* conn, bool can_send, void* tls = nullptr) {
  (void)pool_lock.lock();
  for (Socket& s : pool) {
    if (s.conn == nullptr && s.tls == nullptr) {
      s.reset(conn, can_send, tls);
      (void)pool_lock.unlock();
      return &s;
    }
  }
  (void)pool_lock.unlock();
  return fail(Error::no_resources);
}

// The user's address as lwIP's, with its port; only IPv4 and IPv6.
Result<ip_addr_t> to_lwip(const SocketAddress& a) {
  ip_addr_t ip{};
  if (a.family == SocketAddress::kIpv4) {
    IP_ADDR4(&ip, a.address[0], a.address[1], a.address[2], a.address[3]);
    return ip;
  }
  if (a.family == SocketAddress::kIpv6) {
    std::uint32_t words[4];
    std::memcpy(words, a.address, sizeof words);  // network order, as lwIP keeps them
    IP_ADDR6(&ip, words[0], words[1], words[2], words[3]);
    return ip;
  }
  return fail(Error::invalid_argument);
}

SocketAddress from_lwip(const ip_addr_t& ip, std::uint16_t port) {
  SocketAddress a;
  a.port = port;
  if (IP_IS_V4_VAL(ip)) {
    a.family = SocketAddress::kIpv4;
    const std::uint32_t v4 = ip4_addr_get_u32(ip_2_ip4(&ip));
    std::memcpy(a.address, &v4, 4);
  } else {
    a.family = SocketAddress::kIpv6;
    std::memcpy(a.address, ip_2_ip6(&ip)->addr, 16);
  }
  return a;
}

bool is_tcp(const Socket& s) { return NETCONNTYPE_GROUP(netconn_type(s.conn)) == NETCONN_TCP; }

// A TLS socket: a slot whose context is the engine's (the engine opens its own netconn at connect).
Result<Socket*> open_tls(std::uint32_t type) {
  if (type != (kSocketStream | kSocketTls)) {
    return fail(Error::invalid_argument);  // TLS over TCP, IPv4 (the address family is connect's)
  }
  auto context = net::tls_socket::open();
  if (!context) {
    return fail(context.error());
  }
  auto slot = take_slot(nullptr, false, *context);
  if (!slot) {
    net::tls_socket::close(*context);
  }
  return slot;
}

}  // namespace

Result<Socket*> open(std::uint32_t type) {
  if ((type & kSocketTls) != 0) {
    return open_tls(type);
  }
  const bool v6 = (type & kSocketIpv6) != 0;
  const std::uint32_t kind = type & ~kSocketIpv6;
  if (kind != kSocketStream && kind != kSocketDatagram) {
    return fail(Error::invalid_argument);
  }
  struct netconn* conn = netconn_new_with_callback(
      kind == kSocketStream ? (v6 ? NETCONN_TCP_IPV6 : NETCONN_TCP) : (v6 ? NETCONN_UDP_IPV6 : NETCONN_UDP), &on_event);
  if (conn == nullptr) {
    return fail(Error::no_resources);
  }
  auto slot = take_slot(conn, kind == kSocketDatagram);
  if (!slot) {
    netconn_delete(conn);
  }
  return slot;
}

Status bind(Socket& s, const SocketAddress& address) {
  if (s.tls != nullptr) {
    return fail(Error::invalid_state);  // a TLS socket is a client's: connect only
  }
  auto ip = to_lwip(address);
  if (!ip) {
    return fail(ip.error());
  }
  return check(netconn_bind(s.conn, &*ip, address.port));
}

Status connect(Socket& s, const SocketAddress& address) {
  if (s.tls != nullptr) {
    return net::tls_socket::connect(s.tls, address);
  }
  auto ip = to_lwip(address);
  if (!ip) {
    return fail(ip.error());
  }
  return check(netconn_connect(s.conn, &*ip, address.port));
}

namespace {
// At most kListeners of the pool's sockets listen at once: each one's backlog holds lwIP PCBs that
// no socket counts yet (lwipopts.h sizes the pools for kListeners * kBacklog of them).
bool mark_listening(Socket& s) {
  (void)pool_lock.lock();
  const auto n = static_cast<std::size_t>(std::count_if(pool.begin(), pool.end(), [](const Socket& o) { return o.listening; }));
  const bool ok = s.listening || n < kListeners;
  s.listening = ok;
  (void)pool_lock.unlock();
  return ok;
}
}  // namespace

Status listen(Socket& s, std::uint32_t backlog) {
  if (s.tls != nullptr || !is_tcp(s)) {
    return fail(Error::invalid_state);
  }
  const bool was_listening = s.listening;
  if (!mark_listening(s)) {
    return fail(Error::no_resources);
  }
  const Status r =
      check(netconn_listen_with_backlog(s.conn, static_cast<u8_t>(std::clamp<std::uint32_t>(backlog, 1, kBacklog))));
  if (!r && !was_listening) {
    (void)pool_lock.lock();
    s.listening = false;
    (void)pool_lock.unlock();
  }
  return r;
}

Result<Socket*> accept(Socket& s, SocketAddress& peer) {
  if (s.tls != nullptr || !is_tcp(s)) {
    return fail(Error::invalid_state);
  }
  struct netconn* conn = nullptr;
  const err_t e = netconn_accept(s.conn, &conn);
  if (s.interrupted && e == ERR_OK) {
    (void)netconn_close(conn);  // the listener is closing: so is what it just accepted
    netconn_delete(conn);
  }
  if (s.interrupted) {
    return fail(Error::connection);
  }
  if (e != ERR_OK) {
    return fail(from_lwip(e));
  }
  ip_addr_t ip{};
  u16_t port = 0;
  (void)netconn_getaddr(conn, &ip, &port, 0);
  peer = from_lwip(ip, port);
  auto slot = take_slot(conn, true);  // (it inherited the listener's on_event)
  if (!slot) {
    netconn_close(conn);
    netconn_delete(conn);
  }
  return slot;
}

namespace {

// The send timeout (lwIP's milliseconds, 0: forever) as the end of one send's waits.
struct Deadline {
  bool forever = true;
  Instant end{};
  Timeout timeout() const { return forever ? Timeout::forever() : Timeout::until(end); }
  bool passed() const { return !forever && now() >= end; }
};
Deadline send_deadline(const Socket& s) {
  const s32_t ms = netconn_get_sendtimeout(s.conn);
  return Deadline{ms <= 0, now() + Duration::ms(ms > 0 ? ms : 0)};
}

Result<std::size_t> send_tcp(Socket& s, std::span<const std::byte> data) {
  const std::size_t n = std::min(data.size(), sizeof send_buffer);
  const Deadline deadline = send_deadline(s);
  for (;;) {
    if (s.interrupted) {
      return fail(Error::connection);
    }
    if (auto l = send_lock.lock(deadline.timeout()); !l) {
      return fail(l.error());
    }
    std::memcpy(send_buffer, data.data(), n);  // the copy: lwIP reads only this buffer
    std::size_t written = 0;
    const err_t e = netconn_write_partly(s.conn, send_buffer, n, NETCONN_COPY | NETCONN_DONTBLOCK, &written);
    (void)send_lock.unlock();
    if (e == ERR_OK && written > 0) {
      return written;
    }
    if (e != ERR_OK && e != ERR_WOULDBLOCK) {
      return fail(from_lwip(e));
    }
    if (deadline.passed()) {
      return fail(Error::timeout);
    }
    (void)this_thread::sleep_for(kSendRetry);  // the peer has not read yet: its window is full
  }
}

// UDP: a connected socket sends one datagram to its peer. Copied straight into lwIP's buffer, in
// the calling thread (no shared buffer, no lock).
Result<std::size_t> send_udp(Socket& s, std::span<const std::byte> data) {
  const std::size_t n = std::min(data.size(), kSocketMaxTransfer);
  struct netbuf* buf = netbuf_new();
  if (buf == nullptr || netbuf_alloc(buf, static_cast<u16_t>(n)) == nullptr) {
    netbuf_delete(buf);
    return fail(Error::no_resources);
  }
  std::memcpy(buf->p->payload, data.data(), n);  // the copy: lwIP reads only its own buffer
  const err_t e = netconn_send(s.conn, buf);
  netbuf_delete(buf);
  if (e != ERR_OK) {
    return fail(from_lwip(e));
  }
  return n;
}

}  // namespace

Result<std::size_t> send(Socket& s, std::span<const std::byte> data) {
  if (s.tls != nullptr) {
    return net::tls_socket::send(s.tls, data);
  }
  return is_tcp(s) ? send_tcp(s, data) : send_udp(s, data);
}

Result<std::size_t> receive(Socket& s, std::span<std::byte> data) {
  if (s.tls != nullptr) {
    return net::tls_socket::receive(s.tls, data);
  }
  if (s.pending == nullptr) {
    struct netbuf* buf = nullptr;
    const err_t e = netconn_recv(s.conn, &buf);
    if (s.interrupted) {
      netbuf_delete(buf);  // null unless data came in as the close began
      return fail(Error::connection);
    }
    if (e == ERR_CLSD) {
      return std::size_t{0};  // the peer closed the connection
    }
    if (e != ERR_OK) {
      return fail(from_lwip(e));
    }
    s.pending = buf;
    s.offset = 0;
  }
  const std::size_t left = netbuf_len(s.pending) - s.offset;
  const auto n = static_cast<u16_t>(std::min(left, data.size()));
  // The copy into the caller's (checked) memory.
  (void)netbuf_copy_partial(s.pending, data.data(), n, s.offset);
  s.offset = static_cast<std::uint16_t>(s.offset + n);
  // A datagram is read once: what did not fit is dropped, as recv(2) does.
  if (s.offset == netbuf_len(s.pending) || !is_tcp(s)) {
    netbuf_delete(s.pending);
    s.pending = nullptr;
  }
  return std::size_t{n};
}

Result<std::size_t> send_to(Socket& s, const SocketAddress& to, std::span<const std::byte> data) {
  if (s.tls != nullptr || is_tcp(s)) {
    return fail(Error::invalid_state);  // a stream has its peer: send
  }
  auto ip = to_lwip(to);
  if (!ip) {
    return fail(ip.error());
  }
  const std::size_t n = std::min(data.size(), kSocketMaxTransfer);
  struct netbuf* buf = netbuf_new();
  if (buf == nullptr || netbuf_alloc(buf, static_cast<u16_t>(n)) == nullptr) {
    netbuf_delete(buf);
    return fail(Error::no_resources);
  }
  std::memcpy(buf->p->payload, data.data(), n);  // the copy: lwIP reads only its own buffer
  const err_t e = netconn_sendto(s.conn, buf, &*ip, to.port);
  netbuf_delete(buf);
  if (e != ERR_OK) {
    return fail(from_lwip(e));
  }
  return n;
}

Result<std::size_t> receive_from(Socket& s, SocketAddress& from, std::span<std::byte> data) {
  if (s.tls != nullptr || is_tcp(s)) {
    return fail(Error::invalid_state);  // a stream has its peer: recv
  }
  struct netbuf* buf = nullptr;
  const err_t e = netconn_recv(s.conn, &buf);
  if (s.interrupted) {
    netbuf_delete(buf);
    return fail(Error::connection);
  }
  if (e != ERR_OK) {
    return fail(from_lwip(e));
  }
  from = from_lwip(*netbuf_fromaddr(buf), netbuf_fromport(buf));
  const auto n = static_cast<u16_t>(std::min<std::size_t>(netbuf_len(buf), data.size()));
  (void)netbuf_copy_partial(buf, data.data(), n, 0);  // the copy into the caller's memory
  netbuf_delete(buf);  // a datagram is read once: what did not fit is dropped
  return std::size_t{n};
}

std::uint16_t poll(Socket& s) {
  if (s.tls != nullptr) {
    return net::tls_socket::poll(s.tls);
  }
  std::uint16_t ready = 0;
  if (s.pending != nullptr || ward_lwip_mbox_pending(&s.conn->recvmbox) ||
      ward_lwip_mbox_pending(&s.conn->acceptmbox)) {
    ready |= kPollIn;  // data, a connection, or the peer's close or an error (a call returns at once)
  }
  if (s.writable) {
    ready |= kPollOut;
  }
  if (s.failed) {
    ready |= kPollError;
  }
  return ready;
}

Status resolve(const char* name, SocketAddress& out) {
  ip_addr_t ip{};
  if (const err_t e = netconn_gethostbyname(name, &ip); e != ERR_OK) {
    // ERR_VAL: no answer (no such name, no server, lwIP's retries ran out).
    return fail(e == ERR_VAL ? Error::connection : from_lwip(e));
  }
  out = from_lwip(ip, 0);
  return {};
}

Status set_tls_hostname(Socket& s, const char* name) {
  if (s.tls == nullptr) {
    return fail(Error::invalid_state);  // not a TLS socket
  }
  return net::tls_socket::set_hostname(s.tls, name);
}

Status set_option(Socket& s, std::uint32_t option, std::uint32_t value) {
  if (s.tls != nullptr) {
    switch (option) {
      case kSocketReceiveTimeout:
      case kSocketSendTimeout: return net::tls_socket::set_timeout(s.tls, value);
      case kSocketTlsIdentity: return net::tls_socket::set_identity(s.tls, value != 0);
      default: return fail(Error::invalid_argument);
    }
  }
  if (option == kSocketTlsIdentity) {
    return fail(Error::invalid_state);  // not a TLS socket
  }
  // Microseconds from the caller, milliseconds for lwIP (rounded up: a wait never ends early).
  const std::uint32_t ms = value / 1000 + (value % 1000 != 0 ? 1 : 0);
  const auto lwip_ms = static_cast<s32_t>(std::min<std::uint32_t>(ms, 0x7FFFFFFF));
  switch (option) {
    case kSocketReceiveTimeout: netconn_set_recvtimeout(s.conn, lwip_ms); return {};
    case kSocketSendTimeout: netconn_set_sendtimeout(s.conn, lwip_ms); return {};
    default: return fail(Error::invalid_argument);
  }
}

void interrupt(Socket& s) {
  s.interrupted = true;
  if (s.tls != nullptr) {
    net::tls_socket::interrupt(s.tls);
    return;
  }
  // A thread waiting in one of the netconn's mailboxes (receive, accept) returns at once; one on
  // its way into a wait is caught by the next call (the kernel repeats this until none is left).
  // A send waits outside lwIP and sees the flag; a blocking connect ends with lwIP's own timeout.
  ward_lwip_mbox_abort_waiters(&s.conn->recvmbox);
  ward_lwip_mbox_abort_waiters(&s.conn->acceptmbox);
}

void close(Socket& s) {
  if (s.tls != nullptr) {
    net::tls_socket::close(s.tls);
    (void)pool_lock.lock();
    s.reset(nullptr, false);
    (void)pool_lock.unlock();
    return;
  }
  if (s.pending != nullptr) {
    netbuf_delete(s.pending);
  }
  if (is_tcp(s)) {
    (void)netconn_close(s.conn);
  }
  netconn_delete(s.conn);
  (void)pool_lock.lock();
  s.reset(nullptr, false);
  (void)pool_lock.unlock();
}

}  // namespace kernel::stack

// The TLS engine's defaults, for an image without one (lib/tls's ward_tls_sockets replaces them).
namespace net::tls_socket {
[[gnu::weak]] Result<void*> open() { return fail(Error::not_supported); }
[[gnu::weak]] Status set_hostname(void*, const char*) { return fail(Error::not_supported); }
[[gnu::weak]] Status set_identity(void*, bool) { return fail(Error::not_supported); }
[[gnu::weak]] Status set_timeout(void*, std::uint32_t) { return fail(Error::not_supported); }
[[gnu::weak]] Status connect(void*, const SocketAddress&) { return fail(Error::not_supported); }
[[gnu::weak]] Result<std::size_t> send(void*, std::span<const std::byte>) { return fail(Error::not_supported); }
[[gnu::weak]] Result<std::size_t> receive(void*, std::span<std::byte>) { return fail(Error::not_supported); }
[[gnu::weak]] std::uint16_t poll(void*) { return 0; }
[[gnu::weak]] void interrupt(void*) {}
[[gnu::weak]] void close(void*) {}
}  // namespace net::tls_socket

}  // namespace ward
