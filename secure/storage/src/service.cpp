// The ITS and PS service instances and their request handlers. The handlers are the boundary: the
// vectors are secure copies, but their contents are the caller's, so every count, size and field
// is checked before the engine sees it (storage_protocol.h is the format).
#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <optional>

#include <ward/secure/storage_protocol.h>

#include "ward/secure/storage_service.hpp"

namespace ward::secure::storage {

namespace {

using In = std::span<const std::span<const std::byte>>;
using Out = std::span<const std::span<std::byte>>;

// One scratch for both stores, as large as the larger needs. Safe because no Store operation keeps
// anything in its scratch past its return (each stages, seals and writes, or reads, opens and copies
// out, within the call), and nothing calls one store inside another's operation: ProtectedStore
// uses ITS (its counters) and the PS store one after the other, and the service runs one call at
// a time. Saves the smaller store's scratch (1,344 bytes of RAM with the default limits).
alignas(8) std::byte scratch[scratch_bytes(std::max(kItsLimits.max_entry_size, kPsLimits.max_entry_size))];
std::array<IndexEntry, kItsEntries> its_index;
std::array<IndexEntry, kPsEntries> ps_index;
std::optional<Store> its_store;
std::optional<Store> ps_store;
std::optional<ProtectedStore> ps_service;

// The request's argument block, or nothing if in[0] is not exactly one.
std::optional<ward_storage_args> args_of(In in) {
  if (in.empty() || in[0].size() != sizeof(ward_storage_args)) return std::nullopt;
  ward_storage_args a;
  std::memcpy(&a, in[0].data(), sizeof a);
  if (a.reserved != 0) return std::nullopt;
  return a;
}

// The shape of each request (storage_protocol.h), one row per type, checked in one place for both
// services: the vector counts, out[0]'s size where it is fixed, and which argument fields the
// request takes. A field it does not take must be 0; an offset or length it takes must fit 32 bits
// (so it is never truncated on the way to the engine).
enum : std::uint8_t { kTakesOffset = 1, kTakesLength = 2, kTakesFlags = 4 };
struct Shape {
  std::uint8_t in;
  std::uint8_t out;
  std::uint8_t out0_size;  // 0: any size
  std::uint8_t fields;
};
constexpr Shape kShapes[] = {
    {2, 0, 0, kTakesFlags},                                        // SET
    {1, 1, 0, kTakesOffset},                                       // GET
    {1, 1, sizeof(ward_storage_info_wire), 0},                     // GET_INFO
    {1, 0, 0, 0},                                                  // REMOVE
    {1, 0, 0, kTakesLength | kTakesFlags},                         // CREATE (PS)
    {2, 0, 0, kTakesOffset},                                       // SET_EXTENDED (PS)
};
static_assert(WARD_STORAGE_SET == 1 && WARD_STORAGE_SET_EXTENDED == 6 && WARD_STORAGE_GET_SUPPORT == 7);
constexpr std::int32_t kLastItsType = WARD_STORAGE_REMOVE;

std::uint64_t field_max(const Shape& shape, std::uint8_t field) {
  return (shape.fields & field) != 0 ? std::numeric_limits<std::uint32_t>::max() : 0;
}
bool shape_ok(const Shape& shape, const ward_storage_args& a, In in, Out out) {
  return in.size() == shape.in && out.size() == shape.out &&
         (shape.out0_size == 0 || out[0].size() == shape.out0_size) && a.offset <= field_max(shape, kTakesOffset) &&
         a.length <= field_max(shape, kTakesLength) && (a.flags == 0 || (shape.fields & kTakesFlags) != 0);
}

// Vector counts within PSA_MAX_IOVEC and one out_written per output; all outputs start empty.
bool vectors_ok(In in, Out out, std::span<std::size_t> out_written) {
  if (in.size() > 4 || out.size() > 4 || out_written.size() != out.size()) return false;
  for (auto& w : out_written) w = 0;
  return true;
}

void put_u32s(std::span<std::byte> out, std::span<const std::uint32_t> v, std::span<std::size_t> out_written) {
  std::memcpy(out.data(), v.data(), v.size_bytes());
  out_written[0] = v.size_bytes();
}

// Both services' requests: `ps` selects Protected Storage, otherwise ITS. One out-of-line copy of
// the checks, whichever service the dispatcher calls.
[[gnu::noinline]] psa_status_t handle(bool ps, ClientId caller, std::int32_t type, In in, Out out,
                                      std::span<std::size_t> out_written) {
  if (!vectors_ok(in, out, out_written)) return PSA_ERROR_INVALID_ARGUMENT;
  Store* const its = its_store ? &*its_store : nullptr;
  ProtectedStore* const pss = ps_service ? &*ps_service : nullptr;
  if (ps ? pss == nullptr : its == nullptr) return PSA_ERROR_BAD_STATE;
  if (ps && type == WARD_STORAGE_GET_SUPPORT) {
    if (!in.empty() || out.size() != 1 || out[0].size() != sizeof(std::uint32_t)) return PSA_ERROR_INVALID_ARGUMENT;
    const std::uint32_t v[1] = {ProtectedStore::support()};
    put_u32s(out[0], v, out_written);
    return PSA_SUCCESS;
  }
  const auto a = args_of(in);
  if (!a) return PSA_ERROR_INVALID_ARGUMENT;
  if (type < WARD_STORAGE_SET || type > (ps ? WARD_STORAGE_SET_EXTENDED : kLastItsType)) return PSA_ERROR_NOT_SUPPORTED;
  if (!shape_ok(kShapes[type - 1], *a, in, out)) return PSA_ERROR_INVALID_ARGUMENT;
  const auto offset = static_cast<std::size_t>(a->offset);
  switch (type) {
    case WARD_STORAGE_SET:
      return ps ? pss->set(caller, a->uid, in[1], a->flags) : its->set(caller, a->uid, in[1], a->flags);
    case WARD_STORAGE_GET: {
      std::size_t n = 0;
      const psa_status_t s = ps ? pss->get(caller, a->uid, offset, out[0], &n) : its->get(caller, a->uid, offset, out[0], &n);
      out_written[0] = s == PSA_SUCCESS ? n : 0;
      return s;
    }
    case WARD_STORAGE_GET_INFO: {
      psa_storage_info_t info{};
      const psa_status_t s = ps ? pss->get_info(caller, a->uid, &info) : its->get_info(caller, a->uid, &info);
      if (s != PSA_SUCCESS) return s;
      const std::uint32_t w[3] = {static_cast<std::uint32_t>(info.capacity), static_cast<std::uint32_t>(info.size),
                                  info.flags};
      static_assert(sizeof w == sizeof(ward_storage_info_wire));
      put_u32s(out[0], w, out_written);
      return PSA_SUCCESS;
    }
    case WARD_STORAGE_REMOVE:
      return ps ? pss->remove(caller, a->uid) : its->remove(caller, a->uid);
    case WARD_STORAGE_CREATE:
      return pss->create(caller, a->uid, static_cast<std::size_t>(a->length), a->flags);
    default:  // WARD_STORAGE_SET_EXTENDED
      return pss->set_extended(caller, a->uid, offset, in[1]);
  }
}

}  // namespace

psa_status_t init(flash::Region its_region, flash::Region ps_region) {
  ps_service.reset();
  its_store.emplace(its_region, derive_keys("ward its v1"), scratch, its_index, kItsLimits, kItsQuotas);
  ps_store.emplace(ps_region, derive_keys("ward ps v1"), scratch, ps_index, kPsLimits, kPsQuotas);
  // A store that failed to mount serves nothing (its handlers answer PSA_ERROR_BAD_STATE).
  if (auto s = its_store->mount(); s != PSA_SUCCESS) {
    its_store.reset();
    ps_store.reset();
    return s;
  }
  if (auto s = ps_store->mount(); s != PSA_SUCCESS) {
    ps_store.reset();
    return s;
  }
  ps_service.emplace(*ps_store, *its_store);
  return PSA_SUCCESS;
}

Store* its() { return its_store ? &*its_store : nullptr; }
ProtectedStore* ps() { return ps_service ? &*ps_service : nullptr; }

psa_status_t handle_its(ClientId caller, std::int32_t type, In in, Out out, std::span<std::size_t> out_written) {
  return handle(false, caller, type, in, out, out_written);
}

psa_status_t handle_ps(ClientId caller, std::int32_t type, In in, Out out, std::span<std::size_t> out_written) {
  return handle(true, caller, type, in, out, out_written);
}

}  // namespace ward::secure::storage
