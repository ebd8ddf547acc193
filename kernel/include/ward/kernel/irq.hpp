// Interrupts. Handlers are registered at run time in a static table; the port's common entry
// calls them. An interrupt at a kernel-aware priority may use the kernel's non-blocking calls; a
// zero-latency interrupt (above the kernel's mask) is never delayed by the kernel and must not
// call it.
#pragma once
#include <cstdint>

#include "ward/kernel/error.hpp"

namespace ward::irq {

using Handler = void (*)(void* arg);

enum class Level : std::uint8_t {
  zero_latency,  // above the kernel mask: no kernel calls
  high,          // kernel-aware levels, most to least urgent
  normal,
  low,
};

Status connect(unsigned line, Handler handler, void* arg, Level level = Level::normal);
Status disconnect(unsigned line);
Status enable(unsigned line);
Status disable(unsigned line);
// Makes the interrupt pending by software (used by tests and for deferred work).
Status trigger(unsigned line);
bool in_isr();

}  // namespace ward::irq
