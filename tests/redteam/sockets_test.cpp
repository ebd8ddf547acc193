// Red team: the socket system calls (kernel/src/socket.cpp, lib/net/src/sockets.cpp) from user
// threads. Each case is an attack; a case that fails is an open hole (a FINDING), one that passes
// was refused and stays as a regression test. The four FINDINGS of the first run are fixed
// (kernel/src/socket.cpp, lib/net/src/sockets.cpp; docs/networking.md) and their cases pass now:
//   OneThreadCannotTakeEverySocket           refused: a user thread holds at most
//                                            CONFIG_WARD_NET_SOCKETS_PER_THREAD (4) of the pool's
//                                            8 sockets (Error::quota); was a FINDING (no quota)
//   ListenersAreCapped                       refused: at most WARD_NET_LISTENERS (2) sockets listen
//                                            at once (lwipopts.h sizes lwIP's TCP PCBs for their
//                                            backlogs); the third answers no_resources
//   StoppedThreadsSocketIsClosed             refused: a stopped thread's sockets are withdrawn at
//                                            once and closed before join() returns; was a FINDING
//                                            (they stayed open)
//   SuccessorCannotUseStoppedThreadsSocket   refused: the next program on the same Thread object
//                                            (same grant bit) finds the handle unknown (bad_handle
//                                            fault); was a FINDING (it inherited them)
//   ReopenedSlotIsNotTheOldOwners            refused: a slot reused by another thread is not the
//                                            old owner's (not_granted)
//   YieldAnswersSuccessWhateverTheRegisters  refused: the in-handler yield writes 0 into r0/r1
//   EmptyReceiveAtKernelAddressWritesNothing refused in effect: a zero-length span passes the
//                                            check at any address, and nothing is written
//   CloseUnderABlockedReceiveEndsIt          refused: a close (privileged) while the owner waits in
//                                            net_recv ends the receive (Error::connection) before
//                                            the socket is freed; was a FINDING (the owner stayed
//                                            in a mailbox lwIP freed and reused)
//   AbortUnderABlockedReceiveEndsTheThread   refused: a user thread blocked in net_recvfrom without
//                                            a timeout is aborted at once, and its socket closed;
//                                            was a FINDING (the abort waited for a datagram)
//   OddSequencesReachNoLwipAssert            refused: odd states and addresses reach no lwIP
//                                            assert (each would panic)
// The network stack runs (lwIP, the driver) but no traffic is needed: no -nic.
#include <cstdint>
#include <cstring>

#include "ward/isolation.hpp"
#include "ward/kernel.hpp"
#include "ward/net/interface.hpp"
#include "ward/net/lan9118.hpp"
#include "ward/print.hpp"
#include "ward/sockets.hpp"
#include "ward/stack_bound.hpp"
#include "ward/test.hpp"

namespace {
using namespace ward;

constexpr std::uintptr_t kLan9118 = 0x42000000;
net::Lan9118 ethernet{{kLan9118, 48}};
constexpr std::size_t kPool = 8;  // lib/net/src/sockets.cpp

bool network_started = false;
bool start_network() {
  if (!network_started) {
    network_started = static_cast<bool>(net::start_interface(ethernet, Priority{20}));
  }
  return network_started;
}

struct Shared {
  volatile std::uint32_t opened;
  volatile std::uint32_t survived;
  volatile std::uint32_t result;  // an error, or 0
  volatile std::uint32_t r0, r1;
  volatile std::uintptr_t handles[kPool + 2];
};
PartitionMemory<128> shared_memory;
Shared& shared() { return *static_cast<Shared*>(static_cast<void*>(shared_memory.bytes)); }
constexpr Domain<1> shared_domain{Partition::of(shared_memory, Access::read_write)};

UserThreadStack<2048> stack_a;
Thread thread_a;
Semaphore step_a{0, 1};
Semaphore step_b{0, 1};

volatile std::uint32_t kernel_word = 0x600dcafe;  // kernel .data

void reset_shared() { std::memset(shared_memory.bytes, 0, sizeof shared_memory.bytes); }

// Closes every socket still open (privileged: no grant needed); how many there were.
unsigned close_all(std::uintptr_t const volatile* handles, std::size_t n) {
  unsigned closed = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (handles[i] != 0 && sys::net_close(net::SocketHandle{handles[i]})) {
      ++closed;
    }
  }
  return closed;
}

