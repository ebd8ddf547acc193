// Arguments from an image's command line (board::command_line(): semihosting's on QEMU), as the
// tests and samples take them: `--name=123`.
#pragma once
#include <cstdint>
#include <string_view>

namespace ward {

// The decimal number after `name` (e.g. "--prov=") where `name` starts an argument (the line's
// start or after a blank): 0 when absent or not a number; at most 12 digits are read.
constexpr std::uint64_t number_argument(std::string_view line, std::string_view name) {
  std::size_t at = line.find(name);
  while (at != std::string_view::npos && at != 0 && line[at - 1] != ' ') {
    at = line.find(name, at + 1);
  }
  if (at == std::string_view::npos || name.empty()) {
    return 0;
  }
  std::uint64_t value = 0;
  const std::size_t first = at + name.size();
  for (std::size_t i = first; i < line.size() && i < first + 12 && line[i] >= '0' && line[i] <= '9'; ++i) {
    value = value * 10 + static_cast<std::uint64_t>(line[i] - '0');
  }
  return value;
}

}  // namespace ward
