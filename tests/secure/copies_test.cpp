// The secure image's memcpy and memset (arch/arm/src/small_libc.cpp's word loops, not newlib's)
// under Mbed TLS and the crypto service, through the real path on QEMU: inputs, outputs and keys
// at every alignment 0-7 from a word, lengths across the word and block boundaries, multi-part
// hashing in odd chunks (the partial-block copies inside the hash context). Every result is folded
// into a SHA-256 whose known answer comes from Python's hashlib and cryptography (gen_copies_kat.py),
// so a copy that drops, repeats or misplaces a byte in any case fails. Run beside both secure images: qemu.secure_copies and qemu.secure_medium_copies.
#include <psa/crypto.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "ward/test.hpp"
#include "secure_stacks.hpp"

namespace {

template <std::size_t N>
std::array<std::uint8_t, N> hex(std::string_view h) {
  std::array<std::uint8_t, N> out{};
  auto nibble = [](char c) -> std::uint8_t {
    return static_cast<std::uint8_t>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
  };
  for (std::size_t i = 0; i < N && 2 * i + 1 < h.size(); ++i) {
    out[i] = static_cast<std::uint8_t>(nibble(h[2 * i]) << 4 | nibble(h[2 * i + 1]));
  }
  return out;
}

// The generator's pat(n, seed).
void pattern(std::uint8_t* p, std::size_t n, unsigned seed) {
  for (std::size_t i = 0; i < n; ++i) {
    p[i] = static_cast<std::uint8_t>((i * 37u + seed * 11u + 5u) ^ (i >> 2));
  }
}

alignas(8) std::uint8_t g_in[8 + 320];
alignas(8) std::uint8_t g_aad[8 + 32];
alignas(8) std::uint8_t g_key[8 + 80];
alignas(8) std::uint8_t g_out[8 + 128];
alignas(8) std::uint8_t g_back[8 + 128];

using Digest = std::array<std::uint8_t, 32>;

Digest finish(psa_hash_operation_t& outer) {
  Digest d{};
  std::size_t n = 0;
  if (psa_hash_finish(&outer, d.data(), d.size(), &n) != PSA_SUCCESS || n != d.size()) {
    d.fill(0);
  }
  return d;
}

WARD_TEST(Copies, HashInputsAndOutputsAtEveryAlignment) {
  WARD_ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);
  psa_hash_operation_t outer = PSA_HASH_OPERATION_INIT;
  WARD_ASSERT_EQ(psa_hash_setup(&outer, PSA_ALG_SHA_256), PSA_SUCCESS);
  for (std::size_t n = 0; n <= 130; ++n) {
    Digest first{};
    for (std::size_t in_off = 0; in_off < 8; ++in_off) {
      const std::size_t out_off = (in_off * 3 + n) % 8;
      std::memset(g_in, 0xee, sizeof g_in);
      pattern(g_in + in_off, n, 1);
      std::memset(g_out, 0xee, sizeof g_out);
      std::size_t got = 0;
      WARD_ASSERT_EQ(psa_hash_compute(PSA_ALG_SHA_256, g_in + in_off, n, g_out + out_off, 32, &got), PSA_SUCCESS);
      WARD_ASSERT_EQ(got, 32u);
      // Nothing written outside the output.
      for (std::size_t i = 0; i < out_off; ++i) WARD_ASSERT_EQ(g_out[i], 0xee);
      WARD_ASSERT_EQ(g_out[out_off + 32], 0xee);
      if (in_off == 0) {
        std::memcpy(first.data(), g_out + out_off, 32);
      } else {
        WARD_ASSERT_EQ(std::memcmp(first.data(), g_out + out_off, 32), 0);
      }
    }
    WARD_ASSERT_EQ(psa_hash_update(&outer, first.data(), first.size()), PSA_SUCCESS);
  }
  WARD_EXPECT_TRUE(finish(outer) == hex<32>("d4a4aacaa24c5ac963e9989ae6d7a239e33e34af5d1e9260c532fc04d552dcdc"));
  check_secure_stacks();
}

WARD_TEST(Copies, MultipartHashInOddChunks) {
  WARD_ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);
  const Digest want = hex<32>("f98c3b734b755b4fd61206b9c547b28558202d71b3f78ad2c8bb2435be483d51");
  for (std::size_t chunk = 1; chunk <= 17; ++chunk) {
    const std::size_t off = chunk % 8;
    pattern(g_in + off, 300, 2);
    psa_hash_operation_t op = PSA_HASH_OPERATION_INIT;
    WARD_ASSERT_EQ(psa_hash_setup(&op, PSA_ALG_SHA_256), PSA_SUCCESS);
    for (std::size_t at = 0; at < 300; at += chunk) {
      const std::size_t k = 300 - at < chunk ? 300 - at : chunk;
      WARD_ASSERT_EQ(psa_hash_update(&op, g_in + off + at, k), PSA_SUCCESS);
    }
    WARD_EXPECT_TRUE(finish(op) == want);
  }
}

