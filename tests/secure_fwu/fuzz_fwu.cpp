// libFuzzer target over the Firmware Update service's request handler (secure/fwu/src/handler.cpp)
// and the service behind it, on a simulated device (boot layout + ITS on one SimFlash). An input is
// a sequence of requests, each a whole call as the dispatcher hands it over: type, vector counts,
// the argument block (its size may lie), the data block, output capacities. Every vector is its own
// exactly sized heap block, so a read or write past one is an AddressSanitizer error. Now and then
// the device reboots (the service re-reads its state from the flash), or resets: the bootloader
// runs first (takes up a requested image for a trial, reverts a trial not accepted), so that
// install, the trial, accept, reject and clean are reached on images the bootloader moved.
// The component's key is a fixed test key (RFC 6979's P-256 key, A.2.5): fuzz_seeds.py signs
// images with it, so seeds stage an image that verifies and mutations start past install's check.
//
// Invariants checked after every call:
//   - out_written never exceeds an output's size, and is 0 unless the call succeeded;
//   - the state query reports is one of the specification's;
//   - the bootloader is asked to boot only an image that verifies: until the bootloader has run
//     (it moves images and trailers itself), the secondary trailer's magic is set only over a
//     staged image signed with the component's key (install must verify).
//
// Input: per request [type][counts: in<<4|out][component][offset: 4 bytes LE][args size delta]
// [data length: 2 bytes LE][data...][out capacity: 2 bytes LE]; type 0xFF reboots, 0xFE resets.
#include <psa/update.h>
#include <ward/secure/update_wire.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "ward/boot/boot_crypto.hpp"
#include "ward/boot/engine.hpp"
#include "ward/boot/layout.hpp"
#include "ward/boot/slot_state.hpp"
#include "ward/flash/sim_flash.hpp"
#include "ward/secure/fwu/service.hpp"
#include "ward/secure/storage.hpp"

namespace {
using namespace ward;

constexpr flash::Geometry kGeo{.size = 35 * 1024, .sector_size = 1024, .write_align = 8};
constexpr boot::FlashLayout kLayout{kGeo, 0, 2 * 1024, 12, 14 * 1024};
static_assert(kLayout.valid());
constexpr std::uint32_t kItsBase = 27 * 1024, kItsSize = 8 * 1024;

// The DER SubjectPublicKeyInfo of the test key (RFC 6979, A.2.5: the P-256 key's public point).
constexpr std::uint8_t kTestSpki[] = {
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
    0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04, 0x60, 0xfe, 0xd4, 0xba, 0x25, 0x5a, 0x9d, 0x31, 0xc9,
    0x61, 0xeb, 0x74, 0xc6, 0x35, 0x6d, 0x68, 0xc0, 0x49, 0xb8, 0x92, 0x3b, 0x61, 0xfa, 0x6c, 0xe6, 0x69, 0x62,
    0x2e, 0x60, 0xf2, 0x9f, 0xb6, 0x79, 0x03, 0xfe, 0x10, 0x08, 0xb8, 0xbc, 0x99, 0xa4, 0x1a, 0xe9, 0xe9, 0x56,
    0x28, 0xbc, 0x64, 0xf2, 0xf1, 0xb2, 0x0c, 0x2d, 0x7e, 0x9f, 0x51, 0x77, 0xa3, 0xc2, 0x94, 0xd4, 0x46, 0x22,
    0x99};

image::PublicKey test_key() {
  boot::BootCrypto crypto;
  auto key = image::make_public_key(kTestSpki, crypto);
  if (!key) __builtin_trap();
  return *key;
}

// WARD_FUZZ_TRACE=1: each request's type and status on stderr (to check that seeds reach the
// steps they are written for).
const bool g_trace = std::getenv("WARD_FUZZ_TRACE") != nullptr;

class NoObserver final : public boot::Observer {
 public:
  void on(boot::Event, std::uint32_t, std::uint32_t) override {}
};

struct Device {
  Device() {
    for (std::size_t i = 0; i < 32; ++i) {
      keys.aead[i] = std::byte{static_cast<std::uint8_t>(i)};
      keys.mac[i] = std::byte{static_cast<std::uint8_t>(i + 1)};
    }
    static const image::PublicKey kKey = test_key();
    key = kKey;
    components[1].key = &key;
  }
  // A reset: the bootloader, then the secure image.
  void reset() {
    NoObserver observer;
    boot::FlashLoader loader;
    boot::Engine engine{flash, kLayout, key, crypto, observer};
    (void)engine.run(loader);  // no image to boot is an answer too
    bootloader_ran = true;
    boot();
  }
  void boot() {
    fwu.reset();
    its.emplace(flash::Region{flash, kItsBase, kItsSize}, keys, scratch, index, secure::storage::Limits{256, 2048});
    if (its->mount() != PSA_SUCCESS) __builtin_trap();
    fwu.emplace(flash, *its, crypto, components, nullptr);
    fwu->mount();
  }

