// The host "board": console and reports on stdout, entropy from the operating system.
#include <sys/random.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "ward/board.hpp"

namespace ward::board {

void init() {}

// Nothing to do if the console is gone (a closed pipe): the run's exit status still tells.
void console_write(std::string_view text) { (void)std::fwrite(text.data(), 1, text.size(), stdout); }

void console_write_line(std::string_view line) { console_write(line); }

// The host console takes no input (the host tests drive lib/mgmt's decoder directly).
int console_read() { return -1; }

void report_write(std::string_view text) { console_write(text); }

void exit(int status) {
  (void)std::fflush(stdout);  // as console_write: the exit status is what counts
  std::exit(status);
}

std::string_view name() { return "host"; }

std::string_view command_line() { return {}; }

std::uint32_t entropy32() {
  std::uint32_t value = 0;
  if (getrandom(&value, sizeof value, 0) != sizeof value) {
    std::abort();
  }
  return value;
}

}  // namespace ward::board
