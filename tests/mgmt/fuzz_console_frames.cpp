// libFuzzer target: the console transport's decoder (lib/mgmt) fed the input as console bytes.
// Whatever the bytes: no memory error (ASan), every packet it delivers fits its buffer and, encoded
// again, comes back as lines of at most 127 bytes that decode to the same packet.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "ward/mgmt/console_transport.hpp"

namespace {
using namespace ward::mgmt::console;
constexpr std::size_t kCapacity = 300;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Decoder<kCapacity> decoder;  // static: state may carry over between inputs, as on a UART
  decoder = {};
  for (std::size_t i = 0; i < size; ++i) {
    if (decoder.push(static_cast<std::byte>(data[i])) != Event::packet) {
      continue;
    }
    const auto packet = decoder.packet();
    if (packet.size() > kCapacity) std::abort();
    const std::vector<std::byte> copy(packet.begin(), packet.end());
    Decoder<kCapacity> again;
    int packets = 0;
    const bool ok = encode_packet(copy, [&](std::span<const std::byte> line) {
      if (line.size() > kMaxLine) std::abort();
      for (const std::byte b : line) {
        if (again.push(b) == Event::packet) ++packets;
      }
    });
    if (!ok || packets != 1 || again.packet().size() != copy.size() ||
        (!copy.empty() && std::memcmp(again.packet().data(), copy.data(), copy.size()) != 0)) {
      std::abort();
    }
    // The same packet framed in place (ConsoleService's answers): the same lines, byte for byte.
    std::vector<std::byte> lines;
    (void)encode_packet(copy, [&](std::span<const std::byte> line) { lines.insert(lines.end(), line.begin(), line.end()); });
    std::vector<std::byte> frame(copy.size() + 4);
    std::copy(copy.begin(), copy.end(), frame.begin() + 2);
    std::vector<std::byte> framed;
    if (!encode_frame(std::span{frame}, [&](std::span<const std::byte> line) {
          framed.insert(framed.end(), line.begin(), line.end());
        }) ||
        framed != lines) {
      std::abort();
    }
  }
  return 0;
}
