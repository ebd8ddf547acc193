// The system timer on SysTick, tickless.
//
// SysTick is a 24-bit down-counter. Instead of interrupting at a fixed tick rate, it is programmed
// to reach zero at the kernel's next deadline (or after its longest period, 2^24 counts, to keep
// 64-bit time). Time since boot = `base` (when the counter last reached zero or was restarted)
// plus the counts elapsed in the current period. Reprogramming restarts the counter; the few
// counts between reading the time and the restart are lost, well under one count on QEMU.
#include <cstdint>

#include "ward/arch/arm/registers.hpp"
#include "ward/arch/port.hpp"
#include "ward/kernel/scheduler.hpp"

namespace ward::arch {
namespace {
using CSR = arm::Reg32<0xE000E010>;
using RVR = arm::Reg32<0xE000E014>;
using CVR = arm::Reg32<0xE000E018>;
constexpr std::uint32_t kEnable = 1u << 0, kTickInt = 1u << 1, kProcessorClock = 1u << 2,
                        kCountFlag = 1u << 16;
constexpr std::uint32_t kMaxPeriod = 1u << 24;
// Shortest period programmed (51 us at 20 MHz): a deadline closer than this fires a little late.
// It must exceed the longest time the timer interrupt can be held off (kernel critical sections,
// PendSV, other handlers): COUNTFLAG records one wrap, so a handler late by more than a whole
// period would lose time. Zephyr's SysTick driver uses the same bound.
constexpr std::uint32_t kMinPeriod = 1024;

std::uint64_t base = 0;           // timer counts at the start of the current period
std::uint32_t period = kMaxPeriod;
}  // namespace

void timer_init() {
  base = 0;
  period = kMaxPeriod;
  RVR::write(period - 1);
  CVR::write(0);
  CSR::write(kEnable | kTickInt | kProcessorClock);
}

std::uint64_t timer_now() {
  std::uint32_t count = CVR::read();
  // Reading CSR clears COUNTFLAG: a period that ended is added exactly once, here.
  if ((CSR::read() & kCountFlag) != 0) {
    base += period;
    count = CVR::read();
  }
  return base + (count == 0 ? 0 : period - count);
}

void timer_set_deadline(std::uint64_t deadline) {
  const std::uint64_t now = timer_now();
  std::uint64_t delta = deadline > now ? deadline - now : kMinPeriod;
  delta = delta > kMaxPeriod ? kMaxPeriod : delta < kMinPeriod ? kMinPeriod : delta;
  period = static_cast<std::uint32_t>(delta);
  RVR::write(period - 1);
  CVR::write(0);  // restart (clears COUNTFLAG)
  base = now;
}

}  // namespace ward::arch

extern "C" void ward_systick_handler() { ward::kernel::scheduler().timer_interrupt(); }