// How many sockets a privileged thread can open now (all closed again after).
unsigned free_sockets() {
  std::uintptr_t h[kPool + 2] = {};
  unsigned n = 0;
  for (; n < kPool + 2; ++n) {
    const UserSpan<std::uintptr_t> out{reinterpret_cast<std::uintptr_t>(&h[n]), 1};
    if (!sys::net_open(out, kSocketStream) && !sys::net_open(out, kSocketDatagram)) {
      break;
    }
  }
  close_all(h, n);
  return n;
}

bool run_user(Thread& t, std::span<std::byte> stack, void (*entry)(void*), bool network = true) {
  if (!t.create_user(stack, entry, nullptr, Priority{10}, "attacker", shared_domain)) {
    return false;
  }
  (void)(network ? grant_network(t) : revoke_network(t));
  return static_cast<bool>(t.start());
}

void drain_faults() {
  while (faults::wait(Timeout::none())) {
  }
}

// ---- One thread takes every socket ------------------------------------------------------------
void greedy_main(void*) {
  for (std::size_t i = 0; i < kPool + 2; ++i) {
    auto s = net::socket(kSocketStream);  // lwIP's TCP PCBs first, then its UDP ones
    if (!s) {
      s = net::socket(kSocketDatagram);
    }
    if (!s) {
      shared().result = static_cast<std::uint32_t>(s.error());
      break;
    }
    shared().handles[i] = s->raw();
    shared().opened = shared().opened + 1;
  }
  shared().survived = 1;
}

WARD_TEST(SocketsRedteam, OneThreadCannotTakeEverySocket) {
  WARD_ASSERT_TRUE(start_network());
  reset_shared();
  WARD_STACK_BOUND_USER_THREAD(stack_a, &greedy_main);
  WARD_ASSERT_TRUE(run_user(thread_a, stack_a.span(), &greedy_main));
  WARD_ASSERT_TRUE(thread_a.join(Timeout::after(Duration::s(5))));
  print("greedy user thread opened ", static_cast<unsigned>(shared().opened), " sockets, then error ",
        static_cast<unsigned>(shared().result), "\n");
  const unsigned left = free_sockets();
  print("sockets left for everyone else: ", left, "\n");
  close_all(shared().handles, kPool + 2);
  WARD_EXPECT_EQ(static_cast<unsigned>(shared().result), static_cast<unsigned>(Error::quota));
  WARD_EXPECT_GT(left, 0u);  // fails without a per-thread quota
}

// ---- Listeners are few ------------------------------------------------------------------------
// Each listener's backlog holds lwIP TCP PCBs that no socket counts; lwipopts.h sizes the pools for
// WARD_NET_LISTENERS listeners with WARD_NET_BACKLOG each, so the pool lets no more listen at once
// (red-team review: the user sockets' share of the PCBs must be bounded).
void many_listeners(void*) {
  for (std::size_t i = 0; i < 3; ++i) {
    auto s = net::socket(kSocketStream);
    if (!s) {
      return;
    }
    shared().handles[i] = s->raw();
    shared().opened = shared().opened + 1;
    const auto port = static_cast<std::uint16_t>(7200 + i);
    if (!net::bind(*s, net::ipv4(0, 0, 0, 0, port))) {
      return;
    }
    const auto r = net::listen(*s, 200);  // a large backlog asked: clamped
    if (!r) {
      shared().result = static_cast<std::uint32_t>(r.error());
      return;
    }
    shared().survived = shared().survived + 1;  // listening
  }
}

