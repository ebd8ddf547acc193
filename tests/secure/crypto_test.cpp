// PSA Crypto from the non-secure side, on QEMU, through the real path (client library, psa_call
// system call, veneer, secure crypto service). Known answers for each algorithm family (the full
// sets, and every Wycheproof vector, run on the host through the same client and service code),
// and attacks: another caller's key, output buffers that are too small. Also run beside the medium
// profile's secure image (qemu.secure_medium_crypto, WARD_TEST_SECURE_MEDIUM).
#include <psa/crypto.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "ward/isolation.hpp"
#include "ward/kernel.hpp"
#include "ward/print.hpp"
#include "ward/stack_bound.hpp"
#include "ward/test.hpp"
#include "secure_stacks.hpp"
#include "wycheproof_p256_sample.hpp"

namespace {
using namespace ward;

// Hex text to bytes (test vectors are written as in their standards).
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

const auto* bytes(const char* s) { return reinterpret_cast<const std::uint8_t*>(s); }

psa_key_id_t import(psa_key_type_t type, std::size_t bits, psa_key_usage_t usage, psa_algorithm_t alg,
                    const std::uint8_t* data, std::size_t len) {
  psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
  psa_set_key_type(&a, type);
  psa_set_key_bits(&a, bits);
  psa_set_key_usage_flags(&a, usage);
  psa_set_key_algorithm(&a, alg);
  psa_key_id_t id = 0;
  return psa_import_key(&a, data, len, &id) == PSA_SUCCESS ? id : 0;
}

WARD_TEST(Crypto, Sha256AndSha384KnownAnswers) {
  WARD_ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);  // idempotent; tests run in any order
  std::array<std::uint8_t, 48> out{};
  std::size_t n = 0;
  WARD_ASSERT_EQ(psa_hash_compute(PSA_ALG_SHA_256, bytes("abc"), 3, out.data(), out.size(), &n), PSA_SUCCESS);
  WARD_EXPECT_EQ(n, 32u);
  WARD_EXPECT_TRUE(out == hex<48>("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
#if defined(WARD_TEST_SECURE_MEDIUM)
  // The medium profile has no SHA-384 (tests/secure/medium_test.cpp has the rest it leaves out).
  WARD_EXPECT_EQ(psa_hash_compute(PSA_ALG_SHA_384, bytes("abc"), 3, out.data(), out.size(), &n), PSA_ERROR_NOT_SUPPORTED);
#else
  WARD_ASSERT_EQ(psa_hash_compute(PSA_ALG_SHA_384, bytes("abc"), 3, out.data(), out.size(), &n), PSA_SUCCESS);
  WARD_EXPECT_EQ(n, 48u);
  WARD_EXPECT_TRUE(out == hex<48>("cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
                                  "8086072ba1e7cc2358baeca134c825a7"));
#endif
}

WARD_TEST(Crypto, HmacSha256Rfc4231Case2) {
  WARD_ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);  // idempotent; tests run in any order
  const psa_key_id_t key = import(PSA_KEY_TYPE_HMAC, 32, PSA_KEY_USAGE_SIGN_MESSAGE | PSA_KEY_USAGE_VERIFY_MESSAGE,
                                  PSA_ALG_HMAC(PSA_ALG_SHA_256), bytes("Jefe"), 4);
  WARD_ASSERT_NE(key, 0u);
  const char* data = "what do ya want for nothing?";
  std::array<std::uint8_t, 32> mac{};
  std::size_t n = 0;
  WARD_EXPECT_EQ(psa_mac_compute(key, PSA_ALG_HMAC(PSA_ALG_SHA_256), bytes(data), std::strlen(data), mac.data(),
                                 mac.size(), &n),
                 PSA_SUCCESS);
  WARD_EXPECT_TRUE(mac == hex<32>("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"));
  mac[0] ^= 1;
  WARD_EXPECT_EQ(psa_mac_verify(key, PSA_ALG_HMAC(PSA_ALG_SHA_256), bytes(data), std::strlen(data), mac.data(),
                                mac.size()),
                 PSA_ERROR_INVALID_SIGNATURE);
  WARD_EXPECT_EQ(psa_destroy_key(key), PSA_SUCCESS);
}

WARD_TEST(Crypto, HkdfSha256Rfc5869Case1) {
  WARD_ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);  // idempotent; tests run in any order
  const auto ikm = hex<22>("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
  const auto salt = hex<13>("000102030405060708090a0b0c");
  const auto info = hex<10>("f0f1f2f3f4f5f6f7f8f9");
  psa_key_derivation_operation_t op = PSA_KEY_DERIVATION_OPERATION_INIT;
  WARD_ASSERT_EQ(psa_key_derivation_setup(&op, PSA_ALG_HKDF(PSA_ALG_SHA_256)), PSA_SUCCESS);
  WARD_EXPECT_EQ(psa_key_derivation_input_bytes(&op, PSA_KEY_DERIVATION_INPUT_SALT, salt.data(), salt.size()),
                 PSA_SUCCESS);
  WARD_EXPECT_EQ(psa_key_derivation_input_bytes(&op, PSA_KEY_DERIVATION_INPUT_SECRET, ikm.data(), ikm.size()),
                 PSA_SUCCESS);
  WARD_EXPECT_EQ(psa_key_derivation_input_bytes(&op, PSA_KEY_DERIVATION_INPUT_INFO, info.data(), info.size()),
                 PSA_SUCCESS);
  std::array<std::uint8_t, 42> okm{};
  WARD_EXPECT_EQ(psa_key_derivation_output_bytes(&op, okm.data(), okm.size()), PSA_SUCCESS);
  WARD_EXPECT_EQ(psa_key_derivation_abort(&op), PSA_SUCCESS);
  WARD_EXPECT_TRUE(okm == hex<42>("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
                                  "34007208d5b887185865"));
}

WARD_TEST(Crypto, AesGcmSpecCase2) {
  WARD_ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);  // idempotent; tests run in any order
  const std::array<std::uint8_t, 16> k{};
  const std::array<std::uint8_t, 12> iv{};
  const std::array<std::uint8_t, 16> pt{};
  const psa_key_id_t key = import(PSA_KEY_TYPE_AES, 128, PSA_KEY_USAGE_ENCRYPT | PSA_KEY_USAGE_DECRYPT, PSA_ALG_GCM,
                                  k.data(), k.size());
  WARD_ASSERT_NE(key, 0u);
  std::array<std::uint8_t, 32> ct{};
  std::size_t n = 0;
  WARD_EXPECT_EQ(psa_aead_encrypt(key, PSA_ALG_GCM, iv.data(), iv.size(), nullptr, 0, pt.data(), pt.size(),
                                  ct.data(), ct.size(), &n),
                 PSA_SUCCESS);
  WARD_EXPECT_EQ(n, 32u);
  WARD_EXPECT_TRUE(ct == hex<32>("0388dace60b6a392f328c2b971b2fe78ab6e47d42cec13bdf53a67b21257bddf"));
  std::array<std::uint8_t, 16> back{};
  ct[3] ^= 1;  // a tampered ciphertext must not decrypt
  WARD_EXPECT_EQ(psa_aead_decrypt(key, PSA_ALG_GCM, iv.data(), iv.size(), nullptr, 0, ct.data(), ct.size(),
                                  back.data(), back.size(), &n),
                 PSA_ERROR_INVALID_SIGNATURE);
  WARD_EXPECT_EQ(psa_destroy_key(key), PSA_SUCCESS);
}

