// The secure storage engine: a key-value store of (owner, uid) -> bytes on one flash Region, with
// atomic updates that survive a power cut at any flash operation, every record authenticated and
// encrypted, quotas, and static allocation only. ITS is one Store on the secure flash; PS is a Store
// on its own (untrusted) Region plus replay counters kept in ITS (ProtectedStore). The on-flash
// format and the power-fail argument are in secure/storage/README.md.
//
// Results are PSA status codes: the engine's callers (the PSA API handlers, Mbed TLS's key store)
// speak them, and each code has exactly the Secure Storage specification's meaning.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include <psa/storage_common.h>

#include "ward/flash/flash.hpp"
#include "ward/secure/identity.hpp"

namespace ward::secure::storage {

#ifndef WARD_STORAGE_MAX_ENTRIES
#define WARD_STORAGE_MAX_ENTRIES 32
#endif
// Entries one Store can hold (its index is a fixed array of this size).
inline constexpr std::size_t kMaxEntries = WARD_STORAGE_MAX_ENTRIES;

// Bytes of scratch a Store needs for entries of up to `max_entry_size` bytes (any write unit up
// to 64 bytes): the record's length unit, header, payload and commit unit.
constexpr std::size_t scratch_bytes(std::size_t max_entry_size) { return max_entry_size + 320; }

// The flags an entry may carry; any other bit is refused with PSA_ERROR_NOT_SUPPORTED.
inline constexpr psa_storage_create_flags_t kKnownFlags =
    PSA_STORAGE_FLAG_WRITE_ONCE | PSA_STORAGE_FLAG_NO_CONFIDENTIALITY | PSA_STORAGE_FLAG_NO_REPLAY_PROTECTION;

// The two keys of one store, derived from the hardware-unique key (derive_keys).
struct Keys {
  std::array<std::byte, 32> aead;  // ChaCha20-Poly1305 key of the record payloads
  std::array<std::byte, 32> mac;   // HMAC-SHA-256 key: header MACs and synthetic nonces
};

// HKDF-SHA-256 (RFC 5869) of `ikm` with `info`, no salt, into `out` (at most 255*32 bytes).
void hkdf_sha256(std::span<const std::byte> ikm, std::span<const std::byte> info, std::span<std::byte> out);
// The keys of the store called `label` ("ward its v1", "ward ps v1"), from hardware_unique_key().
Keys derive_keys(const char* label);

struct Limits {
  std::uint32_t max_entry_size;  // the largest capacity of one entry, bytes
  std::uint32_t max_total_size;  // the largest sum of the capacities of all entries, bytes
};

// What one entry's current record says (after authentication at mount).
struct EntryInfo {
  std::uint32_t capacity;
  std::uint32_t size;
  psa_storage_create_flags_t flags;
  std::uint64_t seq;  // the record's sequence number: its version
};

// Figures for tests and the README.
struct StoreStats {
  std::uint32_t entries;
  std::uint32_t reserved_bytes;  // flash bytes the live entries may occupy (by capacity)
  std::uint32_t bank_capacity;   // record bytes one bank can hold
  std::uint32_t compactions;
};

class Store {
 public:
  // `scratch` stages one record (header, payload and markers); it must hold
  // record_footprint(limits.max_entry_size) bytes. The Region needs at least two sectors; its
  // sectors are split into two banks.
  Store(flash::Region region, const Keys& keys, std::span<std::byte> scratch, Limits limits);
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Reads the flash, builds the index (formats an empty store if no bank is valid). Every other
  // call returns PSA_ERROR_BAD_STATE until mount() has succeeded.
  psa_status_t mount();

  psa_status_t set(ClientId owner, psa_storage_uid_t uid, std::span<const std::byte> data,
                   psa_storage_create_flags_t flags);
  psa_status_t get(ClientId owner, psa_storage_uid_t uid, std::size_t offset, std::span<std::byte> out,
                   std::size_t* length);
  psa_status_t get_info(ClientId owner, psa_storage_uid_t uid, psa_storage_info_t* info);
  psa_status_t remove(ClientId owner, psa_storage_uid_t uid);
  // An empty entry of `capacity` bytes (psa_ps_create's semantics).
  psa_status_t create(ClientId owner, psa_storage_uid_t uid, std::size_t capacity,
                      psa_storage_create_flags_t flags);
  // Overwrites/extends part of an entry without gaps (psa_ps_set_extended's semantics).
  psa_status_t set_extended(ClientId owner, psa_storage_uid_t uid, std::size_t offset,
                            std::span<const std::byte> data);

  // The index entry without touching the flash (false when absent). For ProtectedStore.
  bool lookup(ClientId owner, psa_storage_uid_t uid, EntryInfo* info) const;
  // The sequence number the next record written will carry.
  std::uint64_t next_seq() const { return next_seq_; }

  // Flash bytes one record with `size` bytes of data occupies (0 if the geometry is unusable).
  std::uint32_t record_footprint(std::uint32_t size) const;
  StoreStats stats() const;

 private:
  struct Entry {
    std::int32_t owner;
    std::uint32_t flags;
    psa_storage_uid_t uid;
    std::uint64_t seq;
    std::uint32_t size;
    std::uint32_t capacity;
    std::uint32_t offset;  // of the record in the active bank
    std::uint32_t length;  // of the record, bytes
    bool used;
  };
  struct Header;

  Entry* find(ClientId owner, psa_storage_uid_t uid);
  const Entry* find(ClientId owner, psa_storage_uid_t uid) const;
  Entry* free_slot();
  std::uint32_t bank_offset(unsigned bank) const { return bank * bank_size_; }
  std::uint32_t records_start() const;
  std::uint32_t reserved_with(const Entry* replaced, std::uint32_t capacity) const;
  psa_status_t check_new_entry(const Entry* existing, std::uint32_t capacity) const;

  psa_status_t format();
  bool read_bank_header(unsigned bank, std::uint32_t* gen);
  psa_status_t scan();
  void apply(const Header& h, std::uint32_t offset, std::uint32_t length);
  // Makes room for a record of `length` bytes at the tail (compacting if needed).
  psa_status_t ensure_space(std::uint32_t length);
  psa_status_t compact();
  // Encrypts the plaintext already staged in the scratch payload area and appends the record.
  psa_status_t append(std::uint8_t kind, ClientId owner, psa_storage_uid_t uid, psa_storage_create_flags_t flags,
                      std::uint32_t size, std::uint32_t capacity, Entry* replaced);
  // Reads and authenticates `e`'s record; its plaintext is left in the scratch payload area.
  psa_status_t load(const Entry& e);
  std::span<std::byte> payload_area();

  flash::Region region_;
  Keys keys_;
  std::span<std::byte> scratch_;
  Limits limits_;
  std::uint32_t unit_ = 0;       // program unit of every record part (>= 8)
  std::uint32_t bank_size_ = 0;  // bytes of one bank
  unsigned active_ = 0;          // the bank holding the log
  std::uint32_t generation_ = 0; // of the active bank
  std::uint32_t tail_ = 0;       // next free offset in the active bank (bank-relative)
  std::uint64_t next_seq_ = 1;
  std::uint32_t compactions_ = 0;
  bool mounted_ = false;
  std::array<Entry, kMaxEntries> entries_{};
};

}  // namespace ward::secure::storage
