// Board support for the MPS2+ AN505 under QEMU: console on UART0, reports and exit status through
// semihosting.
#include <cstdint>

#include "ward/arch/arm/semihosting.hpp"
#include "ward/board.hpp"
#include "ward/board/cmsdk_uart.hpp"
#include "ward/config.hpp"

namespace ward::board {
namespace {
// UART0 through its secure alias: Ward currently runs in the secure state.
constexpr CmsdkUart uart0{0x50200000};
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

// QEMU models no TRNG. The only unpredictable input an emulated AN505 has is the host's clock,
// read through semihosting (nanoseconds since an arbitrary point): it differs on every boot but
// an attacker who can observe the host could estimate it. Good enough for a canary under
// emulation; a real board must use its TRNG here. Mixed with a 64-bit finaliser so every bit of
// the clock affects every bit of the result.
std::uint32_t entropy32() {
  std::uint64_t x = 0x9e3779b97f4a7c15u;
  if constexpr (config::semihosting) {
    x ^= arm::semihost::elapsed();
  }
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9u;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebu;
  x ^= x >> 31;
  return static_cast<std::uint32_t>(x ^ (x >> 32));
}

}  // namespace ward::board
