// The non-secure image of the chain's end-to-end tests (tests/boot/chain_e2e.py): it runs only
// if the bootloader verified it and the secure image, verified too, started it at the entry from
// the boot record; it reaches the secure image through PSA Crypto (the chain's veneers).
#include <psa/crypto.h>

#include <array>
#include <cstdint>

#include "ward/kernel.hpp"
#include "ward/print.hpp"

int main() {
  using ward::print;
  print("chain: the non-secure image is running\n");
  std::array<std::uint8_t, 16> random{};
  const bool ok = psa_crypto_init() == PSA_SUCCESS && psa_generate_random(random.data(), random.size()) == PSA_SUCCESS;
  print("chain: PSA call to the secure image: ", ok ? "ok" : "FAILED", '\n');
  return ok ? 0 : 1;
}
