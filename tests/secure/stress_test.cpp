// Secure calls under pressure, on QEMU, non-secure beside the secure image, with 1 ms time slices.
//
// Issue 12, escape 1: all non-secure threads once shared one secure stack. An unprivileged thread
// that called a veneer itself could be preempted inside the secure image, on top of a preempted
// PSA call; when priority inheritance then switched the caller back in, its exception return
// unstacked the intruder's secure frame, and the intruder's code went on with the caller's
// privilege (kernel level: it was inside the psa_call system call), or the secure image halted.
// Here that happens thousands of times over, together with everything else that can happen to a
// thread inside a secure call:
//   - `bulk` (low priority) hashes 4000 bytes per call, so it is often inside the secure image
//     when it is preempted, and holds the kernel's secure-call lock meanwhile;
//   - `intruder` (the same priority: time slices interleave them) calls the veneer directly, with
//     and without live FPU state; it must be refused or stopped (restart policy), never gain
//     privilege;
//   - `urgent` (high priority) makes short calls and sleeps: it waits on the lock `bulk` holds,
//     which lends `bulk` its priority -- the switch that once resumed the wrong secure frame;
//   - `stepper` (the same priority as bulk) hashes in steps (setup, update, finish), so an operation lives on the
//     secure side between its calls;
//   - `victim` does the same and is aborted and started again by the supervisor every few
//     milliseconds, wherever it is -- often inside a secure call (the abort waits for the call) or
//     between the steps of an operation (released on the secure side when the thread ends: without
//     that, the per-client operation limit would soon refuse its setups).
// Every thread checks each result against the digest the supervisor computed alone beforehand,
// checks its FPU registers survived the call, and checks it is still unprivileged after every
// call. The supervisor runs them until at least 10,000 calls were made, then checks that nothing
// went wrong, that threads really were preempted inside the secure image, and that the secure
// image still answers.
#include <psa/crypto.h>

#include <cstdint>
#include <cstring>

#include "ward/isolation.hpp"
#include "ward/kernel.hpp"
#include "ward/print.hpp"
#include "ward/secure/call.h"
#include "ward/secure/crypto_wire.h"
#include "ward/secure/gateway.h"
#include "ward/stack_bound.hpp"
#include "ward/test.hpp"
#include "secure_stacks.hpp"

extern "C" std::uint32_t ward_secure_parks;     // arch/arm/src/secure_switch.cpp
extern "C" std::uint32_t ward_secure_discards;

