// NOR flash backed by a host file through Arm semihosting (QEMU): the file keeps its contents
// across QEMU runs and resets, which is what makes persistent slots possible on a machine whose
// RAM is reloaded from the image on every reset. The NOR rules of flash.hpp are enforced here as
// on a real device: erase writes 0xFF, program reads the current bytes first and refuses to set
// a 0 bit back to 1.
#pragma once
#include <cstdint>

#include "ward/flash/flash.hpp"

namespace ward::flash {

class SemihostFlash final : public Flash {
 public:
  // `path` is relative to QEMU's working directory; it must outlive the object.
  constexpr SemihostFlash(const char* path, Geometry g) : path_{path}, geometry_{g} {}

  // Opens the file, creating it (all 0xFF) if it is missing and extending a short file with 0xFF.
  Status open();

  Geometry geometry() const override { return geometry_; }
  Status read(std::uint32_t offset, std::span<std::byte> out) override;
  Status program(std::uint32_t offset, std::span<const std::byte> data) override;
  Status erase(std::uint32_t offset) override;

  // Wear and write volume since open(): what the bootloader reports after an upgrade.
  std::uint32_t bytes_programmed() const { return bytes_programmed_; }
  std::uint32_t sectors_erased() const { return sectors_erased_; }

 private:
  Status transfer(std::uint32_t op, std::uint32_t offset, std::uintptr_t data, std::size_t size);
  Status raw_read(std::uint32_t offset, std::span<std::byte> out);
  Status raw_write(std::uint32_t offset, std::span<const std::byte> data);
  Status fill_erased(std::uint32_t offset, std::uint32_t size);

  const char* path_;
  Geometry geometry_;
  int handle_ = -1;
  std::uint32_t bytes_programmed_ = 0;
  std::uint32_t sectors_erased_ = 0;
};

}  // namespace ward::flash
