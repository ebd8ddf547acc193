// The smallest useful Ward application: one thread prints once, then sleeps. Used to measure the
// kernel's footprint (./ward footprint).
#include "ward/kernel.hpp"
#include "ward/print.hpp"

int main() {
  ward::print("Hello\n");
  for (;;) {
    (void)ward::this_thread::sleep_for(ward::Duration::s(1));
  }
}
