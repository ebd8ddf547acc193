// Red team: TLS sockets from user threads against the secure world's quotas (ward/secure/crypto/
// service.hpp). Every TLS socket slot's worker is the kernel's client, but what a session creates is
// counted against the quota of the user thread that owns the socket (kernel::SecureCallsFor, lib/tls/
// src/sockets.cpp), not against the kernel's share (14 volatile keys, 8 of the 12 operations). Peers
// on 127.0.0.1 (tests/net/tls_quota_test.py). The main thread is privileged, so it is the kernel's
// client: probe() counts how many volatile keys and hash operations the kernel's share still gives
// it, and gives them back.
//
//   rst        a user thread connects six times to a peer that reads the ClientHello and closes: after
//              the failed handshakes the kernel's share is whole again (no key, no operation leaked).
//   full       three full sessions with a good server, each closed by the user: the share is whole.
//   abort      a user thread in a handshake with a peer that never answers is aborted: whole again.
//   hog        two user threads each take their own share of operations (4 + 4 of the table's 12)
//              and keys, then start a TLS handshake with a peer that never answers: the handshake
//              gets nothing more (its transcript hashes and key share count against the same
//              share), so a third user thread's own psa_hash_setup and psa_import_key succeed, as
//              without TLS sockets. Afterwards the share is whole again.
//   kernel     four user threads in such handshakes (every slot): the kernel's own share is not
//              spent by them (a privileged PSA user, e.g. a Client used directly, is still served:
//              what is left is what the shared table has room for). Afterwards the share is whole.
//   idle       one open, idle session holds no operation in the secure world (only its traffic keys).
//   sessions   one user thread opens a session on every slot and then takes volatile keys of its own,
//              another takes its own: the first thread's sessions and keys together stay within its
//              one share of 6 (a session beyond it is refused), so a third user thread's
//              psa_import_key succeeds (without TLS sockets two user threads hold 12 of the 20
//              volatile slots).
//   owners     after those, every user thread's number gives a new program on its Thread its whole own
//              share (6 keys, 4 operations): no session's charge outlived the program that owned it.
//   orphan     a user thread ends with an open session (and orphan_abort: is aborted while it sleeps
//              with one): join() returns once the reaper closed it; the next program's share is whole.
//   partial    a user thread holds all of its share but 0..5 keys (or 1..3 operations) and handshakes
//              with a good server (TLS 1.3, then TLS 1.2): whatever step runs out, after it ends the
//              next program's share is whole.
//   restart    a user thread with FaultPolicy::restart faults with an open session: the restarted run
//              has its whole share at once (the reaper closed the orphan first).
//   burn       three user threads each hold all of their share but one key, handshake, repeat; they
//              end: the kernel's share and every user thread's are whole again.
//   heap0      after all of that, heap 0 (Clients used directly) was never written by a socket's session.
//   kernel_client  user threads hold the key table but one slot while the kernel's own Client (main's,
//              not a socket) handshakes, twice: afterwards the kernel's share is whole.
// Results: hog, kernel and sessions broke (2026-12-06) until a session's secure-world state was
// counted against its socket's owner; idle and the fourth session of sessions broke until
// lib/tls/src/tls13_release.c (4 keys and 2 operations per idle TLS 1.3 session). partial and burn
// broke (2026-12-06, the attack16b red team: one key lost for good per TLS 1.3 handshake that could
// make its first traffic key and not its second, counted against the socket's owner; three ended
// threads left the kernel 0 of its 14 keys), and kernel_client broke (the kernel's own Client lost 2 of
// its 14 keys), until every Client destroyed what its session's Mbed TLS lost (lib/tls/src/client.cpp,
// KeyScope and forget_lost_keys).
// Every wait is bounded; main exits 0 only if every case held.
#include <psa/crypto.h>

extern "C" {
#include "lwip/ip_addr.h"
}

#include <cstdint>
#include <cstring>
#include <string_view>

#include "ward/autoconf.h"
#include "ward/arch/port.hpp"
#include "ward/syscalls.hpp"
#include "kTestCaDer.hpp"  // generated: the test CA, this image's trust anchor
#include "ward/board.hpp"
#include "ward/command_line.hpp"
#include "ward/isolation.hpp"
#include "ward/kernel.hpp"
#include "ward/net/interface.hpp"
#include "ward/net/lan9118.hpp"
#include "ward/print.hpp"
#include "ward/sockets.hpp"
#include "ward/stack_bound.hpp"
#include "ward/tls/client.hpp"
#include "ward/tls/sockets.hpp"

