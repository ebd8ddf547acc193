#include "ward/panic.hpp"

#include "ward/board.hpp"
#include "ward/exit_status.hpp"
#include "ward/print.hpp"

namespace ward {

void panic(std::string_view reason, const char* file, int line) {
  print("*** KERNEL PANIC: ", reason, "\n    at ", file, ':', line, '\n');
  board::exit(static_cast<int>(ExitStatus::panic));
}

}  // namespace ward
