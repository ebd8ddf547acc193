// main() of a test image: runs every registered test case and exits with the verdict.
#include "ward/exit_status.hpp"
#include "ward/test.hpp"

int main() {
  const ward::test::Summary s = ward::test::run_all();
  const bool ok = s.failed == 0 && s.passed > 0;  // an image with no test at all is a failure too
  return static_cast<int>(ok ? ward::ExitStatus::success : ward::ExitStatus::test_failure);
}
