// RAM-load (MCUboot's mode of that name): the primary image is copied from flash into a window of
// executable RAM, and that copy is what the engine verifies and what runs. Portable: on the device
// the window is the executable memory itself (boot/firmware/main.cpp), on the host a buffer stands
// in for it (tests/boot/ram_loader_test.cpp).
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "ward/boot/engine.hpp"

namespace ward::boot {

class RamLoader final : public Loader {
 public:
  // `window`: the memory images are loaded into; `window_addr`: its address on the device, which
  // images' load addresses are checked against.
  RamLoader(std::span<std::byte> window, std::uint32_t window_addr) : window_{window}, window_addr_{window_addr} {}

  // Checks that the image is a RAM-load image that fits the window with its vector table 512-byte
  // aligned, copies it there and returns the copy to verify.
  image::Result<image::Source*> load(const image::Layout& layout, const flash::Region& slot) override;

 private:
  std::span<std::byte> window_;
  std::uint32_t window_addr_;
  std::optional<image::MemorySource> source_;
};

}  // namespace ward::boot
