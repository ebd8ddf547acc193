// Red team, held (green): a user thread parks its stack pointer in a device partition of its own
// that accepts the core's stacking but does not read back what was written (the IoTKit system
// information block: read-only identification registers, writes ignored, no PPC), then spins until
// an interrupt and the context switch take it off the core and put it back. The exception return
// unstacks a "frame" of identification values: a pc without the Thumb bit and an xPSR whose IPSR
// field is not zero (an exception return to thread mode that the core refuses, INVPC). Whatever
// the core makes of it must be the thread's own fault: it is contained, and everyone goes on.
// (The SVC path with a frame in a device is redteam_device_frame; a device that bus-errors is
// redteam_device_stack.)
#include <cstdint>

#include "ward/isolation.hpp"
#include "ward/kernel.hpp"
#include "ward/print.hpp"
#include "ward/stack_bound.hpp"
#include "ward/test.hpp"

namespace {
using namespace ward;

constexpr std::uintptr_t kSysInfo = 0x40020000;

PartitionMemory<64> attacker_memory;
constexpr Domain<2> sysinfo_domain{Partition::of(attacker_memory, Access::read_write),
                                   Partition::device(kSysInfo, 0x1000, Access::read_write)};
UserThreadStack<1024> attacker_stack, bystander_stack;
// Its thread moves its stack pointer into a device on purpose (the attack): no bound holds it.
WARD_STACK_BOUND_UNCHECKED(attacker_stack);
Thread attacker, bystander;
Semaphore bystander_done{0, 1};

volatile std::uint32_t& progress() {
  return *static_cast<volatile std::uint32_t*>(static_cast<void*>(attacker_memory.bytes));
}

template <std::uintptr_t kOffset>
void spin_with_the_stack_in_the_device(void*) {
  progress() = 1;
  asm volatile(
      "mov sp, %0\n"
      "1: b 1b\n" ::"r"(kSysInfo + kOffset)
      : "memory");
}

void run(Thread::Entry entry) {
  (void)faults::wait(Timeout::none());
  progress() = 0;
  WARD_ASSERT_TRUE(attacker.create_user(attacker_stack.span(), entry, nullptr, Priority{5}, "attacker",
                                        sysinfo_domain));
  WARD_ASSERT_TRUE(attacker.start());
  // Let it be interrupted and switched out and in again a few times.
  for (int i = 0; i < 5; ++i) {
    WARD_ASSERT_TRUE(this_thread::sleep_for(Duration::ms(3)));
  }
  WARD_EXPECT_TRUE(attacker.join(Timeout::after(Duration::ms(500))));
  WARD_EXPECT_EQ(progress(), 1u);
  const auto r = faults::wait(Timeout::none());
  WARD_EXPECT_TRUE(r.has_value());
  if (r) {
    print("attacker stopped: kind ", static_cast<int>(r->kind), ", status ", fmt::hex(r->status), "\n");
    WARD_EXPECT_TRUE(r->thread == &attacker);
  } else {
    (void)attacker.abort();
    (void)attacker.join(Timeout::after(Duration::ms(500)));
  }
  constexpr auto entry_63 = +[](void*) { (void)sys::sem_give(bystander_done); };
  WARD_STACK_BOUND_USER_THREAD(bystander_stack, entry_63);
  WARD_ASSERT_TRUE(bystander.create_user(bystander_stack.span(), entry_63,
                                         nullptr, Priority{20}, "bystander", sysinfo_domain));
  WARD_ASSERT_TRUE(grant(bystander_done, bystander));
  WARD_ASSERT_TRUE(bystander.start());
  WARD_EXPECT_TRUE(bystander_done.take(Timeout::after(Duration::s(2))));
  WARD_EXPECT_TRUE(bystander.join(Timeout::after(Duration::s(2))));
}

// The frame's xPSR on an identification register (IPSR != 0), and on the zeros of the reserved block.
WARD_TEST(DeviceResume, AFrameOfIdentificationRegistersIsTheThreadsFault) {
  run(&spin_with_the_stack_in_the_device<0xfe8>);
}
WARD_TEST(DeviceResume, AFrameOfZerosIsTheThreadsFault) { run(&spin_with_the_stack_in_the_device<0x800>); }

}  // namespace