WARD_TEST(SocketsRedteam, ListenersAreCapped) {
  WARD_ASSERT_TRUE(start_network());
  reset_shared();
  WARD_ASSERT_TRUE(run_user(thread_a, stack_a.span(), &many_listeners));
  WARD_ASSERT_TRUE(thread_a.join(Timeout::after(Duration::s(5))));
  print("listening sockets: ", static_cast<unsigned>(shared().survived), " of ", static_cast<unsigned>(shared().opened),
        ", then error ", static_cast<unsigned>(shared().result), "\n");
  WARD_EXPECT_EQ(shared().opened, 3u);
  WARD_EXPECT_EQ(shared().survived, 2u);  // WARD_NET_LISTENERS
  WARD_EXPECT_EQ(static_cast<unsigned>(shared().result), static_cast<unsigned>(Error::no_resources));
}

// ---- A stopped thread's sockets ---------------------------------------------------------------
void open_then_fault(void*) {
  auto s = net::socket(kSocketDatagram);
  shared().handles[0] = s ? s->raw() : 0;
  shared().opened = s ? 1 : 0;
  (void)*reinterpret_cast<volatile const std::uint32_t*>(&kernel_word);  // contained here
  shared().survived = 1;
}

WARD_TEST(SocketsRedteam, StoppedThreadsSocketIsClosed) {
  WARD_ASSERT_TRUE(start_network());
  drain_faults();
  reset_shared();
  const unsigned before = free_sockets();
  WARD_STACK_BOUND_USER_THREAD(stack_a, &open_then_fault);
  WARD_ASSERT_TRUE(run_user(thread_a, stack_a.span(), &open_then_fault));
  WARD_ASSERT_TRUE(thread_a.join(Timeout::after(Duration::s(5))));
  auto report = faults::wait(Timeout::none());
  WARD_ASSERT_TRUE(report.has_value());
  WARD_ASSERT_EQ(report->kind, FaultKind::memory_access);
  WARD_ASSERT_EQ(shared().opened, 1u);
  const unsigned after = free_sockets();
  print("free sockets before ", before, ", after the thread was stopped: ", after, "\n");
  const std::uintptr_t leaked = shared().handles[0];
  const bool still_open = static_cast<bool>(sys::net_close(net::SocketHandle{leaked}));  // cleanup
  WARD_EXPECT_EQ(after, before);  // fails when the socket outlives its thread
  WARD_EXPECT_FALSE(still_open);
}

// ---- The next thread on the same Thread object ------------------------------------------------
void successor_main(void*) {
  // Another program: it never opened a socket, it only knows the old handle's value.
  const auto s = sys::net_setopt(net::SocketHandle{shared().handles[0]}, kSocketReceiveTimeout, 1000);
  shared().result = s ? 0 : static_cast<std::uint32_t>(s.error());
  shared().survived = 1;
}

WARD_TEST(SocketsRedteam, SuccessorCannotUseStoppedThreadsSocket) {
  WARD_ASSERT_TRUE(start_network());
  drain_faults();
  reset_shared();
  WARD_ASSERT_TRUE(run_user(thread_a, stack_a.span(), &open_then_fault));
  WARD_ASSERT_TRUE(thread_a.join(Timeout::after(Duration::s(5))));
  drain_faults();
  WARD_ASSERT_EQ(shared().opened, 1u);
  const std::uintptr_t handle = shared().handles[0];
  // The supervisor reuses the Thread object for another program, with no network grant at all.
  WARD_STACK_BOUND_USER_THREAD(stack_a, &successor_main);
  WARD_ASSERT_TRUE(run_user(thread_a, stack_a.span(), &successor_main, false));
  WARD_ASSERT_TRUE(thread_a.join(Timeout::after(Duration::s(5))));
  auto report = faults::wait(Timeout::none());
  print("successor: survived ", static_cast<unsigned>(shared().survived), ", result ",
        static_cast<unsigned>(shared().result), ", fault ", report ? static_cast<int>(report->kind) : -1, "\n");
  (void)sys::net_close(net::SocketHandle{handle});  // cleanup
  // Fails when the successor can use the socket (survived, result 0).
  WARD_EXPECT_TRUE(report.has_value());
  WARD_EXPECT_EQ(shared().survived, 0u);
}

