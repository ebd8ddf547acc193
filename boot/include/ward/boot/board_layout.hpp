// The board's flash layout and load window, from the image's configuration (boot/Kconfig), for
// the bootloader and for applications that use the update API.
#pragma once
#include <cstdint>

#include "ward/boot/layout.hpp"
#include "ward/config.hpp"

namespace ward::boot {

inline constexpr FlashLayout kBoardLayout{
    .geometry = {.size = static_cast<std::uint32_t>(config::boot_flash_size),
                 .sector_size = static_cast<std::uint32_t>(config::boot_sector_size),
                 .write_align = static_cast<std::uint32_t>(config::boot_write_align)},
    .counter_offset = static_cast<std::uint32_t>(config::boot_counter_offset),
    .primary_offset = static_cast<std::uint32_t>(config::boot_primary_offset),
    .slot_sectors = static_cast<std::uint32_t>(config::boot_slot_sectors),
    .secondary_offset = static_cast<std::uint32_t>(config::boot_secondary_offset),
};
static_assert(kBoardLayout.valid(), "boot/Kconfig describes an inconsistent flash layout");

// Image 1 (the non-secure image) of the two-image chain; kBoardLayout is image 0 (the secure image).
inline constexpr FlashLayout kBoardNsLayout{
    .geometry = kBoardLayout.geometry,
    .counter_offset = static_cast<std::uint32_t>(config::boot_ns_counter_offset),
    .primary_offset = static_cast<std::uint32_t>(config::boot_ns_primary_offset),
    .slot_sectors = static_cast<std::uint32_t>(config::boot_ns_slot_sectors),
    .secondary_offset = static_cast<std::uint32_t>(config::boot_ns_secondary_offset),
};
static_assert(kBoardNsLayout.valid() && kBoardLayout.disjoint_from(kBoardNsLayout),
              "boot/Kconfig: image 1's flash areas are inconsistent or overlap image 0's");
inline constexpr const FlashLayout* kBoardImages[2] = {&kBoardLayout, &kBoardNsLayout};

inline constexpr std::uint32_t kLoadAddr = static_cast<std::uint32_t>(config::boot_load_addr);
inline constexpr std::uint32_t kHeaderSize = static_cast<std::uint32_t>(config::boot_header_size);
inline constexpr std::uint32_t kExecSize = static_cast<std::uint32_t>(config::boot_exec_size);
static_assert(kLoadAddr % 4 == 0 && kHeaderSize % 512 == 0, "the vector table needs 512-byte alignment");

}  // namespace ward::boot
