// Where the bootloader's data lives in flash. One description per board, checked at compile time
// (static_assert(layout.valid())) by whoever defines it.
//
//   counter_offset     2 sectors: the anti-rollback security counter (append-only records)
//   primary_offset     the primary slot: K sectors. The image runs from here; its last sector holds
//                      the trailer (MCUboot public fields + the bootloader's swap status), so an
//                      image may use at most K-1 sectors.
//   secondary_offset   the secondary partition: K+1 sectors. Sector 0 is the swap sector; a new
//                      image is written at sector 1 (the "secondary slot", K sectors, padded like
//                      the primary with its trailer in the partition's last sector). After an
//                      upgrade the previous image sits at sector 0, one sector lower: that offset is
//                      what lets the swap move every sector exactly once (see docs/boot.md).
#pragma once
#include <array>
#include <cstdint>

#include "ward/flash/flash.hpp"
#include "ward/image/capacity.hpp"
#include "ward/image/trailer.hpp"

namespace ward::boot {

struct FlashLayout {
  flash::Geometry geometry;
  std::uint32_t counter_offset;
  std::uint32_t primary_offset;
  std::uint32_t slot_sectors;  // K
  std::uint32_t secondary_offset;

  static constexpr std::uint32_t kCounterSectors = 2;

  // The trailer's field spacing (MCUboot's BOOT_MAX_ALIGN), from the flash's write unit: every
  // trailer field, status entry and counter record is one such unit.
  constexpr std::uint32_t unit() const { return image::trailer::field_align(geometry.write_align); }
  constexpr image::trailer::Offsets trailer() const { return {slot_size(), unit()}; }

  constexpr std::uint32_t sector_size() const { return geometry.sector_size; }
  // The size images are padded to (`ward-image sign --slot-size`).
  constexpr std::uint32_t slot_size() const { return slot_sectors * sector_size(); }
  // Largest image (header, payload and TLVs): everything but the trailer sector. The signing
  // tool applies the same rule (image::max_image_size, --max-sectors).
  constexpr std::uint32_t max_image_size() const { return image::max_image_size(slot_size(), slot_sectors); }
  constexpr std::uint32_t secondary_size() const { return (slot_sectors + 1) * sector_size(); }
  // Swap status entries per direction: two per sector that can hold image data.
  constexpr std::uint32_t status_entries() const { return 2 * (slot_sectors - 1); }
  // Bytes of the trailer sector the bootloader uses: public fields, two flags, both status tables.
  constexpr std::uint32_t trailer_bytes() const {
    return trailer().public_size() + 2 * unit() + 2 * status_entries() * unit();
  }

  constexpr bool valid() const {
    const auto ss = sector_size();
    auto disjoint = [](std::uint32_t a, std::uint32_t as, std::uint32_t b, std::uint32_t bs) {
      return a + as <= b || b + bs <= a;
    };
    return geometry.valid() && image::trailer::valid_write_align(geometry.write_align) && slot_sectors >= 2 &&
           counter_offset % ss == 0 && primary_offset % ss == 0 && secondary_offset % ss == 0 &&
           counter_offset + kCounterSectors * ss <= geometry.size && primary_offset + slot_size() <= geometry.size &&
           secondary_offset + secondary_size() <= geometry.size &&
           disjoint(counter_offset, kCounterSectors * ss, primary_offset, slot_size()) &&
           disjoint(counter_offset, kCounterSectors * ss, secondary_offset, secondary_size()) &&
           disjoint(primary_offset, slot_size(), secondary_offset, secondary_size()) && trailer_bytes() <= ss;
  }

  // The image's three areas: counter, primary slot, secondary partition.
  struct Area {
    std::uint32_t offset;
    std::uint32_t size;
  };
  constexpr std::array<Area, 3> areas() const {
    return {{{counter_offset, kCounterSectors * sector_size()}, {primary_offset, slot_size()},
             {secondary_offset, secondary_size()}}};
  }
  // Two images of one device (MultiEngine): on the same flash, no area of one overlaps an area of
  // the other.
  constexpr bool disjoint_from(const FlashLayout& o) const {
    for (const Area& x : areas()) {
      for (const Area& y : o.areas()) {
        if (!(x.offset + x.size <= y.offset || y.offset + y.size <= x.offset)) {
          return false;
        }
      }
    }
    return geometry.size == o.geometry.size && geometry.sector_size == o.geometry.sector_size &&
           geometry.write_align == o.geometry.write_align;
  }

  flash::Region counter(flash::Flash& f) const { return {f, counter_offset, kCounterSectors * sector_size()}; }
  // The primary slot (K sectors, trailer at its end).
  flash::Region primary(flash::Flash& f) const { return {f, primary_offset, slot_size()}; }
  // The whole secondary partition (K+1 sectors, swap sector first).
  flash::Region secondary_partition(flash::Flash& f) const { return {f, secondary_offset, secondary_size()}; }
  // The secondary slot where a new image is written: the partition without its first sector.
  flash::Region secondary(flash::Flash& f) const { return {f, secondary_offset + sector_size(), slot_size()}; }
};

}  // namespace ward::boot
