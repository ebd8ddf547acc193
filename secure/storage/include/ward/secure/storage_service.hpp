// The ITS and PS services: Protected Storage on top of the engine, the service instances the
// secure image owns, and the request handlers the dispatcher calls.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

#include <psa/error.h>
#include <psa/storage_common.h>

#include "ward/flash/flash.hpp"
#include "ward/secure/identity.hpp"
#include "ward/secure/storage.hpp"

namespace ward::secure::storage {

// Protected Storage: objects in `objects` (a Store on flash an attacker may read and rewrite), each
// replay-protected object's version kept in `its` under kStoragePartition. A version is the
// sequence number of the object's record. Each update moves the counter {prev, next}:
//   1. counter := {current, next_seq}   (either is accepted while the update is in flight)
//   2. write the object (it gets next_seq)
//   3. counter := {next_seq, next_seq}  (or removed, for NO_REPLAY_PROTECTION / remove)
// A read accepts the object only if its version is prev or next; anything else (an older copy of
// the flash, a deleted object) is PSA_ERROR_DATA_CORRUPT. The first read after an interrupted update
// settles the counter on what it found, so the window closes.
class ProtectedStore {
 public:
  ProtectedStore(Store& objects, Store& its) : objects_{objects}, its_{its} {}

  psa_status_t set(ClientId owner, psa_storage_uid_t uid, std::span<const std::byte> data,
                   psa_storage_create_flags_t flags);
  psa_status_t get(ClientId owner, psa_storage_uid_t uid, std::size_t offset, std::span<std::byte> out,
                   std::size_t* length);
  psa_status_t get_info(ClientId owner, psa_storage_uid_t uid, psa_storage_info_t* info);
  psa_status_t remove(ClientId owner, psa_storage_uid_t uid);
  psa_status_t create(ClientId owner, psa_storage_uid_t uid, std::size_t capacity, psa_storage_create_flags_t flags);
  psa_status_t set_extended(ClientId owner, psa_storage_uid_t uid, std::size_t offset, std::span<const std::byte> data);
  static std::uint32_t support() { return PSA_STORAGE_SUPPORT_SET_EXTENDED; }

 private:
  struct Counter {
    bool exists;
    std::uint64_t prev;
    std::uint64_t next;
  };
  psa_status_t read_counter(ClientId owner, psa_storage_uid_t uid, Counter* c);
  psa_status_t write_counter(ClientId owner, psa_storage_uid_t uid, std::uint64_t prev, std::uint64_t next);
  psa_status_t drop_counter(ClientId owner, psa_storage_uid_t uid);
  // Whether the object's current version is the one ITS vouches for; `info` and `counter` describe
  // what was found. PSA_SUCCESS or PSA_ERROR_DOES_NOT_EXIST when consistent.
  psa_status_t check(ClientId owner, psa_storage_uid_t uid, EntryInfo* info, Counter* counter);
  enum class WriteKind : std::uint8_t { set, create, extend };
  // set (data, flags), create (capacity n, flags) or set_extended (offset n, data).
  psa_status_t write(WriteKind kind, ClientId owner, psa_storage_uid_t uid, std::size_t n,
                     std::span<const std::byte> data, psa_storage_create_flags_t flags);
  // Steps 1-3 above around `write` (a call that writes the object).
  template <class Write>
  psa_status_t update(ClientId owner, psa_storage_uid_t uid, std::uint64_t current, bool protect, bool had_counter,
                      Write write);

