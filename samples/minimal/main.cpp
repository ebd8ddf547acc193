// The smallest useful Ward application: one thread prints once, then sleeps. Used to measure the
// kernel's footprint (./ward footprint).
#include "ward/kernel.hpp"
#include "ward/print.hpp"
#include "sample_marks.hpp"

int main() {
  ward::sample::marks_begin();  // minimal_marks only (samples/marks.conf), as below
  ward::print("Hello\n");
  for (;;) {
    (void)ward::this_thread::sleep_for(ward::Duration::s(1));
    if constexpr (ward::config::stack_marks) {  // minimal_marks: its marks after one round, then the end
      ward::sample::marks_report();
      return 0;
    }
  }
}
