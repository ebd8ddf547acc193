// The anti-rollback security counter: a value that only goes up, kept in two flash sectors only
// the bootloader writes.
//
// Each record is one 8-byte unit {value, ~value} (little-endian), appended after the last used
// unit; the counter is the largest valid record of both sectors. A torn record fails the
// complement check and is ignored, so a power cut during an update leaves the previous value.
// When the active sector is full, the other one is erased and the new value written first
// there; until that record is complete the old sector still holds the previous value.
#pragma once
#include <cstdint>

#include "ward/flash/flash.hpp"

namespace ward::boot {

class SecurityCounter {
 public:
  explicit SecurityCounter(flash::Region area) : area_{area} {}

  flash::Result<std::uint32_t> read() const;
  // Raises the counter to `value`; a value not above the current one changes nothing.
  flash::Status raise(std::uint32_t value) const;

 private:
  struct Scan {
    std::uint32_t value = 0;
    std::uint32_t sector = 0;       // sector holding the largest record
    std::uint32_t next_free[2] = {0, 0};  // unit index after the last used unit, per sector
  };
  flash::Result<Scan> scan() const;

  flash::Region area_;
};

}  // namespace ward::boot
