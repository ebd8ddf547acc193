#include "ward/arch/arm/semihosting.hpp"

namespace ward::arm::semihost {

void write(std::string_view text) {
  // SYS_WRITE0 takes a NUL-terminated string: send the text in terminated chunks.
  char chunk[64];
  while (!text.empty()) {
    const std::size_t n = text.size() < sizeof chunk - 1 ? text.size() : sizeof chunk - 1;
    // cppcheck-suppress knownConditionTrueFalse ; n >= 1: text is not empty here
    for (std::size_t i = 0; i < n; ++i) {
      // An embedded NUL would end the chunk early; show it instead of losing the rest.
      chunk[i] = text[i] == '\0' ? '?' : text[i];
    }
    chunk[n] = '\0';
    call(Op::write0, chunk);
    text.remove_prefix(n);
  }
}

// No stack protector: it never returns, so its canary would be set up and never checked (14
// bytes in every image, for nothing).
[[gnu::no_stack_protector]] void exit(int status) {
  // ADP_Stopped_ApplicationExit with a status: QEMU exits with exactly that status.
  const std::uint32_t block[2] = {0x20026, static_cast<std::uint32_t>(status)};
  call(Op::exit_extended, block);
  for (;;) {
    asm volatile("wfi");
  }
}

std::string_view command_line(std::span<char> buffer) {
  if (buffer.size() < 2) {
    return {};
  }
  // SYS_GET_CMDLINE: {buffer, size} in, the length written back into the block's second word.
  std::uint32_t block[2] = {static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(buffer.data())),
                            static_cast<std::uint32_t>(buffer.size() - 1)};
  if (call(Op::get_cmdline, block) != 0 || block[1] >= buffer.size()) {
    return {};
  }
  return {buffer.data(), block[1]};
}

HostFile::HostFile(const char* path) {
  const std::string_view name{path};
  const std::uint32_t block[3] = {static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(path)), 1 /* "rb" */,
                                  static_cast<std::uint32_t>(name.size())};
  handle_ = static_cast<int>(call(Op::open, block));
  if (handle_ >= 0) {
    const std::uint32_t b[1] = {static_cast<std::uint32_t>(handle_)};
    size_ = static_cast<std::int32_t>(call(Op::flen, b));
  }
}

HostFile::~HostFile() {
  if (handle_ >= 0) {
    const std::uint32_t b[1] = {static_cast<std::uint32_t>(handle_)};
    call(Op::close, b);
  }
}

bool HostFile::read(std::uint32_t offset, std::span<std::byte> out) const {
  if (handle_ < 0) {
    return false;
  }
  const std::uint32_t seek[2] = {static_cast<std::uint32_t>(handle_), offset};
  // SYS_READ returns the number of bytes NOT read: 0 is all of them.
  const std::uint32_t rd[3] = {static_cast<std::uint32_t>(handle_),
                               static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(out.data())),
                               static_cast<std::uint32_t>(out.size())};
  return call(Op::seek, seek) == 0 && call(Op::read, rd) == 0;
}

std::uint64_t elapsed() {
  std::uint32_t ticks[2] = {0, 0};
  if (call(Op::elapsed, ticks) != 0) {
    return 0;
  }
  return (static_cast<std::uint64_t>(ticks[1]) << 32) | ticks[0];
}

}  // namespace ward::arm::semihost
