// NOR flash as the bootloader and the update code see it.
//
// The contract every backend enforces (the simulator for host tests, the semihosting file on QEMU,
// a real flash controller later), because the swap engine's power-fail safety depends on it:
//   - erase works on whole sectors and sets every byte to 0xFF;
//   - program can only clear bits (1 -> 0): asking for a 1 where the flash holds a 0 is refused
//     with Error::not_erased and nothing is written. Re-programming a unit with a value that only
//     clears more bits is allowed (that is how a torn write is completed);
//   - program offsets and lengths are multiples of the write alignment;
//   - every access lies inside the device.
// A power cut can stop any program or erase part-way; what is left is one partially written unit
// (or a partially erased sector). Callers must be able to recover from that state.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

#include "ward/result.hpp"

namespace ward::flash {

enum class Error : std::uint8_t {
  out_of_range = 1,  // the access leaves the device (or the region)
  misaligned,        // program offset/length not a multiple of the write unit, erase not on a sector
  not_erased,        // program would have to turn a 0 bit back into 1
  io,                // the backend failed (host file I/O)
  power_cut,         // simulator only: the power went away during or before this operation
};

template <class T>
using Result = base::Result<T, Error>;
using Status = Result<void>;
using base::fail;

// Short text for diagnostics ("not erased", ...).
const char* to_string(Error e);

inline constexpr std::byte kErased{0xFF};

struct Geometry {
  std::uint32_t size;         // bytes
  std::uint32_t sector_size;  // erase unit, bytes (a power of two)
  std::uint32_t write_align;  // program unit, bytes (a power of two, <= sector_size)

  constexpr std::uint32_t sectors() const { return size / sector_size; }
  constexpr bool valid() const {
    auto pow2 = [](std::uint32_t v) { return v != 0 && (v & (v - 1)) == 0; };
    return pow2(sector_size) && pow2(write_align) && write_align <= sector_size &&
           size % sector_size == 0 && size != 0;
  }
};

// A NOR flash device. Backends derive from it; nobody owns one through a base pointer.
class Flash {
 public:
  virtual Geometry geometry() const = 0;
  virtual Status read(std::uint32_t offset, std::span<std::byte> out) = 0;
  // Programs `data` at `offset` under the rules above.
  virtual Status program(std::uint32_t offset, std::span<const std::byte> data) = 0;
  // Erases the sector that starts at `offset` (which must be sector-aligned).
  virtual Status erase(std::uint32_t offset) = 0;

 protected:
  Flash() = default;
  ~Flash() = default;
  Flash(const Flash&) = default;
  Flash& operator=(const Flash&) = default;
};

// The argument checks every backend applies before touching the medium.
Status check_read(const Geometry& g, std::uint32_t offset, std::size_t size);
Status check_program(const Geometry& g, std::uint32_t offset, std::size_t size);
Status check_erase(const Geometry& g, std::uint32_t offset);
// NOR's one-way rule: `wanted` may only clear bits that are set in `current`.
bool only_clears_bits(std::span<const std::byte> current, std::span<const std::byte> wanted);

// A window of a device (a slot, the counter area): offsets are relative to its start and every
// access is checked against its size, so code working on one slot cannot touch another.
class Region {
 public:
  constexpr Region(Flash& flash, std::uint32_t base, std::uint32_t size) : flash_{&flash}, base_{base}, size_{size} {}

  std::uint32_t size() const { return size_; }
  std::uint32_t base() const { return base_; }
  std::uint32_t sector_size() const { return flash_->geometry().sector_size; }
  std::uint32_t write_align() const { return flash_->geometry().write_align; }
  std::uint32_t sectors() const { return size_ / sector_size(); }
  Flash& device() const { return *flash_; }

  Status read(std::uint32_t offset, std::span<std::byte> out) const;
  Status program(std::uint32_t offset, std::span<const std::byte> data) const;
  Status erase_sector(std::uint32_t index) const;
  // True when every byte of [offset, offset+size) reads 0xFF.
  Result<bool> is_erased(std::uint32_t offset, std::uint32_t size) const;

 private:
  Status check(std::uint32_t offset, std::size_t size) const;

  Flash* flash_;
  std::uint32_t base_;
  std::uint32_t size_;
};

}  // namespace ward::flash
