#include "measured_boot.hpp"

#include <algorithm>

#include "secure_console.hpp"
#include "trustzone.hpp"

namespace ward::secure::measured_boot {
namespace {
boot::record::Record record{};
bool taken = false;

void print_hex(std::span<const std::uint8_t> bytes) {
  constexpr char kDigits[] = "0123456789abcdef";
  char text[2 * 32 + 1] = {};
  std::size_t n = 0;
  for (std::uint8_t b : bytes.first(std::min<std::size_t>(bytes.size(), 32))) {
    text[n++] = kDigits[b >> 4];
    text[n++] = kDigits[b & 0xf];
  }
  say(std::string_view{text, n});
}
}  // namespace

bool take() {
  // Safety: [kRecordAddr, +kRecordSize) is secure RAM that no part of this image is linked to
  // (secure_chain.ld); decode() checks every field against that span before it reads it.
  const std::span<const std::byte> area{reinterpret_cast<const std::byte*>(kRecordAddr), kRecordSize};
  auto r = boot::record::decode(area);
  if (!r) {
    say("secure: ", boot::record::to_string(r.error()), '\n');
    return false;
  }
  if (r->count != 2) {
    say("secure: the boot record names ", r->count, " images, not the secure and the non-secure one\n");
    return false;
  }
  const std::uint32_t entry = r->image[1].entry;
  if (entry < tz::kNsCode.base || entry - tz::kNsCode.base >= tz::kNsCode.size - 8 || entry % 128 != 0) {
    say("secure: the non-secure entry ", entry, " is outside the non-secure code window\n");
    return false;
  }
  record = *r;
  taken = true;
  for (const auto& m : measurements()) {
    say("secure: measured boot: image ", m.image_id, " '", m.component_name(), "' ", m.version.major, '.',
        m.version.minor, '.', m.version.revision, '+', m.version.build, ", security counter ", m.security_counter,
        m.test_boot ? ", on trial" : "", "\nsecure:   sha256 ");
    print_hex(m.sha256);
    say("\nsecure:   signer ");
    print_hex(m.signer_id);
    say('\n');
  }
  return true;
}

std::span<const boot::record::Measurement> measurements() {
  return taken ? std::span{record.image}.first(record.count) : std::span<const boot::record::Measurement>{};
}

void report_boot_time() {
  auto& csr = *reinterpret_cast<volatile std::uint32_t*>(0xE000E010);
  const auto& cvr = *reinterpret_cast<volatile std::uint32_t*>(0xE000E018);
  if ((csr & 1u) == 0) {
    return;  // not started by the chain's bootloader
  }
  const std::uint32_t ticks = (0x00FFFFFFu - cvr) & 0x00FFFFFFu;
  csr = 0;
  say("secure: ", ticks, " SysTick ticks from reset to the non-secure entry (x50 = instructions under -icount shift=0)\n");
}

std::uint32_t ns_vector_table() { return taken ? record.image[1].entry : tz::kNsCode.base; }

}  // namespace ward::secure::measured_boot