// ---- A slot reused by someone else -------------------------------------------------------------
void first_owner(void*) {
  auto s = net::socket(kSocketDatagram);
  shared().handles[0] = s ? s->raw() : 0;
  if (s) {
    (void)net::close(*s);
  }
  (void)sys::sem_give(step_a);
  (void)sys::sem_take(step_b, UserTimeout::forever());
  // The other thread now holds a socket in the same slot (same address, same handle value).
  const auto r = sys::net_setopt(net::SocketHandle{shared().handles[0]}, kSocketReceiveTimeout, 1000);
  shared().result = r ? 0 : static_cast<std::uint32_t>(r.error());
  shared().survived = 1;
}

WARD_TEST(SocketsRedteam, ReopenedSlotIsNotTheOldOwners) {
  WARD_ASSERT_TRUE(start_network());
  drain_faults();
  reset_shared();
  WARD_STACK_BOUND_USER_THREAD(stack_a, &first_owner);
  WARD_ASSERT_TRUE(thread_a.create_user(stack_a.span(), &first_owner, nullptr, Priority{10}, "owner", shared_domain));
  WARD_ASSERT_TRUE(grant_network(thread_a));
  WARD_ASSERT_TRUE(grant(step_a, thread_a));
  WARD_ASSERT_TRUE(grant(step_b, thread_a));
  WARD_ASSERT_TRUE(thread_a.start());
  WARD_ASSERT_TRUE(step_a.take(Timeout::after(Duration::s(5))));
  // Another holder opens sockets until it gets the old owner's slot back.
  std::uintptr_t mine[kPool] = {};
  bool reused = false;
  for (std::size_t i = 0; i < kPool && !reused; ++i) {
    if (!sys::net_open(UserSpan<std::uintptr_t>{reinterpret_cast<std::uintptr_t>(&mine[i]), 1}, kSocketDatagram)) {
      break;
    }
    reused = mine[i] == shared().handles[0];
  }
  WARD_EXPECT_TRUE(reused);
  WARD_ASSERT_TRUE(step_b.give());
  WARD_ASSERT_TRUE(thread_a.join(Timeout::after(Duration::s(5))));
  auto report = faults::wait(Timeout::none());
  close_all(mine, kPool);
  WARD_ASSERT_TRUE(report.has_value());
  WARD_EXPECT_EQ(report->kind, FaultKind::bad_handle);
  WARD_EXPECT_EQ(report->detail, static_cast<std::uint8_t>(HandleError::not_granted));
  WARD_EXPECT_EQ(shared().survived, 0u);
}

// ---- The yield done in the SVC handler ---------------------------------------------------------
void yield_with_garbage(void*) {
  register std::uint32_t r0 asm("r0") = 0x10005;  // what an error word looks like
  register std::uint32_t r1 asm("r1") = 0x1234;
  register std::uint32_t r12 asm("r12") = 0;      // yield
  asm volatile("svc #0" : "+r"(r0), "+r"(r1) : "r"(r12) : "r2", "r3", "memory");
  shared().r0 = r0;
  shared().r1 = r1;
  shared().survived = 1;
}

WARD_TEST(SocketsRedteam, YieldAnswersSuccessWhateverTheRegisters) {
  drain_faults();
  reset_shared();
  WARD_STACK_BOUND_USER_THREAD(stack_a, &yield_with_garbage);
  WARD_ASSERT_TRUE(run_user(thread_a, stack_a.span(), &yield_with_garbage, false));
  WARD_ASSERT_TRUE(thread_a.join(Timeout::after(Duration::s(5))));
  WARD_EXPECT_FALSE(faults::wait(Timeout::none()).has_value());
  WARD_EXPECT_EQ(shared().survived, 1u);
  WARD_EXPECT_EQ(shared().r0, 0u);
  WARD_EXPECT_EQ(shared().r1, 0u);
}

