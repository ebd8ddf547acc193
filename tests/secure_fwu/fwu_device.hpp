// A simulated device for the Firmware Update service's host tests: one SimFlash with the boot
// layout of tests/boot (counter, primary, secondary) and the secure side's ITS behind it, the FWU
// service over both, and the bootloader's engine to "reboot" it. Every flash operation of the
// service, ITS and the bootloader goes to the same simulated flash, so a power cut can hit any.
#pragma once
#include <gtest/gtest.h>

#include <optional>

#include "sim_device.hpp"
#include "test_images.hpp"
#include "ward/boot/boot_crypto.hpp"
#include "ward/boot/engine.hpp"
#include "ward/flash/sim_flash.hpp"
#include "ward/secure/crypto/image_crypto.hpp"
#include "ward/secure/fwu/service.hpp"
#include "ward/secure/storage.hpp"

namespace ward::fwu_test {

using sim_device::kLayout;
using test_images::Bytes;

// The boot layout's 27 KiB, then 8 KiB of ITS (two banks of four 1 KiB sectors).
inline constexpr std::uint32_t kItsBase = 27 * 1024;
inline constexpr std::uint32_t kItsSize = 8 * 1024;
inline constexpr flash::Geometry kGeo{.size = kItsBase + kItsSize, .sector_size = 1024, .write_align = 8};

inline secure::storage::Keys test_keys() {
  secure::storage::Keys k{};
  for (std::size_t i = 0; i < k.aead.size(); ++i) {
    k.aead[i] = std::byte{static_cast<std::uint8_t>(i)};
    k.mac[i] = std::byte{static_cast<std::uint8_t>(0x80 + i)};
  }
  return k;
}

struct Device {
  explicit Device(const image::PublicKey& key, std::uint64_t seed = 1) : key_{key}, flash{kGeo, seed} {
    components[1].key = &key_;
  }

  // The secure image starting: ITS mounted, the service reads its state.
  psa_status_t start_secure() {
    fwu.reset();
    its.emplace(flash::Region{flash, kItsBase, kItsSize}, keys, scratch, index, secure::storage::Limits{256, 2048});
    if (const auto s = its->mount(); s != PSA_SUCCESS) return s;
    fwu.emplace(flash, *its, service_crypto, components, reboot_hook);
    fwu->mount();
    return PSA_SUCCESS;
  }

  // A reset: the bootloader runs (finishing or starting an upgrade or revert), then the secure image.
  boot::Result<boot::BootImage> reboot() {
    sim_device::Recorder rec;
    boot::FlashLoader loader;
    boot::Engine engine{flash, kLayout, key_, crypto, rec};
    auto b = engine.run(loader);
    boot_log = rec.log;
    EXPECT_EQ(start_secure(), PSA_SUCCESS);
    return b;
  }

  psa_fwu_component_info_t query(psa_fwu_component_t c = WARD_FWU_COMPONENT_NONSECURE) {
    psa_fwu_component_info_t info{};
    EXPECT_EQ(fwu->query(c, &info), PSA_SUCCESS);
    return info;
  }
  std::uint8_t state(psa_fwu_component_t c = WARD_FWU_COMPONENT_NONSECURE) { return query(c).state; }

  // Writes `image` from `from` in blocks of `block` bytes.
  psa_status_t stage(const Bytes& image, std::uint32_t from = 0, std::uint32_t block = 512) {
    for (std::uint32_t off = from; off < image.size(); off += block) {
      const auto n = std::min<std::uint32_t>(block, static_cast<std::uint32_t>(image.size()) - off);
      const auto s = fwu->write(WARD_FWU_COMPONENT_NONSECURE, off,
                                std::as_bytes(std::span{image}.subspan(off, n)));
      if (s != PSA_SUCCESS) return s;
    }
    return PSA_SUCCESS;
  }

  // The image the primary slot holds, byte for byte.
  bool primary_holds(const Bytes& image) const {
    const auto& raw = flash.raw();
    return std::equal(image.begin(), image.end(), raw.begin() + kLayout.primary_offset,
                      [](std::uint8_t a, std::byte b) { return std::byte{a} == b; });
  }

  static inline int reboots_requested = 0;
  static void reboot_hook() { ++reboots_requested; }

  image::PublicKey key_;
  flash::SimFlash flash;
  boot::BootCrypto crypto;  // the bootloader's
  // The secure image's (Mbed TLS): every image the tests install is verified by both.
  secure::crypto::ImageCrypto service_crypto;
  secure::storage::Keys keys = test_keys();
  alignas(8) std::array<std::byte, secure::storage::scratch_bytes(256)> scratch{};
  std::array<secure::storage::IndexEntry, 8> index{};
  std::optional<secure::storage::Store> its;
  // Component 0 (the secure image) has no slots in this layout yet: it does not exist here.
  std::array<secure::fwu::Component, 2> components{{{WARD_FWU_COMPONENT_SECURE, nullptr, nullptr, 0},
                                                    {WARD_FWU_COMPONENT_NONSECURE, &kLayout, nullptr, 0}}};
  std::optional<secure::fwu::Service> fwu;
  std::string boot_log;
};

}  // namespace ward::fwu_test
