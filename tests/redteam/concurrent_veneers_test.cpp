// Red team: the veneers a privileged thread may call itself (ward_spe_stack_report, "privileged
// callers only"; ward_spe_last_fault, which answers handlers and privileged threads) are not
// serialised with the PSA calls the kernel makes. The secure side keeps at most one thread parked
// (two landings), and docs/secure-world.md says "the kernel serialises its calls, so at most one
// thread is parked" -- but only psa_call goes through the kernel's lock. A privileged thread that
// is switched out inside one of these veneers while a user thread's PSA call is parked makes the
// context switch park a second thread: the secure side refuses, and the kernel panics ("the secure
// image refused to park a thread"). A user thread decides when a call of its own is parked (it just
// keeps making long calls), so any privileged monitor that reads the secure stacks' high-water
// marks, or the last secure fault, while user threads use PSA brings the system down.
//
// Fixed: privileged thread code asks through ward/secure/monitor.hpp, under the kernel's secure-call
// lock (never refused, nobody stopped); a privileged thread that still calls the veneers itself, and
// is preempted inside while another thread is parked, is stopped (secure_entry) -- the system and
// the other thread's calls go on.
#include <psa/crypto.h>

#include <cstdint>
#include <cstring>

#include "ward/isolation.hpp"
#include "ward/kernel.hpp"
#include "ward/print.hpp"
#include "ward/secure/gateway.h"
#include "ward/secure/monitor.hpp"
#include "ward/stack_bound.hpp"
#include "ward/test.hpp"

extern "C" std::uint32_t ward_secure_parks;  // arch/arm/src/secure_switch.cpp

namespace {
using namespace ward;

struct Work {
  volatile std::uint32_t stop;
  volatile std::uint32_t calls;
  volatile std::uint32_t wrong;
  std::uint8_t data[4000];
  std::uint8_t digest[32];
  std::uint8_t expected[32];
};
PartitionMemory<(sizeof(Work) + 31) / 32 * 32> bulk_memory;
Work& work() { return *static_cast<Work*>(static_cast<void*>(bulk_memory.bytes)); }
constexpr Domain<1> bulk_domain{Partition::of(bulk_memory, Access::read_write)};
UserThreadStack<1024> bulk_stack;
Thread bulk;
ThreadStack<1024> monitor_stack, spinner_stack;
Thread monitor, spinner;
volatile bool stop_privileged = false;
volatile std::uint32_t reports = 0, refused = 0;
volatile bool through_the_lock = false;

// A user thread that keeps the secure side busy with long calls.
void bulk_main(void*) {
  auto& w = work();
  while (w.stop == 0) {
    std::size_t n = 0;
    const psa_status_t s = psa_hash_compute(PSA_ALG_SHA_256, w.data, sizeof w.data, w.digest, 32, &n);
    w.wrong = w.wrong + (s == PSA_SUCCESS && std::memcmp(w.digest, w.expected, 32) == 0 ? 0 : 1);
    w.calls = w.calls + 1;
  }
}

// A privileged monitor: the secure stacks' high-water marks and the last secure fault, over and over.
void monitor_main(void*) {
  while (!stop_privileged) {
    ward_spe_stacks s{};
    ward_spe_fault f{};
    const bool ok = through_the_lock ? secure::stack_report(s) && secure::last_fault(f)
                                     : ward_spe_stack_report(&s) == 0 && ward_spe_last_fault(&f) == 0;
    reports = reports + 1;
    refused = refused + (ok ? 0 : 1);
  }
}

// Another privileged thread of the monitor's priority: time slices switch between the two.
void spinner_main(void*) {
  while (!stop_privileged) {
  }
}

// faults: how many were reported meanwhile.
void monitor_beside_user_psa_calls(std::uint32_t& faults) {
  reports = 0;
  refused = 0;
  WARD_ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);
  std::memset(&work(), 0, sizeof(Work));
  for (std::size_t i = 0; i < sizeof work().data; ++i) {
    work().data[i] = static_cast<std::uint8_t>(i * 7 + 1);
  }
  std::size_t n = 0;
  WARD_ASSERT_EQ(psa_hash_compute(PSA_ALG_SHA_256, work().data, sizeof work().data, work().expected, 32, &n),
                 PSA_SUCCESS);
  const std::uint32_t parks_before = ward_secure_parks;
  const std::uint32_t faults_before = faults::count();
  WARD_STACK_BOUND_USER_THREAD(bulk_stack, &bulk_main);
  WARD_ASSERT_TRUE(bulk.create_user(bulk_stack.span(), &bulk_main, nullptr, Priority{10}, "bulk", bulk_domain));
  WARD_ASSERT_TRUE(bulk.start());
  // Rounds: the monitor and the spinner wake while bulk is (most likely) inside a call, which is
  // parked; they run for a few time slices; then bulk runs again.
  for (int round = 0; round < 40; ++round) {
    WARD_ASSERT_TRUE(this_thread::sleep_for(Duration::us(3000 + 317 * (round % 5))));
    stop_privileged = false;
    WARD_STACK_BOUND_THREAD(monitor_stack, &monitor_main);
    WARD_ASSERT_TRUE(monitor.start(monitor_stack.span(), &monitor_main, nullptr, Priority{14}, "monitor"));
    WARD_STACK_BOUND_THREAD(spinner_stack, &spinner_main);
    WARD_ASSERT_TRUE(spinner.start(spinner_stack.span(), &spinner_main, nullptr, Priority{14}, "spinner"));
    WARD_ASSERT_TRUE(this_thread::sleep_for(Duration::us(4000)));  // the main thread (16) preempts them
    stop_privileged = true;
    WARD_ASSERT_TRUE(monitor.join(Timeout::after(Duration::s(2))));
    WARD_ASSERT_TRUE(spinner.join(Timeout::after(Duration::s(2))));
  }
  work().stop = 1;
  WARD_ASSERT_TRUE(bulk.join(Timeout::after(Duration::s(2))));
  print("concurrent veneers: ", static_cast<unsigned>(reports), " reports, ", static_cast<unsigned>(work().calls),
        " PSA calls, ", static_cast<unsigned>(ward_secure_parks - parks_before), " parks\n");
  // (Whether the secure side answers a monitor while a call is parked, or refuses it, is the fix's
  // choice: the system must survive either way.)
  print("  of which refused: ", static_cast<unsigned>(refused), "\n");
  WARD_EXPECT_GT(reports, 0u);
  WARD_EXPECT_EQ(work().wrong, 0u);
  WARD_EXPECT_GT(work().calls, 10u);
  WARD_EXPECT_GT(ward_secure_parks - parks_before, 5u);  // bulk really was parked meanwhile
  faults = faults::count() - faults_before;
}

WARD_TEST(ConcurrentVeneers, APrivilegedMonitorBesideUserPsaCalls) {
  through_the_lock = true;
  std::uint32_t faults = ~0u;
  monitor_beside_user_psa_calls(faults);
  WARD_EXPECT_EQ(refused, 0u);
  WARD_EXPECT_EQ(faults, 0u);
}

WARD_TEST(ConcurrentVeneers, AMonitorBypassingTheLockStopsOnlyItself) {
  through_the_lock = false;
  std::uint32_t faults = ~0u;
  monitor_beside_user_psa_calls(faults);
  print("  monitor stopped ", faults, " times\n");
}

}  // namespace
