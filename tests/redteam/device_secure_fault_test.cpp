// Red team: the secure fault handler decides from the faulting thread's exception frame whether the
// non-secure side was running a thread (frame xPSR's IPSR == 0) or a handler -- the kernel, whose
// faults are fatal. The frame lies where the thread aimed its stack pointer; the TT check shows
// only that the thread could read there. A user thread whose domain holds a device partition that
// takes the core's stacking but does not read back what was written (the IoTKit system
// information block: identification registers, writes ignored) aims its stack pointer so that the
// frame's xPSR falls on an identification register (IPSR field 0xb8), then touches secure RAM. The
// SecureFault's frame is "stacked" (the writes are ignored), the secure handler reads xPSR = an ID
// value, concludes that a non-secure HANDLER faulted -- "non-secure kernel fault" -- and halts the
// machine. No bus error needed (compare redteam_device_stack). TrustZone build only.
// The test expects the thread to be stopped with a report, and everyone else to go on.
#include <cstdint>

#include "ward/isolation.hpp"
#include "ward/kernel.hpp"
#include "ward/print.hpp"
#include "ward/stack_bound.hpp"
#include "ward/test.hpp"

namespace {
using namespace ward;

constexpr std::uintptr_t kSysInfo = 0x40020000;
constexpr std::uintptr_t kSecureRam = 0x38000000;

PartitionMemory<64> attacker_memory;
constexpr Domain<2> sysinfo_domain{Partition::of(attacker_memory, Access::read_write),
                                   Partition::device(kSysInfo, 0x1000, Access::read_write)};
UserThreadStack<1024> attacker_stack;
// Its thread moves its stack pointer into a device on purpose (the attack): no bound holds it.
WARD_STACK_BOUND_UNCHECKED(attacker_stack);
Thread attacker;

volatile std::uint32_t& progress() {
  return *static_cast<volatile std::uint32_t*>(static_cast<void*>(attacker_memory.bytes));
}

template <std::uintptr_t kOffset>
void secure_access_with_the_stack_in_the_device(void*) {
  progress() = 1;
  asm volatile(
      "mov r4, sp\n"
      "mov sp, %0\n"
      "ldr r0, [%1]\n"
      "mov sp, r4\n" ::"r"(kSysInfo + kOffset),
      "r"(kSecureRam)
      : "r0", "r4", "memory");
  progress() = 2;
}

void run(Thread::Entry entry) {
  (void)faults::wait(Timeout::none());
  progress() = 0;
  WARD_ASSERT_TRUE(attacker.create_user(attacker_stack.span(), entry, nullptr, Priority{20}, "attacker",
                                        sysinfo_domain));
  WARD_ASSERT_TRUE(attacker.start());
  WARD_ASSERT_TRUE(attacker.join(Timeout::after(Duration::s(2))));
  WARD_EXPECT_EQ(progress(), 1u);
  const auto r = faults::wait(Timeout::none());
  WARD_ASSERT_TRUE(r.has_value());
  print("attacker stopped: kind ", static_cast<int>(r->kind), ", pc ", fmt::hex(r->pc), "\n");
  WARD_EXPECT_TRUE(r->thread == &attacker);
}

// Registered in reverse: the last runs first. Control: the frame on the reserved block (zeros).
WARD_TEST(DeviceSecureFault, AFrameWhoseXpsrNamesAnExceptionIsStillTheThreads) {
  run(&secure_access_with_the_stack_in_the_device<0xfe8>);
}
WARD_TEST(DeviceSecureFault, AFrameOfZerosIsTheThreads) { run(&secure_access_with_the_stack_in_the_device<0x800>); }

}  // namespace
