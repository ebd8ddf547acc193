// Kernel scenarios: the scheduling rules written once against the kernel API and run both on the
// host port (GoogleTest, sanitizers) and on QEMU (the on-target framework). Each scenario runs
// in the main thread of a fresh kernel and counts its failed checks.
#pragma once
#include <cstdint>

#include "ward/kernel.hpp"

namespace ward::scenario {

int& failures();
void report_failure(const char* file, int line, const char* expr);

// Platform hooks, one implementation per side.
void raise_interrupt(void (*handler)(void*), void* arg);  // run handler as an interrupt, now
void busy_for(Duration d);                               // keep the CPU for d (time passes)
extern const bool real_stacks;                           // threads run on their ThreadStack

// A priority `delta` levels above (or below) the calling thread's.
inline Priority relative(int delta) {
  return Priority{static_cast<std::uint8_t>(this_thread::current().priority().level + delta)};
}

struct Scenario {
  const char* name;
  void (*run)();
};

// Every scenario, in one table (both sides iterate it).
extern const Scenario all[];
extern const int count;

// Runs one scenario, then aborts any of its threads still alive; returns its failed checks.
int run_one(const Scenario& s);

}  // namespace ward::scenario

#define SCENARIO_CHECK(cond)                                              \
  do {                                                                    \
    if (!(cond)) {                                                        \
      ::ward::scenario::report_failure(__FILE__, __LINE__, #cond);        \
    }                                                                     \
  } while (false)

// A Status or Result that must have succeeded.
#define SCENARIO_OK(expr) SCENARIO_CHECK((expr).has_value())
// A Status or Result that must have failed with `err`.
#define SCENARIO_ERR(expr, err)                                           \
  do {                                                                    \
    auto&& ward_r_ = (expr);                                              \
    SCENARIO_CHECK(!ward_r_.has_value() && ward_r_.error() == (err));     \
  } while (false)
