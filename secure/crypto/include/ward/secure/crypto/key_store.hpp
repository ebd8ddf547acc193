// Where the crypto service keeps what must survive a reboot: Mbed TLS's persistent keys and the
// DRBG's NV seed. These are the crypto partition's own ITS entries (ClientId kCryptoPartition):
// Mbed TLS's psa_its_* calls are renamed to ward_crypto_its_* (crypto_spe.h), which call the
// KeyStore installed here.
//
// The interface is the ITS engine's, reduced to the one namespace, so the real engine plugs in
// with a thin adapter (secure/storage, storage::its_* with ClientId kCryptoPartition); the host
// build and the tests use MemoryKeyStore (ward/secure/crypto/memory_key_store.hpp).
//
// Uids: Mbed TLS stores key (owner, id) under ((uint32_t)owner << 32) | id; owners are never 0
// (ClientId 0 is refused by the dispatcher), so every key uid is >= 2^32 and the NV seed's uid
// (below 2^32) cannot collide with a key.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

#include <psa/error.h>

namespace ward::secure::crypto {

inline constexpr std::uint64_t kNvSeedUid = 0xFFFFFF52u;  // Mbed TLS's reserved "random seed" uid

// ITS create flags, as in psa/storage_common.h (PSA_STORAGE_FLAG_WRITE_ONCE).
inline constexpr std::uint32_t kStoreFlagWriteOnce = 1u << 0;

class KeyStore {
 public:
  // PSA ITS semantics: set replaces (unless write-once: PSA_ERROR_NOT_PERMITTED), get copies up to
  // out.size() bytes from offset (PSA_ERROR_INVALID_ARGUMENT when offset > size), missing uids are
  // PSA_ERROR_DOES_NOT_EXIST, a full store PSA_ERROR_INSUFFICIENT_STORAGE.
  virtual psa_status_t set(std::uint64_t uid, std::span<const std::byte> data, std::uint32_t flags) = 0;
  virtual psa_status_t get(std::uint64_t uid, std::size_t offset, std::span<std::byte> out,
                           std::size_t* length) = 0;
  virtual psa_status_t get_info(std::uint64_t uid, std::size_t* size, std::uint32_t* flags) = 0;
  virtual psa_status_t remove(std::uint64_t uid) = 0;

 protected:
  KeyStore() = default;
  KeyStore(const KeyStore&) = default;
  KeyStore& operator=(const KeyStore&) = default;
  ~KeyStore() = default;  // never deleted through this interface (no heap on the secure side)
};

// Installs the store the service uses (nullptr: none; every storage call then fails with
// PSA_ERROR_STORAGE_FAILURE, and so does psa_crypto_init, which needs the NV seed).
void set_key_store(KeyStore* store);
KeyStore* key_store();

// Whether a write to the key store was refused for lack of room (PSA_ERROR_INSUFFICIENT_STORAGE,
// e.g. the client's ITS quota) since the last call; clears it. Mbed TLS reports every failed write
// of key data as PSA_ERROR_DATA_INVALID; the service uses this to give the caller the code that
// says why (its_storage_status).
bool take_storage_refusal();

}  // namespace ward::secure::crypto
