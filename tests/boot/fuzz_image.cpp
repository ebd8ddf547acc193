// libFuzzer target for the MCUboot image parser and validator (lib/image): any byte string as an
// image in a slot of its own size, as a DER signature and as a public key; and for the boot
// record's readers (boot/boot_record.hpp): as a record handed to the secure image and as the
// CBOR of a boot record TLV. Crashes, sanitizer
// reports and reads outside the input are findings. The crypto is a stand-in (a fixed digest of
// zeros, a verifier that refuses): the target is the parsing around it, not SHA-256 or ECDSA.
#include <cstddef>
#include <cstdint>

#include "ward/boot/boot_record.hpp"
#include "ward/image/format.hpp"

namespace {
using namespace ward;

class FakeCrypto final : public image::Crypto {
 public:
  void sha256_start() override {}
  void sha256_update(std::span<const std::byte>) override {}
  // Always zero, like the built-in key's hash below: seeds with zeroed SHA-256 and key hash
  // TLVs (fuzz_seeds.py) pass both checks, so mutations reach the signature's DER and the
  // verifier; seeds with the real values keep the mismatch paths covered.
  std::array<std::uint8_t, 32> sha256_finish() override { return {}; }
  bool p256_verify(const std::array<std::uint8_t, 64>&, const std::array<std::uint8_t, 32>&,
                   const std::array<std::uint8_t, 64>&) override {
    return false;
  }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto bytes = std::as_bytes(std::span{data, size});
  image::MemorySource src{bytes};
  const auto area = static_cast<std::uint32_t>(size);
  FakeCrypto crypto;
  image::PublicKey key{};
  if (auto m = image::verify(src, area, key, crypto)) {
    __builtin_trap();  // the stand-in verifier refuses everything: success would be a bypass
  }
  if (auto l = image::layout(src, area)) {
    (void)image::for_each_tlv(src, *l, [](const image::Tlv&) -> image::Status { return {}; });
  }
  (void)image::ecdsa_der_to_raw(std::span{data, size});
  (void)image::p256_spki_to_raw(std::span{data, size});
  if (auto r = boot::record::decode(bytes)) {
    for (std::size_t i = 0; i < r->count; ++i) {
      if (r->image[i].component_name().size() > boot::record::kMaxComponent) __builtin_trap();
    }
  }
  if (boot::record::component_from_cbor(std::span{data, size}).size() > boot::record::kMaxComponent) {
    __builtin_trap();
  }
  return 0;
}
