// Helpers shared by the crypto service's host tests.
#pragma once
#include <psa/crypto.h>

#include <ward/secure/call.h>
#include <ward/secure/crypto_wire.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "ward/secure/crypto/key_store.hpp"
#include "ward/secure/crypto/service.hpp"
#include "ward/secure/dispatch.hpp"
#include "ward/secure/host.hpp"
#include "ward/secure/identity.hpp"

namespace ward::secure::test {

using Bytes = std::vector<std::uint8_t>;

inline Bytes hex(std::string_view text) {
  Bytes out;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  int high = -1;
  for (char c : text) {
    const int v = nibble(c);
    if (v < 0) continue;  // spaces between groups
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(high << 4 | v));
      high = -1;
    }
  }
  return out;
}

inline Bytes text(std::string_view s) { return Bytes(s.begin(), s.end()); }

inline constexpr ClientId kAlice = nonsecure_client(1);
inline constexpr ClientId kBob = nonsecure_client(2);

// Every request type of WARD_SERVICE_CRYPTO (ward/secure/crypto_wire.h).
inline constexpr std::int32_t kAllTypes[] = {
    WARD_CRYPTO_INIT,           WARD_CRYPTO_GENERATE_RANDOM,  WARD_CRYPTO_IMPORT_KEY,       WARD_CRYPTO_GENERATE_KEY,
    WARD_CRYPTO_EXPORT_KEY,     WARD_CRYPTO_EXPORT_PUBLIC_KEY, WARD_CRYPTO_DESTROY_KEY,      WARD_CRYPTO_PURGE_KEY,
    WARD_CRYPTO_GET_KEY_ATTRIBUTES, WARD_CRYPTO_HASH_COMPUTE, WARD_CRYPTO_HASH_COMPARE,     WARD_CRYPTO_HASH_SETUP,
    WARD_CRYPTO_HASH_UPDATE,    WARD_CRYPTO_HASH_FINISH,      WARD_CRYPTO_HASH_VERIFY,      WARD_CRYPTO_HASH_ABORT,
    WARD_CRYPTO_MAC_COMPUTE,    WARD_CRYPTO_MAC_VERIFY,       WARD_CRYPTO_AEAD_ENCRYPT,     WARD_CRYPTO_AEAD_DECRYPT,
    WARD_CRYPTO_SIGN_HASH,      WARD_CRYPTO_VERIFY_HASH,      WARD_CRYPTO_SIGN_MESSAGE,     WARD_CRYPTO_VERIFY_MESSAGE,
    WARD_CRYPTO_RAW_KEY_AGREEMENT, WARD_CRYPTO_KDF_SETUP,     WARD_CRYPTO_KDF_INPUT_BYTES,  WARD_CRYPTO_KDF_INPUT_KEY,
    WARD_CRYPTO_KDF_OUTPUT_BYTES, WARD_CRYPTO_KDF_OUTPUT_KEY, WARD_CRYPTO_KDF_ABORT,        WARD_CRYPTO_KDF_GET_CAPACITY,
    WARD_CRYPTO_KDF_SET_CAPACITY,
    WARD_CRYPTO_COPY_KEY, WARD_CRYPTO_GENERATE_KEY_CUSTOM, WARD_CRYPTO_HASH_CLONE, WARD_CRYPTO_MAC_SIGN_SETUP,
    WARD_CRYPTO_MAC_VERIFY_SETUP, WARD_CRYPTO_MAC_UPDATE, WARD_CRYPTO_MAC_SIGN_FINISH, WARD_CRYPTO_MAC_VERIFY_FINISH,
    WARD_CRYPTO_MAC_ABORT, WARD_CRYPTO_ASYMMETRIC_ENCRYPT, WARD_CRYPTO_ASYMMETRIC_DECRYPT,
    WARD_CRYPTO_KDF_KEY_AGREEMENT, WARD_CRYPTO_KDF_INPUT_INTEGER, WARD_CRYPTO_KDF_VERIFY_BYTES,
    WARD_CRYPTO_KDF_VERIFY_KEY, WARD_CRYPTO_KDF_OUTPUT_KEY_CUSTOM, WARD_CRYPTO_CIPHER_ENCRYPT,
    WARD_CRYPTO_CIPHER_DECRYPT, WARD_CRYPTO_CIPHER_ENCRYPT_SETUP, WARD_CRYPTO_CIPHER_DECRYPT_SETUP,
    WARD_CRYPTO_CIPHER_GENERATE_IV, WARD_CRYPTO_CIPHER_SET_IV, WARD_CRYPTO_CIPHER_UPDATE, WARD_CRYPTO_CIPHER_FINISH,
    WARD_CRYPTO_CIPHER_ABORT, WARD_CRYPTO_AEAD_ENCRYPT_SETUP, WARD_CRYPTO_AEAD_DECRYPT_SETUP,
    WARD_CRYPTO_AEAD_GENERATE_NONCE, WARD_CRYPTO_AEAD_SET_NONCE, WARD_CRYPTO_AEAD_SET_LENGTHS,
    WARD_CRYPTO_AEAD_UPDATE_AD, WARD_CRYPTO_AEAD_UPDATE, WARD_CRYPTO_AEAD_FINISH, WARD_CRYPTO_AEAD_VERIFY,
    WARD_CRYPTO_AEAD_ABORT, WARD_CRYPTO_SIGN_HASH_START, WARD_CRYPTO_SIGN_HASH_COMPLETE,
    WARD_CRYPTO_SIGN_HASH_NUM_OPS, WARD_CRYPTO_SIGN_HASH_ABORT, WARD_CRYPTO_VERIFY_HASH_START,
    WARD_CRYPTO_VERIFY_HASH_COMPLETE, WARD_CRYPTO_VERIFY_HASH_NUM_OPS, WARD_CRYPTO_VERIFY_HASH_ABORT,
};

