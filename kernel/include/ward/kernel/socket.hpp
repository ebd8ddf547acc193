// Sockets for threads: the kernel's part of the socket system calls (net_open ... net_close in
// ward/syscalls.hpp). The network stack itself (lwIP, the driver) lives outside the kernel
// (lib/net) and provides the functions under "The stack" below; an image without it gets the
// kernel's defaults, which answer Error::not_supported.
//
// What the kernel does, for every call, before the stack sees anything:
//   - the socket is a kernel object (ObjectType::socket): a call names it by Handle<Socket>, which
//     the system call's entry checks (registered, of type socket, granted to the caller);
//   - net_open and net_accept make a new socket an object, granted to the calling thread only;
//     net_close withdraws it, so the handle of a closed socket is unknown for good;
//   - a user thread needs the network grant (ward::grant_network) to open a socket at all;
//   - buffers in user memory were checked by the entry (UserSpan); the kernel copies addresses
//     into its own memory before it reads them; data is copied by the stack, in the calling
//     thread, through a buffer of its own, so lwIP's thread never touches user memory;
//   - a call from an interrupt handler is refused (Error::in_isr): these calls block;
//   - a user thread holds at most CONFIG_WARD_NET_SOCKETS_PER_THREAD sockets (Error::quota);
//   - net_close ends the calls in flight on the socket (they return an error) and frees it only
//     once none is left; an abort of a thread inside a call takes effect when the call returns;
//   - when a user thread stops (returns, exits, is aborted, or stopped or restarted after a
//     fault) its sockets' handles are withdrawn at once and a kernel thread closes them; until
//     then join() waits and the Thread object cannot be created again.
// A user thread can reach none of the stack's memory: lwIP and the driver keep theirs in the
// kernel's privileged .bss, which no partition of a domain may cover.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

#include "ward/kernel/error.hpp"
#include "ward/kernel/time.hpp"
#include "ward/kernel/timeout.hpp"