namespace {
using namespace ward;

net::Lan9118 ethernet{{0x42000000, 48}};

constexpr std::string_view kHostname = "ward-tls.test";
const std::span<const std::uint8_t> kAnchors[] = {std::span<const std::uint8_t>{kTestCaDer}};
constexpr std::uint32_t kPool = CONFIG_WARD_NET_TLS_SOCKETS;
static_assert(kPool == 4, "the hog case fills the largest pool");

std::uint64_t argument(std::string_view name) { return number_argument(board::command_line(), name); }
std::uint16_t port(std::string_view name) { return static_cast<std::uint16_t>(argument(name)); }

bool report(const char* name, bool ok, const char* detail = "") {
  print("tls_quota: ", name, ": ", ok ? "held" : "BROKE", " ", detail, '\n');
  return ok;
}

// What the user threads are told and report, in the memory they share with main.
struct Shared {
  volatile std::uint32_t port;
  volatile std::uint32_t timeout_us;
  volatile std::uint32_t hogs;         // attackers 0 .. hogs - 1 also take their own share first
  volatile std::uint32_t rounds;       // churn: connections to make
  volatile std::uint32_t stage[kPool];  // 1: in connect
  volatile std::int32_t error[kPool];   // connect's ward::Error, 0: connected
  volatile std::uint32_t done[kPool];
  volatile std::uint32_t own_ops;       // the hogs' own hash operations, set up
  volatile std::uint32_t own_keys;      // the hogs' own volatile keys, imported
  volatile std::uint32_t connected;     // churn: handshakes that succeeded
  volatile std::uint32_t failed;        // churn: handshakes that failed
  volatile std::uint32_t victim_done;
  volatile std::int32_t victim_hash;    // the victim's psa_hash_setup
  volatile std::int32_t victim_key;     // the victim's psa_import_key
  volatile std::uint32_t qport[kPool];  // sessions: the quiet servers
  volatile std::uint32_t sessions;      // sessions: open at once
  volatile std::uint32_t holding;       // sessions: the holders have all they take
  volatile std::uint32_t release;       // sessions: main says stop
  volatile std::uint32_t probe_keys;    // own_probe: the volatile keys a user thread's own share gives
  volatile std::uint32_t probe_ops;     // own_probe: its hash operations
  volatile std::uint32_t probe_done;
  volatile std::uint32_t take_ops;      // partial: the user thread's own operations, taken first
  volatile std::uint32_t take_keys;     // partial: its own volatile keys, taken first
  volatile std::uint32_t runs;          // restart: the runs of the restarting thread
};
PartitionMemory<256> memory;
Shared& shared() { return *static_cast<Shared*>(static_cast<void*>(memory.bytes)); }
static_assert(sizeof(Shared) <= sizeof memory.bytes);
constexpr Domain<1> domain{Partition::of(memory, Access::read_write)};
UserThreadStack<2048> stacks[kPool];
UserThreadStack<2048> victim_stack;
Thread attackers[kPool];
Thread victim;

psa_key_attributes_t aes_attributes() {
  psa_key_attributes_t a = psa_key_attributes_init();
  psa_set_key_type(&a, PSA_KEY_TYPE_AES);
  psa_set_key_bits(&a, 128);
  psa_set_key_usage_flags(&a, PSA_KEY_USAGE_ENCRYPT);
  psa_set_key_algorithm(&a, PSA_ALG_CTR);
  return a;
}
constexpr std::uint8_t kMaterial[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

// ---- The user threads ------------------------------------------------------------------------------

// The test's hostname and receive timeout (shared().timeout_us), on a new TLS socket.
Status prepare(net::SocketHandle h) {
  const Status st = net::set_tls_hostname(h, kHostname);
  return st ? sys::net_setopt(h, kSocketReceiveTimeout, shared().timeout_us) : st;
}

// Opens a TLS socket and connects to shared().port; the socket's Error (0: connected). Closes it.
std::int32_t connect_once(std::uint32_t i) {
  Shared& s = shared();
  auto h = net::socket(kSocketStream | kSocketTls);
  if (!h) {
    return static_cast<std::int32_t>(h.error());
  }
  Status st = prepare(*h);
  if (i < kPool) {
    s.stage[i] = 1;
  }
  st = st ? net::connect(*h, net::ipv4(10, 0, 2, 2, static_cast<std::uint16_t>(s.port))) : st;
  (void)net::close(*h);
  return st ? 0 : static_cast<std::int32_t>(st.error());
}

// Attacker i: (a hog: its own hash operations and keys first, kept) connects.
void attacker(void* arg) {
  const auto i = static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(arg));
  Shared& s = shared();
  if (i < s.hogs) {
    for (int k = 0; k < 6; ++k) {
      psa_hash_operation_t op = psa_hash_operation_init();
      s.own_ops = s.own_ops + (psa_hash_setup(&op, PSA_ALG_SHA_256) == PSA_SUCCESS ? 1 : 0);
    }
    const psa_key_attributes_t a = aes_attributes();
    for (int k = 0; k < 8; ++k) {
      psa_key_id_t id = 0;
      s.own_keys = s.own_keys + (psa_import_key(&a, kMaterial, sizeof kMaterial, &id) == PSA_SUCCESS ? 1 : 0);
    }
  }
  s.error[i] = connect_once(i);
  s.done[i] = 1;
}

// Connects `rounds` times (each session closed at once).
void churn(void*) {
  Shared& s = shared();
  for (std::uint32_t r = 0; r < s.rounds && r < 16; ++r) {
    if (connect_once(kPool) == 0) {
      s.connected = s.connected + 1;
    } else {
      s.failed = s.failed + 1;
    }
  }
  s.done[0] = 1;
}

// Sessions: holder 0 opens a session with each quiet server (kept open), then both holders take their
// own share of volatile keys; they keep it all until main says release.
void holder(void* arg) {
  const auto i = static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(arg));
  Shared& s = shared();
  std::uintptr_t handles[kPool] = {};
  const std::uint32_t count = s.rounds != 0 && s.rounds < kPool ? s.rounds : kPool;
  for (std::uint32_t k = 0; i == 0 && k < count; ++k) {
    auto h = net::socket(kSocketStream | kSocketTls);
    if (!h) {
      break;
    }
    handles[k] = h->raw();
    Status st = prepare(*h);
    st = st ? net::connect(*h, net::ipv4(10, 0, 2, 2, static_cast<std::uint16_t>(s.qport[k]))) : st;
    s.sessions = s.sessions + (st ? 1 : 0);
    s.error[k] = st ? 0 : static_cast<std::int32_t>(st.error());
  }
  const psa_key_attributes_t a = aes_attributes();
  for (int k = 0; k < 8; ++k) {
    psa_key_id_t id = 0;
    s.own_keys = s.own_keys + (psa_import_key(&a, kMaterial, sizeof kMaterial, &id) == PSA_SUCCESS ? 1 : 0);
  }
  s.holding = s.holding + 1;
  // Sleeps in the kernel until main says release (at most 40 s).
  for (int k = 0; k < 2000 && s.release == 0; ++k) {
    (void)sys::sleep_for(UserTimeout::after(Duration::ms(20)));
  }
  for (const std::uintptr_t h : handles) {
    if (h != 0) {
      (void)net::close(net::SocketHandle{h});
    }
  }
  s.done[i] = 1;
}

