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
}  // namespace

void init() { uart0.enable_tx(); }

void console_write(std::string_view text) { uart0.write(text); }

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
    static char buffer[128];
    return arm::semihost::command_line(buffer);
  }
  return {};
}

// QEMU models no TRNG. The only unpredictable input an emulated AN505 has is the host's clock,
// read through semihosting (nanoseconds since an arbitrary point): it differs on every boot but
// an attacker who can observe the host could estimate it. Good enough for a canary under
// emulation; a real board must use its TRNG here. Mixed with a 32-bit finaliser (MurmurHash3's)
// so every bit of the clock affects every bit of the result.
std::uint32_t entropy32() {
  std::uint64_t clock = 0;
  if constexpr (config::semihosting) {
    clock = arm::semihost::elapsed();
  }
  std::uint32_t x = static_cast<std::uint32_t>(clock) ^ static_cast<std::uint32_t>(clock >> 32) ^ 0x9e3779b9u;
  x ^= x >> 16;
  x *= 0x85ebca6bu;
  x ^= x >> 13;
  x *= 0xc2b2ae35u;
  x ^= x >> 16;
  return x;
}

}  // namespace ward::board
