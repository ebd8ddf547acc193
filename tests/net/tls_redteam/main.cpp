// Red team: TLS sockets (ward/tls/sockets.hpp, lib/tls/src/sockets.cpp) from unprivileged threads,
// against peers this test's host side starts on 127.0.0.1 (tests/net/tls_redteam_test.py). Each case
// is an attack; "held" means it was refused or bounded, a case that fails is an open hole.
//
//   abort_handshake   a user thread in net_connect to a server that accepts TCP and never answers
//                     (60 s timeout set) is aborted: it must end within 2 s, and its TLS context
//                     must be free again. Was a FINDING: the abort waited in the worker's
//                     hand-over until the peer's timeout ran out (the thread, its socket and the
//                     worker -- every thread's TLS -- held for 60 s).
//   close_recv        a privileged thread closes a user thread's TLS socket while the owner waits
//                     in net_recv (60 s timeout) on a session whose server sends nothing: the
//                     receive ends (an error) within 2 s. Was a FINDING (the close waited 60 s).
//   abort_recv        the same wait, ended by an abort of the owner: within 2 s. Was a FINDING.
//   trickle           a server that sends its "handshake" one byte every 400 ms (each within the
//                     socket's 1 s timeout) is cut off by the handshake's deadline (3 x the
//                     timeout): net_connect fails within 8 s. Was a FINDING (only each read was
//                     bounded: a trickling peer held the worker for as long as it liked).
//   oversize          a server whose first record claims 65,535 bytes: refused at once.
//   foreign           a user thread uses another user thread's TLS socket handle (hostname,
//                     connect, send, recv, setopt, close): refused each time (a fault: not granted).
//   pool              a user thread opens as many TLS sockets as the pool holds, one more is
//                     refused (no_resources); closed, they are free again.
//   reuse             after all that, a user thread fetches data from a good server over a TLS
//                     socket, byte for byte: the worker and the contexts came through intact.
//   starve            while a user thread's handshake waits on a server that never answers (3 s
//                     timeout: its handshake may take 9 s), a second user thread fetches from a good
//                     server: its calls must be answered within 4 s, the first still in its
//                     handshake. Was an EXPECTED FAILURE (one worker ran every TLS socket's calls,
//                     so a stalled peer held every other thread's TLS for its user-chosen timeout);
//                     each slot has its own worker now.
//   heap              while a user thread keeps a session open (16 KiB records: about 25 KiB of
//                     Mbed TLS's heap; a server that sends nothing), a second user thread's
//                     handshake must not be refused for want of TLS heap (no_resources). Was an
//                     EXPECTED FAILURE (one 32 KiB heap for the whole pool of
//                     CONFIG_WARD_NET_TLS_SOCKETS contexts); each slot has its own heap now.
//   concurrent        in starve and heap, the second thread's fetch must be served, byte for byte,
//                     not only answered. Was an EXPECTED FAILURE: every TLS socket's crypto is the
//                     non-secure kernel's one secure-world client, whose share was one TLS 1.3
//                     handshake's peak (6 volatile keys, 4 operations), so a second handshake while
//                     another session held keys failed (Error::connection). Each session now
//                     counts against the share of the user thread that owns its socket (kernel::
//                     SecureCallsFor): two threads, two shares.
// Every wait is bounded; main exits 0 only if every case held.
#include <cstdint>
#include <cstring>
#include <string_view>

#include "ward/autoconf.h"
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
constexpr std::string_view kRequest = "GET /redteam\n";
constexpr std::uint32_t kFetchBytes = 3000;  // tls_redteam_test.py's good server sends this pattern
char fetch_byte(std::uint32_t i) { return static_cast<char>('a' + (i * 7 + i / 26) % 26); }

std::uint64_t argument(std::string_view name) { return number_argument(board::command_line(), name); }
std::uint16_t port(std::string_view name) { return static_cast<std::uint16_t>(argument(name)); }

bool report(const char* name, bool ok, const char* detail = "") {
  print("tls_redteam: ", name, ": ", ok ? "held" : "BROKE", " ", detail, '\n');
  return ok;
}

