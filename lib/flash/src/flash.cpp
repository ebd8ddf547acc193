#include "ward/flash/flash.hpp"

#include <algorithm>
#include <array>

namespace ward::flash {

const char* to_string(Error e) {
  switch (e) {
    case Error::out_of_range: return "out of range";
    case Error::misaligned: return "misaligned";
    case Error::not_erased: return "not erased (0 bit to 1)";
    case Error::io: return "I/O error";
    case Error::power_cut: return "power cut";
  }
  return "unknown error";
}

namespace {
// offset + size <= limit, without overflow.
bool fits(std::uint64_t offset, std::uint64_t size, std::uint64_t limit) {
  return offset <= limit && size <= limit - offset;
}
}  // namespace

Status check_read(const Geometry& g, std::uint32_t offset, std::size_t size) {
  if (!fits(offset, size, g.size)) {
    return fail(Error::out_of_range);
  }
  return {};
}

Status check_program(const Geometry& g, std::uint32_t offset, std::size_t size) {
  if (!fits(offset, size, g.size)) {
    return fail(Error::out_of_range);
  }
  if (offset % g.write_align != 0 || size % g.write_align != 0) {
    return fail(Error::misaligned);
  }
  return {};
}

Status check_erase(const Geometry& g, std::uint32_t offset) {
  if (!fits(offset, g.sector_size, g.size)) {
    return fail(Error::out_of_range);
  }
  if (offset % g.sector_size != 0) {
    return fail(Error::misaligned);
  }
  return {};
}

bool only_clears_bits(std::span<const std::byte> current, std::span<const std::byte> wanted) {
  for (std::size_t i = 0; i < wanted.size(); ++i) {
    if ((current[i] & wanted[i]) != wanted[i]) {
      return false;
    }
  }
  return true;
}

Status Region::check(std::uint32_t offset, std::size_t size) const {
  if (!fits(offset, size, size_)) {
    return fail(Error::out_of_range);
  }
  return {};
}

Status Region::read(std::uint32_t offset, std::span<std::byte> out) const {
  if (auto s = check(offset, out.size()); !s) {
    return s;
  }
  return flash_->read(base_ + offset, out);
}

Status Region::program(std::uint32_t offset, std::span<const std::byte> data) const {
  if (auto s = check(offset, data.size()); !s) {
    return s;
  }
  return flash_->program(base_ + offset, data);
}

Status Region::erase_sector(std::uint32_t index) const {
  const std::uint32_t ss = sector_size();
  if (index >= size_ / ss) {
    return fail(Error::out_of_range);
  }
  return flash_->erase(base_ + index * ss);
}

Result<bool> Region::is_erased(std::uint32_t offset, std::uint32_t size) const {
  std::array<std::byte, 64> buf{};
  while (size > 0) {
    const std::uint32_t n = std::min<std::uint32_t>(size, buf.size());
    if (auto s = read(offset, std::span{buf}.first(n)); !s) {
      return fail(s.error());
    }
    if (!std::all_of(buf.begin(), buf.begin() + n, [](std::byte b) { return b == kErased; })) {
      return false;
    }
    offset += n;
    size -= n;
  }
  return true;
}

}  // namespace ward::flash
