// libFuzzer target over ward-attest's token decoder (verifier.hpp: decode), the one parser of
// outside data on the attestation path: every input must decode or be refused, never crash, leak or
// read out of bounds (built with ASan and UBSan). A decoded token is re-checked for the sizes
// decode() promises.
#include <cstdint>
#include <cstdlib>

#include "verifier.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ward::attest::Token tok;
  if (ward::attest::decode({data, size}, tok) == ward::attest::Failure::none) {
    const auto* t = &tok;
    const std::size_t n = t->nonce.size();
    if ((n != 32 && n != 48 && n != 64) || t->instance_id.size() != 33 || t->signature.size() != 64 ||
        t->components.empty()) {
      std::abort();
    }
  }
  return 0;
}
