// The socket calls net_sendto, net_recvfrom, net_poll and net_resolve from user threads on the
// device (docs/networking.md, "Sockets for user threads"), driven by
// tests/net/net_sockets_dgram_test.py through QEMU's user networking:
//   1. user threads attack the four calls: no network grant, kernel and driver memory as buffers,
//      read-only memory to receive into, huge lengths, another owner's socket, a closed socket,
//      an unknown address family, a buffer shorter than the address, poll entries naming sockets
//      not the caller's, too many poll entries, unknown poll events, an over-long name. Each must
//      be refused (an error, or a contained fault with the right report), and the system go on;
//   2. then a user thread with the network grant, on one unconnected UDP socket: sendto the
//      test's UDP echo peer on the host (10.0.2.2:<--peer=PORT>) and recvfrom its answers, with
//      the sender's address; poll on three sockets with a timeout (nothing ready: the timeout;
//      one datagram in: that socket alone), and on a TCP connection to the test (it can send; the
//      test's greeting wakes it); getaddrinfo of a name through slirp's DNS (10.0.2.3),
//      which the test answers (--name=NAME, expected 10.0.2.77), a literal address, and a name
//      the test's server says does not exist -- while the socket pool is full of UDP sockets, all
//      user threads': a second user thread (the hog) holds its quota of them from the start, the
//      worker takes the rest before it resolves. DHCP and DNS keep their own lwIP PCBs
//      (lib/net/lwip/include/lwipopts.h; red-team review: with 6 UDP PCBs for 8 sockets the
//      user sockets took the last one and DNS failed for the whole system).
// Every wait is bounded; main prints what happened and exits 0 only if everything held.
#include <cstdint>
#include <cstring>
#include <string_view>

#include "ward/board.hpp"
#include "ward/isolation.hpp"
#include "ward/kernel.hpp"
#include "ward/net/interface.hpp"
#include "ward/net/lan9118.hpp"
#include "ward/print.hpp"
#include "ward/sockets.hpp"

extern "C" {
#include "lwipopts.h"  // WARD_NET_SOCKETS: the pool's size
}

