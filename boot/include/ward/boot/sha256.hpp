// SHA-256 (FIPS 180-4) for the bootloader, written for speed on Cortex-M: a block's schedule is
// computed first, then the rounds run sixteen per pass with the eight working variables renamed
// instead of moved, so they stay in registers. Hashing a 256 KiB image is most of the boot time
// (docs/boot.md has the figures).
// Built with WARD_SHA256_COMPACT (lib/mgmt's ward_sha256_compact, the FWU binding's), the same
// class with one round per pass: about a quarter of the code, slower.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace ward::boot {

class Sha256 {
 public:
  Sha256() { reset(); }
  void reset();
  void update(std::span<const std::byte> data);
  std::array<std::uint8_t, 32> finish();  // the object must be reset() before reuse

  // The state between whole blocks, to be kept and taken up again (an upload resumed after a
  // reset, lib/mgmt's FWU binding). save() is meaningful only when the bytes hashed so far are a
  // multiple of 64 (block_aligned()).
  struct Midstate {
    std::array<std::uint32_t, 8> h;
    std::uint64_t length;
  };
  bool block_aligned() const { return used_ == 0; }
  Midstate save() const { return {state_, length_}; }
  void restore(const Midstate& m) {
    state_ = m.h;
    length_ = m.length;
    used_ = 0;
  }

 private:
  void blocks(const std::uint8_t* data, std::size_t count);

  std::array<std::uint32_t, 8> state_{};
  std::array<std::uint8_t, 64> buffer_{};
  std::uint64_t length_ = 0;  // bytes hashed so far
  std::size_t used_ = 0;      // bytes waiting in buffer_
};

}  // namespace ward::boot
