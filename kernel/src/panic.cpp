#include "ward/panic.hpp"

#include "ward/board.hpp"
#include "ward/exit_status.hpp"
#include "ward/print.hpp"

namespace ward {

void panic(const char* reason, const char* file, int line) {
  if constexpr (!config::assert_messages) {
    reason = nullptr;  // also for direct panic() calls: their strings go when nothing reads them
  }
  print("*** KERNEL PANIC: ", reason != nullptr ? reason : "(no message)", "\n    at ", file, ':',
        line, '\n');
  board::exit(static_cast<int>(ExitStatus::panic));
}

}  // namespace ward
