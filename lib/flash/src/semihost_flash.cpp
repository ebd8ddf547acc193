#include "ward/flash/semihost_flash.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include "ward/arch/arm/semihosting.hpp"

namespace ward::flash {
namespace {
namespace sh = ward::arm::semihost;

constexpr std::uint32_t kModeReadWriteBinary = 3;  // "r+b": the file must exist
constexpr std::uint32_t kModeCreateBinary = 7;     // "w+b": create (or truncate)
constexpr std::size_t kChunk = 256;

int sh_open(const char* path, std::uint32_t mode) {
  const std::uint32_t block[3] = {reinterpret_cast<std::uintptr_t>(path), mode,
                                  static_cast<std::uint32_t>(std::strlen(path))};
  return static_cast<int>(sh::call(sh::Op::open, block));
}
}  // namespace

Status SemihostFlash::open() {
  if (!geometry_.valid()) {
    return fail(Error::io);
  }
  handle_ = sh_open(path_, kModeReadWriteBinary);
  if (handle_ < 0) {
    handle_ = sh_open(path_, kModeCreateBinary);
  }
  if (handle_ < 0) {
    return fail(Error::io);
  }
  const std::uint32_t block[1] = {static_cast<std::uint32_t>(handle_)};
  const auto length = static_cast<std::int32_t>(sh::call(sh::Op::flen, block));
  if (length < 0) {
    return fail(Error::io);
  }
  // A new or short file: what is missing is erased flash.
  const auto have = std::min<std::uint32_t>(static_cast<std::uint32_t>(length), geometry_.size);
  if (have < geometry_.size) {
    return fill_erased(have, geometry_.size - have);
  }
  return {};
}

// One SYS_READ or SYS_WRITE of `size` bytes at `offset` (both return the number of bytes NOT
// transferred, so anything but 0 is a failure).
Status SemihostFlash::transfer(std::uint32_t op, std::uint32_t offset, std::uintptr_t data, std::size_t size) {
  const std::uint32_t at[2] = {static_cast<std::uint32_t>(handle_), offset};
  const std::uint32_t block[3] = {static_cast<std::uint32_t>(handle_), static_cast<std::uint32_t>(data),
                                  static_cast<std::uint32_t>(size)};
  if (handle_ < 0 || sh::call(sh::Op::seek, at) != 0 || sh::call(static_cast<sh::Op>(op), block) != 0) {
    return fail(Error::io);
  }
  return {};
}

Status SemihostFlash::raw_read(std::uint32_t offset, std::span<std::byte> out) {
  return transfer(static_cast<std::uint32_t>(sh::Op::read), offset, reinterpret_cast<std::uintptr_t>(out.data()),
                  out.size());
}

Status SemihostFlash::raw_write(std::uint32_t offset, std::span<const std::byte> data) {
  return transfer(static_cast<std::uint32_t>(sh::Op::write), offset, reinterpret_cast<std::uintptr_t>(data.data()),
                  data.size());
}

Status SemihostFlash::fill_erased(std::uint32_t offset, std::uint32_t size) {
  std::array<std::byte, kChunk> ones{};
  ones.fill(kErased);
  while (size > 0) {
    const std::uint32_t n = std::min<std::uint32_t>(size, kChunk);
    if (auto s = raw_write(offset, std::span{ones}.first(n)); !s) {
      return s;
    }
    offset += n;
    size -= n;
  }
  return {};
}

Status SemihostFlash::read(std::uint32_t offset, std::span<std::byte> out) {
  if (auto s = check_read(geometry_, offset, out.size()); !s) {
    return s;
  }
  return raw_read(offset, out);
}

Status SemihostFlash::program(std::uint32_t offset, std::span<const std::byte> data) {
  if (auto s = check_program(geometry_, offset, data.size()); !s) {
    return s;
  }
  // Check the whole request before writing any of it: a refused program changes nothing.
  std::array<std::byte, kChunk> current{};
  for (std::size_t done = 0; done < data.size(); done += kChunk) {
    const std::size_t n = std::min(kChunk, data.size() - done);
    if (auto s = raw_read(offset + done, std::span{current}.first(n)); !s) {
      return s;
    }
    if (!only_clears_bits(std::span{current}.first(n), data.subspan(done, n))) {
      return fail(Error::not_erased);
    }
  }
  bytes_programmed_ += data.size();
  return raw_write(offset, data);
}

Status SemihostFlash::erase(std::uint32_t offset) {
  if (auto s = check_erase(geometry_, offset); !s) {
    return s;
  }
  ++sectors_erased_;
  return fill_erased(offset, geometry_.sector_size);
}

}  // namespace ward::flash
