// The kernel scenarios on the target, reported by the on-target test framework.
#include "scenario.hpp"
#include "ward/kernel/irq.hpp"
#include "ward/test.hpp"

namespace ward::scenario {
const bool real_stacks = true;

void report_failure(const char* file, int line, const char* expr) {
  ++failures();
  test::fail_begin(file, line);
  test::report("check failed: ");
  test::report(expr);
  test::fail_end();
}

namespace {
// An external interrupt line no device of the AN505 drives: tests pend it by software.
constexpr unsigned kTestIrq = 80;
}  // namespace

void raise_interrupt(void (*handler)(void*), void* arg) {
  if (!irq::connect(kTestIrq, handler, arg) || !irq::enable(kTestIrq) || !irq::trigger(kTestIrq)) {
    report_failure(__FILE__, __LINE__, "raising the test interrupt");
  }
  (void)irq::disable(kTestIrq);
}

void busy_for(Duration d) {
  const Instant end = now() + d;
  while (now() < end) {
  }
}
}  // namespace ward::scenario

namespace {
int selected = 0;
void run_selected() { (void)ward::scenario::run_one(ward::scenario::all[selected]); }
}  // namespace

int main() {
  ward::test::Summary summary;
  ward::test::begin(ward::scenario::count);
  for (selected = 0; selected < ward::scenario::count; ++selected) {
    ward::test::run_case({"Kernel", ward::scenario::all[selected].name, &run_selected}, summary);
  }
  return ward::test::finish(summary);
}