WARD_TEST(Crypto, EcdsaAndEcdhOnP256) {
  WARD_ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);  // idempotent; tests run in any order
  psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
  psa_set_key_type(&a, PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1));
  psa_set_key_bits(&a, 256);
  psa_set_key_usage_flags(&a, PSA_KEY_USAGE_SIGN_HASH | PSA_KEY_USAGE_VERIFY_HASH | PSA_KEY_USAGE_DERIVE);
  psa_set_key_algorithm(&a, PSA_ALG_ECDSA(PSA_ALG_SHA_256));
  psa_set_key_enrollment_algorithm(&a, PSA_ALG_ECDH);
  psa_key_id_t k1 = 0;
  WARD_ASSERT_EQ(psa_generate_key(&a, &k1), PSA_SUCCESS);
  std::array<std::uint8_t, 32> hash{};
  std::array<std::uint8_t, 64> sig{};
  std::size_t n = 0;
  WARD_EXPECT_EQ(psa_sign_hash(k1, PSA_ALG_ECDSA(PSA_ALG_SHA_256), hash.data(), hash.size(), sig.data(), sig.size(), &n),
                 PSA_SUCCESS);
  WARD_EXPECT_EQ(psa_verify_hash(k1, PSA_ALG_ECDSA(PSA_ALG_SHA_256), hash.data(), hash.size(), sig.data(), n),
                 PSA_SUCCESS);
  hash[0] = 1;
  WARD_EXPECT_EQ(psa_verify_hash(k1, PSA_ALG_ECDSA(PSA_ALG_SHA_256), hash.data(), hash.size(), sig.data(), n),
                 PSA_ERROR_INVALID_SIGNATURE);
  // ECDH: both sides of an agreement between two generated keys find the same secret.
  psa_set_key_algorithm(&a, PSA_ALG_ECDH);
  psa_key_id_t k2 = 0;
  WARD_ASSERT_EQ(psa_generate_key(&a, &k2), PSA_SUCCESS);
  std::array<std::uint8_t, 65> pub1{}, pub2{};
  std::size_t l1 = 0, l2 = 0;
  WARD_ASSERT_EQ(psa_export_public_key(k1, pub1.data(), pub1.size(), &l1), PSA_SUCCESS);
  WARD_ASSERT_EQ(psa_export_public_key(k2, pub2.data(), pub2.size(), &l2), PSA_SUCCESS);
  std::array<std::uint8_t, 32> s1{}, s2{};
  WARD_EXPECT_EQ(psa_raw_key_agreement(PSA_ALG_ECDH, k1, pub2.data(), l2, s1.data(), s1.size(), &n), PSA_SUCCESS);
  WARD_EXPECT_EQ(psa_raw_key_agreement(PSA_ALG_ECDH, k2, pub1.data(), l1, s2.data(), s2.size(), &n), PSA_SUCCESS);
  WARD_EXPECT_TRUE(s1 == s2);
  // The private key never leaves: no EXPORT usage.
  std::array<std::uint8_t, 32> priv{};
  WARD_EXPECT_EQ(psa_export_key(k1, priv.data(), priv.size(), &n), PSA_ERROR_NOT_PERMITTED);
  WARD_EXPECT_EQ(psa_destroy_key(k1), PSA_SUCCESS);
  WARD_EXPECT_EQ(psa_destroy_key(k2), PSA_SUCCESS);
}