// Another user thread's own crypto: one hash operation, one volatile key.
void victim_main(void*) {
  Shared& s = shared();
  psa_hash_operation_t op = psa_hash_operation_init();
  s.victim_hash = psa_hash_setup(&op, PSA_ALG_SHA_256);
  if (s.victim_hash == PSA_SUCCESS) {
    (void)psa_hash_abort(&op);
  }
  const psa_key_attributes_t a = aes_attributes();
  psa_key_id_t id = 0;
  s.victim_key = psa_import_key(&a, kMaterial, sizeof kMaterial, &id);
  if (s.victim_key == PSA_SUCCESS) {
    (void)psa_destroy_key(id);
  }
  s.victim_done = 1;
}

// What the running user thread's own share still gives it (volatile keys, hash operations), given back.
void probe_own() {
  Shared& s = shared();
  psa_key_id_t ids[12] = {};
  const psa_key_attributes_t a = aes_attributes();
  std::uint32_t keys = 0;
  while (keys < 12 && psa_import_key(&a, kMaterial, sizeof kMaterial, &ids[keys]) == PSA_SUCCESS) {
    ++keys;
  }
  psa_hash_operation_t ops[8];
  std::uint32_t n = 0;
  while (n < 8) {
    ops[n] = psa_hash_operation_init();
    if (psa_hash_setup(&ops[n], PSA_ALG_SHA_256) != PSA_SUCCESS) {
      break;
    }
    ++n;
  }
  for (std::uint32_t i = 0; i < keys; ++i) {
    (void)psa_destroy_key(ids[i]);
  }
  for (std::uint32_t i = 0; i < n; ++i) {
    (void)psa_hash_abort(&ops[i]);
  }
  s.probe_keys = keys;
  s.probe_ops = n;
  s.probe_done = 1;
}

void own_probe(void*) { probe_own(); }

// Opens a TLS session with shared().qport[0] and keeps it; the socket's Error (0: connected).
std::int32_t open_session() {
  Shared& s = shared();
  auto h = net::socket(kSocketStream | kSocketTls);
  if (!h) {
    return static_cast<std::int32_t>(h.error());
  }
  Status st = prepare(*h);
  st = st ? net::connect(*h, net::ipv4(10, 0, 2, 2, static_cast<std::uint16_t>(s.qport[0]))) : st;
  return st ? 0 : static_cast<std::int32_t>(st.error());
}

// Orphan: opens a session and ends without closing it (the reaper closes it).
void leaver(void*) {
  Shared& s = shared();
  s.error[0] = open_session();
  s.done[0] = 1;
}

// Partial: takes take_ops operations and take_keys keys of its own (kept), then connects to
// shared().port: the handshake fails wherever the rest of its share runs out.
void partial(void*) {
  Shared& s = shared();
  for (std::uint32_t k = 0; k < s.take_ops && k < 8; ++k) {
    psa_hash_operation_t op = psa_hash_operation_init();
    s.own_ops = s.own_ops + (psa_hash_setup(&op, PSA_ALG_SHA_256) == PSA_SUCCESS ? 1 : 0);
  }
  const psa_key_attributes_t a = aes_attributes();
  for (std::uint32_t k = 0; k < s.take_keys && k < 8; ++k) {
    psa_key_id_t id = 0;
    s.own_keys = s.own_keys + (psa_import_key(&a, kMaterial, sizeof kMaterial, &id) == PSA_SUCCESS ? 1 : 0);
  }
  s.error[0] = connect_once(0);
  s.done[0] = 1;
}

// Burn: round after round, holds all of its share but one key and connects to shared().port (a good
// server): the handshake's ECDHE key takes that key and gives it back, its first traffic key takes it
// again and the second is refused. Counts the rounds in `connected` (it stops when its share has no
// key left).
void burner(void*) {
  Shared& s = shared();
  const psa_key_attributes_t a = aes_attributes();
  for (std::uint32_t r = 0; r < 8; ++r) {
    psa_key_id_t ids[8] = {};
    std::uint32_t n = 0;
    while (n < 8 && psa_import_key(&a, kMaterial, sizeof kMaterial, &ids[n]) == PSA_SUCCESS) {
      ++n;
    }
    if (n == 0) {
      break;
    }
    (void)psa_destroy_key(ids[n - 1]);
    s.error[0] = connect_once(0);
    for (std::uint32_t i = 0; i + 1 < n; ++i) {
      (void)psa_destroy_key(ids[i]);
    }
    s.connected = s.connected + 1;
  }
  s.done[0] = 1;
}

