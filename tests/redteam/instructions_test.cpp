// Red team: single instructions in a user thread that raise exceptions the kernel does not
// contain. docs/isolation.md promises that a fault in a user thread stops (or restarts) that thread
// and every other thread keeps running, and the entry matrix claims "a fault of each kind"; these
// faults are not among its kinds, and each stops the whole system:
//   - BKPT (any immediate; `bkpt 0xab` is a semihosting call, refused to unprivileged code): with no
//     debugger the DebugMonitor exception is disabled, so it escalates to a HardFault (HFSR.FORCED).
//     On the secure-only build ward_fault_contain does not contain HardFaults ("not the thread's own
//     doing alone") and the kernel reports a fatal fault; on the TrustZone build HardFault targets
//     the secure state (AIRCR.BFHFNMINS=0) and the secure image halts the machine ("non-secure
//     kernel fault"). The same on real hardware: BKPT without a debugger is a HardFault.
//   - BXNS/BLXNS to an address with bit 0 clear, on the secure-only build (the kernel and its user
//     threads run in the secure state; these are not privileged instructions): a SecureFault (INVEP
//     on the failed transition), which ward_fault_contain does not contain either.
// Both were already there on 7345a2f (contained since h/instr: docs/isolation.md). Each case
// expects the attacker to be stopped with one report naming it, the supervisor to go on, and
// another user thread to keep working. The cases that are
// contained today (branches to EXC_RETURN and FNC_RETURN values, BLXNS on the TrustZone build, where
// it is UNDEFINED in the non-secure state) keep them so.
// Found with the fix (h/instr), also red before it:
//   - BXNS as well as BLXNS (secure-only build);
//   - BKPT with the stack pointer aimed at kernel RAM: the HardFault's own frame cannot be stacked;
//   - VLSTM (secure-only build: not privileged in the secure state). With lazy FPU preservation it
//     armed a lazy save of s0-s15 to any address, made later with the thread's rights under the MPU
//     view of whoever ran the next FPU instruction: aimed at another domain's memory, the victim's
//     own FPU instruction wrote the attacker's values there; aimed at kernel memory, the
//     supervisor's FPU instruction faulted and the system stopped.
// And guards that were green before: a user thread cannot pend an exception or an interrupt, nor
// turn the debug monitor on, through the system control space.
#include <cstdint>

#include "ward/isolation.hpp"
#include "ward/kernel.hpp"
#include "ward/print.hpp"
#include "ward/stack_bound.hpp"
#include "ward/test.hpp"

