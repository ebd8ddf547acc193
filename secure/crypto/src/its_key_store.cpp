#include "ward/secure/crypto/its_key_store.hpp"

#include <psa/storage_common.h>

#include "ward/secure/identity.hpp"
#include "ward/secure/storage_service.hpp"

namespace ward::secure::crypto {
namespace {
// Storage that failed to mount (or re-mount) holds no keys: every access fails as storage.
constexpr psa_status_t kNoStorage = PSA_ERROR_STORAGE_FAILURE;
}  // namespace

psa_status_t ItsKeyStore::set(std::uint64_t uid, std::span<const std::byte> data, std::uint32_t flags) {
  const psa_storage_create_flags_t its_flags =
      (flags & kStoreFlagWriteOnce) != 0 ? PSA_STORAGE_FLAG_WRITE_ONCE : PSA_STORAGE_FLAG_NONE;
  storage::Store* its = storage::its();
  return its != nullptr ? its->set(kCryptoPartition, uid, data, its_flags) : kNoStorage;
}

psa_status_t ItsKeyStore::get(std::uint64_t uid, std::size_t offset, std::span<std::byte> out, std::size_t* length) {
  storage::Store* its = storage::its();
  return its != nullptr ? its->get(kCryptoPartition, uid, offset, out, length) : kNoStorage;
}

psa_status_t ItsKeyStore::get_info(std::uint64_t uid, std::size_t* size, std::uint32_t* flags) {
  storage::Store* its = storage::its();
  if (its == nullptr) {
    return kNoStorage;
  }
  psa_storage_info_t info{};
  const psa_status_t s = its->get_info(kCryptoPartition, uid, &info);
  if (s == PSA_SUCCESS) {
    *size = info.size;
    *flags = (info.flags & PSA_STORAGE_FLAG_WRITE_ONCE) != 0 ? kStoreFlagWriteOnce : 0;
  }
  return s;
}

psa_status_t ItsKeyStore::remove(std::uint64_t uid) {
  storage::Store* its = storage::its();
  return its != nullptr ? its->remove(kCryptoPartition, uid) : kNoStorage;
}

}  // namespace ward::secure::crypto
