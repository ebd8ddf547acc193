// The storage engine (storage.hpp). On-flash format and power-fail argument: ../README.md.
//
// In short: the Region is split into two banks; the active bank is a log of records, each written
// as (1) a self-checking length unit, (2) header + ciphertext, (3) a commit unit. A record counts
// only when its header MAC and its commit unit are intact, and a torn write is confined to its own
// extent (known from the length unit, or one unit when the length unit itself is torn), so a
// power cut loses at most the record being written. Compaction copies the live records into the
// other bank and makes it active with one final program (the bank's commit unit).
#include "ward/secure/storage.hpp"

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstring>
#include <type_traits>

#include "crypto.hpp"
#include "ward/byte_order.hpp"
#include "ward/constant_time.hpp"

namespace ward::secure::storage {

namespace {

constexpr std::uint32_t kRecordMagic = 0x31525357;  // "WSR1"
constexpr std::uint32_t kBankMagic = 0x31425357;    // "WSB1"
constexpr std::uint8_t kKindData = 1;
constexpr std::uint8_t kKindTombstone = 2;

// Header layout (little-endian). The AEAD's associated data is [0, kAadBytes): owner, uid, seq,
// size, capacity and flags are bound to the ciphertext. The header MAC covers [0, kMacCovered).
constexpr std::size_t kAadBytes = 40;
constexpr std::size_t kNonceAt = 40;
constexpr std::size_t kTagAt = 52;
constexpr std::size_t kMacAt = 68;
constexpr std::size_t kMacCovered = 68;
constexpr std::size_t kHeaderBytes = kRecordHeaderBytes;
static_assert(kMacAt + 16 == kHeaderBytes);
// The bank header (kBankHeaderBytes): magic, generation, MAC (8).
constexpr std::size_t kMaxUnit = 64;

// Commit markers: every non-0xFF byte in the first eight, so a torn program either leaves a
// different value or has in fact completed.
constexpr std::array<std::uint8_t, 8> kRecordCommit = {'C', 'O', 'M', 'M', 'I', 'T', '!', 0};
constexpr std::array<std::uint8_t, 8> kBankCommit = {'B', 'A', 'N', 'K', 'O', 'K', '!', 0};

// Domain separation of the MAC key's uses.
constexpr std::byte kDomainNonce{1};
constexpr std::byte kDomainHeader{2};
constexpr std::byte kDomainBank{3};

bool is_commit(std::span<const std::byte> unit, const std::array<std::uint8_t, 8>& pattern) {
  for (std::size_t i = 0; i < unit.size(); ++i) {
    const std::byte want = i < pattern.size() ? std::byte{pattern[i]} : flash::kErased;
    if (unit[i] != want) return false;
  }
  return true;
}
void fill_commit(std::span<std::byte> unit, const std::array<std::uint8_t, 8>& pattern) {
  std::fill(unit.begin(), unit.end(), flash::kErased);
  for (std::size_t i = 0; i < pattern.size(); ++i) unit[i] = std::byte{pattern[i]};
}

// A record header's fields, [0, kAadBytes), in the on-flash layout (README.md): on a little-endian
// CPU (the Cortex-M33 and every host) the struct's bytes are the on-flash bytes, so encoding and
// decoding a header are copies instead of field-by-field byte shuffling.
struct RecordFields {
  std::uint32_t magic;
  std::uint8_t kind;
  std::array<std::uint8_t, 3> reserved;  // written as 0; covered by the header MAC like the rest
  std::int32_t owner;
  std::uint32_t flags;
  psa_storage_uid_t uid;
  std::uint64_t seq;
  std::uint32_t size;
  std::uint32_t capacity;
};
static_assert(std::endian::native == std::endian::little, "record headers are copied as little-endian bytes");
static_assert(sizeof(RecordFields) == kAadBytes && offsetof(RecordFields, kind) == 4 &&
              offsetof(RecordFields, owner) == 8 && offsetof(RecordFields, flags) == 12 &&
              offsetof(RecordFields, uid) == 16 && offsetof(RecordFields, seq) == 24 &&
              offsetof(RecordFields, size) == 32 && offsetof(RecordFields, capacity) == 36);
static_assert(std::is_trivially_copyable_v<RecordFields>);

}  // namespace

struct Store::Header : RecordFields {};

namespace {

// The bank header's MAC: over its first 8 bytes (magic, generation), truncated to 8.
std::array<std::byte, 32> bank_mac(const Keys& k, std::span<const std::byte> magic_and_generation) {
  const std::byte domain[1] = {kDomainBank};
  return detail::hmac_sha256(k.mac, {std::span<const std::byte>{domain}, magic_and_generation.first(8)});
}

std::array<std::byte, 16> header_mac(const Keys& k, const std::byte* header) {
  const std::byte domain[1] = {kDomainHeader};
  const auto d = detail::hmac_sha256(k.mac, {std::span<const std::byte>{domain}, std::span{header, kMacCovered}});
  std::array<std::byte, 16> out{};
  std::memcpy(out.data(), d.data(), out.size());
  return out;
}

// Parses and authenticates a header: false for anything not written by this store's key.
bool decode_header(const Keys& k, std::span<const std::byte, kHeaderBytes> p, RecordFields* h) {
  const auto mac = header_mac(k, p.data());
  if (!equal_constant_time(mac, p.subspan<kMacAt, 16>())) return false;
  std::memcpy(h, p.data(), kAadBytes);
  return h->magic == kRecordMagic;
}

}  // namespace

Store::Store(flash::Region region, const Keys& keys, std::span<std::byte> scratch, std::span<IndexEntry> index,
             Limits limits, const Quotas& quotas)
    : region_{region}, keys_{keys}, scratch_{scratch}, entries_{index}, limits_{limits}, quotas_{quotas} {}

std::uint32_t Store::record_footprint(std::uint32_t size) const {
  if (unit_ == 0) return 0;
  return record_bytes(size, unit_);
}

std::uint32_t Store::records_start() const { return bank_overhead(unit_); }

std::span<std::byte> Store::payload_area() {
  const std::uint32_t at = unit_ + round_up(kHeaderBytes, unit_);
  return scratch_.subspan(at, round_up(limits_.max_entry_size, unit_));
}

StoreStats Store::stats() const {
  StoreStats s{};
  for (const auto& e : entries_) {
    if (e.used) {
      ++s.entries;
      s.reserved_bytes += record_footprint(e.capacity);
    }
  }
  s.bank_capacity = bank_size_ - records_start();
  s.compactions = compactions_;
  return s;
}

Store::Entry* Store::find(ClientId owner, psa_storage_uid_t uid) {
  for (auto& e : entries_) {
    if (e.used && e.owner == raw(owner) && e.uid == uid) return &e;
  }
  return nullptr;
}
const Store::Entry* Store::find(ClientId owner, psa_storage_uid_t uid) const {
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-const-cast): find() changes nothing; the result is const again
  return const_cast<Store*>(this)->find(owner, uid);
}
Store::Entry* Store::free_slot() {
  for (auto& e : entries_) {
    if (!e.used) return &e;
  }
  return nullptr;
}

