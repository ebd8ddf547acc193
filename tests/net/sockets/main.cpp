// Sockets from user threads on the device (docs/networking.md, "Sockets for user threads"), driven
// by tests/net/net_sockets_test.py through QEMU's user networking:
//   1. user threads attack the socket calls: no network grant, kernel and driver memory as
//      buffers, a wrapping buffer, a read-only buffer to write, a foreign socket, a closed
//      socket, and lwIP's and the driver's memory read directly. Each must be refused (an error
//      for the missing grant, a contained fault with the right report for the rest), and the
//      system must go on;
//   2. then a user thread with the network grant serves TCP echo on port 7 (two connections from
//      the test, through hostfwd), and connects to the test's own echo server on the host
//      (10.0.2.2:<--peer=PORT>) and checks its data come back exact.
// Every loop is bounded; main prints what happened and exits 0 only if everything held.
#include <cstdint>
#include <cstring>
#include <iterator>
#include <string_view>

#include "ward/board.hpp"
#include "ward/isolation.hpp"
#include "ward/kernel.hpp"
#include "ward/net/interface.hpp"
#include "ward/net/lan9118.hpp"
#include "ward/print.hpp"
#include "ward/sockets.hpp"
#include "ward/stack_bound.hpp"

namespace {
using namespace ward;

constexpr std::uintptr_t kLan9118 = 0x42000000;
net::Lan9118 ethernet{{kLan9118, 48}};

constexpr std::uint16_t kEchoPort = 7;
constexpr std::uint32_t kClientBytes = 64 * 1024;

// ---- The echo thread: a user thread with the network grant --------------------------------------
struct EchoResults {
  std::uint32_t connections;
  std::uint32_t served_bytes;
  std::uint32_t client_bytes;  // echoed back exact by the host's server
  std::uint32_t peer_port;     // set by main before the start
  std::uint32_t failed_step;   // 0: all went well
};
PartitionMemory<64> echo_memory;
EchoResults& echo_results() { return *static_cast<EchoResults*>(static_cast<void*>(echo_memory.bytes)); }
constexpr Domain<1> echo_domain{Partition::of(echo_memory, Access::read_write)};
UserThreadStack<3072> echo_stack;
Thread echo_thread;

// Sends all of `data` (bounded: each call moves at least one byte or fails).
bool send_all(net::SocketHandle s, std::span<const std::byte> data) {
  while (!data.empty()) {
    auto n = net::send(s, data);
    if (!n || *n == 0) {
      return false;
    }
    data = data.subspan(*n);
  }
  return true;
}

// Echoes one connection until the peer closes it; returns the bytes echoed, or -1.
std::int64_t serve(net::SocketHandle conn) {
  std::byte buf[1024];
  std::int64_t total = 0;
  for (int i = 0; i < 100000; ++i) {
    auto n = net::recv(conn, buf);
    if (!n) {
      return -1;
    }
    if (*n == 0) {
      return total;
    }
    if (!send_all(conn, {buf, *n})) {
      return -1;
    }
    total += *n;
  }
  return -1;
}

std::byte pattern(std::uint32_t i) { return static_cast<std::byte>((i * 131u + (i >> 8)) & 0xFF); }

// Connects to the host's echo server and checks kClientBytes come back exact.
bool client(std::uint16_t port) {
  auto s = net::socket(kSocketStream);
  if (!s) {
    return false;
  }
  bool ok = net::set_receive_timeout(*s, UserTimeout::after(Duration::s(20))) &&
            net::connect(*s, net::ipv4(10, 0, 2, 2, port));
  std::uint32_t sent = 0;
  std::uint32_t got = 0;
  std::byte buf[512];
  for (int i = 0; ok && got < kClientBytes && i < 100000; ++i) {
    if (sent < kClientBytes && sent - got < 4096) {  // a bounded window in flight
      std::byte out[512];
      const std::uint32_t n = std::min<std::uint32_t>(sizeof out, kClientBytes - sent);
      for (std::uint32_t k = 0; k < n; ++k) {
        out[k] = pattern(sent + k);
      }
      ok = send_all(*s, {out, n});
      sent += n;
      continue;
    }
    auto n = net::recv(*s, buf);
    ok = n && *n > 0;
    for (std::uint32_t k = 0; ok && k < *n; ++k) {
      ok = buf[k] == pattern(got + k);
    }
    if (ok) {
      got += *n;
    }
  }
  (void)net::close(*s);
  echo_results().client_bytes = got;
  return ok && got == kClientBytes;
}

void echo_main(void*) {
  EchoResults& r = echo_results();
  auto listener = net::socket(kSocketStream);
  if (!listener) {
    r.failed_step = 1;
    return;
  }
  SocketAddress any = net::ipv4(0, 0, 0, 0, kEchoPort);
  if (!net::bind(*listener, any) || !net::listen(*listener, 2) ||
      !net::set_receive_timeout(*listener, UserTimeout::after(Duration::s(60)))) {
    r.failed_step = 2;
    return;
  }
  (void)sys::print("net_sockets: ready, a user thread serves TCP echo on port 7\n");
  for (int c = 0; c < 2; ++c) {
    auto conn = net::accept(*listener);
    if (!conn) {
      r.failed_step = 3;
      return;
    }
    (void)net::set_receive_timeout(*conn, UserTimeout::after(Duration::s(30)));
    const std::int64_t n = serve(*conn);
    (void)net::close(*conn);
    if (n < 0) {
      r.failed_step = 4;
      return;
    }
    r.served_bytes += static_cast<std::uint32_t>(n);
    ++r.connections;
  }
  (void)net::close(*listener);
  if (!client(static_cast<std::uint16_t>(r.peer_port))) {
    r.failed_step = 5;
  }
}

// ---- The attacks ---------------------------------------------------------------------------------
struct AttackMemory {
  std::uintptr_t socket;    // a socket the attack opened (main closes it after)
  std::uint32_t result;     // an error the attack got back (for refusals that are errors)
  std::uint32_t survived;   // the attack returned from the call it made
  std::uintptr_t foreign;   // a socket granted to no user thread (main's), as a handle value
};
PartitionMemory<32> attack_memory;
AttackMemory& attack() { return *static_cast<AttackMemory*>(static_cast<void*>(attack_memory.bytes)); }
constexpr Domain<1> attack_domain{Partition::of(attack_memory, Access::read_write)};
UserThreadStack<1024> attack_stack;
Thread attacker;

const std::uint32_t read_only_word = 0x600d;  // in flash: readable, never writable
std::uintptr_t foreign_socket = 0;            // opened by main (privileged): granted to no user thread
                                              // (kernel memory: the attacker gets a copy of the value)

// Opens a socket of the attacker's own (with the grant), kept for main to close.
net::SocketHandle own_socket() {
  auto s = net::socket(kSocketStream);
  attack().socket = s ? s->raw() : 0;
  return s.value_or(net::SocketHandle{std::uintptr_t{0}});
}

struct Attack {
  const char* name;
  bool grant;            // the attacker holds the network grant
  void (*run)(void*);
  FaultKind kind;        // FaultKind{} : refused with an error, no fault
  std::uint8_t detail;   // UserMemoryError / HandleError, or the Error expected
};

constexpr auto kOutside = static_cast<std::uint8_t>(UserMemoryError::not_accessible);

constexpr Attack kAttacks[] = {
    {"open without the network grant", false,
     [](void*) {
       std::uintptr_t raw = 0;
       auto s = sys::net_open(UserSpan<std::uintptr_t>{reinterpret_cast<std::uintptr_t>(&raw), 1}, kSocketStream);
       attack().result = s ? 0 : static_cast<std::uint32_t>(s.error());
       attack().survived = 1;
     },
     FaultKind{}, static_cast<std::uint8_t>(Error::not_permitted)},
    {"receive into lwIP's memory (the netif)", true,
     [](void*) {
       const auto s = own_socket();
       (void)sys::net_recv(s, UserSpan<std::byte>{reinterpret_cast<std::uintptr_t>(&net::interface_netif()), 16});
       attack().survived = 1;
     },
     FaultKind::bad_pointer, kOutside},
    {"send from the driver's registers", true,
     [](void*) {
       const auto s = own_socket();
       (void)sys::net_send(s, UserSpan<const std::byte>{kLan9118, 16});
       attack().survived = 1;
     },
     FaultKind::bad_pointer, kOutside},
    {"send a buffer that wraps past 2^32", true,
     [](void*) {
       const auto s = own_socket();
       (void)sys::net_send(s, UserSpan<const std::byte>{0xFFFFFFF0u, 0x100});
       attack().survived = 1;
     },
     FaultKind::bad_pointer, static_cast<std::uint8_t>(UserMemoryError::wraps)},
    {"accept into read-only memory", true,
     [](void*) {
       const auto s = own_socket();
       (void)sys::net_accept(s, UserSpan<AcceptedSocket>{reinterpret_cast<std::uintptr_t>(&read_only_word) & ~3u, 1});
       attack().survived = 1;
     },
     FaultKind::bad_pointer, kOutside},
    {"connect with an address in kernel memory", true,
     [](void*) {
       const auto s = own_socket();
       (void)sys::net_connect(s, UserSpan<const SocketAddress>{reinterpret_cast<std::uintptr_t>(&foreign_socket) & ~1u, 1});
       attack().survived = 1;
     },
     FaultKind::bad_pointer, kOutside},
    {"send on a socket of another owner", true,
     [](void*) {
       std::byte b[4] = {};
       (void)sys::net_send(net::SocketHandle{attack().foreign}, UserSpan<const std::byte>{std::span<const std::byte>{b}});
       attack().survived = 1;
     },
     FaultKind::bad_handle, static_cast<std::uint8_t>(HandleError::not_granted)},
    {"send on its own closed socket", true,
     [](void*) {
       const auto s = own_socket();
       (void)net::close(s);
       attack().socket = 0;
       std::byte b[4] = {};
       (void)sys::net_send(s, UserSpan<const std::byte>{std::span<const std::byte>{b}});
       attack().survived = 1;
     },
     FaultKind::bad_handle, static_cast<std::uint8_t>(HandleError::unknown)},
    {"read lwIP's memory directly", true,
     [](void*) {
       attack().result = *reinterpret_cast<volatile const std::uint32_t*>(&net::interface_netif());
       attack().survived = 1;
     },
     FaultKind::memory_access, 0},
    {"read the driver's registers directly", true,
     [](void*) {
       attack().result = *reinterpret_cast<volatile const std::uint32_t*>(kLan9118 + 0x50);
       attack().survived = 1;
     },
     FaultKind::memory_access, 0},
};
// The attacker's stack runs each attack's entry (docs/stack-bounds.md).
static_assert(std::size(kAttacks) == 10, "one stack-bound declaration per attack");
WARD_STACK_BOUND_USER_THREAD(attack_stack, kAttacks[0].run);
WARD_STACK_BOUND_USER_THREAD(attack_stack, kAttacks[1].run);
WARD_STACK_BOUND_USER_THREAD(attack_stack, kAttacks[2].run);
WARD_STACK_BOUND_USER_THREAD(attack_stack, kAttacks[3].run);
WARD_STACK_BOUND_USER_THREAD(attack_stack, kAttacks[4].run);
WARD_STACK_BOUND_USER_THREAD(attack_stack, kAttacks[5].run);
WARD_STACK_BOUND_USER_THREAD(attack_stack, kAttacks[6].run);
WARD_STACK_BOUND_USER_THREAD(attack_stack, kAttacks[7].run);
WARD_STACK_BOUND_USER_THREAD(attack_stack, kAttacks[8].run);
WARD_STACK_BOUND_USER_THREAD(attack_stack, kAttacks[9].run);

// Runs one attack in a fresh attacker; true if it was refused as expected.
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
         (a.kind == FaultKind::memory_access || report->detail == a.detail);
  }
  if (attack().socket != 0) {  // the attacker died holding it: its owner's cleanup is main's
    (void)sys::net_close(net::SocketHandle{attack().socket});
  }
  return ok;
}

