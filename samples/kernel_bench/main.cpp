// kernel_bench: the four kernel benchmarks of the team's bench/METHOD.md, exactly as specified.
//
// Run under QEMU with -icount shift=0, where one guest instruction advances virtual time by 1 ns,
// so the figures are instructions per operation (path length, not cycles). Time is read from the
// SSE-200's CMSDK TIMER1 (20 MHz, free-running down-counter), calibrated in every run with a loop
// of known length. Each benchmark runs 1,000 warm-up iterations, then N = 100,000 measured ones.
// Counters check every hand-off (each give woke the taker, each queue item arrived intact), so a
// broken kernel cannot post a fast number: any mismatch is printed and fails the run.
#include <cstdint>

#include "ward/config.hpp"
#include "ward/kernel.hpp"
#include "ward/print.hpp"

namespace {
using namespace ward;

constexpr std::uint32_t kWarmup = 1'000;
constexpr std::uint32_t kIterations = 100'000;
constexpr std::uint32_t kCalibrationInstructions = 2'000'000;

// CMSDK APB TIMER1, secure alias (Ward runs secure on this board for now).
struct CmsdkTimer {
  volatile std::uint32_t ctrl, value, reload, intstatus;
};
CmsdkTimer& timer1 = *reinterpret_cast<CmsdkTimer*>(0x50001000);

std::uint32_t ticks() { return timer1.value; }  // counts down
void start_timer() {
  timer1.ctrl = 0;
  timer1.reload = 0xFFFFFFFF;
  timer1.value = 0xFFFFFFFF;
  timer1.ctrl = 1;
}

// Timer ticks taken by exactly kCalibrationInstructions instructions (a 2-instruction loop).
std::uint32_t calibrate() {
  const std::uint32_t start = ticks();
  std::uint32_t n = kCalibrationInstructions / 2;
  asm volatile(
      "1: subs %0, %0, #1\n"
      "   bne 1b\n"
      : "+r"(n)::"cc");
  return start - ticks();
}

std::uint32_t calibration_ticks = 0;
std::uint32_t errors = 0;

// Instructions per operation, times 10 (one decimal).
std::uint64_t per_op_x10(std::uint32_t elapsed_ticks) {
  return (std::uint64_t{elapsed_ticks} * kCalibrationInstructions * 10) /
         (std::uint64_t{calibration_ticks} * kIterations);
}

ThreadStack<1024> stack_a, stack_b;
Thread thread_a, thread_b;
std::uint32_t measured_ticks = 0;

void check(bool ok, const char* what) {
  if (!ok) {
    ++errors;
    print("  verification failed: ", what, '\n');
  }
}

// ---- yield_rt: two equal-priority threads yielding to each other; op = round trip ------------
volatile int turn = 0;
void yield_worker(void* arg) {
  const int me = arg == nullptr ? 0 : 1;
  std::uint32_t out_of_turn = 0;
  std::uint32_t t0 = 0;
  for (std::uint32_t i = 0; i < kWarmup + kIterations; ++i) {
    if (me == 0 && i == kWarmup) {
      t0 = ticks();
    }
    out_of_turn += turn != me ? 1 : 0;
    turn = 1 - me;
    this_thread::yield();
  }
  if (me == 0) {
    measured_ticks = t0 - ticks();
  }
  check(out_of_turn == 0, "yield_rt: threads did not alternate");
}

// ---- sem_pp: low gives, high (blocked on take) wakes; op = full ping-pong --------------------
Semaphore sem{0, 1};
volatile std::uint32_t taken = 0;
void sem_taker(void*) {
  for (std::uint32_t i = 0; i < kWarmup + kIterations; ++i) {
    if (!sem.take()) {
      ++errors;
    }
    taken = taken + 1;
  }
}
void sem_giver(void*) {
  std::uint32_t missed = 0;
  std::uint32_t t0 = 0;
  for (std::uint32_t i = 0; i < kWarmup + kIterations; ++i) {
    if (i == kWarmup) {
      t0 = ticks();
    }
    (void)sem.give();
    missed += taken != i + 1 ? 1 : 0;  // the taker must have run before give() returned
  }
  measured_ticks = t0 - ticks();
  check(missed == 0, "sem_pp: a give did not wake the taker");
}

// ---- sem_nosw: give + non-blocking take in one thread ------------------------------------------
void sem_nosw_worker(void*) {
  std::uint32_t failed = 0;
  std::uint32_t t0 = 0;
  for (std::uint32_t i = 0; i < kWarmup + kIterations; ++i) {
    if (i == kWarmup) {
      t0 = ticks();
    }
    failed += sem.give().has_value() ? 0 : 1;
    failed += sem.try_take().has_value() ? 0 : 1;
  }
  measured_ticks = t0 - ticks();
  check(failed == 0, "sem_nosw: a give or take failed");
}

// ---- queue_pp: A -> B and B -> A through depth-1 queues of 4-byte items -----------------------
Queue<std::uint32_t, 1> a_to_b, b_to_a;
void queue_a(void*) {
  std::uint32_t corrupted = 0;
  std::uint32_t t0 = 0;
  for (std::uint32_t i = 0; i < kWarmup + kIterations; ++i) {
    if (i == kWarmup) {
      t0 = ticks();
    }
    (void)a_to_b.send(i);
    corrupted += b_to_a.receive().value_or(~0u) != i + 1 ? 1 : 0;
  }
  measured_ticks = t0 - ticks();
  check(corrupted == 0, "queue_pp: a payload did not round-trip");
}
void queue_b(void*) {
  for (std::uint32_t i = 0; i < kWarmup + kIterations; ++i) {
    const std::uint32_t v = a_to_b.receive().value_or(~0u);
    (void)b_to_a.send(v + 1);
  }
}

// Runs one benchmark: workers below the controller's priority, joined; returns instructions x10.
std::uint64_t run(Thread::Entry a, void* arg_a, int prio_a, Thread::Entry b, void* arg_b, int prio_b) {
  measured_ticks = 0;
  const auto prio = [](int delta) {
    return Priority{static_cast<std::uint8_t>(this_thread::current().priority().level + delta)};
  };
  if (!thread_a.start(stack_a.span(), a, arg_a, prio(prio_a), "bench_a")) {
    ++errors;
  }
  if (b != nullptr && !thread_b.start(stack_b.span(), b, arg_b, prio(prio_b), "bench_b")) {
    ++errors;
  }
  (void)thread_a.join(Timeout::forever());
  if (b != nullptr) {
    (void)thread_b.join(Timeout::forever());
  }
  return per_op_x10(measured_ticks);
}

void row(const char* name, std::uint64_t x10) {
  print("| ", name, " | ", x10 / 10, '.', x10 % 10, " |\n");
}

const char* on_off(bool on) { return on ? "on" : "off"; }

}  // namespace

