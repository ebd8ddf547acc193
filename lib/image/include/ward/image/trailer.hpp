// The MCUboot image trailer: the last bytes of a slot, through which the application asks for an
// upgrade and confirms an image, and the bootloader records a swap. Offsets are counted from the
// end of the slot with MCUboot's standard 8-byte field spacing (BOOT_MAX_ALIGN = 8), so images
// padded by imgtool or ward-image (`--pad`, `--confirm`) and MCUboot-style applications agree:
//
//   slot end - 16   magic (16 bytes)
//            - 24   image_ok   (0x01 = set, 0xFF = unset)
//            - 32   copy_done  (0x01 = set)
//            - 40   swap_info  (low nibble: swap type, high nibble: image number)
//            - 48   swap_size  (u32, bytes)
// Below swap_size the bootloader keeps its private swap status (see boot/).
#pragma once
#include <array>
#include <cstdint>

namespace ward::image::trailer {

inline constexpr std::uint32_t kMaxAlign = 8;
inline constexpr std::uint32_t kMagicSize = 16;
// The magic as bytes (MCUboot's four words 0xf395c277 0x7fefd260 0x0f505235 0x8079b62c, LE).
inline constexpr std::array<std::uint8_t, kMagicSize> kMagic = {0x77, 0xc2, 0x95, 0xf3, 0x60, 0xd2, 0xef, 0x7f,
                                                               0x35, 0x52, 0x50, 0x0f, 0x2c, 0xb6, 0x79, 0x80};
inline constexpr std::uint8_t kFlagSet = 0x01;
inline constexpr std::uint8_t kErased = 0xFF;

enum class SwapType : std::uint8_t { none = 1, test = 2, perm = 3, revert = 4, fail = 5 };

// Offsets from the start of a slot of `slot_size` bytes.
constexpr std::uint32_t magic_offset(std::uint32_t slot_size) { return slot_size - kMagicSize; }
constexpr std::uint32_t image_ok_offset(std::uint32_t slot_size) { return magic_offset(slot_size) - kMaxAlign; }
constexpr std::uint32_t copy_done_offset(std::uint32_t slot_size) { return image_ok_offset(slot_size) - kMaxAlign; }
constexpr std::uint32_t swap_info_offset(std::uint32_t slot_size) { return copy_done_offset(slot_size) - kMaxAlign; }
constexpr std::uint32_t swap_size_offset(std::uint32_t slot_size) { return swap_info_offset(slot_size) - kMaxAlign; }
// Bytes at the end of a slot that the public trailer occupies.
inline constexpr std::uint32_t kPublicSize = kMagicSize + 4 * kMaxAlign;

}  // namespace ward::image::trailer
