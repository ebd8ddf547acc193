// Red team, held (green): forged function returns into the secure image from a user thread, with
// the secure stacks in each state a compromised kernel can put them in. A branch to FNC_RETURN
// (0xfeffffff) makes the core pop a return address and a partial xPSR from the CURRENT secure stack
// (PSP_S in thread mode) and resume secure code there -- Arm's "secure stack sealing" advisory
// (CVE-2020-16273): whatever lies above an empty secure stack's top is taken for a return frame.
// Ward does not seal its secure stacks; what lies above each top is the unused bottom of the next
// stack (0x5a fill: top(landing 0) = landing 1's base, top(landing 1) = the handler stack's base),
// so a forged return finds no valid frame. The cases: the landing current at boot, and the other
// landing after a handler (the compromised kernel) parked a made-up thread. Each must be contained
// as the thread's own fault, and the secure side must still serve.
#include <psa/crypto.h>

#include <cstdint>
#include <cstring>

#include "ward/isolation.hpp"
#include "ward/kernel.hpp"
#include "ward/print.hpp"
#include "ward/secure/gateway.h"
#include "ward/stack_bound.hpp"
#include "ward/test.hpp"

namespace {
using namespace ward;

PartitionMemory<32> memory;
volatile std::uint32_t& progress() { return *static_cast<volatile std::uint32_t*>(static_cast<void*>(memory.bytes)); }
constexpr Domain<1> domain{Partition::of(memory, Access::read_write)};
UserThreadStack<512> attacker_stack;
Thread attacker;

void forged_function_return(void*) {
  progress() = 1;
  asm volatile("ldr r0, =0xfeffffff\n bx r0\n" ::: "r0");
  progress() = 2;
}

void expect_contained() {
  (void)faults::wait(Timeout::none());
  progress() = 0;
  WARD_STACK_BOUND_USER_THREAD(attacker_stack, &forged_function_return);
  WARD_ASSERT_TRUE(attacker.create_user(attacker_stack.span(), &forged_function_return, nullptr, Priority{20},
                                        "attacker", domain));
  WARD_ASSERT_TRUE(attacker.start());
  WARD_ASSERT_TRUE(attacker.join(Timeout::after(Duration::s(2))));
  WARD_EXPECT_EQ(progress(), 1u);
  const auto r = faults::wait(Timeout::none());
  WARD_ASSERT_TRUE(r.has_value());
  print("forged FNC_RETURN: fault kind ", static_cast<int>(r->kind), ", status ", fmt::hex(r->status), "\n");
  WARD_EXPECT_TRUE(r->thread == &attacker);
}

volatile std::int32_t park_result = 1, unpark_result = 1;
void park_a_made_up_thread(Timer&, void*) { park_result = ward_spe_park(0x1111); }
void unpark_it(Timer&, void*) { unpark_result = ward_spe_unpark(0x1111); }
WARD_STACK_BOUND_TIMER(park_a_made_up_thread);
WARD_STACK_BOUND_TIMER(unpark_it);

bool secure_side_serves() {
  std::uint8_t hash[32];
  std::size_t n = 0;
  return psa_hash_compute(PSA_ALG_SHA_256, reinterpret_cast<const std::uint8_t*>("abc"), 3, hash, sizeof hash, &n) ==
             PSA_SUCCESS &&
         n == 32 && hash[0] == 0xba && hash[31] == 0xad;
}

// Registered in reverse: the last runs first.
WARD_TEST(ForgedReturns, FromTheOtherLandingAfterAPark) {
  WARD_ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);
  Timer park{&park_a_made_up_thread, nullptr};
  WARD_ASSERT_TRUE(park.start(Duration::ms(1)));
  WARD_ASSERT_TRUE(this_thread::sleep_for(Duration::ms(5)));
  WARD_ASSERT_EQ(park_result, 0);  // entries from thread mode now land on the other landing
  expect_contained();
  Timer unpark{&unpark_it, nullptr};
  WARD_ASSERT_TRUE(unpark.start(Duration::ms(1)));
  WARD_ASSERT_TRUE(this_thread::sleep_for(Duration::ms(5)));
  WARD_EXPECT_EQ(unpark_result, 0);
  WARD_EXPECT_TRUE(secure_side_serves());
}

WARD_TEST(ForgedReturns, FromTheBootLanding) {
  WARD_ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);
  expect_contained();
  WARD_EXPECT_TRUE(secure_side_serves());
}

}  // namespace