namespace ward {

class Thread;
// A socket: defined by the network stack (lib/net); the kernel only names it.
class Socket;

// An IPv4 or IPv6 address and a port, as user code passes it (plain bytes, network order inside).
struct SocketAddress {
  static constexpr std::uint16_t kIpv4 = 4;
  static constexpr std::uint16_t kIpv6 = 6;
  std::uint16_t family = 0;  // kIpv4 or kIpv6; anything else is refused
  std::uint16_t port = 0;    // host order
  std::uint8_t address[16] = {};  // IPv4: the first 4 bytes
};

// What net_accept writes back: the new socket's handle and the peer's address.
struct AcceptedSocket {
  std::uintptr_t socket = 0;
  SocketAddress peer;
};

// net_open's type word.
inline constexpr std::uint32_t kSocketStream = 1;    // TCP
inline constexpr std::uint32_t kSocketDatagram = 2;  // UDP
inline constexpr std::uint32_t kSocketIpv6 = 0x100;  // or'ed in: an IPv6 socket (dual stack)
// or'ed into kSocketStream: a TLS client socket (docs/networking.md, "TLS sockets"). Its data is the
// session's plaintext; the handshake runs at net_connect, after net_tls_hostname. Opened only in an
// image whose TLS library offers TLS sockets (ward::tls::enable_sockets), else not_supported.
inline constexpr std::uint32_t kSocketTls = 0x200;

// net_setopt's options (values in microseconds; 0 = wait forever, the default).
inline constexpr std::uint32_t kSocketReceiveTimeout = 1;
inline constexpr std::uint32_t kSocketSendTimeout = 2;
// A TLS socket only, before net_connect: value 1 presents the device's identity (its certificate,
// its key in the secure world) when the server asks for a client certificate; 0 presents none (the
// default). A user thread needs the TLS identity grant (ward::grant_tls_identity) to set 1, and still
// at connect: a grant revoked in between withdraws the identity.
inline constexpr std::uint32_t kSocketTlsIdentity = 3;

// The largest number of bytes one net_send or net_recv moves (a larger buffer is partly used:
// the call returns the count, like send(2)).
inline constexpr std::size_t kSocketMaxTransfer = 1024;

// net_sendto's and net_recvfrom's one buffer: a SocketAddress (the datagram's peer), then the
// payload. One UserSpan carries both (five argument words do not fit in r0-r3), so the entry
// checks all of it and its generated attack cells cover it. At most kSocketMaxTransfer payload
// bytes per call; a buffer shorter than the address is refused (invalid_argument).
inline constexpr std::size_t kDatagramHeader = sizeof(SocketAddress);

// net_poll's entries: a socket handle, the events wanted, the events seen (written back).
struct PollEntry {
  std::uintptr_t socket = 0;
  std::uint16_t events = 0;   // kPollIn | kPollOut
  std::uint16_t revents = 0;  // kPollIn, kPollOut, kPollError, kPollInvalid
};
inline constexpr std::uint16_t kPollIn = 1;       // a receive (or accept) would not wait
inline constexpr std::uint16_t kPollOut = 2;      // a send would not wait
inline constexpr std::uint16_t kPollError = 4;    // the connection failed (always reported)
inline constexpr std::uint16_t kPollInvalid = 8;  // not a socket of the caller, or closed (always)
// The most entries one net_poll takes (the stack's pool).
inline constexpr std::size_t kSocketPollMax = 8;

// The longest hostname net_tls_hostname takes (SNI and the name the server's certificate must carry).
inline constexpr std::size_t kSocketMaxHostname = 253;

// The longest name net_resolve takes (a DNS name's text: 253 characters, no terminator).
inline constexpr std::size_t kSocketMaxName = 253;
// The longest label in it (between dots): DNS's wire form gives a label's length 6 bits.
inline constexpr std::size_t kDnsMaxLabel = 63;

namespace kernel {

// The network grant of user threads (by grant bit), and whether `t` may open sockets. Privileged
// threads need no grant.
Status set_network_grant(const Thread& t, bool granted);
bool network_granted(const Thread& t);
// The TLS identity grant of user threads: whether `t` may have a TLS socket present the device's
// identity (kSocketTlsIdentity). Privileged threads need no grant.
Status set_tls_identity_grant(const Thread& t, bool granted);
bool tls_identity_granted(const Thread& t);

// ---- The system calls' implementations (kernel/src/socket.cpp) ---------------------------------
Status socket_open(std::span<std::uintptr_t> handle_out, std::uint32_t type);
Status socket_bind(Socket& s, std::span<const SocketAddress> address);
Status socket_connect(Socket& s, std::span<const SocketAddress> address);
Status socket_listen(Socket& s, std::uint32_t backlog);
Status socket_accept(Socket& s, std::span<AcceptedSocket> out);
Result<std::uint32_t> socket_send(Socket& s, std::span<const std::byte> data);
Result<std::uint32_t> socket_receive(Socket& s, std::span<std::byte> data);
Status socket_close(Socket& s);
Status socket_set_option(Socket& s, std::uint32_t option, std::uint32_t value);
Result<std::uint32_t> socket_send_to(Socket& s, std::span<const std::byte> datagram);
Result<std::uint32_t> socket_receive_from(Socket& s, std::span<std::byte> datagram);
Result<std::uint32_t> socket_poll(std::span<PollEntry> entries, Timeout timeout);
Status socket_resolve(std::span<const char> name, std::span<SocketAddress> out);
Status socket_tls_hostname(Socket& s, std::span<const char> name);

// ---- The stack: provided by lib/net (weak defaults in the kernel answer not_supported) ------
// Called in thread mode, privileged, with kernel copies of every argument; each may block.
namespace stack {
Result<Socket*> open(std::uint32_t type);
Status bind(Socket& s, const SocketAddress& address);
Status connect(Socket& s, const SocketAddress& address);
Status listen(Socket& s, std::uint32_t backlog);
Result<Socket*> accept(Socket& s, SocketAddress& peer);
// `data` is checked user memory (or a privileged caller's): copy it before anything else runs.
Result<std::size_t> send(Socket& s, std::span<const std::byte> data);
// `data` likewise: written only by a copy at the end. 0 bytes: the peer closed the connection.
Result<std::size_t> receive(Socket& s, std::span<std::byte> data);
Status set_option(Socket& s, std::uint32_t option, std::uint32_t value);
// A datagram to `to` (a datagram socket; `data` as for send) / the next datagram and its sender
// (`data` as for receive; what does not fit is dropped).
Result<std::size_t> send_to(Socket& s, const SocketAddress& to, std::span<const std::byte> data);
Result<std::size_t> receive_from(Socket& s, SocketAddress& from, std::span<std::byte> data);
// What a call on `s` would find now, without waiting: kPollIn, kPollOut, kPollError.
std::uint16_t poll(Socket& s);
// The first address of `name` (a NUL-terminated kernel copy) through the stack's DNS resolver.
Status resolve(const char* name, SocketAddress& out);
// A TLS socket's hostname: `name` is a kernel copy of 1-253 characters, NUL-terminated, without a
// NUL inside. invalid_state for a socket that is not TLS or is connected.
Status set_tls_hostname(Socket& s, const char* name);
// Ends the calls in flight on `s` (a thread blocked in receive, accept or send returns an error
// soon): the kernel is closing it. Called, in thread context, until none is left.
void interrupt(Socket& s);
// Frees the socket; it is no kernel object any more when this is called, and no call is in
// flight on it.
void close(Socket& s);
}  // namespace stack

}  // namespace kernel
}  // namespace ward