bool Store::lookup(ClientId owner, psa_storage_uid_t uid, EntryInfo* info) const {
  const Entry* e = find(owner, uid);
  if (e == nullptr) return false;
  *info = {e->capacity, e->size, e->flags, e->seq};
  return true;
}

// --- Mount ---------------------------------------------------------------------------------------

psa_status_t Store::mount() {
  mounted_ = false;
  std::fill(entries_.begin(), entries_.end(), Entry{});
  next_seq_ = 1;
  const std::uint32_t wa = region_.write_align();
  unit_ = std::max<std::uint32_t>(wa, 8);
  bank_size_ = region_.sectors() / 2 * region_.sector_size();
  if (unit_ > kMaxUnit || region_.sectors() < 2 || region_.sector_size() % unit_ != 0 ||
      record_footprint(limits_.max_entry_size) > scratch_.size() ||
      records_start() + record_footprint(limits_.max_entry_size) + record_footprint(0) > bank_size_) {
    return PSA_ERROR_INVALID_ARGUMENT;  // a configuration error, caught by the first test run
  }
  std::uint32_t gen[2] = {0, 0};
  const bool valid[2] = {read_bank_header(0, &gen[0]), read_bank_header(1, &gen[1])};
  if (!valid[0] && !valid[1]) {
    if (auto s = format(); s != PSA_SUCCESS) return s;
  } else {
    active_ = (valid[1] && (!valid[0] || gen[1] > gen[0])) ? 1 : 0;
    generation_ = gen[active_];
    if (auto s = scan(); s != PSA_SUCCESS) return s;
  }
  mounted_ = true;
  return PSA_SUCCESS;
}