namespace {
using namespace ward;

constexpr std::uint32_t kTargetCalls = 10000;
constexpr std::size_t kBulkBytes = 4000;
constexpr std::size_t kSmallBytes = 96;

// What each worker reports, in its own partition.
struct Tally {
  volatile std::uint32_t calls;
  volatile std::uint32_t wrong;       // a wrong digest or status
  volatile std::uint32_t privileged;  // CONTROL.nPRIV was clear after a call
  volatile std::uint32_t fpu;         // an FPU register changed across a call
  volatile std::uint32_t stop;        // set by the supervisor
};

template <std::size_t DataBytes>
struct Workspace {
  Tally tally;
  std::uint8_t data[DataBytes];
  std::uint8_t expected[32];
  std::uint8_t digest[32];
  psa_hash_operation_t op;
};
template <class T>
constexpr std::size_t partition_size() {
  return (sizeof(T) + 31) / 32 * 32;
}

using Bulk = Workspace<kBulkBytes>;
using Small = Workspace<kSmallBytes>;

PartitionMemory<partition_size<Bulk>()> bulk_memory;
PartitionMemory<partition_size<Small>()> urgent_memory;
PartitionMemory<partition_size<Small>()> stepper_memory;
PartitionMemory<partition_size<Small>()> victim_memory;
struct Intrusion {
  Tally tally;
  volatile std::uint32_t refused;
  ward_spe_request request;
};
PartitionMemory<partition_size<Intrusion>()> intruder_memory;

template <class T, class M>
T& as(M& memory) {
  return *static_cast<T*>(static_cast<void*>(memory.bytes));
}

constexpr Domain<1> bulk_domain{Partition::of(bulk_memory, Access::read_write)};
constexpr Domain<1> urgent_domain{Partition::of(urgent_memory, Access::read_write)};
constexpr Domain<1> stepper_domain{Partition::of(stepper_memory, Access::read_write)};
constexpr Domain<1> victim_domain{Partition::of(victim_memory, Access::read_write)};
constexpr Domain<1> intruder_domain{Partition::of(intruder_memory, Access::read_write)};

UserThreadStack<2048> bulk_stack, urgent_stack, stepper_stack, victim_stack, intruder_stack;
Thread bulk, urgent, stepper, victim, intruder;

[[gnu::always_inline]] inline bool unprivileged() {
  std::uint32_t control;
  asm volatile("mrs %0, control" : "=r"(control));
  return (control & 1u) != 0;
}

// Puts known values in s16, s24 and s31, which the PSA client library keeps (callee-saved) and
// every switch must keep; true if they are still there. (Each call is a system call, and switches
// happen inside it: the thread's FPU context must come back whole. The exact registers a system
// call keeps are the entry matrix's business, tests/attacks.)
[[gnu::always_inline]] inline void load_fpu(std::uint32_t seed) {
  asm volatile(
      "vmov s16, %0\n"
      "vmov s24, %0\n"
      "vmov s31, %0\n" ::"r"(seed)
      : "s16", "s24", "s31");
}
[[gnu::always_inline]] inline bool fpu_kept(std::uint32_t seed) {
  std::uint32_t a, b, c;
  asm volatile(
      "vmov %0, s16\n"
      "vmov %1, s24\n"
      "vmov %2, s31\n"
      : "=r"(a), "=r"(b), "=r"(c));
  return a == seed && b == seed && c == seed;
}

template <class W>
void after_call(W& w, bool right, std::uint32_t seed) {
  // Read the FPU first: nothing in between may touch it.
  const bool kept = fpu_kept(seed);
  w.tally.fpu = w.tally.fpu + (kept ? 0 : 1);
  w.tally.privileged = w.tally.privileged + (unprivileged() ? 0 : 1);
  w.tally.wrong = w.tally.wrong + (right ? 0 : 1);
  w.tally.calls = w.tally.calls + 1;
}

// One-shot hashes, until told to stop.
template <class W>
void hash_loop(W& w, std::uint32_t seed_base, bool sleep_between) {
  for (std::uint32_t i = 0; w.tally.stop == 0; ++i) {
    const std::uint32_t seed = seed_base + i;
    std::size_t n = 0;
    load_fpu(seed);
    const psa_status_t s =
        psa_hash_compute(PSA_ALG_SHA_256, w.data, sizeof w.data, w.digest, sizeof w.digest, &n);
    after_call(w, s == PSA_SUCCESS && n == 32 && std::memcmp(w.digest, w.expected, 32) == 0, seed);
    if (sleep_between) {
      // Longer than a time slice: a thread preempted by a higher priority starts a fresh slice
      // when it resumes, so wake-ups more often than that would starve its peers.
      (void)sys::sleep_for(UserTimeout::after(Duration::us(2500)));
    }
  }
}

// Hashes in steps: an operation lives on the secure side between the calls.
template <class W>
void step_loop(W& w, std::uint32_t seed_base) {
  for (std::uint32_t i = 0; w.tally.stop == 0; ++i) {
    const std::uint32_t seed = seed_base + i;
    std::size_t n = 0;
    w.op = psa_hash_operation_init();
    load_fpu(seed);
    psa_status_t s = psa_hash_setup(&w.op, PSA_ALG_SHA_256);
    after_call(w, s == PSA_SUCCESS, seed);
    load_fpu(seed + 1);
    s = psa_hash_update(&w.op, w.data, sizeof w.data / 2);
    after_call(w, s == PSA_SUCCESS, seed + 1);
    load_fpu(seed + 2);
    s = psa_hash_update(&w.op, w.data + sizeof w.data / 2, sizeof w.data - sizeof w.data / 2);
    after_call(w, s == PSA_SUCCESS, seed + 2);
    load_fpu(seed + 3);
    s = psa_hash_finish(&w.op, w.digest, sizeof w.digest, &n);
    after_call(w, s == PSA_SUCCESS && n == 32 && std::memcmp(w.digest, w.expected, 32) == 0, seed + 3);
  }
}

void bulk_main(void*) { hash_loop(as<Bulk>(bulk_memory), 0x3f000000, false); }
void urgent_main(void*) { hash_loop(as<Small>(urgent_memory), 0x40000000, true); }
void stepper_main(void*) { step_loop(as<Small>(stepper_memory), 0x41000000); }
void victim_main(void*) { step_loop(as<Small>(victim_memory), 0x42000000); }

// Calls the veneer itself, half the time with live FPU state. Refused, or stopped (and restarted)
// when a switch finds it inside the secure image; never privileged afterwards.
void intruder_main(void*) {
  auto& w = as<Intrusion>(intruder_memory);
  for (std::uint32_t i = 0; w.tally.stop == 0; ++i) {
    const std::uint32_t seed = 0x43000000 + i;
    if ((i & 1u) != 0) {
      load_fpu(seed);
    }
    const psa_status_t s = ward_spe_call(&w.request);
    w.tally.privileged = w.tally.privileged + (unprivileged() ? 0 : 1);
    w.refused = w.refused + (s == PSA_ERROR_NOT_PERMITTED ? 1 : 0);
    w.tally.wrong = w.tally.wrong + (s == PSA_ERROR_NOT_PERMITTED ? 0 : 1);
  }
}

template <class W>
void prepare(W& w, std::uint8_t fill) {
  std::memset(&w, 0, sizeof w);
  for (std::size_t i = 0; i < sizeof w.data; ++i) {
    w.data[i] = static_cast<std::uint8_t>(fill + i * 7);
  }
  std::size_t n = 0;
  WARD_ASSERT_EQ(psa_hash_compute(PSA_ALG_SHA_256, w.data, sizeof w.data, w.expected, sizeof w.expected, &n),
                 PSA_SUCCESS);
}

bool start(Thread& t, UserThreadStack<2048>& stack, Thread::Entry entry, std::uint8_t priority, const char* name,
           const DomainView& domain, FaultPolicy policy = FaultPolicy::stop) {
  return t.create_user(stack.span(), entry, nullptr, Priority{priority}, name, domain, policy).has_value() &&
         t.start().has_value();
}

std::uint32_t total_calls() {
  return as<Bulk>(bulk_memory).tally.calls + as<Small>(urgent_memory).tally.calls +
         as<Small>(stepper_memory).tally.calls + as<Small>(victim_memory).tally.calls;
}

void report(const char* name, const Tally& t) {
  print("  ", name, ": ", static_cast<unsigned>(t.calls), " calls, ", static_cast<unsigned>(t.wrong), " wrong, ",
        static_cast<unsigned>(t.privileged), " privileged, ", static_cast<unsigned>(t.fpu), " FPU changes\n");
}

WARD_TEST(SecureStress, ThousandsOfCallsPreemptedAbortedAndIntrudedUpon) {
  WARD_ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);
  prepare(as<Bulk>(bulk_memory), 1);
  prepare(as<Small>(urgent_memory), 2);
  prepare(as<Small>(stepper_memory), 3);
  prepare(as<Small>(victim_memory), 4);
  auto& in = as<Intrusion>(intruder_memory);
  std::memset(&in, 0, sizeof in);
  in.request = ward_spe_request{WARD_SERVICE_CRYPTO, WARD_CRYPTO_INIT, 1, 0, nullptr, 0, nullptr, 0};
  const std::uint32_t parks_before = ward_secure_parks;
  const std::uint32_t faults_before = faults::count();

