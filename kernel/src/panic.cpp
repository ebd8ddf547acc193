#include "ward/panic.hpp"

#include "ward/board.hpp"
#include "ward/exit_status.hpp"
#include "ward/print.hpp"

namespace ward {

void panic(std::string_view reason, std::source_location where) {
  print("*** KERNEL PANIC: ", reason, "\n    at ", where.file_name(), ':', where.line(), " (",
        where.function_name(), ")\n");
  board::exit(static_cast<int>(ExitStatus::panic));
}

}  // namespace ward
