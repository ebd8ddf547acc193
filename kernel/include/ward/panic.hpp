// Kernel panic: the kernel found one of its own invariants broken and stops rather than go on
// in an unknown state.
#pragma once
#include <string_view>

#include "ward/config.hpp"

namespace ward {

// Prints the reason and where it was raised (file and line: enough to find the check, and no
// function-name strings in the image), then stops with ExitStatus::panic.
[[noreturn]] void panic(std::string_view reason, const char* file = __builtin_FILE(), int line = __builtin_LINE());

// A kernel invariant, checked when CONFIG_WARD_ASSERTS=y (the default).
inline void kassert(bool holds, std::string_view what, const char* file = __builtin_FILE(),
                    int line = __builtin_LINE()) {
  if constexpr (config::asserts) {
    if (!holds) [[unlikely]] {
      panic(what, file, line);
    }
  }
}

}  // namespace ward
