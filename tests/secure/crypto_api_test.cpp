// The rest of psa/crypto.h on QEMU through the real path (client library, psa_call system call,
// veneer, secure crypto service): a known answer for each function family the host tests cover in
// full (tests/secure_crypto/multipart_test.cpp), the algorithms the service adds, and attacks from
// a user thread: the kernel's multi-part operations (MAC, cipher, AEAD) by handle, and more
// operations than its share.
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

namespace {
using namespace ward;

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

psa_key_id_t import(psa_key_type_t type, psa_key_usage_t usage, psa_algorithm_t alg, const std::uint8_t* data,
                    std::size_t len) {
  psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
  psa_set_key_type(&a, type);
  psa_set_key_usage_flags(&a, usage);
  psa_set_key_algorithm(&a, alg);
  psa_key_id_t id = 0;
  return psa_import_key(&a, data, len, &id) == PSA_SUCCESS ? id : 0;
}

// SP 800-38A F.2.1 and RFC 4493 share this key and plaintext.
const auto kAesKey = hex<16>("2b7e151628aed2a6abf7158809cf4f3c");
const auto kPlain = hex<32>("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51");
constexpr psa_key_usage_t kCipherUsage = PSA_KEY_USAGE_ENCRYPT | PSA_KEY_USAGE_DECRYPT;
constexpr psa_key_usage_t kMacUsage = PSA_KEY_USAGE_SIGN_MESSAGE | PSA_KEY_USAGE_VERIFY_MESSAGE;

WARD_TEST(CryptoApi, MultipartMacHmacSha224AndCmac) {
  WARD_ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);
  const auto k224 = hex<20>("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
  const psa_key_id_t hmac = import(PSA_KEY_TYPE_HMAC, kMacUsage, PSA_ALG_HMAC(PSA_ALG_SHA_224), k224.data(), 20);
  WARD_ASSERT_NE(hmac, 0u);
  psa_mac_operation_t op = PSA_MAC_OPERATION_INIT;
  WARD_ASSERT_EQ(psa_mac_sign_setup(&op, hmac, PSA_ALG_HMAC(PSA_ALG_SHA_224)), PSA_SUCCESS);
  WARD_EXPECT_EQ(psa_mac_update(&op, bytes("Hi "), 3), PSA_SUCCESS);
  WARD_EXPECT_EQ(psa_mac_update(&op, bytes("There"), 5), PSA_SUCCESS);
  std::array<std::uint8_t, 28> mac{};
  std::size_t n = 0;
  WARD_EXPECT_EQ(psa_mac_sign_finish(&op, mac.data(), mac.size(), &n), PSA_SUCCESS);
  WARD_EXPECT_TRUE(mac == hex<28>("896fb1128abbdf196832107cd49df33f47b4b1169912ba4f53684b22"));  // RFC 4231 case 1

  const psa_key_id_t cmac = import(PSA_KEY_TYPE_AES, kMacUsage, PSA_ALG_CMAC, kAesKey.data(), kAesKey.size());
  WARD_ASSERT_NE(cmac, 0u);
  const auto expected = hex<16>("070a16b46b4d4144f79bdd9dd04a287c");  // RFC 4493 example 2
  WARD_ASSERT_EQ(psa_mac_verify_setup(&op, cmac, PSA_ALG_CMAC), PSA_SUCCESS);
  WARD_EXPECT_EQ(psa_mac_update(&op, kPlain.data(), 16), PSA_SUCCESS);
  WARD_EXPECT_EQ(psa_mac_verify_finish(&op, expected.data(), expected.size()), PSA_SUCCESS);
  auto wrong = expected;
  wrong[15] ^= 1;
  WARD_ASSERT_EQ(psa_mac_verify_setup(&op, cmac, PSA_ALG_CMAC), PSA_SUCCESS);
  WARD_EXPECT_EQ(psa_mac_update(&op, kPlain.data(), 16), PSA_SUCCESS);
  WARD_EXPECT_EQ(psa_mac_verify_finish(&op, wrong.data(), wrong.size()), PSA_ERROR_INVALID_SIGNATURE);
  WARD_EXPECT_EQ(psa_destroy_key(hmac), PSA_SUCCESS);
  WARD_EXPECT_EQ(psa_destroy_key(cmac), PSA_SUCCESS);
}

WARD_TEST(CryptoApi, CbcMultipartAndOneShot) {
  WARD_ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);
  const psa_key_id_t key = import(PSA_KEY_TYPE_AES, kCipherUsage, PSA_ALG_CBC_NO_PADDING, kAesKey.data(), 16);
  WARD_ASSERT_NE(key, 0u);
  const auto iv = hex<16>("000102030405060708090a0b0c0d0e0f");
  psa_cipher_operation_t op = PSA_CIPHER_OPERATION_INIT;
  WARD_ASSERT_EQ(psa_cipher_encrypt_setup(&op, key, PSA_ALG_CBC_NO_PADDING), PSA_SUCCESS);
  WARD_EXPECT_EQ(psa_cipher_set_iv(&op, iv.data(), iv.size()), PSA_SUCCESS);
  std::array<std::uint8_t, 48> out{};
  std::size_t n1 = 0, n2 = 0, n3 = 0;
  WARD_EXPECT_EQ(psa_cipher_update(&op, kPlain.data(), 20, out.data(), out.size(), &n1), PSA_SUCCESS);
  WARD_EXPECT_EQ(psa_cipher_update(&op, kPlain.data() + 20, 12, out.data() + n1, out.size() - n1, &n2), PSA_SUCCESS);
  WARD_EXPECT_EQ(psa_cipher_finish(&op, out.data() + n1 + n2, out.size() - n1 - n2, &n3), PSA_SUCCESS);
  WARD_EXPECT_EQ(n1 + n2 + n3, 32u);
  WARD_EXPECT_TRUE(std::memcmp(out.data(), hex<32>("7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2").data(),
                               32) == 0);  // SP 800-38A F.2.1
  std::array<std::uint8_t, 48> sealed{};
  std::array<std::uint8_t, 48> back{};
  std::size_t n = 0;
  WARD_EXPECT_EQ(psa_cipher_encrypt(key, PSA_ALG_CBC_NO_PADDING, kPlain.data(), 32, sealed.data(), sealed.size(), &n),
                 PSA_SUCCESS);
  WARD_EXPECT_EQ(n, 48u);
  WARD_EXPECT_EQ(psa_cipher_decrypt(key, PSA_ALG_CBC_NO_PADDING, sealed.data(), n, back.data(), back.size(), &n),
                 PSA_SUCCESS);
  WARD_EXPECT_TRUE(std::memcmp(back.data(), kPlain.data(), 32) == 0);
  WARD_EXPECT_EQ(psa_cipher_encrypt(key, PSA_ALG_CBC_NO_PADDING, kPlain.data(), 31, sealed.data(), sealed.size(), &n),
                 PSA_ERROR_INVALID_ARGUMENT);
  WARD_EXPECT_EQ(psa_destroy_key(key), PSA_SUCCESS);
}