namespace {
using namespace ward;

constexpr std::uintptr_t kLan9118 = 0x42000000;
net::Lan9118 ethernet{{kLan9118, 48}};
constexpr std::size_t kSocketPool = WARD_NET_SOCKETS;  // lib/net/src/sockets.cpp

// ---- The worker: a user thread with the network grant ------------------------------------------
struct WorkerResults {
  std::uint32_t peer_port;    // set by main before the start
  std::uint32_t datagrams;    // echoed back exact, from the peer's address
  std::uint32_t poll_idle_us; // how long the poll with nothing ready took
  std::uint32_t poll_ready_us;
  std::uint32_t resolved;     // the name's IPv4 address, network order as bytes
  std::uint32_t failed_step;  // 0: all went well
  char name[64];              // the name to resolve (set by main)
  std::uint32_t name_size;
  std::uint32_t held;         // UDP sockets the worker held while it resolved
};
PartitionMemory<128> worker_memory;
WorkerResults& results() { return *static_cast<WorkerResults*>(static_cast<void*>(worker_memory.bytes)); }
constexpr Domain<1> worker_domain{Partition::of(worker_memory, Access::read_write)};
UserThreadStack<4096> worker_stack;
Thread worker;

constexpr std::uint32_t kIdlePollUs = 300'000;  // the poll that must time out

std::uint64_t now_us() {
  std::uint64_t ticks = 0;
  (void)sys::time_now(UserSpan<std::uint64_t>{reinterpret_cast<std::uintptr_t>(&ticks), 1});
  return ticks * 1'000'000 / static_cast<std::uint64_t>(Duration::kHz);
}

std::byte pattern(std::uint32_t i, std::uint32_t seed) { return static_cast<std::byte>((i * 131u + seed) & 0xFF); }

bool is_host_peer(const SocketAddress& a, std::uint16_t port) {
  return a.family == SocketAddress::kIpv4 && a.port == port && a.address[0] == 10 && a.address[1] == 0 &&
         a.address[2] == 2 && a.address[3] == 2;
}

// One datagram of `size` bytes to the peer and its echo back, exact and from the peer.
bool echo_once(net::SocketHandle s, std::uint16_t port, std::uint32_t size, std::uint32_t seed) {
  net::Datagram<kSocketMaxTransfer> d;  // on the worker's stack: its memory
  d.peer = net::ipv4(10, 0, 2, 2, port);
  for (std::uint32_t i = 0; i < size; ++i) {
    d.data[i] = pattern(i, seed);
  }
  auto sent = net::sendto(s, d, size);
  if (!sent || *sent != size) {
    return false;
  }
  std::memset(&d, 0, sizeof d);
  auto got = net::recvfrom(s, d);
  if (!got || *got != size || !is_host_peer(d.peer, port)) {
    return false;
  }
  for (std::uint32_t i = 0; i < size; ++i) {
    if (d.data[i] != pattern(i, seed)) {
      return false;
    }
  }
  return true;
}

bool udp_echo(std::uint16_t port) {
  auto s = net::socket(kSocketDatagram);
  if (!s || !net::set_receive_timeout(*s, UserTimeout::after(Duration::s(10)))) {
    return false;
  }
  const std::uint32_t sizes[] = {1, 200, 1024};
  bool ok = true;
  for (std::uint32_t i = 0; ok && i < 3; ++i) {
    ok = echo_once(*s, port, sizes[i], i);
    results().datagrams += ok ? 1 : 0;
  }
  (void)net::close(*s);
  return ok;
}

// Three sockets: two UDP, one TCP listener. Nothing is ready for reading: the poll times out
// after its timeout (not before). Then one datagram goes out from the second and its echo comes
// back: the poll sees that socket alone. A UDP socket can always send.
bool poll_three(std::uint16_t port) {
  auto a = net::socket(kSocketDatagram);
  auto b = net::socket(kSocketDatagram);
  auto c = net::socket(kSocketStream);
  bool ok = a && b && c && net::bind(*a, net::ipv4(0, 0, 0, 0, 0)) && net::bind(*c, net::ipv4(0, 0, 0, 0, 7100)) &&
            net::listen(*c, 1);
  PollEntry entries[3] = {};
  if (ok) {
    entries[0] = net::poll_entry(*a, kPollIn);
    entries[1] = net::poll_entry(*b, kPollIn);
    entries[2] = net::poll_entry(*c, kPollIn);
    const std::uint64_t start = now_us();
    auto n = net::poll(entries, UserTimeout{kIdlePollUs});
    results().poll_idle_us = static_cast<std::uint32_t>(now_us() - start);
    ok = n && *n == 0 && entries[0].revents == 0 && entries[1].revents == 0 && entries[2].revents == 0 &&
         results().poll_idle_us >= kIdlePollUs;
    if (!ok) {
      results().failed_step = 20;
    }
  }
  if (ok) {
    net::Datagram<16> d;
    d.peer = net::ipv4(10, 0, 2, 2, port);
    std::memcpy(d.data, "poll", 4);
    ok = net::sendto(*b, d, 4).value_or(0) == 4;
    const std::uint64_t start = now_us();
    auto n = net::poll(entries, UserTimeout::after(Duration::s(10)));
    results().poll_ready_us = static_cast<std::uint32_t>(now_us() - start);
    ok = ok && n && *n == 1 && entries[0].revents == 0 && entries[1].revents == kPollIn && entries[2].revents == 0;
    // The datagram is there: a receive does not wait.
    ok = ok && net::recvfrom(*b, d).value_or(0) == 4 && std::memcmp(d.data, "poll", 4) == 0;
    PollEntry out[1] = {net::poll_entry(*a, kPollOut)};
    auto w = net::poll(out, UserTimeout::none());
    ok = ok && w && *w == 1 && out[0].revents == kPollOut;
    if (!ok && results().failed_step == 0) {
      results().failed_step = 21;
    }
  }
  for (auto* s : {&a, &b, &c}) {
    if (*s) {
      (void)net::close(**s);
    }
  }
  return ok;
}

// A TCP connection to the test's server on the same port: once connected it can send (lwIP's
// SENDPLUS, through the socket layer's event callback); the server's greeting, sent 100 ms after
// the connection, wakes a poll for reading.
bool tcp_poll(std::uint16_t port) {
  auto s = net::socket(kSocketStream);
  bool ok = s && net::set_receive_timeout(*s, UserTimeout::after(Duration::s(10))) &&
            net::connect(*s, net::ipv4(10, 0, 2, 2, port));
  PollEntry e[1] = {};
  if (ok) {
    e[0] = net::poll_entry(*s, kPollOut);
    auto w = net::poll(e, UserTimeout::after(Duration::s(5)));
    ok = w && *w == 1 && e[0].revents == kPollOut;
  }
  if (ok) {
    e[0] = net::poll_entry(*s, kPollIn);
    auto r = net::poll(e, UserTimeout::after(Duration::s(10)));
    char hello[8] = {};
    ok = r && *r == 1 && e[0].revents == kPollIn &&
         net::recv(*s, std::as_writable_bytes(std::span{hello})).value_or(0) == 5 && std::memcmp(hello, "hello", 5) == 0;
  }
  if (s) {
    (void)net::close(*s);
  }
  if (!ok) {
    results().failed_step = 25;
  }
  return ok;
}

// Opens UDP sockets until the kernel says no (the quota, or the pool or lwIP empty); their handles.
std::size_t open_all(std::uintptr_t* handles, std::size_t capacity) {
  std::size_t n = 0;
  while (n < capacity) {
    auto s = net::socket(kSocketDatagram);
    if (!s) {
      break;
    }
    handles[n++] = s->raw();
  }
  return n;
}

bool resolve_name() {
  const std::string_view name{results().name, results().name_size};
  auto a = net::getaddrinfo(name, 80);
  if (!a || a->family != SocketAddress::kIpv4 || a->port != 80) {
    results().failed_step = 30;
    return false;
  }
  std::memcpy(&results().resolved, a->address, 4);
  return true;
}

// The first lookup of the name (lwIP has not cached it) while every socket of the pool is a user
// thread's UDP socket: the hog's and the worker's.
bool resolve() {
  std::uintptr_t held[kSocketPool] = {};
  const std::size_t n = open_all(held, kSocketPool);
  results().held = static_cast<std::uint32_t>(n);
  const bool resolved = resolve_name();
  for (std::size_t i = 0; i < n; ++i) {
    (void)net::close(net::SocketHandle{held[i]});
  }
  if (!resolved) {
    return false;
  }
  auto literal = net::getaddrinfo("10.0.2.2", 7);
  if (!literal || !is_host_peer(*literal, 7)) {
    results().failed_step = 31;
    return false;
  }
  if (net::getaddrinfo("no-such-name.ward.test", 80)) {
    results().failed_step = 32;  // the test's server says NXDOMAIN
    return false;
  }
  return true;
}

void worker_main(void*) {
  const auto port = static_cast<std::uint16_t>(results().peer_port);
  if (!udp_echo(port)) {
    results().failed_step = results().failed_step != 0 ? results().failed_step : 10;
    return;
  }
  if (!poll_three(port) || !tcp_poll(port)) {
    return;
  }
  (void)resolve();
}

// ---- The hog: a user thread that holds its quota of UDP sockets until main lets it go ------------
struct HogMemory {
  std::uint32_t opened;
  std::uint32_t release;  // set by main
};
PartitionMemory<32> hog_memory;
HogMemory& hog() { return *static_cast<HogMemory*>(static_cast<void*>(hog_memory.bytes)); }
constexpr Domain<1> hog_domain{Partition::of(hog_memory, Access::read_write)};
UserThreadStack<1024> hog_stack;
Thread hog_thread;

void hog_main(void*) {
  std::uintptr_t held[kSocketPool] = {};
  hog().opened = static_cast<std::uint32_t>(open_all(held, kSocketPool));
  while (hog().release == 0) {
    (void)sys::sleep_for(UserTimeout::after(Duration::ms(20)));
  }
  for (std::size_t i = 0; i < hog().opened; ++i) {
    (void)net::close(net::SocketHandle{held[i]});
  }
}

// ---- The attacks ---------------------------------------------------------------------------------
struct AttackMemory {
  std::uintptr_t socket;    // a socket the attack opened (main closes it after)
  std::uint32_t result;     // what the attack got back (for refusals that are errors)
  std::uint32_t survived;   // the attack returned from the call it made
  std::uintptr_t foreign;   // a socket granted to no user thread (main's), as a handle value
  alignas(8) std::byte buffer[40];  // a datagram's address and a few bytes; poll entries
};
PartitionMemory<128> attack_memory;
AttackMemory& attack() { return *static_cast<AttackMemory*>(static_cast<void*>(attack_memory.bytes)); }
constexpr Domain<1> attack_domain{Partition::of(attack_memory, Access::read_write)};
UserThreadStack<1024> attack_stack;
Thread attacker;

const std::uint32_t read_only_words[8] = {0x600d};  // in flash: readable, never writable
std::uintptr_t foreign_socket = 0;                  // opened by main (privileged): no user thread's

net::SocketHandle own_socket() {
  auto s = net::socket(kSocketDatagram);
  attack().socket = s ? s->raw() : 0;
  return s.value_or(net::SocketHandle{std::uintptr_t{0}});
}
// The attacker's buffer with a datagram to 10.0.2.2:9 (family given) and `payload` bytes.
UserSpan<const std::byte> datagram(std::uint16_t family, std::size_t payload) {
  SocketAddress to = net::ipv4(10, 0, 2, 2, 9);
  to.family = family;
  std::memcpy(attack().buffer, &to, sizeof to);
  return UserSpan<const std::byte>{reinterpret_cast<std::uintptr_t>(attack().buffer), kDatagramHeader + payload};
}
void note(Status s) {
  attack().result = s ? 0 : static_cast<std::uint32_t>(s.error());
  attack().survived = 1;
}
template <class T>
void note(const Result<T>& r) {
  attack().result = r ? 0 : static_cast<std::uint32_t>(r.error());
  attack().survived = 1;
}

struct Attack {
  const char* name;
  bool grant;
  void (*run)(void*);
  FaultKind kind;       // FaultKind{} : refused with an error (or a poll answer), no fault
  std::uint8_t detail;  // UserMemoryError / HandleError, or the Error (the poll answer) expected
};

constexpr auto kOutside = static_cast<std::uint8_t>(UserMemoryError::not_accessible);
constexpr auto kInvalid = static_cast<std::uint8_t>(Error::invalid_argument);

const Attack kAttacks[] = {
    {"resolve without the network grant", false,
     [](void*) { note(sys::net_resolve(UserSpan<const char>{reinterpret_cast<std::uintptr_t>("x"), 1},
                                       UserSpan<SocketAddress>{reinterpret_cast<std::uintptr_t>(attack().buffer), 1})); },
     FaultKind{}, static_cast<std::uint8_t>(Error::not_permitted)},
    {"sendto from kernel memory", true,
     [](void*) {
       note(sys::net_sendto(own_socket(), UserSpan<const std::byte>{reinterpret_cast<std::uintptr_t>(&foreign_socket), 24}));
     },
     FaultKind::bad_pointer, kOutside},
    {"sendto from the driver's registers", true,
     [](void*) { note(sys::net_sendto(own_socket(), UserSpan<const std::byte>{kLan9118, 64})); },
     FaultKind::bad_pointer, kOutside},
    {"sendto a huge length", true,
     [](void*) {
       note(sys::net_sendto(own_socket(), UserSpan<const std::byte>{reinterpret_cast<std::uintptr_t>(attack().buffer), 0x7FFFFFFF}));
     },
     FaultKind::bad_pointer, kOutside},
    {"recvfrom into read-only memory", true,
     [](void*) {
       note(sys::net_recvfrom(own_socket(), UserSpan<std::byte>{reinterpret_cast<std::uintptr_t>(read_only_words), 32}));
     },
     FaultKind::bad_pointer, kOutside},
    {"recvfrom into kernel memory", true,
     [](void*) {
       note(sys::net_recvfrom(own_socket(), UserSpan<std::byte>{reinterpret_cast<std::uintptr_t>(&foreign_socket), 24}));
     },
     FaultKind::bad_pointer, kOutside},
    {"sendto on a socket of another owner", true,
     [](void*) { note(sys::net_sendto(net::SocketHandle{attack().foreign}, datagram(SocketAddress::kIpv4, 4))); },
     FaultKind::bad_handle, static_cast<std::uint8_t>(HandleError::not_granted)},
    {"recvfrom on its own closed socket", true,
     [](void*) {
       const auto s = own_socket();
       (void)net::close(s);
       attack().socket = 0;
       note(sys::net_recvfrom(s, UserSpan<std::byte>{reinterpret_cast<std::uintptr_t>(attack().buffer), 40}));
     },
     FaultKind::bad_handle, static_cast<std::uint8_t>(HandleError::unknown)},
    {"sendto an unknown address family", true,
     [](void*) { note(sys::net_sendto(own_socket(), datagram(9, 4))); }, FaultKind{}, kInvalid},
    {"sendto a buffer shorter than the address", true,
     [](void*) {
       const auto s = own_socket();
       (void)datagram(SocketAddress::kIpv4, 0);
       note(sys::net_sendto(s, UserSpan<const std::byte>{reinterpret_cast<std::uintptr_t>(attack().buffer), kDatagramHeader - 1}));
     },
     FaultKind{}, kInvalid},
    {"poll with entries in kernel memory", true,
     [](void*) {
       note(sys::net_poll(UserSpan<PollEntry>{reinterpret_cast<std::uintptr_t>(&foreign_socket) & ~3u, 1}, UserTimeout::none()));
     },
     FaultKind::bad_pointer, kOutside},
    {"poll another owner's socket and a closed one", true,
     [](void*) {
       const auto s = own_socket();
       (void)net::close(s);
       attack().socket = 0;
       PollEntry e[2] = {{attack().foreign, kPollIn | kPollOut, 0}, net::poll_entry(s, kPollIn)};
       std::memcpy(attack().buffer, e, sizeof e);
       auto n = sys::net_poll(UserSpan<PollEntry>{reinterpret_cast<std::uintptr_t>(attack().buffer), 2},
                              UserTimeout::after(Duration::ms(50)));
       std::memcpy(e, attack().buffer, sizeof e);
       // Both answered kPollInvalid, at once: the result is the two answers or'ed, if both came.
       attack().result = n && *n == 2 ? static_cast<std::uint32_t>(e[0].revents | e[1].revents) : 0xFF;
       attack().survived = 1;
     },
     FaultKind{}, kPollInvalid},
    {"poll more entries than the pool", true,
     [](void*) {
       note(sys::net_poll(UserSpan<PollEntry>{reinterpret_cast<std::uintptr_t>(attack().buffer), kSocketPollMax + 1},
                          UserTimeout::none()));
     },
     FaultKind{}, kInvalid},  // (9 entries fit in the attacker's partition: the kernel refuses them)
    {"poll for unknown events", true,
     [](void*) {
       PollEntry e = net::poll_entry(own_socket(), 0x80);
       std::memcpy(attack().buffer, &e, sizeof e);
       note(sys::net_poll(UserSpan<PollEntry>{reinterpret_cast<std::uintptr_t>(attack().buffer), 1}, UserTimeout::none()));
     },
     FaultKind{}, kInvalid},
    {"resolve a name in kernel memory", true,
     [](void*) {
       note(sys::net_resolve(UserSpan<const char>{reinterpret_cast<std::uintptr_t>(&foreign_socket), 4},
                             UserSpan<SocketAddress>{reinterpret_cast<std::uintptr_t>(attack().buffer), 1}));
     },
     FaultKind::bad_pointer, kOutside},
    {"resolve into read-only memory", true,
     [](void*) {
       note(sys::net_resolve(UserSpan<const char>{reinterpret_cast<std::uintptr_t>("x"), 1},
                             UserSpan<SocketAddress>{reinterpret_cast<std::uintptr_t>(read_only_words), 1}));
     },
     FaultKind::bad_pointer, kOutside},
    {"resolve an over-long name", true,
     [](void*) {
       static constexpr char kLong[kSocketMaxName + 1] = {'a'};  // (flash: readable)
       note(sys::net_resolve(UserSpan<const char>{reinterpret_cast<std::uintptr_t>(kLong), sizeof kLong},
                             UserSpan<SocketAddress>{reinterpret_cast<std::uintptr_t>(attack().buffer), 1}));
     },
     FaultKind{}, kInvalid},
};

bool refused(const Attack& a) {
  std::memset(attack_memory.bytes, 0, sizeof attack_memory.bytes);
  attack().foreign = foreign_socket;
  if (!attacker.create_user(attack_stack.span(), a.run, nullptr, Priority{10}, "attacker", attack_domain)) {
    return false;
  }
  (void)(a.grant ? grant_network(attacker) : revoke_network(attacker));
  if (!attacker.start() || !attacker.join(Timeout::after(Duration::s(5)))) {
    return false;
  }
  auto report = faults::wait(Timeout::none());
  bool ok;
  if (a.kind == FaultKind{}) {
    ok = !report && attack().survived == 1 && attack().result == a.detail;
  } else {
    ok = report && report->thread == &attacker && report->kind == a.kind && attack().survived == 0 &&
         report->detail == a.detail;
  }
  if (attack().socket != 0) {
    (void)sys::net_close(net::SocketHandle{attack().socket});
  }
  return ok;
}

std::string_view argument(std::string_view key) {
  const std::string_view line = board::command_line();
  const std::size_t at = line.find(key);
  if (at == std::string_view::npos) {
    return {};
  }
  const std::size_t from = at + key.size();
  const std::size_t end = line.find(' ', from);
  return line.substr(from, end == std::string_view::npos ? std::string_view::npos : end - from);
}

std::uint16_t port_argument() {
  std::uint32_t port = 0;
  const std::string_view digits = argument("--peer=");
  for (std::size_t i = 0; i < digits.size() && i < 5 && digits[i] >= '0' && digits[i] <= '9'; ++i) {
    port = port * 10 + static_cast<std::uint32_t>(digits[i] - '0');
  }
  return port <= 0xFFFF ? static_cast<std::uint16_t>(port) : 0;
}

}  // namespace

