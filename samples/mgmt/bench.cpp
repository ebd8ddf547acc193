// The device side of `./ward bench-mgmt` (bench.hpp).
#include "bench.hpp"

#include "../common/idle_spinner.hpp"
#include "ward/print.hpp"

namespace ward::mgmt_bench {

bool start() { return idle_spinner::start(); }

mgmt::ImageError MeasuredSink::begin(const mgmt::UploadStart& start, std::uint32_t& resume_at) {
  length_ = start.length;
  begun_ = idle_spinner::mark();
  return inner_.begin(start, resume_at);
}

mgmt::ImageError MeasuredSink::write(std::uint32_t offset, std::span<const std::byte> data) {
  return inner_.write(offset, data);
}

mgmt::ImageError MeasuredSink::finish() {
  const mgmt::ImageError e = inner_.finish();
  const idle_spinner::Mark now = idle_spinner::mark();
  print("bench: upload ", length_, " bytes in ", begun_.ticks - now.ticks, " ticks, ", now.spins - begun_.spins, " spins, ",
        e == mgmt::ImageError::ok ? "accepted" : "refused", '\n');
  return e;
}

void MeasuredSink::abort() { inner_.abort(); }

}  // namespace ward::mgmt_bench