WARD_TEST(CryptoApi, GcmMultipartMatchesTheSpec) {
  WARD_ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);
  const std::array<std::uint8_t, 16> k{};
  const std::array<std::uint8_t, 12> nonce{};
  const std::array<std::uint8_t, 16> pt{};
  const psa_key_id_t key = import(PSA_KEY_TYPE_AES, kCipherUsage, PSA_ALG_GCM, k.data(), k.size());
  WARD_ASSERT_NE(key, 0u);
  psa_aead_operation_t op = PSA_AEAD_OPERATION_INIT;
  WARD_ASSERT_EQ(psa_aead_encrypt_setup(&op, key, PSA_ALG_GCM), PSA_SUCCESS);
  WARD_EXPECT_EQ(psa_aead_set_lengths(&op, 0, pt.size()), PSA_SUCCESS);
  WARD_EXPECT_EQ(psa_aead_set_nonce(&op, nonce.data(), nonce.size()), PSA_SUCCESS);
  std::array<std::uint8_t, 32> out{};
  std::size_t n1 = 0, n2 = 0, tag_length = 0;
  WARD_EXPECT_EQ(psa_aead_update(&op, pt.data(), pt.size(), out.data(), 16, &n1), PSA_SUCCESS);
  WARD_EXPECT_EQ(psa_aead_finish(&op, out.data() + n1, 16 - n1, &n2, out.data() + 16, 16, &tag_length), PSA_SUCCESS);
  WARD_EXPECT_EQ(n1 + n2, 16u);
  WARD_EXPECT_EQ(tag_length, 16u);
  WARD_EXPECT_TRUE(out == hex<32>("0388dace60b6a392f328c2b971b2fe78ab6e47d42cec13bdf53a67b21257bddf"));  // case 2
  // Decrypt with a tampered tag: refused.
  out[31] ^= 1;
  WARD_ASSERT_EQ(psa_aead_decrypt_setup(&op, key, PSA_ALG_GCM), PSA_SUCCESS);
  WARD_EXPECT_EQ(psa_aead_set_nonce(&op, nonce.data(), nonce.size()), PSA_SUCCESS);
  std::array<std::uint8_t, 32> back{};
  WARD_EXPECT_EQ(psa_aead_update(&op, out.data(), 16, back.data(), back.size(), &n1), PSA_SUCCESS);
  WARD_EXPECT_EQ(psa_aead_verify(&op, back.data() + n1, back.size() - n1, &n2, out.data() + 16, 16),
                 PSA_ERROR_INVALID_SIGNATURE);
  WARD_EXPECT_EQ(psa_destroy_key(key), PSA_SUCCESS);
}