WARD_TEST(Copies, AesGcmAtEveryAlignment) {
  WARD_ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);
  psa_hash_operation_t outer = PSA_HASH_OPERATION_INIT;
  WARD_ASSERT_EQ(psa_hash_setup(&outer, PSA_ALG_SHA_256), PSA_SUCCESS);
  std::array<std::uint8_t, 12> nonce{};
  pattern(nonce.data(), nonce.size(), 4);
  for (std::size_t n = 0; n <= 70; ++n) {
    const std::size_t k_off = n % 8, in_off = (n + 3) % 8, a_off = (n + 5) % 8, out_off = (n * 5 + 1) % 8;
    pattern(g_key + k_off, 16, 3);
    psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
    psa_set_key_type(&a, PSA_KEY_TYPE_AES);
    psa_set_key_bits(&a, 128);
    psa_set_key_usage_flags(&a, PSA_KEY_USAGE_ENCRYPT | PSA_KEY_USAGE_DECRYPT);
    psa_set_key_algorithm(&a, PSA_ALG_GCM);
    psa_key_id_t key = 0;
    WARD_ASSERT_EQ(psa_import_key(&a, g_key + k_off, 16, &key), PSA_SUCCESS);
    pattern(g_in + in_off, n, 5);
    pattern(g_aad + a_off, n % 21, 6);
    std::memset(g_out, 0xee, sizeof g_out);
    std::size_t got = 0;
    WARD_ASSERT_EQ(psa_aead_encrypt(key, PSA_ALG_GCM, nonce.data(), nonce.size(), g_aad + a_off, n % 21,
                                    g_in + in_off, n, g_out + out_off, n + 16, &got),
                   PSA_SUCCESS);
    WARD_ASSERT_EQ(got, n + 16);
    WARD_ASSERT_EQ(g_out[out_off + n + 16], 0xee);
    WARD_ASSERT_EQ(psa_hash_update(&outer, g_out + out_off, got), PSA_SUCCESS);
    // And back, into a buffer at yet another alignment.
    const std::size_t b_off = (n + 7) % 8;
    std::size_t back = 0;
    WARD_ASSERT_EQ(psa_aead_decrypt(key, PSA_ALG_GCM, nonce.data(), nonce.size(), g_aad + a_off, n % 21,
                                    g_out + out_off, got, g_back + b_off, n, &back),
                   PSA_SUCCESS);
    WARD_ASSERT_EQ(back, n);
    WARD_ASSERT_EQ(std::memcmp(g_back + b_off, g_in + in_off, n), 0);
    WARD_ASSERT_EQ(psa_destroy_key(key), PSA_SUCCESS);
  }
  WARD_EXPECT_TRUE(finish(outer) == hex<32>("28051093cde33de3005c7d6ebffa9ecc19f011fe4960e97a2aea6725b86cd6c1"));
}

WARD_TEST(Copies, HmacKeysOfEveryLengthAndAlignment) {
  // Keys of 1-70 bytes (over 64: hashed first) imported from every alignment: the key store's
  // copies and HMAC's padded-key blocks.
  WARD_ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);
  psa_hash_operation_t outer = PSA_HASH_OPERATION_INIT;
  WARD_ASSERT_EQ(psa_hash_setup(&outer, PSA_ALG_SHA_256), PSA_SUCCESS);
  for (std::size_t n = 1; n <= 70; ++n) {
    const std::size_t k_off = (n * 3) % 8, m_off = (n + 1) % 8, out_off = (n + 2) % 8;
    const std::size_t m = (n * 3) % 97;
    pattern(g_key + k_off, n, 7);
    pattern(g_in + m_off, m, 8);
    psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
    psa_set_key_type(&a, PSA_KEY_TYPE_HMAC);
    psa_set_key_bits(&a, n * 8);
    psa_set_key_usage_flags(&a, PSA_KEY_USAGE_SIGN_MESSAGE | PSA_KEY_USAGE_VERIFY_MESSAGE);
    psa_set_key_algorithm(&a, PSA_ALG_HMAC(PSA_ALG_SHA_256));
    psa_key_id_t key = 0;
    WARD_ASSERT_EQ(psa_import_key(&a, g_key + k_off, n, &key), PSA_SUCCESS);
    std::size_t got = 0;
    WARD_ASSERT_EQ(psa_mac_compute(key, PSA_ALG_HMAC(PSA_ALG_SHA_256), g_in + m_off, m, g_out + out_off, 32, &got),
                   PSA_SUCCESS);
    WARD_ASSERT_EQ(got, 32u);
    WARD_ASSERT_EQ(psa_mac_verify(key, PSA_ALG_HMAC(PSA_ALG_SHA_256), g_in + m_off, m, g_out + out_off, 32),
                   PSA_SUCCESS);
    g_out[out_off + n % 32] ^= 0x01;  // one bit off anywhere in the tag: refused
    WARD_ASSERT_EQ(psa_mac_verify(key, PSA_ALG_HMAC(PSA_ALG_SHA_256), g_in + m_off, m, g_out + out_off, 32),
                   PSA_ERROR_INVALID_SIGNATURE);
    g_out[out_off + n % 32] ^= 0x01;
    WARD_ASSERT_EQ(psa_hash_update(&outer, g_out + out_off, got), PSA_SUCCESS);
    WARD_ASSERT_EQ(psa_destroy_key(key), PSA_SUCCESS);
  }
  WARD_EXPECT_TRUE(finish(outer) == hex<32>("bacc951c7563334b91d9179ad715ea4e9e7c2401279efbd24f198770cd11a34e"));
  check_secure_stacks();
}

}  // namespace