bool Store::read_bank_header(unsigned bank, std::uint32_t* gen) {
  std::array<std::byte, kBankHeaderBytes> h{};
  std::array<std::byte, kMaxUnit> commit{};
  const auto c = std::span{commit}.first(unit_);
  if (!region_.read(bank_offset(bank), h) || !region_.read(bank_offset(bank) + round_up(kBankHeaderBytes, unit_), c)) {
    return false;
  }
  const auto mac = bank_mac(keys_, h);
  if (load_le<std::uint32_t>(std::span{h}.subspan<0, 4>()) != kBankMagic ||
      !equal_constant_time(std::span{mac}.first<8>(), std::span{h}.subspan<8, 8>())) {
    return false;
  }
  *gen = load_le<std::uint32_t>(std::span{h}.subspan<4, 4>());
  return is_commit(c, kBankCommit);
}

psa_status_t Store::format() {
  // An empty bank 0 of generation 1 is exactly what compacting an empty store into it writes
  // (erase, header, commit unit). A cut before the commit unit leaves no valid bank, so the next
  // mount formats again.
  std::fill(entries_.begin(), entries_.end(), Entry{});
  active_ = 1;
  generation_ = 0;
  if (auto s = compact(); s != PSA_SUCCESS) return s;
  compactions_ = 0;
  return PSA_SUCCESS;
}

psa_status_t Store::scan() {
  const std::uint32_t base = bank_offset(active_);
  std::uint32_t pos = records_start();
  std::array<std::byte, kMaxUnit> unit_buf{};
  const auto unit = std::span{unit_buf}.first(unit_);
  std::array<std::byte, kHeaderBytes> hbuf{};
  while (pos + unit_ <= bank_size_) {
    if (!region_.read(base + pos, unit)) return PSA_ERROR_STORAGE_FAILURE;
    if (std::all_of(unit.begin(), unit.end(), [](std::byte b) { return b == flash::kErased; })) {
      break;  // the end of the log
    }
    const std::uint32_t length = load_le<std::uint32_t>(unit.subspan<0, 4>());
    const bool length_ok = (length ^ load_le<std::uint32_t>(unit.subspan<4, 4>())) == 0xFFFFFFFFu &&
                           length % unit_ == 0 && length >= record_footprint(0) && length <= bank_size_ - pos;
    if (!length_ok) {
      pos += unit_;  // a torn length unit: nothing after it was written
      continue;
    }
    Header h{};
    if (!region_.read(base + pos + unit_, hbuf)) return PSA_ERROR_STORAGE_FAILURE;
    if (decode_header(keys_, hbuf, &h)) {
      next_seq_ = std::max(next_seq_, h.seq + 1);
      if (!region_.read(base + pos + length - unit_, unit)) return PSA_ERROR_STORAGE_FAILURE;
      const bool sane = (h.kind == kKindData || h.kind == kKindTombstone) && h.uid != 0 && h.size <= h.capacity &&
                        h.capacity <= limits_.max_entry_size && (h.flags & ~kKnownFlags) == 0 &&
                        record_footprint(h.size) == length;
      if (sane && is_commit(unit, kRecordCommit)) apply(h, pos, length);
    }
    pos += length;
  }
  tail_ = pos;
  return PSA_SUCCESS;
}

void Store::apply(const Header& h, std::uint32_t offset, std::uint32_t length) {
  Entry* e = find(ClientId{h.owner}, h.uid);
  // Within a log an entry's records appear in increasing sequence; anything older is a copy an
  // attacker put back, and loses.
  if (e != nullptr && h.seq < e->seq) return;
  if (h.kind == kKindTombstone) {
    if (e != nullptr) e->used = false;
    return;
  }
  if (e == nullptr) e = free_slot();
  if (e == nullptr) return;  // more entries than set() ever allows: only a forged log gets here
  *e = {h.uid, h.seq, h.owner, h.size, h.capacity, offset, length, static_cast<std::uint8_t>(h.flags), true};
}

// --- Writing -------------------------------------------------------------------------------------

ClientId Store::payer(ClientId owner, psa_storage_uid_t uid) const {
  return quotas_.payer != nullptr ? quotas_.payer(owner, uid) : owner;
}