  flash::SimFlash flash{kGeo};
  boot::BootCrypto crypto;
  image::PublicKey key{};
  secure::storage::Keys keys{};
  alignas(8) std::array<std::byte, secure::storage::scratch_bytes(256)> scratch{};
  std::array<secure::storage::IndexEntry, 8> index{};
  std::optional<secure::storage::Store> its;
  std::array<secure::fwu::Component, 2> components{{{WARD_FWU_COMPONENT_SECURE, nullptr, nullptr, 0},
                                                    {WARD_FWU_COMPONENT_NONSECURE, &kLayout, nullptr, 0}}};
  std::optional<secure::fwu::Service> fwu;
  bool bootloader_ran = false;
};

class Reader {
 public:
  Reader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  std::uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  std::uint32_t u16() { return byte() | static_cast<std::uint32_t>(byte()) << 8; }
  std::uint32_t u32() { return u16() | u16() << 16; }
  bool done() const { return pos_ >= size_; }
  std::vector<std::byte> take(std::size_t n) {
    n = std::min(n, size_ - pos_);
    std::vector<std::byte> v(n);
    if (n != 0) std::memcpy(v.data(), data_ + pos_, n);
    pos_ += n;
    return v;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

void check_invariants(Device& d) {
  psa_fwu_component_info_t info{};
  if (d.fwu->query(WARD_FWU_COMPONENT_NONSECURE, &info) != PSA_SUCCESS) __builtin_trap();
  if (info.state > PSA_FWU_UPDATED) __builtin_trap();
  auto magic = boot::read_magic(kLayout.secondary(d.flash));
  if (!magic) __builtin_trap();
  if (*magic == boot::Field::set && !d.bootloader_ran) {
    boot::FlashSource staged{flash::Region{d.flash, kLayout.secondary_offset + kLayout.sector_size(),
                                           kLayout.max_image_size()}};
    if (!image::verify(staged, kLayout.max_image_size(), d.key, d.crypto)) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto d = std::make_unique<Device>();
  d->boot();
  Reader r(data, size);
  for (int calls = 0; calls < 64 && !r.done(); ++calls) {
    const std::uint8_t type = r.byte();
    if (type == 0xFF) {
      d->boot();
      continue;
    }
    if (type == 0xFE) {
      if (g_trace) std::fprintf(stderr, "reset\n");
      d->reset();
      check_invariants(*d);
      continue;
    }
    const std::uint8_t counts = r.byte();
    ward_fwu_args a{};
    a.component = r.byte() % 4;
    a.offset = r.u32();
    // Mostly aligned offsets near the start, so that writes get past the first checks.
    if ((counts & 0x08) == 0) a.offset = (a.offset % 8192) & ~7u;
    a.error = static_cast<std::int32_t>(counts & 0x04 ? 0 : r.u16());
    const auto delta = static_cast<std::int8_t>(r.byte());
    auto block = r.take(r.u16() % 3000);
    const std::uint32_t cap = r.u16() % 128;
    const std::size_t in_count = (counts >> 4) % 6;
    const std::size_t out_count = counts & 0x03;
    const std::size_t args_size =
        (delta % 4 == 0) ? sizeof a : static_cast<std::size_t>(std::max<int>(0, int(sizeof a) + delta % 8));

    std::vector<std::unique_ptr<std::byte[]>> owned;
    std::vector<std::span<const std::byte>> in;
    for (std::size_t i = 0; i < in_count; ++i) {
      const std::size_t n = i == 0 ? args_size : block.size();
      owned.emplace_back(new std::byte[n == 0 ? 1 : n]);
      if (i == 0) {
        std::memcpy(owned.back().get(), &a, std::min(n, sizeof a));
      } else if (n != 0) {
        std::memcpy(owned.back().get(), block.data(), n);
      }
      in.emplace_back(owned.back().get(), n);
    }
    std::vector<std::unique_ptr<std::byte[]>> outs;
    std::vector<std::span<std::byte>> out;
    const std::uint32_t out_size = (cap & 1) != 0 ? sizeof(psa_fwu_component_info_t) : cap;
    for (std::size_t i = 0; i < out_count; ++i) {
      outs.emplace_back(new std::byte[out_size == 0 ? 1 : out_size]);
      out.emplace_back(outs.back().get(), out_size);
    }
    std::vector<std::size_t> written(out.size(), 12345);
    const psa_status_t s =
        secure::fwu::handle(*d->fwu, secure::nonsecure_client(1), static_cast<std::int8_t>(type % 12), in, out, written);
    if (g_trace) {
      psa_fwu_component_info_t info{};
      (void)d->fwu->query(WARD_FWU_COMPONENT_NONSECURE, &info);
      std::fprintf(stderr, "type %d: %d (state %d)\n", type % 12, static_cast<int>(s), info.state);
    }
    for (std::size_t i = 0; i < written.size(); ++i) {
      if (written[i] > out[i].size() || (s != PSA_SUCCESS && written[i] != 0)) __builtin_trap();
    }
    check_invariants(*d);
  }
  return 0;
}
