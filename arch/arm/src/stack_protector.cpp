// Stack canaries for -fstack-protector-strong. Ward defines the guard symbol itself (not the C
// library's), chooses its value at every boot when CONFIG_WARD_STACK_CANARY_RANDOM=y, and reports
// a smashed stack as its own kind of stop.
#include <cstdint>

#include "ward/arch/port.hpp"
#include "ward/board.hpp"
#include "ward/config.hpp"
#include "ward/exit_status.hpp"
#include "ward/print.hpp"

// The compiler reads the canary from this symbol in every protected function, user code's too:
// it sits in the one kernel region user threads may read (MPU region 2), never write.
extern "C" {
[[gnu::used, gnu::section(".ward_user_ro")]] std::uintptr_t __stack_chk_guard = 0xe2dee396u;  // if no entropy
}

// Called once from reset, before any protected function whose frame could outlive the change.
extern "C" [[gnu::no_stack_protector]] void ward_stack_guard_init() {
  if constexpr (ward::config::stack_canary_random) {
    std::uintptr_t guard = ward::board::entropy32();
    // A zero byte at the bottom stops string overflows (strcpy and friends) at the canary.
    guard &= ~std::uintptr_t{0xff};
    if (guard != 0) {
      __stack_chk_guard = guard;
    }
  }
}

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
