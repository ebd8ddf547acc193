#include "ward/test.hpp"

#include <cstdint>

#include "ward/board.hpp"
#include "ward/config.hpp"
#include "ward/exit_status.hpp"
#include "ward/kernel/stack_marks.hpp"
#include "ward/kernel/thread.hpp"

// Bounds of the ward_tests section, defined by the linker for a section named as a C identifier.
// Weak: an image with no test case has no such section, and both bounds are then null.
extern "C" [[gnu::weak]] const ward::test::Case __start_ward_tests[];
extern "C" [[gnu::weak]] const ward::test::Case __stop_ward_tests[];

namespace ward::test {
namespace {
int failures_in_case = 0;

bool matches(const Case& c, std::string_view filter) {
  if (filter.empty()) {
    return true;
  }
  // "Suite.Name" contains filter: compare against the two halves without building a string.
  const std::string_view suite{c.suite}, name{c.name};
  for (std::size_t i = 0; i <= suite.size() + 1 + name.size(); ++i) {
    bool ok = i + filter.size() <= suite.size() + 1 + name.size();
    for (std::size_t j = 0; ok && j < filter.size(); ++j) {
      const std::size_t k = i + j;
      const char ch = k < suite.size() ? suite[k] : k == suite.size() ? '.' : name[k - suite.size() - 1];
      ok = ch == filter[j];
    }
    if (ok) {
      return true;
    }
  }
  return false;
}

}  // namespace

void report(std::string_view text) { board::report_write(text); }

void fail_begin(const char* file, int line) {
  ++failures_in_case;
  fmt::write(&report, file, ':', line, ": Failure\n    ");
}

void fail_end() { report("\n"); }

void fail_condition(const char* file, int line, const char* expr, bool expected) {
  fail_begin(file, line);
  fmt::write(&report, "expected ", expr, " to be ", expected);
  fail_end();
}

std::span<const Case> cases() {
  // cppcheck-suppress knownConditionTrueFalse ; a weak symbol: null without a ward_tests section
  if (__start_ward_tests == nullptr) {
    return {};
  }
  return {__start_ward_tests, __stop_ward_tests};
}

void begin(int total) {
  if constexpr (config::stack_marks) {
    kernel::stack_marks::paint_main_stack();  // its high-water mark shows at the end
  }
  fmt::write(&report, "[==========] Running ", total, " test case(s)\n");
}

void run_case(const Case& c, Summary& summary) {
  fmt::write(&report, "[ RUN      ] ", c.suite, '.', c.name, '\n');
  failures_in_case = 0;
  c.run();
  if (failures_in_case == 0) {
    ++summary.passed;
    fmt::write(&report, "[       OK ] ", c.suite, '.', c.name, '\n');
  } else {
    ++summary.failed;
    fmt::write(&report, "[  FAILED  ] ", c.suite, '.', c.name, '\n');
  }
}

int finish(const Summary& summary) {
  if constexpr (config::stack_marks) {
    // Every thread stack's high-water mark and the main stack's, for tests/stackbound/highwater.py.
    kernel::stack_marks::report(&report);
  }
  fmt::write(&report, "[==========] ", summary.passed + summary.failed, " test case(s) ran\n");
  // The runner reads this exact line; it is also the plain summary form CI understands.
  fmt::write(&report, "ward-test: ", summary.passed, " passed, ", summary.failed, " failed\n");
  const bool ok = summary.failed == 0 && summary.passed > 0;  // running nothing is a failure too
  return static_cast<int>(ok ? ExitStatus::success : ExitStatus::test_failure);
}

Summary run_all(std::string_view filter) {
  Summary summary;
  begin(static_cast<int>(cases().size()));
  for (const Case& c : cases()) {
    if (matches(c, filter)) {
      run_case(c, summary);
    }
  }
  return summary;
}

}  // namespace ward::test
