// Stack high-water marks of a sample built with marks (samples/marks.conf: the <sample>_marks
// images, whose qemu.stackbound.<sample> tests compare them with the build's bounds through
// tests/stackbound/highwater.py, docs/stack-bounds.md). In a sample's own build
// (CONFIG_WARD_STACK_MARKS off) both are empty: nothing is added to its code.
#pragma once
#include "ward/board.hpp"
#include "ward/config.hpp"
#include "ward/kernel/stack_marks.hpp"
#include "ward/print.hpp"
#include "ward/secure/monitor.hpp"

namespace ward::sample {

// At the start of main: fills the free main stack (MSP), whose high-water mark then shows.
inline void marks_begin() {
  if constexpr (config::stack_marks) {
    kernel::stack_marks::paint_main_stack();
  }
}

// At the end of the sample's scenario, from a privileged thread: every thread stack's mark and the
// main stack's ("stack high-water: ..."), and beside a secure image its stacks' (ward_spe_stack_report:
// "secure stack high-water: service|landing|handler <n> B", the landing the larger of the two).
inline void marks_report() {
  if constexpr (config::stack_marks) {
    kernel::stack_marks::report(&board::console_write);
    if constexpr (config::trustzone_ns) {
      ward_spe_stacks s{};
      if (secure::stack_report(s)) {
        print("secure stack high-water: service ", s.service.used, " B\nsecure stack high-water: landing ",
              s.landing.used, " B\nsecure stack high-water: handler ", s.handler.used, " B\n");
      } else {
        print("secure stack high-water: refused\n");
      }
    }
  }
}

}  // namespace ward::sample
