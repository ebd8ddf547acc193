#include "ward/flash/sim_flash.hpp"

#include <algorithm>

namespace ward::flash {

SimFlash::SimFlash(Geometry g, std::uint64_t seed)
    : geometry_{g}, memory_(g.size, kErased), sector_erases_(g.sectors(), 0), rng_{seed | 1} {}

void SimFlash::reset_stats() {
  stats_ = {};
  std::fill(sector_erases_.begin(), sector_erases_.end(), 0);
}

std::uint32_t SimFlash::next_random() {
  // xorshift64*: deterministic and good enough to spread the tear points.
  rng_ ^= rng_ >> 12;
  rng_ ^= rng_ << 25;
  rng_ ^= rng_ >> 27;
  return static_cast<std::uint32_t>((rng_ * 0x2545F4914F6CDD1DULL) >> 32);
}

bool SimFlash::cut_now() {
  if (!cut_after_) {
    return false;
  }
  if (*cut_after_ > 0) {
    --*cut_after_;
    return false;
  }
  cut_after_.reset();
  powered_ = false;
  return true;
}

Status SimFlash::read(std::uint32_t offset, std::span<std::byte> out) {
  if (!powered_) {
    return fail(Error::power_cut);
  }
  if (auto s = check_read(geometry_, offset, out.size()); !s) {
    return s;
  }
  std::copy_n(memory_.begin() + offset, out.size(), out.begin());
  return {};
}

Status SimFlash::program(std::uint32_t offset, std::span<const std::byte> data) {
  if (!powered_) {
    return fail(Error::power_cut);
  }
  if (auto s = check_program(geometry_, offset, data.size()); !s) {
    return s;
  }
  auto current = std::span{memory_}.subspan(offset, data.size());
  if (!only_clears_bits(current, data)) {
    return fail(Error::not_erased);
  }
  ++stats_.programs;
  stats_.bytes_programmed += data.size();
  if (cut_now()) {
    // Torn: a prefix written, then one byte with a random subset of its cleared bits.
    const std::size_t done = data.empty() ? 0 : next_random() % data.size();
    std::copy_n(data.begin(), done, current.begin());
    if (done < data.size()) {
      const auto clear = ~data[done] & std::byte(next_random() & 0xFF);
      current[done] &= ~clear;
    }
    return fail(Error::power_cut);
  }
  std::copy(data.begin(), data.end(), current.begin());
  return {};
}

Status SimFlash::erase(std::uint32_t offset) {
  if (!powered_) {
    return fail(Error::power_cut);
  }
  if (auto s = check_erase(geometry_, offset); !s) {
    return s;
  }
  ++stats_.erases;
  ++sector_erases_[offset / geometry_.sector_size];
  auto sector = std::span{memory_}.subspan(offset, geometry_.sector_size);
  if (cut_now()) {
    // Torn: part of the sector erased, the rest still holds its old bytes.
    const std::size_t done = next_random() % geometry_.sector_size;
    std::fill_n(sector.begin(), done, kErased);
    return fail(Error::power_cut);
  }
  std::fill(sector.begin(), sector.end(), kErased);
  return {};
}

}  // namespace ward::flash
