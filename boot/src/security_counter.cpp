#include "ward/boot/security_counter.hpp"

#include <algorithm>
#include <array>

#include "ward/boot/layout.hpp"
#include "ward/byte_order.hpp"

namespace ward::boot {
namespace {
constexpr std::uint32_t kUnit = FlashLayout::kUnit;
static_assert(kUnit == 8, "a record is {value, ~value}, 4 bytes each");
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
      std::array<std::byte, std::size_t{kBlock} * kUnit> block{};
      const std::uint32_t n = std::min(kBlock, units - first);
      if (auto r = area_.read(sector * ss + first * kUnit, std::span{block}.first(std::size_t{n} * kUnit)); !r) {
        return flash::fail(r.error());
      }
      for (std::uint32_t i = 0; i < n; ++i) {
        const auto rec = std::span{block}.subspan(std::size_t{i} * kUnit).first<kUnit>();
        if (std::all_of(rec.begin(), rec.end(), [](std::byte b) { return b == flash::kErased; })) {
          continue;
        }
        s.next_free[sector] = first + i + 1;
        const std::uint32_t value = load_le<std::uint32_t>(rec.first<4>());
        if (value == ~load_le<std::uint32_t>(rec.last<4>()) && (!found || value > s.value)) {
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
  std::array<std::byte, kUnit> rec{};
  store_le<std::uint32_t>(std::span{rec}.first<4>(), value);
  store_le<std::uint32_t>(std::span{rec}.last<4>(), ~value);
  return area_.program(sector * ss + unit * kUnit, rec);
}

}  // namespace ward::boot
