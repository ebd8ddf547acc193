// main() of a test image: runs every registered test case and exits with the verdict.
#include "ward/test.hpp"

// A "--filter=TEXT" argument (the runner's --filter) runs only the cases whose "Suite.Name"
// contains TEXT.
#include <string_view>

#include "ward/board.hpp"
#include "ward/config.hpp"
#include "ward/kernel/thread.hpp"
#include "ward/print.hpp"

int main() {
  constexpr std::string_view kFilter = "--filter=";
  std::string_view filter;
  const std::string_view args = ward::board::command_line();
  if (const auto at = args.find(kFilter); at != std::string_view::npos) {
    filter = args.substr(at + kFilter.size());
    filter = filter.substr(0, filter.find(' '));
  }
  const ward::test::Summary summary = ward::test::run_all(filter);
  if constexpr (ward::config::stack_usage) {
    // The main thread's high-water mark, which tests/stackbound compares with the build's bound.
    const ward::Thread& self = ward::this_thread::current();
    ward::print("stack high-water: main_stack ", self.stack().size() - self.stack_unused(), " B\n");
  }
  return ward::test::finish(summary);
}