WARD_TEST(CryptoApi, HashCloneAndCopyKey) {
  WARD_ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);
  psa_hash_operation_t op = PSA_HASH_OPERATION_INIT;
  psa_hash_operation_t copy = PSA_HASH_OPERATION_INIT;
  WARD_ASSERT_EQ(psa_hash_setup(&op, PSA_ALG_SHA_256), PSA_SUCCESS);
  WARD_EXPECT_EQ(psa_hash_update(&op, bytes("ab"), 2), PSA_SUCCESS);
  WARD_ASSERT_EQ(psa_hash_clone(&op, &copy), PSA_SUCCESS);
  WARD_EXPECT_EQ(psa_hash_update(&op, bytes("c"), 1), PSA_SUCCESS);
  WARD_EXPECT_EQ(psa_hash_update(&copy, bytes("cabc"), 4), PSA_SUCCESS);
  std::array<std::uint8_t, 32> d1{}, d2{};
  std::size_t n = 0;
  WARD_EXPECT_EQ(psa_hash_finish(&op, d1.data(), d1.size(), &n), PSA_SUCCESS);
  WARD_EXPECT_EQ(psa_hash_finish(&copy, d2.data(), d2.size(), &n), PSA_SUCCESS);
  WARD_EXPECT_TRUE(d1 == hex<32>("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
  WARD_EXPECT_TRUE(d2 == hex<32>("bbb59da3af939f7af5f360f2ceb80a496e3bae1cd87dde426db0ae40677e1c2c"));

  const psa_key_id_t source = import(PSA_KEY_TYPE_HMAC, kMacUsage | PSA_KEY_USAGE_COPY, PSA_ALG_HMAC(PSA_ALG_SHA_256),
                                     bytes("Jefe"), 4);
  WARD_ASSERT_NE(source, 0u);
  psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
  psa_set_key_usage_flags(&a, PSA_KEY_USAGE_VERIFY_MESSAGE);
  psa_set_key_algorithm(&a, PSA_ALG_HMAC(PSA_ALG_SHA_256));
  psa_key_id_t target = 0;
  WARD_ASSERT_EQ(psa_copy_key(source, &a, &target), PSA_SUCCESS);
  const char* data = "what do ya want for nothing?";
  const auto mac = hex<32>("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  WARD_EXPECT_EQ(psa_mac_verify(target, PSA_ALG_HMAC(PSA_ALG_SHA_256), bytes(data), std::strlen(data), mac.data(), 32),
                 PSA_SUCCESS);
  psa_key_id_t denied = 0;
  WARD_EXPECT_EQ(psa_copy_key(target, &a, &denied), PSA_ERROR_NOT_PERMITTED);  // no COPY usage
  WARD_EXPECT_EQ(psa_destroy_key(source), PSA_SUCCESS);
  WARD_EXPECT_EQ(psa_destroy_key(target), PSA_SUCCESS);
}

WARD_TEST(CryptoApi, DeterministicEcdsaInterruptibleAndP384) {
  WARD_ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);
  // RFC 6979 A.2.5: P-256, SHA-256, "sample".
  const auto d = hex<32>("C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721");
  const psa_key_id_t key = import(PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1),
                                  PSA_KEY_USAGE_SIGN_MESSAGE | PSA_KEY_USAGE_SIGN_HASH | PSA_KEY_USAGE_VERIFY_HASH,
                                  PSA_ALG_DETERMINISTIC_ECDSA(PSA_ALG_SHA_256), d.data(), d.size());
  WARD_ASSERT_NE(key, 0u);
  std::array<std::uint8_t, 64> sig{};
  std::size_t n = 0;
  WARD_EXPECT_EQ(psa_sign_message(key, PSA_ALG_DETERMINISTIC_ECDSA(PSA_ALG_SHA_256), bytes("sample"), 6, sig.data(),
                                  sig.size(), &n),
                 PSA_SUCCESS);
  WARD_EXPECT_TRUE(sig == hex<64>("EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716"
                                  "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8"));
  // The same signature, interrupted: many small steps, same answer (deterministic).
  std::array<std::uint8_t, 32> hash{};
  WARD_ASSERT_EQ(psa_hash_compute(PSA_ALG_SHA_256, bytes("sample"), 6, hash.data(), hash.size(), &n), PSA_SUCCESS);
  psa_interruptible_set_max_ops(20);
  psa_sign_hash_interruptible_operation_t op = PSA_SIGN_HASH_INTERRUPTIBLE_OPERATION_INIT;
  WARD_ASSERT_EQ(psa_sign_hash_start(&op, key, PSA_ALG_DETERMINISTIC_ECDSA(PSA_ALG_SHA_256), hash.data(), hash.size()),
                 PSA_SUCCESS);
  std::array<std::uint8_t, 64> sig2{};
  psa_status_t status = PSA_OPERATION_INCOMPLETE;
  unsigned steps = 0;
  for (; status == PSA_OPERATION_INCOMPLETE && steps < 100000; ++steps) {
    status = psa_sign_hash_complete(&op, sig2.data(), sig2.size(), &n);
  }
  psa_interruptible_set_max_ops(PSA_INTERRUPTIBLE_MAX_OPS_UNLIMITED);
  WARD_EXPECT_EQ(status, PSA_SUCCESS);
  WARD_EXPECT_GT(steps, 1u);
  WARD_EXPECT_TRUE(sig2 == sig);
  WARD_EXPECT_EQ(psa_destroy_key(key), PSA_SUCCESS);

  psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
  psa_set_key_type(&a, PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1));
  psa_set_key_bits(&a, 384);
  psa_set_key_usage_flags(&a, PSA_KEY_USAGE_SIGN_HASH | PSA_KEY_USAGE_VERIFY_HASH);
  psa_set_key_algorithm(&a, PSA_ALG_ECDSA(PSA_ALG_SHA_384));
  psa_key_id_t p384 = 0;
  WARD_ASSERT_EQ(psa_generate_key(&a, &p384), PSA_SUCCESS);
  std::array<std::uint8_t, 48> h384{};
  std::array<std::uint8_t, 96> s384{};
  WARD_EXPECT_EQ(psa_sign_hash(p384, PSA_ALG_ECDSA(PSA_ALG_SHA_384), h384.data(), 48, s384.data(), s384.size(), &n),
                 PSA_SUCCESS);
  WARD_EXPECT_EQ(psa_verify_hash(p384, PSA_ALG_ECDSA(PSA_ALG_SHA_384), h384.data(), 48, s384.data(), n), PSA_SUCCESS);
  s384[5] ^= 1;
  WARD_EXPECT_EQ(psa_verify_hash(p384, PSA_ALG_ECDSA(PSA_ALG_SHA_384), h384.data(), 48, s384.data(), n),
                 PSA_ERROR_INVALID_SIGNATURE);
  WARD_EXPECT_EQ(psa_destroy_key(p384), PSA_SUCCESS);
}

