// The kernel's part of the socket system calls (kernel/src/socket.cpp) on the host kernel, from
// user threads, behind a fake network stack defined here (it replaces the kernel's weak
// defaults in this test executable; it only counts and answers, and touches nothing it is given
// but its own sockets). What is checked: the network grant, sockets granted to their opener
// alone, a closed socket's handle unknown, an accepted socket granted to the caller, spans of
// the wrong count refused as errors before the stack, transfers capped, privileged callers, the
// per-thread quota, a stopped thread's sockets closed before its Thread is reused, and a close
// that ends the call in flight on the socket before the stack frees it.
// (syscall_attack_test.cpp attacks every Handle and UserSpan argument of every net_* call.)
#include <gtest/gtest.h>

#include <cstring>

#include "user_world.hpp"
#include "ward/sockets.hpp"

namespace ward {
// The fake stack's socket.
class Socket {
 public:
  bool open = false;
};
}  // namespace ward

namespace ward::isotest {
namespace {

constexpr std::size_t kFakePool = 6;  // more than one thread's quota

struct FakeStack {
  Socket pool[kFakePool];
  int opens = 0;
  int binds = 0;
  int listens = 0;
  int accepts = 0;
  int closes = 0;
  std::size_t sent = 0;  // the size of the last send
  bool exhausted = false;
  // A receive blocks (on `wake`) while `block_receive` is set, until interrupt() ends it.
  bool block_receive = false;
  int in_receive = 0;
  int interrupts = 0;
  int closes_during_a_call = 0;  // a close while a call was inside the stack: use after free
  Semaphore wake{0, 1};
  // net_sendto, net_recvfrom, net_poll, net_resolve
  int sends_to = 0;
  SocketAddress sent_to;
  std::uint16_t ready = 0;  // what poll answers for every socket
  int polls = 0;
  int resolves = 0;
  char resolved_name[kSocketMaxName + 2] = {};
  // TLS sockets: net_tls_hostname, kSocketTlsIdentity
  int hostnames = 0;
  char hostname[kSocketMaxHostname + 2] = {};
  int identity_sets = 0;
};
FakeStack fake;

bool ours(const Socket& s) { return &s >= fake.pool && &s < fake.pool + kFakePool; }

}  // namespace
}  // namespace ward::isotest

namespace ward::kernel::stack {
using isotest::fake;
Result<Socket*> open(std::uint32_t type) {
  if (type != kSocketStream || fake.exhausted) {
    return fail(type != kSocketStream ? Error::invalid_argument : Error::no_resources);
  }
  for (Socket& s : fake.pool) {
    if (!s.open) {
      s.open = true;
      ++fake.opens;
      return &s;
    }
  }
  return fail(Error::no_resources);
}
Status bind(Socket&, const SocketAddress&) {
  ++fake.binds;
  return {};
}
Status connect(Socket&, const SocketAddress& a) { return a.port == 7 ? Status{} : Status{fail(Error::connection)}; }
Status listen(Socket&, std::uint32_t) {
  ++fake.listens;
  return {};
}
Result<Socket*> accept(Socket&, SocketAddress& peer) {
  ++fake.accepts;
  peer = net::ipv4(10, 0, 2, 2, 4242);
  return open(kSocketStream);
}
Result<std::size_t> send(Socket&, std::span<const std::byte> data) {
  fake.sent = data.size();
  return data.size();
}
Result<std::size_t> receive(Socket&, std::span<std::byte> data) {
  if (fake.block_receive) {
    ++fake.in_receive;
    (void)fake.wake.take(Timeout::forever());
    --fake.in_receive;
    return fail(Error::connection);
  }
  const std::size_t n = std::min<std::size_t>(data.size(), 5);
  std::memcpy(data.data(), "hello", n);
  return n;
}
Status set_option(Socket&, std::uint32_t option, std::uint32_t) {
  if (option == kSocketTlsIdentity) {
    ++fake.identity_sets;
    return {};
  }
  return option == kSocketReceiveTimeout ? Status{} : Status{fail(Error::invalid_argument)};
}
Status set_tls_hostname(Socket&, const char* name) {
  ++fake.hostnames;
  std::strncpy(fake.hostname, name, sizeof fake.hostname - 1);
  return {};
}
Result<std::size_t> send_to(Socket&, const SocketAddress& to, std::span<const std::byte> data) {
  ++fake.sends_to;
  fake.sent_to = to;
  fake.sent = data.size();
  return data.size();
}
Result<std::size_t> receive_from(Socket&, SocketAddress& from, std::span<std::byte> data) {
  from = net::ipv4(10, 0, 2, 2, 4242);
  const std::size_t n = std::min<std::size_t>(data.size(), 5);
  std::memcpy(data.data(), "hello", n);
  return n;
}
std::uint16_t poll(Socket&) {
  ++fake.polls;
  return fake.ready;
}
Status resolve(const char* name, SocketAddress& out) {
  ++fake.resolves;
  std::strncpy(fake.resolved_name, name, sizeof fake.resolved_name - 1);
  if (std::strcmp(name, "device.example") != 0) {
    return fail(Error::connection);
  }
  out = net::ipv4(10, 1, 2, 3, 0);
  return {};
}
void interrupt(Socket&) {
  ++fake.interrupts;
  (void)fake.wake.give();
}
void close(Socket& s) {
  ++fake.closes;
  if (fake.in_receive != 0) {
    ++fake.closes_during_a_call;
  }
  if (isotest::ours(s)) {
    s.open = false;
  }
}
}  // namespace ward::kernel::stack

