// The main stack on the host port: there is none (no handler mode; interrupts are simulated on the
// thread that takes them), so the report's main stack is empty and there is nothing to fill
// (the interface: arch/arm/include/ward/arch/main_stack.hpp).
#pragma once
#include <cstddef>

namespace ward::arch {

struct MainStack {
  std::byte* lo;
  std::byte* hi;
  std::byte* sp;
};
inline MainStack main_stack() { return {nullptr, nullptr, nullptr}; }
inline void fill_free_main_stack(std::byte /*value*/) {}

}  // namespace ward::arch
