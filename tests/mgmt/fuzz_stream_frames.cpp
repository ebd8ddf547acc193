// libFuzzer target: the stream transport's reassembler (stream_transport.hpp), as SMP over TLS
// feeds it. The first byte of each step picks the size of the next read (1..64, as TLS records
// split a stream anywhere); the rest is the stream. Whatever the bytes: no memory error (ASan), the
// reassembler never asks for more than its buffer, every packet it delivers fits the buffer, is a
// valid header with exactly its length of data and is the stream's bytes in order; after an error it
// takes nothing more.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "ward/mgmt/stream_transport.hpp"

namespace {
using namespace ward::mgmt;
constexpr std::size_t kCapacity = 300;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static std::array<std::byte, kCapacity> buffer;
  stream::Reassembler r{buffer};
  const std::size_t step = (data[0] & 0x3f) + 1;
  const auto* stream_bytes = reinterpret_cast<const std::byte*>(data + 1);
  const std::size_t stream_size = size - 1;
  std::size_t at = 0;
  std::size_t delivered = 0;  // stream bytes delivered in packets
  bool failed = false;
  while (at < stream_size) {
    const auto space = r.want();
    if (failed) {
      if (!space.empty() || r.commit(1) != stream::Event::error) std::abort();
      break;
    }
    if (space.empty() || space.size() > kCapacity || space.data() < buffer.data() ||
        space.data() + space.size() > buffer.data() + buffer.size())
      std::abort();
    const std::size_t n = std::min({space.size(), step, stream_size - at});
    std::memcpy(space.data(), stream_bytes + at, n);
    at += n;
    switch (r.commit(n)) {
      case stream::Event::more:
        break;
      case stream::Event::error:
        failed = true;
        break;
      case stream::Event::packet: {
        const auto p = r.packet();
        const auto h = parse_header(p);
        if (!h || p.size() > kCapacity || p.size() != kHeaderBytes + h->length ||
            delivered + p.size() != at || std::memcmp(p.data(), stream_bytes + delivered, p.size()) != 0)
          std::abort();
        delivered = at;
        break;
      }
    }
  }
  return 0;
}