namespace ward::isotest {
namespace {

using net::SocketHandle;
// The handle of the fake pool's socket i (the stack hands them out in order).
std::uintptr_t fake_handle(std::size_t i) { return address(&fake.pool[i]); }

template <class R>
testing::AssertionResult failed_with(const R& r, Error e) {
  if (r.has_value()) {
    return testing::AssertionFailure() << "succeeded";
  }
  if (r.error() != e) {
    return testing::AssertionFailure() << "failed with error " << static_cast<int>(r.error());
  }
  return testing::AssertionSuccess();
}

// A call's outcome without its value.
template <class R>
Status as_status(const R& r) {
  return r ? Status{} : Status{fail(r.error())};
}

// What the user thread saw (kernel memory: the host has no MPU).
struct Seen {
  Result<net::SocketHandle> socket{fail(Error::invalid_state)};
  Result<net::SocketHandle> accepted{fail(Error::invalid_state)};
  Status status{};
  Status status2{};
  Status status3{};
  Status status4{};
  Result<std::uint32_t> count{0u};
  std::uint32_t refused_shapes = 0;
  SocketAddress peer;
  char text[8] = {};
  bool reached_after = false;
  volatile bool release = false;  // set by the test: the user thread may end
  int opened = 0;
};
Seen seen;

// Each body starts from a fresh fake stack and ends with every socket it opened withdrawn.
struct Fresh {
  Fresh() {
    std::destroy_at(&fake);
    std::construct_at(&fake);
    seen = Seen{};
    drain_faults();
  }
  ~Fresh() {
    for (Socket& s : fake.pool) {
      (void)kernel::objects().withdraw(&s);
    }
    (void)revoke_network(user_a);
    (void)revoke_network(user_b);
    (void)revoke_tls_identity(user_a);
  }
};

// user_a, ready to start, with or without the network grant (a thread has its user id, which the
// grant needs, once created).
Status create_a(Thread::Entry entry, bool network) {
  if (auto s = user_a.create_user(stack_a.span(), entry, nullptr, kAbove, "user_a", app); !s) {
    return s;
  }
  return network ? grant_network(user_a) : revoke_network(user_a);
}

TEST(Sockets, OpenNeedsTheNetworkGrant) {
  run([] {
    Fresh fresh;
    auto open = +[](void*) { seen.socket = net::socket(kSocketStream); };
    EXPECT_TRUE(create_a(open, false));
    EXPECT_TRUE(user_a.start());
    EXPECT_TRUE(user_a.join(Timeout::after(kPatience)));
    EXPECT_TRUE(failed_with(seen.socket, Error::not_permitted));
    EXPECT_EQ(fake.opens, 0) << "the stack was asked without the grant";

    EXPECT_TRUE(create_a(+[](void*) {
      seen.socket = net::socket(kSocketStream);
      if (seen.socket) {
        seen.status = net::listen(*seen.socket, 1);  // granted to its opener
      }
    }, true));
    EXPECT_TRUE(user_a.start());
    EXPECT_TRUE(user_a.join(Timeout::after(kPatience)));
    EXPECT_TRUE(seen.socket.has_value());
    EXPECT_TRUE(seen.status.has_value());
    EXPECT_EQ(fake.opens, 1);
    EXPECT_EQ(fake.listens, 1);

    EXPECT_TRUE(revoke_network(user_a));
    EXPECT_TRUE(create_a(open, false));
    EXPECT_TRUE(user_a.start());
    EXPECT_TRUE(user_a.join(Timeout::after(kPatience)));
    EXPECT_TRUE(failed_with(seen.socket, Error::not_permitted));
    EXPECT_EQ(fake.opens, 1);
    EXPECT_FALSE(faults::wait(Timeout::none()));
    return 0;
  });
}

TEST(Sockets, GrantIsForUserThreadsOnly) {
  run([] {
    Fresh fresh;
    EXPECT_TRUE(failed_with(grant_network(privileged), Error::invalid_argument));
    // Privileged callers need none: the main thread opens and closes a socket.
    auto s = net::socket(kSocketStream);
    EXPECT_TRUE(s.has_value());
    if (s) {
      EXPECT_TRUE(net::close(*s));
    }
    EXPECT_EQ(fake.closes, 1);
    return 0;
  });
}

// Until the test releases it (its sockets stay open while it lives).
void wait_for_release() {
  while (!seen.release) {
    (void)sys::sleep_for(UserTimeout::after(Duration::ms(1)));
  }
}

// user_a opens a socket; user_b, which has the network grant too, may not use it.
TEST(Sockets, ASocketIsItsOpenersAlone) {
  run([] {
    Fresh fresh;
    EXPECT_TRUE(create_a(+[](void*) {
      seen.socket = net::socket(kSocketStream);
      wait_for_release();
    }, true));
    EXPECT_TRUE(user_a.start());
    EXPECT_TRUE(seen.socket.has_value());

    EXPECT_TRUE(user_b.create_user(stack_b.span(), +[](void*) {
      (void)sys::net_listen(*seen.socket, 1);
      seen.reached_after = true;
    }, nullptr, kAbove, "user_b", app));
    EXPECT_TRUE(grant_network(user_b));
    EXPECT_TRUE(user_b.start());
    auto report = next_fault();
    EXPECT_TRUE(report.has_value());
    if (report) {
      expect_report(*report, user_b,
                    {FaultKind::bad_handle, sys::net_listen.kId, 0, static_cast<std::uint8_t>(HandleError::not_granted)});
    }
    EXPECT_TRUE(user_b.join(Timeout::none()));
    EXPECT_FALSE(seen.reached_after);
    EXPECT_EQ(fake.listens, 0);
    seen.release = true;
    EXPECT_TRUE(user_a.join(Timeout::after(kPatience)));
    return 0;
  });
}

TEST(Sockets, AClosedSocketIsUnknown) {
  run([] {
    Fresh fresh;
    EXPECT_TRUE(create_a(+[](void*) {
      seen.socket = net::socket(kSocketStream);
      seen.status = net::close(*seen.socket);
      std::byte b[4] = {};
      (void)net::send(*seen.socket, b);
      seen.reached_after = true;
    }, true));
    EXPECT_TRUE(user_a.start());
    auto report = next_fault();
    EXPECT_TRUE(report.has_value());
    if (report) {
      expect_report(*report, user_a,
                    {FaultKind::bad_handle, sys::net_send.kId, 0, static_cast<std::uint8_t>(HandleError::unknown)});
    }
    EXPECT_TRUE(user_a.join(Timeout::none()));
    EXPECT_TRUE(seen.status.has_value());
    EXPECT_FALSE(seen.reached_after);
    EXPECT_EQ(fake.closes, 1);
    EXPECT_EQ(fake.sent, 0u) << "the stack saw a send on a closed socket";
    return 0;
  });
}

TEST(Sockets, AnAcceptedSocketIsGrantedToTheCaller) {
  run([] {
    Fresh fresh;
    EXPECT_TRUE(create_a(+[](void*) {
      seen.socket = net::socket(kSocketStream);
      seen.accepted = net::accept(*seen.socket, &seen.peer);
      if (seen.accepted) {
        std::byte b[3] = {};
        seen.count = net::send(*seen.accepted, b);
      }
    }, true));
    EXPECT_TRUE(user_a.start());
    EXPECT_TRUE(user_a.join(Timeout::after(kPatience)));
    EXPECT_FALSE(faults::wait(Timeout::none()));
    EXPECT_TRUE(seen.accepted.has_value());
    EXPECT_EQ(seen.peer.port, 4242);
    EXPECT_EQ(seen.peer.address[3], 2);
    EXPECT_TRUE(seen.count.has_value());
    EXPECT_EQ(seen.count.value_or(0), 3u);
    EXPECT_EQ(fake.accepts, 1);
    return 0;
  });
}

TEST(Sockets, TransfersAreCappedAndCopied) {
  run([] {
    Fresh fresh;
    EXPECT_TRUE(create_a(+[](void*) {
      seen.socket = net::socket(kSocketStream);
      std::byte big[kSocketMaxTransfer + 16] = {};  // (the thread has 4 KiB of stack, with ASan's red zones)
      seen.count = net::send(*seen.socket, big);
      char in[8] = {};
      seen.status = net::recv(*seen.socket, std::as_writable_bytes(std::span{in})).has_value()
                        ? Status{}
                        : Status{fail(Error::invalid_state)};
      std::memcpy(seen.text, in, sizeof in);
    }, true));
    EXPECT_TRUE(user_a.start());
    EXPECT_TRUE(user_a.join(Timeout::after(kPatience)));
    EXPECT_EQ(seen.count.value_or(0), kSocketMaxTransfer);
    EXPECT_EQ(fake.sent, kSocketMaxTransfer);
    EXPECT_TRUE(seen.status.has_value());
    EXPECT_STREQ(seen.text, "hello");
    return 0;
  });
}

// A span of the wrong count is an error, not a fault, and the stack never sees the call.
TEST(Sockets, SpansOfTheWrongCountAreErrors) {
  run([] {
    Fresh fresh;
    EXPECT_TRUE(create_a(+[](void*) {
      std::uintptr_t two[2] = {};
      seen.status = sys::net_open(UserSpan<std::uintptr_t>{address(two), 2}, kSocketStream);
      seen.socket = net::socket(kSocketStream);
      SocketAddress none[2] = {};
      seen.status2 = sys::net_bind(*seen.socket, UserSpan<const SocketAddress>{address(none), 0});
      seen.count = sys::net_connect(*seen.socket, UserSpan<const SocketAddress>{address(none), 2}).has_value() ? 1u : 0u;
    }, true));
    EXPECT_TRUE(user_a.start());
    EXPECT_TRUE(user_a.join(Timeout::after(kPatience)));
    EXPECT_FALSE(faults::wait(Timeout::none()));
    EXPECT_TRUE(failed_with(seen.status, Error::invalid_argument));
    EXPECT_TRUE(failed_with(seen.status2, Error::invalid_argument));
    EXPECT_EQ(seen.count.value_or(9), 0u);
    EXPECT_EQ(fake.opens, 1);
    EXPECT_EQ(fake.binds, 0);
    return 0;
  });
}

// An empty pool: the error comes back and nothing was registered.
TEST(Sockets, AnEmptyPoolIsAnError) {
  run([] {
    Fresh fresh;
    fake.exhausted = true;
    EXPECT_TRUE(create_a(+[](void*) { seen.socket = net::socket(kSocketStream); }, true));
    EXPECT_TRUE(user_a.start());
    EXPECT_TRUE(user_a.join(Timeout::after(kPatience)));
    EXPECT_TRUE(failed_with(seen.socket, Error::no_resources));
    for (Socket& s : fake.pool) {
      EXPECT_FALSE(kernel::objects().lookup(address(&s), ObjectType::socket, user_a.user_id()).has_value());
    }
    return 0;
  });
}

// One user thread may hold CONFIG_WARD_NET_SOCKETS_PER_THREAD sockets, opened or accepted; the
// next is refused (Error::quota) before the stack is asked, and others still get theirs.
TEST(Sockets, AThreadHoldsAtMostItsQuota) {
  run([] {
    Fresh fresh;
    static_assert(config::net_sockets_per_thread < kFakePool, "the fake pool outlasts the quota");
    EXPECT_TRUE(create_a(+[](void*) {
      for (std::size_t i = 0; i < kFakePool; ++i) {
        seen.socket = net::socket(kSocketStream);
        if (!seen.socket) {
          break;
        }
        ++seen.opened;
      }
      seen.accepted = fail(Error::invalid_state);
      // accept() on a held socket counts too.
      seen.status = sys::net_listen(SocketHandle{fake_handle(0)}, 1);
      AcceptedSocket a;
      seen.status2 = sys::net_accept(SocketHandle{fake_handle(0)}, UserSpan<AcceptedSocket>{address(&a), 1});
      wait_for_release();
    }, true));
    EXPECT_TRUE(user_a.start());
    EXPECT_EQ(seen.opened, static_cast<int>(config::net_sockets_per_thread));
    EXPECT_TRUE(failed_with(seen.socket, Error::quota));
    EXPECT_TRUE(failed_with(seen.status2, Error::quota));
    EXPECT_EQ(fake.accepts, 0) << "the stack accepted beyond the quota";
    EXPECT_EQ(fake.opens, static_cast<int>(config::net_sockets_per_thread));
    auto mine = net::socket(kSocketStream);  // the pool is not gone
    EXPECT_TRUE(mine.has_value());
    seen.release = true;
    EXPECT_TRUE(user_a.join(Timeout::after(kPatience)));
    return 0;
  });
}

// A thread that stops (here: returns) leaves its sockets: their handles go at once, the stack
// closes them, and join() returns only then; the Thread object can be created again after it.
TEST(Sockets, AStoppedThreadsSocketsAreClosedBeforeItsThreadIsReused) {
  run([] {
    Fresh fresh;
    EXPECT_TRUE(create_a(+[](void*) {
      seen.socket = net::socket(kSocketStream);
      seen.accepted = net::socket(kSocketStream);
    }, true));
    EXPECT_TRUE(user_a.start());
    EXPECT_TRUE(user_a.join(Timeout::after(kPatience)));
    EXPECT_TRUE(seen.socket.has_value());
    EXPECT_EQ(fake.closes, 2) << "join returned with the thread's sockets open";
    for (Socket& s : fake.pool) {
      EXPECT_FALSE(s.open);
      EXPECT_FALSE(kernel::objects().lookup(address(&s), ObjectType::socket, user_a.user_id()).has_value());
    }
    // The next program on the same Thread finds nothing of the last one's.
    const std::uintptr_t old = seen.socket ? seen.socket->raw() : 0;
    seen = Seen{};
    EXPECT_TRUE(create_a(+[](void*) {
      (void)sys::net_listen(SocketHandle{fake_handle(0)}, 1);
      seen.reached_after = true;
    }, true));
    EXPECT_EQ(old, fake_handle(0));
    EXPECT_TRUE(user_a.start());
    auto report = next_fault();
    EXPECT_TRUE(report.has_value());
    if (report) {
      expect_report(*report, user_a,
                    {FaultKind::bad_handle, sys::net_listen.kId, 0, static_cast<std::uint8_t>(HandleError::unknown)});
    }
    EXPECT_TRUE(user_a.join(Timeout::after(kPatience)));
    EXPECT_FALSE(seen.reached_after);
    EXPECT_EQ(fake.listens, 0);
    return 0;
  });
}

// A close (privileged) while the owner waits in a receive on the socket: the stack is asked to end
// that call, the owner gets an error, and only then does the stack free the socket.
TEST(Sockets, ACloseEndsTheCallInFlightBeforeTheSocketIsFreed) {
  run([] {
    Fresh fresh;
    fake.block_receive = true;
    EXPECT_TRUE(create_a(+[](void*) {
      seen.socket = net::socket(kSocketStream);
      std::byte b[4] = {};
      seen.count = net::recv(*seen.socket, b);
      seen.reached_after = true;
    }, true));
    EXPECT_TRUE(user_a.start());
    EXPECT_EQ(fake.in_receive, 1);
    EXPECT_TRUE(sys::net_close(SocketHandle{fake_handle(0)}));
    EXPECT_TRUE(user_a.join(Timeout::after(kPatience)));
    EXPECT_TRUE(seen.reached_after);
    EXPECT_TRUE(failed_with(seen.count, Error::connection));
    EXPECT_GE(fake.interrupts, 1);
    EXPECT_EQ(fake.closes, 1);
    EXPECT_EQ(fake.closes_during_a_call, 0) << "the stack freed a socket a call was still in";
    return 0;
  });
}

// ---- net_sendto, net_recvfrom, net_poll, net_resolve -------------------------------------------

// sendto: the address is the buffer's head, copied and checked (family) before the stack sees it;
// the payload is capped; a buffer shorter than the address is an error. Nothing faults.
TEST(Sockets, SendToTakesTheAddressFromTheBuffersHead) {
  run([] {
    Fresh fresh;
    EXPECT_TRUE(create_a(+[](void*) {
      seen.socket = net::socket(kSocketStream);
      net::Datagram<kSocketMaxTransfer + 8> d{};  // (4 KiB of stack, with ASan's red zones)
      d.peer = net::ipv4(10, 0, 2, 2, 5353);
      seen.count = net::sendto(*seen.socket, d, sizeof d.data);
      d.peer.family = 9;
      seen.status = as_status(net::sendto(*seen.socket, d, 4));
      seen.status2 = as_status(sys::net_sendto(*seen.socket, UserSpan<const std::byte>{address(&d), kDatagramHeader - 1}));
    }, true));
    EXPECT_TRUE(user_a.start());
    EXPECT_TRUE(user_a.join(Timeout::after(kPatience)));
    EXPECT_FALSE(faults::wait(Timeout::none()));
    EXPECT_EQ(seen.count.value_or(0), kSocketMaxTransfer);
    EXPECT_EQ(fake.sends_to, 1) << "the stack saw a datagram with a bad address or no address";
    EXPECT_EQ(fake.sent, kSocketMaxTransfer);
    EXPECT_EQ(fake.sent_to.port, 5353);
    EXPECT_EQ(fake.sent_to.address[3], 2);
    EXPECT_TRUE(failed_with(seen.status, Error::invalid_argument));
    EXPECT_TRUE(failed_with(seen.status2, Error::invalid_argument));
    return 0;
  });
}

// recvfrom writes the sender's address, then the payload; it returns the payload's size.
TEST(Sockets, RecvFromWritesTheSenderThenThePayload) {
  run([] {
    Fresh fresh;
    EXPECT_TRUE(create_a(+[](void*) {
      seen.socket = net::socket(kSocketStream);
      net::Datagram<8> d{};
      seen.count = net::recvfrom(*seen.socket, d);
      seen.peer = d.peer;
      std::memcpy(seen.text, d.data, sizeof d.data);
      std::byte short_buffer[kDatagramHeader - 1] = {};
      seen.status = as_status(sys::net_recvfrom(*seen.socket, UserSpan<std::byte>{std::span{short_buffer}}));
    }, true));
    EXPECT_TRUE(user_a.start());
    EXPECT_TRUE(user_a.join(Timeout::after(kPatience)));
    EXPECT_FALSE(faults::wait(Timeout::none()));
    EXPECT_EQ(seen.count.value_or(0), 5u);
    EXPECT_EQ(seen.peer.port, 4242);
    EXPECT_EQ(seen.peer.family, SocketAddress::kIpv4);
    EXPECT_STREQ(seen.text, "hello");
    EXPECT_TRUE(failed_with(seen.status, Error::invalid_argument));
    return 0;
  });
}

// sendto by another thread: a socket of user_a's named by user_b is a bad handle (a fault).
TEST(Sockets, SendToOnAnotherThreadsSocketIsABadHandle) {
  run([] {
    Fresh fresh;
    EXPECT_TRUE(create_a(+[](void*) {
      seen.socket = net::socket(kSocketStream);
      wait_for_release();
    }, true));
    EXPECT_TRUE(user_a.start());
    EXPECT_TRUE(user_b.create_user(stack_b.span(), +[](void*) {
      net::Datagram<4> d{};
      d.peer = net::ipv4(10, 0, 2, 2, 9);
      (void)net::sendto(*seen.socket, d, 4);
      seen.reached_after = true;
    }, nullptr, kAbove, "user_b", app));
    EXPECT_TRUE(grant_network(user_b));
    EXPECT_TRUE(user_b.start());
    auto report = next_fault();
    EXPECT_TRUE(report.has_value());
    if (report) {
      expect_report(*report, user_b,
                    {FaultKind::bad_handle, sys::net_sendto.kId, 0, static_cast<std::uint8_t>(HandleError::not_granted)});
    }
    EXPECT_TRUE(user_b.join(Timeout::none()));
    EXPECT_FALSE(seen.reached_after);
    EXPECT_EQ(fake.sends_to, 0);
    seen.release = true;
    EXPECT_TRUE(user_a.join(Timeout::after(kPatience)));
    return 0;
  });
}

// poll: a ready socket of the caller's is answered with the events asked for; another thread's,
// a closed one, a forged word: kPollInvalid, all alike, and the stack is never asked about them.
TEST(Sockets, PollAnswersOnlyTheCallersSockets) {
  run([] {
    Fresh fresh;
    fake.ready = kPollIn | kPollOut;
    EXPECT_TRUE(create_a(+[](void*) {
      seen.socket = net::socket(kSocketStream);  // fake_handle(0)
      wait_for_release();
    }, true));
    EXPECT_TRUE(user_a.start());
    EXPECT_TRUE(user_b.create_user(stack_b.span(), +[](void*) {
      auto mine = net::socket(kSocketStream);   // fake_handle(1)
      auto closed = net::socket(kSocketStream); // fake_handle(2)
      (void)net::close(*closed);
      PollEntry e[4] = {net::poll_entry(*mine, kPollIn), net::poll_entry(*seen.socket, kPollIn),
                        net::poll_entry(*closed, kPollIn), PollEntry{0x13572468, kPollIn, 0}};
      seen.count = net::poll(e, UserTimeout::none());
      seen.text[0] = static_cast<char>(e[0].revents);
      seen.text[1] = static_cast<char>(e[1].revents);
      seen.text[2] = static_cast<char>(e[2].revents);
      seen.text[3] = static_cast<char>(e[3].revents);
      seen.reached_after = true;
    }, nullptr, kAbove, "user_b", app));
    EXPECT_TRUE(grant_network(user_b));
    EXPECT_TRUE(user_b.start());
    EXPECT_TRUE(user_b.join(Timeout::after(kPatience)));
    EXPECT_FALSE(faults::wait(Timeout::none()));
    EXPECT_TRUE(seen.reached_after);
    EXPECT_EQ(seen.count.value_or(0), 4u);
    EXPECT_EQ(seen.text[0], kPollIn) << "only the events asked for";
    EXPECT_EQ(seen.text[1], kPollInvalid);
    EXPECT_EQ(seen.text[2], kPollInvalid);
    EXPECT_EQ(seen.text[3], kPollInvalid);
    EXPECT_EQ(fake.polls, 1) << "the stack was asked about a socket not the caller's";
    seen.release = true;
    EXPECT_TRUE(user_a.join(Timeout::after(kPatience)));
    return 0;
  });
}

// poll: nothing ready -> it waits its timeout, and answers 0; the number of entries and their
// events are checked before anything is asked.
TEST(Sockets, PollWaitsItsTimeoutAndChecksItsEntries) {
  run([] {
    Fresh fresh;
    EXPECT_TRUE(create_a(+[](void*) {
      seen.socket = net::socket(kSocketStream);
      PollEntry e[kSocketPollMax + 1] = {};
      for (PollEntry& x : e) {
        x = net::poll_entry(*seen.socket, kPollIn);
      }
      const Instant start = now();
      seen.count = net::poll({e, 1}, UserTimeout::after(Duration::ms(30)));
      seen.opened = static_cast<int>((now() - start).ticks() * 1000 / Duration::kHz);  // ms
      seen.status = as_status(net::poll({e, kSocketPollMax + 1}, UserTimeout::none()));
      seen.status2 = as_status(net::poll({e, 0}, UserTimeout::none()));
      e[0].events = 0x40;
      seen.status3 = as_status(net::poll({e, 1}, UserTimeout::none()));
    }, true));
    EXPECT_TRUE(user_a.start());
    EXPECT_TRUE(user_a.join(Timeout::after(Duration::s(1))));
    EXPECT_FALSE(faults::wait(Timeout::none()));
    EXPECT_EQ(seen.count.value_or(9), 0u);
    EXPECT_GE(seen.opened, 30) << "the poll ended before its timeout";
    EXPECT_LT(seen.opened, 40);
    EXPECT_GE(fake.polls, 2);
    EXPECT_TRUE(failed_with(seen.status, Error::invalid_argument));
    EXPECT_TRUE(failed_with(seen.status2, Error::invalid_argument));
    EXPECT_TRUE(failed_with(seen.status3, Error::invalid_argument));
    return 0;
  });
}

// resolve: the network grant; a name of 1 to kSocketMaxName characters without a NUL, copied
// (terminated) for the stack; the address written back.
TEST(Sockets, ResolveNeedsTheGrantAndABoundedName) {
  run([] {
    Fresh fresh;
    // (Names on the thread's stack: the host's user memory has no image to read literals from.)
    EXPECT_TRUE(create_a(+[](void*) {
      char name[] = "device.example";
      seen.status = as_status(net::getaddrinfo(name, 80));
    }, false));
    EXPECT_TRUE(user_a.start());
    EXPECT_TRUE(user_a.join(Timeout::after(kPatience)));
    EXPECT_TRUE(failed_with(seen.status, Error::not_permitted));
    EXPECT_EQ(fake.resolves, 0);

    EXPECT_TRUE(create_a(+[](void*) {
      char name[] = "device.example\0x";
      auto a = net::getaddrinfo(name, 80);
      seen.peer = a.value_or(SocketAddress{});
      char long_name[kSocketMaxName + 1];
      std::memset(long_name, 'a', sizeof long_name);
      seen.status = as_status(net::getaddrinfo({long_name, sizeof long_name}, 1));
      seen.status2 = as_status(net::getaddrinfo({name, 16}, 1));
      seen.status3 = as_status(net::getaddrinfo({name, 0}, 1));
      char trailing[] = "device.example.";  // one trailing dot: the root, allowed
      seen.status4 = as_status(net::getaddrinfo({trailing, sizeof trailing - 1}, 1));
      // The longest name: four labels of 63, 63, 63 and 61 bytes (253 with the dots): asked.
      for (std::size_t dot : {63u, 127u, 191u}) {
        long_name[dot] = '.';
      }
      seen.count = net::getaddrinfo({long_name, kSocketMaxName}, 1).has_value() ? 1u : 0u;
      // Shapes DNS cannot carry, refused before the stack: a 64-byte label (lwIP would write 64
      // into the label's length byte, a compression pointer), empty labels, a lone dot.
      char label64[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example";
      char empty_inside[] = "device..example";
      char leading_dot[] = ".example";
      char dot[] = ".";
      char two_trailing[] = "example..";
      for (std::string_view bad : {std::string_view{label64}, std::string_view{empty_inside},
                                    std::string_view{leading_dot}, std::string_view{dot},
                                    std::string_view{two_trailing}}) {
        seen.refused_shapes += failed_with(as_status(net::getaddrinfo(bad, 1)), Error::invalid_argument) ? 1 : 0;
      }
    }, true));
    EXPECT_TRUE(user_a.start());
    EXPECT_TRUE(user_a.join(Timeout::after(kPatience)));
    EXPECT_FALSE(faults::wait(Timeout::none()));
    EXPECT_EQ(seen.peer.family, SocketAddress::kIpv4);
    EXPECT_EQ(seen.peer.port, 80);
    EXPECT_EQ(seen.peer.address[1], 1);
    EXPECT_TRUE(failed_with(seen.status, Error::invalid_argument));
    EXPECT_TRUE(failed_with(seen.status2, Error::invalid_argument));
    EXPECT_TRUE(failed_with(seen.status3, Error::invalid_argument));
    EXPECT_EQ(seen.count.value_or(9), 0u);  // not device.example: the fake says connection
    EXPECT_EQ(seen.refused_shapes, 5u);
    EXPECT_FALSE(failed_with(seen.status4, Error::invalid_argument)) << "a trailing dot was refused";
    EXPECT_EQ(fake.resolves, 3) << "the stack saw a name it should not have";
    EXPECT_EQ(std::strlen(fake.resolved_name), kSocketMaxName) << "the copy was not terminated";
    return 0;
  });
}

// net_tls_hostname: the name is copied and terminated before the stack sees it; empty, longer than
// 253 characters, or with a NUL inside, it is refused before the stack. The device identity
// (kSocketTlsIdentity) needs its own grant; the network grant is not enough.
TEST(Sockets, TlsHostnameIsBoundedAndTheIdentityNeedsItsGrant) {
  run([] {
    Fresh fresh;
    // (Names on the thread's stack: the host's user memory has no image to read literals from.)
    auto body = +[](void*) {
      auto s = net::socket(kSocketStream);
      if (!s) {
        return;
      }
      char name[] = "server.example";
      seen.status = net::set_tls_hostname(*s, name);
      char long_name[kSocketMaxHostname + 1];
      std::memset(long_name, 'a', sizeof long_name);
      seen.status2 = net::set_tls_hostname(*s, {long_name, sizeof long_name});
      char with_nul[] = "server\0example";
      seen.status3 = net::set_tls_hostname(*s, {with_nul, sizeof with_nul - 1});
      seen.status4 = net::set_tls_hostname(*s, {name, 0});
      seen.count = net::set_tls_hostname(*s, {long_name, kSocketMaxHostname}) ? 1u : 0u;
      if (auto identity = net::use_device_identity(*s); identity) {
        seen.accepted = *s;
      } else {
        seen.accepted = fail(identity.error());
      }
      seen.refused_shapes = sys::net_setopt(*s, kSocketTlsIdentity, 0) ? 1 : 0;  // presenting none: no grant needed
    };
    EXPECT_TRUE(create_a(body, true));
    EXPECT_TRUE(user_a.start());
    EXPECT_TRUE(user_a.join(Timeout::after(kPatience)));
    EXPECT_FALSE(faults::wait(Timeout::none()));
    EXPECT_TRUE(seen.status.has_value());
    EXPECT_TRUE(failed_with(seen.status2, Error::invalid_argument));
    EXPECT_TRUE(failed_with(seen.status3, Error::invalid_argument));
    EXPECT_TRUE(failed_with(seen.status4, Error::invalid_argument));
    EXPECT_EQ(seen.count.value_or(0), 1u);
    EXPECT_EQ(fake.hostnames, 2) << "the stack saw a name it should not have";
    EXPECT_EQ(std::strlen(fake.hostname), kSocketMaxHostname) << "the copy was not terminated";
    EXPECT_TRUE(failed_with(seen.accepted, Error::not_permitted));
    EXPECT_EQ(seen.refused_shapes, 1u);
    EXPECT_EQ(fake.identity_sets, 1) << "the identity reached the stack without the grant";

    // With the grant, the same request reaches the stack.
    EXPECT_TRUE(create_a(body, true));
    EXPECT_TRUE(grant_tls_identity(user_a));
    EXPECT_TRUE(user_a.start());
    EXPECT_TRUE(user_a.join(Timeout::after(kPatience)));
    EXPECT_TRUE(seen.accepted.has_value());
    EXPECT_EQ(fake.identity_sets, 3);
    // Privileged threads hold no grants: asking for one is refused.
    EXPECT_TRUE(failed_with(grant_tls_identity(this_thread::current()), Error::invalid_argument));
    return 0;
  });
}

}  // namespace
}  // namespace ward::isotest