  WARD_STACK_BOUND_USER_THREAD(bulk_stack, &bulk_main);
  WARD_ASSERT_TRUE(start(bulk, bulk_stack, &bulk_main, 10, "bulk", bulk_domain));
  WARD_STACK_BOUND_USER_THREAD(intruder_stack, &intruder_main);
  WARD_ASSERT_TRUE(start(intruder, intruder_stack, &intruder_main, 10, "intruder", intruder_domain,
                         FaultPolicy::restart));
  WARD_STACK_BOUND_USER_THREAD(stepper_stack, &stepper_main);
  WARD_ASSERT_TRUE(start(stepper, stepper_stack, &stepper_main, 10, "stepper", stepper_domain));
  WARD_STACK_BOUND_USER_THREAD(urgent_stack, &urgent_main);
  WARD_ASSERT_TRUE(start(urgent, urgent_stack, &urgent_main, 20, "urgent", urgent_domain));
  WARD_STACK_BOUND_USER_THREAD(victim_stack, &victim_main);
  WARD_ASSERT_TRUE(start(victim, victim_stack, &victim_main, 10, "victim", victim_domain));

  std::uint32_t aborts = 0;
  const Instant deadline = now() + Duration::s(100);
  while (total_calls() < kTargetCalls && now() < deadline) {
    WARD_ASSERT_TRUE(this_thread::sleep_for(Duration::us(6000 + (aborts % 7) * 700)));
    // The victim, wherever it is: an abort of a thread inside a secure call waits for the call.
    WARD_ASSERT_TRUE(victim.abort());
    WARD_ASSERT_TRUE(victim.join(Timeout::after(Duration::ms(500))));
    ++aborts;
    WARD_ASSERT_TRUE(start(victim, victim_stack, &victim_main, 10, "victim", victim_domain));
  }
  for (Tally* t : {&as<Bulk>(bulk_memory).tally, &as<Small>(urgent_memory).tally, &as<Small>(stepper_memory).tally,
                   &as<Small>(victim_memory).tally, &in.tally}) {
    t->stop = 1;
  }
  for (Thread* t : {&bulk, &urgent, &stepper, &victim}) {
    WARD_EXPECT_TRUE(t->join(Timeout::after(Duration::s(2))));
  }
  // The intruder restarts after each stop; abort it (it is never inside a call the kernel made).
  (void)intruder.abort();
  WARD_EXPECT_TRUE(intruder.join(Timeout::after(Duration::s(2))));

