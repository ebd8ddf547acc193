// Red team: the secure image's new veneers (ward_spe_park, _unpark, _discard, _client_ended,
// _stack_report), attacked from the non-secure side on QEMU. Each is an NSC entry point a user
// thread can branch to itself (the SG fetch is checked by the secure MPU, not the non-secure one),
// and the non-secure kernel is not trusted with them either (docs/secure-world.md, "Secure stacks").
// None of these attacks works today; the tests keep it so:
//   - a user thread calling each of them gets a refusal and changes nothing: in particular it
//     cannot have another thread's secure state released (its multi-part operation survives);
//   - privileged thread code cannot park, unpark or discard (handlers only: the context switch);
//   - a handler (a compromised kernel) cannot park twice, unpark another thread than the one
//     parked, nor unpark onto a landing that holds frames.
#include <psa/crypto.h>

#include <cstdint>
#include <cstring>

#include "ward/isolation.hpp"
#include "ward/kernel.hpp"
#include "ward/secure/call.h"
#include "ward/secure/gateway.h"
#include "ward/stack_bound.hpp"
#include "ward/test.hpp"

namespace {
using namespace ward;

constexpr std::int32_t kNotPermitted = -133;
constexpr std::uint32_t kNoSuchService = 0x7777;

const auto* bytes(const char* s) { return reinterpret_cast<const std::uint8_t*>(s); }

// ---- A user thread at every veneer ------------------------------------------------------------

struct Attack {
  volatile std::uint32_t victim;  // the victim's thread number as the kernel reports it (user id + 1)
  volatile std::uint32_t done;
  volatile std::int32_t park, unpark, discard, client_ended, client_ended_self, stack_report, last_fault, call;
  alignas(8) std::uint8_t out[64];
};
struct Victim {
  volatile std::int32_t setup, first_update, second_update, finish;
  volatile std::uint32_t digest_ok;
  psa_hash_operation_t op;
  std::uint8_t digest[32];
};
PartitionMemory<128> attack_memory;
PartitionMemory<256> victim_memory;
Attack& attack() { return *static_cast<Attack*>(static_cast<void*>(attack_memory.bytes)); }
Victim& victim_state() { return *static_cast<Victim*>(static_cast<void*>(victim_memory.bytes)); }
constexpr Domain<1> attack_domain{Partition::of(attack_memory, Access::read_write)};
constexpr Domain<1> victim_domain{Partition::of(victim_memory, Access::read_write)};
UserThreadStack<1024> attacker_stack, victim_stack;
Thread attacker, victim;
Semaphore victim_ready{0, 1};
Semaphore victim_go{0, 1};

// SHA-256("ab" "c")
constexpr std::uint8_t kSha256Abc[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
                                         0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
                                         0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};

void victim_main(void*) {
  auto& v = victim_state();
  v.op = psa_hash_operation_init();
  v.setup = psa_hash_setup(&v.op, PSA_ALG_SHA_256);
  v.first_update = psa_hash_update(&v.op, bytes("ab"), 2);
  // Its operation now lives on the secure side, between two calls, while the attacker runs.
  (void)sys::sem_give(victim_ready);
  (void)sys::sem_take(victim_go, UserTimeout::forever());
  v.second_update = psa_hash_update(&v.op, bytes("c"), 1);
  std::size_t n = 0;
  v.finish = psa_hash_finish(&v.op, v.digest, sizeof v.digest, &n);
  v.digest_ok = n == 32 && std::memcmp(v.digest, kSha256Abc, 32) == 0 ? 1 : 0;
}

void attacker_main(void*) {
  auto& a = attack();
  // The kernel's token for a thread is its address; any number will do for an attacker.
  a.park = ward_spe_park(0x28200000);
  a.unpark = ward_spe_unpark(0x28200000);
  a.discard = ward_spe_discard();
  // Have the victim's secure state (its operation, its volatile keys) thrown away...
  a.client_ended = ward_spe_client_ended(a.victim);
  // ...or its own, which is no more its to decide than anyone else's.
  a.client_ended_self = ward_spe_client_ended(1);
  a.stack_report = ward_spe_stack_report(static_cast<ward_spe_stacks*>(static_cast<void*>(a.out)));
  a.last_fault = ward_spe_last_fault(static_cast<ward_spe_fault*>(static_cast<void*>(a.out)));
  auto* request = static_cast<ward_spe_request*>(static_cast<void*>(a.out));
  *request = ward_spe_request{kNoSuchService, 0, 1, 0, nullptr, 0, nullptr, 0};
  a.call = ward_spe_call(request);
  a.done = 1;
}

WARD_TEST(Veneers, AUserThreadIsRefusedByEachVeneerAndChangesNothing) {
  WARD_ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);
  static_assert(sizeof(Attack) <= sizeof attack_memory.bytes && sizeof(Victim) <= sizeof victim_memory.bytes);
  static_assert(sizeof(ward_spe_stacks) <= sizeof(Attack::out) && sizeof(ward_spe_fault) <= sizeof(Attack::out));
  std::memset(attack_memory.bytes, 0, sizeof attack_memory.bytes);
  std::memset(victim_memory.bytes, 0, sizeof victim_memory.bytes);
  const std::uint32_t faults_before = faults::count();