// Kernel client: holds take_keys volatile keys of its own (as many as it gets) until main says release.
void key_holder(void*) {
  Shared& s = shared();
  const psa_key_attributes_t a = aes_attributes();
  for (std::uint32_t k = 0; k < s.take_keys && k < 8; ++k) {
    psa_key_id_t id = 0;
    s.own_keys = s.own_keys + (psa_import_key(&a, kMaterial, sizeof kMaterial, &id) == PSA_SUCCESS ? 1 : 0);
  }
  s.holding = s.holding + 1;
  for (int k = 0; k < 1500 && s.release == 0; ++k) {
    (void)sys::sleep_for(UserTimeout::after(Duration::ms(20)));
  }
}

// Restart: the first run opens a session and faults (a system call that does not exist) with it open;
// the restarted run probes its own share at once, then waits for main.
void restarter(void*) {
  Shared& s = shared();
  const std::uint32_t run = s.runs;
  s.runs = run + 1;
  if (run == 0) {
    s.error[0] = open_session();
    s.stage[0] = 1;
    (void)arch::syscall(sys::kCount + 1, 0, 0, 0, 0);
    return;
  }
  probe_own();
  for (int k = 0; k < 500 && s.release == 0; ++k) {
    (void)sys::sleep_for(UserTimeout::after(Duration::ms(20)));
  }
}

WARD_STACK_BOUND_USER_THREAD(stacks, &attacker);
WARD_STACK_BOUND_USER_THREAD(stacks, &churn);
WARD_STACK_BOUND_USER_THREAD(stacks, &holder);
WARD_STACK_BOUND_USER_THREAD(victim_stack, &victim_main);
WARD_STACK_BOUND_USER_THREAD(stacks, &own_probe);
WARD_STACK_BOUND_USER_THREAD(victim_stack, &own_probe);
WARD_STACK_BOUND_USER_THREAD(stacks, &leaver);
WARD_STACK_BOUND_USER_THREAD(stacks, &partial);
WARD_STACK_BOUND_USER_THREAD(stacks, &restarter);
WARD_STACK_BOUND_USER_THREAD(stacks, &burner);
WARD_STACK_BOUND_USER_THREAD(stacks, &key_holder);
WARD_STACK_BOUND_USER_THREAD(victim_stack, &key_holder);

// ---- Main's side -----------------------------------------------------------------------------------

struct ShareLeft {
  std::uint32_t keys = 0;
  std::uint32_t ops = 0;
  bool operator==(const ShareLeft&) const = default;
};

// What the kernel's client can still take (and gives back): volatile keys, hash operations.
ShareLeft probe() {
  ShareLeft left;
  psa_key_id_t ids[24] = {};
  const psa_key_attributes_t a = aes_attributes();
  while (left.keys < 24 && psa_import_key(&a, kMaterial, sizeof kMaterial, &ids[left.keys]) == PSA_SUCCESS) {
    left.keys = left.keys + 1;
  }
  psa_hash_operation_t ops[12];
  while (left.ops < 12) {
    ops[left.ops] = psa_hash_operation_init();
    if (psa_hash_setup(&ops[left.ops], PSA_ALG_SHA_256) != PSA_SUCCESS) {
      break;
    }
    left.ops = left.ops + 1;
  }
  for (std::uint32_t i = 0; i < left.keys; ++i) {
    (void)psa_destroy_key(ids[i]);
  }
  for (std::uint32_t i = 0; i < left.ops; ++i) {
    (void)psa_hash_abort(&ops[i]);
  }
  return left;
}

void print_share(const char* when, const ShareLeft& s) {
  print("tls_quota: ", when, ": the kernel's share left: ", s.keys, " keys, ", s.ops, " operations\n");
}

void clear() { std::memset(memory.bytes, 0, sizeof memory.bytes); }

bool start(Thread& t, UserThreadStack<2048>& stack, Thread::Entry entry, void* arg, const char* name,
           FaultPolicy policy = FaultPolicy::stop) {
  return t.create_user(stack.span(), entry, arg, Priority{10}, name, domain, policy) && grant_network(t) && t.start();
}

bool wait_for(const volatile std::uint32_t& flag, Duration limit) {
  const Instant until = now() + limit;
  while (flag == 0 && now() < until) {
    (void)this_thread::sleep_for(Duration::ms(20));
  }
  return flag != 0;
}

// The share after a case, against the baseline (the workers' last calls may still be finishing).
bool whole_again(const char* name, const ShareLeft& base) {
  ShareLeft after = probe();
  for (int i = 0; i < 10 && !(after == base); ++i) {
    (void)this_thread::sleep_for(Duration::ms(200));
    after = probe();
  }
  print_share(name, after);
  return after == base;
}

