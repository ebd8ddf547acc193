// Ward's demo: the version and security configuration, then three threads that interleave on
// their own periods, and a queue carrying their results to main.
#include <cstdint>

#include "ward/config.hpp"
#include "ward/kernel.hpp"
#include "ward/print.hpp"
#include "sample_marks.hpp"
#include "ward/stack_bound.hpp"
#include "ward/version.hpp"

namespace {
using namespace ward;

const char* on_off(bool on) { return on ? "on" : "off"; }

struct Worker {
  const char* name;
  int period_ms;
  int rounds;
};
constexpr Worker kWorkers[] = {{"sensor", 20, 5}, {"radio", 30, 4}, {"logger", 50, 3}};

ThreadStack<1024> stacks[3];
Thread threads[3];
Queue<std::uint32_t, 4> done;  // each worker reports its round count here

void work(void* arg) {
  const auto& w = *static_cast<const Worker*>(arg);
  const Instant start = now();
  for (int i = 1; i <= w.rounds; ++i) {
    (void)this_thread::sleep_until(start + Duration::ms(std::int64_t{w.period_ms} * i));
    print("  [", (now() - Instant{}).to_us() / 1000, " ms] ", w.name, " round ", i, '\n');
  }
  (void)done.send(static_cast<std::uint32_t>(w.rounds));
}
WARD_STACK_BOUND_THREAD(stacks, work);
}  // namespace

int main() {
  sample::marks_begin();  // hello_marks only (samples/marks.conf), as marks_report below
  print("Hello from Ward ", version::number, " (", version::git, ")\n");
  print("Build configuration:\n");
  print("  board                ", config::board, '\n');
  print("  production build     ", on_off(config::production), '\n');
  print("  stack protector      ", on_off(config::stack_protector), '\n');
  print("  random stack canary  ", on_off(config::stack_canary_random), '\n');
  print("  hardware stack limit ", on_off(config::hw_stack_limit), '\n');
  print("  kernel assertions    ", on_off(config::asserts), '\n');
  print("  priority levels      ", config::priorities, '\n');
  print("  time slice           ", config::time_slice_us, " us (0 = off)\n");

  print("Three threads, each on its own period:\n");
  for (int i = 0; i < 3; ++i) {
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-const-cast): an entry's argument is a void*; work() reads it as const
    if (!threads[i].start(stacks[i].span(), &work, const_cast<Worker*>(&kWorkers[i]), Priority{10},
                          kWorkers[i].name)) {
      print("cannot start ", kWorkers[i].name, '\n');
      return 1;
    }
  }
  std::uint32_t rounds = 0;
  for (int i = 0; i < 3; ++i) {
    rounds += done.receive().value_or(0);
  }
  for (auto& t : threads) {
    (void)t.join(Timeout::forever());
  }
  print("All threads done: ", rounds, " rounds; stack never touched: ");
  for (const auto& t : threads) {
    print(t.name(), ' ', t.stack_unused(), " B  ");
  }
  print('\n');
  sample::marks_report();
  return 0;
}
