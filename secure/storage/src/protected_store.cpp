// Protected Storage's replay protection (storage_service.hpp explains the counter protocol).
#include <array>
#include <bit>
#include <cstddef>
#include <cstring>
#include <type_traits>

#include "crypto.hpp"
#include "ward/secure/storage_service.hpp"

namespace ward::secure::storage {

namespace {

// A counter's ITS contents: owner, 0, uid, prev, next, little-endian. On a little-endian CPU (the
// Cortex-M33 and every host) the struct's bytes are exactly these, so reading and writing a counter
// are copies.
struct CounterRecord {
  std::int32_t owner;
  std::uint32_t zero;
  psa_storage_uid_t uid;
  std::uint64_t prev;
  std::uint64_t next;
};
constexpr std::size_t kCounterBytes = 32;
static_assert(std::endian::native == std::endian::little, "counters are copied as little-endian bytes");
static_assert(sizeof(CounterRecord) == kCounterBytes && offsetof(CounterRecord, uid) == 8 &&
              offsetof(CounterRecord, prev) == 16 && offsetof(CounterRecord, next) == 24);
static_assert(std::is_trivially_copyable_v<CounterRecord>);

// The ITS uid of an object's counter: a hash of (owner, uid), because ITS uids are 64 bits and
// (owner, uid) is 96. The counter's contents repeat (owner, uid), so a collision is noticed.
psa_storage_uid_t counter_uid(ClientId owner, psa_storage_uid_t uid) {
  std::array<std::byte, 16 + 12> in{};
  std::memcpy(in.data(), "ward ps ctr v1\0\0", 16);
  const std::int32_t o = raw(owner);
  std::memcpy(in.data() + 16, &o, 4);  // little-endian, like the counter (static_assert above)
  std::memcpy(in.data() + 20, &uid, 8);
  const auto d = detail::sha256(in);
  psa_storage_uid_t id = 0;
  std::memcpy(&id, d.data(), sizeof id);
  return id == 0 ? 1 : id;
}

}  // namespace

psa_status_t ProtectedStore::read_counter(ClientId owner, psa_storage_uid_t uid, Counter* c) {
  *c = {};
  std::array<std::byte, kCounterBytes> buf{};
  std::size_t n = 0;
  const psa_status_t s = its_.get(kStoragePartition, counter_uid(owner, uid), 0, buf, &n);
  if (s == PSA_ERROR_DOES_NOT_EXIST) return PSA_SUCCESS;
  if (s != PSA_SUCCESS) return s == PSA_ERROR_STORAGE_FAILURE ? s : PSA_ERROR_DATA_CORRUPT;
  CounterRecord r{};
  std::memcpy(&r, buf.data(), sizeof r);
  if (n != kCounterBytes || r.owner != raw(owner) || r.uid != uid) return PSA_ERROR_DATA_CORRUPT;
  c->prev = r.prev;
  c->next = r.next;
  c->exists = true;
  return PSA_SUCCESS;
}

psa_status_t ProtectedStore::write_counter(ClientId owner, psa_storage_uid_t uid, std::uint64_t prev,
                                           std::uint64_t next) {
  const CounterRecord r{raw(owner), 0, uid, prev, next};
  return its_.set(kStoragePartition, counter_uid(owner, uid), std::as_bytes(std::span{&r, 1}), PSA_STORAGE_FLAG_NONE);
}

psa_status_t ProtectedStore::drop_counter(ClientId owner, psa_storage_uid_t uid) {
  const psa_status_t s = its_.remove(kStoragePartition, counter_uid(owner, uid));
  return s == PSA_ERROR_DOES_NOT_EXIST ? PSA_SUCCESS : s;
}

psa_status_t ProtectedStore::check(ClientId owner, psa_storage_uid_t uid, EntryInfo* info, Counter* c) {
  const bool found = objects_.lookup(owner, uid, info);
  const std::uint64_t version = found ? info->seq : 0;
  if (auto s = read_counter(owner, uid, c); s != PSA_SUCCESS) return s;
  if (!c->exists) {
    if (!found) return PSA_ERROR_DOES_NOT_EXIST;
    // A replay-protected object always has a counter (it is written first): one without is an old
    // copy of an object since removed.
    return (info->flags & PSA_STORAGE_FLAG_NO_REPLAY_PROTECTION) != 0 ? PSA_SUCCESS : PSA_ERROR_DATA_CORRUPT;
  }
  if (version != c->prev && version != c->next) return PSA_ERROR_DATA_CORRUPT;
  if (c->prev != c->next) {
    // An update was interrupted; settle on what the flash holds, closing the window.
    const psa_status_t s = version == 0 ? drop_counter(owner, uid) : write_counter(owner, uid, version, version);
    if (s != PSA_SUCCESS) return s;
    c->exists = version != 0;
    c->prev = c->next = version;
  }
  return found ? PSA_SUCCESS : PSA_ERROR_DOES_NOT_EXIST;
}

template <class Write>
psa_status_t ProtectedStore::update(ClientId owner, psa_storage_uid_t uid, std::uint64_t current, bool protect,
                                    bool had_counter, Write write) {
  const bool counted = protect || had_counter;
  if (counted) {
    if (auto s = write_counter(owner, uid, current, objects_.next_seq()); s != PSA_SUCCESS) return s;
  }
  if (auto s = write(); s != PSA_SUCCESS) {
    // A refusal wrote nothing (the callers asked admits() first, so this is not expected): settle the
    // counter back on the unchanged object, so that refused writes leave no counters in ITS. After
    // any other failure the new record may or may not have reached the flash; the counter accepts
    // either until the next access settles it.
    if (counted && s == PSA_ERROR_INSUFFICIENT_STORAGE) {
      (void)(current != 0 ? write_counter(owner, uid, current, current) : drop_counter(owner, uid));
    }
    return s;
  }
  EntryInfo now{};
  const bool exists = objects_.lookup(owner, uid, &now);
  if (protect && exists) return write_counter(owner, uid, now.seq, now.seq);
  return counted ? drop_counter(owner, uid) : PSA_SUCCESS;
}

// set, create and set_extended: the checks each makes, then one write under the counter protocol.
psa_status_t ProtectedStore::write(WriteKind kind, ClientId owner, psa_storage_uid_t uid, std::size_t n,
                                   std::span<const std::byte> data, psa_storage_create_flags_t flags) {
  if (uid == 0) return PSA_ERROR_INVALID_ARGUMENT;
  // psa_ps_create refuses WRITE_ONCE; set_extended takes the object's own flags.
  if (kind != WriteKind::extend &&
      ((flags & ~kKnownFlags) != 0 || (kind == WriteKind::create && (flags & PSA_STORAGE_FLAG_WRITE_ONCE) != 0))) {
    return PSA_ERROR_NOT_SUPPORTED;
  }
  EntryInfo info{};
  Counter c{};
  const psa_status_t st = check(owner, uid, &info, &c);
  if (st == PSA_ERROR_STORAGE_FAILURE) return st;
  // Never extend a replayed object: the new version would launder the old data. A damaged or
  // replayed object may be overwritten by set; its old contents are never accepted again.
  if (kind == WriteKind::extend && st != PSA_SUCCESS) return st;
  if (kind == WriteKind::create) {
    if (objects_.lookup(owner, uid, &info)) return PSA_ERROR_ALREADY_EXISTS;
  } else if (st == PSA_SUCCESS && (info.flags & PSA_STORAGE_FLAG_WRITE_ONCE) != 0) {
    return PSA_ERROR_NOT_PERMITTED;
  }
  std::size_t capacity = kind == WriteKind::set ? data.size() : n;
  if (kind == WriteKind::extend) {
    if (n > info.size || data.size() > info.capacity - n) return PSA_ERROR_INVALID_ARGUMENT;
    if (data.empty()) return objects_.set_extended(owner, uid, n, data);
    capacity = info.capacity;
    flags = info.flags;
  }
  const std::uint64_t current = st == PSA_SUCCESS ? info.seq : 0;  // 0 for create: nothing exists
  const bool protect = (flags & PSA_STORAGE_FLAG_NO_REPLAY_PROTECTION) == 0;
  // Over a limit or quota: refused before anything (the counter included) is written.
  if (auto s = objects_.admits(owner, uid, capacity, flags); s != PSA_SUCCESS) return s;
  return update(owner, uid, current, protect, c.exists, [&] {
    switch (kind) {
      case WriteKind::set: return objects_.set(owner, uid, data, flags);
      case WriteKind::create: return objects_.create(owner, uid, n, flags);
      default: return objects_.set_extended(owner, uid, n, data);
    }
  });
}

psa_status_t ProtectedStore::set(ClientId owner, psa_storage_uid_t uid, std::span<const std::byte> data,
                                 psa_storage_create_flags_t flags) {
  return write(WriteKind::set, owner, uid, 0, data, flags);
}

psa_status_t ProtectedStore::get(ClientId owner, psa_storage_uid_t uid, std::size_t offset, std::span<std::byte> out,
                                 std::size_t* length) {
  if (uid == 0 || length == nullptr) return PSA_ERROR_INVALID_ARGUMENT;
  *length = 0;
  EntryInfo info{};
  Counter c{};
  if (auto s = check(owner, uid, &info, &c); s != PSA_SUCCESS) return s;
  return objects_.get(owner, uid, offset, out, length);
}

psa_status_t ProtectedStore::get_info(ClientId owner, psa_storage_uid_t uid, psa_storage_info_t* out) {
  if (uid == 0 || out == nullptr) return PSA_ERROR_INVALID_ARGUMENT;
  EntryInfo info{};
  Counter c{};
  if (auto s = check(owner, uid, &info, &c); s != PSA_SUCCESS) return s;
  return objects_.get_info(owner, uid, out);
}

psa_status_t ProtectedStore::remove(ClientId owner, psa_storage_uid_t uid) {
  if (uid == 0) return PSA_ERROR_INVALID_ARGUMENT;
  EntryInfo info{};
  Counter c{};
  const psa_status_t st = check(owner, uid, &info, &c);
  if (st == PSA_ERROR_STORAGE_FAILURE) return st;
  if (!objects_.lookup(owner, uid, &info)) {
    // Nothing to remove; a counter left by an interrupted removal (or an attacker deleting the
    // object) goes too, since its owner wants the object gone.
    if (c.exists) {
      if (auto s = drop_counter(owner, uid); s != PSA_SUCCESS) return s;
    }
    return PSA_ERROR_DOES_NOT_EXIST;
  }
  if ((info.flags & PSA_STORAGE_FLAG_WRITE_ONCE) != 0) return PSA_ERROR_NOT_PERMITTED;
  const bool protect = (info.flags & PSA_STORAGE_FLAG_NO_REPLAY_PROTECTION) == 0;
  // While the removal is in flight the counter accepts the object or its absence.
  const bool counted = protect || c.exists;
  if (counted) {
    if (auto s = write_counter(owner, uid, info.seq, 0); s != PSA_SUCCESS) return s;
  }
  if (auto s = objects_.remove(owner, uid); s != PSA_SUCCESS) return s;
  return counted ? drop_counter(owner, uid) : PSA_SUCCESS;
}

psa_status_t ProtectedStore::create(ClientId owner, psa_storage_uid_t uid, std::size_t capacity,
                                    psa_storage_create_flags_t flags) {
  // Capacity 0 is a valid, empty object (PSA Storage API 1.0: psa_ps_create only refuses uid 0);
  // set_extended can then only write nothing into it.
  return write(WriteKind::create, owner, uid, capacity, {}, flags);
}

psa_status_t ProtectedStore::set_extended(ClientId owner, psa_storage_uid_t uid, std::size_t offset,
                                          std::span<const std::byte> data) {
  return write(WriteKind::extend, owner, uid, offset, data, 0);
}

}  // namespace ward::secure::storage
