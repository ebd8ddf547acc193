// Ward's platform glue for Mbed TLS: the entropy source and the start-up of the PSA Crypto API.
//
// Link the CMake target `ward_mbedtls`; it contains Mbed TLS (built with
// lib/crypto/config/ward_mbedtls_config.h) and this glue. Before any other psa_* call, call
// ward::crypto::init() once and check that it returns PSA_SUCCESS.
//
// This header is built once per preset, not per image: it must not depend on ward/config.hpp.
#pragma once
#include <cstddef>

#include "psa/crypto.h"

namespace ward::crypto {

// Size of the static buffer Mbed TLS allocates from on firmware (MBEDTLS_MEMORY_BUFFER_ALLOC_C).
// Enough for PSA's key store and an ECDSA/ECDH operation on P-256 alongside a hash or AEAD
// context. The host build uses the C library's heap instead (so that ASan checks it).
inline constexpr std::size_t kMbedtlsHeapSize = std::size_t{16} * 1024;

// Starts Mbed TLS: on firmware, hands it the static heap (first call only); then initialises the
// PSA Crypto API, which seeds its CTR_DRBG from mbedtls_hardware_poll(). Safe to call again (a
// later call only repeats psa_crypto_init(), which is idempotent). Returns PSA_SUCCESS or the
// error of psa_crypto_init() (e.g. PSA_ERROR_INSUFFICIENT_ENTROPY).
psa_status_t init();

}  // namespace ward::crypto

extern "C" {
// Mbed TLS's entropy hook (MBEDTLS_ENTROPY_HARDWARE_ALT), implemented by Ward: fills `output` with
// `len` bytes from the board's entropy source and sets *olen. `data` is unused (may be null).
// Returns 0, or MBEDTLS_ERR_ENTROPY_SOURCE_FAILED.
int mbedtls_hardware_poll(void* data, unsigned char* output, std::size_t len, std::size_t* olen);
}