// Wycheproof on the target: a sample of the P-256 vectors (one per kind) through the whole path to
// the secure side's P-256 driver. Every vector runs on the host (tests/crypto_vectors).
WARD_TEST(Crypto, WycheproofP256Sample) {
  WARD_ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);
  for (const auto& v : kEcdsaSamples) {
    const auto pub = hex<65>(v.public_key);
    const psa_key_id_t key = import(PSA_KEY_TYPE_ECC_PUBLIC_KEY(PSA_ECC_FAMILY_SECP_R1), 256,
                                    PSA_KEY_USAGE_VERIFY_MESSAGE, PSA_ALG_ECDSA(PSA_ALG_SHA_256), pub.data(), pub.size());
    WARD_ASSERT_TRUE(key != 0);
    const std::string_view msg_hex{v.message};
    const auto msg = hex<32>(msg_hex);
    const auto sig = hex<64>(v.signature);
    const psa_status_t status =
        psa_verify_message(key, PSA_ALG_ECDSA(PSA_ALG_SHA_256), msg.data(), msg_hex.size() / 2, sig.data(), sig.size());
    if (v.valid ? status != PSA_SUCCESS : status != PSA_ERROR_INVALID_SIGNATURE) {
      print("  ECDSA tcId ", v.tc_id, ": status ", status, "\n");
    }
    WARD_EXPECT_EQ(status, v.valid ? PSA_SUCCESS : PSA_ERROR_INVALID_SIGNATURE);
    WARD_EXPECT_EQ(psa_destroy_key(key), PSA_SUCCESS);
  }
  for (const auto& v : kEcdhSamples) {
    const auto priv = hex<32>(v.private_key);
    const psa_key_id_t key = import(PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1), 256, PSA_KEY_USAGE_DERIVE,
                                    PSA_ALG_ECDH, priv.data(), priv.size());
    WARD_ASSERT_TRUE(key != 0);
    const auto peer = hex<65>(v.peer);
    std::array<std::uint8_t, 32> shared{};
    std::size_t n = 0;
    const psa_status_t status =
        psa_raw_key_agreement(PSA_ALG_ECDH, key, peer.data(), peer.size(), shared.data(), shared.size(), &n);
    if (v.valid) {
      WARD_EXPECT_EQ(status, PSA_SUCCESS);
      WARD_EXPECT_TRUE(shared == hex<32>(v.shared));
    } else {
      WARD_EXPECT_EQ(status, PSA_ERROR_INVALID_ARGUMENT);
    }
    WARD_EXPECT_EQ(psa_destroy_key(key), PSA_SUCCESS);
  }
}

