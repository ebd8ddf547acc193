// How Ward's host tools (ward-image, ward-vuln) read an input file: hostile paths included. Only a
// regular file is read: a directory, a device (/dev/zero: endless), a FIFO or a socket is refused
// with what it is, without blocking on it; a file over the tool's limit is refused before it is
// read, and a file that grows past the limit while it is read is refused too; reading is in bulk.
// C++20 and no dependencies: both tools build it, inside Ward's host presets and standalone.
#pragma once
#include <cstddef>
#include <string>

namespace ward::tools {

// The whole of `path` into `out`, or false with the reason (starting with the path) in `error`.
bool read_input_file(const std::string& path, std::size_t limit, std::string& out, std::string& error);

}  // namespace ward::tools
