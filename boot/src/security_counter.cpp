#include "ward/boot/security_counter.hpp"

#include <algorithm>
#include <array>

#include "ward/boot/layout.hpp"
#include "ward/byte_order.hpp"

namespace ward::boot {
namespace {
// A record is one trailer unit (8 bytes, or the write unit if larger): {value, ~value}, the rest erased.
constexpr std::uint32_t kRecordBytes = 8;
std::uint32_t record_unit(const flash::Region& area) { return image::trailer::field_align(area.write_align()); }
}  // namespace

flash::Result<SecurityCounter::Scan> SecurityCounter::scan() const {
  Scan s;
  const std::uint32_t ss = area_.sector_size();
  const std::uint32_t unit = record_unit(area_);
  const std::uint32_t units = ss / unit;
  bool found = false;
  // Read in blocks of records: on QEMU every read is a semihosting call.
  std::array<std::byte, 256> block{};
  const std::uint32_t per_block = block.size() / unit;
  for (std::uint32_t sector = 0; sector < 2; ++sector) {
    for (std::uint32_t first = 0; first < units; first += per_block) {
      const std::uint32_t n = std::min(per_block, units - first);
      if (auto r = area_.read(sector * ss + first * unit, std::span{block}.first(std::size_t{n} * unit)); !r) {
        return flash::fail(r.error());
      }
      for (std::uint32_t i = 0; i < n; ++i) {
        const auto rec = std::span{block}.subspan(std::size_t{i} * unit, unit);
        if (std::all_of(rec.begin(), rec.end(), [](std::byte b) { return b == flash::kErased; })) {
          continue;
        }
        s.next_free[sector] = first + i + 1;
        const std::uint32_t value = load_le<std::uint32_t>(rec.first<4>());
        if (value == ~load_le<std::uint32_t>(rec.subspan<4, 4>()) && (!found || value > s.value)) {
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
  const std::uint32_t size = record_unit(area_);
  if (unit >= ss / size) {
    sector = 1 - sector;
    if (auto e = area_.erase_sector(sector); !e) {
      return e;
    }
    unit = 0;
  }
  std::array<std::byte, image::trailer::kLargestAlign> rec{};
  rec.fill(flash::kErased);
  store_le<std::uint32_t>(std::span{rec}.first<4>(), value);
  store_le<std::uint32_t>(std::span{rec}.subspan<4, 4>(), ~value);
  static_assert(kRecordBytes <= image::trailer::kDefaultAlign);
  return area_.program(sector * ss + unit * size, std::span{rec}.first(size));
}

}  // namespace ward::boot