const Reserve* Store::reserve_of(ClientId account) const {
  for (const auto& r : quotas_.reserves) {
    if (r.account == account) return &r;
  }
  return nullptr;
}

namespace {

void add(Quota& q, std::uint32_t capacity, std::uint32_t flags) {
  q.entries += 1;
  q.bytes += capacity;
  if ((flags & PSA_STORAGE_FLAG_WRITE_ONCE) != 0) {
    q.write_once_entries += 1;
    q.write_once_bytes += capacity;
  }
}
void subtract(Quota& q, std::uint32_t capacity, std::uint32_t flags) {
  q.entries -= 1;
  q.bytes -= capacity;
  if ((flags & PSA_STORAGE_FLAG_WRITE_ONCE) != 0) {
    q.write_once_entries -= 1;
    q.write_once_bytes -= capacity;
  }
}
// A figure may end above its cap only if the write does not increase it.
bool fits(std::uint32_t before, std::uint32_t after, std::uint32_t cap) { return after <= cap || after <= before; }
bool fits(const Quota& before, const Quota& after, const Quota& cap) {
  return fits(before.entries, after.entries, cap.entries) && fits(before.bytes, after.bytes, cap.bytes) &&
         fits(before.write_once_entries, after.write_once_entries, cap.write_once_entries) &&
         fits(before.write_once_bytes, after.write_once_bytes, cap.write_once_bytes);
}

}  // namespace

Quota Store::usage(ClientId account) const {
  Quota q{};
  for (const auto& e : entries_) {
    if (e.used && payer(ClientId{e.owner}, e.uid) == account) add(q, e.capacity, e.flags);
  }
  return q;
}

bool Store::within_quota(const Entry* replaced, ClientId account, std::uint32_t capacity,
                         psa_storage_create_flags_t flags) const {
  // What the account holds, and (for a client) what all the clients hold, before and after. The
  // replaced entry is the same (owner, uid), so the same account's.
  const Reserve* const reserve = reserve_of(account);
  Quota own{}, clients{};
  for (const auto& e : entries_) {
    if (!e.used) continue;
    const ClientId p = payer(ClientId{e.owner}, e.uid);
    if (p == account) add(own, e.capacity, e.flags);
    if (reserve == nullptr && reserve_of(p) == nullptr) add(clients, e.capacity, e.flags);
  }
  const auto after = [&](Quota q) {
    if (replaced != nullptr) subtract(q, replaced->capacity, replaced->flags);
    add(q, capacity, flags);
    return q;
  };
  if (reserve != nullptr) return fits(own, after(own), reserve->quota);
  return fits(own, after(own), quotas_.per_client) && fits(clients, after(clients), quotas_.all_clients);
}

psa_status_t Store::check_new_entry(const Entry* existing, ClientId owner, psa_storage_uid_t uid,
                                    std::uint32_t capacity, psa_storage_create_flags_t flags) const {
  // One walk of the index: a free slot (for a new entry), the capacities with this entry's new one
  // in place of `existing`'s, and the flash all the live records take at their capacities. Flash:
  // the old record stays until the new one is committed, and a removal must always find room for
  // its tombstone. With these reserved, compaction always makes room (README.md).
  bool free_slot = existing != nullptr;
  std::uint32_t total = capacity;
  std::uint32_t flash_bytes = record_footprint(capacity) + record_footprint(0);
  for (const auto& e : entries_) {
    free_slot = free_slot || !e.used;
    if (!e.used) continue;
    if (&e != existing) total += e.capacity;
    flash_bytes += record_footprint(e.capacity);
  }
  const bool ok = capacity <= limits_.max_entry_size && free_slot && total <= limits_.max_total_size &&
                  within_quota(existing, payer(owner, uid), capacity, flags) &&
                  flash_bytes <= bank_size_ - records_start();
  return ok ? PSA_SUCCESS : PSA_ERROR_INSUFFICIENT_STORAGE;
}

psa_status_t Store::admits(ClientId owner, psa_storage_uid_t uid, std::size_t capacity,
                           psa_storage_create_flags_t flags) const {
  if (!mounted_) return PSA_ERROR_BAD_STATE;
  if (capacity > limits_.max_entry_size) return PSA_ERROR_INSUFFICIENT_STORAGE;
  return check_new_entry(find(owner, uid), owner, uid, static_cast<std::uint32_t>(capacity), flags);
}

