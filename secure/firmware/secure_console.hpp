// The secure image's diagnostics. The console UART belongs to the non-secure world, so the secure
// side reports (rarely: at boot and on fatal errors) through semihosting, which the QEMU runner
// shows with the UART output.
#pragma once
#include <string_view>

#include "ward/fmt.hpp"

namespace ward::secure {

void console_write(std::string_view text);

template <fmt::Formattable... Args>
void say(const Args&... args) {
  fmt::write(&console_write, args...);
}

// Stops the machine: ends QEMU with `status` through semihosting, else parks the core.
[[noreturn]] void stop(int status);

}  // namespace ward::secure
