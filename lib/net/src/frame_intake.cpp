// Frame intake's decisions (see frame_intake.hpp): what a receive status word and an Ethernet
// header must show before a frame goes on to the IP stack.
#include "ward/net/frame_intake.hpp"

namespace ward::net {

void IntakeCounters::count(Drop d) {
  switch (d) {
    case Drop::none: ++accepted; break;
    case Drop::too_short: ++too_short; break;
    case Drop::too_long: ++too_long; break;
    case Drop::error: ++error; break;
    case Drop::filtered: ++filtered; break;
    case Drop::bad_source: ++bad_source; break;
    case Drop::malformed: ++malformed; break;
  }
}

StatusVerdict classify_status(std::uint32_t status) {
  const std::size_t length = (status >> rx_status::kLengthShift) & rx_status::kLengthMask;
  if (length > kMaxFifoFrameBytes) {
    return {Drop::malformed, 0, 0};
  }
  // Safe: length <= kMaxFifoFrameBytes, so the word count fits 16 bits.
  const auto words = static_cast<std::uint16_t>((length + 3) / 4);
  if ((status & rx_status::kErrors) != 0) {
    return {Drop::error, 0, words};
  }
  if ((status & rx_status::kFilterFail) != 0) {
    return {Drop::filtered, 0, words};
  }
  if (length < kEthHeaderBytes + kFcsBytes) {
    return {Drop::too_short, 0, words};
  }
  if (length > kMaxFrameBytes + kFcsBytes) {
    return {Drop::too_long, 0, words};
  }
  return {Drop::none, static_cast<std::uint16_t>(length - kFcsBytes), words};
}

Drop check_header(std::span<const std::byte> frame) {
  if (frame.size() < kEthHeaderBytes) {
    return Drop::too_short;
  }
  // Source address: bytes 6..11; its first byte's lowest bit is the group bit.
  if ((std::to_integer<unsigned>(frame[6]) & 1u) != 0) {
    return Drop::bad_source;
  }
  return Drop::none;
}

}  // namespace ward::net
