// PSA Initial Attestation's service (see ward/secure/attest/service.hpp): the request handler, the
// attestation key and the signature, on the secure side's Mbed TLS.
#include "ward/secure/attest/service.hpp"

#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/hkdf.h>
#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>
// Mbed TLS 3.6's psa_util.h declares its functions without extern "C" guards.
extern "C" {
#include <mbedtls/psa_util.h>
}
#include <mbedtls/sha256.h>
#include <psa/crypto.h>
#include <ward/secure/attest_wire.h>

#include <algorithm>
#include <cstring>

#include "ward/secure/crypto/spe_platform.hpp"
#include "ward/secure/huk.hpp"
#include "ward/secure/service_handlers.hpp"

namespace ward::secure::attest {
namespace {

struct State {
  Settings settings;
  std::array<char, kMaxVerificationService> service_uri{};
  std::array<SwComponent, kMaxComponents> components{};
  std::size_t count = 0;
  bool have_identity = false;
  Identity id;
  bool have_seed = false;
  std::array<std::uint8_t, kHashSize> boot_seed{};
};
State state;

// The crypto core, started as the crypto service starts it (idempotent): the DRBG behind
// mbedtls_psa_get_random and the boot seed.
bool crypto_ready() {
  crypto::platform_init();
  return psa_crypto_init() == PSA_SUCCESS;
}

// The IAK's private scalar: HKDF-SHA-256 of the HUK, 48 bytes (so the reduction's bias is below
// 2^-128), reduced into [1, n-1].
class Key {
 public:
  Key() {
    mbedtls_ecp_group_init(&grp);
    mbedtls_mpi_init(&d);
  }
  ~Key() {
    mbedtls_mpi_free(&d);  // zeroises
    mbedtls_ecp_group_free(&grp);
  }
  Key(const Key&) = delete;
  Key& operator=(const Key&) = delete;

  bool derive() {
    std::array<unsigned char, 48> okm{};
    const auto huk = hardware_unique_key();
    mbedtls_mpi n1;
    mbedtls_mpi_init(&n1);
    const bool ok = mbedtls_hkdf(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), nullptr, 0,
                                 reinterpret_cast<const unsigned char*>(huk.data()), huk.size(),
                                 reinterpret_cast<const unsigned char*>(kKeyInfo.data()), kKeyInfo.size(), okm.data(),
                                 okm.size()) == 0 &&
                    mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1) == 0 &&
                    mbedtls_mpi_read_binary(&d, okm.data(), okm.size()) == 0 && mbedtls_mpi_copy(&n1, &grp.N) == 0 &&
                    mbedtls_mpi_sub_int(&n1, &n1, 1) == 0 && mbedtls_mpi_mod_mpi(&d, &d, &n1) == 0 &&
                    mbedtls_mpi_add_int(&d, &d, 1) == 0;
    mbedtls_mpi_free(&n1);
    mbedtls_platform_zeroize(okm.data(), okm.size());
    return ok;
  }

  bool public_key(std::array<std::uint8_t, 65>& out) {
    mbedtls_ecp_point q;
    mbedtls_ecp_point_init(&q);
    std::size_t n = 0;
    const bool ok = mbedtls_ecp_mul(&grp, &q, &d, &grp.G, mbedtls_psa_get_random, MBEDTLS_PSA_RANDOM_STATE) == 0 &&
                    mbedtls_ecp_point_write_binary(&grp, &q, MBEDTLS_ECP_PF_UNCOMPRESSED, &n, out.data(), out.size()) ==
                        0 &&
                    n == out.size();
    mbedtls_ecp_point_free(&q);
    return ok;
  }

  bool sign(const std::array<std::uint8_t, 32>& hash, std::array<std::uint8_t, kSignatureSize>& sig) {
    mbedtls_mpi r, s;
    mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&s);
    const bool ok = mbedtls_ecdsa_sign(&grp, &r, &s, &d, hash.data(), hash.size(), mbedtls_psa_get_random,
                                       MBEDTLS_PSA_RANDOM_STATE) == 0 &&
                    mbedtls_mpi_write_binary(&r, sig.data(), 32) == 0 &&
                    mbedtls_mpi_write_binary(&s, sig.data() + 32, 32) == 0;
    mbedtls_mpi_free(&s);
    mbedtls_mpi_free(&r);
    return ok;
  }

 private:
  mbedtls_ecp_group grp{};
  mbedtls_mpi d{};
};

class IakSigner final : public Signer {
 public:
  bool sign(std::span<const std::uint8_t> tbs, std::array<std::uint8_t, kSignatureSize>& signature) override {
    std::array<std::uint8_t, 32> hash{};
    Key key;
    return mbedtls_sha256(tbs.data(), tbs.size(), hash.data(), 0) == 0 && key.derive() && key.sign(hash, signature);
  }
};

psa_status_t ensure_boot_seed() {
  if (!state.have_seed) {
    // Random once per boot: a verifier tells boots apart by it.
    if (psa_generate_random(state.boot_seed.data(), state.boot_seed.size()) != PSA_SUCCESS) {
      return PSA_ERROR_INSUFFICIENT_ENTROPY;
    }
    state.have_seed = true;
  }
  return PSA_SUCCESS;
}

