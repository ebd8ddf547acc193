#include "ward/boot/boot_crypto.hpp"

#include <new>

#include "mbedtls/sha256.h"
#include "p256-m.h"

namespace ward::boot {
namespace {
static_assert(sizeof(mbedtls_sha256_context) <= 128 && alignof(mbedtls_sha256_context) <= 8);
}

// Safety: sha_ is sized and aligned for the context (static_assert above); ctx_ points at the one
// constructed there in the constructor, and only these member functions use it.
#define WARD_SHA_CTX static_cast<mbedtls_sha256_context*>(ctx_)

BootCrypto::BootCrypto() : ctx_{new (sha_.data()) mbedtls_sha256_context} { mbedtls_sha256_init(WARD_SHA_CTX); }
BootCrypto::~BootCrypto() { mbedtls_sha256_free(WARD_SHA_CTX); }

void BootCrypto::sha256_start() { (void)mbedtls_sha256_starts(WARD_SHA_CTX, 0); }

void BootCrypto::sha256_update(std::span<const std::byte> data) {
  (void)mbedtls_sha256_update(WARD_SHA_CTX, reinterpret_cast<const unsigned char*>(data.data()), data.size());
}

std::array<std::uint8_t, 32> BootCrypto::sha256_finish() {
  std::array<std::uint8_t, 32> out;
  (void)mbedtls_sha256_finish(WARD_SHA_CTX, out.data());
  return out;
}

bool BootCrypto::p256_verify(const std::array<std::uint8_t, 64>& pub, const std::array<std::uint8_t, 32>& hash,
                             const std::array<std::uint8_t, 64>& sig) {
  return p256_ecdsa_verify(sig.data(), pub.data(), hash.data(), hash.size()) == P256_SUCCESS;
}

#undef WARD_SHA_CTX

}  // namespace ward::boot

// p256-m's key generation and signing draw random numbers through psa_generate_random(). The
// bootloader only verifies and has no PSA core and no random source: this fallback makes any
// attempt to sign or generate a key fail. Weak, so that an image with the full PSA Crypto API
// (ward_mbedtls) keeps the real one.
extern "C" [[gnu::weak]] std::int32_t psa_generate_random(std::uint8_t* /*output*/, std::size_t /*size*/) {
  return -134;  // PSA_ERROR_NOT_SUPPORTED
}