// What a user thread is told and reports, in the memory it shares with main.
struct Shared {
  volatile std::uint32_t port;
  volatile std::uint32_t timeout_us;
  volatile std::uintptr_t foreign;   // another thread's socket handle (foreign)
  volatile std::uint32_t stage;      // 1: socket open, 2: connected, 3: in recv
  volatile std::int32_t error;       // the failing call's ward::Error, -1 for a wrong value
  volatile std::uint32_t step;       // the step that failed, 0: none
  volatile std::uint32_t refusals;
  volatile std::uint32_t got;
  volatile std::uintptr_t handle;
  volatile std::uint32_t done;
  volatile std::uint32_t next;       // the intruder's next call
};
PartitionMemory<64> memory_a;
PartitionMemory<64> memory_b;
Shared& shared(PartitionMemory<64>& m) { return *static_cast<Shared*>(static_cast<void*>(m.bytes)); }
Shared& a() { return shared(memory_a); }
Shared& b() { return shared(memory_b); }
constexpr Domain<1> domain_a{Partition::of(memory_a, Access::read_write)};
constexpr Domain<1> domain_b{Partition::of(memory_b, Access::read_write)};
UserThreadStack<2048> stack_a;
UserThreadStack<2048> stack_b;
Thread thread_a;
Thread thread_b;

// ---- The user threads' programs (each reads its own Shared through `self`) ---------------------

Shared& self_a() { return a(); }
Shared& self_b() { return b(); }

// Opens a TLS socket, names the server, sets the timeout, connects: stage 2 when connected.
template <Shared& (*Self)()>
bool open_and_connect() {
  Shared& s = Self();
  auto h = net::socket(kSocketStream | kSocketTls);
  if (!h) {
    s.step = 1;
    s.error = static_cast<std::int32_t>(h.error());
    return false;
  }
  s.handle = h->raw();
  s.stage = 1;
  Status st = net::set_tls_hostname(*h, kHostname);
  st = st ? sys::net_setopt(*h, kSocketReceiveTimeout, s.timeout_us) : st;
  st = st ? net::connect(*h, net::ipv4(10, 0, 2, 2, static_cast<std::uint16_t>(s.port))) : st;
  if (!st) {
    s.step = 2;
    s.error = static_cast<std::int32_t>(st.error());
    return false;
  }
  s.stage = 2;
  return true;
}

// Connects, then waits in net_recv (for as long as the timeout says).
template <Shared& (*Self)()>
void connect_and_wait(void*) {
  if (open_and_connect<Self>()) {
    Shared& s = Self();
    s.stage = 3;
    char byte[16];
    auto n = net::recv(net::SocketHandle{s.handle}, {reinterpret_cast<std::byte*>(byte), sizeof byte});
    s.step = 3;
    s.error = n ? -1 : static_cast<std::int32_t>(n.error());
  }
  Self().done = 1;
}

// Connects, then keeps the session open, idle (net_poll sleeps in the kernel: a TLS socket never
// reports kPollIn), until main sets done.
void connect_and_hold(void*) {
  if (open_and_connect<&self_a>()) {
    PollEntry e = net::poll_entry(net::SocketHandle{a().handle}, kPollIn);
    for (int i = 0; i < 3000 && a().done == 0; ++i) {
      (void)net::poll({&e, 1}, UserTimeout::after(Duration::ms(20)));
    }
  }
}

// Connects, sends the request, reads kFetchBytes and checks them, closes.
template <Shared& (*Self)()>
void fetch(void*) {
  Shared& s = Self();
  if (!open_and_connect<Self>()) {
    s.done = 1;
    return;
  }
  const net::SocketHandle h{s.handle};
  auto n = net::send(h, {reinterpret_cast<const std::byte*>(kRequest.data()), kRequest.size()});
  if (!n || *n != kRequest.size()) {
    s.step = 4;
    s.error = n ? -1 : static_cast<std::int32_t>(n.error());
  }
  char piece[600];
  for (int i = 0; s.step == 0 && s.got < kFetchBytes && i < 200; ++i) {
    auto r = net::recv(h, {reinterpret_cast<std::byte*>(piece), sizeof piece});
    if (!r || *r == 0) {
      s.step = 5;
      s.error = r ? -1 : static_cast<std::int32_t>(r.error());
      break;
    }
    for (std::uint32_t k = 0; k < *r; ++k) {
      if (piece[k] != fetch_byte(s.got + k)) {
        s.step = 6;
        s.error = -1;
        break;
      }
    }
    s.got = s.got + *r;
  }
  if (s.step == 0 && s.got != kFetchBytes) {
    s.step = 7;
  }
  if (!net::close(h) && s.step == 0) {
    s.step = 8;
  }
  s.done = 1;
}