// The claims of a token for `caller` and `nonce` (whose size the caller checked).
psa_status_t claims(ClientId caller, std::span<const std::uint8_t> nonce, Claims& c) {
  if (state.count == 0) {
    return PSA_ERROR_NOT_SUPPORTED;
  }
  if (!crypto_ready()) {
    return PSA_ERROR_INSUFFICIENT_ENTROPY;
  }
  Identity id;
  if (const psa_status_t s = identity(id); s != PSA_SUCCESS) {
    return s;
  }
  if (const psa_status_t s = ensure_boot_seed(); s != PSA_SUCCESS) {
    return s;
  }
  c.nonce = nonce;
  c.client_id = raw(caller);
  c.instance_id = id.instance_id;
  c.implementation_id = state.settings.implementation_id;
  c.boot_seed = state.boot_seed;
  c.lifecycle = state.settings.lifecycle;
  c.components = std::span{state.components}.first(state.count);
  c.verification_service = state.settings.verification_service;
  return PSA_SUCCESS;
}

psa_status_t get_token(ClientId caller, InVecs in, OutVecs out, std::span<std::size_t> out_written) {
  const auto challenge = std::span{reinterpret_cast<const std::uint8_t*>(in[0].data()), in[0].size()};
  if (!valid_challenge_size(challenge.size())) {
    return PSA_ERROR_INVALID_ARGUMENT;
  }
  Claims c;
  if (const psa_status_t s = claims(caller, challenge, c); s != PSA_SUCCESS) {
    return s;
  }
  static std::array<std::uint8_t, kMaxPayload> scratch{};  // one call at a time (the gateway)
  IakSigner signer;
  const auto token = make_token(c, signer, std::span{reinterpret_cast<std::uint8_t*>(out[0].data()), out[0].size()},
                                scratch);
  mbedtls_platform_zeroize(scratch.data(), scratch.size());
  if (!token) {
    switch (token.error()) {
      case Error::too_small:
        return PSA_ERROR_BUFFER_TOO_SMALL;
      case Error::bad_claims:
        return PSA_ERROR_INVALID_ARGUMENT;
      case Error::signing:
        break;
    }
    return PSA_ERROR_GENERIC_ERROR;
  }
  out_written[0] = *token;
  return PSA_SUCCESS;
}

psa_status_t get_token_size(ClientId caller, InVecs in, OutVecs out, std::span<std::size_t> out_written) {
  std::uint32_t challenge_size = 0;
  if (in[0].size() != sizeof challenge_size || out[0].size() < sizeof(std::uint32_t)) {
    return PSA_ERROR_INVALID_ARGUMENT;
  }
  std::memcpy(&challenge_size, in[0].data(), sizeof challenge_size);
  if (!valid_challenge_size(challenge_size)) {
    return PSA_ERROR_INVALID_ARGUMENT;
  }
  // Only the nonce's size matters: a zero nonce of that size stands for it.
  const std::array<std::uint8_t, 64> nonce{};
  Claims c;
  if (const psa_status_t s = claims(caller, std::span{nonce}.first(challenge_size), c); s != PSA_SUCCESS) {
    return s;
  }
  const auto size = token_size(c);
  if (!size) {
    return PSA_ERROR_GENERIC_ERROR;
  }
  const auto size32 = static_cast<std::uint32_t>(*size);
  std::memcpy(out[0].data(), &size32, sizeof size32);
  out_written[0] = sizeof size32;
  return PSA_SUCCESS;
}

}  // namespace

bool configure(const Settings& settings, std::span<const SwComponent> components) {
  if (components.size() > kMaxComponents || settings.verification_service.size() > kMaxVerificationService) {
    return false;
  }
  state.settings = settings;
  std::copy(settings.verification_service.begin(), settings.verification_service.end(), state.service_uri.begin());
  state.settings.verification_service = {state.service_uri.data(), settings.verification_service.size()};
  std::copy(components.begin(), components.end(), state.components.begin());
  state.count = components.size();
  return true;
}

psa_status_t identity(Identity& out) {
  if (!state.have_identity) {
    if (!crypto_ready()) {
      return PSA_ERROR_INSUFFICIENT_ENTROPY;
    }
    Key key;
    if (!key.derive() || !key.public_key(state.id.public_key)) {
      return PSA_ERROR_GENERIC_ERROR;
    }
    state.id.instance_id[0] = 0x01;  // EAT UEID type RAND
    if (mbedtls_sha256(state.id.public_key.data(), state.id.public_key.size(), state.id.instance_id.data() + 1, 0) !=
        0) {
      return PSA_ERROR_GENERIC_ERROR;
    }
    state.have_identity = true;
  }
  out = state.id;
  return PSA_SUCCESS;
}

// The dispatcher's entry (service_handlers.hpp).
psa_status_t handle(ClientId caller, std::int32_t type, InVecs in, OutVecs out, std::span<std::size_t> out_written) {
  if (in.size() != 1 || out.size() != 1) {
    return PSA_ERROR_INVALID_ARGUMENT;
  }
  switch (type) {
    case WARD_ATTEST_GET_TOKEN:
      return get_token(caller, in, out, out_written);
    case WARD_ATTEST_GET_TOKEN_SIZE:
      return get_token_size(caller, in, out, out_written);
    default:
      return PSA_ERROR_NOT_SUPPORTED;
  }
}

}  // namespace ward::secure::attest