// ---- A user thread against the kernel's operations, and against the table ------------------------
struct UserOrders {
  std::uint32_t mac_handle, cipher_handle, aead_handle;
  psa_key_id_t key;
  volatile std::int32_t mac_update, cipher_abort, aead_update_ad, aead_abort;
  volatile std::int32_t setups[6];
  std::uint8_t scratch[32];
};
PartitionMemory<160> user_memory;
UserOrders& orders() { return *static_cast<UserOrders*>(static_cast<void*>(user_memory.bytes)); }
constexpr Domain<1> user_domain{Partition::of(user_memory, Access::read_write)};
UserThreadStack<2048> user_stack;
Thread user;

void user_main(void*) {
  auto& o = orders();
  psa_mac_operation_t mac = PSA_MAC_OPERATION_INIT;
  mac.handle = o.mac_handle;
  o.mac_update = psa_mac_update(&mac, o.scratch, 4);
  psa_cipher_operation_t cipher = PSA_CIPHER_OPERATION_INIT;
  cipher.handle = o.cipher_handle;
  o.cipher_abort = psa_cipher_abort(&cipher);
  psa_aead_operation_t aead = PSA_AEAD_OPERATION_INIT;
  aead.handle = o.aead_handle;
  o.aead_update_ad = psa_aead_update_ad(&aead, o.scratch, 4);
  aead.handle = o.aead_handle;
  o.aead_abort = psa_aead_abort(&aead);
  // More hash operations than its share, never finished (the thread's end frees them).
  for (auto& s : o.setups) {
    psa_hash_operation_t h = PSA_HASH_OPERATION_INIT;
    s = psa_hash_setup(&h, PSA_ALG_SHA_256);
  }
}

