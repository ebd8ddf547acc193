// libFuzzer target for the storage service: the input is a program of requests straight into the
// ITS/PS handlers (any type, any argument-block length and contents, any vector counts), byte
// flips in the flash between them, and reboots (a re-mount parses whatever the flash then holds).
// Crashes, sanitizer reports and a failed mount are findings.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "ward/flash/sim_flash.hpp"
#include "ward/secure/storage_service.hpp"

namespace {
using namespace ward;
using namespace ward::secure;

struct Reader {
  const std::uint8_t* p;
  std::size_t n;
  std::uint8_t byte() {
    if (n == 0) return 0;
    --n;
    return *p++;
  }
  std::span<const std::byte> take(std::size_t len) {
    len = len < n ? len : n;
    auto s = std::span{reinterpret_cast<const std::byte*>(p), len};
    p += len;
    n -= len;
    return s;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  flash::SimFlash dev{{16 * 1024, 2048, 8}};
  const flash::Region its{dev, 0, 8 * 1024};
  const flash::Region ps{dev, 8 * 1024, 8 * 1024};
  if (storage::init(its, ps) != PSA_SUCCESS) std::abort();
  Reader r{data, size};
  std::array<std::byte, 2048> out_buf;
  for (int steps = 0; r.n > 0 && steps < 64; ++steps) {
    const std::uint8_t op = r.byte();
    if (op < 16) {  // flip bits somewhere in the flash
      const std::size_t at = (r.byte() << 8 | r.byte()) % dev.raw().size();
      dev.raw()[at] ^= std::byte{static_cast<std::uint8_t>(r.byte() | 1)};
      continue;
    }
    if (op < 24) {  // reboot: parse the flash again
      if (storage::init(its, ps) != PSA_SUCCESS) std::abort();
      continue;
    }
    const ClientId caller{static_cast<std::int8_t>(r.byte())};
    const std::int32_t type = static_cast<std::int8_t>(r.byte()) % 9;
    const std::size_t in_count = r.byte() % 6;
    const std::size_t out_count = r.byte() % 6;
    std::array<std::span<const std::byte>, 5> in{};
    std::array<std::span<std::byte>, 5> out{};
    std::array<std::size_t, 5> written{};
    for (std::size_t i = 0; i < in_count; ++i) in[i] = r.take(r.byte() & 0x3F);
    std::size_t used = 0;
    for (std::size_t i = 0; i < out_count; ++i) {
      const std::size_t len = r.byte() * 4u;
      out[i] = std::span{out_buf}.subspan(used % 1024, len);
      used += len;
    }
    const auto call = op & 1 ? storage::handle_ps : storage::handle_its;
    call(caller, type, std::span{in}.first(in_count), std::span{out}.first(out_count),
         std::span{written}.first(out_count));
    for (std::size_t i = 0; i < out_count; ++i) {
      if (written[i] > out[i].size()) std::abort();
    }
  }
  return 0;
}
