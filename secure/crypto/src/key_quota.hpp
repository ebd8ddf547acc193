// The key store's quotas (ward/secure/crypto/service.hpp, "Keys"), private to the crypto service:
// whether a request may create one more key, and which client holds which volatile key.
//
// Mbed TLS's static key store gives the volatile key in slot i the id PSA_KEY_ID_VOLATILE_MIN + i;
// the record here is indexed the same way and names each volatile key's owner. Only the crypto
// service creates and destroys keys: every request that creates one asks admit() first and reports
// the new key to created(); a destroyed key is reported to destroyed(). consistent() says whether
// the record and Mbed TLS's key store agree (the tests and the fuzz target check it after every
// request, so a request that created a volatile key behind the record's back would show).
#pragma once
#include <psa/crypto.h>

#include <cstddef>

#include "ward/secure/identity.hpp"

namespace ward::secure::crypto::keys {

// Before a key of `lifetime` whose material takes `material` bytes in Mbed TLS is created, counted
// against `account` (the creating client's, or the user thread the kernel creates it for):
//   PSA_ERROR_NOT_SUPPORTED        material > kKeyMaterialMax (any key);
//   PSA_ERROR_INSUFFICIENT_MEMORY  a volatile key, and the account holds its share already
//                                  (volatile_keys_allowed), or all clients together kVolatileKeySlots;
//   PSA_SUCCESS                    otherwise.
psa_status_t admit(ClientId account, psa_key_lifetime_t lifetime, std::size_t material);

// Mbed TLS created `key` for `client`, counted against `account` (a volatile key is recorded; a
// persistent one is not held by anyone: its slot is a cache entry).
void created(ClientId client, ClientId account, mbedtls_svc_key_id_t key);

// `client` destroyed its key `id`.
void destroyed(ClientId client, psa_key_id_t id);

// Destroys every volatile key of `client` (not those the kernel holds for it: the kernel's own).
void release(ClientId client);

// Mbed TLS's key store was freed (every volatile key is gone).
void clear();

// Volatile keys counted against `account` (the record), and held by everyone (Mbed TLS's own count).
std::size_t held(ClientId account);
std::size_t in_use();

// Every recorded key exists in Mbed TLS with that owner, and Mbed TLS holds no other volatile key.
bool consistent();

}  // namespace ward::secure::crypto::keys
