// Red team: the Armv8-M lazy floating-point instructions VLSTM/VLLDM from a user thread. They are
// not privileged instructions. On the secure-only build the kernel and its user threads run in the
// secure state, where a user thread may execute them:
//   - VLSTM [Rn] with lazy stacking on (FPCCR.LSPEN) stores nothing yet: it sets FPCCR.LSPACT and
//     FPCAR = Rn, and clears CONTROL.FPCA, so the thread's next exception entry does not arm a lazy
//     save of its own over it. The save happens when anyone next executes an FPU instruction, with
//     the rights recorded in FPCCR.USER (unprivileged) but under the MPU as it is THEN. The kernel's
//     context switch is that anyone: its first FPU instruction (loading the incoming thread's
//     s16-s31, or clearing the FPU for it) comes after it has loaded the incoming thread's MPU
//     regions. So:
//       * Rn in kernel data: the save faults (MLSPERR) in PendSV: a kernel fault, the whole system
//         stops;
//       * Rn in another user thread's memory (here a partition of another domain): the save
//         SUCCEEDS with that thread's MPU map, and writes the attacker's s0-s15 and FPSCR -- 68
//         bytes of its choosing -- into the victim's memory. Cross-domain write; on a stack it is
//         control of the victim.
//     This is issue 12's "lazy save of a stopped thread" class, reached by an instruction instead
//     of an exception entry; containment cancels LSPACT, but here no fault happens first.
//   - VLLDM [Rn] at kernel data is checked with the thread's rights (contained: green).
// On the TrustZone build the thread runs non-secure, where both do nothing harmful (green there).
// Each case: kernel data and the victim's memory must stay as they were, the system must go on.
#include <cstdint>

#include "ward/isolation.hpp"
#include "ward/kernel.hpp"
#include "ward/print.hpp"
#include "ward/stack_bound.hpp"
#include "ward/test.hpp"

namespace {
using namespace ward;

struct Shared {
  volatile std::uint32_t progress;
  volatile std::uint32_t target;
  volatile std::uint32_t read_back[4];
};
PartitionMemory<64> memory;
Shared& shared() { return *static_cast<Shared*>(static_cast<void*>(memory.bytes)); }
constexpr Domain<1> domain{Partition::of(memory, Access::read_write)};
UserThreadStack<1024> attacker_stack, bystander_stack;
Thread attacker, bystander;
Semaphore bystander_done{0, 1};

// A victim of another domain: its partition holds a pattern it checks when it wakes.
PartitionMemory<128> victim_memory;
constexpr Domain<1> victim_domain{Partition::of(victim_memory, Access::read_write)};
UserThreadStack<1024> victim_stack;
Thread victim;
Semaphore victim_go{0, 1};
volatile std::uint32_t* victim_words() { return static_cast<volatile std::uint32_t*>(static_cast<void*>(victim_memory.bytes)); }

alignas(8) volatile std::uint32_t kernel_secret[32] = {0x5ec2e7, 0x5ec2e8, 0x5ec2e9, 0x5ec2ea};

void run(Thread::Entry entry) {
  (void)faults::wait(Timeout::none());
  shared().progress = 0;
  shared().target = static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(kernel_secret));
  for (auto& w : shared().read_back) {
    w = 0;
  }
  WARD_ASSERT_TRUE(attacker.create_user(attacker_stack.span(), entry, nullptr, Priority{20}, "attacker", domain));
  WARD_ASSERT_TRUE(attacker.start());
  WARD_ASSERT_TRUE(attacker.join(Timeout::after(Duration::s(2))));
  const auto r = faults::wait(Timeout::none());
  print("progress ", static_cast<unsigned>(shared().progress), ", fault ", r ? static_cast<int>(r->kind) : -1,
        ", read back ", fmt::hex(shared().read_back[0]), "\n");
  WARD_EXPECT_NE(shared().read_back[0], 0x5ec2e7u);
  WARD_EXPECT_EQ(kernel_secret[0], 0x5ec2e7u);
  WARD_EXPECT_EQ(kernel_secret[1], 0x5ec2e8u);
  // Kernel FPU use after it (the context switch saves and restores FPU registers), then another
  // user thread.
  volatile float y = 3.0f;
  y = y * 0.5f;
  WARD_EXPECT_TRUE(y == 1.5f);
  constexpr auto entry_75 = +[](void*) {
    volatile float x = 1.5f;
    x = x * 2.0f;
    if (x == 3.0f) (void)sys::sem_give(bystander_done);
  };
  WARD_STACK_BOUND_USER_THREAD(bystander_stack, entry_75);
  WARD_ASSERT_TRUE(bystander.create_user(bystander_stack.span(), entry_75, nullptr, Priority{20}, "bystander", domain));
  WARD_ASSERT_TRUE(grant(bystander_done, bystander));
  WARD_ASSERT_TRUE(bystander.start());
  WARD_EXPECT_TRUE(bystander_done.take(Timeout::after(Duration::s(2))));
  WARD_EXPECT_TRUE(bystander.join(Timeout::after(Duration::s(2))));
}

