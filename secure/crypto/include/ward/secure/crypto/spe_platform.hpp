// The secure side's Mbed TLS platform set-up (secure/crypto/src/spe_platform.cpp).
#pragma once
#include <cstddef>

#include <psa/error.h>

#include "ward/secure/crypto/service.hpp"

namespace ward::secure::crypto {

// Mbed TLS's static heap on the secure side (firmware; the host uses the C library's allocator).
// Holds the keys in RAM -- at most kKeySlots (24) keys of at most kKeyMaterialMax (528: an RSA-4096
// public key) bytes, so 13,440 bytes with the allocator's 32-byte headers (service.hpp, "Keys") --,
// the contexts held operations keep between calls (MAC, cipher, AEAD: a few hundred bytes each, at
// most kOperationSlots), and one operation's temporaries (an ECDSA P-256 verification measured
// 6,344 bytes on QEMU) plus about 250 bytes held between calls (docs/secure-world.md, "Key slots").
// The medium profile: 12 keys of at most 136 bytes (2,016 bytes with the headers) and no bignum
// temporaries (every P-256 operation runs on lib/p256, on the stack); its measured high-water mark
// is in docs/secure-world.md, "Profiles". Exactly what spe_platform.cpp's static_assert requires
// (those keys and 1 KiB: 3,040 bytes; was 3,072, rounded up to 3 KiB for no need).
#if defined(WARD_SPE_PROFILE_MEDIUM)
inline constexpr std::size_t kSpeHeapSize = kKeySlots * (kKeyMaterialMax + 32) + 1024;
#else
inline constexpr std::size_t kSpeHeapSize = std::size_t{32} * 1024;
#endif

// Installs the heap (firmware; idempotent) and seeds PSA's random generator if this boot has not
// yet (spe_platform.cpp, "The random generator"): PSA_ERROR_INSUFFICIENT_ENTROPY when its stored
// seed cannot be read or refreshed, and then no random byte is ever produced. Called by the
// services before psa_crypto_init.
[[nodiscard]] psa_status_t platform_init();

// Seeds PSA's random generator if this boot has not yet (part of platform_init; also called
// before each request for random bytes).
[[nodiscard]] psa_status_t seed_random();

// Forgets the random generator's state, as a reboot does (the host's service restart): the next
// platform_init seeds it again from the stored seed.
void platform_shutdown();

// The heap's high-water mark in bytes since boot (firmware: of kSpeHeapSize; 0 on the host), for
// ward_spe_stack_report (./ward bench-secure, the tests' margins). One word, returned in a register:
// the report runs on the secure handler stack, sized to its bound (secure/firmware/stacks.cpp).
std::size_t heap_used();

}  // namespace ward::secure::crypto
