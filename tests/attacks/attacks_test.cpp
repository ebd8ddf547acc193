// Attacks from a user thread, on QEMU. Each test starts an attacker: an unprivileged thread in
// its own domain (one partition, `shared`). The attacker does one bad thing; the test (a
// privileged supervisor) then checks that the thread was stopped, reads the fault report and
// checks what it says, and goes on: the system keeps running through every attack.
//
// SyscallMatrix.* is generated from the system-call declarations (WARD_SYSCALLS): every Handle
// and UserSpan argument of every call is attacked with every class of bad value that applies to
// its type, the other arguments being valid, so a new call gets its attack tests automatically.
#include <cstdint>
#include <cstring>

#include "ward/arch/arm/early_init.hpp"
#include "ward/arch/port.hpp"
#include "ward/isolation.hpp"
#include "ward/kernel.hpp"
#include "ward/kernel/scheduler.hpp"
#include "ward/print.hpp"
#include "ward/stack_bound.hpp"
#include "ward/test.hpp"

namespace {
using namespace ward;

// ---- The system under attack -------------------------------------------------------------------

// What the attacker reads: the attack to perform and its parameters (in its own partition).
struct Orders {
  std::uint32_t call;
  std::uint32_t words[4];
  std::uintptr_t target;  // an address to read, write or jump to
  volatile std::uint32_t progress;  // written by the attacker as it goes
};

struct SharedMemory {
  Orders orders;
  alignas(8) std::uint32_t buffer[16];  // valid user memory for system-call arguments
  std::uint32_t code[4];                // "code" in a data partition: never executable
};
PartitionMemory<((sizeof(SharedMemory) + 31) / 32) * 32> shared_memory;
PartitionMemory<64> other_domain_memory;  // another domain's: the attacker must not reach it
// Also the attacker's, placed after .bss, above every thread stack: a stack pointer aimed here
// passes the hardware stack limit, so only the SVC handler's own check can refuse it.
[[gnu::section(".noinit.attacks")]] PartitionMemory<64> high_memory;

SharedMemory& shared() { return *static_cast<SharedMemory*>(static_cast<void*>(shared_memory.bytes)); }

constexpr Domain<2> attacker_domain{Partition::of(shared_memory, Access::read_write),
                                    Partition::of(high_memory, Access::read_write)};
constexpr Domain<1> other_domain{Partition::of(other_domain_memory, Access::read_write)};

UserThreadStack<1024> attacker_stack;
// The attacker's stack is not bounded: its attacks place the stack pointer off it and inside it on
// purpose (EntryEscapes), which the hardware limit and the MPU must stop (docs/stack-bounds.md).
WARD_STACK_BOUND_UNCHECKED(attacker_stack);
Thread attacker;
UserThreadStack<512> other_stack;
Thread other;  // a user thread of the other domain: the owner of grants the attacker lacks

// Kernel objects: granted to the attacker, granted only to `other`, and withdrawn.
Semaphore sem{0, 10};
Mutex mutex;
Queue<std::uint32_t, 4> queue;
EventFlags events;
Semaphore sem_other{0, 1};
Mutex mutex_other;
Queue<std::uint32_t, 1> queue_other;
EventFlags events_other;
Semaphore sem_gone{0, 1};
Mutex mutex_gone;
Queue<std::uint32_t, 1> queue_gone;
EventFlags events_gone;
// Sockets as the kernel sees them: kernel words registered as sockets (no network stack here).
std::uint32_t socket_mine;
std::uint32_t socket_other;
std::uint32_t socket_gone;

std::uint32_t kernel_secret = 0x5ec2e7;
}  // namespace
extern "C" std::uintptr_t __stack_chk_guard;                 // arch/arm/src/early_init.cpp
extern "C" std::uint8_t __ward_user_ro_end[];                 // arch/arm/cortex_m.ld
namespace {
// UART0, through the alias of the state the kernel runs in (a user thread may touch neither).
constexpr std::uint32_t kUart0 = config::trustzone_ns ? 0x40200000 : 0x50200000;  // kernel data: no user thread may read or write it

std::uintptr_t address(const void* p) { return reinterpret_cast<std::uintptr_t>(p); }

// Starts the attacker at `entry` (after grants) and waits until it has ended, one way or another.
void run_attacker(Thread::Entry entry, FaultPolicy policy = FaultPolicy::stop) {
  WARD_ASSERT_TRUE(attacker.create_user(attacker_stack.span(), entry, &shared().orders, Priority{20}, "attacker",
                                        attacker_domain, policy));
  // Grants need the thread's user id, which the first create_user assigns.
  static bool granted = false;
  if (!granted) {
    granted = true;
    constexpr auto entry_91 = +[](void*) {};
    WARD_STACK_BOUND_USER_THREAD(other_stack, entry_91);
    (void)other.create_user(other_stack.span(), entry_91, nullptr, Priority{5}, "other", other_domain);
    WARD_ASSERT_TRUE(grant(sem, attacker));
    WARD_ASSERT_TRUE(grant(mutex, attacker));
    WARD_ASSERT_TRUE(grant(queue, attacker));
    WARD_ASSERT_TRUE(grant(events, attacker));
    WARD_ASSERT_TRUE(grant(sem_other, other));
    WARD_ASSERT_TRUE(grant(mutex_other, other));
    WARD_ASSERT_TRUE(grant(queue_other, other));
    WARD_ASSERT_TRUE(grant(events_other, other));
    WARD_ASSERT_TRUE(grant(sem_gone, attacker));
    WARD_ASSERT_TRUE(grant(mutex_gone, attacker));
    WARD_ASSERT_TRUE(grant(queue_gone, attacker));
    WARD_ASSERT_TRUE(grant(events_gone, attacker));
    WARD_ASSERT_TRUE(withdraw(sem_gone));
    WARD_ASSERT_TRUE(withdraw(mutex_gone));
    WARD_ASSERT_TRUE(withdraw(queue_gone));
    WARD_ASSERT_TRUE(withdraw(events_gone));
    auto& table = kernel::objects();
    for (std::uint32_t* s : {&socket_mine, &socket_other, &socket_gone}) {
      WARD_ASSERT_TRUE(table.add(s, ObjectType::socket));
    }
    WARD_ASSERT_TRUE(table.grant(&socket_mine, attacker.user_id()));
    WARD_ASSERT_TRUE(table.grant(&socket_other, other.user_id()));
    WARD_ASSERT_TRUE(table.grant(&socket_gone, attacker.user_id()));
    WARD_ASSERT_TRUE(table.withdraw(&socket_gone));
  }
  WARD_ASSERT_TRUE(attacker.start());
  WARD_ASSERT_TRUE(attacker.join(Timeout::after(Duration::s(2))));
}

// The report of the fault the last attack caused (and no other).
FaultReport expect_fault(FaultKind kind) {
  auto r = faults::wait(Timeout::none());
  WARD_EXPECT_TRUE(r.has_value());
  if (!r) {
    return {};
  }
  WARD_EXPECT_EQ(static_cast<int>(r->kind), static_cast<int>(kind));
  WARD_EXPECT_TRUE(r->thread == &attacker);
  WARD_EXPECT_FALSE(faults::wait(Timeout::none()).has_value());  // exactly one report
  return *r;
}

// ---- User-mode code of the attacker (touches only its stack, its partition and flash) ---------

void attack_read(void* p) {
  auto& o = *static_cast<Orders*>(p);
  o.progress = 1;
  o.words[0] = *reinterpret_cast<volatile std::uint32_t*>(o.target);
  o.progress = 2;  // not reached
}

void attack_write(void* p) {
  auto& o = *static_cast<Orders*>(p);
  o.progress = 1;
  *reinterpret_cast<volatile std::uint32_t*>(o.target) = 0xbad;
  o.progress = 2;
}

void attack_jump(void* p) {
  auto& o = *static_cast<Orders*>(p);
  o.progress = 1;
  reinterpret_cast<void (*)()>(o.target | 1)();
  o.progress = 2;
}

void attack_raw_syscall(void* p) {
  auto& o = *static_cast<Orders*>(p);
  o.progress = 1;
  (void)arch::syscall(o.call, o.words[0], o.words[1], o.words[2], o.words[3]);
  o.progress = 2;
}

// ---- Memory attacks ------------------------------------------------------------------------------

void memory_attack(Thread::Entry entry, std::uintptr_t target, FaultKind kind, bool address_reported) {
  shared().orders = Orders{};
  shared().orders.target = target;
  run_attacker(entry);
  WARD_EXPECT_EQ(shared().orders.progress, 1u);  // the faulting access did not complete
  const FaultReport r = expect_fault(kind);
  if (address_reported) {
    WARD_EXPECT_TRUE(r.address_valid);
    WARD_EXPECT_EQ(r.address, static_cast<std::uint32_t>(target));
  }
}

WARD_TEST(MemoryAttacks, ReadsKernelData) {
  memory_attack(&attack_read, address(&kernel_secret), FaultKind::memory_access, true);
}
WARD_TEST(MemoryAttacks, WritesKernelData) {
  memory_attack(&attack_write, address(&kernel_secret), FaultKind::memory_access, true);
  WARD_EXPECT_EQ(kernel_secret, 0x5ec2e7u);
}
WARD_TEST(MemoryAttacks, ReadsTheKernelsThreadTable) {
  memory_attack(&attack_read, address(&ward_switch_state), FaultKind::memory_access, true);
}
WARD_TEST(MemoryAttacks, WritesAnotherThreadsStack) {
  memory_attack(&attack_write, address(other_stack.bytes) + 256, FaultKind::memory_access, true);
}
WARD_TEST(MemoryAttacks, ExecutesKernelData) {
  memory_attack(&attack_jump, address(&kernel_secret) & ~std::uintptr_t{3}, FaultKind::memory_access, false);
}
WARD_TEST(MemoryAttacks, ReadsAnotherDomain) {
  memory_attack(&attack_read, address(other_domain_memory.bytes), FaultKind::memory_access, true);
}
WARD_TEST(MemoryAttacks, WritesAnotherDomain) {
  memory_attack(&attack_write, address(other_domain_memory.bytes) + 8, FaultKind::memory_access, true);
}
WARD_TEST(MemoryAttacks, ReadsPeripheralSpace) {
  memory_attack(&attack_read, kUart0, FaultKind::memory_access, true);  // UART0
}
WARD_TEST(MemoryAttacks, WritesPeripheralSpace) {
  memory_attack(&attack_write, kUart0, FaultKind::memory_access, true);
}
// The stack canary sits alone in MPU region 2 (arch/arm/cortex_m.ld: .ward_user_ro, not loaded
// from the image; early_init writes it): user threads read it (their own protected functions
// compare against it), never write it, not even the region's last word.
WARD_TEST(MemoryAttacks, ReadsButCannotWriteTheStackCanaryRedteam) {
  const std::uintptr_t canary = __stack_chk_guard;
  // Written at boot though its section is not loaded: RAM starts zeroed on QEMU.
  if constexpr (config::stack_canary_random) {
    WARD_EXPECT_NE(canary, std::uintptr_t{0});
    WARD_EXPECT_EQ(canary & 0xffu, std::uintptr_t{0});
  } else {
    WARD_EXPECT_EQ(canary, std::uintptr_t{arm::kFixedStackCanary});
  }
  shared().orders = Orders{};
  shared().orders.target = address(&__stack_chk_guard);
  run_attacker(&attack_read);
  WARD_EXPECT_EQ(shared().orders.progress, 2u);
  WARD_EXPECT_EQ(shared().orders.words[0], static_cast<std::uint32_t>(canary));
  WARD_EXPECT_FALSE(faults::wait(Timeout::none()).has_value());
  memory_attack(&attack_write, address(&__stack_chk_guard), FaultKind::memory_access, true);
  memory_attack(&attack_write, address(__ward_user_ro_end) - 4, FaultKind::memory_access, true);
  WARD_EXPECT_EQ(__stack_chk_guard, canary);
}
WARD_TEST(MemoryAttacks, ReprogramsTheMpu) {
  // The system control space is privileged-only: an unprivileged store is a bus fault.
  shared().orders = Orders{};
  shared().orders.target = 0xE000ED94;  // MPU_CTRL
  run_attacker(&attack_write);
  WARD_EXPECT_EQ(shared().orders.progress, 1u);
  auto r = faults::wait(Timeout::none());
  WARD_ASSERT_TRUE(r.has_value());
  WARD_EXPECT_TRUE(r->kind == FaultKind::bus || r->kind == FaultKind::memory_access);
}
WARD_TEST(MemoryAttacks, JumpsIntoItsOwnData) {
  shared().code[0] = 0xbf00bf00;  // nop; nop: executable if the partition were
  memory_attack(&attack_jump, address(shared().code), FaultKind::memory_access, false);
}
WARD_TEST(MemoryAttacks, CallsKernelCodeDirectly) {
  // Kernel code is readable and executable (it is the same image), but it runs unprivileged and
  // faults at its first access to kernel data.
  shared().orders = Orders{};
  run_attacker([](void* p) {
    static_cast<Orders*>(p)->progress = 1;
    (void)ward::now();  // the kernel's clock, through its private data
    static_cast<Orders*>(p)->progress = 2;
  });
  WARD_EXPECT_EQ(shared().orders.progress, 1u);
  auto r = faults::wait(Timeout::none());
  WARD_ASSERT_TRUE(r.has_value());
  // Its first access is the system timer (bus fault: system space) or kernel data (MPU).
  WARD_EXPECT_TRUE(r->kind == FaultKind::bus || r->kind == FaultKind::memory_access);
}

// ---- Stack attacks ------------------------------------------------------------------------------

[[gnu::noinline]] std::uint32_t recurse(std::uint32_t depth) {
  volatile std::uint32_t pad[16];
  pad[0] = depth;
  return depth == 0 ? pad[0] : recurse(depth + 1) + pad[0];
}

WARD_TEST(StackAttacks, OverflowsItsStack) {
  shared().orders = Orders{};
  run_attacker([](void* p) {
    static_cast<Orders*>(p)->progress = 1;
    static_cast<Orders*>(p)->words[0] = recurse(1);
  });
  const FaultReport r = expect_fault(FaultKind::stack_overflow);
  WARD_EXPECT_NE(r.status, 0u);
}

[[gnu::noinline]] void smash(volatile std::uint32_t& overrun) {
  char buffer[16];
  for (std::size_t i = 0; i < sizeof buffer + overrun; ++i) {
    reinterpret_cast<volatile char*>(buffer)[i] = 'A';
  }
}

WARD_TEST(StackAttacks, SmashesACanary) {
  shared().orders = Orders{};
  run_attacker([](void* p) {
    volatile std::uint32_t room[32] = {};  // the overrun stays inside the stack, hitting the canary
    static_cast<Orders*>(p)->progress = 8 + room[0];
    smash(static_cast<Orders*>(p)->progress);  // 16 + 8 bytes: over the canary
    static_cast<Orders*>(p)->progress = 2;
    static_cast<Orders*>(p)->progress = 2;
  });
  (void)expect_fault(FaultKind::stack_smashed);
}

// ---- Attacks on the system-call entry -----------------------------------------------------------

void raw_call(std::uint32_t call, std::uint32_t w0 = 0, std::uint32_t w1 = 0, std::uint32_t w2 = 0,
              std::uint32_t w3 = 0) {
  shared().orders = Orders{};
  shared().orders.call = call;
  shared().orders.words[0] = w0;
  shared().orders.words[1] = w1;
  shared().orders.words[2] = w2;
  shared().orders.words[3] = w3;
  run_attacker(&attack_raw_syscall);
}

WARD_TEST(SyscallEntry, UnknownCallNumber) {
  raw_call(sys::kCount);
  const FaultReport r = expect_fault(FaultKind::bad_syscall);
  WARD_EXPECT_EQ(r.syscall, static_cast<int>(sys::kCount));
  raw_call(0xFFFFFFFF);
  (void)expect_fault(FaultKind::bad_syscall);
}

template <int N>
void other_svc(void* p) {
  static_cast<Orders*>(p)->progress = 1;
  asm volatile("svc %0" ::"i"(N));
  static_cast<Orders*>(p)->progress = 2;
}

WARD_TEST(SyscallEntry, ReturnTrapFromUserMode) {
  shared().orders = Orders{};
  run_attacker(&other_svc<1>);
  (void)expect_fault(FaultKind::bad_syscall);
}
WARD_TEST(SyscallEntry, ForgedRejectionTrap) {
  shared().orders = Orders{};
  run_attacker(&other_svc<2>);
  (void)expect_fault(FaultKind::bad_syscall);
}
WARD_TEST(SyscallEntry, UnusedSvcNumber) {
  shared().orders = Orders{};
  run_attacker(&other_svc<0x7f>);
  (void)expect_fault(FaultKind::bad_syscall);
}
WARD_TEST(SyscallEntry, StackPointerOutsideItsStack) {
  // The call would run privileged on this stack pointer: it must be the thread's own stack.
  shared().orders = Orders{};
  shared().orders.target = address(high_memory.bytes) + sizeof high_memory.bytes;
  WARD_ASSERT_GT(address(high_memory.bytes), address(attacker_stack.bytes));
  run_attacker([](void* p) {
    auto& o = *static_cast<Orders*>(p);
    o.progress = 1;
    asm volatile(
        "mov r4, sp\n"
        "mov sp, %0\n"
        "movs r12, #0\n"  // yield
        "svc #0\n"
        "mov sp, r4\n" ::"r"(o.target)
        : "r0", "r1", "r2", "r3", "r4", "r12", "lr", "memory");
    o.progress = 2;
  });
  WARD_EXPECT_EQ(shared().orders.progress, 1u);
  (void)expect_fault(FaultKind::bad_syscall);
}

WARD_TEST(SyscallEntry, BufferBelowTheCallersStackPointer) {
  // Its own stack, but below its stack pointer at the trap: where the call's privileged frames go.
  raw_call(sys::time_now.kId, static_cast<std::uint32_t>(address(attacker_stack.bytes)), 1);
  WARD_EXPECT_EQ(shared().orders.progress, 1u);
  const FaultReport r = expect_fault(FaultKind::bad_pointer);
  WARD_EXPECT_EQ(r.syscall, static_cast<int>(sys::time_now.kId));
  WARD_EXPECT_EQ(int{r.argument}, 0);
  WARD_EXPECT_EQ(int{r.detail}, static_cast<int>(UserMemoryError::not_accessible));
}

// ---- Legitimate use, restart policy, and the rest of the system -------------------------------

WARD_TEST(UserThreads, UseTheirGrantedObjects) {
  shared().orders = Orders{};
  run_attacker([](void* p) {
    auto& o = *static_cast<Orders*>(p);
    std::uint64_t t = 0;
    if (!sys::time_now(UserSpan<std::uint64_t>{std::span{&t, 1}})) return;
    if (!sys::sem_give(sem)) return;
    if (!sys::sem_take(sem, UserTimeout::none())) return;
    if (!sys::mutex_lock(mutex, UserTimeout::none())) return;
    if (!sys::mutex_unlock(mutex)) return;
    std::uint32_t item = 0xfeed;
    if (!sys::send(queue, item, UserTimeout::none())) return;
    item = 0;
    if (!sys::receive(queue, item, UserTimeout::none()) || item != 0xfeed) return;
    if (!sys::event_set(events, 0x5)) return;
    auto got = sys::event_wait(events, 0x4, sys::kClearOnExit, UserTimeout::none());
    if (!got || *got != 0x5) return;
    if (!sys::print("user thread: hello through a system call\n")) return;
    if (!sys::sleep_for(UserTimeout::after(Duration::ms(1)))) return;
    o.words[0] = static_cast<std::uint32_t>(t);
    o.progress = 7;
  });
  WARD_EXPECT_EQ(shared().orders.progress, 7u);
  WARD_EXPECT_FALSE(faults::wait(Timeout::none()).has_value());
  WARD_EXPECT_EQ(events.get(), 0x1u);
  // Its calls ran on its kernel stack (the low end of its stack), which must keep room for one
  // exception frame with FPU state (104 bytes) on top of the deepest call.
  const auto kernel = static_cast<std::size_t>(attacker.user_stack().data() - attacker.stack().data());
  const std::size_t used = kernel - attacker.stack_unused();
  print("kernel stack: ", static_cast<unsigned>(used), " of ", static_cast<unsigned>(kernel), " bytes used\n");
  WARD_EXPECT_EQ(kernel, static_cast<std::size_t>(config::syscall_stack_size));
  WARD_EXPECT_GT(used, 0u);
  WARD_EXPECT_LE(used + 104, kernel);
}

WARD_TEST(UserThreads, RestartPolicyStartsTheThreadAgain) {
  shared().orders = Orders{};
  shared().orders.target = address(&kernel_secret);
  constexpr auto entry_409 = +[](void* p) {
      auto& o = *static_cast<Orders*>(p);
      o.words[1] = o.words[1] + 1;  // runs counted in its own memory
      if (o.words[1] < 3) {
        (void)*reinterpret_cast<volatile std::uint32_t*>(o.target);  // faults: restarted
      }
    };
  WARD_ASSERT_TRUE(attacker.create_user(attacker_stack.span(), entry_409, &shared().orders, Priority{20}, "attacker", attacker_domain, FaultPolicy::restart));
  WARD_ASSERT_TRUE(attacker.start());
  WARD_ASSERT_TRUE(attacker.join(Timeout::after(Duration::s(2))));
  WARD_EXPECT_EQ(shared().orders.words[1], 3u);
  for (int i = 0; i < 2; ++i) {
    auto r = faults::wait(Timeout::none());
    WARD_ASSERT_TRUE(r.has_value());
    WARD_EXPECT_TRUE(r->restarted);
  }
}

WARD_TEST(UserThreads, JoinWaitsAcrossRestarts) {
  // A restarted thread has not ended: its joiner waits through both restarts (one after a memory
  // fault, one after a refused call) until the third run returns. Each run sleeps first, so the
  // supervisor gets the CPU while the thread is half-way: a join woken by a restart returns then.
  shared().orders = Orders{};
  shared().orders.target = address(&kernel_secret);
  constexpr auto entry_432 = +[](void* p) {
      auto& o = *static_cast<Orders*>(p);
      o.words[1] = o.words[1] + 1;  // runs counted in its own memory
      (void)sys::sleep_for(UserTimeout::after(Duration::ms(1)));
      if (o.words[1] == 1) {
        (void)*reinterpret_cast<volatile std::uint32_t*>(o.target);  // memory fault: restarted
      } else if (o.words[1] == 2) {
        (void)arch::syscall(sys::kCount, 0, 0, 0, 0);  // refused call: restarted
      }
      o.progress = o.words[1];  // only the third run gets here
    };
  WARD_ASSERT_TRUE(attacker.create_user(attacker_stack.span(), entry_432, &shared().orders, Priority{20}, "attacker", attacker_domain, FaultPolicy::restart));
  WARD_ASSERT_TRUE(attacker.start());
  WARD_EXPECT_TRUE(attacker.join(Timeout::after(Duration::s(2))));
  WARD_EXPECT_TRUE(attacker.state() == ThreadState::dead);
  WARD_EXPECT_EQ(shared().orders.words[1], 3u);
  WARD_EXPECT_EQ(shared().orders.progress, 3u);
  const FaultKind kinds[] = {FaultKind::memory_access, FaultKind::bad_syscall};
  for (FaultKind kind : kinds) {
    auto r = faults::wait(Timeout::none());
    WARD_EXPECT_TRUE(r.has_value());
    if (r) {
      WARD_EXPECT_EQ(static_cast<int>(r->kind), static_cast<int>(kind));
      WARD_EXPECT_TRUE(r->restarted);
    }
  }
  // If join returned early, the attacker still runs: stop it, so the next test starts clean.
  if (attacker.state() != ThreadState::dead) {
    (void)attacker.abort();
  }
  while (faults::wait(Timeout::none()).has_value()) {
  }
}

WARD_TEST(UserThreads, FpuValuesDoNotLeakIntoAUserThread) {
  // A privileged thread leaves a value in s0; a user thread without FPU state must read zero.
  volatile float secret = 1234.5f;
  asm volatile("vmov s0, %0" ::"r"(secret) : "s0");
  shared().orders = Orders{};
  run_attacker([](void* p) {
    std::uint32_t s0;
    asm volatile("vmov %0, s0" : "=r"(s0));
    static_cast<Orders*>(p)->words[0] = s0;
    static_cast<Orders*>(p)->progress = 1;
  });
  WARD_EXPECT_EQ(shared().orders.progress, 1u);
  WARD_EXPECT_EQ(shared().orders.words[0], 0u);
}

WARD_TEST(UserThreads, CallWithFpuStateKeepsIt) {
  // A thread with live FPU state traps with the 104-byte frame: the SVC fast path must accept it
  // (it checks that frame's size against the stack) and the call must not lose s0.
  shared().orders = Orders{};
  run_attacker([](void* p) {
    auto& o = *static_cast<Orders*>(p);
    asm volatile("vmov s0, %0" ::"r"(0x3f800000u) : "s0");  // 1.0f: the thread now has FPU state
    if (!sys::sem_give(sem) || !sys::sem_take(sem, UserTimeout::none())) return;
    std::uint32_t s0;
    asm volatile("vmov %0, s0" : "=r"(s0));
    o.words[0] = s0;
    o.progress = 1;
  });
  WARD_EXPECT_EQ(shared().orders.progress, 1u);
  WARD_EXPECT_EQ(shared().orders.words[0], 0x3f800000u);
  WARD_EXPECT_FALSE(faults::wait(Timeout::none()).has_value());
}

WARD_TEST(UserThreads, HandlerInterruptingThemCallsTheKernelDirectly) {
  // A timer callback (an interrupt handler) runs while a user thread spins, so CONTROL.nPRIV is
  // set: its ward::sys call must still see that it is privileged and call the kernel directly,
  // never trap (an SVC from a handler is a kernel panic).
  shared().orders = Orders{};
  constexpr auto on_timer_503 = +[](Timer& self, void*) {
    volatile Orders& o = shared().orders;
    if (o.progress != 1 || o.words[1] != 0) {
      return;  // the attacker is not spinning yet
    }
    std::uint32_t control;
    asm volatile("mrs %0, control" : "=r"(control));
    o.words[2] = control;  // what the handler sees of the thread it interrupted
    o.words[1] = sys::sem_give(sem) ? 1 : 2;
    self.stop();
  };
  WARD_STACK_BOUND_TIMER(on_timer_503);
  static Timer timer{on_timer_503, nullptr};
  const std::uint32_t before = sem.count();
  WARD_ASSERT_TRUE(timer.start(Duration::ms(1), Duration::ms(1)));
  run_attacker([](void* p) {
    volatile Orders& o = *static_cast<Orders*>(p);
    o.progress = 1;
    while (o.words[1] == 0) {
    }
    o.progress = 2;
  });
  timer.stop();
  WARD_EXPECT_EQ(shared().orders.progress, 2u);
  WARD_EXPECT_EQ(shared().orders.words[1], 1u);
  WARD_EXPECT_EQ(shared().orders.words[2] & 1u, 1u);  // it did interrupt unprivileged code
  WARD_EXPECT_EQ(sem.count(), before + 1);
  WARD_EXPECT_TRUE(sem.try_take());
  WARD_EXPECT_FALSE(faults::wait(Timeout::none()).has_value());
}

WARD_TEST(UserThreads, CallFromTheTopOfItsStack) {
  // The highest frame the fast path accepts: the stack pointer at the very top of the stack, so
  // the frame is the stack's last 32 bytes (one word higher is refused: StackPointerOutside...).
  // Those bytes hold the thread's own first frame: it keeps a copy and puts it back.
  shared().orders = Orders{};
  shared().orders.target = address(attacker_stack.bytes) + sizeof attacker_stack.bytes;
  run_attacker([](void* p) {
    auto& o = *static_cast<Orders*>(p);
    std::uint32_t result;
    asm volatile(
        "sub r5, %[top], #32\n"
        "add r6, r5, #16\n"
        "add r8, %[save], #16\n"
        "ldm r5, {r0-r3}\n"
        "stm %[save], {r0-r3}\n"
        "ldm r6, {r0-r3}\n"
        "stm r8, {r0-r3}\n"
        "mov r4, sp\n"
        "mov sp, %[top]\n"
        "movs r12, #0\n"  // yield
        "svc #0\n"
        "mov sp, r4\n"
        "mov %[result], r0\n"
        "ldm %[save], {r0-r3}\n"
        "stm r5, {r0-r3}\n"
        "ldm r8, {r0-r3}\n"
        "stm r6, {r0-r3}\n"
        : [result] "=r"(result)
        : [top] "r"(o.target), [save] "r"(&shared().buffer[0])
        : "r0", "r1", "r2", "r3", "r4", "r5", "r6", "r8", "r12", "lr", "memory");
    o.words[0] = result;
    o.progress = 1;
  });
  WARD_EXPECT_EQ(shared().orders.progress, 1u);
  WARD_EXPECT_EQ(shared().orders.words[0], 0u);  // the yield succeeded
  WARD_EXPECT_FALSE(faults::wait(Timeout::none()).has_value());
}

// ---- Exception entry with a hostile stack pointer or live FPU state ---------------------------
// Regressions of the escapes of issue 12: each of these stopped the whole system on 7345a2f.

std::uintptr_t user_stack_base() { return address(attacker.user_stack().data()); }

// A system call made with the stack pointer at o.target: r0-r3 from o.words, r12 = o.call. The
// result (r0) goes to shared().buffer[0].
void call_with_stack_pointer(void* p) {
  auto& o = *static_cast<Orders*>(p);
  o.progress = 1;
  std::uint32_t result;
  asm volatile(
      "mov r4, sp\n"
      "ldm %[w], {r0-r3}\n"
      "mov r12, %[call]\n"
      "mov sp, %[sp]\n"
      "svc #0\n"
      "mov sp, r4\n"
      "mov %[result], r0\n"
      : [result] "=r"(result)
      : [w] "r"(o.words), [call] "r"(o.call), [sp] "r"(o.target)
      : "r0", "r1", "r2", "r3", "r4", "r12", "lr", "memory");
  shared().buffer[0] = result;
  o.progress = 2;
}

void call_with_stack_pointer_at(std::uintptr_t sp, std::uint32_t call, std::uint32_t w0 = 0, std::uint32_t w1 = 0) {
  shared().orders = Orders{};
  shared().orders.target = sp;
  shared().orders.call = call;
  shared().orders.words[0] = w0;
  shared().orders.words[1] = w1;
  shared().buffer[0] = 0xdead;
  run_attacker(&call_with_stack_pointer);
}

constexpr char kHello[] = "a call from the bottom of a user stack\n";

WARD_TEST(EntryEscapes, CallWithItsFrameInTheLowest32BytesOfItsStack) {
  // Escape 3: the frame fits exactly at the bottom of the user stack, so the call itself has no
  // room on that stack: the kernel must not run on it. The call works.
  for (std::uintptr_t offset : {32u, 40u, 64u}) {
    call_with_stack_pointer_at(user_stack_base() + offset, 4 /* console_write */, address(kHello), sizeof kHello - 1);
    WARD_EXPECT_EQ(shared().orders.progress, 2u);
    WARD_EXPECT_EQ(shared().buffer[0], 0u);
    WARD_EXPECT_FALSE(faults::wait(Timeout::none()).has_value());
  }
}

WARD_TEST(EntryEscapes, CallWhoseFrameCannotBeStacked) {
  // Escape 4: the stacking of the SVC's own frame faults (below the stack's limit, in kernel RAM,
  // in code): the thread is stopped, and the SVC it left pending must not run after it.
  const std::uintptr_t placements[] = {user_stack_base() + 8, user_stack_base() + 16, user_stack_base() - 32,
                                       (address(&kernel_secret) & ~std::uintptr_t{7}) + 64,
                                       address(&ward_switch_state) + 64};
  for (std::uintptr_t sp : placements) {
    call_with_stack_pointer_at(sp, 0 /* yield */);
    WARD_EXPECT_EQ(shared().orders.progress, 1u);
    auto r = faults::wait(Timeout::none());
    WARD_ASSERT_TRUE(r.has_value());
    WARD_EXPECT_TRUE(r->thread == &attacker);
    WARD_EXPECT_TRUE(r->kind == FaultKind::stack_overflow || r->kind == FaultKind::memory_access ||
                     r->kind == FaultKind::secure_access);
    WARD_EXPECT_FALSE(faults::wait(Timeout::none()).has_value());
  }
}

WARD_TEST(EntryEscapes, CallWithAStackPointerThatIsNotEightByteAligned) {
  // Compiled code makes calls with SP 4 mod 8 (a leaf function that pushed an odd number of
  // registers): the core realigns the frame, and the caller must get its exact stack pointer back.
  shared().orders = Orders{};
  run_attacker([](void* p) {
    auto& o = *static_cast<Orders*>(p);
    std::uint32_t before;
    std::uint32_t after;
    std::uint32_t result;
    asm volatile(
        "mov r4, sp\n"
        "sub sp, sp, #4\n"
        "mov %[before], sp\n"
        "movs r12, #0\n"  // yield
        "svc #0\n"
        "mov %[after], sp\n"
        "mov sp, r4\n"
        "mov %[result], r0\n"
        : [before] "=&r"(before), [after] "=&r"(after), [result] "=&r"(result)
        :
        : "r0", "r1", "r2", "r3", "r4", "r12", "lr", "memory");
    o.words[0] = before;
    o.words[1] = after;
    o.words[2] = result;
    o.progress = 1;
  });
  WARD_EXPECT_EQ(shared().orders.progress, 1u);
  WARD_EXPECT_EQ(shared().orders.words[0] % 8, 4u);
  WARD_EXPECT_EQ(shared().orders.words[1], shared().orders.words[0]);
  WARD_EXPECT_EQ(shared().orders.words[2], 0u);
  WARD_EXPECT_FALSE(faults::wait(Timeout::none()).has_value());
}

// On the TrustZone build, secure RAM and code; on the secure-only build, the kernel's own.
constexpr std::uintptr_t kSecureRamAddress = 0x38001000;
constexpr std::uintptr_t kSecureCodeAddress = 0x10000020;
// On the TrustZone build (7345a2f's layout), a frame here would have its PC word on the secure
// image's stack canary: a secure side that reads the "frame" hands the canary over as the PC.
constexpr std::uintptr_t kSecureCanaryFrame = 0x38004000 - 24 + 32;

WARD_TEST(EntryEscapes, CallWithTheStackPointerInSecureMemory) {
  // Escapes 2 and 5: the frame cannot be stacked there. The secure image must not read it (it
  // used to hand the "stacked PC" it read from secure memory to the non-secure kernel), and the
  // non-secure kernel must not read it either.
  for (std::uintptr_t sp : {kSecureRamAddress, kSecureCodeAddress, kSecureCanaryFrame}) {
    call_with_stack_pointer_at(sp, 0 /* yield */);
    WARD_EXPECT_EQ(shared().orders.progress, 1u);
    auto r = faults::wait(Timeout::none());
    WARD_ASSERT_TRUE(r.has_value());
    WARD_EXPECT_TRUE(r->thread == &attacker);
    WARD_EXPECT_EQ(r->pc, 0u);  // nothing was read from where the frame should have been
    WARD_EXPECT_FALSE(faults::wait(Timeout::none()).has_value());
  }
}

WARD_TEST(EntryEscapes, InterruptWithTheStackPointerInSecureMemory) {
  // Escape 5: the same with an interrupt instead of a call (the timer fires while it spins).
  constexpr auto on_timer_694 = +[](Timer&, void*) {};
  WARD_STACK_BOUND_TIMER(on_timer_694);
  static Timer tick{on_timer_694, nullptr};
  WARD_ASSERT_TRUE(tick.start(Duration::ms(1), Duration::ms(1)));
  for (std::uintptr_t sp : {kSecureRamAddress, kSecureCodeAddress, user_stack_base() + 8}) {
    shared().orders = Orders{};
    shared().orders.target = sp;
    run_attacker([](void* p) {
      auto& o = *static_cast<Orders*>(p);
      o.progress = 1;
      asm volatile(
          "mov sp, %0\n"
          "1: b 1b\n" ::"r"(o.target)
          : "memory");
    });
    WARD_EXPECT_EQ(shared().orders.progress, 1u);
    auto r = faults::wait(Timeout::none());
    WARD_ASSERT_TRUE(r.has_value());
    WARD_EXPECT_TRUE(r->thread == &attacker);
    WARD_EXPECT_EQ(r->pc, 0u);
    WARD_EXPECT_FALSE(faults::wait(Timeout::none()).has_value());
  }
  tick.stop();
}

// The witness's verdict, in its own domain.
volatile std::uint32_t& witness_result() { return *static_cast<volatile std::uint32_t*>(static_cast<void*>(other_domain_memory.bytes)); }

WARD_TEST(EntryEscapes, FaultWithLiveFpuStateLeavesNothingBehind) {
  // Escape 6: the thread faults with live FPU state whose lazy save is still pending, into the
  // dead thread's stack. Whoever uses the FPU next (a user thread of another domain, the
  // supervisor) must not be hit by it.
  shared().orders = Orders{};
  shared().orders.target = address(&kernel_secret);
  run_attacker([](void* p) {
    auto& o = *static_cast<Orders*>(p);
    o.progress = 1;
    asm volatile("vmov s0, %0\n vmov s15, %0" ::"r"(0x40490fdbu) : "s0", "s15");  // live FPU state
    o.words[0] = *reinterpret_cast<volatile std::uint32_t*>(o.target);             // MemManage
    o.progress = 2;
  });
  WARD_EXPECT_EQ(shared().orders.progress, 1u);
  (void)expect_fault(FaultKind::memory_access);
  // An innocent user thread of another domain uses the FPU.
  witness_result() = 0;
  constexpr auto entry_737 = +[](void*) {
    volatile float x = 1.5f;
    for (int i = 0; i < 8; ++i) {
      x = x * 2.0f;
    }
    witness_result() = x == 384.0f ? 1 : 2;
  };
  WARD_STACK_BOUND_USER_THREAD(other_stack, entry_737);
  WARD_ASSERT_TRUE(other.create_user(other_stack.span(), entry_737, nullptr, Priority{20}, "witness", other_domain));
  WARD_ASSERT_TRUE(other.start());
  WARD_ASSERT_TRUE(other.join(Timeout::after(Duration::s(2))));
  WARD_EXPECT_FALSE(faults::wait(Timeout::none()).has_value());
  // And the supervisor itself.
  volatile float y = 3.0f;
  y = y * 0.5f;
  WARD_EXPECT_TRUE(y == 1.5f);
  WARD_EXPECT_EQ(witness_result(), 1u);
}

// ---- A buffer in a device partition ------------------------------------------------------------
// Suspect of issue 12: a system call given a buffer in the caller's device partition made the
// KERNEL touch the device -- and a device access that faults (a bus error, a secure alias seen from
// the non-secure side) then faulted in privileged code: a panic. No system call takes device
// memory as a buffer: the thread is stopped instead (a bad pointer).

// A device range whose access faults: on the TrustZone build the secure alias of UART1, from the
// non-secure side; on the secure-only build, an unimplemented block of the peripheral space.
constexpr std::uintptr_t kFaultingDevice = config::trustzone_ns ? 0x50201000 : 0x4ff00000;
constexpr Domain<2> device_domain{Partition::of(shared_memory, Access::read_write),
                                  Partition::device(kFaultingDevice, 0x1000, Access::read_write)};

WARD_TEST(DeviceMemory, IsNeverASystemCallBuffer) {
  for (std::uint32_t call : {4u /* console_write: reads */, 3u /* time_now: writes */}) {
    shared().orders = Orders{};
    shared().orders.call = call;
    shared().orders.words[0] = static_cast<std::uint32_t>(kFaultingDevice);
    shared().orders.words[1] = call == 3 ? 1 : 16;
    WARD_ASSERT_TRUE(attacker.create_user(attacker_stack.span(), &attack_raw_syscall, &shared().orders,
                                          Priority{20}, "attacker", device_domain));
    WARD_ASSERT_TRUE(attacker.start());
    WARD_ASSERT_TRUE(attacker.join(Timeout::after(Duration::s(2))));
    WARD_EXPECT_EQ(shared().orders.progress, 1u);
    const FaultReport r = expect_fault(FaultKind::bad_pointer);
    WARD_EXPECT_EQ(r.syscall, static_cast<int>(call));
  }
}

// ---- The generated matrix: every call x every checked argument x every attack class -----------

template <class T>
struct Objects;
template <>
struct Objects<Semaphore> {
  static std::uintptr_t granted() { return address(&sem); }
  static std::uintptr_t not_granted() { return address(&sem_other); }
  static std::uintptr_t withdrawn() { return address(&sem_gone); }
  static std::uintptr_t other_type() { return address(&mutex); }
};
template <>
struct Objects<Mutex> {
  static std::uintptr_t granted() { return address(&mutex); }
  static std::uintptr_t not_granted() { return address(&mutex_other); }
  static std::uintptr_t withdrawn() { return address(&mutex_gone); }
  static std::uintptr_t other_type() { return address(&sem); }
};
template <>
struct Objects<kernel::QueueCore> {
  static std::uintptr_t granted() { return address(&queue.core()); }
  static std::uintptr_t not_granted() { return address(&queue_other.core()); }
  static std::uintptr_t withdrawn() { return address(&queue_gone.core()); }
  static std::uintptr_t other_type() { return address(&events); }
};
template <>
struct Objects<EventFlags> {
  static std::uintptr_t granted() { return address(&events); }
  static std::uintptr_t not_granted() { return address(&events_other); }
  static std::uintptr_t withdrawn() { return address(&events_gone); }
  static std::uintptr_t other_type() { return address(&queue.core()); }
};

template <>
struct Objects<Socket> {
  static std::uintptr_t granted() { return address(&socket_mine); }
  static std::uintptr_t not_granted() { return address(&socket_other); }
  static std::uintptr_t withdrawn() { return address(&socket_gone); }
  static std::uintptr_t other_type() { return address(&sem); }
};

// One bad value for an argument, and what the report must say about it.
struct BadValue {
  const char* attack;
  std::uint32_t words[2];
  FaultKind kind;
  std::uint8_t detail;
};

template <class T>
struct Attacks;  // argument types that are not checked: no attacks

template <class T>
struct Attacks<Handle<T>> {
  static constexpr std::size_t kCount = 5;
  static BadValue get(std::size_t i) {
    const auto k = FaultKind::bad_handle;
    auto w = [](std::uintptr_t a) { return static_cast<std::uint32_t>(a); };
    switch (i) {
      case 0: return {"forged handle", {0x12345678, 0}, k, static_cast<std::uint8_t>(HandleError::unknown)};
      case 1: return {"kernel object never registered", {w(address(&kernel_secret)), 0}, k,
                      static_cast<std::uint8_t>(HandleError::unknown)};
      case 2: return {"handle of the wrong type", {w(Objects<T>::other_type()), 0}, k,
                      static_cast<std::uint8_t>(HandleError::wrong_type)};
      case 3: return {"withdrawn (destroyed) handle", {w(Objects<T>::withdrawn()), 0}, k,
                      static_cast<std::uint8_t>(HandleError::unknown)};
      default: return {"handle never granted", {w(Objects<T>::not_granted()), 0}, k,
                       static_cast<std::uint8_t>(HandleError::not_granted)};
    }
  }
  static void valid(std::uint32_t* w) { w[0] = static_cast<std::uint32_t>(Objects<T>::granted()); }
};

template <class T>
struct Attacks<UserSpan<T>> {
  static constexpr bool kAligned = alignof(T) > 1;
  static constexpr std::size_t kCount = kAligned ? 6 : 5;
  static BadValue get(std::size_t i) {
    const auto k = FaultKind::bad_pointer;
    const auto buf = static_cast<std::uint32_t>(address(shared().buffer));
    const auto end = static_cast<std::uint32_t>(address(shared_memory.bytes) + sizeof shared_memory.bytes);
    const auto outside = static_cast<std::uint8_t>(UserMemoryError::not_accessible);
    const auto wraps = static_cast<std::uint8_t>(UserMemoryError::wraps);
    switch (i) {
      case 0: return {"kernel pointer", {static_cast<std::uint32_t>(address(&kernel_secret) & ~std::uintptr_t{7}), 1},
                      k, outside};
      case 1: return {"another domain's memory", {static_cast<std::uint32_t>(address(other_domain_memory.bytes)), 1}, k, outside};
      case 2: return {"buffer partly outside its domain", {end - static_cast<std::uint32_t>(sizeof(T)), 2}, k, outside};
      case 3: return {"pointer + length wraps past 2^32",
                      {0xFFFFFFFFu & ~static_cast<std::uint32_t>(alignof(T) - 1), 64 / sizeof(T) + 1}, k, wraps};
      case 4: return {"peripheral space", {kUart0, 1}, k, outside};
      default: return {"unaligned pointer", {buf + 1, 1}, k, static_cast<std::uint8_t>(UserMemoryError::unaligned)};
    }
  }
  static void valid(std::uint32_t* w) {
    w[0] = static_cast<std::uint32_t>(address(shared().buffer));
    w[1] = 1;
  }
};

template <class T>
concept Attackable = requires { Attacks<T>::kCount; };

template <class T>
void valid_words(std::uint32_t* w) {
  if constexpr (Attackable<T>) {
    Attacks<T>::valid(w);
  } else {
    w[0] = 0;  // timeouts: no wait; plain values: zero
  }
}

template <class Call>
constexpr std::size_t cells_of() {
  return []<std::size_t... I>(std::index_sequence<I...>) {
    return (std::size_t{0} + ... + [] {
      using Arg = std::tuple_element_t<I, typename Call::Args>;
      if constexpr (Attackable<Arg>) {
        return Attacks<Arg>::kCount;
      } else {
        return std::size_t{0};
      }
    }());
  }(std::make_index_sequence<Call::kArgs>{});
}

#define WARD_COUNT_CELLS(number, name, signature, implementation) +cells_of<Syscall<number, signature>>()
constexpr std::size_t kMatrixCells = 0 WARD_SYSCALLS(WARD_COUNT_CELLS);

std::size_t cells = 0;

template <class Call, std::size_t Target>
void attack_argument(const char* call_name) {
  using Arg = std::tuple_element_t<Target, typename Call::Args>;
  if constexpr (Attackable<Arg>) {
    for (std::size_t a = 0; a < Attacks<Arg>::kCount; ++a) {
      const BadValue bad = Attacks<Arg>::get(a);
      std::uint32_t words[4] = {};
      [&]<std::size_t... I>(std::index_sequence<I...>) {
        (valid_words<std::tuple_element_t<I, typename Call::Args>>(words + Call::kOffsets[I]), ...);
      }(std::make_index_sequence<Call::kArgs>{});
      for (std::size_t j = 0; j < kernel::ArgTraits<Arg>::kWords; ++j) {
        words[Call::kOffsets[Target] + j] = bad.words[j];
      }
      raw_call(Call::kId, words[0], words[1], words[2], words[3]);
      ++cells;
      const FaultReport r = expect_fault(bad.kind);
      const bool ok = shared().orders.progress == 1 && r.syscall == static_cast<int>(Call::kId) &&
                      r.argument == static_cast<int>(Target) && r.detail == bad.detail;
      print("  ", call_name, " argument ", static_cast<int>(Target), ", ", bad.attack, ": ",
            ok ? "caught" : "NOT CAUGHT", '\n');
      WARD_EXPECT_TRUE(ok);
    }
  }
}

template <class Call>
void attack_call(const char* name) {
  const std::size_t before = cells;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (attack_argument<Call, I>(name), ...);
  }(std::make_index_sequence<Call::kArgs>{});
  WARD_EXPECT_EQ(cells - before, cells_of<Call>());  // every cell of this call ran
}

#define WARD_ATTACK_CALL(number, name, signature, implementation) \
  WARD_TEST(SyscallMatrix, name) { attack_call<Syscall<number, signature>>(#name); }
WARD_SYSCALLS(WARD_ATTACK_CALL)

WARD_TEST(SyscallMatrix, CoversEveryCheckedArgument) {
  print("syscall attack matrix: ", static_cast<unsigned>(kMatrixCells), " cells over ",
        static_cast<unsigned>(sys::kCount), " calls\n");
  // Every call with a handle or a buffer has cells: 18 of the 23 calls today.
  WARD_EXPECT_GE(kMatrixCells, 60u);
}

}  // namespace