// Thread A holds a socket; thread B is given its handle (foreign) and tries everything on it.
void holder(void*) {
  auto h = net::socket(kSocketStream | kSocketTls);
  if (!h) {
    a().error = static_cast<std::int32_t>(h.error());
    return;
  }
  a().handle = h->raw();
  a().stage = 1;
  // Waits (net_poll sleeps in the kernel: an unconnected TLS socket is never ready) until main sets
  // done, when B is finished.
  PollEntry e = net::poll_entry(*h, kPollIn);
  for (int i = 0; i < 500 && a().done == 0; ++i) {
    (void)net::poll({&e, 1}, UserTimeout::after(Duration::ms(10)));
  }
  (void)net::close(*h);
}

template <class R>
void expect_refused(std::uint32_t step, const R& r) {
  if (r) {
    b().step = b().step != 0 ? b().step : step;
    b().error = -1;
  } else {
    b().refusals = b().refusals + 1;
  }
}

// Each call on a handle not granted to the caller is a contained fault that stops the thread, so
// the intruder is started again for the next one: `next` says which (it is counted before the call).
void intruder(void*) {
  const net::SocketHandle h{b().foreign};
  char byte[4] = {};
  while (b().next < 6) {
    const std::uint32_t i = b().next;
    b().next = i + 1;
    switch (i) {
      case 0: expect_refused(10, net::set_tls_hostname(h, kHostname)); break;
      case 1: expect_refused(11, net::connect(h, net::ipv4(10, 0, 2, 2, static_cast<std::uint16_t>(b().port)))); break;
      case 2: expect_refused(12, net::send(h, {reinterpret_cast<const std::byte*>(byte), sizeof byte})); break;
      case 3: expect_refused(13, net::recv(h, {reinterpret_cast<std::byte*>(byte), sizeof byte})); break;
      case 4: expect_refused(14, sys::net_setopt(h, kSocketReceiveTimeout, 1000)); break;
      default: expect_refused(15, net::close(h)); break;
    }
  }
  b().done = 1;
}

// Opens kPool TLS sockets, one more must be refused; all closed; then kPool again.
void pool_user(void*) {
  std::uintptr_t handles[kPool] = {};
  for (std::uint32_t round = 0; round < 2 && a().step == 0; ++round) {
    for (std::uint32_t i = 0; i < kPool; ++i) {
      auto h = net::socket(kSocketStream | kSocketTls);
      if (!h) {
        a().step = 30 + round;
        a().error = static_cast<std::int32_t>(h.error());
        break;
      }
      handles[i] = h->raw();
    }
    auto extra = net::socket(kSocketStream | kSocketTls);
    if (extra || extra.error() != Error::no_resources) {
      a().step = a().step != 0 ? a().step : 32 + round;
      a().error = extra ? -1 : static_cast<std::int32_t>(extra.error());
    }
    for (std::uintptr_t& h : handles) {
      if (h != 0) {
        (void)net::close(net::SocketHandle{h});
        h = 0;
      }
    }
  }
  a().done = 1;
}

WARD_STACK_BOUND_USER_THREAD(stack_a, &connect_and_wait<&self_a>);
WARD_STACK_BOUND_USER_THREAD(stack_a, &holder);
WARD_STACK_BOUND_USER_THREAD(stack_a, &connect_and_hold);
WARD_STACK_BOUND_USER_THREAD(stack_a, &pool_user);
WARD_STACK_BOUND_USER_THREAD(stack_a, &fetch<&self_a>);
WARD_STACK_BOUND_USER_THREAD(stack_b, &intruder);
WARD_STACK_BOUND_USER_THREAD(stack_b, &fetch<&self_b>);

// ---- Main's side ---------------------------------------------------------------------------------

bool start(Thread& t, UserThreadStack<2048>& stack, Thread::Entry entry, const DomainView& domain, const char* name) {
  return t.create_user(stack.span(), entry, nullptr, Priority{10}, name, domain) && grant_network(t) &&
         t.start();
}

void clear(PartitionMemory<64>& m) { std::memset(m.bytes, 0, sizeof m.bytes); }

