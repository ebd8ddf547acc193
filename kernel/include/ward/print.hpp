// Console output for the kernel and applications: ward::print("x = ", x, '\n').
#pragma once
#include <string_view>
#include <type_traits>

#include "ward/board.hpp"
#include "ward/fmt.hpp"

namespace ward {

template <fmt::Formattable... Args>
void print(const Args&... args) {
  if constexpr (sizeof...(Args) == 1 && (std::is_convertible_v<const Args&, std::string_view> && ...)) {
    board::console_write(std::string_view{args...});  // one piece of text: nothing to format
  } else {
    fmt::write(&board::console_write, args...);
  }
}

}  // namespace ward
