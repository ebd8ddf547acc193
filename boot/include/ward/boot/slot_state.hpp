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
// the written value; it counts as not set. `foreign` (magic only): a trailer written for another
// write alignment (e.g. `imgtool sign --align 32` for a flash with 8-byte writes); its fields lie
// at other offsets, so it is refused, with that reason, never read.
enum class Field : std::uint8_t { unset, set, bad, foreign };

struct TrailerState {
  Field magic = Field::unset;
  std::uint32_t magic_align = 0;  // the alignment a found magic names (see image::trailer::magic_align)
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
  std::uint32_t revert_started() const { return layout.trailer().swap_size() - layout.unit(); }
  std::uint32_t revert_done() const { return revert_started() - layout.unit(); }
  // Status entry `index` of the upgrade (direction 0) or the revert (direction 1) table.
  std::uint32_t status(unsigned direction, std::uint32_t index) const {
    return revert_done() - layout.unit() * (1 + direction * layout.status_entries() + index);
  }
};

// Fields are one trailer unit (image::trailer::field_align of the slot's write unit) long.
flash::Result<Field> read_flag(const flash::Region& slot, std::uint32_t offset);
flash::Status write_flag(const flash::Region& slot, std::uint32_t offset);
struct Magic {
  Field field;
  std::uint32_t align;  // the alignment a found magic names; 0 if there is none
};
flash::Result<Magic> read_magic_align(const flash::Region& slot);
flash::Result<Field> read_magic(const flash::Region& slot);
flash::Status write_magic(const flash::Region& slot);
flash::Status write_word(const flash::Region& slot, std::uint32_t offset, std::uint32_t value);
flash::Result<TrailerState> read_trailer(const flash::Region& slot, const FlashLayout& layout);

// The primary trailer records a swap (magic committed, a plausible type and size).
bool swap_recorded(const TrailerState& t, const FlashLayout& layout);
// The primary image is a test image on its one trial: swapped in, neither confirmed nor reverted.
bool on_trial(const TrailerState& t, const FlashLayout& layout);

}  // namespace ward::boot