// ---- A zero-length buffer at a kernel address --------------------------------------------------
void empty_receive(void*) {
  auto s = net::socket(kSocketDatagram);
  if (!s) {
    return;
  }
  shared().handles[0] = s->raw();
  (void)net::bind(*s, net::ipv4(0, 0, 0, 0, 4000));
  (void)net::set_receive_timeout(*s, UserTimeout::after(Duration::ms(50)));
  const auto r = sys::net_recv(*s, UserSpan<std::byte>{reinterpret_cast<std::uintptr_t>(&kernel_word), 0});
  shared().result = r ? 0 : static_cast<std::uint32_t>(r.error());
  shared().survived = 1;
}

WARD_TEST(SocketsRedteam, EmptyReceiveAtKernelAddressWritesNothing) {
  WARD_ASSERT_TRUE(start_network());
  drain_faults();
  reset_shared();
  WARD_STACK_BOUND_USER_THREAD(stack_a, &empty_receive);
  WARD_ASSERT_TRUE(run_user(thread_a, stack_a.span(), &empty_receive));
  WARD_ASSERT_TRUE(thread_a.join(Timeout::after(Duration::s(5))));
  drain_faults();
  close_all(shared().handles, 1);
  WARD_EXPECT_EQ(kernel_word, 0x600dcafeu);
}

// ---- Close while the owner is blocked in a call on the same socket ----------------------------
// Only the owner holds the grant, so only privileged code (a supervisor cleaning up, or a second
// holder it granted the socket to) can do this. socket_close withdraws the handle, which stops new
// calls; the one in flight is counted, ended (its mailbox wait aborted) and waited for before
// lwIP's netconn_delete frees the mailbox; sys_mbox_free itself ends any wait left in it.
void blocked_receiver(void*) {
  auto s = net::socket(kSocketDatagram);
  if (!s) {
    return;
  }
  shared().handles[0] = s->raw();
  (void)net::bind(*s, net::ipv4(0, 0, 0, 0, 4001));
  shared().opened = 1;
  std::byte buf[16];
  const auto r = net::recv(*s, buf);  // no timeout: until data, or the socket goes away
  shared().result = r ? 0 : static_cast<std::uint32_t>(r.error());
  shared().survived = 1;
}

WARD_TEST(SocketsRedteam, CloseUnderABlockedReceiveEndsIt) {
  WARD_ASSERT_TRUE(start_network());
  drain_faults();
  reset_shared();
  WARD_STACK_BOUND_USER_THREAD(stack_a, &blocked_receiver);
  WARD_ASSERT_TRUE(run_user(thread_a, stack_a.span(), &blocked_receiver));
  (void)this_thread::sleep_for(Duration::ms(200));
  WARD_ASSERT_EQ(shared().opened, 1u);
  WARD_ASSERT_TRUE(sys::net_close(net::SocketHandle{shared().handles[0]}));
  const bool ended = static_cast<bool>(thread_a.join(Timeout::after(Duration::s(2))));
  print("owner's receive after the close: ", ended ? "returned, error " : "STILL BLOCKED (in a freed mailbox)",
        ended ? static_cast<unsigned>(shared().result) : 0u, "\n");
  // Fails when the owner waits for good in a mailbox lwIP gave back (the next socket opened would
  // reuse it: placement new over a queue with a waiter).
  WARD_EXPECT_TRUE(ended);
  if (!ended) {
    // The mailbox is reused by the next socket: does the kernel survive its waiter?
    std::uintptr_t h = 0;
    const bool opened =
        static_cast<bool>(sys::net_open(UserSpan<std::uintptr_t>{reinterpret_cast<std::uintptr_t>(&h), 1}, kSocketDatagram));
    print("next socket opened: ", opened ? "yes" : "no", "\n");
    if (opened) {
      (void)sys::net_setopt(net::SocketHandle{h}, kSocketReceiveTimeout, 100000);
      std::byte buf[4];
      const auto r = sys::net_recv(net::SocketHandle{h}, UserSpan<std::byte>{std::span<std::byte>{buf}});
      print("its receive: ", r ? "data?" : "error ", r ? 0u : static_cast<unsigned>(r.error()), "\n");
      (void)sys::net_close(net::SocketHandle{h});
    }
    print("aborting the stuck owner: ", thread_a.abort() ? "ok" : "refused", "\n");
  }
}