// Waits (bounded) until `s` reaches `stage`.
bool wait_stage(const Shared& s, std::uint32_t stage, Duration limit) {
  const Instant until = now() + limit;
  while (s.stage < stage && s.done == 0 && now() < until) {
    (void)this_thread::sleep_for(Duration::ms(20));
  }
  return s.stage >= stage;
}

// The thread's end after an abort: joined within `limit`? (Else joined later, so the next case
// starts clean.) How long it took, in ms.
bool ends_within(Thread& t, Duration limit, std::uint64_t& took_ms) {
  const Instant t0 = now();
  const bool ended = static_cast<bool>(t.join(Timeout::after(limit)));
  took_ms = static_cast<std::uint64_t>((now() - t0).to_us() / 1000);
  if (!ended) {
    (void)t.join(Timeout::after(Duration::s(200)));
  }
  return ended;
}

// A TLS socket can be opened now (and is closed again): the pool is not leaking.
bool pool_free() {
  std::uintptr_t h = 0;
  const UserSpan<std::uintptr_t> out{reinterpret_cast<std::uintptr_t>(&h), 1};
  if (!sys::net_open(out, kSocketStream | kSocketTls)) {
    return false;
  }
  return static_cast<bool>(sys::net_close(net::SocketHandle{h}));
}

bool abort_handshake() {
  clear(memory_a);
  a().port = port("--stall=");
  a().timeout_us = 60'000'000;
  if (!start(thread_a, stack_a, &connect_and_wait<&self_a>, domain_a, "abort_hs")) {
    return report("abort_handshake", false, "cannot start");
  }
  (void)wait_stage(a(), 1, Duration::s(5));
  (void)this_thread::sleep_for(Duration::ms(1500));  // well into the handshake's wait
  const bool in_handshake = a().stage == 1 && a().done == 0;
  (void)thread_a.abort();
  std::uint64_t ms = 0;
  const bool ended = ends_within(thread_a, Duration::s(2), ms);
  print("tls_redteam: abort_handshake: in handshake ", in_handshake ? "yes" : "NO", ", ended after ", ms, " ms\n");
  return report("abort_handshake", in_handshake && ended && pool_free());
}

bool close_recv() {
  clear(memory_a);
  a().port = port("--quiet1=");
  a().timeout_us = 60'000'000;
  if (!start(thread_a, stack_a, &connect_and_wait<&self_a>, domain_a, "close_recv")) {
    return report("close_recv", false, "cannot start");
  }
  if (!wait_stage(a(), 3, Duration::s(30))) {
    (void)thread_a.join(Timeout::after(Duration::s(90)));
    print("tls_redteam: close_recv: step ", a().step, " error ", a().error, '\n');
    return report("close_recv", false, "never connected");
  }
  (void)this_thread::sleep_for(Duration::ms(1000));  // in the worker's receive
  const Instant t0 = now();
  const bool closed = static_cast<bool>(sys::net_close(net::SocketHandle{a().handle}));  // privileged
  const auto close_ms = static_cast<std::uint64_t>((now() - t0).to_us() / 1000);
  std::uint64_t ms = 0;
  const bool ended = ends_within(thread_a, Duration::s(2), ms);
  print("tls_redteam: close_recv: close took ", close_ms, " ms, the owner ended ", ms, " ms later, its recv: error ",
        a().error, '\n');
  return report("close_recv", closed && close_ms < 2000 && ended && a().step == 3 && a().error > 0 && pool_free());
}

bool abort_recv() {
  clear(memory_a);
  a().port = port("--quiet2=");
  a().timeout_us = 60'000'000;
  if (!start(thread_a, stack_a, &connect_and_wait<&self_a>, domain_a, "abort_recv")) {
    return report("abort_recv", false, "cannot start");
  }
  if (!wait_stage(a(), 3, Duration::s(30))) {
    (void)thread_a.join(Timeout::after(Duration::s(90)));
    print("tls_redteam: abort_recv: step ", a().step, " error ", a().error, '\n');
    return report("abort_recv", false, "never connected");
  }
  (void)this_thread::sleep_for(Duration::ms(1000));
  (void)thread_a.abort();
  std::uint64_t ms = 0;
  const bool ended = ends_within(thread_a, Duration::s(2), ms);
  print("tls_redteam: abort_recv: ended after ", ms, " ms\n");
  return report("abort_recv", ended && a().done == 0 && pool_free());
}

