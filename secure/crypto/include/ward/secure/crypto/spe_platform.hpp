// The secure side's Mbed TLS platform set-up (secure/crypto/src/spe_platform.cpp).
#pragma once
#include <cstddef>

namespace ward::secure::crypto {

// Mbed TLS's static heap on the secure side (firmware; the host uses the C library's allocator).
// Sized for MBEDTLS_PSA_KEY_SLOT_COUNT (16) loaded P-256/AES keys plus one ECDSA operation's
// temporaries (an estimate: measure the peak on target before shrinking it).
inline constexpr std::size_t kSpeHeapSize = 16 * 1024;

// Installs the heap (firmware); idempotent. Called by the service before psa_crypto_init.
void platform_init();

}  // namespace ward::secure::crypto