// ---- An abort under a blocked receive ------------------------------------------------------------
// A user thread waits in net_recvfrom without a timeout, on a port nothing sends to. Its abort must
// end it: the call is inside an AbortDeferral (lwIP's messages live on its stack), but the wait in
// the netconn's mailbox may end early (AbortableWait), so the deferred abort takes effect when the
// call returns. Was a FINDING (red-team review): the abort was only marked, and the thread, its
// socket and its Thread object stayed stuck until a datagram came.
void blocked_datagram_receiver(void*) {
  auto s = net::socket(kSocketDatagram);
  if (!s) {
    return;
  }
  shared().handles[0] = s->raw();
  (void)net::bind(*s, net::ipv4(0, 0, 0, 0, 4002));
  shared().opened = 1;
  net::Datagram<16> d;
  const auto r = net::recvfrom(*s, d);  // no timeout
  shared().result = r ? 0 : static_cast<std::uint32_t>(r.error());
  shared().survived = 1;  // never: the abort ends the thread inside the call
}

WARD_TEST(SocketsRedteam, AbortUnderABlockedReceiveEndsTheThread) {
  WARD_ASSERT_TRUE(start_network());
  drain_faults();
  reset_shared();
  WARD_ASSERT_TRUE(run_user(thread_a, stack_a.span(), &blocked_datagram_receiver));
  (void)this_thread::sleep_for(Duration::ms(200));
  WARD_ASSERT_EQ(shared().opened, 1u);
  WARD_ASSERT_EQ(thread_a.state(), ThreadState::blocked);
  WARD_ASSERT_TRUE(thread_a.abort());
  const bool ended = static_cast<bool>(thread_a.join(Timeout::after(Duration::s(2))));
  print("aborted receiver: ", ended ? "ended" : "STILL BLOCKED (abort deferred)", ", survived ",
        static_cast<unsigned>(shared().survived), "\n");
  WARD_EXPECT_TRUE(ended);
  WARD_EXPECT_EQ(shared().survived, 0u);  // ended in the call, not after it
  if (!ended) {
    (void)sys::net_close(net::SocketHandle{shared().handles[0]});  // frees it for the next tests
    (void)thread_a.join(Timeout::after(Duration::s(2)));
    return;
  }
  // Its socket was closed with it: the handle is unknown, and the whole pool can be opened again.
  WARD_EXPECT_FALSE(sys::net_close(net::SocketHandle{shared().handles[0]}));
  std::uintptr_t handles[kPool] = {};
  std::size_t opened = 0;
  for (auto& h : handles) {
    if (sys::net_open(UserSpan<std::uintptr_t>{reinterpret_cast<std::uintptr_t>(&h), 1}, kSocketDatagram)) {
      ++opened;
    }
  }
  WARD_EXPECT_EQ(opened, kPool);
  WARD_EXPECT_EQ(close_all(handles, kPool), opened);
}

// ---- Odd sequences: every lwIP assert is a panic (ward_lwip_assert) -----------------------------
// A user thread drives the netconn API through states and addresses its callers rarely use. Any
// lwIP assertion reached would stop the whole system; every call must just answer.
SocketAddress v6(std::uint8_t first, std::uint8_t second, std::uint8_t last, std::uint16_t port) {
  SocketAddress a;
  a.family = SocketAddress::kIpv6;
  a.port = port;
  a.address[0] = first;
  a.address[1] = second;
  a.address[15] = last;
  return a;
}

