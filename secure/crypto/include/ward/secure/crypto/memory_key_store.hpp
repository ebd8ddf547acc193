// A KeyStore in process memory, for the host build and tests. Survives a re-initialisation of the
// crypto service (a simulated reboot) as long as the object lives; a test can also copy it, wipe it
// or make it fail to check the service's error paths.
#pragma once
#include <cstdint>
#include <map>
#include <vector>

#include "ward/secure/crypto/key_store.hpp"

namespace ward::secure::crypto {

class MemoryKeyStore final : public KeyStore {
 public:
  psa_status_t set(std::uint64_t uid, std::span<const std::byte> data, std::uint32_t flags) override;
  psa_status_t get(std::uint64_t uid, std::size_t offset, std::span<std::byte> out,
                   std::size_t* length) override;
  psa_status_t get_info(std::uint64_t uid, std::size_t* size, std::uint32_t* flags) override;
  psa_status_t remove(std::uint64_t uid) override;

  void clear() { entries_.clear(); }
  bool contains(std::uint64_t uid) const { return entries_.contains(uid); }
  std::size_t size() const { return entries_.size(); }
  // Every later set fails with PSA_ERROR_STORAGE_FAILURE (a dead flash).
  void fail_writes(bool fail) { fail_writes_ = fail; }
  // The stored bytes of one entry (tests compare seeds across boots).
  std::vector<std::byte> value(std::uint64_t uid) const;

 private:
  struct Entry {
    std::vector<std::byte> data;
    std::uint32_t flags = 0;
  };
  std::map<std::uint64_t, Entry> entries_;
  bool fail_writes_ = false;
};

}  // namespace ward::secure::crypto