psa_status_t Store::ensure_space(std::uint32_t length) {
  if (tail_ <= bank_size_ && length <= bank_size_ - tail_) return PSA_SUCCESS;
  if (auto s = compact(); s != PSA_SUCCESS) return s;
  if (length > bank_size_ - tail_) return PSA_ERROR_INSUFFICIENT_STORAGE;
  return PSA_SUCCESS;
}

psa_status_t Store::compact() {
  const unsigned target = 1 - active_;
  const std::uint32_t base = bank_offset(target);
  const std::uint32_t first_sector = base / region_.sector_size();
  const std::uint32_t per_bank = bank_size_ / region_.sector_size();
  for (std::uint32_t i = 0; i < per_bank; ++i) {
    if (!region_.erase_sector(first_sector + i)) return PSA_ERROR_STORAGE_FAILURE;
  }
  // The header (with the new generation) now, the commit unit last: until then the target is not
  // a valid bank and the old one stays active.
  std::array<std::byte, kMaxUnit> buf{};
  const std::uint32_t header_span = round_up(kBankHeaderBytes, unit_);
  std::fill(buf.begin(), buf.end(), flash::kErased);
  store_le<std::uint32_t>(std::span{buf}.subspan<0, 4>(), kBankMagic);
  store_le<std::uint32_t>(std::span{buf}.subspan<4, 4>(), generation_ + 1);
  const auto mac = bank_mac(keys_, buf);
  std::memcpy(buf.data() + 8, mac.data(), 8);
  if (!region_.program(base, std::span{buf}.first(header_span))) return PSA_ERROR_STORAGE_FAILURE;

  // Live records, byte for byte (their MACs do not depend on where they are), in index order; the
  // index keeps the old offsets until the new bank is committed.
  std::uint32_t dst = records_start();
  std::array<std::byte, 256> chunk{};
  for (const Entry& e : entries_) {
    if (!e.used) continue;
    for (std::uint32_t done = 0; done < e.length;) {
      const std::uint32_t n = std::min<std::uint32_t>(chunk.size(), e.length - done);
      const auto part = std::span{chunk}.first(n);
      if (!region_.read(bank_offset(active_) + e.offset + done, part) || !region_.program(base + dst + done, part)) {
        return PSA_ERROR_STORAGE_FAILURE;
      }
      done += n;
    }
    dst += e.length;
  }
  fill_commit(std::span{buf}.first(unit_), kBankCommit);
  if (!region_.program(base + header_span, std::span{buf}.first(unit_))) return PSA_ERROR_STORAGE_FAILURE;

  // The same walk again gives each record its new offset.
  tail_ = records_start();
  for (Entry& e : entries_) {
    if (!e.used) continue;
    e.offset = tail_;
    tail_ += e.length;
  }
  active_ = target;
  ++generation_;
  ++compactions_;
  return PSA_SUCCESS;
}