WARD_TEST(Crypto, OutputBuffersTooSmall) {
  WARD_ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);  // idempotent; tests run in any order
  std::array<std::uint8_t, 16> small{};
  std::size_t n = 0;
  WARD_EXPECT_EQ(psa_hash_compute(PSA_ALG_SHA_256, bytes("abc"), 3, small.data(), small.size(), &n),
                 PSA_ERROR_BUFFER_TOO_SMALL);
  psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
  psa_set_key_type(&a, PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1));
  psa_set_key_bits(&a, 256);
  psa_set_key_usage_flags(&a, PSA_KEY_USAGE_SIGN_HASH);
  psa_set_key_algorithm(&a, PSA_ALG_ECDSA(PSA_ALG_SHA_256));
  psa_key_id_t k = 0;
  WARD_ASSERT_EQ(psa_generate_key(&a, &k), PSA_SUCCESS);
  std::array<std::uint8_t, 32> hash{};
  WARD_EXPECT_EQ(psa_sign_hash(k, PSA_ALG_ECDSA(PSA_ALG_SHA_256), hash.data(), hash.size(), small.data(),
                               small.size(), &n),
                 PSA_ERROR_BUFFER_TOO_SMALL);
  WARD_EXPECT_EQ(psa_export_public_key(k, small.data(), small.size(), &n), PSA_ERROR_BUFFER_TOO_SMALL);
  WARD_EXPECT_EQ(psa_destroy_key(k), PSA_SUCCESS);
}

// ---- Another caller's key: a user thread names the kernel's key ids -------------------------------
struct UserOrders {
  psa_key_id_t volatile_key;
  psa_key_id_t persistent_key;
  volatile std::int32_t sign_volatile;
  volatile std::int32_t sign_persistent;
  volatile std::int32_t destroy_persistent;
  std::uint8_t hash[32];
  std::uint8_t sig[64];
};
PartitionMemory<160> user_memory;
UserOrders& orders() { return *static_cast<UserOrders*>(static_cast<void*>(user_memory.bytes)); }
constexpr Domain<1> user_domain{Partition::of(user_memory, Access::read_write)};
UserThreadStack<2048> user_stack;
Thread user;