bool churn_case(const char* name, std::string_view port_name, std::uint32_t rounds, const ShareLeft& base,
                bool expect_connected) {
  clear();
  shared().port = port(port_name);
  shared().timeout_us = 5'000'000;
  shared().rounds = rounds;
  if (!start(attackers[0], stacks[0], &churn, nullptr, name)) {
    return report(name, false, "cannot start");
  }
  const bool ended = static_cast<bool>(attackers[0].join(Timeout::after(Duration::s(25))));
  if (!ended) {
    (void)attackers[0].abort();
    (void)attackers[0].join(Timeout::after(Duration::s(30)));
  }
  print("tls_quota: ", name, ": handshakes ", shared().connected, " done, ", shared().failed, " failed\n");
  const bool as_expected = expect_connected ? shared().connected == rounds : shared().failed == rounds;
  return report(name, ended && as_expected && whole_again(name, base));
}

bool abort_case(const ShareLeft& base) {
  clear();
  shared().port = port("--stall=");
  shared().timeout_us = 30'000'000;
  if (!start(attackers[0], stacks[0], &attacker, nullptr, "abort")) {
    return report("abort", false, "cannot start");
  }
  const bool in_connect = wait_for(shared().stage[0], Duration::s(5));
  (void)this_thread::sleep_for(Duration::ms(1500));
  (void)attackers[0].abort();
  const bool ended = static_cast<bool>(attackers[0].join(Timeout::after(Duration::s(5))));
  return report("abort", in_connect && ended && shared().done[0] == 0 && whole_again("abort", base));
}

// `count` attackers in handshakes with the stall peer, the first `hogs` of them also holding their own
// share of operations and keys; then a victim user thread's own crypto. False if a step failed to start.
struct Outcome {
  bool started = false;
  ShareLeft during;
  bool victim_ended = false;
  bool attackers_ended = false;
  bool whole = false;
};
Outcome hold_handshakes(const char* name, std::uint32_t count, std::uint32_t hogs, const ShareLeft& base) {
  clear();
  Outcome r;
  shared().port = port("--stall=");
  shared().timeout_us = 8'000'000;  // the handshake's deadline: 24 s
  shared().hogs = hogs;
  r.started = true;
  for (std::uint32_t i = 0; i < count; ++i) {
    r.started = r.started && start(attackers[i], stacks[i], &attacker,
                                   reinterpret_cast<void*>(static_cast<std::uintptr_t>(i)), name);
    r.started = r.started && wait_for(shared().stage[i], Duration::s(5));
  }
  (void)this_thread::sleep_for(Duration::ms(1000));  // every handshake waiting for its server
  for (std::uint32_t i = hogs; i < count; ++i) {
    r.started = r.started && shared().done[i] == 0;  // a hog's handshake may have been refused already
  }
  r.during = probe();
  print("tls_quota: ", name, ": ", count, " handshakes waiting; the hogs' own share: ", shared().own_ops,
        " operations, ", shared().own_keys, " keys\n");
  print_share(name, r.during);
  r.victim_ended = start(victim, victim_stack, &victim_main, nullptr, "victim") &&
                   static_cast<bool>(victim.join(Timeout::after(Duration::s(10))));
  print("tls_quota: ", name, ": the victim's psa_hash_setup ", shared().victim_hash, ", psa_import_key ",
        shared().victim_key, '\n');
  for (std::uint32_t i = 0; i < count; ++i) {
    (void)attackers[i].abort();
  }
  r.attackers_ended = true;
  for (std::uint32_t i = 0; i < count; ++i) {
    r.attackers_ended = static_cast<bool>(attackers[i].join(Timeout::after(Duration::s(5)))) && r.attackers_ended;
  }
  r.whole = whole_again(name, base);
  return r;
}

// Two user threads, each with its own share of operations taken (4 + 4 of the table's 12), each then
// starting a TLS handshake: the handshakes count against the same shares, so they get no operation
// and are refused, and a third user thread's psa_hash_setup and psa_import_key are served.
bool hog_case(const ShareLeft& base) {
  const Outcome r = hold_handshakes("hog", 2, 2, base);
  const bool victim_served = shared().victim_hash == PSA_SUCCESS && shared().victim_key == PSA_SUCCESS;
  print("tls_quota: hog: the hogs' handshakes: ", shared().error[0], " ", shared().error[1], '\n');
  const bool refused = shared().error[0] == static_cast<std::int32_t>(Error::no_resources) &&
                       shared().error[1] == static_cast<std::int32_t>(Error::no_resources);
  return report("hog", r.started && r.victim_ended && victim_served && refused && r.attackers_ended && r.whole,
                !victim_served ? "STARVED: another user thread's own crypto refused"
                               : (refused ? "" : "a hog's handshake was not refused for want of resources"));
}

// Four user threads in TLS handshakes with a peer that never answers: their sessions count against
// their own shares, so the kernel's own crypto (any privileged user of PSA) is still served.
bool kernel_case(const ShareLeft& base) {
  const Outcome r = hold_handshakes("kernel", kPool, 0, base);
  return report("kernel", r.started && r.during.ops > 0 && r.during.keys > 0 && r.attackers_ended && r.whole,
                r.during.ops > 0 && r.during.keys > 0 ? "" : "STARVED: the kernel's own crypto: nothing left");
}

