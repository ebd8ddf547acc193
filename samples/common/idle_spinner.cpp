// The idle spinner of the device-side benchmarks (idle_spinner.hpp).
#include "idle_spinner.hpp"

#include <atomic>

#include "ward/kernel.hpp"
#include "ward/print.hpp"
#include "ward/stack_bound.hpp"

namespace ward::idle_spinner {
namespace {

// CMSDK APB TIMER1, non-secure alias (the secure image gives TIMER1 to the non-secure world).
struct CmsdkTimer {
  volatile std::uint32_t ctrl, value, reload, intstatus;
};
constexpr std::uintptr_t kTimer1 = 0x40001000;
CmsdkTimer& timer1() { return *reinterpret_cast<CmsdkTimer*>(kTimer1); }
std::uint32_t ticks() { return timer1().value; }  // counts down; wraps after 2^32 ticks (214 s virtual)

constexpr std::uint32_t kCalibrationInstructions = 2'000'000;
constexpr std::uint32_t kSpinLoop = 16;  // a spin: this many 2-instruction loops

// Written by the spinner only; read by the measuring thread (an aligned 32-bit load).
std::atomic<std::uint32_t> spins{0};

void loop(std::uint32_t n) {
  asm volatile(
      "1: subs %0, %0, #1\n"
      "   bne 1b\n"
      : "+r"(n)::"cc");
}

void spin(void* /*arg*/) {
  for (;;) {
    loop(kSpinLoop);
    spins.store(spins.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
}

ThreadStack<512> spinner_stack;
Thread spinner;
WARD_STACK_BOUND_THREAD(spinner_stack, spin);

}  // namespace

bool start() {
  timer1().ctrl = 0;
  timer1().reload = 0xFFFFFFFF;
  timer1().value = 0xFFFFFFFF;
  timer1().ctrl = 1;
  const std::uint32_t t0 = ticks();
  loop(kCalibrationInstructions / 2);
  const std::uint32_t loop_ticks = t0 - ticks();
  if (loop_ticks == 0) {
    print("bench: TIMER1 does not count\n");
    return false;
  }
  if (!spinner.start(spinner_stack.span(), &spin, nullptr, Priority{1}, "spin")) {
    print("bench: the spinner did not start\n");
    return false;
  }
  const Mark m1 = mark();
  (void)this_thread::sleep_for(Duration::s(1));
  const Mark m2 = mark();
  print("bench: calibration ", kCalibrationInstructions, " instructions = ", loop_ticks, " ticks; idle ",
        m2.spins - m1.spins, " spins in ", m1.ticks - m2.ticks, " ticks\n");
  return true;
}

Mark mark() { return {ticks(), spins.load(std::memory_order_relaxed)}; }

void report(const char* name, std::uint32_t bytes, const Mark& since) {
  const Mark m = mark();
  print("bench: ", name, " ", bytes, " bytes in ", since.ticks - m.ticks, " ticks, ", m.spins - since.spins,
        " spins\n");
}

}  // namespace ward::idle_spinner
