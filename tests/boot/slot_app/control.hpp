// Test support for the single-image bootloader: what a secure-only application with the boot flash
// in reach does to update itself (read the state of both slots, write a downloaded image into the
// secondary slot, request a test or permanent upgrade, confirm the running image), writing the
// same MCUboot trailer fields as MCUboot's boot_set_pending()/boot_set_confirmed(). Not a product
// API: applications run non-secure and update through psa/update.h (the secure image's FWU
// service), and no non-secure image may link this (tests/boot/ns_flash_paths.py).
#pragma once
#include <cstdint>

#include "ward/boot/engine.hpp"
#include "ward/boot/layout.hpp"
#include "ward/boot/slot_state.hpp"
#include "ward/flash/flash.hpp"
#include "ward/image/format.hpp"

namespace ward::boot {

struct SlotInfo {
  bool has_image = false;        // a well-formed image (header and TLV areas); not verified
  image::Version version;
  std::uint32_t image_size = 0;  // header + payload + TLVs
  std::uint32_t security_counter = 0;
  TrailerState trailer;
};

struct BootState {
  SlotInfo primary;
  SlotInfo secondary;
  bool on_trial = false;          // the running image is a test image: confirm() it or it is reverted
  bool upgrade_pending = false;   // the secondary slot is marked for the next boot
  bool permanent_pending = false; // ... as a permanent upgrade
};

class Control {
 public:
  Control(flash::Flash& flash, const FlashLayout& layout) : flash_{flash}, layout_{layout} {}

  Result<BootState> state() const;
  // Erases the secondary slot (its image sectors and trailer) before a new image is written.
  // Refused while the running image is on trial: the secondary slot then holds the image a
  // revert needs.
  Result<void> erase_secondary() const;
  // Writes `data` at `offset` of the secondary slot (NOR rules: erase first; write-aligned).
  Result<void> write_secondary(std::uint32_t offset, std::span<const std::byte> data) const;
  // Marks the secondary image for the next boot: a test upgrade (reverted unless confirmed) or a
  // permanent one. The bootloader verifies it then; here it only has to look like an image.
  // Refused (Error::wrong_align) if the image was padded with a trailer for another write unit.
  Result<void> request_upgrade(bool permanent = false) const;
  // Confirms the running image (no effect if it is already confirmed).
  Result<void> confirm() const;

 private:
  Result<SlotInfo> slot_info(const flash::Region& slot, std::uint32_t image_base) const;

  flash::Flash& flash_;
  const FlashLayout& layout_;
};

}  // namespace ward::boot
