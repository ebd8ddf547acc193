// The device side of `./ward bench-mgmt` (bench.hpp).
#include "bench.hpp"

#include <atomic>

#include "ward/kernel.hpp"
#include "ward/print.hpp"
#include "ward/stack_bound.hpp"

namespace ward::mgmt_bench {
namespace {

// CMSDK APB TIMER1, non-secure alias (the secure image gives TIMER1 to the non-secure world, as
// for samples/kernel_bench).
struct CmsdkTimer {
  volatile std::uint32_t ctrl, value, reload, intstatus;
};
constexpr std::uintptr_t kTimer1 = 0x40001000;
CmsdkTimer& timer1() { return *reinterpret_cast<CmsdkTimer*>(kTimer1); }
std::uint32_t ticks() { return timer1().value; }  // counts down; wraps after 2^32 ticks (214 s virtual)

constexpr std::uint32_t kCalibrationInstructions = 2'000'000;
// One spin: a 2-instruction loop run this many times, so that the 32-bit count of spins wraps
// only after about 2^32 * 34 instructions.
constexpr std::uint32_t kSpinLoop = 16;

// Written by the spinner only; read by the SMP thread (an aligned 32-bit load: never torn).
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
  // The spinner's rate when the device has nothing else to do (the other threads' periodic work and
  // the ticks included: that background is what the rate subtracts later).
  const std::uint32_t s1 = spins.load(std::memory_order_relaxed);
  const std::uint32_t t1 = ticks();
  (void)this_thread::sleep_for(Duration::s(1));
  const std::uint32_t t2 = ticks();
  const std::uint32_t s2 = spins.load(std::memory_order_relaxed);
  print("bench: calibration ", kCalibrationInstructions, " instructions = ", loop_ticks, " ticks; idle ", s2 - s1,
        " spins in ", t1 - t2, " ticks\n");
  return true;
}

mgmt::ImageError MeasuredSink::begin(const mgmt::UploadStart& start, std::uint32_t& resume_at) {
  length_ = start.length;
  spins_ = spins.load(std::memory_order_relaxed);
  ticks_ = ticks();
  return inner_.begin(start, resume_at);
}

mgmt::ImageError MeasuredSink::write(std::uint32_t offset, std::span<const std::byte> data) {
  return inner_.write(offset, data);
}

mgmt::ImageError MeasuredSink::finish() {
  const mgmt::ImageError e = inner_.finish();
  const std::uint32_t t = ticks();
  const std::uint32_t s = spins.load(std::memory_order_relaxed);
  print("bench: upload ", length_, " bytes in ", ticks_ - t, " ticks, ", s - spins_, " spins, ",
        e == mgmt::ImageError::ok ? "accepted" : "refused", '\n');
  return e;
}

void MeasuredSink::abort() { inner_.abort(); }

}  // namespace ward::mgmt_bench
