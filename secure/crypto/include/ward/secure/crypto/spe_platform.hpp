// The secure side's Mbed TLS platform set-up (secure/crypto/src/spe_platform.cpp).
#pragma once
#include <cstddef>

namespace ward::secure::crypto {

// Mbed TLS's static heap on the secure side (firmware; the host uses the C library's allocator).
// Holds the keys in RAM -- at most kKeySlots (24) keys of at most kKeyMaterialMax (528: an RSA-4096
// public key) bytes, so 13,440 bytes with the allocator's 32-byte headers (service.hpp, "Keys") --,
// the contexts held operations keep between calls (MAC, cipher, AEAD: a few hundred bytes each, at
// most kOperationSlots), and one operation's temporaries (an ECDSA P-256 verification measured
// 6,344 bytes on QEMU) plus about 250 bytes held between calls (docs/secure-world.md, "Key slots").
inline constexpr std::size_t kSpeHeapSize = std::size_t{32} * 1024;

// Installs the heap (firmware); idempotent. Called by the service before psa_crypto_init.
void platform_init();

}  // namespace ward::secure::crypto