  WARD_STACK_BOUND_USER_THREAD(victim_stack, &victim_main);
  WARD_ASSERT_TRUE(victim.create_user(victim_stack.span(), &victim_main, nullptr, Priority{20}, "victim",
                                      victim_domain));
  WARD_ASSERT_TRUE(grant(victim_ready, victim));
  WARD_ASSERT_TRUE(grant(victim_go, victim));
  WARD_ASSERT_TRUE(victim.start());
  WARD_ASSERT_TRUE(victim_ready.take(Timeout::after(Duration::s(5))));
  WARD_ASSERT_EQ(victim_state().setup, PSA_SUCCESS);
  WARD_ASSERT_EQ(victim_state().first_update, PSA_SUCCESS);

  // The attacker runs above everyone else, so nothing preempts it inside a veneer.
  attack().victim = victim.user_id() + 1u;
  WARD_STACK_BOUND_USER_THREAD(attacker_stack, &attacker_main);
  WARD_ASSERT_TRUE(attacker.create_user(attacker_stack.span(), &attacker_main, nullptr, Priority{30}, "attacker",
                                        attack_domain));
  WARD_ASSERT_TRUE(attacker.start());
  WARD_ASSERT_TRUE(attacker.join(Timeout::after(Duration::s(5))));
  const Attack& a = attack();
  WARD_EXPECT_EQ(a.done, 1u);
  WARD_EXPECT_EQ(a.park, -1);
  WARD_EXPECT_EQ(a.unpark, -1);
  WARD_EXPECT_EQ(a.discard, -1);
  WARD_EXPECT_EQ(a.client_ended, -1);
  WARD_EXPECT_EQ(a.client_ended_self, -1);
  WARD_EXPECT_EQ(a.stack_report, -1);
  WARD_EXPECT_EQ(a.last_fault, -1);
  WARD_EXPECT_EQ(a.call, kNotPermitted);

  // The victim's operation is still there: its next calls (the first ones the secure side serves
  // after the attack, when it would release an ended client's state) finish the hash.
  WARD_ASSERT_TRUE(victim_go.give());
  WARD_ASSERT_TRUE(victim.join(Timeout::after(Duration::s(5))));
  WARD_EXPECT_EQ(victim_state().second_update, PSA_SUCCESS);
  WARD_EXPECT_EQ(victim_state().finish, PSA_SUCCESS);
  WARD_EXPECT_EQ(victim_state().digest_ok, 1u);
  WARD_EXPECT_EQ(faults::count(), faults_before);  // nobody was stopped
}

// ---- Privileged thread code: the kernel's own threads ------------------------------------------