// One idle open session (a quiet server): what it holds of the kernel's share, for as long as its
// user keeps it open. The docs count its 2 traffic keys; it must hold no operation (else three idle
// sessions leave the kernel too few for any further handshake, whoever asks).
bool idle_case(const ShareLeft& base) {
  clear();
  shared().timeout_us = 10'000'000;
  shared().rounds = 1;
  shared().qport[0] = port("--q5=");
  const bool started = start(attackers[0], stacks[0], &holder, nullptr, "idle");
  const Instant until = now() + Duration::s(20);
  while (started && shared().holding < 1 && now() < until) {
    (void)this_thread::sleep_for(Duration::ms(20));
  }
  (void)this_thread::sleep_for(Duration::ms(500));
  const ShareLeft during = probe();
  shared().release = 1;
  const bool ended = static_cast<bool>(attackers[0].join(Timeout::after(Duration::s(20))));
  print("tls_quota: idle: one open session (connect error ", shared().error[0], ") holds ", base.keys - during.keys,
        " keys, ", base.ops - during.ops, " operations of the kernel's share\n");
  const bool whole = whole_again("idle (after)", base);
  return report("idle", started && shared().sessions == 1 && during.ops == base.ops && ended && whole,
                during.ops == base.ops ? "" : "an idle session holds operations");
}

// Two user threads: one opens a session on every slot (2 traffic keys each once open, 6 at a
// handshake's peak) and takes keys of its own, the other takes its own: the first one's sessions
// and keys stay within its share (a session beyond it refused for want of resources), and a third
// user thread's psa_import_key succeeds (without TLS sockets two user threads hold 12 of the 20
// volatile slots only).
bool sessions_case(const ShareLeft& base) {
  clear();
  shared().timeout_us = 10'000'000;
  constexpr std::string_view kQuiet[] = {"--q1=", "--q2=", "--q3=", "--q4="};
  for (std::uint32_t k = 0; k < kPool; ++k) {
    shared().qport[k] = port(kQuiet[k]);
  }
  bool started = start(attackers[0], stacks[0], &holder, nullptr, "sessions");
  started = started && start(attackers[1], stacks[1], &holder, reinterpret_cast<void*>(std::uintptr_t{1}), "keys");
  const Instant until = now() + Duration::s(40);
  while (started && shared().holding < 2 && now() < until) {
    (void)this_thread::sleep_for(Duration::ms(20));
  }
  const ShareLeft during = probe();
  print("tls_quota: sessions: ", shared().sessions, " sessions open (connect errors ", shared().error[0], " ",
        shared().error[1], " ", shared().error[2], " ", shared().error[3], "), the holders' own keys ", shared().own_keys,
        '\n');
  print_share("sessions", during);
  const bool victim_ended = start(victim, victim_stack, &victim_main, nullptr, "victim") &&
                            static_cast<bool>(victim.join(Timeout::after(Duration::s(10))));
  print("tls_quota: sessions: the victim's psa_hash_setup ", shared().victim_hash, ", psa_import_key ",
        shared().victim_key, '\n');
  shared().release = 1;
  bool ended = static_cast<bool>(attackers[0].join(Timeout::after(Duration::s(20))));
  ended = static_cast<bool>(attackers[1].join(Timeout::after(Duration::s(20)))) && ended;
  const bool whole = whole_again("sessions (after)", base);
  const bool served = shared().victim_key == PSA_SUCCESS;
  // Within one share: 2 keys per open session and the holders' own keys; a session beyond the share
  // was refused for want of resources, not for anything else.
  bool within = shared().sessions >= 1 && shared().own_keys == 2 * 6 - 2 * shared().sessions;
  for (std::uint32_t k = 0; k < kPool; ++k) {
    const std::int32_t e = shared().error[k];
    within = within && (e == 0 || e == static_cast<std::int32_t>(Error::no_resources));
  }
  return report("sessions", started && within && victim_ended && served && ended && whole,
                !served ? "STARVED: another user thread's own key refused"
                        : (within ? "" : "the sessions and keys are not within the holder's share"));
}

// A user thread's own share: 6 volatile keys, 4 operations (ward/secure/crypto/service.hpp).
constexpr std::uint32_t kOwnKeys = 6;
constexpr std::uint32_t kOwnOps = 4;

// A new program on Thread `t` (the user number its earlier programs had) probes its own share:
// whole, unless something charged to that number outlived the program that made it.
bool own_share_whole(const char* name, Thread& t, UserThreadStack<2048>& stack) {
  shared().probe_done = 0;
  shared().probe_keys = 0;
  shared().probe_ops = 0;
  const bool ran = start(t, stack, &own_probe, nullptr, "prober") && static_cast<bool>(t.join(Timeout::after(Duration::s(10))));
  print("tls_quota: ", name, ": a new program on that thread (user ", t.user_id() + 1, ") gets ", shared().probe_keys,
        " keys, ", shared().probe_ops, " operations of its own share\n");
  return ran && shared().probe_done == 1 && shared().probe_keys == kOwnKeys && shared().probe_ops == kOwnOps;
}

// Owners: after every case above, each user thread's number has its whole share again: no session's
// keys or operations (charged to its owner's number) outlived the program that owned the socket.
bool owners_case() {
  bool ok = true;
  for (std::uint32_t i = 0; i < kPool; ++i) {
    ok = own_share_whole("owners", attackers[i], stacks[i]) && ok;
  }
  ok = own_share_whole("owners", victim, victim_stack) && ok;
  return report("owners", ok, ok ? "" : "a charge outlived its thread");
}

