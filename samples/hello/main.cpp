// Ward's demo application: shows the version and the security-relevant build configuration.
#include "ward/config.hpp"
#include "ward/print.hpp"
#include "ward/version.hpp"

namespace {
const char* on_off(bool on) { return on ? "on" : "off"; }
}  // namespace

int main() {
  using namespace ward;
  print("Hello from Ward ", version::number, " (", version::git, ")\n");
  print("Build configuration:\n");
  print("  board                ", config::board, '\n');
  print("  production build     ", on_off(config::production), '\n');
  print("  stack protector      ", on_off(config::stack_protector), '\n');
  print("  random stack canary  ", on_off(config::stack_canary_random), '\n');
  print("  hardware stack limit ", on_off(config::hw_stack_limit), '\n');
  print("  kernel assertions    ", on_off(config::asserts), '\n');
  print("  interrupt stack      ", config::isr_stack_size, " bytes\n");
  return 0;
}
