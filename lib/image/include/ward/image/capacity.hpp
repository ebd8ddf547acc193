// How large an image a slot can hold: one rule for the bootloader (FlashLayout::max_image_size)
// and the signing tool (`ward-image sign --slot-size S --max-sectors K`), so the tool refuses
// exactly the images the bootloader would not take.
//
// A slot of K sectors holds an image in at most K-1 of them: the last sector holds the trailer
// and the swap status, and it is erased by every swap, so no image byte may live there.
#pragma once
#include <cstdint>

namespace ward::image {

// `slot_size` bytes in `sectors` equal sectors; 0 if that is no valid slot (fewer than two
// sectors, or a size that does not divide into them).
constexpr std::uint32_t max_image_size(std::uint32_t slot_size, std::uint32_t sectors) {
  if (sectors < 2 || slot_size % sectors != 0) {
    return 0;
  }
  return slot_size - slot_size / sectors;
}

}  // namespace ward::image