  Store& objects_;
  Store& its_;
};

// --- Service configuration -------------------------------------------------------------------------
// docs/secure-world.md ("Quotas") gives the reasoning behind every number. Entry sizes may be
// overridden with compile definitions; the static_asserts below keep the guarantees.
#ifndef WARD_ITS_MAX_ENTRY_SIZE
#define WARD_ITS_MAX_ENTRY_SIZE 1024
#endif
#ifndef WARD_PS_MAX_ENTRY_SIZE
#define WARD_PS_MAX_ENTRY_SIZE 2048
#endif

// The clients are up to 32 user threads and the kernel's identity (its privileged threads), each
// its own account. A non-secure kernel that impersonates more identities still cannot pass
// kItsAllClients / kPsAllClients, nor touch a reserve.

// Protected Storage: objects only, all of them clients'. A client holds at most a quarter of the
// store; half of it at most can be permanent (WRITE_ONCE) for all the clients together.
inline constexpr std::size_t kPsEntries = 32;
inline constexpr Quota kPsPerClient{8, 2 * WARD_PS_MAX_ENTRY_SIZE, 4, WARD_PS_MAX_ENTRY_SIZE};
inline constexpr Quota kPsAllClients{kPsEntries, 8 * WARD_PS_MAX_ENTRY_SIZE, kPsEntries / 2, 4 * WARD_PS_MAX_ENTRY_SIZE};
inline constexpr Limits kPsLimits{WARD_PS_MAX_ENTRY_SIZE, kPsAllClients.bytes};

// Internal Trusted Storage: the secure partitions' own state, kept in reserves no client can take
// (storage.hpp, "Quotas"), and the clients' entries (psa_its_* and their persistent keys, which the
// crypto partition stores for them: its_payer).
//  - crypto partition: the DRBG's NV seed (MBEDTLS_ENTROPY_BLOCK_SIZE = 64 bytes, rewritten every
//    boot) and room for one more record of its own (the crypto service checks the seed fits);
//  - storage partition: one replay counter (kPsCounterBytes) per PS object, plus two left by
//    updates a power cut interrupted (each is settled by the next access to its object).
inline constexpr std::uint32_t kPsCounterBytes = 32;
inline constexpr std::uint32_t kPsCounters = kPsEntries + 2;
inline constexpr Reserve kItsReserves[] = {
    {kCryptoPartition, {2, 256, 0, 0}},
    {kStoragePartition, {kPsCounters, kPsCounters * kPsCounterBytes, 0, 0}},
    // Firmware Update: one 44-byte record per component (secure/fwu), two components.
    {kFwuPartition, {2, 2 * 48, 0, 0}},
};
inline constexpr Quota kItsPerClient{8, 2 * WARD_ITS_MAX_ENTRY_SIZE, 4, WARD_ITS_MAX_ENTRY_SIZE};
inline constexpr Quota kItsAllClients{28, 6 * WARD_ITS_MAX_ENTRY_SIZE, 14, 3 * WARD_ITS_MAX_ENTRY_SIZE};

namespace detail {
constexpr Quota reserved(std::span<const Reserve> reserves) {
  Quota q{};
  for (const auto& r : reserves) {
    q.entries += r.quota.entries;
    q.bytes += r.quota.bytes;
  }
  return q;
}
}  // namespace detail
inline constexpr std::size_t kItsEntries = detail::reserved(kItsReserves).entries + kItsAllClients.entries;
inline constexpr Limits kItsLimits{WARD_ITS_MAX_ENTRY_SIZE, detail::reserved(kItsReserves).bytes + kItsAllClients.bytes};

// By construction every reserve fits beside all the clients' entries, in the index and in the byte
// limit. Checked here: one client can store an entry of the largest size, one client at its quota
// leaves the others more than it holds, and permanent entries can never fill what the clients
// share. (The flash is checked with the secure flash's geometry, in secure/firmware/services.cpp.)
static_assert(kItsPerClient.bytes >= WARD_ITS_MAX_ENTRY_SIZE && kPsPerClient.bytes >= WARD_PS_MAX_ENTRY_SIZE);
static_assert(kItsPerClient.entries * 2 < kItsAllClients.entries && kItsPerClient.bytes * 2 < kItsAllClients.bytes);
static_assert(kPsPerClient.entries * 2 < kPsAllClients.entries && kPsPerClient.bytes * 2 < kPsAllClients.bytes);
static_assert(kItsAllClients.write_once_entries < kItsAllClients.entries &&
              kPsAllClients.write_once_entries < kPsAllClients.entries);

// Whose ITS quota an entry counts in. The crypto partition keeps each client's persistent keys in
// its own namespace at uid (owner << 32 | key id) (Mbed TLS's MBEDTLS_PSA_CRYPTO_KEY_ID_ENCODES_OWNER,
// ward/secure/crypto/key_store.hpp), the owner being the client the crypto service derived: such an
// entry is that client's. Every other entry is its owner's.
constexpr ClientId its_payer(ClientId owner, psa_storage_uid_t uid) {
  if (owner == kCryptoPartition) {
    const ClientId key_owner{static_cast<std::int32_t>(static_cast<std::uint32_t>(uid >> 32))};
    if (is_nonsecure(key_owner)) return key_owner;
  }
  return owner;
}
inline constexpr Quotas kItsQuotas{kItsPerClient, kItsAllClients, kItsReserves, &its_payer};
inline constexpr Quotas kPsQuotas{kPsPerClient, kPsAllClients, {}, nullptr};

// Mounts both services on their Regions (keys from the hardware-unique key). Call once at boot,
// before any handler; calling it again re-mounts (tests use that as a reboot).
psa_status_t init(flash::Region its_region, flash::Region ps_region);
// The ITS engine, for the crypto partition's direct use under kCryptoPartition; nullptr unless
// the last init() succeeded (a re-mount that fails takes the services down).
Store* its();
ProtectedStore* ps();

// Request handlers (the dispatcher's contract, secure-design.md): `in`/`out` are secure copies of
// the caller's vectors, decoded as storage_protocol.h describes; every length is checked.
// out_written[i] receives the bytes written into out[i].
psa_status_t handle_its(ClientId caller, std::int32_t type, std::span<const std::span<const std::byte>> in,
                        std::span<const std::span<std::byte>> out, std::span<std::size_t> out_written);
psa_status_t handle_ps(ClientId caller, std::int32_t type, std::span<const std::span<const std::byte>> in,
                       std::span<const std::span<std::byte>> out, std::span<std::size_t> out_written);

}  // namespace ward::secure::storage
