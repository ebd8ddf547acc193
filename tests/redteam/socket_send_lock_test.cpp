// Red team: lib/net/src/sockets.cpp sent every socket's data through one buffer, under one mutex
// (send_lock) held across netconn_write_partly, which blocked until all was written -- with the
// default send timeout (0: forever), until the peer read. One user thread with a peer that never
// reads held send_lock for good, and every other thread's net_send, on any socket, TCP or UDP,
// waited behind it: its own send timeout did not apply to the mutex (a FINDING, fixed: the lock
// now covers one non-blocking write (NETCONN_DONTBLOCK) only, a full send buffer is waited for
// outside it within the send timeout, and UDP sends copy straight into lwIP's buffer, unlocked).
// The peer is the attacker itself: it listens on port 7, which QEMU's user networking forwards
// from the host's 127.0.0.1:kPort (RUNNER_ARGS), and connects to 10.0.2.2:kPort (the host's
// loopback), so its client connection arrives back at its own listener. It never reads that.
// The test expects another thread's UDP send to complete while the attacker is blocked (it fails
// with the old lock). The host port is fixed (the firmware must know it: the runner has no way to
// pass a port picked at run time into the image yet).
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
constexpr std::uint16_t kPort = 47613;  // tests/redteam/CMakeLists.txt: the hostfwd's host port

struct Shared {
  volatile std::uint32_t step;  // how far the attacker got (0: not started)
  volatile std::uint32_t sent;  // bytes sent by the attacker
  volatile std::uint32_t victim_done;
  volatile std::uint32_t victim_result;
};
PartitionMemory<32> shared_memory;
Shared& shared() { return *static_cast<Shared*>(static_cast<void*>(shared_memory.bytes)); }
constexpr Domain<1> shared_domain{Partition::of(shared_memory, Access::read_write)};

UserThreadStack<2048> attacker_stack;
UserThreadStack<2048> victim_stack;
Thread attacker;
Thread victim;

void attacker_main(void*) {
  auto listener = net::socket(kSocketStream);
  if (!listener || !net::bind(*listener, net::ipv4(0, 0, 0, 0, 7)) || !net::listen(*listener, 1)) {
    return;
  }
  shared().step = 1;
  auto client = net::socket(kSocketStream);
  if (!client || !net::connect(*client, net::ipv4(10, 0, 2, 2, kPort))) {
    return;
  }
  shared().step = 2;
  auto conn = net::accept(*listener);  // the loop's far end: never read
  if (!conn) {
    return;
  }
  shared().step = 3;
  static_assert(sizeof(std::byte) == 1);
  std::byte chunk[1024];
  std::memset(chunk, 0x5a, sizeof chunk);
  for (;;) {
    auto n = net::send(*client, chunk);  // send timeout: forever (the default)
    if (!n) {
      shared().step = 100;
      return;
    }
    shared().sent = shared().sent + *n;
  }
}

void victim_main(void*) {
  auto s = net::socket(kSocketDatagram);
  if (!s || !net::connect(*s, net::ipv4(10, 0, 2, 2, 9)) ||
      !net::set_send_timeout(*s, UserTimeout::after(Duration::ms(100)))) {
    shared().victim_result = 0xFFFF;
    return;
  }
  const std::byte b[4] = {};
  auto n = net::send(*s, b);
  shared().victim_result = n ? 0 : static_cast<std::uint32_t>(n.error());
  shared().victim_done = 1;
  (void)net::close(*s);
}

bool start(Thread& t, UserThreadStack<2048>& stack, void (*entry)(void*), const char* name) {
  return t.create_user(stack.span(), entry, nullptr, Priority{10}, name, shared_domain) && grant_network(t) &&
         t.start();
}

WARD_TEST(SocketSendLockRedteam, OnePeerThatNeverReadsDoesNotStopEveryonesSends) {
  WARD_ASSERT_TRUE(net::start_interface(ethernet, Priority{20}));
  WARD_ASSERT_TRUE(net::wait_for_ipv4(Timeout::after(Duration::s(20))));
  std::memset(shared_memory.bytes, 0, sizeof shared_memory.bytes);

  // Control: the victim's send completes when no one holds the lock.
  WARD_STACK_BOUND_USER_THREAD(victim_stack, &victim_main);
  WARD_ASSERT_TRUE(start(victim, victim_stack, &victim_main, "victim"));
  WARD_ASSERT_TRUE(victim.join(Timeout::after(Duration::s(5))));
  WARD_ASSERT_EQ(shared().victim_done, 1u);
  shared().victim_done = 0;

  WARD_STACK_BOUND_USER_THREAD(attacker_stack, &attacker_main);
  WARD_ASSERT_TRUE(start(attacker, attacker_stack, &attacker_main, "attacker"));
  // Until the attacker's sends stop moving for 2 s (blocked in the stack), at most 80 s.
  std::uint32_t last = 0;
  int still = 0;
  for (int i = 0; i < 160 && still < 4; ++i) {
    (void)this_thread::sleep_for(Duration::ms(500));
    still = shared().step == 3 && shared().sent == last && last != 0 ? still + 1 : 0;
    last = shared().sent;
  }
  print("attacker: step ", static_cast<unsigned>(shared().step), ", ", static_cast<unsigned>(shared().sent),
        " bytes sent, then blocked\n");
  WARD_ASSERT_EQ(shared().step, 3u);

  WARD_ASSERT_TRUE(start(victim, victim_stack, &victim_main, "victim"));
  const bool ended = static_cast<bool>(victim.join(Timeout::after(Duration::s(3))));
  print("victim's 4-byte UDP send (send timeout 100 ms): ", ended ? "returned" : "STILL BLOCKED after 3 s",
        "; attacker sent ", static_cast<unsigned>(shared().sent), " bytes by then\n");
  WARD_EXPECT_TRUE(ended);  // fails when the attacker's stuck send holds up everyone's
  WARD_EXPECT_EQ(shared().victim_done, 1u);
}

}  // namespace