  print("secure stress: ", static_cast<unsigned>(total_calls()), " PSA calls, ", static_cast<unsigned>(aborts),
        " aborts, ", static_cast<unsigned>(ward_secure_parks - parks_before), " threads parked inside the secure image, ",
        static_cast<unsigned>(in.refused), " direct veneer calls refused, ",
        static_cast<unsigned>(faults::count() - faults_before), " threads stopped inside it\n");
  report("bulk", as<Bulk>(bulk_memory).tally);
  report("urgent", as<Small>(urgent_memory).tally);
  report("stepper", as<Small>(stepper_memory).tally);
  report("victim", as<Small>(victim_memory).tally);
  report("intruder", in.tally);
  WARD_EXPECT_GE(total_calls(), kTargetCalls);
  for (const Tally* t : {&as<Bulk>(bulk_memory).tally, &as<Small>(urgent_memory).tally,
                         &as<Small>(stepper_memory).tally, &in.tally}) {
    WARD_EXPECT_EQ(t->wrong, 0u);
    WARD_EXPECT_EQ(t->privileged, 0u);
    WARD_EXPECT_EQ(t->fpu, 0u);
  }
  // The victim's last operation may have been cut off between steps (then released); no call of
  // it may have gone wrong while it ran.
  WARD_EXPECT_EQ(as<Small>(victim_memory).tally.wrong, 0u);
  WARD_EXPECT_EQ(as<Small>(victim_memory).tally.privileged, 0u);
  WARD_EXPECT_EQ(as<Small>(victim_memory).tally.fpu, 0u);
  WARD_EXPECT_GT(ward_secure_parks - parks_before, 100u);  // it really was preempted inside, often
  WARD_EXPECT_GT(aborts, 10u);
  WARD_EXPECT_GT(in.refused, 100u);
  WARD_EXPECT_GT(as<Bulk>(bulk_memory).tally.calls, 20u);
  WARD_EXPECT_GT(as<Small>(victim_memory).tally.calls, 100u);
  // Only the intruder was ever stopped, each time for entering the secure image.
  while (auto r = faults::wait(Timeout::none())) {
    WARD_EXPECT_TRUE(r->thread == &intruder);
    WARD_EXPECT_EQ(static_cast<int>(r->kind), static_cast<int>(FaultKind::secure_entry));
  }
  check_secure_stacks();
  // And the secure image still answers, correctly.
  std::uint8_t digest[32];
  std::size_t n = 0;
  auto& b = as<Bulk>(bulk_memory);
  WARD_EXPECT_EQ(psa_hash_compute(PSA_ALG_SHA_256, b.data, sizeof b.data, digest, sizeof digest, &n), PSA_SUCCESS);
  WARD_EXPECT_EQ(std::memcmp(digest, b.expected, 32), 0);
}

}  // namespace
