// The bootloader's console (UART0, polled) and its way to stop.
#pragma once
#include <string_view>

#include "ward/fmt.hpp"

namespace ward::bootloader {

void console_write(std::string_view text);

template <fmt::Formattable... Args>
void say(const Args&... args) {
  fmt::write(&console_write, args...);
}

// Stops the bootloader: ends QEMU with `status` through semihosting, else parks the core.
[[noreturn]] void stop(int status);

}  // namespace ward::bootloader