WARD_TEST(CryptoApi, AUserThreadCannotTouchTheKernelsOperations) {
  WARD_ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);
  static_assert(sizeof(UserOrders) <= sizeof user_memory.bytes);
  const psa_key_id_t hmac = import(PSA_KEY_TYPE_HMAC, kMacUsage, PSA_ALG_HMAC(PSA_ALG_SHA_256), bytes("Jefe"), 4);
  const psa_key_id_t ctr = import(PSA_KEY_TYPE_AES, kCipherUsage, PSA_ALG_CTR, kAesKey.data(), 16);
  const psa_key_id_t gcm = import(PSA_KEY_TYPE_AES, kCipherUsage, PSA_ALG_GCM, kAesKey.data(), 16);
  psa_mac_operation_t mac = PSA_MAC_OPERATION_INIT;
  psa_cipher_operation_t cipher = PSA_CIPHER_OPERATION_INIT;
  psa_aead_operation_t aead = PSA_AEAD_OPERATION_INIT;
  WARD_ASSERT_EQ(psa_mac_sign_setup(&mac, hmac, PSA_ALG_HMAC(PSA_ALG_SHA_256)), PSA_SUCCESS);
  WARD_ASSERT_EQ(psa_cipher_encrypt_setup(&cipher, ctr, PSA_ALG_CTR), PSA_SUCCESS);
  WARD_ASSERT_EQ(psa_aead_encrypt_setup(&aead, gcm, PSA_ALG_GCM), PSA_SUCCESS);
  std::array<std::uint8_t, 16> iv{};
  WARD_ASSERT_EQ(psa_aead_set_nonce(&aead, iv.data(), 12), PSA_SUCCESS);

  orders() = UserOrders{};
  orders().mac_handle = mac.handle;
  orders().cipher_handle = cipher.handle;
  orders().aead_handle = aead.handle;
  WARD_STACK_BOUND_USER_THREAD(user_stack, &user_main);
  WARD_ASSERT_TRUE(user.create_user(user_stack.span(), &user_main, nullptr, Priority{20}, "user", user_domain));
  WARD_ASSERT_TRUE(user.start());
  WARD_ASSERT_TRUE(user.join(Timeout::after(Duration::s(10))));
  WARD_EXPECT_EQ(orders().mac_update, PSA_ERROR_BAD_STATE);
  WARD_EXPECT_EQ(orders().cipher_abort, PSA_ERROR_BAD_STATE);
  WARD_EXPECT_EQ(orders().aead_update_ad, PSA_ERROR_BAD_STATE);
  WARD_EXPECT_EQ(orders().aead_abort, PSA_ERROR_BAD_STATE);
  // Its share is 4 operations: the 5th and 6th were refused.
  for (unsigned i = 0; i < 4; ++i) WARD_EXPECT_EQ(orders().setups[i], PSA_SUCCESS);
  WARD_EXPECT_EQ(orders().setups[4], PSA_ERROR_INSUFFICIENT_MEMORY);
  WARD_EXPECT_EQ(orders().setups[5], PSA_ERROR_INSUFFICIENT_MEMORY);

  // The kernel's operations went on, and it can still set up another one.
  const char* data = "what do ya want for nothing?";
  WARD_EXPECT_EQ(psa_mac_update(&mac, bytes(data), std::strlen(data)), PSA_SUCCESS);
  std::array<std::uint8_t, 32> out{};
  std::size_t n = 0;
  WARD_EXPECT_EQ(psa_mac_sign_finish(&mac, out.data(), out.size(), &n), PSA_SUCCESS);
  WARD_EXPECT_TRUE(out == hex<32>("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"));
  WARD_EXPECT_EQ(psa_cipher_abort(&cipher), PSA_SUCCESS);
  WARD_EXPECT_EQ(psa_aead_abort(&aead), PSA_SUCCESS);
  psa_hash_operation_t h = PSA_HASH_OPERATION_INIT;
  WARD_EXPECT_EQ(psa_hash_setup(&h, PSA_ALG_SHA_256), PSA_SUCCESS);
  WARD_EXPECT_EQ(psa_hash_abort(&h), PSA_SUCCESS);
  WARD_EXPECT_EQ(psa_destroy_key(hmac), PSA_SUCCESS);
  WARD_EXPECT_EQ(psa_destroy_key(ctr), PSA_SUCCESS);
  WARD_EXPECT_EQ(psa_destroy_key(gcm), PSA_SUCCESS);
  check_secure_stacks();
}