psa_status_t Store::append(std::uint8_t kind, ClientId owner, psa_storage_uid_t uid, psa_storage_create_flags_t flags,
                           std::uint32_t size, std::uint32_t capacity, Entry* replaced) {
  const std::uint32_t length = record_footprint(size);
  if (auto s = ensure_space(length); s != PSA_SUCCESS) return s;

  const Header h{{kRecordMagic, kind, {}, raw(owner), flags, uid, next_seq_++, size, capacity}};
  std::byte* const header = scratch_.data() + unit_;
  const std::uint32_t header_span = round_up(kHeaderBytes, unit_);
  std::fill_n(header, header_span, flash::kErased);
  std::memcpy(header, &h, kAadBytes);
  const auto plain = scratch_.subspan(unit_ + header_span, size);
  // Synthetic nonce (SIV): a MAC of the header and the plaintext. A sequence number could repeat
  // after the flash is erased; this nonce repeats only for the same header and data, which then
  // encrypt to the same bytes.
  const std::byte domain[1] = {kDomainNonce};
  const auto siv = detail::hmac_sha256(keys_.mac, {std::span<const std::byte>{domain}, std::span{header, kAadBytes}, plain});
  std::memcpy(header + kNonceAt, siv.data(), 12);
  detail::seal(keys_.aead, std::span<const std::byte, 12>{header + kNonceAt, 12}, std::span{header, kAadBytes}, plain,
               std::span<std::byte, 16>{header + kTagAt, 16});
  const auto mac = header_mac(keys_, header);
  std::memcpy(header + kMacAt, mac.data(), mac.size());
  const auto padding = scratch_.first(length - unit_).subspan(unit_ + header_span + size);
  std::fill(padding.begin(), padding.end(), flash::kErased);
  fill_commit(scratch_.subspan(length - unit_, unit_), kRecordCommit);
  const auto len_unit = scratch_.first(unit_);
  std::fill(len_unit.begin(), len_unit.end(), flash::kErased);
  store_le<std::uint32_t>(len_unit.subspan<0, 4>(), length);
  store_le<std::uint32_t>(len_unit.subspan<4, 4>(), ~length);

  const std::uint32_t at = bank_offset(active_) + tail_;
  const bool ok = region_.program(at, len_unit) && region_.program(at + unit_, scratch_.subspan(unit_, length - 2 * unit_)) &&
                  region_.program(at + length - unit_, scratch_.subspan(length - unit_, unit_));
  if (!ok) {
    // Whatever reached the flash is not committed; the next write starts in a freshly compacted bank.
    tail_ = bank_size_;
    return PSA_ERROR_STORAGE_FAILURE;
  }
  const std::uint32_t offset = tail_;
  tail_ += length;
  if (kind == kKindTombstone) {
    if (replaced != nullptr) replaced->used = false;
    return PSA_SUCCESS;
  }
  Entry* e = replaced != nullptr ? replaced : free_slot();
  *e = {uid, h.seq, h.owner, size, capacity, offset, length, static_cast<std::uint8_t>(flags), true};
  return PSA_SUCCESS;
}

psa_status_t Store::load(const Entry& e) {
  const auto record = scratch_.first(e.length);
  const std::uint32_t header_span = round_up(kHeaderBytes, unit_);
  if (e.length > scratch_.size() || e.length != record_footprint(e.size)) return PSA_ERROR_DATA_CORRUPT;
  if (!region_.read(bank_offset(active_) + e.offset, record)) return PSA_ERROR_STORAGE_FAILURE;
  std::byte* const header = record.data() + unit_;
  Header h{};
  if (!decode_header(keys_, std::span<const std::byte, kHeaderBytes>{header, kHeaderBytes}, &h) || h.kind != kKindData || h.owner != e.owner || h.uid != e.uid ||
      h.seq != e.seq || h.size != e.size || h.capacity != e.capacity || h.flags != e.flags ||
      !is_commit(record.subspan(e.length - unit_), kRecordCommit)) {
    return PSA_ERROR_DATA_CORRUPT;
  }
  if (!detail::open(keys_.aead, std::span<const std::byte, 12>{header + kNonceAt, 12}, std::span{header, kAadBytes},
                    record.subspan(unit_ + header_span, e.size), std::span<const std::byte, 16>{header + kTagAt, 16})) {
    return PSA_ERROR_DATA_CORRUPT;
  }
  return PSA_SUCCESS;
}

// --- The API -------------------------------------------------------------------------------------

psa_status_t Store::set(ClientId owner, psa_storage_uid_t uid, std::span<const std::byte> data,
                        psa_storage_create_flags_t flags) {
  if (!mounted_) return PSA_ERROR_BAD_STATE;
  if (uid == 0) return PSA_ERROR_INVALID_ARGUMENT;
  if ((flags & ~kKnownFlags) != 0) return PSA_ERROR_NOT_SUPPORTED;
  Entry* e = find(owner, uid);
  if (e != nullptr && (e->flags & PSA_STORAGE_FLAG_WRITE_ONCE) != 0) return PSA_ERROR_NOT_PERMITTED;
  if (data.size() > limits_.max_entry_size) return PSA_ERROR_INSUFFICIENT_STORAGE;
  const auto size = static_cast<std::uint32_t>(data.size());
  if (auto s = check_new_entry(e, owner, uid, size, flags); s != PSA_SUCCESS) return s;
  std::copy(data.begin(), data.end(), payload_area().begin());
  return append(kKindData, owner, uid, flags, size, size, e);
}

