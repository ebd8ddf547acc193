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
#include "ward/isolation.hpp"
#include "ward/kernel.hpp"
#include "ward/print.hpp"

namespace {
using namespace ward;

constexpr std::uint32_t kWarmup = 1'000;
constexpr std::uint32_t kIterations = 100'000;
constexpr std::uint32_t kCalibrationInstructions = 2'000'000;

// CMSDK APB TIMER1, in the security state the benchmark runs in (the secure image gives TIMER1 to
// the non-secure world). Peripheral aliases: non-secure 0x4xxxxxxx, secure 0x5xxxxxxx.
constexpr std::uintptr_t kPeripherals = config::trustzone_ns ? 0x40000000 : 0x50000000;
constexpr std::uintptr_t kTimer1 = kPeripherals + 0x1000;
// The privilege control block of this security state, APB PPC0's unprivileged-access register
// (SSE-200: APBSPPPC0 in the secure block, APBNSPPPC0 in the non-secure one, both at 0x80B0).
constexpr std::uintptr_t kApbPpc0Unprivileged = kPeripherals + 0x800B0;
struct CmsdkTimer {
  volatile std::uint32_t ctrl, value, reload, intstatus;
};
CmsdkTimer& timer1 = *reinterpret_cast<CmsdkTimer*>(kTimer1);

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

UserThreadStack<1024> stack_a, stack_b;  // user and privileged workers alike
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
// cppcheck-suppress constParameter ; a thread's entry takes a void*
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

// ---- The same four with user-mode workers ------------------------------------------------------
// Unprivileged threads in one domain: their counters live in a partition, TIMER1 is a read-only
// device partition (and the board's PPC lets unprivileged code read it), and every kernel call is
// a system call (ward::sys). The measuring thread reads TIMER1 directly, as in the method.
struct UserShared {
  volatile int turn;
  volatile std::uint32_t taken;
  std::uint32_t measured_ticks;
  std::uint32_t failures;
};
PartitionMemory<32> user_memory;
UserShared& user_shared() { return *static_cast<UserShared*>(static_cast<void*>(user_memory.bytes)); }
constexpr Domain<2> bench_domain{Partition::of(user_memory, Access::read_write),
                                 Partition::device(kTimer1, 32, Access::read)};

// cppcheck-suppress constParameter ; a thread's entry takes a void*
void user_yield_worker(void* arg) {
  auto& u = user_shared();
  const int me = arg == &u ? 0 : 1;
  std::uint32_t out_of_turn = 0;
  std::uint32_t t0 = 0;
  for (std::uint32_t i = 0; i < kWarmup + kIterations; ++i) {
    if (me == 0 && i == kWarmup) {
      t0 = ticks();
    }
    out_of_turn += u.turn != me ? 1 : 0;
    u.turn = 1 - me;
    (void)sys::yield();
  }
  if (me == 0) {
    u.measured_ticks = t0 - ticks();
  }
  u.failures += out_of_turn;
}

void user_sem_taker(void*) {
  auto& u = user_shared();
  for (std::uint32_t i = 0; i < kWarmup + kIterations; ++i) {
    u.failures += sys::sem_take(sem, UserTimeout::forever()) ? 0 : 1;
    u.taken = u.taken + 1;
  }
}

void user_sem_giver(void*) {
  auto& u = user_shared();
  std::uint32_t t0 = 0;
  for (std::uint32_t i = 0; i < kWarmup + kIterations; ++i) {
    if (i == kWarmup) {
      t0 = ticks();
    }
    (void)sys::sem_give(sem);
    u.failures += u.taken != i + 1 ? 1 : 0;
  }
  u.measured_ticks = t0 - ticks();
}

void user_sem_nosw_worker(void*) {
  auto& u = user_shared();
  std::uint32_t t0 = 0;
  for (std::uint32_t i = 0; i < kWarmup + kIterations; ++i) {
    if (i == kWarmup) {
      t0 = ticks();
    }
    u.failures += sys::sem_give(sem) ? 0 : 1;
    u.failures += sys::sem_take(sem, UserTimeout::none()) ? 0 : 1;
  }
  u.measured_ticks = t0 - ticks();
}

void user_queue_a(void*) {
  auto& u = user_shared();
  std::uint32_t t0 = 0;
  for (std::uint32_t i = 0; i < kWarmup + kIterations; ++i) {
    if (i == kWarmup) {
      t0 = ticks();
    }
    (void)sys::send(a_to_b, i);
    std::uint32_t v = ~0u;
    (void)sys::receive(b_to_a, v);
    u.failures += v != i + 1 ? 1 : 0;
  }
  u.measured_ticks = t0 - ticks();
}

void user_queue_b(void*) {
  for (std::uint32_t i = 0; i < kWarmup + kIterations; ++i) {
    std::uint32_t v = ~0u;
    (void)sys::receive(a_to_b, v);
    (void)sys::send(b_to_a, v + 1);
  }
}

// Runs one benchmark: workers below the controller's priority, joined; returns instructions x10.
std::uint64_t run(Thread::Entry a, void* arg_a, int prio_a, Thread::Entry b, void* arg_b, int prio_b,
                  bool user = false) {
  measured_ticks = 0;
  user_shared() = UserShared{};
  const auto prio = [](int delta) {
    return Priority{static_cast<std::uint8_t>(this_thread::current().priority().level + delta)};
  };
  const auto create = [&](Thread& t, UserThreadStack<1024>& stack, Thread::Entry e, void* arg, int p, const char* n) {
    if (user) {
      return t.create_user(stack.span(), e, arg, prio(p), n, bench_domain).has_value() && t.start().has_value();
    }
    return t.start(stack.span(), e, arg, prio(p), n).has_value();
  };
  if (!create(thread_a, stack_a, a, arg_a, prio_a, "bench_a")) {
    ++errors;
  }
  if (b != nullptr && !create(thread_b, stack_b, b, arg_b, prio_b, "bench_b")) {
    ++errors;
  }
  (void)thread_a.join(Timeout::forever());
  if (b != nullptr) {
    (void)thread_b.join(Timeout::forever());
  }
  if (user) {
    check(user_shared().failures == 0, "user-mode workers: a hand-off or call failed");
    return per_op_x10(user_shared().measured_ticks);
  }
  return per_op_x10(measured_ticks);
}

void row(const char* name, std::uint64_t x10, std::uint64_t user_x10) {
  print("| ", name, " | ", x10 / 10, '.', x10 % 10, " | ", user_x10 / 10, '.', user_x10 % 10, " |\n");
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
        ", kernel assertions ", on_off(config::asserts), ", user mode ", on_off(config::userspace),
        ", MPU stack guard ", on_off(config::mpu_stack_guard),
        ", non-secure beside the secure image ", on_off(config::trustzone_ns), "\n");
  print("calibration: ", kCalibrationInstructions, " instructions = ", calibration_ticks, " timer ticks\n");
  // User-mode workers read TIMER1 directly: let unprivileged code reach it (APB PPC0 port 1, in
  // this security state's privilege control block); the MPU still decides who may.
  *reinterpret_cast<volatile std::uint32_t*>(kApbPpc0Unprivileged) |= 1u << 1;
  (void)grant(sem, thread_a);
  static int second = 1;  // any non-null argument marks the second worker
  static std::uint64_t user_rows[4];
  auto* u = &user_shared();
  user_rows[0] = run(&user_yield_worker, u, -2, &user_yield_worker, &second, -2, true);
  (void)grant(sem, thread_a);
  (void)grant(sem, thread_b);
  (void)grant(a_to_b, thread_a);
  (void)grant(a_to_b, thread_b);
  (void)grant(b_to_a, thread_a);
  (void)grant(b_to_a, thread_b);
  user_rows[1] = run(&user_sem_taker, nullptr, -1, &user_sem_giver, nullptr, -2, true);
  user_rows[2] = run(&user_sem_nosw_worker, nullptr, -1, nullptr, nullptr, 0, true);
  user_rows[3] = run(&user_queue_a, nullptr, -2, &user_queue_b, nullptr, -2, true);
  print("| bench | supervisor | user |\n|---|--:|--:|\n");
  const std::uint64_t nosw = run(&sem_nosw_worker, nullptr, -1, nullptr, nullptr, 0);
  row("yield_rt", run(&yield_worker, nullptr, -2, &yield_worker, &second, -2), user_rows[0]);
  row("sem_pp", run(&sem_taker, nullptr, -1, &sem_giver, nullptr, -2), user_rows[1]);
  row("sem_nosw", nosw, user_rows[2]);
  row("queue_pp", run(&queue_a, nullptr, -2, &queue_b, nullptr, -2), user_rows[3]);
  const std::uint64_t overhead = user_rows[2] > nosw ? (user_rows[2] - nosw) / 2 : 0;
  print("system-call overhead per call (user minus supervisor sem_nosw, halved): ", overhead / 10, '.',
        overhead % 10, '\n');
  print("N = ", kIterations, " after ", kWarmup, " warm-up iterations; verification errors: ", errors, '\n');
  return errors == 0 ? 0 : 1;
}