// Orphan: a user thread with an open session ends without closing it (returns; or is aborted while
// it sleeps with the session open): the reaper closes the socket before join() returns, so a new
// program on that Thread gets its whole share.
bool orphan_case(const char* name, bool abort, std::string_view qport, const ShareLeft& base) {
  clear();
  shared().timeout_us = 10'000'000;
  shared().rounds = 1;
  shared().qport[0] = port(qport);
  bool started = false;
  if (abort) {
    started = start(attackers[0], stacks[0], &holder, nullptr, name);
    const Instant until = now() + Duration::s(20);
    while (started && shared().holding < 1 && now() < until) {
      (void)this_thread::sleep_for(Duration::ms(20));
    }
    (void)attackers[0].abort();
  } else {
    started = start(attackers[0], stacks[0], &leaver, nullptr, name);
  }
  const bool ended = static_cast<bool>(attackers[0].join(Timeout::after(Duration::s(25))));
  print("tls_quota: ", name, ": the session's connect error ", shared().error[0], ", sessions ", shared().sessions, '\n');
  const bool connected = abort ? shared().sessions == 1 : (shared().done[0] == 1 && shared().error[0] == 0);
  const bool own = own_share_whole(name, attackers[0], stacks[0]);
  return report(name, started && connected && ended && own && whole_again(name, base),
                connected ? "" : "the session did not open");
}

// Partial: a user thread holds part of its own share, then handshakes with a good server: the
// handshake runs out of the rest at some step and fails (or completes); after the thread ends its
// number's share is whole again (no step's failure leaves a key or an operation charged to it).
bool partial_case(const ShareLeft& base) {
  struct Take {
    std::uint32_t ops;
    std::uint32_t keys;
  };
  constexpr Take kTakes[] = {{0, 5}, {0, 4}, {0, 3}, {0, 2}, {0, 1}, {3, 0}, {2, 0}, {1, 0}, {3, 5}, {2, 3}};
  bool ok = true;
  std::uint32_t refused = 0;
  std::uint32_t made = 0;
  // good2 speaks TLS 1.3, good12 TLS 1.2 only (its transform's keys are made at other steps).
  constexpr std::string_view kServers[] = {"--good2=", "--good12="};
  for (std::size_t k = 0; k < std::size(kServers) * std::size(kTakes); ++k) {
    const std::string_view server = kServers[k / std::size(kTakes)];
    const Take& t = kTakes[k % std::size(kTakes)];
    ++made;
    clear();
    shared().port = port(server);
    shared().timeout_us = 5'000'000;
    shared().take_ops = t.ops;
    shared().take_keys = t.keys;
    const bool ran = start(attackers[1], stacks[1], &partial, nullptr, "partial") &&
                     static_cast<bool>(attackers[1].join(Timeout::after(Duration::s(25))));
    const std::int32_t e = shared().error[0];
    refused += e != 0 ? 1 : 0;
    print("tls_quota: partial (", server, "): own ", shared().own_ops, " operations, ", shared().own_keys, " keys taken; connect error ",
          e, '\n');
    const bool own = own_share_whole("partial", attackers[1], stacks[1]);
    ok = ran && shared().done[0] == 1 && own && ok;
  }
  print("tls_quota: partial: ", refused, " of ", made, " handshakes refused\n");
  return report("partial", ok && refused > 0 && whole_again("partial", base), ok ? "" : "a charge outlived its thread");
}

// Restart: a user thread with FaultPolicy::restart faults with an open session; the restarted run (the
// same user number: a new program, as far as its state goes) probes its own share at once. The
// socket of the run that faulted is orphaned and closed by the reaper; until then its session's
// keys stay charged to that number.
bool restart_case(const ShareLeft& base) {
  clear();
  shared().timeout_us = 10'000'000;
  shared().qport[0] = port("--q8=");
  const bool started = start(attackers[2], stacks[2], &restarter, nullptr, "restart", FaultPolicy::restart);
  const bool probed = started && wait_for(shared().probe_done, Duration::s(25));
  print("tls_quota: restart: runs ", shared().runs, ", the first run's connect error ", shared().error[0],
        "; the restarted run gets ", shared().probe_keys, " keys, ", shared().probe_ops, " operations of its own share\n");
  shared().release = 1;
  const bool ended = static_cast<bool>(attackers[2].join(Timeout::after(Duration::s(20))));
  const bool own_after = own_share_whole("restart (after)", attackers[2], stacks[2]);
  const bool at_once = shared().probe_keys == kOwnKeys && shared().probe_ops == kOwnOps;
  (void)at_once;
  return report("restart", probed && shared().error[0] == 0 && ended && own_after && at_once && whole_again("restart", base),
                at_once ? "" : "the restarted run starts without its whole share (the orphaned session's keys)");
}

