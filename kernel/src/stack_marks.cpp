#include "ward/kernel/stack_marks.hpp"

#include "ward/arch/main_stack.hpp"
#include "ward/config.hpp"
#include "ward/kernel/lock.hpp"

namespace ward::kernel::stack_marks {
namespace {
Mark marks[kCapacity];
std::size_t count = 0;
bool overflowed = false;
}  // namespace

std::uint32_t used(const std::byte* lo, const std::byte* hi) {
  const std::byte* p = lo;
  while (p < hi && *p == kFill) {
    ++p;
  }
  return static_cast<std::uint32_t>(hi - p);
}

void refilling(std::span<std::byte> stack, std::size_t reserve) {
  if constexpr (config::stack_marks) {
    KernelLock lock;  // threads and handlers prepare threads
    for (std::size_t i = 0; i < count; ++i) {
      Mark& m = marks[i];
      if (m.base != stack.data() || m.size != stack.size()) {
        continue;
      }
      // The run that ends, measured with its own layout, before the fill erases it.
      std::byte* const top = m.base + m.size;
      const auto own = used(m.base + m.reserve, top);
      m.used = own > m.used ? own : m.used;
      if (m.reserve != 0) {
        const auto kernel_part = used(m.base, m.base + m.reserve);
        m.kernel_used = kernel_part > m.kernel_used ? kernel_part : m.kernel_used;
      }
      m.reserve = static_cast<std::uint32_t>(reserve);
      return;
    }
    if (count == kCapacity) {
      overflowed = true;
      return;
    }
    marks[count++] = Mark{stack.data(), static_cast<std::uint32_t>(stack.size()), static_cast<std::uint32_t>(reserve)};
  }
}

std::span<const Mark> all() { return {marks, count}; }
bool complete() { return !overflowed; }

void paint_main_stack() {
  if constexpr (config::stack_marks) {
    arch::fill_free_main_stack(kFill);
  }
}

void report(fmt::Sink sink) {
  if constexpr (config::stack_marks) {
    for (const Mark& m : all()) {
      std::byte* const top = m.base + m.size;
      const auto own = used(m.base + m.reserve, top);
      fmt::write(sink, "stack high-water: ", fmt::hex(static_cast<const void*>(m.base)), ' ',
                 own > m.used ? own : m.used, " B");
      if (m.reserve != 0) {
        const auto kernel_part = used(m.base, m.base + m.reserve);
        fmt::write(sink, ", kernel part ", kernel_part > m.kernel_used ? kernel_part : m.kernel_used, " B");
      }
      fmt::write(sink, '\n');  // through the writer: its sinks are the annotated ones (kernel/stackbound.conf)
    }
    if (!complete()) {
      fmt::write(sink, "stack high-water: incomplete (more than ", kCapacity, " stacks)\n");
    }
    const arch::MainStack m = arch::main_stack();
    fmt::write(sink, "stack high-water: msp ", used(m.lo, m.hi), " B\n");
  }
}

}  // namespace ward::kernel::stack_marks
