// The kernel's part of the socket system calls (kernel/src/socket.cpp) on the host kernel, from
// user threads, behind a fake network stack defined here (it replaces the kernel's weak
// defaults in this test executable; it only counts and answers, and touches nothing it is given
// but its own sockets). What is checked: the network grant, sockets granted to their opener
// alone, a closed socket's handle unknown, an accepted socket granted to the caller, spans of
// the wrong count refused as errors before the stack, transfers capped, privileged callers.
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

struct FakeStack {
  Socket pool[4];
  int opens = 0;
  int binds = 0;
  int listens = 0;
  int accepts = 0;
  int closes = 0;
  std::size_t sent = 0;  // the size of the last send
  bool exhausted = false;
};
FakeStack fake;

bool ours(const Socket& s) { return &s >= fake.pool && &s < fake.pool + 4; }

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
  const std::size_t n = std::min<std::size_t>(data.size(), 5);
  std::memcpy(data.data(), "hello", n);
  return n;
}
Status set_option(Socket&, std::uint32_t option, std::uint32_t) {
  return option == kSocketReceiveTimeout ? Status{} : Status{fail(Error::invalid_argument)};
}
void close(Socket& s) {
  ++fake.closes;
  if (isotest::ours(s)) {
    s.open = false;
  }
}
}  // namespace ward::kernel::stack

namespace ward::isotest {
namespace {

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

// What the user thread saw (kernel memory: the host has no MPU).
struct Seen {
  Result<net::SocketHandle> socket{fail(Error::invalid_state)};
  Result<net::SocketHandle> accepted{fail(Error::invalid_state)};
  Status status{};
  Status status2{};
  Result<std::uint32_t> count{0u};
  SocketAddress peer;
  char text[8] = {};
  bool reached_after = false;
};
Seen seen;

// Each body starts from a fresh fake stack and ends with every socket it opened withdrawn.
struct Fresh {
  Fresh() {
    fake = FakeStack{};
    seen = Seen{};
    drain_faults();
  }
  ~Fresh() {
    for (Socket& s : fake.pool) {
      (void)kernel::objects().withdraw(&s);
    }
    (void)revoke_network(user_a);
    (void)revoke_network(user_b);
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

// user_a opens a socket; user_b, which has the network grant too, may not use it.
TEST(Sockets, ASocketIsItsOpenersAlone) {
  run([] {
    Fresh fresh;
    EXPECT_TRUE(create_a(+[](void*) { seen.socket = net::socket(kSocketStream); }, true));
    EXPECT_TRUE(user_a.start());
    EXPECT_TRUE(user_a.join(Timeout::after(kPatience)));
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

}  // namespace
}  // namespace ward::isotest
