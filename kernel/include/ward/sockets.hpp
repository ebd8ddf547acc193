// Sockets for threads, user or privileged: a BSD-like API over the socket system calls
// (ward/syscalls.hpp, net_*; what the kernel checks: ward/kernel/socket.hpp). A user thread needs
// the network grant (ward::grant_network) to open sockets; each socket it opens or accepts is
// granted to it alone. Every call blocks until done, or until the socket's timeout
// (set_receive_timeout, set_send_timeout) if one is set.
//
//   auto s = ward::net::socket(ward::kSocketStream);
//   ward::net::connect(*s, ward::net::ipv4(10, 0, 2, 2, 7007));
//   ward::net::send(*s, bytes);  ...  ward::net::close(*s);
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "ward/syscalls.hpp"

namespace ward::net {

using SocketHandle = Handle<Socket>;

inline SocketAddress ipv4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d, std::uint16_t port) {
  SocketAddress s;
  s.family = SocketAddress::kIpv4;
  s.port = port;
  s.address[0] = a;
  s.address[1] = b;
  s.address[2] = c;
  s.address[3] = d;
  return s;
}

namespace detail {
template <class T>
UserSpan<T> one(T& object) {
  return UserSpan<T>{reinterpret_cast<std::uintptr_t>(&object), 1};
}
}  // namespace detail

// type: kSocketStream or kSocketDatagram, optionally | kSocketIpv6.
inline Result<SocketHandle> socket(std::uint32_t type) {
  std::uintptr_t raw = 0;
  if (auto s = sys::net_open(detail::one(raw), type); !s) {
    return fail(s.error());
  }
  return SocketHandle{raw};
}
inline Status bind(SocketHandle s, const SocketAddress& a) { return sys::net_bind(s, detail::one(a)); }
inline Status connect(SocketHandle s, const SocketAddress& a) { return sys::net_connect(s, detail::one(a)); }
inline Status listen(SocketHandle s, std::uint32_t backlog) { return sys::net_listen(s, backlog); }
// The new connection's socket; `peer`, if given, receives its address.
inline Result<SocketHandle> accept(SocketHandle s, SocketAddress* peer = nullptr) {
  AcceptedSocket a;
  if (auto r = sys::net_accept(s, detail::one(a)); !r) {
    return fail(r.error());
  }
  if (peer != nullptr) {
    *peer = a.peer;
  }
  return SocketHandle{a.socket};
}
// Bytes sent (at most kSocketMaxTransfer per call: send again for the rest).
inline Result<std::uint32_t> send(SocketHandle s, std::span<const std::byte> data) { return sys::net_send(s, data); }
// Bytes received; 0 once the peer has closed the connection.
inline Result<std::uint32_t> recv(SocketHandle s, std::span<std::byte> data) { return sys::net_recv(s, data); }
inline Status close(SocketHandle s) { return sys::net_close(s); }
// net_setopt's word: 0 is "forever"; no wait at all becomes the shortest, 1 µs.
constexpr std::uint32_t wait_word(UserTimeout t) {
  return t.raw() == UserTimeout::kForever ? 0 : t.raw() == 0 ? 1 : t.raw();
}
inline Status set_receive_timeout(SocketHandle s, UserTimeout t) {
  return sys::net_setopt(s, kSocketReceiveTimeout, wait_word(t));
}
inline Status set_send_timeout(SocketHandle s, UserTimeout t) {
  return sys::net_setopt(s, kSocketSendTimeout, wait_word(t));
}

// A datagram with its peer's address, laid out as net_sendto and net_recvfrom take it (the
// address, then the payload): build one in place and no copy is needed.
template <std::size_t N>
struct Datagram {  // NOLINT(cppcoreguidelines-pro-type-member-init): data is a buffer the calls fill; zeroing it would cost N bytes of stores
  SocketAddress peer;
  std::byte data[N];
  // The buffer of the calls: the address and the first `payload` bytes of data.
  UserSpan<const std::byte> out(std::size_t payload) const {
    return UserSpan<const std::byte>{reinterpret_cast<std::uintptr_t>(this), kDatagramHeader + payload};
  }
  UserSpan<std::byte> in() { return UserSpan<std::byte>{reinterpret_cast<std::uintptr_t>(this), sizeof *this}; }
};
static_assert(offsetof(Datagram<1>, data) == kDatagramHeader, "the payload follows the address");

// Sends the first `payload` bytes of d.data to d.peer (a datagram socket); the bytes sent.
template <std::size_t N>
Result<std::uint32_t> sendto(SocketHandle s, const Datagram<N>& d, std::size_t payload) {
  return sys::net_sendto(s, d.out(payload < N ? payload : N));
}
// The next datagram: its sender in d.peer, its payload in d.data; the payload's size (what did
// not fit in N bytes is dropped).
template <std::size_t N>
Result<std::uint32_t> recvfrom(SocketHandle s, Datagram<N>& d) {
  return sys::net_recvfrom(s, d.in());
}

// Waits until one of the sockets is ready for what its entry asks (kPollIn, kPollOut), or the
// timeout; the number of entries with revents set (0: the timeout). At most kSocketPollMax.
inline Result<std::uint32_t> poll(std::span<PollEntry> entries, UserTimeout t) {
  return sys::net_poll(UserSpan<PollEntry>{reinterpret_cast<std::uintptr_t>(entries.data()), entries.size()}, t);
}
inline PollEntry poll_entry(SocketHandle s, std::uint16_t events) { return PollEntry{s.raw(), events, 0}; }

// The first address of `name` (DNS through the network's server; a literal address too), with
// `port` set: getaddrinfo's first answer. A user thread needs the network grant.
inline Result<SocketAddress> getaddrinfo(std::string_view name, std::uint16_t port) {
  SocketAddress a;
  if (auto r = sys::net_resolve(UserSpan<const char>{reinterpret_cast<std::uintptr_t>(name.data()), name.size()},
                                detail::one(a));
      !r) {
    return fail(r.error());
  }
  a.port = port;
  return a;
}

// ---- TLS sockets (docs/networking.md, "TLS sockets") ------------------------------------------------
// A TLS client socket: open, name the server, connect (TCP and the handshake, against the trust
// anchors the image chose), then send and recv carry the session's plaintext.
//   auto s = ward::net::socket(ward::kSocketStream | ward::kSocketTls);
//   ward::net::set_tls_hostname(*s, "server.example");
//   ward::net::use_device_identity(*s);        // needs ward::grant_tls_identity
//   ward::net::connect(*s, address);  ward::net::send(*s, request);  ward::net::recv(*s, buffer);
inline Status set_tls_hostname(SocketHandle s, std::string_view name) {
  return sys::net_tls_hostname(s, UserSpan<const char>{reinterpret_cast<std::uintptr_t>(name.data()), name.size()});
}
inline Status use_device_identity(SocketHandle s) { return sys::net_setopt(s, kSocketTlsIdentity, 1); }

}  // namespace ward::net
