// The simulated device of the engine's host tests (the power-cut sweep, the RAM loader): a small
// flash layout, images put straight into the simulated flash, and the engine's events recorded.
#pragma once
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "test_images.hpp"
#include "ward/boot/engine.hpp"
#include "ward/flash/sim_flash.hpp"

namespace ward::sim_device {

// 1 KiB sectors, 8-byte writes; slots of 12 sectors (11 for the image), as on QEMU but smaller.
inline constexpr flash::Geometry kGeo{.size = 27 * 1024, .sector_size = 1024, .write_align = 8};
inline constexpr boot::FlashLayout kLayout{kGeo, 0, 2 * 1024, 12, 14 * 1024};
static_assert(kLayout.valid());

// The engine's events, as text for failure messages and as a list to look for one.
class Recorder final : public boot::Observer {
 public:
  struct Seen {
    boot::Event e;
    std::uint32_t a, b;
  };
  void on(boot::Event e, std::uint32_t a, std::uint32_t b) override {
    events.push_back({e, a, b});
    log += std::to_string(static_cast<int>(e)) + "(" + std::to_string(a) + "," + std::to_string(b) + ") ";
  }
  bool saw(boot::Event e, std::uint32_t a) const {
    return std::any_of(events.begin(), events.end(), [&](const Seen& s) { return s.e == e && s.a == a; });
  }
  std::vector<Seen> events;
  std::string log;
};

// Writes `data` at `offset`, bypassing the flash rules (test set-up).
inline void put(flash::SimFlash& f, std::uint32_t offset, const test_images::Bytes& data) {
  std::transform(data.begin(), data.end(), f.raw().begin() + offset, [](std::uint8_t b) { return std::byte{b}; });
}

}  // namespace ward::sim_device

namespace ward::sim_device {

// Two images on one device (MultiEngine): image 0 (secure) where kLayout has its slots, image 1
// (non-secure) right after, with its own counter.
inline constexpr flash::Geometry kGeo2{.size = 54 * 1024, .sector_size = 1024, .write_align = 8};
inline constexpr boot::FlashLayout kLayout0{kGeo2, 0, 2 * 1024, 12, 14 * 1024};
inline constexpr boot::FlashLayout kLayout1{kGeo2, 27 * 1024, 29 * 1024, 12, 41 * 1024};
static_assert(kLayout0.valid() && kLayout1.valid() && kLayout0.disjoint_from(kLayout1));
static_assert(!kLayout0.disjoint_from(kLayout0));

}  // namespace ward::sim_device