// One call's vectors, each its own exactly-sized allocation.
struct Call {
  std::vector<std::unique_ptr<std::byte[]>> blocks;
  std::vector<std::span<const std::byte>> in;
  std::vector<std::span<std::byte>> out;
  std::vector<std::size_t> written;

  Call& input(const void* data, std::size_t n) {
    blocks.emplace_back(new std::byte[n == 0 ? 1 : n]);
    if (n != 0) std::memcpy(blocks.back().get(), data, n);
    in.emplace_back(blocks.back().get(), n);
    return *this;
  }
  Call& input_fill(std::size_t n, std::uint8_t value) {
    std::vector<std::uint8_t> data(n, value);
    return input(data.data(), n);
  }
  Call& args(const ward_crypto_args& a) { return input(&a, sizeof a); }
  Call& output(std::size_t n) {
    blocks.emplace_back(new std::byte[n == 0 ? 1 : n]());
    out.emplace_back(blocks.back().get(), n);
    written.push_back(0xdead);  // the dispatcher must reset it
    return *this;
  }
  psa_status_t run(std::int32_t type, ClientId caller = kAlice, std::uint32_t service = WARD_SERVICE_CRYPTO) {
    return dispatch(caller, service, type, in, out, written);
  }
  std::uint32_t out_u32(std::size_t i) const {
    std::uint32_t v = 0;
    std::memcpy(&v, out[i].data(), sizeof v);
    return v;
  }
};

// Every test starts as Alice on an initialised service with a clean store, and leaves no operation
// or volatile key behind (the service is process-global, as on target). Whatever a test did, the
// service's record of who holds each volatile key must still agree with Mbed TLS's key store.
class CryptoService : public ::testing::Test {
 protected:
  void SetUp() override {
    host::reboot();
    host::default_key_store().clear();
    host::default_key_store().fail_writes(false);
    crypto::set_key_store(&host::default_key_store());
    host::set_current_client(kAlice);
    ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);
  }
  void TearDown() override {
    EXPECT_TRUE(crypto::key_record_consistent());
    host::set_current_client(kAlice);
    host::reboot();
  }

  static mbedtls_svc_key_id_t import(psa_key_type_t type, psa_key_usage_t usage, psa_algorithm_t alg, const Bytes& data,
                                     psa_key_id_t persistent_id = 0) {
    psa_key_attributes_t attributes = PSA_KEY_ATTRIBUTES_INIT;
    psa_set_key_type(&attributes, type);
    psa_set_key_usage_flags(&attributes, usage);
    psa_set_key_algorithm(&attributes, alg);
    if (persistent_id != 0) {
      psa_set_key_id(&attributes, persistent_id);
    }
    mbedtls_svc_key_id_t key = PSA_KEY_ID_NULL;
    EXPECT_EQ(psa_import_key(&attributes, data.data(), data.size(), &key), PSA_SUCCESS);
    return key;
  }

  static mbedtls_svc_key_id_t generate_p256(psa_key_usage_t usage, psa_algorithm_t alg, psa_key_id_t persistent_id = 0) {
    psa_key_attributes_t attributes = PSA_KEY_ATTRIBUTES_INIT;
    psa_set_key_type(&attributes, PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1));
    psa_set_key_bits(&attributes, 256);
    psa_set_key_usage_flags(&attributes, usage);
    psa_set_key_algorithm(&attributes, alg);
    if (persistent_id != 0) {
      psa_set_key_id(&attributes, persistent_id);
    }
    mbedtls_svc_key_id_t key = PSA_KEY_ID_NULL;
    EXPECT_EQ(psa_generate_key(&attributes, &key), PSA_SUCCESS);
    return key;
  }
};

}  // namespace ward::secure::test
