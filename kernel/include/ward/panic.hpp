// Kernel panic: the kernel found one of its own invariants broken and stops rather than go on
// in an unknown state.
#pragma once
#include "ward/config.hpp"

namespace ward {

// Prints the reason and where it was raised (file and line: enough to find the check, and no
// function-name strings in the image), then stops with ExitStatus::panic.
// `reason` is a string literal; with CONFIG_WARD_ASSERT_MESSAGES=n it is left out of the image.
[[noreturn]] void panic(const char* reason, const char* file = __builtin_FILE(), int line = __builtin_LINE());

// A kernel invariant, checked when CONFIG_WARD_ASSERTS=y (the default). Takes a plain pointer, not
// a string_view: measuring the message must cost nothing on the path where the check holds.
[[gnu::always_inline]] inline void kassert(bool holds, const char* what, const char* file = __builtin_FILE(),
                                           int line = __builtin_LINE()) {
  if constexpr (config::asserts) {
    if (!holds) [[unlikely]] {
      panic(config::assert_messages ? what : nullptr, file, line);
    }
  }
}

}  // namespace ward
