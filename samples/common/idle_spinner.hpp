// The idle spinner of the device-side benchmarks (`./ward bench-net`: tests/net/net_bench.py;
// `./ward bench-mgmt`: samples/mgmt/bench.hpp): how many instructions the device spends on a piece
// of work, under QEMU with -icount shift=0 (one instruction = 1 ns of virtual time;
// ../shared/bench/METHOD.md). For non-secure images (the secure image gives TIMER1 to them).
//
// Virtual time alone is not the answer: while the device waits for the peer it would sleep, and
// QEMU (sleep=off) moves virtual time on to the next timer. So a spinner thread at the lowest
// priority keeps the core busy and counts its loops; the time it did not get is the time the rest
// of the device spent (the measured thread, lwIP's thread, the transports, the secure world's
// work behind the PSA calls, the kernel). Its rate with nothing else to do (ticks and periodic
// work included) is measured first, so that background is subtracted:
//   instructions = (ticks - spins * idle_ticks / idle_spins) * calibration_instructions / calibration_ticks
// Time is TIMER1 (free-running), calibrated with a loop of known length.
#pragma once
#include <cstdint>

namespace ward::idle_spinner {

// Starts TIMER1 and the spinner; measures and prints the calibration ("bench: calibration ...").
bool start();

// A mark: TIMER1's reading and the spinner's count.
struct Mark {
  std::uint32_t ticks;
  std::uint32_t spins;
};
Mark mark();
// Prints "bench: NAME BYTES bytes in T ticks, S spins" for the span from `since` to now.
void report(const char* name, std::uint32_t bytes, const Mark& since);

}  // namespace ward::idle_spinner