// A connect that must fail within `limit_s`; how long it took.
bool refused_within(const char* name, std::string_view port_name, std::uint32_t timeout_us, std::uint32_t limit_s) {
  clear(memory_a);
  a().port = port(port_name);
  a().timeout_us = timeout_us;
  const Instant t0 = now();
  if (!start(thread_a, stack_a, &connect_and_wait<&self_a>, domain_a, name)) {
    return report(name, false, "cannot start");
  }
  const bool ended = static_cast<bool>(thread_a.join(Timeout::after(Duration::s(limit_s))));
  const auto ms = static_cast<std::uint64_t>((now() - t0).to_us() / 1000);
  if (!ended) {
    (void)thread_a.abort();
    (void)thread_a.join(Timeout::after(Duration::s(200)));
  }
  print("tls_redteam: ", name, ": connect ended after ", ms, " ms, step ", a().step, " error ", a().error, '\n');
  return report(name, ended && a().step == 2 && a().error > 0 && pool_free());
}

bool foreign() {
  clear(memory_a);
  clear(memory_b);
  if (!start(thread_a, stack_a, &holder, domain_a, "holder")) {
    return report("foreign", false, "cannot start");
  }
  if (!wait_stage(a(), 1, Duration::s(5))) {
    (void)thread_a.join(Timeout::after(Duration::s(10)));
    return report("foreign", false, "the holder has no socket");
  }
  b().foreign = a().handle;
  b().port = port("--good=");
  const bool started = start(thread_b, stack_b, &intruder, domain_b, "intruder");
  // A refusal as a contained fault stops the intruder: it is started again for its next call.
  std::uint32_t faults_seen = 0;
  for (int round = 0; started && round < 8; ++round) {
    (void)thread_b.join(Timeout::after(Duration::s(5)));
    while (auto f = faults::wait(Timeout::none())) {
      ++faults_seen;
    }
    if (b().done != 0) {
      break;
    }
    (void)start(thread_b, stack_b, &intruder, domain_b, "intruder");
  }
  a().done = 1;
  (void)thread_a.join(Timeout::after(Duration::s(10)));
  print("tls_redteam: foreign: refusals as errors ", b().refusals, ", as faults ", faults_seen, ", step ", b().step,
        '\n');
  return report("foreign", started && b().step == 0 && b().done != 0 && b().refusals + faults_seen == 6 && pool_free());
}

bool pool() {
  clear(memory_a);
  if (!start(thread_a, stack_a, &pool_user, domain_a, "pool")) {
    return report("pool", false, "cannot start");
  }
  const bool ended = static_cast<bool>(thread_a.join(Timeout::after(Duration::s(10))));
  print("tls_redteam: pool: step ", a().step, " error ", a().error, '\n');
  return report("pool", ended && a().done != 0 && a().step == 0 && pool_free());
}

bool reuse(const char* name, std::string_view port_name) {
  clear(memory_a);
  a().port = port(port_name);
  a().timeout_us = 10'000'000;
  if (!start(thread_a, stack_a, &fetch<&self_a>, domain_a, name)) {
    return report(name, false, "cannot start");
  }
  const bool ended = static_cast<bool>(thread_a.join(Timeout::after(Duration::s(60))));
  print("tls_redteam: ", name, ": step ", a().step, " error ", a().error, " bytes ", a().got, '\n');
  return report(name, ended && a().step == 0 && a().got == kFetchBytes);
}

// The second session of starve and heap: served (concurrent, above).
void report_concurrent(const char* name, bool served) {
  print("tls_redteam: concurrent (", name, "): ", served ? "served" : "REFUSED", '\n');
}

