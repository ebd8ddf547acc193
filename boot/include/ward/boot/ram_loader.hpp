// RAM-load (MCUboot's mode of that name): the primary image is copied from flash into a window of
// executable RAM, and that copy is what the engine verifies and what runs. Portable: on the device
// the window is the executable memory itself (boot/firmware/main.cpp), on the host a buffer stands
// in for it (tests/boot/ram_loader_test.cpp).
//
// What ends up executable is exactly what the signature covers:
//   - only the signed part (header, payload, protected TLVs: layout.hashed_size bytes) is copied
//     into the window. The unprotected TLV area (hash, key hash, signature and any TLV of a type
//     Ward ignores) is outside the hash: anyone can append kilobytes of their choice to it without
//     breaking the signature, so copied next to the image it would be code at a known address for
//     the next exploit. verify() reads it from flash instead: it is data that the signed bytes are
//     checked against, never executed;
//   - everything else in the window is zeroed before the copy: what a previous boot left there
//     (an earlier image and its TLVs; QEMU keeps RAM across a warm reset) is unverified too;
//   - the vector table (the two words the hand-over reads) must lie inside the signed part.
// The engine boots the image only if the layout it verified in the window is the one this loader
// placed and checked (Engine::boot_primary), so the hand-over never uses a field read elsewhere.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "ward/boot/engine.hpp"

namespace ward::boot {

// Where in its window an image may be loaded.
enum class Placement : std::uint8_t {
  anywhere,  // any load address whose signed part fits (the single-image bootloader)
  // Only at the window's start. The chain's images are linked at a fixed address (the secure
  // image's NSC veneers at 0x10008600, the non-secure vector table at 0x00200200), and the window
  // is what binds an image to its role: with `anywhere`, every RAM-load image signed with image 0's
  // key for another window inside it (the single-image bootloader's applications at 0x10100000,
  // signed by the same build key) was accepted as the secure image.
  at_start,
};

class RamLoader final : public Loader {
 public:
  // `window`: the memory images are loaded into; `window_addr`: its address on the device, which
  // images' load addresses are checked against.
  RamLoader(std::span<std::byte> window, std::uint32_t window_addr, Placement placement = Placement::anywhere)
      : window_{window}, window_addr_{window_addr}, placement_{placement} {}

  // Checks that the image is a RAM-load image whose signed part fits the window, with its vector
  // table 512-byte aligned and signed; wipes the window, copies the signed part to the image's load
  // address and returns the image to verify (signed part from the window, TLVs from flash).
  image::Result<image::Source*> load(const image::Layout& layout, const flash::Region& slot) override;

  // The signed part as placed by the last load() (empty if none): where the boot record reads the
  // verified image's protected TLVs from, never from flash again.
  std::span<const std::byte> signed_part() const { return source_ ? source_->placed() : std::span<const std::byte>{}; }

 private:
  // The image as verify() reads it: [0, placed.size()) from the window, the rest from flash.
  class Placed final : public image::Source {
   public:
    Placed(std::span<const std::byte> placed, const flash::Region& slot) : placed_{placed}, rest_{slot} {}
    image::Status read(std::uint32_t offset, std::span<std::byte> out) override;
    std::span<const std::byte> placed() const { return placed_; }

   private:
    std::span<const std::byte> placed_;
    FlashSource rest_;
  };

  std::span<std::byte> window_;
  std::uint32_t window_addr_;
  Placement placement_;
  std::optional<Placed> source_;
};

}  // namespace ward::boot
