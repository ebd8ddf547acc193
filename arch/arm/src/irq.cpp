// External interrupts through the NVIC: a table of handlers filled at run time, one common entry.
#include <array>
#include <cstdint>

#include "ward/arch/arm/registers.hpp"
#include "ward/arch/port.hpp"
#include "ward/config.hpp"
#include "ward/kernel/irq.hpp"
#include "ward/panic.hpp"

namespace ward::irq {
namespace {
struct Slot {
  Handler handler;
  void* arg;  // cppcheck-suppress unusedStructMember ; passed to the handler (ward_irq_handler)
};
std::array<Slot, config::num_irqs> slots{};

constexpr std::uintptr_t kIser = 0xE000E100, kIcer = 0xE000E180, kIspr = 0xE000E200, kIpr = 0xE000E400;

std::uint8_t priority_of(Level level) {
  switch (level) {
    case Level::zero_latency: return 0x20;
    case Level::high: return 0x40;
    case Level::normal: return 0x80;
    case Level::low: return 0xc0;
  }
  return 0xc0;
}

// Sets the line's bit in one of the NVIC's one-bit-per-line register banks (ISER, ICER, ISPR).
void set_line_bit(std::uintptr_t bank, unsigned line) {
  *reinterpret_cast<volatile std::uint32_t*>(bank + 4 * (line / 32)) = 1u << (line % 32);
}

// Disabling and pending must have taken effect before the caller goes on.
void set_line_bit_and_sync(std::uintptr_t bank, unsigned line) {
  set_line_bit(bank, line);
  arm::dsb();
  arm::isb();
}
}  // namespace

Status connect(unsigned line, Handler handler, void* arg, Level level) {
  if (line >= config::num_irqs || handler == nullptr) {
    return fail(Error::invalid_argument);
  }
  arch::IrqState s = arch::irq_lock();
  set_line_bit(kIcer, line);
  slots[line] = {handler, arg};
  *reinterpret_cast<volatile std::uint8_t*>(kIpr + line) = priority_of(level);
  arch::irq_unlock(s);
  return {};
}

Status disconnect(unsigned line) {
  if (line >= config::num_irqs) {
    return fail(Error::invalid_argument);
  }
  set_line_bit_and_sync(kIcer, line);
  slots[line] = {};
  return {};
}

Status enable(unsigned line) {
  if (line >= config::num_irqs || slots[line].handler == nullptr) {
    return fail(Error::invalid_argument);
  }
  set_line_bit(kIser, line);
  return {};
}

Status disable(unsigned line) {
  if (line >= config::num_irqs) {
    return fail(Error::invalid_argument);
  }
  set_line_bit_and_sync(kIcer, line);
  return {};
}

Status trigger(unsigned line) {
  if (line >= config::num_irqs) {
    return fail(Error::invalid_argument);
  }
  set_line_bit_and_sync(kIspr, line);
  return {};
}

bool in_isr() { return arch::in_isr(); }

}  // namespace ward::irq

extern "C" void ward_irq_handler() {
  std::uint32_t ipsr = 0;
  asm volatile("mrs %0, ipsr" : "=r"(ipsr));
  const std::uint32_t line = (ipsr & 0x1ff) - 16;
  if constexpr (ward::config::num_irqs == 0) {
    ward::panic("interrupt without a handler");
  } else {
    if (line >= ward::irq::slots.size() || ward::irq::slots[line].handler == nullptr) {
      ward::panic("interrupt without a handler");
    }
    ward::irq::slots[line].handler(ward::irq::slots[line].arg);
  }
}