// ---- Held operations and the heap -----------------------------------------------------------------
// MAC, cipher and AEAD operations keep Mbed TLS contexts on the secure heap between calls (an AES
// key schedule, an HMAC's padded keys). Two clients at their operation limit, each also holding its
// volatile keys at the material limit, must leave the heap for a third client's largest operation:
// a P-384 key generation, signature and verification.
struct Hoarder {
  volatile std::int32_t keys[4];
  volatile std::int32_t setups[4];
  std::uint8_t material[256];
};
PartitionMemory<320> hoarder_memory_a;
PartitionMemory<320> hoarder_memory_b;
PartitionMemory<320>* const hoarder_memory[2] = {&hoarder_memory_a, &hoarder_memory_b};
constexpr Domain<1> hoarder_domain_a{Partition::of(hoarder_memory_a, Access::read_write)};
constexpr Domain<1> hoarder_domain_b{Partition::of(hoarder_memory_b, Access::read_write)};
const Domain<1>* const hoarder_domains[2] = {&hoarder_domain_a, &hoarder_domain_b};
UserThreadStack<2048> hoarder_stacks[2];
Thread hoarders[2];
Semaphore hoarding{0, 2};
Semaphore hoarder_release{0, 2};

// Four volatile keys of the largest material the HMAC keys can have, and four operations that hold
// heap: two HMAC-SHA-384 and two AES-GCM, left open.
void hoarder_main(void* arg) {
  auto& h = *static_cast<Hoarder*>(arg);
  psa_key_id_t ids[4] = {};
  for (unsigned i = 0; i < 4; ++i) {
    psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
    psa_set_key_type(&a, i < 2 ? PSA_KEY_TYPE_HMAC : PSA_KEY_TYPE_AES);
    psa_set_key_usage_flags(&a, i < 2 ? PSA_KEY_USAGE_SIGN_MESSAGE : PSA_KEY_USAGE_ENCRYPT);
    psa_set_key_algorithm(&a, i < 2 ? PSA_ALG_HMAC(PSA_ALG_SHA_384) : PSA_ALG_GCM);
    h.keys[i] = psa_import_key(&a, h.material, i < 2 ? sizeof h.material : 32, &ids[i]);
  }
  psa_mac_operation_t macs[2] = {PSA_MAC_OPERATION_INIT, PSA_MAC_OPERATION_INIT};
  psa_aead_operation_t aeads[2] = {PSA_AEAD_OPERATION_INIT, PSA_AEAD_OPERATION_INIT};
  for (unsigned i = 0; i < 2; ++i) {
    h.setups[i] = psa_mac_sign_setup(&macs[i], ids[i], PSA_ALG_HMAC(PSA_ALG_SHA_384));
    h.setups[2 + i] = psa_aead_encrypt_setup(&aeads[i], ids[2 + i], PSA_ALG_GCM);
  }
  (void)sys::sem_give(hoarding);
  (void)sys::sem_take(hoarder_release, UserTimeout::forever());
}

