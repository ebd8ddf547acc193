// The PSA Initial Attestation client functions (psa/initial_attestation.h): each packs its
// arguments as attest_wire.h describes and calls ward_psa_call. Argument checks that need nothing
// but the arguments are done here; the service checks everything again.
#include <cstddef>
#include <cstdint>

#include <psa/initial_attestation.h>
#include <ward/secure/attest_wire.h>
#include <ward/secure/call.h>

extern "C" {

psa_status_t psa_initial_attest_get_token(const uint8_t* auth_challenge, size_t challenge_size, uint8_t* token_buf,
                                          size_t token_buf_size, size_t* token_size) {
  if (token_size == nullptr || auth_challenge == nullptr || (token_buf == nullptr && token_buf_size != 0)) {
    return PSA_ERROR_INVALID_ARGUMENT;
  }
  *token_size = 0;
  const psa_invec in[1] = {{auth_challenge, challenge_size}};
  psa_outvec out[1] = {{token_buf, token_buf_size}};
  const psa_status_t s = ward_psa_call(WARD_SERVICE_ATTEST, WARD_ATTEST_GET_TOKEN, in, 1, out, 1);
  if (s == PSA_SUCCESS) {
    *token_size = out[0].len;
  }
  return s;
}

psa_status_t psa_initial_attest_get_token_size(size_t challenge_size, size_t* token_size) {
  if (token_size == nullptr) {
    return PSA_ERROR_INVALID_ARGUMENT;
  }
  *token_size = 0;
  const auto size = static_cast<std::uint32_t>(challenge_size);
  if (size != challenge_size) {  // more than 32 bits (size_t is wider on the host)
    return PSA_ERROR_INVALID_ARGUMENT;
  }
  std::uint32_t result = 0;
  const psa_invec in[1] = {{&size, sizeof size}};
  psa_outvec out[1] = {{&result, sizeof result}};
  const psa_status_t s = ward_psa_call(WARD_SERVICE_ATTEST, WARD_ATTEST_GET_TOKEN_SIZE, in, 1, out, 1);
  if (s != PSA_SUCCESS) {
    return s;
  }
  if (out[0].len != sizeof result) {
    return PSA_ERROR_COMMUNICATION_FAILURE;
  }
  *token_size = result;
  return PSA_SUCCESS;
}

}  // extern "C"
