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
// The medium profile: 12 keys of at most 136 bytes (2,016 bytes with the headers) and no bignum
// temporaries (every P-256 operation runs on lib/p256, on the stack); its measured high-water mark
// is in docs/secure-world.md, "Profiles".
#if defined(WARD_SPE_PROFILE_MEDIUM)
inline constexpr std::size_t kSpeHeapSize = std::size_t{3} * 1024;
#else
inline constexpr std::size_t kSpeHeapSize = std::size_t{32} * 1024;
#endif

// Installs the heap (firmware); idempotent. Called by the service before psa_crypto_init.
void platform_init();

// The heap's size and high-water mark in bytes since boot (firmware; {0, 0} on the host), for
// ward_spe_stack_report (./ward bench-secure, the tests' margins).
struct HeapUse {
  std::size_t size;
  std::size_t used;
};
HeapUse heap_use();

}  // namespace ward::secure::crypto
