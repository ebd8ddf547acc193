// Arm semihosting: requests to the debugger or emulator through `bkpt 0xab`.
// Only for emulators and debug sessions; on hardware without a debugger a call faults.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace ward::arm::semihost {

enum class Op : std::uint32_t {
  open = 0x01,
  close = 0x02,
  write0 = 0x04,
  write = 0x05,
  read = 0x06,
  seek = 0x0a,
  flen = 0x0c,
  time = 0x11,
  exit = 0x18,
  exit_extended = 0x20,
  get_cmdline = 0x15,
  elapsed = 0x30,
};

// One semihosting request; `arg` is the operation's parameter (often a pointer to a block).
inline std::uintptr_t call(Op op, const void* arg) {
  register std::uintptr_t r0 asm("r0") = static_cast<std::uint32_t>(op);
  register const void* r1 asm("r1") = arg;
  asm volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

// Writes text to the emulator's console (not NUL-terminated: copied in chunks).
void write(std::string_view text);

// Ends the emulator with `status` as its exit status.
[[noreturn]] void exit(int status);

// The command line QEMU was given (-semihosting-config ...,arg=...), copied into `buffer`;
// empty on failure.
std::string_view command_line(std::span<char> buffer);

// Host time elapsed since an arbitrary point, in the host's ticks (ns on QEMU).
std::uint64_t elapsed();

// A host file opened read-only ("rb"), e.g. a download stand-in on QEMU; closed when it goes.
class HostFile {
 public:
  explicit HostFile(const char* path);
  ~HostFile();
  HostFile(const HostFile&) = delete;
  HostFile& operator=(const HostFile&) = delete;
  // Open and not empty.
  bool ok() const { return handle_ >= 0 && size_ > 0; }
  std::uint32_t size() const { return size_ > 0 ? static_cast<std::uint32_t>(size_) : 0; }
  // Exactly out.size() bytes from `offset`; false if the host gave fewer.
  bool read(std::uint32_t offset, std::span<std::byte> out) const;

 private:
  int handle_ = -1;
  std::int32_t size_ = -1;
};

}  // namespace ward::arm::semihost
