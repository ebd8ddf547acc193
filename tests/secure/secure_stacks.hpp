// The secure stacks' high-water marks (ward::secure::stack_report), checked against their sizes after a
// test has run its calls: each must keep room for what it was sized for; and printed for the run's
// comparison with the secure image's computed bounds (docs/stack-bounds.md).
#pragma once
#include "ward/print.hpp"
#include "ward/secure/monitor.hpp"
#include "ward/test.hpp"

inline void check_secure_stacks() {
  ward_spe_stacks s{};
  WARD_ASSERT_TRUE(ward::secure::stack_report(s));
  ward::print("secure stacks (used of size, bytes): handlers ", s.handler.used, " of ", s.handler.size, ", service ",
              s.service.used, " of ", s.service.size, ", landing ", s.landing.used, " of ", s.landing.size,
              "; Mbed TLS heap ", s.heap.used, " of ", s.heap.size, "\n");
  // The same marks for tests/stackbound/highwater.py (this test's qemu.<name> run), which compares
  // them with the secure image's computed bounds (its stackbound report): the deepest of the run's.
  ward::print("secure stack high-water: service ", s.service.used, " B\nsecure stack high-water: landing ",
              s.landing.used, " B\nsecure stack high-water: handler ", s.handler.used, " B\n");
  WARD_EXPECT_LE(s.service.used + 1024, s.service.size);  // a deeper call is a margin, not an overflow
  WARD_EXPECT_LE(s.landing.used + 208, s.landing.size);   // room for one more exception frame with FPU state
  WARD_EXPECT_LE(s.handler.used + 256, s.handler.size);
}
