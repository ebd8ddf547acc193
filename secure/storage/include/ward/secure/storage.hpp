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

// Bytes of scratch a Store needs for entries of up to `max_entry_size` bytes (any write unit up
// to 64 bytes): the record's length unit, header, payload and commit unit.
constexpr std::size_t scratch_bytes(std::size_t max_entry_size) { return max_entry_size + 320; }

// The on-flash sizes (README.md, "On-flash format"), for a program unit `unit` (max(write
// alignment, 8)): what one record with `size` bytes of data occupies, and what a bank's header and
// commit unit take before the first record.
constexpr std::uint32_t round_up(std::uint32_t v, std::uint32_t unit) { return (v + unit - 1) / unit * unit; }
inline constexpr std::uint32_t kRecordHeaderBytes = 84;
inline constexpr std::uint32_t kBankHeaderBytes = 16;
constexpr std::uint32_t record_bytes(std::uint32_t size, std::uint32_t unit) {
  return unit + round_up(kRecordHeaderBytes, unit) + round_up(size, unit) + unit;
}
constexpr std::uint32_t bank_overhead(std::uint32_t unit) { return round_up(kBankHeaderBytes, unit) + unit; }

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

// Record bytes one bank must hold so that the flash never refuses a write the index and the limits
// accept: `entries` entries at their largest footprint (all capacities together at most
// max_total_size, each padded by less than a unit), a second copy of the largest entry (an update
// keeps the old record until the new one commits) and one tombstone. A configuration whose banks
// hold this much has no third limit: the quotas alone decide (storage_service.hpp checks its own).
constexpr std::uint32_t bank_bytes_needed(std::size_t entries, Limits limits, std::uint32_t unit) {
  const auto n = static_cast<std::uint32_t>(entries);
  return n * (record_bytes(0, unit) + unit - 1) + limits.max_total_size + record_bytes(limits.max_entry_size, unit) +
         record_bytes(0, unit);
}
// Record bytes one bank of a Region of `size` bytes in sectors of `sector_size` holds.
constexpr std::uint32_t bank_capacity(std::uint32_t size, std::uint32_t sector_size, std::uint32_t unit) {
  return size / sector_size / 2 * sector_size - bank_overhead(unit);
}

// --- Quotas ---------------------------------------------------------------------------------------
//
// Every entry is charged to an account: a client identity, normally the entry's owner (see
// Quotas::payer for the exception). An account with a Reserve (a secure partition) is held to that
// reserve's quota; every other account (each non-secure client) to `per_client`, and all of them
// together to `all_clients`. A store whose index and limits cover the reserves plus `all_clients`
// (storage_service.hpp checks this at compile time) therefore always has room for a secure
// partition up to its reserve, whatever the clients store; and no client can take more than its
// own quota of what the clients share. WRITE_ONCE entries, which no one can ever remove, count in
// the quota like the others and also in tighter write-once figures.
//
// A write is refused (PSA_ERROR_INSUFFICIENT_STORAGE, nothing written) if it takes any figure of
// its account, or of all the clients, above its cap. A write that does not increase a figure is
// not refused for it, so an account over its quota (a flash written before these quotas) can
// still update and shrink its entries.

// Figures of what an account holds or may hold in one store.
struct Quota {
  std::uint32_t entries;             // live entries
  std::uint32_t bytes;               // the sum of their capacities
  std::uint32_t write_once_entries;  // of these, the WRITE_ONCE ones (permanent)
  std::uint32_t write_once_bytes;    // the sum of their capacities
};
inline constexpr Quota kNoQuota{UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX};

// A secure partition's own share of a store: its cap, and room that no client can take.
struct Reserve {
  ClientId account;
  Quota quota;
};

// Whose account the entry (owner, uid) is charged to.
using Payer = ClientId (*)(ClientId owner, psa_storage_uid_t uid);

struct Quotas {
  Quota per_client = kNoQuota;              // each account without a reserve
  Quota all_clients = kNoQuota;             // all accounts without a reserve together
  std::span<const Reserve> reserves = {};   // must outlive the Store (static tables)
  Payer payer = nullptr;                    // nullptr: the owner pays
};

// One entry of a Store's index, in RAM: what the mount learned from the entry's current record.
// The Store's user provides the array; its size is the most entries the store holds.
struct IndexEntry {
  psa_storage_uid_t uid;
  std::uint64_t seq;
  std::int32_t owner;
  std::uint32_t size;
  std::uint32_t capacity;
  std::uint32_t offset;  // of the record in the active bank
  std::uint32_t length;  // of the record, bytes
  std::uint8_t flags;    // psa_storage_create_flags_t (kKnownFlags fit in 8 bits)
  bool used;
};
static_assert(kKnownFlags <= 0xFF);

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
  // record_footprint(limits.max_entry_size) bytes. `index` holds one IndexEntry per entry the
  // store may hold. The Region needs at least two sectors; its sectors are split into two banks.
  Store(flash::Region region, const Keys& keys, std::span<std::byte> scratch, std::span<IndexEntry> index,
        Limits limits, const Quotas& quotas = {});
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  ~Store() = default;

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
  // What a set/create of (owner, uid) with this capacity and these flags would get from the
  // limits and quotas, without writing anything: PSA_SUCCESS or PSA_ERROR_INSUFFICIENT_STORAGE.
  // ProtectedStore asks before it writes a replay counter for an object the store would refuse.
  psa_status_t admits(ClientId owner, psa_storage_uid_t uid, std::size_t capacity,
                      psa_storage_create_flags_t flags) const;
  // Whose account (owner, uid) is charged to, and what an account holds now.
  ClientId payer(ClientId owner, psa_storage_uid_t uid) const;
  Quota usage(ClientId account) const;
  // The sequence number the next record written will carry.
  std::uint64_t next_seq() const { return next_seq_; }

  // Flash bytes one record with `size` bytes of data occupies (0 if the geometry is unusable).
  std::uint32_t record_footprint(std::uint32_t size) const;
  StoreStats stats() const;

 private:
  using Entry = IndexEntry;
  struct Header;

  Entry* find(ClientId owner, psa_storage_uid_t uid);
  const Entry* find(ClientId owner, psa_storage_uid_t uid) const;
  Entry* free_slot();
  std::uint32_t bank_offset(unsigned bank) const { return bank * bank_size_; }
  std::uint32_t records_start() const;
  // Whether an entry of `capacity` bytes with `flags`, replacing `existing` (or new), fits the
  // limits, the quotas and the flash.
  psa_status_t check_new_entry(const Entry* existing, ClientId owner, psa_storage_uid_t uid, std::uint32_t capacity,
                               psa_storage_create_flags_t flags) const;
  bool within_quota(const Entry* replaced, ClientId account, std::uint32_t capacity,
                    psa_storage_create_flags_t flags) const;
  const Reserve* reserve_of(ClientId account) const;

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
  std::span<IndexEntry> entries_;
  Limits limits_;
  Quotas quotas_;
  std::uint32_t unit_ = 0;       // program unit of every record part (>= 8)
  std::uint32_t bank_size_ = 0;  // bytes of one bank
  unsigned active_ = 0;          // the bank holding the log
  std::uint32_t generation_ = 0; // of the active bank
  std::uint32_t tail_ = 0;       // next free offset in the active bank (bank-relative)
  std::uint64_t next_seq_ = 1;
  std::uint32_t compactions_ = 0;
  bool mounted_ = false;
};

}  // namespace ward::secure::storage
