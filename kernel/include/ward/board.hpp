// The contract between Ward's portable code and a board port. Each board (boards/<name>/)
// implements these functions; the kernel and libraries use nothing else of the board.
#pragma once
#include <cstdint>
#include <string_view>

namespace ward::board {

// Brings up what the boot banner needs (the console). Called once, early, with interrupts off.
void init();

// Human-facing console: UART0 on mps2-an505, stdout on the host.
void console_write(std::string_view text);

// A line of a machine protocol sharing the console (SMP's console transport, lib/mgmt): written
// byte for byte (no '\r' added), and started on a fresh line if the console's last byte was not
// '\n', so that the line's first bytes are the first of a line for the receiver. The caller keeps
// other output out while it runs (the kernel lock).
void console_write_line(std::string_view line);

// The next byte received on the console, or -1 if none is waiting (polled; no interrupt).
int console_read();

// Machine-facing report channel for test results: semihosting on QEMU, stdout on the host.
void report_write(std::string_view text);

// Ends the program with a status the test runner reads (QEMU's exit status, the process's
// exit code on the host). On a board with no such channel it parks the core.
[[noreturn]] void exit(int status);

// Board name for diagnostics.
std::string_view name();

// The arguments the board was started with (semihosting's command line on QEMU; empty where
// there is none). The test framework reads its filter from it.
std::string_view command_line();

// Unpredictable bits for boot-time secrets that need no cryptographic strength of their own
// (the stack canary). Each board documents its source; see docs/.
std::uint32_t entropy32();

}  // namespace ward::board
