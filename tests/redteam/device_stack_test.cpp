// Red team: a user thread whose domain holds a device partition where the bus answers with an error
// (the kind of "device range that faults" DeviceMemory.IsNeverASystemCallBuffer declares) aims its
// stack pointer into that partition and takes an exception. The core's stacking of the frame gets a
// bus error; the BusFault stays Secure (AIRCR.BFHFNMINS = 0), so ward_secure_fault runs. It reads
// the "frame" for the report's PC after a TT check -- and the TT check passes: the range is
// non-secure (SAU region 3) and the thread's own MPU view allows it (its device partition). The
// read gets the same bus error, in the secure fault handler: "fault in the secure image", and the
// secure image halts the machine. The non-secure kernel does this right (it reads a frame only in
// the thread's own stack); the secure side decides from TT alone, which cannot see a bus error.
// The test expects the thread to be stopped with a report, and everyone else to go on.
#include <cstdint>

#include "ward/isolation.hpp"
#include "ward/kernel.hpp"
#include "ward/print.hpp"
#include "ward/stack_bound.hpp"
#include "ward/test.hpp"

namespace {
using namespace ward;

// Non-secure peripheral space with nothing mapped (QEMU's "info mtree"): every access bus-errors.
constexpr std::uintptr_t kFaultingDevice = 0x4ff00000;

PartitionMemory<64> attacker_memory;
constexpr Domain<2> device_domain{Partition::of(attacker_memory, Access::read_write),
                                  Partition::device(kFaultingDevice, 0x1000, Access::read_write)};
UserThreadStack<1024> attacker_stack;
// Its thread moves its stack pointer into a device on purpose (the attack): no bound holds it.
WARD_STACK_BOUND_UNCHECKED(attacker_stack);
Thread attacker;

volatile std::uint32_t& progress() { return *static_cast<volatile std::uint32_t*>(static_cast<void*>(attacker_memory.bytes)); }

// Its stack pointer in the middle of the faulting device, then an exception: a system call.
void svc_on_a_faulting_device(void*) {
  progress() = 1;
  asm volatile(
      "mov r4, sp\n"
      "mov sp, %0\n"
      "movs r12, #0\n"  // yield
      "svc #0\n"
      "mov sp, r4\n" ::"r"(kFaultingDevice + 0x800)
      : "r0", "r1", "r2", "r3", "r4", "r12", "lr", "memory");
  progress() = 2;
}

// The same device read directly: an ordinary bus fault of the thread's own (control).
void read_the_faulting_device(void*) {
  progress() = 1;
  (void)*reinterpret_cast<volatile std::uint32_t*>(kFaultingDevice);
  progress() = 2;
}

void run(Thread::Entry entry) {
  progress() = 0;
  WARD_ASSERT_TRUE(attacker.create_user(attacker_stack.span(), entry, nullptr, Priority{20}, "attacker",
                                        device_domain));
  WARD_ASSERT_TRUE(attacker.start());
  WARD_ASSERT_TRUE(attacker.join(Timeout::after(Duration::s(2))));
  WARD_EXPECT_EQ(progress(), 1u);
  const auto r = faults::wait(Timeout::none());
  WARD_EXPECT_TRUE(r.has_value());
  if (r) {
    print("attacker stopped: kind ", static_cast<int>(r->kind), "\n");
    WARD_EXPECT_TRUE(r->thread == &attacker);
  }
}

// (Registered last: runs first.)
WARD_TEST(DeviceStack, AnExceptionStackedOntoTheFaultingDeviceIsContained) { run(&svc_on_a_faulting_device); }

WARD_TEST(DeviceStack, ADirectReadOfTheFaultingDeviceIsContained) { run(&read_the_faulting_device); }

}  // namespace
