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
  // Steps 1-3 above around `write` (a call that writes the object).
  template <class Write>
  psa_status_t update(ClientId owner, psa_storage_uid_t uid, std::uint64_t current, bool protect, bool had_counter,
                      Write write);

  Store& objects_;
  Store& its_;
};

// Service configuration (defaults; a secure image may override them with compile definitions).
#ifndef WARD_ITS_MAX_ENTRY_SIZE
#define WARD_ITS_MAX_ENTRY_SIZE 1024
#endif
#ifndef WARD_ITS_MAX_TOTAL_SIZE
#define WARD_ITS_MAX_TOTAL_SIZE 8192
#endif
#ifndef WARD_PS_MAX_ENTRY_SIZE
#define WARD_PS_MAX_ENTRY_SIZE 2048
#endif
#ifndef WARD_PS_MAX_TOTAL_SIZE
#define WARD_PS_MAX_TOTAL_SIZE 16384
#endif
inline constexpr Limits kItsLimits{WARD_ITS_MAX_ENTRY_SIZE, WARD_ITS_MAX_TOTAL_SIZE};
inline constexpr Limits kPsLimits{WARD_PS_MAX_ENTRY_SIZE, WARD_PS_MAX_TOTAL_SIZE};

// Mounts both services on their Regions (keys from the hardware-unique key). Call once at boot,
// before any handler; calling it again re-mounts (tests use that as a reboot).
psa_status_t init(flash::Region its_region, flash::Region ps_region);
// The ITS engine, for the crypto partition's direct use under kCryptoPartition. Only valid after
// a successful init().
Store& its();
ProtectedStore& ps();

// Request handlers (the dispatcher's contract, secure-design.md): `in`/`out` are secure copies of
// the caller's vectors, decoded as storage_protocol.h describes; every length is checked.
// out_written[i] receives the bytes written into out[i].
psa_status_t handle_its(ClientId caller, std::int32_t type, std::span<const std::span<const std::byte>> in,
                        std::span<const std::span<std::byte>> out, std::span<std::size_t> out_written);
psa_status_t handle_ps(ClientId caller, std::int32_t type, std::span<const std::span<const std::byte>> in,
                       std::span<const std::span<std::byte>> out, std::span<std::size_t> out_written);

}  // namespace ward::secure::storage
