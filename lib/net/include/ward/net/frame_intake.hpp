// Frame intake: the first code that touches a received Ethernet frame, before the IP stack.
//
// Everything the Ethernet controller reports is outside data: the frame, and also the length and
// flags of its receive status word (a peer chooses the frame; a faulty or emulated controller
// chooses the status). Intake decides from the status word alone how many FIFO words belong to the
// frame, drains exactly those words whatever it decides (so the next status and the next frame
// stay in step), and hands on only a frame that
//   - holds at least a whole Ethernet header (14 bytes): shorter is dropped (too_short);
//   - is no longer than the largest untagged frame (1514 bytes without the FCS): too_long;
//   - has no receive error flagged (CRC, MII, collision, watchdog, too-long): error;
//   - passed the address filter: filtered;
//   - has a unicast source address (a multicast source is never a real sender): bad_source.
// Runts of 14..59 bytes are accepted: an emulated peer (QEMU's slirpvde) sends 46-byte frames.
// A status whose length could not have come from the FIFO (more than the controller's FIFO
// holds) means the FIFO can no longer be trusted to be in step: the caller must flush it
// (Verdict::resync), and the frame is counted as malformed.
//
// The logic is portable (host tests, the libFuzzer target) and takes the controller's FIFO as a
// template parameter: the LAN9118 driver instantiates it with the device registers.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace ward::net {

// LAN9118 receive status word (SMSC LAN9118 datasheet, "RX Status Format").
namespace rx_status {
inline constexpr std::uint32_t kFilterFail = 1u << 30;
inline constexpr unsigned kLengthShift = 16;  // bits 29:16, the frame's length with its 4-byte FCS
inline constexpr std::uint32_t kLengthMask = 0x3fff;
inline constexpr std::uint32_t kErrorSummary = 1u << 15;
inline constexpr std::uint32_t kLengthError = 1u << 12;
inline constexpr std::uint32_t kRunt = 1u << 11;
inline constexpr std::uint32_t kTooLong = 1u << 7;
inline constexpr std::uint32_t kCollision = 1u << 6;
inline constexpr std::uint32_t kWatchdog = 1u << 4;
inline constexpr std::uint32_t kMiiError = 1u << 3;
inline constexpr std::uint32_t kCrcError = 1u << 1;
// The flags that make a frame's content untrustworthy. Not among them: the runt flag and the error
// summary it feeds (short frames are accepted, see above), and the 802.3 length error (lwIP reads
// the type field only).
inline constexpr std::uint32_t kErrors = kTooLong | kCollision | kWatchdog | kMiiError | kCrcError;
}  // namespace rx_status

inline constexpr std::size_t kEthHeaderBytes = 14;
inline constexpr std::size_t kMaxFrameBytes = 1514;  // untagged, without the FCS
inline constexpr std::size_t kFcsBytes = 4;
// The largest status length a LAN9118 can report with its FIFO in step: its RX data FIFO is at
// most 2640 words; anything beyond means the status FIFO is garbage.
inline constexpr std::size_t kMaxFifoFrameBytes = std::size_t{2640} * 4;
// What a receive buffer must hold: the largest accepted frame with its FCS, in whole words.
inline constexpr std::size_t kRxBufferBytes = (kMaxFrameBytes + kFcsBytes + 3) / 4 * 4;

enum class Drop : std::uint8_t { none, too_short, too_long, error, filtered, bad_source, malformed };

struct IntakeCounters {
  std::uint32_t accepted = 0;
  std::uint32_t too_short = 0;
  std::uint32_t too_long = 0;
  std::uint32_t error = 0;
  std::uint32_t filtered = 0;
  std::uint32_t bad_source = 0;
  std::uint32_t malformed = 0;  // the FIFO had to be flushed
  std::uint32_t dropped() const { return too_short + too_long + error + filtered + bad_source + malformed; }
  void count(Drop d);
};

// What the status word says: the drop reason (none: deliver) and the FIFO words the frame takes.
struct StatusVerdict {
  Drop drop = Drop::none;
  std::uint16_t frame_bytes = 0;  // without the FCS (valid when drop is none)
  std::uint16_t fifo_words = 0;   // to read or discard; 0 with Drop::malformed (flush instead)
};
StatusVerdict classify_status(std::uint32_t status);

// Checks the Ethernet header of a frame that passed classify_status (frame.size() >= 14).
Drop check_header(std::span<const std::byte> frame);

// The outcome of one intake: the frame's length in `buffer` (0 when dropped) and why not.
struct Received {
  std::size_t bytes = 0;
  Drop drop = Drop::none;
};

// Receives the frame at the head of `fifo` into `buffer` (at least kRxBufferBytes, 4-byte
// aligned) or drops it, counting either. Fifo provides
//   std::uint32_t pop_status();  std::uint32_t pop_data();  void flush();
template <class Fifo>
Received receive_one(Fifo& fifo, std::span<std::byte> buffer, IntakeCounters& counters) {
  const StatusVerdict v = classify_status(fifo.pop_status());
  if (v.drop == Drop::malformed) {
    fifo.flush();
    counters.count(Drop::malformed);
    return {0, Drop::malformed};
  }
  if (v.drop != Drop::none || buffer.size() < std::size_t{v.fifo_words} * 4) {
    // The words are drained either way: the next status must meet the next frame. (A buffer too
    // small for an accepted frame is the caller's bug; the frame is dropped as too long.)
    for (std::uint16_t i = 0; i < v.fifo_words; ++i) {
      (void)fifo.pop_data();
    }
    const Drop why = v.drop != Drop::none ? v.drop : Drop::too_long;
    counters.count(why);
    return {0, why};
  }
  for (std::uint16_t i = 0; i < v.fifo_words; ++i) {
    const std::uint32_t word = fifo.pop_data();  // the FIFO's bytes in little-endian order
    std::memcpy(buffer.data() + std::size_t{i} * 4, &word, 4);
  }
  const auto frame = buffer.first(v.frame_bytes);
  const Drop why = check_header(frame);
  counters.count(why);
  return {why == Drop::none ? frame.size() : 0, why};
}

}  // namespace ward::net