int main() {
  // The controller: the highest priority, so it only runs to start, collect and print.
  (void)this_thread::current().set_priority(Priority{Priority::kHighest});
  start_timer();
  calibration_ticks = calibrate();

  print("Ward kernel benchmark: instructions per operation (QEMU mps2-an505, -icount shift=0)\n");
  print("security options: stack protector ", on_off(config::stack_protector), ", random canary ",
        on_off(config::stack_canary_random), ", hardware stack limits ", on_off(config::hw_stack_limit),
        ", kernel assertions ", on_off(config::asserts), "; workers privileged (supervisor)\n");
  print("calibration: ", kCalibrationInstructions, " instructions = ", calibration_ticks, " timer ticks\n");
  print("| bench | supervisor |\n|---|--:|\n");
  static int second = 1;  // any non-null argument marks the second worker
  row("yield_rt", run(&yield_worker, nullptr, -2, &yield_worker, &second, -2));
  row("sem_pp", run(&sem_taker, nullptr, -1, &sem_giver, nullptr, -2));
  row("sem_nosw", run(&sem_nosw_worker, nullptr, -1, nullptr, nullptr, 0));
  row("queue_pp", run(&queue_a, nullptr, -2, &queue_b, nullptr, -2));
  print("N = ", kIterations, " after ", kWarmup, " warm-up iterations; verification errors: ", errors, '\n');
  return errors == 0 ? 0 : 1;
}
