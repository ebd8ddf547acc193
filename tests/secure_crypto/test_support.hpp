// Helpers shared by the crypto service's host tests.
#pragma once
#include <psa/crypto.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "ward/secure/crypto/key_store.hpp"
#include "ward/secure/crypto/service.hpp"
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

// Every test starts as Alice on an initialised service with a clean store, and leaves no operation
// or volatile key behind (the service is process-global, as on target).
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
