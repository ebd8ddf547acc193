#include "ward/kernel/boot.hpp"

#include "ward/board.hpp"
#include "ward/config.hpp"
#include "ward/kernel/scheduler.hpp"
#include "ward/print.hpp"
#include "ward/version.hpp"

namespace ward::kernel {

void boot(AppMain app_main) {
  board::init();
  if constexpr (config::boot_banner) {
    // The QEMU test runner counts this line to detect unexpected reboots; keep its prefix stable.
    print("*** Booting Ward ", version::number, " (", version::git, ") on ", board::name(), " ***\n");
  }
  start(app_main);  // main() runs in the main thread; its return value ends the program
}

}  // namespace ward::kernel