namespace {
using namespace ward;

PartitionMemory<32> memory;
volatile std::uint32_t& word(std::size_t i) {
  return static_cast<volatile std::uint32_t*>(static_cast<void*>(memory.bytes))[i];
}
volatile std::uint32_t& progress() { return word(0); }
// An address the attacker is to use, set by the supervisor before it starts.
volatile std::uint32_t& target() { return word(1); }
constexpr Domain<1> domain{Partition::of(memory, Access::read_write)};
UserThreadStack<512> attacker_stack, bystander_stack;
Thread attacker, bystander;
Semaphore bystander_done{0, 1};

// Another domain, and kernel memory: neither may change.
PartitionMemory<128> victim_memory;
constexpr Domain<1> victim_domain{Partition::of(victim_memory, Access::read_write)};
UserThreadStack<512> victim_stack;
Thread victim;
alignas(32) std::uint32_t kernel_words[64];

std::uint32_t load(const std::byte* p) {
  std::uint32_t w;
  __builtin_memcpy(&w, p, sizeof w);
  return w;
}

using KindSet = std::uint32_t;
constexpr KindSet kind(FaultKind k) { return KindSet{1} << static_cast<unsigned>(k); }
constexpr KindSet kAnyKind = ~KindSet{0};
constexpr bool kTrustZone = config::trustzone_ns;
// What BXNS, BLXNS and VLSTM are: undefined in the non-secure state (beside the secure image);
// where the kernel runs secure, a branch to the non-secure state (a SecureFault).
constexpr KindSet kNonSecureBranch = kTrustZone ? kind(FaultKind::usage) : kind(FaultKind::security_state);

// The attacker does one thing after marking its progress; it must be stopped right there, with a
// report of one of `kinds`.
void expect_contained(Thread::Entry entry, KindSet kinds = kAnyKind) {
  (void)faults::wait(Timeout::none());  // nothing left over from an earlier case
  progress() = 0;
  const std::uint32_t before = faults::count();
  WARD_ASSERT_TRUE(attacker.create_user(attacker_stack.span(), entry, nullptr, Priority{20}, "attacker", domain));
  WARD_ASSERT_TRUE(attacker.start());
  WARD_ASSERT_TRUE(attacker.join(Timeout::after(Duration::s(2))));
  WARD_EXPECT_EQ(progress(), 1u);
  WARD_EXPECT_EQ(faults::count(), before + 1);
  auto r = faults::wait(Timeout::none());
  WARD_ASSERT_TRUE(r.has_value());
  WARD_EXPECT_TRUE(r->thread == &attacker);
  WARD_EXPECT_FALSE(r->restarted);
  WARD_EXPECT_TRUE((kinds & kind(r->kind)) != 0);
  // The system goes on: another user thread runs and calls the kernel.
  constexpr auto entry_89 = +[](void*) { (void)sys::sem_give(bystander_done); };
  WARD_STACK_BOUND_USER_THREAD(bystander_stack, entry_89);
  WARD_ASSERT_TRUE(bystander.create_user(bystander_stack.span(), entry_89,
                                         nullptr, Priority{20}, "bystander", domain));
  WARD_ASSERT_TRUE(grant(bystander_done, bystander));
  WARD_ASSERT_TRUE(bystander.start());
  WARD_EXPECT_TRUE(bystander_done.take(Timeout::after(Duration::s(2))));
  WARD_EXPECT_TRUE(bystander.join(Timeout::after(Duration::s(2))));
}

WARD_TEST(Instructions, Breakpoint) {
  constexpr auto entry_101 = +[](void*) {
    progress() = 1;
    asm volatile("bkpt #0");
    progress() = 2;
  };
  WARD_STACK_BOUND_USER_THREAD(attacker_stack, entry_101);
  expect_contained(entry_101, kind(FaultKind::breakpoint));
}

WARD_TEST(Instructions, SemihostingCall) {
  constexpr auto entry_109 = +[](void*) {
    progress() = 1;
    // SYS_WRITE0 of an empty string: semihosting is for privileged code only.
    static const char nothing[1] = {0};
    register std::uint32_t op asm("r0") = 4;
    register const char* arg asm("r1") = nothing;
    asm volatile("bkpt #0xab" : "+r"(op) : "r"(arg) : "memory");
    progress() = 2;
  };
  WARD_STACK_BOUND_USER_THREAD(attacker_stack, entry_109);
  expect_contained(entry_109, kind(FaultKind::breakpoint));
}

WARD_TEST(Instructions, BranchToNonSecureState) {
  constexpr auto entry_121 = +[](void*) {
    progress() = 1;
    // blxns r0, with r0 = 0 (bit 0 clear: a transition to the non-secure state). Encoded by hand:
    // the assembler accepts it only with -mcmse.
    register std::uint32_t target asm("r0") = 0;
    asm volatile(".inst.n 0x4784" ::"r"(target) : "memory");
    progress() = 2;
  };
  WARD_STACK_BOUND_USER_THREAD(attacker_stack, entry_121);
  expect_contained(entry_121, kNonSecureBranch);
}

WARD_TEST(Instructions, PlainBranchToNonSecureState) {
  constexpr auto entry_132 = +[](void*) {
    progress() = 1;
    // bxns r0, with r0 = 0 (encoded by hand, as above).
    register std::uint32_t target asm("r0") = 0;
    asm volatile(".inst.n 0x4704" ::"r"(target) : "memory");
    progress() = 2;
  };
  WARD_STACK_BOUND_USER_THREAD(attacker_stack, entry_132);
  expect_contained(entry_132, kNonSecureBranch);
}

// Where the kernel runs secure, each of those branches is an exception entry from the non-secure
// state, which stacks (or fails to stack) on a non-secure stack pointer and moves it down. Repeated,
// that walked the non-secure stack pointers down from the secure addresses under 4 GiB into the
// system control space, where the non-secure state writes with privilege: a frame of the thread's
// registers would land in it. They must stay where they are.
WARD_TEST(Instructions, NonSecureStackPointersStayPut) {
  if constexpr (!kTrustZone) {
    auto non_secure_stack_pointers = [] {
      std::uint32_t msp, psp;
      asm volatile("mrs %0, msp_ns\n mrs %1, psp_ns" : "=r"(msp), "=r"(psp));
      return std::uint64_t{msp} << 32 | psp;
    };
    std::uint64_t first = 0;
    for (int round = 0; round < 4; ++round) {
      constexpr auto entry_155 = +[](void*) {
        progress() = 1;
        register std::uint32_t target asm("r0") = 0;
        asm volatile(".inst.n 0x4704" ::"r"(target) : "memory");  // bxns r0
        progress() = 2;
      };
      WARD_STACK_BOUND_USER_THREAD(attacker_stack, entry_155);
      expect_contained(entry_155, kNonSecureBranch);
      if (round == 0) {
        first = non_secure_stack_pointers();
      }
      WARD_EXPECT_EQ(non_secure_stack_pointers(), first);
    }
  }
}

// The HardFault's own frame cannot be stacked: the report can say only that (a stack overflow, as
// for every failed stacking), and the memory under the stack pointer stays as it was.
WARD_TEST(Instructions, BreakpointWithItsStackPointerInKernelMemory) {
  target() = reinterpret_cast<std::uintptr_t>(&kernel_words[48]);
  constexpr auto entry_173 = +[](void*) {
    progress() = 1;
    // ldr, unlike mov, does not check the new stack pointer against the stack limit.
    asm volatile("ldr sp, [%0]\n bkpt #0\n" ::"r"(&target()) : "memory");
    progress() = 2;
  };
  WARD_STACK_BOUND_USER_THREAD(attacker_stack, entry_173);
  expect_contained(entry_173, kind(FaultKind::stack_overflow));
  for (std::uint32_t w : kernel_words) {
    WARD_EXPECT_EQ(w, 0u);
  }
}

// vlstm r0 (encoded by hand: the assembler takes it only with -mcmse), after an FPU instruction:
// VLSTM does nothing without a secure FPU context.
#define WARD_VLSTM_R0 "vmov s0, r1\n vmov s1, r1\n vmov s15, r1\n .inst.w 0xec200a00\n"

WARD_TEST(Instructions, FpuStoreIntoAnotherDomain) {
  target() = reinterpret_cast<std::uintptr_t>(victim_memory.bytes + 32);
  constexpr auto entry_190 = +[](void*) {
    progress() = 1;
    asm volatile("ldr r0, [%0]\n ldr r1, =0x41414141\n" WARD_VLSTM_R0 ::"r"(&target()) : "r0", "r1", "memory");
    progress() = 2;
  };
  WARD_STACK_BOUND_USER_THREAD(attacker_stack, entry_190);
  expect_contained(entry_190, kTrustZone ? kind(FaultKind::usage) : kind(FaultKind::memory_access));
  // The victim, a user thread of the other domain, now uses the FPU: the attacker's save must not
  // fall due with the victim's rights.
  constexpr auto entry_194 = +[](void*) { asm volatile("vmov s4, %0" ::"r"(1u)); };
  WARD_STACK_BOUND_USER_THREAD(victim_stack, entry_194);
  WARD_ASSERT_TRUE(victim.create_user(victim_stack.span(), entry_194,
                                      nullptr, Priority{20}, "victim", victim_domain));
  WARD_ASSERT_TRUE(victim.start());
  WARD_EXPECT_TRUE(victim.join(Timeout::after(Duration::s(2))));
  WARD_EXPECT_EQ(victim.faults(), 0u);
  for (std::size_t i = 0; i < sizeof victim_memory.bytes; i += 4) {
    WARD_EXPECT_EQ(load(victim_memory.bytes + i), 0u);
  }
}

WARD_TEST(Instructions, FpuStoreIntoKernelMemory) {
  target() = reinterpret_cast<std::uintptr_t>(&kernel_words[0]);
  constexpr auto entry_211 = +[](void*) {
    progress() = 1;
    asm volatile("ldr r0, [%0]\n ldr r1, =0x42424242\n" WARD_VLSTM_R0 ::"r"(&target()) : "r0", "r1", "memory");
    progress() = 2;
  };
  WARD_STACK_BOUND_USER_THREAD(attacker_stack, entry_211);
  expect_contained(entry_211, kTrustZone ? kind(FaultKind::usage) : kind(FaultKind::memory_access));
  // The supervisor's own FPU instruction: no save of the attacker's may fall due here.
  volatile float x = 1.5f;
  x = x * 3.0f;
  WARD_EXPECT_TRUE(x == 4.5f);
  for (std::uint32_t w : kernel_words) {
    WARD_EXPECT_EQ(w, 0u);
  }
}

// Guards: the system control space is the kernel's. An unprivileged write there is a bus fault,
// and leaves nothing pending: not the debug monitor (DEMCR.MON_EN, MON_PEND), not an NMI or a
// context switch (ICSR), not an interrupt (STIR, with CCR.USERSETMPEND clear; NVIC ISPR).
WARD_TEST(Instructions, SystemControlSpaceWrites) {
  struct Write {
    std::uintptr_t address;
    std::uint32_t value;
  };
  static constexpr Write kWrites[] = {
      {0xE000EDFC, (1u << 16) | (1u << 17)},  // DEMCR: MON_EN, MON_PEND
      {0xE000ED04, (1u << 31) | (1u << 28)},  // ICSR: NMIPENDSET, PENDSVSET
      {0xE000EF00, 3},                        // STIR: interrupt 3 (TIMER0)
      {0xE000E200, 1u << 3},                  // NVIC ISPR0: interrupt 3
  };
  for (const Write& w : kWrites) {
    target() = static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(&w));
    constexpr auto entry_241 = +[](void*) {
      progress() = 1;
      const auto* write = reinterpret_cast<const Write*>(static_cast<std::uintptr_t>(target()));
      *reinterpret_cast<volatile std::uint32_t*>(write->address) = write->value;
      progress() = 2;
    };
    WARD_STACK_BOUND_USER_THREAD(attacker_stack, entry_241);
    expect_contained(entry_241, kind(FaultKind::bus) | kind(FaultKind::memory_access));
  }
  WARD_EXPECT_EQ(*reinterpret_cast<volatile std::uint32_t*>(0xE000E200) & (1u << 3), 0u);  // ISPR0
}

WARD_TEST(Instructions, BranchToAnExcReturnValue) {
  constexpr auto entry_252 = +[](void*) {
    progress() = 1;
    asm volatile("ldr r0, =0xfffffffd\n bx r0\n" ::: "r0");  // not an exception return in thread mode
    progress() = 2;
  };
  WARD_STACK_BOUND_USER_THREAD(attacker_stack, entry_252);
  expect_contained(entry_252);
}

WARD_TEST(Instructions, BranchToAnFncReturnValue) {
  constexpr auto entry_260 = +[](void*) {
    progress() = 1;
    asm volatile("ldr r0, =0xfeffffff\n bx r0\n" ::: "r0");
    progress() = 2;
  };
  WARD_STACK_BOUND_USER_THREAD(attacker_stack, entry_260);
  expect_contained(entry_260);
}

}  // namespace
