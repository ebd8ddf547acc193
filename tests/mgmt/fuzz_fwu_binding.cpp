// libFuzzer target: the image group on the PSA Firmware Update binding (lib/mgmt fwu_binding.hpp),
// over a model of the FWU service and Protected Storage (fwu_model.hpp). The input is a sequence of
// request packets (each: a big-endian u16 length, then that many bytes); a packet of length 0
// resets the device: a new binding and group over the same model, whose staged images the model's
// bootloader takes on trial. Whatever the packets: no memory error (ASan), and no FWU call that
// breaks the service's rules (misaligned or gapped blocks, more than 2048 bytes, writes after the
// image's last block) -- the binding's own parsing of the upload (its header and TLV windows, the
// unit tail) included.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "fwu_model.hpp"
#include "ward/mgmt/fwu_binding.hpp"
#include "ward/mgmt/image_group.hpp"
#include "ward/mgmt/server.hpp"

namespace {
using namespace ward::mgmt;

struct Device {
  FwuBinding fwu{0x100, {327680, 327680}};
  ImageGroup image{fwu, fwu};
  Group* groups[1] = {&image};
  Server server{groups};
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  model = Model{};
  model.max_size = 16 * 1024;
  auto dev = std::make_unique<Device>();
  for (int packets = 0; size >= 2 && packets < 48; ++packets) {
    std::size_t n = (std::size_t{data[0]} << 8) | data[1];
    data += 2;
    size -= 2;
    n = n < size ? n : size;
    if (n == 0) {
      model.reboot();
      dev = std::make_unique<Device>();
      continue;
    }
    std::vector<std::byte> request(reinterpret_cast<const std::byte*>(data), reinterpret_cast<const std::byte*>(data) + n);
    std::vector<std::byte> response(512);
    const std::size_t out = dev->server.handle(request, response);
    if (out > response.size() || model.bad_calls != 0) std::abort();
    for (const auto& c : model.c) {
      if (c.staged.size() > model.max_size) std::abort();
    }
    data += n;
    size -= n;
  }
  return 0;
}
