// A simulated NOR flash in host memory, for tests: the same rules as a real device (see flash.hpp),
// statistics for wear and write amplification, and power-cut injection.
//
// Power cuts: arm_power_cut(n) lets n more operations (program or erase) complete; operation n+1
// is torn part-way, returns Error::power_cut, and from then on every access fails with
// Error::power_cut until power_on(), which models the device restarting with whatever the flash
// holds. A torn program leaves the first bytes written, one byte with only some of its bits
// cleared and the rest untouched; a torn erase leaves a prefix of the sector erased and the rest
// as it was. Where each tear falls is chosen by a deterministic generator, so a failing cut can be
// replayed.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "ward/flash/flash.hpp"

namespace ward::flash {

class SimFlash final : public Flash {
 public:
  struct Stats {
    std::uint64_t programs = 0;          // program calls that changed or checked the medium
    std::uint64_t erases = 0;            // sector erases
    std::uint64_t bytes_programmed = 0;  // bytes passed to program
    std::uint64_t operations() const { return programs + erases; }
  };

  explicit SimFlash(Geometry g, std::uint64_t seed = 1);

  Geometry geometry() const override { return geometry_; }
  Status read(std::uint32_t offset, std::span<std::byte> out) override;
  Status program(std::uint32_t offset, std::span<const std::byte> data) override;
  Status erase(std::uint32_t offset) override;

  // Lets `operations` more program/erase calls complete, then tears the next one.
  void arm_power_cut(std::uint64_t operations) { cut_after_ = operations; }
  void disarm_power_cut() { cut_after_.reset(); }
  bool powered() const { return powered_; }
  // The device comes back (a reboot): accesses work again, no cut is armed.
  void power_on() {
    powered_ = true;
    cut_after_.reset();
  }

  const Stats& stats() const { return stats_; }
  void reset_stats();
  // Erases of each sector since the last reset_stats().
  const std::vector<std::uint32_t>& sector_erases() const { return sector_erases_; }

  // Direct access for test set-up and inspection (bypasses the rules and the counters).
  std::vector<std::byte>& raw() { return memory_; }
  const std::vector<std::byte>& raw() const { return memory_; }

 private:
  // True when this operation must be torn (and switches the power off).
  bool cut_now();
  std::uint32_t next_random();

  Geometry geometry_;
  std::vector<std::byte> memory_;
  std::vector<std::uint32_t> sector_erases_;
  Stats stats_;
  std::optional<std::uint64_t> cut_after_;
  bool powered_ = true;
  std::uint64_t rng_;
};

}  // namespace ward::flash
