// Firmware images that misbehave on purpose, one behaviour per image (chosen by a macro), so the
// runner's own tests can show that each misbehaviour fails the run.
#include <cstddef>
#include <cstdint>

#include "ward/test.hpp"

#if defined(WARD_SELFTEST_PASS)
WARD_TEST(RunnerSelftest, Passes) { WARD_EXPECT_EQ(2 + 2, 4); }

#elif defined(WARD_SELFTEST_FAILED_ASSERTION)
WARD_TEST(RunnerSelftest, PassesFirst) { WARD_EXPECT_TRUE(true); }
WARD_TEST(RunnerSelftest, FailsOnPurpose) {
  const int answer = 41;
  WARD_ASSERT_EQ(answer, 42);
}

#elif defined(WARD_SELFTEST_HANG)
WARD_TEST(RunnerSelftest, Hangs) {
  volatile bool forever = true;
  while (forever) {
  }
}

#elif defined(WARD_SELFTEST_FAULT)
WARD_TEST(RunnerSelftest, ExecutesAnUndefinedInstruction) { asm volatile("udf #0"); }

#elif defined(WARD_SELFTEST_REBOOT)
WARD_TEST(RunnerSelftest, Reboots) {
  // SYSRESETREQ: QEMU resets the core and the image boots again.
  *reinterpret_cast<volatile std::uint32_t*>(0xE000ED0C) = 0x05FA0004;
  for (;;) {
  }
}

#elif defined(WARD_SELFTEST_STACK_SMASH)
namespace {
volatile std::size_t overrun = 24;  // volatile: the compiler cannot see the overflow coming
[[gnu::noinline]] void smash() {
  char buffer[16];
  for (std::size_t i = 0; i < sizeof buffer + overrun; ++i) {
    reinterpret_cast<volatile char*>(buffer)[i] = 'A';
  }
}
}  // namespace
WARD_TEST(RunnerSelftest, SmashesItsStack) { smash(); }

#elif defined(WARD_SELFTEST_PANIC) || defined(WARD_SELFTEST_PANIC_TERSE)
#include "ward/panic.hpp"
namespace {
volatile bool broken = true;  // volatile: the check cannot be folded away
}
// The terse image is built with CONFIG_WARD_ASSERT_MESSAGES=n: the check must still stop the
// system and say where it failed.
WARD_TEST(RunnerSelftest, BreaksAKernelInvariant) { ward::kassert(!broken, "selftest invariant"); }

#elif defined(WARD_SELFTEST_ARGS)
#include <string_view>

#include "ward/board.hpp"
// The runner's --arg values reach the firmware's semihosting command line (SYS_GET_CMDLINE),
// after the image's name, a comma inside one included.
WARD_TEST(RunnerSelftest, ReadsItsArguments) {
  const std::string_view line = ward::board::command_line();
  ward::test::report("command line: ");
  ward::test::report(line);
  ward::test::report("\n");
  WARD_EXPECT_TRUE(line.ends_with("runner_args.elf --first --second=a,b"));
}

#elif defined(WARD_SELFTEST_EMPTY)
// No test case at all: an image that runs nothing must not pass.

#else
#error "define one WARD_SELFTEST_* behaviour"
#endif
