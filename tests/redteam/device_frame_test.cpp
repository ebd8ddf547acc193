// Red team: the SVC handler's slow path reads the caller's exception frame before it checks where
// that frame is. ward_svc_dispatch (arch/arm/src/syscall_entry.cpp) takes the frame at the thread's
// stack pointer and, first thing, reads frame->pc and then the byte at pc - 2 (the svc number),
// with the kernel's privilege; only afterwards does case 0 ask whether the frame lies in the
// thread's own stack. A frame the core could stack is one the thread could write -- but not one
// that reads back what was written: in a DEVICE partition of its own, granted read-write, the
// "frame" is whatever the device's registers return. Here the thread aims its stack pointer at a
// reserved block of a timer (reads as zero, writes ignored) and traps: the kernel reads the device
// on the thread's behalf (docs/isolation.md: "the kernel does not touch a device on a thread's
// behalf"), gets pc = 0, and reads the byte at 0xfffffffe in handler mode -- a fault in the
// kernel: the whole system stops. With a register that reads back a value the thread can set,
// the same read is a one-byte privileged read oracle (the byte ends up in the fault report).
// The test expects the thread to be stopped as a bad system call, and everyone else to go on.
#include <cstdint>

#include "ward/isolation.hpp"
#include "ward/kernel.hpp"
#include "ward/print.hpp"
#include "ward/stack_bound.hpp"
#include "ward/test.hpp"

namespace {
using namespace ward;

// TIMER1 (CMSDK APB timer, opened to the non-secure side by the secure image; unused by Ward). Its
// offsets 0x10-0xfcf are reserved: they read as zero and ignore writes.
constexpr std::uintptr_t kTimer1 = 0x40001000;
constexpr std::uintptr_t kStackPointer = kTimer1 + 0x800;  // the frame lands in the reserved block

PartitionMemory<64> attacker_memory;
constexpr Domain<2> timer_domain{Partition::of(attacker_memory, Access::read_write),
                                 Partition::device(kTimer1, 0x1000, Access::read_write)};
UserThreadStack<1024> attacker_stack;
// Its thread moves its stack pointer into a device on purpose (the attack): no bound holds it.
WARD_STACK_BOUND_UNCHECKED(attacker_stack);
Thread attacker;

volatile std::uint32_t& progress() {
  return *static_cast<volatile std::uint32_t*>(static_cast<void*>(attacker_memory.bytes));
}

void svc_with_a_frame_in_the_timer(void*) {
  progress() = 1;
  asm volatile(
      "mov r4, sp\n"
      "mov sp, %0\n"
      "movs r12, #0\n"  // yield
      "svc #0\n"
      "mov sp, r4\n" ::"r"(kStackPointer)
      : "r0", "r1", "r2", "r3", "r4", "r12", "lr", "memory");
  progress() = 2;
}

WARD_TEST(DeviceFrame, ASystemCallWithItsFrameInADeviceIsRefused) {
  progress() = 0;
  WARD_ASSERT_TRUE(attacker.create_user(attacker_stack.span(), &svc_with_a_frame_in_the_timer, nullptr, Priority{20},
                                        "attacker", timer_domain));
  WARD_ASSERT_TRUE(attacker.start());
  WARD_ASSERT_TRUE(attacker.join(Timeout::after(Duration::s(2))));
  WARD_EXPECT_EQ(progress(), 1u);
  const auto r = faults::wait(Timeout::none());
  WARD_ASSERT_TRUE(r.has_value());
  print("attacker stopped: kind ", static_cast<int>(r->kind), ", pc ", fmt::hex(r->pc), "\n");
  WARD_EXPECT_TRUE(r->thread == &attacker);
  WARD_EXPECT_EQ(static_cast<int>(r->kind), static_cast<int>(FaultKind::bad_syscall));
}

}  // namespace