psa_status_t p384_sign_and_verify() {
  psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
  psa_set_key_type(&a, PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1));
  psa_set_key_bits(&a, 384);
  psa_set_key_usage_flags(&a, PSA_KEY_USAGE_SIGN_HASH | PSA_KEY_USAGE_VERIFY_HASH);
  psa_set_key_algorithm(&a, PSA_ALG_ECDSA(PSA_ALG_SHA_384));
  psa_key_id_t key = 0;
  psa_status_t s = psa_generate_key(&a, &key);
  if (s != PSA_SUCCESS) return s;
  std::array<std::uint8_t, 48> hash{};
  std::array<std::uint8_t, 96> sig{};
  std::size_t n = 0;
  s = psa_sign_hash(key, PSA_ALG_ECDSA(PSA_ALG_SHA_384), hash.data(), hash.size(), sig.data(), sig.size(), &n);
  if (s == PSA_SUCCESS) {
    s = psa_verify_hash(key, PSA_ALG_ECDSA(PSA_ALG_SHA_384), hash.data(), hash.size(), sig.data(), n);
  }
  (void)psa_destroy_key(key);
  return s;
}

WARD_TEST(CryptoApi, HeldOperationsLeaveTheHeapForOthers) {
  WARD_ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);
  static_assert(sizeof(Hoarder) <= sizeof hoarder_memory_a.bytes);
  WARD_ASSERT_EQ(p384_sign_and_verify(), PSA_SUCCESS);  // works before
  for (unsigned t = 0; t < 2; ++t) {
    std::memset(hoarder_memory[t]->bytes, 0x5a + static_cast<int>(t), sizeof hoarder_memory[t]->bytes);
    auto* h = static_cast<Hoarder*>(static_cast<void*>(hoarder_memory[t]->bytes));
    WARD_STACK_BOUND_USER_THREAD(hoarder_stacks, &hoarder_main);
    WARD_ASSERT_TRUE(hoarders[t].create_user(hoarder_stacks[t].span(), &hoarder_main, h, Priority{20}, "hoarder",
                                             *hoarder_domains[t]));
    WARD_ASSERT_TRUE(grant(hoarding, hoarders[t]));
    WARD_ASSERT_TRUE(grant(hoarder_release, hoarders[t]));
    WARD_ASSERT_TRUE(hoarders[t].start());
    WARD_ASSERT_TRUE(hoarding.take(Timeout::after(Duration::s(10))));
    for (unsigned i = 0; i < 4; ++i) {
      WARD_EXPECT_EQ(h->keys[i], PSA_SUCCESS);
      WARD_EXPECT_EQ(h->setups[i], PSA_SUCCESS);
    }
  }
  const psa_status_t mine = p384_sign_and_verify();
  ward::print("P-384 generate, sign, verify beside two clients' held operations: ", static_cast<int>(mine), "\n");
  WARD_EXPECT_EQ(mine, PSA_SUCCESS);
  for (auto& h : hoarders) {
    (void)h;
    WARD_ASSERT_TRUE(hoarder_release.give());
  }
  for (auto& h : hoarders) {
    WARD_ASSERT_TRUE(h.join(Timeout::after(Duration::s(5))));
  }
  WARD_EXPECT_EQ(p384_sign_and_verify(), PSA_SUCCESS);
  check_secure_stacks();
}

}  // namespace