// Burn: three user threads each burn their share (burner), and end. Afterwards the kernel's share and
// a fourth user thread's are whole: what a thread's sessions took is given back when it ends, whatever
// step their handshakes failed at. (Runs last: when it breaks, the table stays short.)
bool burn_case(const ShareLeft& base) {
  constexpr std::uint32_t kBurners[] = {0, 2, 3};
  bool ran = true;
  std::uint32_t rounds = 0;
  for (const std::uint32_t i : kBurners) {
    clear();
    shared().port = port("--good3=");
    shared().timeout_us = 5'000'000;
    ran = start(attackers[i], stacks[i], &burner, nullptr, "burner") &&
          static_cast<bool>(attackers[i].join(Timeout::after(Duration::s(60)))) && shared().done[0] == 1 && ran;
    rounds += shared().connected;
    print("tls_quota: burn: user ", attackers[i].user_id() + 1, " made ", shared().connected, " handshakes (last error ",
          shared().error[0], ")\n");
  }
  const ShareLeft after = probe();
  print_share("burn", after);
  const bool victim_whole = own_share_whole("burn", victim, victim_stack);
  bool owners_whole = true;
  for (const std::uint32_t i : kBurners) {
    owners_whole = own_share_whole("burn", attackers[i], stacks[i]) && owners_whole;
  }
  return report("burn", ran && after == base && victim_whole && owners_whole,
                after == base && victim_whole ? "" : "LEAKED: the shared key table stays short after the burners ended");
}

// Kernel client: user threads hold all of the volatile key table but one slot (18 in three shares, and
// 1 or 0 more), and the kernel's own Client (a privileged thread's, not a socket) handshakes with a
// good server meanwhile, twice: the handshake runs out where the table does. After the user threads
// end, the kernel's share must be whole (no key its Client lost on the way).
bool kernel_client_case(const ShareLeft& base) {
  tls::Client client;
  tls::ClientOptions o;
  o.trust_anchors = kAnchors;
  o.timeout_ms = 5'000;
  ip_addr_t server;
  IP_ADDR4(&server, 10, 0, 2, 2);
  bool started = true;
  std::uint32_t refused = 0;
  for (std::uint32_t round = 0; round < 2; ++round) {
    clear();
    shared().take_keys = 6;
    for (const std::uint32_t i : {0u, 2u, 3u}) {
      started = start(attackers[i], stacks[i], &key_holder, nullptr, "holder") && started;
    }
    const Instant until = now() + Duration::s(10);
    while (shared().holding < 3 && now() < until) {
      (void)this_thread::sleep_for(Duration::ms(20));
    }
    shared().take_keys = 1 - round;  // round 0: the table's last slot but one; round 1: what is left then
    started = start(victim, victim_stack, &key_holder, nullptr, "holder") && started;
    const Instant until4 = now() + Duration::s(10);
    while (shared().holding < 4 && now() < until4) {
      (void)this_thread::sleep_for(Duration::ms(20));
    }
    const auto r = client.connect(server, port("--good4="), kHostname, o);
    refused += r ? 0 : 1;
    print("tls_quota: kernel_client: round ", round, ": user threads hold ", shared().own_keys,
          " keys; the kernel's Client: ", r ? "connected" : "refused", " (Mbed TLS ", client.last_error(), ")\n");
    client.close();
    shared().release = 1;
    for (const std::uint32_t i : {0u, 2u, 3u}) {
      started = static_cast<bool>(attackers[i].join(Timeout::after(Duration::s(10)))) && started;
    }
    started = static_cast<bool>(victim.join(Timeout::after(Duration::s(10)))) && started;
  }
  const bool whole = whole_again("kernel_client", base);
  return report("kernel_client", started && refused > 0 && whole,
                whole ? "" : "LEAKED: the kernel's Client lost keys of the kernel's share for good");
}

}  // namespace

int main() {
  const std::uint64_t time = argument("--time=");
  if (time == 0) {
    print("tls_quota: usage: --time=UNIX --stall=P --rst=P --good=P\n");
    return 1;
  }
  if (!net::start_interface(ethernet, Priority{20}) || !net::wait_for_ipv4(Timeout::after(Duration::s(20)))) {
    print("tls_quota: no network\n");
    return 1;
  }
  if (!tls::init()) {
    print("tls_quota: init failed\n");
    return 1;
  }
  tls::set_time(static_cast<std::int64_t>(time));
  tls::SocketOptions o;
  o.trust_anchors = kAnchors;
  if (!tls::enable_sockets(o)) {
    print("tls_quota: cannot enable TLS sockets\n");
    return 1;
  }
  const std::size_t heap0_before = tls::heap_peak();
  const ShareLeft base = probe();
  print_share("baseline", base);
  bool ok = report("baseline", base.keys == 14 && base.ops == 8);
  ok &= churn_case("rst", "--rst=", 6, base, false);
  ok &= churn_case("full", "--good=", 3, base, true);
  ok &= abort_case(base);
  ok &= hog_case(base);
  ok &= kernel_case(base);
  ok &= idle_case(base);
  ok &= sessions_case(base);
  ok &= owners_case();
  ok &= orphan_case("orphan", false, "--q6=", base);
  ok &= orphan_case("orphan_abort", true, "--q7=", base);
  ok &= partial_case(base);
  ok &= restart_case(base);
  ok &= burn_case(base);
  // Every handshake above ran on a slot's worker: none of it came from heap 0 (Clients used directly).
  print("tls_quota: heap0: heap 0's peak ", heap0_before, " B before the sockets, ", tls::heap_peak(), " B after\n");
  ok &= report("heap0", tls::heap_peak() == heap0_before);
  ok &= kernel_client_case(base);  // after heap0: the kernel's own Client uses heap 0
  print(ok ? "tls_quota: done, every case held\n" : "tls_quota: done, SOME CASE BROKE\n");
  return ok ? 0 : 1;
}
