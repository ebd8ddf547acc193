// PSA Initial Attestation's service (see ward/secure/attest/service.hpp): the request handler, the
// attestation key and the signature, on the secure side's Mbed TLS.
#include "ward/secure/attest/service.hpp"

#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>
#include <psa/crypto.h>
#include <ward/secure/attest_wire.h>

#include <algorithm>
#include <cstring>
#include <tuple>

#include "ward/p256/p256.hpp"

#include "ward/secure/crypto/ecdsa_nonce.hpp"
#include "ward/secure/crypto/kdf.hpp"
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
// psa_generate_random (the IAK's nonces, the boot seed).
bool crypto_ready() {
  return crypto::platform_init() == PSA_SUCCESS && psa_crypto_init() == PSA_SUCCESS;
}

// The IAK's private scalar: HKDF-SHA-256 of the HUK, 48 bytes, reduced into [1, n-1]
// (p256::private_key_from_wide: the extra 128 bits keep the bias below 2^-128). Ward's P-256
// (lib/p256, constant-time in the key and the nonce) signs, the same code as the PSA driver's:
// the secure image needs no other elliptic-curve code.
class Key {
 public:
  Key() = default;
  ~Key() { mbedtls_platform_zeroize(d_.data(), d_.size()); }
  Key(const Key&) = delete;
  Key& operator=(const Key&) = delete;

  bool derive() {
    std::array<std::uint8_t, p256::kWideScalarSize> okm{};
    const auto huk = hardware_unique_key();
    crypto::hkdf_sha256(huk, std::as_bytes(std::span{kKeyInfo}), std::as_writable_bytes(std::span{okm}));
    p256::private_key_from_wide(okm, d_);
    mbedtls_platform_zeroize(okm.data(), okm.size());
    return true;
  }

  bool public_key(std::array<std::uint8_t, 65>& out) const {
    p256::PublicKey pub{};
    if (!p256::public_key(d_, pub)) {
      return false;
    }
    out[0] = 0x04;  // uncompressed: X || Y
    std::copy(pub.begin(), pub.end(), out.begin() + 1);
    return true;
  }

  // ECDSA with a hedged nonce (crypto::ecdsa_nonce: fresh random output, the key and the digest),
  // as the driver signs: a replayed random stream (restored storage) does not repeat k.
  bool sign(const std::array<std::uint8_t, 32>& hash, std::array<std::uint8_t, kSignatureSize>& sig) const {
    static_assert(kSignatureSize == std::tuple_size_v<p256::Signature>);
    constexpr int kMaxTries = 8;  // sign() fails with probability about 2^-256 (r or s = 0)
    p256::Scalar k{};
    bool ok = false;
    for (int i = 0; i < kMaxTries && !ok; ++i) {
      if (crypto::ecdsa_nonce(d_, hash, k) != PSA_SUCCESS) {
        break;
      }
      ok = p256::sign(d_, hash, k, sig);
    }
  mbedtls_platform_zeroize(k.data(), k.size());
    return ok;
  }

 private:
  p256::Scalar d_{};
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
  // On the service stack, not in static RAM: the token's path (payload and P-256 signature) stays
  // well below the stack's deepest call (FWU install; secure/firmware/stacks.hpp), so the stack
  // holds it for free.
  std::array<std::uint8_t, kMaxPayload> scratch{};
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