bool starve() {
  clear(memory_a);
  clear(memory_b);
  a().port = port("--stall=");
  a().timeout_us = 3'000'000;
  b().port = port("--good2=");
  b().timeout_us = 10'000'000;
  if (!start(thread_a, stack_a, &connect_and_wait<&self_a>, domain_a, "staller")) {
    return report("starve", false, "cannot start");
  }
  (void)wait_stage(a(), 1, Duration::s(5));
  (void)this_thread::sleep_for(Duration::ms(300));
  const Instant t0 = now();
  const bool victim_started = start(thread_b, stack_b, &fetch<&self_b>, domain_b, "victim");
  const bool victim_ended = victim_started && static_cast<bool>(thread_b.join(Timeout::after(Duration::s(60))));
  const auto ms = static_cast<std::uint64_t>((now() - t0).to_us() / 1000);
  // The staller must still be in its handshake when the victim is done: else it did not stall it.
  const bool staller_waiting = a().stage == 1 && a().done == 0;
  (void)thread_a.join(Timeout::after(Duration::s(60)));
  print("tls_redteam: starve: the staller's connect: step ", a().step, " error ", a().error, '\n');
  // Starved: the victim's calls waited behind the staller (or never ended). Answered in time, its
  // fetch must also be served (concurrent, above).
  const bool starved = !victim_ended || ms > 4000;
  const bool served = victim_ended && b().step == 0 && b().got == kFetchBytes;
  print("tls_redteam: starve: the victim's fetch took ", ms, " ms (step ", b().step, " error ", b().error, " bytes ",
        b().got, "), the staller still in its handshake then: ", staller_waiting ? "yes" : "NO", '\n');
  report_concurrent("starve", served);
  return report("starve", victim_started && !starved && served && staller_waiting && a().step == 2 && a().error > 0,
                starved ? "STARVED" : (served ? "" : "REFUSED"));
}

bool heap() {
  clear(memory_a);
  clear(memory_b);
  a().port = port("--quiet3=");
  a().timeout_us = 60'000'000;
  b().port = port("--good3=");
  b().timeout_us = 10'000'000;
  if (!start(thread_a, stack_a, &connect_and_hold, domain_a, "holder")) {
    return report("heap", false, "cannot start");
  }
  if (!wait_stage(a(), 2, Duration::s(30))) {
    a().done = 1;
    (void)thread_a.join(Timeout::after(Duration::s(90)));
    print("tls_redteam: heap: the holder never connected (step ", a().step, " error ", a().error, ")\n");
    return report("heap", false, "the holder never connected");
  }
  (void)this_thread::sleep_for(Duration::ms(300));
  const bool victim_started = start(thread_b, stack_b, &fetch<&self_b>, domain_b, "victim");
  const bool victim_ended = victim_started && static_cast<bool>(thread_b.join(Timeout::after(Duration::s(60))));
  const bool holder_open = a().step == 0 && a().stage == 2;  // its session was open all along
  a().done = 1;
  (void)thread_a.join(Timeout::after(Duration::s(10)));
  const bool served = victim_ended && b().step == 0 && b().got == kFetchBytes;
  // Refused for want of TLS heap: the connect (step 2) failed with no_resources.
  const bool no_heap = b().step == 2 && b().error == static_cast<std::int32_t>(Error::no_resources);
  print("tls_redteam: heap: with one session open, a second thread's fetch: step ", b().step, " error ", b().error,
        " bytes ", b().got, ": ", served ? "served" : (no_heap ? "REFUSED (no TLS heap)" : "refused"), '\n');
  report_concurrent("heap", served);
  return report("heap", victim_started && victim_ended && !no_heap && served && holder_open && pool_free());
}

}  // namespace

int main() {
  const std::uint64_t time = argument("--time=");
  if (time == 0) {
    print("tls_redteam: usage: --time=UNIX --stall=P --trickle=P --oversize=P --quiet1=P --quiet2=P --good=P --good2=P\n");
    return 1;
  }
  if (!net::start_interface(ethernet, Priority{20}) || !net::wait_for_ipv4(Timeout::after(Duration::s(20)))) {
    print("tls_redteam: no network\n");
    return 1;
  }
  if (!tls::init()) {
    print("tls_redteam: init failed\n");
    return 1;
  }
  tls::set_time(static_cast<std::int64_t>(time));
  tls::SocketOptions o;
  o.trust_anchors = kAnchors;
  if (!tls::enable_sockets(o)) {
    print("tls_redteam: cannot enable TLS sockets\n");
    return 1;
  }
  bool ok = abort_handshake();
  ok &= close_recv();
  ok &= abort_recv();
  ok &= refused_within("trickle", "--trickle=", 1'000'000, 8);
  ok &= refused_within("oversize", "--oversize=", 10'000'000, 3);
  ok &= foreign();
  ok &= pool();
  ok &= reuse("reuse", "--good=");
  ok &= starve();
  ok &= heap();
  print(ok ? "tls_redteam: done, every case held\n" : "tls_redteam: done, SOME CASE BROKE\n");
  return ok ? 0 : 1;
}
