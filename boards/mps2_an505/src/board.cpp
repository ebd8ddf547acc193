// Board support for the MPS2+ AN505 under QEMU: console on UART0, reports and exit status through
// semihosting.
#include <cstdint>

#include "ward/arch/arm/semihosting.hpp"
#include "ward/board.hpp"
#include "ward/board/cmsdk_uart.hpp"
#include "ward/config.hpp"

namespace ward::board {
namespace {
// UART0 through the alias of the state Ward runs in (the secure image hands UART0 to the
// non-secure world in its PPC).
constexpr CmsdkUart uart0{config::trustzone_ns ? 0x40200000u : 0x50200000u};
// Whether the console's last byte ended a line (console_write_line starts on a fresh one).
bool at_line_start = true;
}  // namespace

void init() {
  uart0.enable_tx();
  uart0.enable_rx();
}

void console_write(std::string_view text) {
  uart0.write(text);
  if (!text.empty()) {
    at_line_start = text.back() == '\n';
  }
}

void console_write_line(std::string_view line) {
  if (!at_line_start) {
    uart0.write_raw("\n");
  }
  uart0.write_raw(line);
  at_line_start = !line.empty() && line.back() == '\n';
}

int console_read() { return uart0.read(); }

void report_write(std::string_view text) {
  if constexpr (config::semihosting) {
    arm::semihost::write(text);
  } else {
    uart0.write(text);
  }
}

void exit(int status) {
  if constexpr (config::semihosting) {
    arm::semihost::exit(status);
  }
  for (;;) {
    asm volatile("wfi");
  }
}

std::string_view name() { return "mps2-an505"; }

std::string_view command_line() {
  if constexpr (config::semihosting) {
    static char buffer[256];
    return arm::semihost::command_line(buffer);
  }
  return {};
}

// entropy32(): entropy.cpp (also built into the bootloader and the secure image).

}  // namespace ward::board
