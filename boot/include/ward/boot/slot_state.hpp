// Reading and writing the trailer fields of a slot (MCUboot's public fields and the bootloader's
// private swap status below them). Shared by the bootloader and the application API so that both
// interpret the same bytes the same way.
#pragma once
#include <cstdint>

#include "ward/boot/layout.hpp"
#include "ward/flash/flash.hpp"
#include "ward/image/trailer.hpp"

namespace ward::boot {

// A one-unit flag or the magic as found in flash. A torn write leaves `bad`: neither erased nor
// the written value; it counts as not set.
enum class Field : std::uint8_t { unset, set, bad };

struct TrailerState {
  Field magic = Field::unset;
  Field image_ok = Field::unset;
  Field copy_done = Field::unset;
  image::trailer::SwapType swap_type = image::trailer::SwapType::none;  // from swap_info
  std::uint32_t swap_size = 0xFFFFFFFF;                                 // bytes
  // Bootloader-private (primary slot only).
  Field revert_started = Field::unset;
  Field revert_done = Field::unset;
};

// Offsets of the private fields in a slot of `layout.slot_size()` bytes.
struct TrailerMap {
  const FlashLayout& layout;
  std::uint32_t slot_size() const { return layout.slot_size(); }
  std::uint32_t revert_started() const { return image::trailer::swap_size_offset(slot_size()) - FlashLayout::kUnit; }
  std::uint32_t revert_done() const { return revert_started() - FlashLayout::kUnit; }
  // Status entry `index` of the upgrade (direction 0) or the revert (direction 1) table.
  std::uint32_t status(unsigned direction, std::uint32_t index) const {
    return revert_done() - FlashLayout::kUnit * (1 + direction * layout.status_entries() + index);
  }
};

flash::Result<Field> read_flag(const flash::Region& slot, std::uint32_t offset);
flash::Status write_flag(const flash::Region& slot, std::uint32_t offset);
flash::Result<Field> read_magic(const flash::Region& slot);
flash::Status write_magic(const flash::Region& slot);
flash::Status write_word(const flash::Region& slot, std::uint32_t offset, std::uint32_t value);
flash::Result<TrailerState> read_trailer(const flash::Region& slot, const FlashLayout& layout);

// The primary trailer records a swap (magic committed, a plausible type and size).
bool swap_recorded(const TrailerState& t, const FlashLayout& layout);
// The primary image is a test image on its one trial: swapped in, neither confirmed nor reverted.
bool on_trial(const TrailerState& t, const FlashLayout& layout);

}  // namespace ward::boot
