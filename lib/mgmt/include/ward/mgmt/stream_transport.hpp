// SMP over a byte stream (docs/device-management.md, "TLS transport"): mcumgr's SMP-over-TCP
// framing, which is no framing at all -- each packet is its 8-byte header and the header's length
// of CBOR data, back to back on the stream (Zephyr's SMP transport specification: the header holds
// what reassembly needs). The portable part: a reassembler that never reads past the packet it is
// taking, so the transport reads exactly the bytes it asks for (want()) and nothing of the next
// packet has to be kept.
//
// Defensive by construction: a stream is one peer's, and a peer that breaks the framing has nothing
// more to say on it. The first header whose reserved bits are set, or whose length would not fit
// the buffer, ends the stream (Event::error): the transport closes the session, and nothing of that
// packet reaches the server. A stream that ends inside a packet (short) delivers nothing of it.
#pragma once
#include <cstddef>
#include <span>

#include "ward/mgmt/smp.hpp"

namespace ward::mgmt::stream {

enum class Event {
  more,    // keep reading: want() says where
  packet,  // packet() holds one whole packet; the next push starts the next one
  error,   // the stream broke the framing: close it (every push until reset() says so again)
};

class Reassembler {
 public:
  // `buffer` holds one packet, header included; it must outlive the reassembler.
  constexpr explicit Reassembler(std::span<std::byte> buffer) : buffer_(buffer) {}

  // Where the next bytes go: never more than what the packet being taken still lacks (at most a
  // header, then at most the header's length). Empty after an error.
  std::span<std::byte> want();
  // `n` bytes were written at the start of want() (n <= want().size(); more is an error).
  Event commit(std::size_t n);
  // Convenience for a transport that has its bytes already (and for tests and the fuzzer): copies
  // what want() takes from `in`, commits it; `used` says how much of `in` was taken.
  Event push(std::span<const std::byte> in, std::size_t& used);

  // The packet after Event::packet (valid until the next push or commit).
  std::span<const std::byte> packet() const { return buffer_.first(size_); }
  // Back to the start of a stream (a new session).
  void reset() {
    have_ = 0;
    need_ = kHeaderBytes;
    size_ = 0;
    failed_ = false;
  }
  bool failed() const { return failed_; }

 private:
  std::span<std::byte> buffer_;
  std::size_t have_ = 0;  // bytes of the packet being taken
  std::size_t need_ = kHeaderBytes;  // its whole size, once the header is in
  std::size_t size_ = 0;  // the size of the packet delivered (0: none)
  bool failed_ = false;
};

// Whether a header announcing `length` bytes of data may be taken into a buffer of `capacity`.
constexpr bool fits(std::size_t length, std::size_t capacity) {
  return capacity >= kHeaderBytes && length <= capacity - kHeaderBytes;
}

}  // namespace ward::mgmt::stream
