// Stack canaries for -fstack-protector-strong: an application reports a smashed stack as its own
// kind of stop. Ward defines the guard symbol itself (not the C library's) and chooses its value
// at every boot when CONFIG_WARD_STACK_CANARY_RANDOM=y, as every Ward image does
// (arch/arm/src/early_init.cpp).
#include <cstdint>

#include "ward/arch/port.hpp"
#include "ward/board.hpp"
#include "ward/config.hpp"
#include "ward/exit_status.hpp"
#include "ward/print.hpp"

extern "C" [[noreturn, gnu::used]] void __stack_chk_fail() {
  if constexpr (ward::config::userspace) {
    if (!ward::arch::privileged()) {
      // A user thread smashed its own stack: the kernel stops it (svc #3), the system goes on.
      asm volatile("svc #3");
      __builtin_unreachable();
    }
  }
  ward::print("*** STACK SMASHING DETECTED: a stack canary was overwritten\n");
  ward::board::exit(static_cast<int>(ward::ExitStatus::stack_smashed));
}
