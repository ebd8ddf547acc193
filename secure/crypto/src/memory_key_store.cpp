// MemoryKeyStore (host builds): ITS semantics over a std::map.
#include "ward/secure/crypto/memory_key_store.hpp"

#include <algorithm>

namespace ward::secure::crypto {

psa_status_t MemoryKeyStore::set(std::uint64_t uid, std::span<const std::byte> data, std::uint32_t flags) {
  if (fail_writes_) {
    return PSA_ERROR_STORAGE_FAILURE;
  }
  if ((flags & ~kStoreFlagWriteOnce) != 0) {
    return PSA_ERROR_NOT_SUPPORTED;
  }
  const auto it = entries_.find(uid);
  if (it != entries_.end() && (it->second.flags & kStoreFlagWriteOnce) != 0) {
    return PSA_ERROR_NOT_PERMITTED;
  }
  entries_[uid] = Entry{{data.begin(), data.end()}, flags};
  return PSA_SUCCESS;
}

psa_status_t MemoryKeyStore::get(std::uint64_t uid, std::size_t offset, std::span<std::byte> out,
                                 std::size_t* length) {
  *length = 0;
  const auto it = entries_.find(uid);
  if (it == entries_.end()) {
    return PSA_ERROR_DOES_NOT_EXIST;
  }
  const auto& data = it->second.data;
  if (offset > data.size()) {
    return PSA_ERROR_INVALID_ARGUMENT;
  }
  const std::size_t n = std::min(out.size(), data.size() - offset);
  std::copy_n(data.begin() + static_cast<std::ptrdiff_t>(offset), n, out.begin());
  *length = n;
  return PSA_SUCCESS;
}

psa_status_t MemoryKeyStore::get_info(std::uint64_t uid, std::size_t* size, std::uint32_t* flags) {
  const auto it = entries_.find(uid);
  if (it == entries_.end()) {
    return PSA_ERROR_DOES_NOT_EXIST;
  }
  *size = it->second.data.size();
  *flags = it->second.flags;
  return PSA_SUCCESS;
}

psa_status_t MemoryKeyStore::remove(std::uint64_t uid) {
  const auto it = entries_.find(uid);
  if (it == entries_.end()) {
    return PSA_ERROR_DOES_NOT_EXIST;
  }
  if ((it->second.flags & kStoreFlagWriteOnce) != 0) {
    return PSA_ERROR_NOT_PERMITTED;
  }
  entries_.erase(it);
  return PSA_SUCCESS;
}

std::vector<std::byte> MemoryKeyStore::value(std::uint64_t uid) const {
  const auto it = entries_.find(uid);
  return it == entries_.end() ? std::vector<std::byte>{} : it->second.data;
}

}  // namespace ward::secure::crypto
