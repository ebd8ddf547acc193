// libFuzzer target over the Firmware Update service's request handler (secure/fwu/src/handler.cpp)
// and the service behind it, on a simulated device (boot layout + ITS on one SimFlash). An input is
// a sequence of requests, each a whole call as the dispatcher hands it over: type, vector counts,
// the argument block (its size may lie), the data block, output capacities. Every vector is its own
// exactly sized heap block, so a read or write past one is an AddressSanitizer error. Now and then
// the device reboots (the service re-reads its state from the flash).
//
// Invariants checked after every call:
//   - out_written never exceeds an output's size, and is 0 unless the call succeeded;
//   - the state query reports is one of the specification's;
//   - the bootloader is never asked to boot anything: the service's key is one no image is signed
//     with, so no sequence of requests may set the secondary trailer's magic (install must verify).
//
// Input: per request [type][counts: in<<4|out][component][offset: 4 bytes LE][args size delta]
// [data length: 2 bytes LE][data...][out capacity: 2 bytes LE]; type 0xFF reboots.
#include <psa/update.h>
#include <ward/secure/update_wire.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "ward/boot/boot_crypto.hpp"
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

struct Device {
  Device() {
    for (std::size_t i = 0; i < 32; ++i) {
      keys.aead[i] = std::byte{static_cast<std::uint8_t>(i)};
      keys.mac[i] = std::byte{static_cast<std::uint8_t>(i + 1)};
      key.spki_sha256[i] = 0x5a;
    }
    key.point.fill(0x11);  // not a point any image is signed with
    components[1].key = &key;
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
  if (!magic || *magic == boot::Field::set) __builtin_trap();
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
    for (std::size_t i = 0; i < written.size(); ++i) {
      if (written[i] > out[i].size() || (s != PSA_SUCCESS && written[i] != 0)) __builtin_trap();
    }
    check_invariants(*d);
  }
  return 0;
}