psa_status_t Store::get(ClientId owner, psa_storage_uid_t uid, std::size_t offset, std::span<std::byte> out,
                        std::size_t* length) {
  if (!mounted_) return PSA_ERROR_BAD_STATE;
  if (uid == 0 || length == nullptr) return PSA_ERROR_INVALID_ARGUMENT;
  *length = 0;
  const Entry* e = find(owner, uid);
  if (e == nullptr) return PSA_ERROR_DOES_NOT_EXIST;
  if (offset > e->size) return PSA_ERROR_INVALID_ARGUMENT;
  if (auto s = load(*e); s != PSA_SUCCESS) return s;
  const std::size_t n = std::min<std::size_t>(out.size(), e->size - offset);
  std::copy_n(payload_area().begin() + static_cast<std::ptrdiff_t>(offset), n, out.begin());  // out may be empty (null)
  *length = n;
  return PSA_SUCCESS;
}

psa_status_t Store::get_info(ClientId owner, psa_storage_uid_t uid, psa_storage_info_t* info) {
  if (!mounted_) return PSA_ERROR_BAD_STATE;
  if (uid == 0 || info == nullptr) return PSA_ERROR_INVALID_ARGUMENT;
  const Entry* e = find(owner, uid);
  if (e == nullptr) return PSA_ERROR_DOES_NOT_EXIST;
  // The record is authenticated here too, so get_info and get agree about a damaged entry.
  if (auto s = load(*e); s != PSA_SUCCESS) return s;
  *info = {e->capacity, e->size, e->flags};
  return PSA_SUCCESS;
}

psa_status_t Store::remove(ClientId owner, psa_storage_uid_t uid) {
  if (!mounted_) return PSA_ERROR_BAD_STATE;
  if (uid == 0) return PSA_ERROR_INVALID_ARGUMENT;
  Entry* e = find(owner, uid);
  if (e == nullptr) return PSA_ERROR_DOES_NOT_EXIST;
  if ((e->flags & PSA_STORAGE_FLAG_WRITE_ONCE) != 0) return PSA_ERROR_NOT_PERMITTED;
  return append(kKindTombstone, owner, uid, 0, 0, 0, e);
}

psa_status_t Store::create(ClientId owner, psa_storage_uid_t uid, std::size_t capacity,
                           psa_storage_create_flags_t flags) {
  if (!mounted_) return PSA_ERROR_BAD_STATE;
  // Capacity 0 is an empty object, like a set() of no data (PSA Storage API: only uid 0 is invalid).
  if (uid == 0) return PSA_ERROR_INVALID_ARGUMENT;
  if ((flags & ~kKnownFlags) != 0 || (flags & PSA_STORAGE_FLAG_WRITE_ONCE) != 0) return PSA_ERROR_NOT_SUPPORTED;
  Entry* e = find(owner, uid);
  if (e != nullptr) return PSA_ERROR_ALREADY_EXISTS;
  if (capacity > limits_.max_entry_size) return PSA_ERROR_INSUFFICIENT_STORAGE;
  if (auto s = check_new_entry(nullptr, owner, uid, static_cast<std::uint32_t>(capacity), flags); s != PSA_SUCCESS) {
    return s;
  }
  return append(kKindData, owner, uid, flags, 0, static_cast<std::uint32_t>(capacity), nullptr);
}

psa_status_t Store::set_extended(ClientId owner, psa_storage_uid_t uid, std::size_t offset,
                                 std::span<const std::byte> data) {
  if (!mounted_) return PSA_ERROR_BAD_STATE;
  if (uid == 0) return PSA_ERROR_INVALID_ARGUMENT;
  Entry* e = find(owner, uid);
  if (e == nullptr) return PSA_ERROR_DOES_NOT_EXIST;
  if ((e->flags & PSA_STORAGE_FLAG_WRITE_ONCE) != 0) return PSA_ERROR_NOT_PERMITTED;
  if (offset > e->size || data.size() > e->capacity - offset) return PSA_ERROR_INVALID_ARGUMENT;
  if (auto s = load(*e); s != PSA_SUCCESS) return s;  // never re-encrypt data that did not authenticate
  if (data.empty()) return PSA_SUCCESS;
  if (auto s = check_new_entry(e, owner, uid, e->capacity, e->flags); s != PSA_SUCCESS) return s;
  std::copy(data.begin(), data.end(), payload_area().begin() + static_cast<std::ptrdiff_t>(offset));
  const auto size = std::max<std::uint32_t>(e->size, static_cast<std::uint32_t>(offset + data.size()));
  return append(kKindData, owner, uid, e->flags, size, e->capacity, e);
}

}  // namespace ward::secure::storage