void odd_sequences(void*) {
  const std::byte data[16] = {};
  std::byte buf[16];
  const UserTimeout brief = UserTimeout::after(Duration::ms(10));
  std::uint32_t step = 0;
  auto next = [&] { shared().opened = ++step; };
  // IPv6 UDP: a link-local bind without a zone, multicast peer, send.
  if (auto u = net::socket(kSocketDatagram | kSocketIpv6)) {
    (void)net::bind(*u, v6(0xfe, 0x80, 1, 5000));
    (void)net::connect(*u, v6(0xff, 0x02, 1, 9));
    (void)net::send(*u, data);
    (void)net::connect(*u, net::ipv4(10, 0, 2, 2, 9));  // a v4 peer on the dual-stack socket
    (void)net::send(*u, data);
    (void)net::close(*u);
  }
  next();
  // IPv4 UDP: send unconnected, broadcast, recv with the shortest timeout, bad options.
  if (auto u = net::socket(kSocketDatagram)) {
    (void)net::send(*u, data);
    (void)net::connect(*u, net::ipv4(255, 255, 255, 255, 9));
    (void)net::send(*u, data);
    (void)net::connect(*u, v6(0xfe, 0x80, 1, 9));  // a v6 peer on a v4 socket
    (void)net::send(*u, data);
    (void)sys::net_setopt(*u, kSocketReceiveTimeout, 1);
    (void)net::recv(*u, buf);
    (void)sys::net_setopt(*u, 99, 1);
    (void)sys::net_setopt(*u, kSocketSendTimeout, 0xFFFFFFFF);
    (void)net::listen(*u, 1);
    (void)net::close(*u);
  }
  next();
  // TCP: everything on a listener, and on a socket that never connected.
  if (auto t = net::socket(kSocketStream)) {
    (void)net::set_receive_timeout(*t, brief);
    (void)net::recv(*t, buf);
    (void)net::send(*t, data);
    (void)net::accept(*t);                           // not listening
    (void)net::bind(*t, net::ipv4(0, 0, 0, 0, 7070));
    (void)net::listen(*t, 0);
    (void)net::listen(*t, 0xFFFFFFFF);               // listen again
    (void)net::bind(*t, net::ipv4(0, 0, 0, 0, 7071)); // bind a listener
    (void)net::connect(*t, net::ipv4(10, 0, 2, 2, 80));
    (void)net::send(*t, data);
    (void)net::recv(*t, buf);
    (void)net::accept(*t);                           // times out
    if (auto t2 = net::socket(kSocketStream | kSocketIpv6)) {
      (void)net::bind(*t2, v6(0, 0, 0, 7070));         // [::]:7070, in use by the v4 listener
      (void)net::connect(*t2, net::ipv4(0, 0, 0, 0, 7070));
      (void)net::send(*t2, data);
      (void)net::close(*t2);
    }
    (void)net::close(*t);
  }
  next();
  // Types that are no socket.
  std::uintptr_t raw = 0;
  const UserSpan<std::uintptr_t> out{reinterpret_cast<std::uintptr_t>(&raw), 1};
  (void)sys::net_open(out, 0);
  (void)sys::net_open(out, 3 | kSocketIpv6);
  (void)sys::net_open(out, 0xFFFFFFFF);
  next();
  shared().survived = 1;
}

WARD_TEST(SocketsRedteam, OddSequencesReachNoLwipAssert) {
  WARD_ASSERT_TRUE(start_network());
  drain_faults();
  reset_shared();
  const unsigned before = free_sockets();
  WARD_STACK_BOUND_USER_THREAD(stack_a, &odd_sequences);
  WARD_ASSERT_TRUE(run_user(thread_a, stack_a.span(), &odd_sequences));
  const bool ended = static_cast<bool>(thread_a.join(Timeout::after(Duration::s(20))));
  print("odd sequences: ended ", ended ? "yes" : "no", ", last step ", static_cast<unsigned>(shared().opened), "\n");
  WARD_EXPECT_TRUE(ended);
  WARD_EXPECT_EQ(shared().survived, 1u);
  WARD_EXPECT_FALSE(faults::wait(Timeout::none()).has_value());
  WARD_EXPECT_EQ(free_sockets(), before);
}

}  // namespace