std::uint16_t peer_port_argument() {
  const std::string_view line = board::command_line();
  const std::size_t at = line.find("--peer=");
  if (at == std::string_view::npos) {
    return 0;
  }
  std::uint32_t port = 0;
  for (std::size_t i = at + 7; i < line.size() && i < at + 12 && line[i] >= '0' && line[i] <= '9'; ++i) {
    port = port * 10 + static_cast<std::uint32_t>(line[i] - '0');
  }
  return port <= 0xFFFF ? static_cast<std::uint16_t>(port) : 0;
}

}  // namespace

int main() {
  const std::uint16_t peer = peer_port_argument();
  if (peer == 0) {
    print("net_sockets: no --peer=PORT\n");
    return 1;
  }
  if (!net::start_interface(ethernet, Priority{20}) || !net::wait_for_ipv4(Timeout::after(Duration::s(20)))) {
    print("net_sockets: no network\n");
    return 1;
  }
  print("net_sockets: network up\n");

  std::uintptr_t raw = 0;
  if (!sys::net_open(UserSpan<std::uintptr_t>{reinterpret_cast<std::uintptr_t>(&raw), 1}, kSocketStream)) {
    print("net_sockets: a privileged thread cannot open a socket\n");
    return 1;
  }
  foreign_socket = raw;
  unsigned caught = 0;
  for (const Attack& a : kAttacks) {
    const bool ok = refused(a);
    caught += ok ? 1 : 0;
    print("net_sockets: attack: ", a.name, ": ", ok ? "refused" : "NOT REFUSED", '\n');
  }
  (void)sys::net_close(net::SocketHandle{foreign_socket});
  print("net_sockets: attacks refused ", caught, " of ", sizeof kAttacks / sizeof kAttacks[0], '\n');

  echo_results() = EchoResults{0, 0, 0, peer, 0};
  WARD_STACK_BOUND_USER_THREAD(echo_stack, &echo_main);
  if (!echo_thread.create_user(echo_stack.span(), &echo_main, nullptr, Priority{10}, "echo", echo_domain) ||
      !grant_network(echo_thread) || !echo_thread.start()) {
    print("net_sockets: cannot start the echo thread\n");
    return 1;
  }
  const bool ended = static_cast<bool>(echo_thread.join(Timeout::after(Duration::s(120))));
  const EchoResults& r = echo_results();
  print("net_sockets: user thread served ", r.connections, " connections, ", r.served_bytes, " bytes; client echo ",
        r.client_bytes, " bytes", r.failed_step == 0 ? " exact" : "", "; failed step ", r.failed_step, '\n');
  const bool passed = ended && r.failed_step == 0 && faults::count() == caught - 1 &&
                      caught == sizeof kAttacks / sizeof kAttacks[0];
  print("net_sockets: faults ", faults::count(), '\n');
  print(passed ? "net_sockets: done\n" : "net_sockets: FAILED\n");
  return passed ? 0 : 1;
}
