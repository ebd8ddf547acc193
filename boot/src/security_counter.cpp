#include "ward/boot/security_counter.hpp"

#include <algorithm>
#include <array>

#include "ward/boot/layout.hpp"

namespace ward::boot {
namespace {
constexpr std::uint32_t kUnit = FlashLayout::kUnit;

std::uint32_t le32(const std::byte* b) {
  return std::to_integer<std::uint32_t>(b[0]) | std::to_integer<std::uint32_t>(b[1]) << 8 |
         std::to_integer<std::uint32_t>(b[2]) << 16 | std::to_integer<std::uint32_t>(b[3]) << 24;
}
}  // namespace

flash::Result<SecurityCounter::Scan> SecurityCounter::scan() const {
  Scan s;
  const std::uint32_t ss = area_.sector_size();
  const std::uint32_t units = ss / kUnit;
  bool found = false;
  // Read in blocks of records: on QEMU every read is a semihosting call.
  constexpr std::uint32_t kBlock = 32;
  for (std::uint32_t sector = 0; sector < 2; ++sector) {
    for (std::uint32_t first = 0; first < units; first += kBlock) {
      std::array<std::byte, kBlock * kUnit> block;
      const std::uint32_t n = std::min(kBlock, units - first);
      if (auto r = area_.read(sector * ss + first * kUnit, std::span{block}.first(n * kUnit)); !r) {
        return flash::fail(r.error());
      }
      for (std::uint32_t i = 0; i < n; ++i) {
        const std::byte* rec = block.data() + i * kUnit;
        bool blank = true;
        for (std::uint32_t b = 0; b < kUnit; ++b) {
          blank = blank && rec[b] == flash::kErased;
        }
        if (blank) {
          continue;
        }
        s.next_free[sector] = first + i + 1;
        const std::uint32_t value = le32(rec);
        if (value == ~le32(rec + 4) && (!found || value > s.value)) {
          found = true;
          s.value = value;
          s.sector = sector;
        }
      }
    }
  }
  return s;
}

flash::Result<std::uint32_t> SecurityCounter::read() const {
  auto s = scan();
  if (!s) {
    return flash::fail(s.error());
  }
  return s->value;
}

flash::Status SecurityCounter::raise(std::uint32_t value) const {
  auto s = scan();
  if (!s) {
    return flash::fail(s.error());
  }
  if (value <= s->value) {
    return {};
  }
  const std::uint32_t ss = area_.sector_size();
  std::uint32_t sector = s->sector;
  std::uint32_t unit = s->next_free[sector];
  if (unit >= ss / kUnit) {
    sector = 1 - sector;
    if (auto e = area_.erase_sector(sector); !e) {
      return e;
    }
    unit = 0;
  }
  std::array<std::byte, kUnit> rec;
  for (int i = 0; i < 4; ++i) {
    rec[i] = std::byte((value >> (8 * i)) & 0xFF);
    rec[4 + i] = std::byte((~value >> (8 * i)) & 0xFF);
  }
  return area_.program(sector * ss + unit * kUnit, rec);
}

}  // namespace ward::boot
