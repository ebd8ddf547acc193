// ward::net::random32 on the device: the secure world's DRBG through the PSA Crypto client. A
// failure is not papered over with a weaker source: the stack cannot run safely without it.
#include <psa/crypto.h>

#include "ward/net/random.hpp"
#include "ward/panic.hpp"

namespace ward::net {

std::uint32_t random32() {
  static bool initialised = false;  // lwIP calls this from its own thread only
  if (!initialised) {
    if (psa_crypto_init() != PSA_SUCCESS) {
      panic("net: no random source (psa_crypto_init)");
    }
    initialised = true;
  }
  std::uint32_t value = 0;
  if (psa_generate_random(reinterpret_cast<std::uint8_t*>(&value), sizeof value) != PSA_SUCCESS) {
    panic("net: no random source (psa_generate_random)");
  }
  return value;
}

}  // namespace ward::net