WARD_TEST(Veneers, ThreadModeCannotParkUnparkOrDiscard) {
  // Only the context switch (a handler) may: a thread that parked or discarded itself would move
  // the secure stack under its own secure frames.
  WARD_ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);  // idempotent; tests run in any order
  WARD_EXPECT_EQ(ward_spe_park(1), -1);
  WARD_EXPECT_EQ(ward_spe_unpark(1), -1);
  WARD_EXPECT_EQ(ward_spe_discard(), -1);
  // An operation ward_spe_control does not know is refused, whatever its arguments.
  WARD_EXPECT_EQ(ward_spe_control(0, 1, nullptr), -1);
  WARD_EXPECT_EQ(ward_spe_control(WARD_SPE_OP_STACK_REPORT + 1, 1, nullptr), -1);
  WARD_EXPECT_EQ(ward_spe_control(0xffffffffu, 0, nullptr), -1);
  std::uint8_t hash[32];
  std::size_t n = 0;
  WARD_EXPECT_EQ(psa_hash_compute(PSA_ALG_SHA_256, bytes("abc"), 3, hash, sizeof hash, &n), PSA_SUCCESS);
  WARD_EXPECT_EQ(std::memcmp(hash, kSha256Abc, 32), 0);
}

// ---- An interrupt handler: no housekeeping at all -------------------------------------------------

// ward_spe_control answers the kernel's faults and its lowest level (PendSV, SysTick) only: an
// interrupt handler's call is refused at the entry, before any operation runs, whatever it asks --
// what the handler stack's bound counts at the levels between (secure/firmware/stackbound.conf) --
// but a thread's end, which the kernel tells wherever it stops a thread (SVCall too).
struct FromInterrupt {
  volatile std::uint32_t ran = 0;
  volatile std::int32_t last_fault = 1, stack_report = 1, park = 1, unpark = 1, discard = 1, call = 1;
  volatile std::int32_t client_ended = 1;
  alignas(8) std::uint8_t out[64];
};
FromInterrupt from_interrupt;
constexpr unsigned kTestIrq = 80;  // an external line no device of the AN505 drives: pended by software

void interrupt_handler(void*) {
  auto& r = from_interrupt;
  r.last_fault = ward_spe_last_fault(static_cast<ward_spe_fault*>(static_cast<void*>(r.out)));
  r.stack_report = ward_spe_stack_report(static_cast<ward_spe_stacks*>(static_cast<void*>(r.out)));
  r.park = ward_spe_park(0x1111);
  r.unpark = ward_spe_unpark(0x1111);
  r.discard = ward_spe_discard();
  auto* request = static_cast<ward_spe_request*>(static_cast<void*>(r.out));
  *request = ward_spe_request{kNoSuchService, 0, 1, 0, nullptr, 0, nullptr, 0};
  r.call = ward_spe_call(request);
  r.client_ended = ward_spe_client_ended(WARD_SPE_USER_THREADS);  // no such thread here: nothing to release
  r.ran = 1;
}

WARD_TEST(Veneers, InterruptHandlersAreRefusedByTheHousekeepingVeneer) {
  WARD_ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);  // idempotent; tests run in any order
  from_interrupt = FromInterrupt{};
  // The same operations a privileged thread may use (the report, the last fault) are answered...
  ward_spe_stacks stacks{};
  WARD_ASSERT_EQ(ward_spe_stack_report(&stacks), 0);
  // ...and refused from an interrupt handler (at the normal kernel-aware level).
  WARD_ASSERT_TRUE(irq::connect(kTestIrq, &interrupt_handler, nullptr));
  WARD_ASSERT_TRUE(irq::enable(kTestIrq));
  WARD_ASSERT_TRUE(irq::trigger(kTestIrq));
  WARD_ASSERT_TRUE(this_thread::sleep_for(Duration::ms(5)));
  (void)irq::disable(kTestIrq);
  (void)irq::disconnect(kTestIrq);
  WARD_ASSERT_EQ(from_interrupt.ran, 1u);
  WARD_EXPECT_EQ(from_interrupt.last_fault, -1);
  WARD_EXPECT_EQ(from_interrupt.stack_report, -1);
  WARD_EXPECT_EQ(from_interrupt.park, -1);
  WARD_EXPECT_EQ(from_interrupt.unpark, -1);
  WARD_EXPECT_EQ(from_interrupt.discard, -1);
  WARD_EXPECT_EQ(from_interrupt.call, PSA_ERROR_BAD_STATE);
  WARD_EXPECT_EQ(from_interrupt.client_ended, 0);
  // Nothing was parked: the secure side serves calls as before.
  std::uint8_t hash[32];
  std::size_t n = 0;
  WARD_EXPECT_EQ(psa_hash_compute(PSA_ALG_SHA_256, bytes("abc"), 3, hash, sizeof hash, &n), PSA_SUCCESS);
  WARD_EXPECT_EQ(std::memcmp(hash, kSha256Abc, 32), 0);
}

