// The secure side's Mbed TLS platform set-up (secure/crypto/src/spe_platform.cpp).
#pragma once
#include <cstddef>

namespace ward::secure::crypto {

// Mbed TLS's static heap on the secure side (firmware; the host uses the C library's allocator).
// Holds the keys in RAM -- at most kKeySlots (24) keys of at most kKeyMaterialMax (256) bytes, so
// 6,912 bytes with the allocator's 32-byte headers (service.hpp, "Keys") -- and one operation's
// temporaries: at most 6,344 bytes measured on QEMU (an ECDSA verification: 4,232 bytes in 66
// blocks), plus about 250 bytes held between calls (docs/secure-world.md, "Key slots").
inline constexpr std::size_t kSpeHeapSize = std::size_t{16} * 1024;

// Installs the heap (firmware); idempotent. Called by the service before psa_crypto_init.
void platform_init();

}  // namespace ward::secure::crypto
