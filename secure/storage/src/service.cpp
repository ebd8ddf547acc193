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

bool fits_size_t(std::uint64_t v) { return v <= std::numeric_limits<std::uint32_t>::max(); }

// The operations both services share, over either engine.
template <class Engine>
psa_status_t handle_common(Engine& engine, ClientId caller, std::int32_t type, const ward_storage_args& a, In in,
                           Out out, std::span<std::size_t> out_written) {
  switch (type) {
    case WARD_STORAGE_SET:
      if (in.size() != 2 || !out.empty() || a.offset != 0 || a.length != 0) return PSA_ERROR_INVALID_ARGUMENT;
      return engine.set(caller, a.uid, in[1], a.flags);
    case WARD_STORAGE_GET: {
      if (in.size() != 1 || out.size() != 1 || a.flags != 0 || a.length != 0) return PSA_ERROR_INVALID_ARGUMENT;
      if (!fits_size_t(a.offset)) return PSA_ERROR_INVALID_ARGUMENT;
      std::size_t n = 0;
      const psa_status_t s = engine.get(caller, a.uid, static_cast<std::size_t>(a.offset), out[0], &n);
      out_written[0] = s == PSA_SUCCESS ? n : 0;
      return s;
    }
    case WARD_STORAGE_GET_INFO: {
      if (in.size() != 1 || out.size() != 1 || out[0].size() != sizeof(ward_storage_info_wire) || a.flags != 0 ||
          a.offset != 0 || a.length != 0) {
        return PSA_ERROR_INVALID_ARGUMENT;
      }
      psa_storage_info_t info{};
      const psa_status_t s = engine.get_info(caller, a.uid, &info);
      if (s != PSA_SUCCESS) return s;
      const ward_storage_info_wire w{static_cast<std::uint32_t>(info.capacity), static_cast<std::uint32_t>(info.size),
                                     info.flags};
      std::memcpy(out[0].data(), &w, sizeof w);
      out_written[0] = sizeof w;
      return PSA_SUCCESS;
    }
    case WARD_STORAGE_REMOVE:
      if (in.size() != 1 || !out.empty() || a.flags != 0 || a.offset != 0 || a.length != 0) {
        return PSA_ERROR_INVALID_ARGUMENT;
      }
      return engine.remove(caller, a.uid);
    default:
      return PSA_ERROR_NOT_SUPPORTED;
  }
}

// Vector counts within PSA_MAX_IOVEC and one out_written per output; all outputs start empty.
bool vectors_ok(In in, Out out, std::span<std::size_t> out_written) {
  if (in.size() > 4 || out.size() > 4 || out_written.size() != out.size()) return false;
  for (auto& w : out_written) w = 0;
  return true;
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
  if (!vectors_ok(in, out, out_written)) return PSA_ERROR_INVALID_ARGUMENT;
  if (!its_store) return PSA_ERROR_BAD_STATE;
  const auto a = args_of(in);
  if (!a) return PSA_ERROR_INVALID_ARGUMENT;
  return handle_common(*its_store, caller, type, *a, in, out, out_written);
}

psa_status_t handle_ps(ClientId caller, std::int32_t type, In in, Out out, std::span<std::size_t> out_written) {
  if (!vectors_ok(in, out, out_written)) return PSA_ERROR_INVALID_ARGUMENT;
  if (!ps_service) return PSA_ERROR_BAD_STATE;
  if (type == WARD_STORAGE_GET_SUPPORT) {
    if (!in.empty() || out.size() != 1 || out[0].size() != sizeof(std::uint32_t)) return PSA_ERROR_INVALID_ARGUMENT;
    const std::uint32_t v = ProtectedStore::support();
    std::memcpy(out[0].data(), &v, sizeof v);
    out_written[0] = sizeof v;
    return PSA_SUCCESS;
  }
  const auto a = args_of(in);
  if (!a) return PSA_ERROR_INVALID_ARGUMENT;
  switch (type) {
    case WARD_STORAGE_CREATE:
      if (in.size() != 1 || !out.empty() || a->offset != 0 || !fits_size_t(a->length)) return PSA_ERROR_INVALID_ARGUMENT;
      return ps_service->create(caller, a->uid, static_cast<std::size_t>(a->length), a->flags);
    case WARD_STORAGE_SET_EXTENDED:
      if (in.size() != 2 || !out.empty() || a->flags != 0 || a->length != 0 || !fits_size_t(a->offset)) {
        return PSA_ERROR_INVALID_ARGUMENT;
      }
      return ps_service->set_extended(caller, a->uid, static_cast<std::size_t>(a->offset), in[1]);
    default:
      return handle_common(*ps_service, caller, type, *a, in, out, out_written);
  }
}

}  // namespace ward::secure::storage
