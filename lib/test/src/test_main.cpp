// main() of a test image: runs every registered test case and exits with the verdict.
#include "ward/test.hpp"

// A "--filter=TEXT" argument (the runner's --filter) runs only the cases whose "Suite.Name"
// contains TEXT.
#include <string_view>

#include "ward/board.hpp"

int main() {
  constexpr std::string_view kFilter = "--filter=";
  std::string_view filter;
  const std::string_view args = ward::board::command_line();
  if (const auto at = args.find(kFilter); at != std::string_view::npos) {
    filter = args.substr(at + kFilter.size());
    filter = filter.substr(0, filter.find(' '));
  }
  const ward::test::Summary summary = ward::test::run_all(filter);
  // finish() reports every stack's high-water mark (CONFIG_WARD_STACK_MARKS), which tests/stackbound
  // compares with the build's bounds.
  return ward::test::finish(summary);
}
