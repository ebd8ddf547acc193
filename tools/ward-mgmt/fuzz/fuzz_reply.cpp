// libFuzzer target over ward-mgmt's parsers of what a device sends: the console framing's decoder
// (bytes from a serial line) and the SMP reply parser with every command's decoder (each packet the
// decoder delivers, and the input itself as one UDP datagram). Every input must parse or be refused
// with a reason, never crash, leak or read out of bounds (built with ASan and UBSan).
#include <cstdint>
#include <cstdlib>

#include "serial_frame.hpp"
#include "smp.hpp"

namespace {

using namespace ward::mgmt_client;

void decode_all(std::span<const std::uint8_t> packet) {
  const auto h = parse_header(packet);
  if (!h) return;
  // Answer whatever the header names, so that every reply reaches the CBOR parser.
  const Expect e{static_cast<Op>(h->op == 0 ? 0 : h->op - 1), h->group, h->id, h->sequence};
  auto parsed = parse_reply(packet, e);
  auto* r = std::get_if<Reply>(&parsed);
  if (r == nullptr) return;
  if (r->header.length + kHeaderBytes != packet.size() || packet.size() > kMaxReply) std::abort();
  (void)reply_error(*r);
  (void)decode_image_state(*r);
  (void)decode_slot_info(*r);
  (void)decode_upload_offset(*r);
  (void)decode_echo(*r);
  (void)decode_taskstat(*r);
  (void)decode_params(*r);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  decode_all({data, size});
  serial::Decoder d(kMaxReply);
  for (std::size_t i = 0; i < size; ++i) {
    if (d.push(data[i])) {
      // A delivered packet encodes back to lines that decode to the same packet.
      const std::vector<std::uint8_t> p = d.packet();
      serial::Decoder again(kMaxReply);
      bool got = false;
      for (std::uint8_t b : serial::encode(p)) got = again.push(b) || got;
      if (!got || again.packet() != p) std::abort();
      decode_all(p);
    }
  }
  return 0;
}
