// Console output for the kernel and applications: ward::print("x = ", x, '\n').
#pragma once
#include "ward/board.hpp"
#include "ward/fmt.hpp"

namespace ward {

template <fmt::Formattable... Args>
void print(const Args&... args) {
  fmt::write(&board::console_write, args...);
}

}  // namespace ward
