// Kernel panic: the kernel found one of its own invariants broken and stops rather than go on
// in an unknown state.
#pragma once
#include <source_location>
#include <string_view>

#include "ward/config.hpp"

namespace ward {

[[noreturn]] void panic(std::string_view reason,
                        std::source_location where = std::source_location::current());

// A kernel invariant, checked when CONFIG_WARD_ASSERTS=y (the default).
inline void kassert(bool holds, std::string_view what,
                    std::source_location where = std::source_location::current()) {
  if constexpr (config::asserts) {
    if (!holds) [[unlikely]] {
      panic(what, where);
    }
  }
}

}  // namespace ward
