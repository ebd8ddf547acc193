// The portable half of boot: the architecture's reset code prepares memory and calls boot().
#pragma once

namespace ward::kernel {

using AppMain = int (*)();

// Brings up the board, prints the banner, runs the application's main and ends the program
// with its return value.
[[noreturn]] void boot(AppMain app_main);

}  // namespace ward::kernel