void user_main(void*) {
  auto& o = orders();
  std::size_t n = 0;
  o.sign_volatile = psa_sign_hash(o.volatile_key, PSA_ALG_ECDSA(PSA_ALG_SHA_256), o.hash, sizeof o.hash, o.sig,
                                  sizeof o.sig, &n);
  o.sign_persistent = psa_sign_hash(o.persistent_key, PSA_ALG_ECDSA(PSA_ALG_SHA_256), o.hash, sizeof o.hash, o.sig,
                                    sizeof o.sig, &n);
  o.destroy_persistent = psa_destroy_key(o.persistent_key);
}

WARD_TEST(Crypto, AnotherCallersKeysAreOutOfReach) {
  WARD_ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);  // idempotent; tests run in any order
  static_assert(sizeof(UserOrders) <= sizeof user_memory.bytes);
  psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
  psa_set_key_type(&a, PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1));
  psa_set_key_bits(&a, 256);
  psa_set_key_usage_flags(&a, PSA_KEY_USAGE_SIGN_HASH);
  psa_set_key_algorithm(&a, PSA_ALG_ECDSA(PSA_ALG_SHA_256));
  psa_key_id_t volatile_key = 0;
  WARD_ASSERT_EQ(psa_generate_key(&a, &volatile_key), PSA_SUCCESS);
  constexpr psa_key_id_t kPersistent = 0x4b31;
  (void)psa_destroy_key(kPersistent);  // from an earlier run of this image on the same flash
  psa_set_key_id(&a, kPersistent);
  psa_key_id_t persistent_key = 0;
  WARD_ASSERT_EQ(psa_generate_key(&a, &persistent_key), PSA_SUCCESS);

  orders() = UserOrders{};
  orders().volatile_key = volatile_key;
  orders().persistent_key = persistent_key;
  WARD_STACK_BOUND_USER_THREAD(user_stack, &user_main);
  WARD_ASSERT_TRUE(user.create_user(user_stack.span(), &user_main, nullptr, Priority{20}, "user", user_domain));
  WARD_ASSERT_TRUE(user.start());
  WARD_ASSERT_TRUE(user.join(Timeout::after(Duration::s(10))));
  WARD_EXPECT_NE(orders().sign_volatile, PSA_SUCCESS);
  WARD_EXPECT_NE(orders().sign_persistent, PSA_SUCCESS);
  WARD_EXPECT_NE(orders().destroy_persistent, PSA_SUCCESS);
  // Its PSA calls ran on its kernel stack (the low end of its stack): room must remain for one
  // exception frame with FPU state (104 bytes) on top of the deepest.
  const auto kernel = static_cast<std::size_t>(user.user_stack().data() - user.stack().data());
  const std::size_t used = kernel - user.stack_unused();
  ward::print("kernel stack of a thread making PSA calls: ", static_cast<unsigned>(used), " of ",
              static_cast<unsigned>(kernel), " bytes used\n");
  WARD_EXPECT_GT(used, 0u);
  WARD_EXPECT_LE(used + 104, kernel);
  // The owner's keys are untouched.
  std::array<std::uint8_t, 32> hash{};
  std::array<std::uint8_t, 64> sig{};
  std::size_t n = 0;
  WARD_EXPECT_EQ(psa_sign_hash(persistent_key, PSA_ALG_ECDSA(PSA_ALG_SHA_256), hash.data(), hash.size(), sig.data(),
                               sig.size(), &n),
                 PSA_SUCCESS);
  WARD_EXPECT_EQ(psa_destroy_key(persistent_key), PSA_SUCCESS);
  WARD_EXPECT_EQ(psa_destroy_key(volatile_key), PSA_SUCCESS);
  check_secure_stacks();
}

}  // namespace
