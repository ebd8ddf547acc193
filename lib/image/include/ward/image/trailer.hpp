// The MCUboot image trailer: the last bytes of a slot, through which the application asks for an
// upgrade and confirms an image, and the bootloader records a swap. Its layout depends on the
// flash's write unit, as in MCUboot (BOOT_MAX_ALIGN) and imgtool (`--align`, max_align): fields
// are spaced by `A` = max(8, write unit), so each one can be programmed on its own.
//
//   field       bytes before the slot end, A = 8 / 16 / 32
//   magic       16 / 16 / 16   (16 bytes; for A = 32 it ends a 32-byte block whose start stays erased)
//   image_ok    24 / 32 / 64
//   copy_done   32 / 48 / 96
//   swap_info   40 / 64 / 128
//   swap_size   48 / 80 / 160  (u32)
// For A = 8 the magic is MCUboot's 16-byte constant; for A = 16 and 32 it is A as a u16 followed
// by a different 14-byte constant (kMagicTail), exactly as imgtool writes it above --align 8.
// image_ok / copy_done: 0x01 = set, 0xFF = unset; swap_info: low nibble swap type, high nibble
// image number. The magic names the alignment it was written for, so a trailer made for another
// write unit is recognised (and refused with that reason) instead of being read at the wrong
// offsets. Below swap_size the bootloader keeps its private swap status (see boot/).
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>
#include <span>

namespace ward::image::trailer {

inline constexpr std::uint32_t kMagicSize = 16;
inline constexpr std::uint32_t kDefaultAlign = 8;   // BOOT_MAX_ALIGN of write units up to 8
inline constexpr std::uint32_t kLargestAlign = 32;  // imgtool's largest --align
// The magic of 8-byte trailers (MCUboot's four words 0xf395c277 0x7fefd260 0x0f505235 0x8079b62c, LE).
inline constexpr std::array<std::uint8_t, kMagicSize> kMagic = {0x77, 0xc2, 0x95, 0xf3, 0x60, 0xd2, 0xef, 0x7f,
                                                               0x35, 0x52, 0x50, 0x0f, 0x2c, 0xb6, 0x79, 0x80};
// The magic of 16- and 32-byte trailers, after the alignment (u16, LE).
inline constexpr std::array<std::uint8_t, kMagicSize - 2> kMagicTail = {0x2d, 0xe1, 0x5d, 0x29, 0x41, 0x0b, 0x8d,
                                                                       0x77, 0x67, 0x9c, 0x11, 0x0f, 0x1f, 0x8a};
inline constexpr std::uint8_t kFlagSet = 0x01;
inline constexpr std::uint8_t kErased = 0xFF;

enum class SwapType : std::uint8_t { none = 1, test = 2, perm = 3, revert = 4, fail = 5 };

// imgtool's --align values: 1, 2, 4, 8, 16, 32.
constexpr bool valid_write_align(std::uint32_t write_align) {
  return write_align != 0 && write_align <= kLargestAlign && (write_align & (write_align - 1)) == 0;
}
// The trailer's field spacing (BOOT_MAX_ALIGN) for a flash write unit.
constexpr std::uint32_t field_align(std::uint32_t write_align) {
  return write_align > kDefaultAlign ? write_align : kDefaultAlign;
}

// The 16 magic bytes of a trailer with field spacing `align`.
constexpr std::array<std::uint8_t, kMagicSize> magic(std::uint32_t align) {
  if (align <= kDefaultAlign) {
    return kMagic;
  }
  std::array<std::uint8_t, kMagicSize> m{static_cast<std::uint8_t>(align & 0xFF), static_cast<std::uint8_t>(align >> 8)};
  std::copy(kMagicTail.begin(), kMagicTail.end(), m.begin() + 2);
  return m;
}
// The field spacing a magic found in flash was written for: 8 for the 8-byte magic, the stored
// alignment for the other one, 0 if `m` is no magic at all.
constexpr std::uint32_t magic_align(std::span<const std::uint8_t, kMagicSize> m) {
  if (std::equal(kMagic.begin(), kMagic.end(), m.begin())) {
    return kDefaultAlign;
  }
  if (std::equal(kMagicTail.begin(), kMagicTail.end(), m.begin() + 2)) {
    return std::uint32_t{m[0]} | std::uint32_t{m[1]} << 8;
  }
  return 0;
}

// Offsets from the start of a slot of `slot_size` bytes (a multiple of the alignment) whose
// trailer has field spacing `align`.
struct Offsets {
  std::uint32_t slot_size = 0;
  std::uint32_t align = kDefaultAlign;

  // The magic's block: the 16 bytes rounded up to the spacing, the magic at its end.
  constexpr std::uint32_t magic_block() const { return slot_size - (align > kMagicSize ? align : kMagicSize); }
  constexpr std::uint32_t magic() const { return slot_size - kMagicSize; }
  constexpr std::uint32_t image_ok() const { return magic_block() - align; }
  constexpr std::uint32_t copy_done() const { return image_ok() - align; }
  constexpr std::uint32_t swap_info() const { return copy_done() - align; }
  constexpr std::uint32_t swap_size() const { return swap_info() - align; }
  // Bytes at the end of the slot that the public trailer occupies.
  constexpr std::uint32_t public_size() const { return slot_size - swap_size(); }
};

// The two layouts MCUboot documents, for readers who check them against docs/design.md.
static_assert(Offsets{4096, 8}.image_ok() == 4096 - 24 && Offsets{4096, 8}.swap_size() == 4096 - 48);
static_assert(Offsets{4096, 32}.image_ok() == 4096 - 64 && Offsets{4096, 32}.swap_size() == 4096 - 160);
static_assert(Offsets{4096, 16}.image_ok() == 4096 - 32 && Offsets{4096, 16}.public_size() == 80);
static_assert(Offsets{4096, kLargestAlign}.public_size() == 160);

}  // namespace ward::image::trailer
