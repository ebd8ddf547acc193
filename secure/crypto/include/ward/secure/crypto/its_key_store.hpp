// The crypto partition's key store on Internal Trusted Storage: Mbed TLS's persistent keys and the
// DRBG's NV seed, in ITS under the crypto partition's own identity (kCryptoPartition), so no
// non-secure caller can name, read or remove them through the ITS API.
#pragma once
#include "ward/secure/crypto/key_store.hpp"

namespace ward::secure::crypto {

class ItsKeyStore final : public KeyStore {
 public:
  psa_status_t set(std::uint64_t uid, std::span<const std::byte> data, std::uint32_t flags) override;
  psa_status_t get(std::uint64_t uid, std::size_t offset, std::span<std::byte> out,
                   std::size_t* length) override;
  psa_status_t get_info(std::uint64_t uid, std::size_t* size, std::uint32_t* flags) override;
  psa_status_t remove(std::uint64_t uid) override;
};

}  // namespace ward::secure::crypto
