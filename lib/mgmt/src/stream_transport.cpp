// SMP over a byte stream: the reassembler (stream_transport.hpp).
#include "ward/mgmt/stream_transport.hpp"

#include <algorithm>

namespace ward::mgmt::stream {

std::span<std::byte> Reassembler::want() {
  if (failed_ || buffer_.size() < kHeaderBytes) {
    return {};
  }
  if (size_ != 0) {  // the last packet was delivered: a new one starts
    size_ = 0;
    have_ = 0;
    need_ = kHeaderBytes;
  }
  return buffer_.subspan(have_, need_ - have_);
}

Event Reassembler::commit(std::size_t n) {
  const std::span<std::byte> space = want();
  if (failed_ || space.empty() || n > space.size()) {
    failed_ = true;
    return Event::error;
  }
  have_ += n;
  if (have_ < need_) {
    return Event::more;
  }
  if (need_ == kHeaderBytes) {
    const auto header = parse_header(buffer_.first(kHeaderBytes));
    if (!header || !fits(header->length, buffer_.size())) {
      failed_ = true;  // garbage, or more than the server takes: the stream ends here
      return Event::error;
    }
    need_ = kHeaderBytes + header->length;
    if (have_ < need_) {
      return Event::more;
    }
  }
  size_ = have_;
  return Event::packet;
}

Event Reassembler::push(std::span<const std::byte> in, std::size_t& used) {
  used = 0;
  Event e = Event::more;
  while (e == Event::more && used < in.size()) {
    const std::span<std::byte> space = want();
    const std::size_t n = std::min(space.size(), in.size() - used);
    std::copy_n(in.begin() + static_cast<std::ptrdiff_t>(used), n, space.begin());
    used += n;
    e = commit(n);
  }
  return e;
}

}  // namespace ward::mgmt::stream
