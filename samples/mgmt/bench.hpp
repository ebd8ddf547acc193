// The device side of `./ward bench-mgmt` (tests/mgmt/mgmt_bench.py): how many instructions the
// device spends per uploaded byte, under QEMU with -icount shift=0 (one instruction = 1 ns of
// virtual time; ../shared/bench/METHOD.md).
//
// Virtual time alone is not the answer: a device waiting for the next byte sleeps, and QEMU moves
// virtual time on to the next timer tick (sleep=off). So a spinner thread at the lowest priority
// keeps the core busy and counts its loops: the time it did not get is the time the rest of the
// device (transport, lwIP, the SMP server, the FWU binding and the secure side's staging, the
// kernel) spent. Its rate with nothing to do (the ticks and the other threads' periodic work
// included) is measured first, so background work is subtracted with it. Time is TIMER1 (20 MHz,
// free-running), calibrated with a loop of known length in every run.
#pragma once
#include <cstdint>

#include "ward/mgmt/image_group.hpp"

namespace ward::mgmt_bench {

// Starts TIMER1 and the spinner; measures and prints the calibration ("bench: calibration ...").
bool start();

// Forwards to the real sink and prints, when an upload finishes, the TIMER1 ticks and the spinner's
// loops from its first chunk to its last ("bench: upload ...").
class MeasuredSink final : public mgmt::UploadSink {
 public:
  explicit MeasuredSink(mgmt::UploadSink& inner) : inner_(inner) {}
  mgmt::ImageError begin(const mgmt::UploadStart& start, std::uint32_t& resume_at) override;
  mgmt::ImageError write(std::uint32_t offset, std::span<const std::byte> data) override;
  mgmt::ImageError finish() override;
  void abort() override;

 private:
  mgmt::UploadSink& inner_;
  std::uint32_t length_ = 0;
  std::uint32_t ticks_ = 0;
  std::uint32_t spins_ = 0;
};

}  // namespace ward::mgmt_bench