int main() {
  const std::uint16_t peer = port_argument();
  const std::string_view name = argument("--name=");
  if (peer == 0 || name.empty() || name.size() > sizeof results().name) {
    print("net_dgram: needs --peer=PORT --name=NAME\n");
    return 1;
  }
  if (!net::start_interface(ethernet, Priority{20}) || !net::wait_for_ipv4(Timeout::after(Duration::s(20)))) {
    print("net_dgram: no network\n");
    return 1;
  }
  print("net_dgram: network up\n");

  std::uintptr_t raw = 0;
  if (!sys::net_open(UserSpan<std::uintptr_t>{reinterpret_cast<std::uintptr_t>(&raw), 1}, kSocketDatagram)) {
    print("net_dgram: a privileged thread cannot open a socket\n");
    return 1;
  }
  foreign_socket = raw;
  unsigned caught = 0;
  unsigned faulting = 0;
  for (const Attack& a : kAttacks) {
    const bool ok = refused(a);
    caught += ok ? 1 : 0;
    faulting += a.kind != FaultKind{} ? 1 : 0;
    print("net_dgram: attack: ", a.name, ": ", ok ? "refused" : "NOT REFUSED", '\n');
  }
  (void)sys::net_close(net::SocketHandle{foreign_socket});
  constexpr unsigned kCount = sizeof kAttacks / sizeof kAttacks[0];
  print("net_dgram: attacks refused ", caught, " of ", kCount, '\n');

  // The hog takes its quota of the pool first; the worker runs in what is left (it needs 3 at most
  // until it resolves, then takes the rest).
  if (!hog_thread.create_user(hog_stack.span(), &hog_main, nullptr, Priority{10}, "hog", hog_domain) ||
      !grant_network(hog_thread) || !hog_thread.start()) {
    print("net_dgram: cannot start the hog\n");
    return 1;
  }
  for (int i = 0; i < 100 && hog().opened == 0; ++i) {
    (void)this_thread::sleep_for(Duration::ms(10));
  }

  WorkerResults& r = results();
  r = WorkerResults{};
  r.peer_port = peer;
  std::memcpy(r.name, name.data(), name.size());
  r.name_size = static_cast<std::uint32_t>(name.size());
  if (!worker.create_user(worker_stack.span(), &worker_main, nullptr, Priority{10}, "worker", worker_domain) ||
      !grant_network(worker) || !worker.start()) {
    print("net_dgram: cannot start the worker\n");
    return 1;
  }
  const bool ended = static_cast<bool>(worker.join(Timeout::after(Duration::s(90))));
  hog().release = 1;
  const bool hog_ended = static_cast<bool>(hog_thread.join(Timeout::after(Duration::s(5))));
  // The pool was full of user UDP sockets when the worker resolved: the hog's quota and the rest.
  print("net_dgram: user UDP sockets held while resolving: hog ", hog().opened, ", worker ", r.held, " of ",
        kSocketPool, '\n');
  const bool pool_full = hog().opened + r.held == kSocketPool && hog_ended;
  const auto* ip = reinterpret_cast<const std::uint8_t*>(&r.resolved);
  print("net_dgram: udp echo ", r.datagrams, " datagrams exact; poll idle ", r.poll_idle_us, " us, ready ",
        r.poll_ready_us, " us; resolved ", ip[0], '.', ip[1], '.', ip[2], '.', ip[3], "; failed step ", r.failed_step,
        '\n');
  const bool passed = ended && pool_full && r.failed_step == 0 && caught == kCount && faults::count() == faulting;
  print("net_dgram: faults ", faults::count(), '\n');
  print(passed ? "net_dgram: done\n" : "net_dgram: FAILED\n");
  return passed ? 0 : 1;
}
