// The non-secure application of the attestation test on QEMU (attest_e2e.py): the chain's image 1.
// It reads the verifier's challenge from the host (semihosting file "nonce.bin", written by the test
// before the boot), asks the secure image for a token with psa/initial_attestation.h and prints it
// in hex for the host to verify with ward-attest. It also shows the device's own refusals: a buffer
// one byte short, and a challenge size the API does not allow.
#include <psa/initial_attestation.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "ward/arch/arm/semihosting.hpp"
#include "ward/kernel.hpp"
#include "ward/print.hpp"
#include "ward/secure/monitor.hpp"

namespace {

using ward::print;

std::array<std::uint8_t, PSA_INITIAL_ATTEST_MAX_TOKEN_SIZE> token;

void print_hex(std::span<const std::uint8_t> bytes) {
  constexpr char kDigits[] = "0123456789abcdef";
  constexpr std::size_t kLine = 48;
  for (std::size_t off = 0; off < bytes.size(); off += kLine) {
    std::array<char, 2 * kLine> text{};
    std::size_t n = 0;
    for (std::size_t i = off; i < bytes.size() && i < off + kLine; ++i) {
      text[n++] = kDigits[bytes[i] >> 4];
      text[n++] = kDigits[bytes[i] & 0xf];
    }
    print("attest: token-hex ", std::string_view{text.data(), n}, '\n');
  }
}

}  // namespace

int main() {
  const ward::arm::semihost::HostFile file{"nonce.bin"};
  std::array<std::uint8_t, 64> nonce{};
  const std::uint32_t n = file.size();
  if (!file.ok() || n > nonce.size() || !file.read(0, std::as_writable_bytes(std::span{nonce}).first(n))) {
    print("attest: no challenge from the host (nonce.bin)\n");
    return 1;
  }
  std::size_t size = 0;
  psa_status_t s = psa_initial_attest_get_token_size(n, &size);
  print("attest: token size for a ", n, "-byte challenge: ", size, " (status ", s, ")\n");
  if (s != PSA_SUCCESS || size > token.size()) return 1;

  // The device's own refusals.
  std::size_t written = 0;
  s = psa_initial_attest_get_token(nonce.data(), n, token.data(), size - 1, &written);
  print("attest: a buffer one byte short: ", s == PSA_ERROR_BUFFER_TOO_SMALL ? "refused (buffer too small)" : "NOT REFUSED",
        '\n');
  s = psa_initial_attest_get_token(nonce.data(), n - 1, token.data(), token.size(), &written);
  print("attest: a ", n - 1, "-byte challenge: ",
        s == PSA_ERROR_INVALID_ARGUMENT ? "refused (invalid argument)" : "NOT REFUSED", '\n');

  s = psa_initial_attest_get_token(nonce.data(), n, token.data(), token.size(), &written);
  if (s != PSA_SUCCESS || written != size) {
    print("attest: psa_initial_attest_get_token FAILED (status ", s, ", ", written, " bytes)\n");
    return 1;
  }
  print("attest: token of ", written, " bytes\n");
  print_hex(std::span{token}.first(written));
  print("attest: token end\n");
  // The token's payload and signature are built on the secure service stack (secure/attest): it
  // must keep its margin (tests/secure/secure_stacks.hpp) after the largest token too.
  ward_spe_stacks st{};
  if (!ward::secure::stack_report(st)) {
    print("attest: no secure stack report\n");
    return 1;
  }
  print("attest: secure service stack ", st.service.used, " of ", st.service.size, " bytes\n");
  if (st.service.used + 1024 > st.service.size) {
    print("attest: secure service stack margin below 1 KiB\n");
    return 1;
  }
  return 0;
}