// ---- A handler, as a compromised kernel ------------------------------------------------------

struct FromHandler {
  volatile std::uint32_t ran = 0;
  volatile std::int32_t first_park = 1, second_park = 1, unpark_other = 1, unpark_parked = 1, unpark_again = 1;
  volatile std::int32_t discard_empty = 1;
  volatile std::int32_t unknown_low = 1, unknown_high = 1;
};
FromHandler from_handler;

void compromised_kernel(Timer&, void*) {
  auto& r = from_handler;
  // No thread is inside the secure image (the only threads are blocked or idle): the landing in
  // use is empty. Park a made-up thread...
  r.first_park = ward_spe_park(0x1111);
  // ...then try to park a second one (two parked threads would need a third landing), and to
  // unpark one that was never parked.
  r.second_park = ward_spe_park(0x2222);
  // Operations ward_spe_control does not know: refused, and the parked thread stays parked.
  r.unknown_low = ward_spe_control(0, 0x1111, nullptr);
  r.unknown_high = ward_spe_control(WARD_SPE_OP_STACK_REPORT + 1, 0x1111, nullptr);
  r.unpark_other = ward_spe_unpark(0x2222);
  r.unpark_parked = ward_spe_unpark(0x1111);
  r.unpark_again = ward_spe_unpark(0x1111);  // nobody is parked any more
  r.discard_empty = ward_spe_discard();      // nothing to discard: harmless
  r.ran = 1;
}
WARD_STACK_BOUND_TIMER(compromised_kernel);

WARD_TEST(Veneers, AHandlerCannotParkTwiceNorUnparkAnotherThread) {
  WARD_ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);  // idempotent; tests run in any order
  from_handler = FromHandler{};
  Timer timer{&compromised_kernel, nullptr};
  WARD_ASSERT_TRUE(timer.start(Duration::ms(2)));
  WARD_ASSERT_TRUE(this_thread::sleep_for(Duration::ms(20)));
  timer.stop();
  WARD_ASSERT_EQ(from_handler.ran, 1u);
  WARD_EXPECT_EQ(from_handler.first_park, 0);
  WARD_EXPECT_EQ(from_handler.second_park, -1);
  WARD_EXPECT_EQ(from_handler.unknown_low, -1);
  WARD_EXPECT_EQ(from_handler.unknown_high, -1);
  WARD_EXPECT_EQ(from_handler.unpark_other, -1);
  WARD_EXPECT_EQ(from_handler.unpark_parked, 0);
  WARD_EXPECT_EQ(from_handler.unpark_again, -1);
  WARD_EXPECT_EQ(from_handler.discard_empty, 0);
  // The secure side is as it was: calls go through.
  std::uint8_t hash[32];
  std::size_t n = 0;
  WARD_EXPECT_EQ(psa_hash_compute(PSA_ALG_SHA_256, bytes("abc"), 3, hash, sizeof hash, &n), PSA_SUCCESS);
  WARD_EXPECT_EQ(std::memcmp(hash, kSha256Abc, 32), 0);
}

}  // namespace
