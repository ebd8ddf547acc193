// The device side of `./ward bench-mgmt` (tests/mgmt/mgmt_bench.py): how many instructions the
// device spends per uploaded byte, under QEMU with -icount shift=0 (one instruction = 1 ns of
// virtual time; ../shared/bench/METHOD.md).
//
// The method (an idle spinner at the lowest priority, calibrated at boot, TIMER1 for time) is
// samples/common/idle_spinner.hpp's, shared with `./ward bench-net`: what the spinner did not get
// between an upload's first chunk and its last is what the transport, lwIP, the SMP server, the FWU
// binding, the secure side's staging and the kernel spent.
#pragma once
#include <cstdint>

#include "../common/idle_spinner.hpp"
#include "ward/mgmt/image_group.hpp"

namespace ward::mgmt_bench {

// Starts TIMER1 and the idle spinner (samples/common/idle_spinner.hpp); prints the calibration.
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
  idle_spinner::Mark begun_{};
};

}  // namespace ward::mgmt_bench