// Registered in reverse: the last runs first.
WARD_TEST(LazyFpInstructions, VlstmToKernelDataThenSwitch) {
  constexpr auto entry_91 = +[](void*) {
    auto& s = shared();
    s.progress = 1;
    asm volatile("vmov s0, %0\n vmov s1, %0" ::"r"(0x41414141u) : "s0", "s1");
    register std::uint32_t base asm("r0") = s.target;
    asm volatile(".inst.w 0xec200a00" ::"r"(base) : "memory");  // vlstm r0
    s.progress = 2;
    (void)sys::yield();  // a switch: the kernel touches the FPU
    for (int i = 0; i < 200000; ++i) {
      asm volatile("");
    }
    s.progress = 3;
  };
  WARD_STACK_BOUND_USER_THREAD(attacker_stack, entry_91);
  run(entry_91);
}

WARD_TEST(LazyFpInstructions, VlstmIntoAnotherDomainThenWakeIt) {
  for (std::size_t i = 0; i < 32; ++i) {
    victim_words()[i] = 0x600d0000u + i;
  }
  shared().target = static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(victim_memory.bytes));
  shared().progress = 0;
  // The victim: FPU state of its own, then it waits (higher priority: it runs as soon as it is woken).
  constexpr auto entry_110 = +[](void*) {
    volatile float x = 2.0f;
    x = x * 2.0f;
    (void)sys::sem_take(victim_go, UserTimeout::forever());
    victim_words()[31] = victim_words()[0] == 0x600d0000u ? 1u : 2u;  // what it found when it woke
  };
  WARD_STACK_BOUND_USER_THREAD(victim_stack, entry_110);
  WARD_ASSERT_TRUE(victim.create_user(victim_stack.span(), entry_110, nullptr, Priority{30}, "victim", victim_domain));
  WARD_ASSERT_TRUE(grant(victim_go, victim));
  WARD_ASSERT_TRUE(victim.start());
  constexpr auto entry_118 = +[](void*) {
    auto& s = shared();
    s.progress = 1;
    asm volatile(
        "vmov s0, %0\n vmov s1, %0\n vmov s2, %0\n vmov s3, %0\n vmov s4, %0\n vmov s5, %0\n vmov s6, %0\n"
        "vmov s7, %0\n vmov s8, %0\n vmov s9, %0\n vmov s10, %0\n vmov s11, %0\n vmov s12, %0\n"
        "vmov s13, %0\n vmov s14, %0\n vmov s15, %0\n" ::"r"(0x41414141u)
        : "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "s12", "s13", "s14", "s15");
    register std::uint32_t base asm("r0") = s.target;
    asm volatile(".inst.w 0xec200a00" ::"r"(base) : "memory");  // vlstm r0
    s.progress = 2;
    (void)sys::sem_give(victim_go);  // the victim preempts it: the switch loads the victim's MPU map
    s.progress = 3;
  };
  WARD_STACK_BOUND_USER_THREAD(attacker_stack, entry_118);
  WARD_ASSERT_TRUE(attacker.create_user(attacker_stack.span(), entry_118, nullptr, Priority{20}, "attacker", domain));
  WARD_ASSERT_TRUE(grant(victim_go, attacker));
  WARD_ASSERT_TRUE(attacker.start());
  WARD_ASSERT_TRUE(attacker.join(Timeout::after(Duration::s(2))));
  if (shared().progress < 3) {
    WARD_ASSERT_TRUE(victim_go.give());  // the attacker was stopped first: wake the victim anyway
  }
  WARD_ASSERT_TRUE(victim.join(Timeout::after(Duration::s(2))));
  print("attacker progress ", static_cast<unsigned>(shared().progress), "; victim memory[0] ",
        fmt::hex(victim_words()[0]), ", victim saw ", static_cast<unsigned>(victim_words()[31]), "\n");
  WARD_EXPECT_EQ(victim_words()[0], 0x600d0000u);
  WARD_EXPECT_EQ(victim_words()[15], 0x600d000fu);
  WARD_EXPECT_EQ(victim_words()[31], 1u);
  (void)faults::wait(Timeout::none());
}

WARD_TEST(LazyFpInstructions, VlldmFromKernelData) {
  constexpr auto entry_155 = +[](void*) {
    auto& s = shared();
    s.progress = 1;
    asm volatile("vmov s0, %0" ::"r"(1u) : "s0");  // live FPU state (SFPA on the secure build)
    register std::uint32_t base asm("r0") = s.target;
    asm volatile(".inst.w 0xec300a00" ::"r"(base) : "memory", "s0", "s1", "s2", "s3");  // vlldm r0
    std::uint32_t a, b;
    asm volatile("vmov %0, s0\n vmov %1, s1" : "=r"(a), "=r"(b));
    s.read_back[0] = a;
    s.read_back[1] = b;
    s.progress = 2;
  };
  WARD_STACK_BOUND_USER_THREAD(attacker_stack, entry_155);
  run(entry_155);
}

WARD_TEST(LazyFpInstructions, VlstmThenVlldmOnItsOwnStack) {
  constexpr auto entry_170 = +[](void*) {
    auto& s = shared();
    s.progress = 1;
    alignas(8) std::uint32_t area[34] = {};
    asm volatile("vmov s0, %0" ::"r"(0x42424242u) : "s0");
    register std::uint32_t base asm("r0") = static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(area));
    asm volatile(".inst.w 0xec200a00" ::"r"(base) : "memory");  // vlstm r0
    (void)sys::yield();
    asm volatile(".inst.w 0xec300a00" ::"r"(base) : "memory", "s0");  // vlldm r0
    s.progress = 2;
  };
  WARD_STACK_BOUND_USER_THREAD(attacker_stack, entry_170);
  run(entry_170);
}

}  // namespace
