// The crypto service's lifecycle and limits (its request handler is declared in
// ward/secure/service_handlers.hpp and reached through the dispatcher).
#pragma once
#include <cstddef>

#include "ward/secure/identity.hpp"

namespace ward::secure::crypto {

// Multi-part operations (hash, MAC, cipher, AEAD, key derivation, interruptible sign and verify) live on the secure side in a fixed table; a client
// holds only an opaque handle bound to it. One client can hold at most kOperationsPerClient at a
// time, so a client that never aborts cannot take every slot (more than the table holds is
// PSA_ERROR_INSUFFICIENT_MEMORY).
// The medium profile (docs/secure-world.md, "Profiles") keeps half of each, for its RAM budget.
// The non-secure kernel (every privileged non-secure thread is one client, kNonsecureKernel) has a
// larger share in the full profile: it runs TLS for privileged threads (two handshakes at once),
// and its share leaves one other client's whole share free. It is the non-secure world's kernel: a
// share that lets it crowd out its own user threads protects nothing from it, and the secure
// world's own keys never come out of these counts. What it creates for a user thread (a TLS
// socket's session: dispatch()'s account) counts against that thread's share, not this one.
#if defined(WARD_SPE_PROFILE_MEDIUM)
inline constexpr std::size_t kOperationSlots = 4;
inline constexpr std::size_t kOperationsPerClient = 2;
inline constexpr std::size_t kKernelOperations = kOperationsPerClient;
#else
inline constexpr std::size_t kOperationSlots = 12;
inline constexpr std::size_t kOperationsPerClient = 4;
inline constexpr std::size_t kKernelOperations = kOperationSlots - kOperationsPerClient;  // 8: two handshakes
#endif

// Keys (docs/secure-world.md, "Key slots"). Mbed TLS keeps every key in use in one of kKeySlots
// slots (MBEDTLS_PSA_KEY_SLOT_COUNT, static): a volatile key for as long as it lives, a persistent
// key as a cache entry it evicts when it needs the slot. Key material lives on Mbed TLS's heap.
// So that no client can starve the others (another client's keys, a persistent key to load):
//   - one client holds at most kVolatileKeysPerClient volatile keys;
//   - all clients together hold at most kVolatileKeySlots: kPersistentKeySlots slots are never
//     taken by a volatile key, so persistent keys can always be created and loaded;
//   - no key holds more than kKeyMaterialMax bytes of material, so the keys in RAM take at most
//     kKeySlots * kKeyMaterialMax bytes of the heap and the rest stays for the operations.
// Over a quota: PSA_ERROR_INSUFFICIENT_MEMORY. A larger key: PSA_ERROR_NOT_SUPPORTED.
// The medium profile: 12 slots (8 volatile) and keys of at most 136 bytes (its largest keys are a
// P-256 public key, 65 bytes, and HMAC keys, which HMAC hashes beyond SHA-256's 64-byte block; RFC
// 4231's longest test key is 131 bytes).
#if defined(WARD_SPE_PROFILE_MEDIUM)
inline constexpr std::size_t kKeySlots = 12;
inline constexpr std::size_t kKeyMaterialMax = 136;
#else
inline constexpr std::size_t kKeySlots = 24;
inline constexpr std::size_t kKeyMaterialMax = 528;
#endif
inline constexpr std::size_t kPersistentKeySlots = 4;
inline constexpr std::size_t kVolatileKeySlots = kKeySlots - kPersistentKeySlots;
// A TLS 1.3 handshake (lib/tls) holds five at its peak: the handshake's two traffic keys, the
// application's two, and the Finished MAC key; one more for a certificate's public key. The
// medium profile (its 8 volatile slots; 2 operations per client, too few for TLS 1.3) keeps 4.
#if defined(WARD_SPE_PROFILE_MEDIUM)
inline constexpr std::size_t kVolatileKeysPerClient = 4;
inline constexpr std::size_t kKernelVolatileKeys = kVolatileKeysPerClient;
#else
inline constexpr std::size_t kVolatileKeysPerClient = 6;
inline constexpr std::size_t kKernelVolatileKeys = kVolatileKeySlots - kVolatileKeysPerClient;  // 14
#endif
static_assert(kKernelOperations >= kOperationsPerClient && kKernelOperations + kOperationsPerClient <= kOperationSlots);
static_assert(kKernelVolatileKeys >= kVolatileKeysPerClient &&
              kKernelVolatileKeys + kVolatileKeysPerClient <= kVolatileKeySlots);

// A client's shares: kNonsecureKernel's, or every other client's.
constexpr std::size_t operations_allowed(ClientId client) {
  // cppcheck-suppress duplicateExpressionTernary ; the medium profile gives the kernel any client's share
  return client == kNonsecureKernel ? kKernelOperations : kOperationsPerClient;
}
constexpr std::size_t volatile_keys_allowed(ClientId client) {
  // cppcheck-suppress duplicateExpressionTernary ; the medium profile gives the kernel any client's share
  return client == kNonsecureKernel ? kKernelVolatileKeys : kVolatileKeysPerClient;
}

// Frees what `client` holds on the secure side: aborts its operations and destroys its volatile
// keys. Its persistent keys stay. (Call when a non-secure thread ends.)
void release_client(ClientId client);

// Aborts every operation and frees Mbed TLS's state (volatile keys are gone; persistent ones stay
// in the KeyStore). The next WARD_CRYPTO_INIT starts again, as after a reboot.
void shutdown();

// Operations in use, and those counted against `client` (its own and the kernel's for it; tests).
std::size_t operations_in_use();
std::size_t operations_held(ClientId client);

// Volatile keys counted against `client` (its own and the kernel's for it), and all clients
// together (tests).
std::size_t volatile_keys_held(ClientId client);
std::size_t volatile_keys_in_use();

// The service's record of who holds each volatile key agrees with Mbed TLS's key store (tests and
// the fuzz target check it after requests: a request that created a volatile key without the
// quotas would break it).
bool key_record_consistent();

}  // namespace ward::secure::crypto
