// The key store's quotas (ward/secure/crypto/service.hpp, "Keys") from the attacker's side: a
// client that takes as many keys as it can, by every request that creates a key (import, generate,
// key derivation output), with every lifetime the wire lets it name, with keys as large as a call
// carries, and with every other request type while it is at its quota. Other clients must still
// get volatile keys, persistent keys must still be created and loaded when all volatile slots are
// taken, and a client's end must give its quota back.
#include <algorithm>

#include "test_support.hpp"
#include "ward/secure/gateway.h"

namespace ward::secure::test {
namespace {

using crypto::kKeyMaterialMax;
using crypto::kKeySlots;
using crypto::kPersistentKeySlots;
using crypto::kVolatileKeySlots;
using crypto::kVolatileKeysPerClient;

psa_key_attributes_t hmac_attributes(std::size_t bits = 0, psa_key_id_t persistent_id = 0) {
  psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
  psa_set_key_type(&a, PSA_KEY_TYPE_HMAC);
  psa_set_key_bits(&a, bits);
  psa_set_key_usage_flags(&a, PSA_KEY_USAGE_SIGN_MESSAGE | PSA_KEY_USAGE_EXPORT);
  psa_set_key_algorithm(&a, PSA_ALG_HMAC(PSA_ALG_SHA_256));
  if (persistent_id != 0) {
    psa_set_key_id(&a, persistent_id);
  }
  return a;
}

psa_status_t import_hmac(mbedtls_svc_key_id_t* key, std::size_t bytes = 32, psa_key_id_t persistent_id = 0) {
  const psa_key_attributes_t a = hmac_attributes(0, persistent_id);
  const Bytes material(bytes, 0x5c);
  return psa_import_key(&a, material.data(), material.size(), key);
}

psa_status_t generate_hmac(mbedtls_svc_key_id_t* key, std::size_t bits = 256, psa_key_id_t persistent_id = 0) {
  const psa_key_attributes_t a = hmac_attributes(bits, persistent_id);
  return psa_generate_key(&a, key);
}

// Imports volatile keys as the current client until it is refused; the refusal must be the quota.
std::vector<mbedtls_svc_key_id_t> take_every_key() {
  std::vector<mbedtls_svc_key_id_t> keys;
  for (std::size_t i = 0; i < kKeySlots + 1; ++i) {
    mbedtls_svc_key_id_t key = PSA_KEY_ID_NULL;
    const psa_status_t s = import_hmac(&key);
    if (s != PSA_SUCCESS) {
      EXPECT_EQ(s, PSA_ERROR_INSUFFICIENT_MEMORY);
      EXPECT_EQ(key, PSA_KEY_ID_NULL);
      break;
    }
    keys.push_back(key);
  }
  return keys;
}

// A (volatile) DERIVE key of the current client's: Mbed TLS derives keys only from a secret that
// was a key.
mbedtls_svc_key_id_t derive_secret() {
  psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
  psa_set_key_type(&a, PSA_KEY_TYPE_DERIVE);
  psa_set_key_usage_flags(&a, PSA_KEY_USAGE_DERIVE);
  psa_set_key_algorithm(&a, PSA_ALG_HKDF(PSA_ALG_SHA_256));
  const Bytes secret(32, 0x0b);
  mbedtls_svc_key_id_t key = PSA_KEY_ID_NULL;
  EXPECT_EQ(psa_import_key(&a, secret.data(), secret.size(), &key), PSA_SUCCESS);
  return key;
}

// An HKDF-SHA-256 derivation of the current client's from `secret`, ready to output keys.
void start_derivation(psa_key_derivation_operation_t* op, mbedtls_svc_key_id_t secret) {
  const Bytes info = text("key quota");
  ASSERT_EQ(psa_key_derivation_setup(op, PSA_ALG_HKDF(PSA_ALG_SHA_256)), PSA_SUCCESS);
  ASSERT_EQ(psa_key_derivation_input_key(op, PSA_KEY_DERIVATION_INPUT_SECRET, secret), PSA_SUCCESS);
  ASSERT_EQ(psa_key_derivation_input_bytes(op, PSA_KEY_DERIVATION_INPUT_INFO, info.data(), info.size()), PSA_SUCCESS);
}

std::size_t capacity_of(const psa_key_derivation_operation_t* op) {
  size_t capacity = 0;
  EXPECT_EQ(psa_key_derivation_get_capacity(op, &capacity), PSA_SUCCESS);
  return capacity;
}

using KeyQuota = CryptoService;

TEST_F(KeyQuota, NumbersAreConsistent) {
  // The quotas leave room for persistent keys and for more than one client.
  EXPECT_EQ(kVolatileKeySlots + kPersistentKeySlots, kKeySlots);
  EXPECT_GE(kPersistentKeySlots, 2u);  // one key in use plus one being loaded or created, per call
  EXPECT_GE(kVolatileKeySlots, 2 * kVolatileKeysPerClient);
}

// The non-secure kernel (every privileged thread) has a larger share, two TLS handshakes' keys, and
// it still leaves one user thread its whole share; no user thread has the kernel's share.
TEST_F(KeyQuota, TheKernelsShareIsTwoHandshakesAndLeavesOneClientsShare) {
  EXPECT_GE(crypto::kKernelVolatileKeys, kVolatileKeysPerClient);
  EXPECT_LE(crypto::kKernelVolatileKeys + kVolatileKeysPerClient, kVolatileKeySlots);
  EXPECT_EQ(crypto::volatile_keys_allowed(kAlice), kVolatileKeysPerClient);
  EXPECT_EQ(crypto::volatile_keys_allowed(kNonsecureKernel), crypto::kKernelVolatileKeys);
  // Every thread number the gateway accepts for a user thread is an ordinary client.
  for (std::uint32_t n = 1; n <= WARD_SPE_USER_THREADS; ++n) {
    EXPECT_EQ(crypto::volatile_keys_allowed(nonsecure_client(n)), kVolatileKeysPerClient) << n;
  }
  host::set_current_client(kNonsecureKernel);
  const auto kernel = take_every_key();
  EXPECT_EQ(kernel.size(), crypto::kKernelVolatileKeys);
  EXPECT_EQ(crypto::volatile_keys_held(kNonsecureKernel), crypto::kKernelVolatileKeys);
  host::set_current_client(kAlice);
  EXPECT_EQ(take_every_key().size(), kVolatileKeysPerClient);
  crypto::release_client(kNonsecureKernel);
  crypto::release_client(kAlice);
  EXPECT_EQ(crypto::volatile_keys_in_use(), 0u);
}

TEST_F(KeyQuota, VolatileKeysPerClientAreLimited) {
  const auto alice = take_every_key();
  ASSERT_EQ(alice.size(), kVolatileKeysPerClient);
  EXPECT_EQ(crypto::volatile_keys_held(kAlice), kVolatileKeysPerClient);
  EXPECT_EQ(crypto::volatile_keys_in_use(), kVolatileKeysPerClient);
  // The ids are those of Mbed TLS's static key store, which the service's record is indexed by.
  for (const auto key : alice) {
    EXPECT_GE(key, PSA_KEY_ID_VENDOR_MIN);
    EXPECT_LT(key, PSA_KEY_ID_VENDOR_MIN + kKeySlots);
  }
  // Over the quota, neither import nor generate creates a key.
  mbedtls_svc_key_id_t key = PSA_KEY_ID_NULL;
  EXPECT_EQ(import_hmac(&key), PSA_ERROR_INSUFFICIENT_MEMORY);
  EXPECT_EQ(generate_hmac(&key), PSA_ERROR_INSUFFICIENT_MEMORY);
  EXPECT_EQ(key, PSA_KEY_ID_NULL);
  EXPECT_EQ(crypto::volatile_keys_in_use(), kVolatileKeysPerClient);

  // Bob gets keys of his own, up to his own quota.
  host::set_current_client(kBob);
  EXPECT_EQ(take_every_key().size(), kVolatileKeysPerClient);

  // Destroying a key gives its room back, to its owner only.
  host::set_current_client(kAlice);
  ASSERT_EQ(psa_destroy_key(alice[1]), PSA_SUCCESS);
  EXPECT_EQ(crypto::volatile_keys_held(kAlice), kVolatileKeysPerClient - 1);
  host::set_current_client(kBob);
  EXPECT_EQ(import_hmac(&key), PSA_ERROR_INSUFFICIENT_MEMORY);
  host::set_current_client(kAlice);
  ASSERT_EQ(generate_hmac(&key), PSA_SUCCESS);
  EXPECT_EQ(import_hmac(&key), PSA_ERROR_INSUFFICIENT_MEMORY);
  // Bob cannot free Alice's room by destroying her key (he cannot name it).
  host::set_current_client(kBob);
  EXPECT_NE(psa_destroy_key(alice[0]), PSA_SUCCESS);
  EXPECT_EQ(crypto::volatile_keys_held(kAlice), kVolatileKeysPerClient);
  EXPECT_TRUE(crypto::key_record_consistent());
}

TEST_F(KeyQuota, DerivedKeysCountToo) {
  mbedtls_svc_key_id_t key = PSA_KEY_ID_NULL;
  psa_key_derivation_operation_t op = PSA_KEY_DERIVATION_OPERATION_INIT;
  start_derivation(&op, derive_secret());  // the secret is one of Alice's keys
  const psa_key_attributes_t a = hmac_attributes(256);
  for (std::size_t i = 1; i < kVolatileKeysPerClient; ++i) {
    ASSERT_EQ(psa_key_derivation_output_key(&a, &op, &key), PSA_SUCCESS) << i;
  }
  // Refused before Mbed TLS runs: the refusal takes nothing of the derivation's capacity.
  const std::size_t capacity = capacity_of(&op);
  EXPECT_EQ(psa_key_derivation_output_key(&a, &op, &key), PSA_ERROR_INSUFFICIENT_MEMORY);
  EXPECT_EQ(capacity_of(&op), capacity);
  EXPECT_EQ(import_hmac(&key), PSA_ERROR_INSUFFICIENT_MEMORY);
  EXPECT_EQ(crypto::volatile_keys_held(kAlice), kVolatileKeysPerClient);
  // Output bytes are the caller's, not a key: still fine.
  Bytes out(16);
  EXPECT_EQ(psa_key_derivation_output_bytes(&op, out.data(), out.size()), PSA_SUCCESS);
  EXPECT_EQ(psa_key_derivation_abort(&op), PSA_SUCCESS);

  // A generated key pair counts as well, and so does a mix of paths.
  crypto::release_client(kAlice);
  psa_key_attributes_t pair = PSA_KEY_ATTRIBUTES_INIT;
  psa_set_key_type(&pair, PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1));
  psa_set_key_bits(&pair, 256);
  psa_set_key_usage_flags(&pair, PSA_KEY_USAGE_DERIVE);
  psa_set_key_algorithm(&pair, PSA_ALG_ECDH);
  ASSERT_EQ(psa_generate_key(&pair, &key), PSA_SUCCESS);
  start_derivation(&op, derive_secret());
  for (std::size_t i = 2; i < kVolatileKeysPerClient; ++i) {
    ASSERT_EQ(psa_key_derivation_output_key(&a, &op, &key), PSA_SUCCESS) << i;
  }
  EXPECT_EQ(psa_generate_key(&pair, &key), PSA_ERROR_INSUFFICIENT_MEMORY);
  EXPECT_EQ(psa_key_derivation_output_key(&a, &op, &key), PSA_ERROR_INSUFFICIENT_MEMORY);
  EXPECT_EQ(psa_key_derivation_abort(&op), PSA_SUCCESS);
  EXPECT_EQ(crypto::volatile_keys_held(kAlice), kVolatileKeysPerClient);
}

// The wire lets a client name any lifetime: every one whose persistence is volatile is a volatile
// key, whatever its location or the id sent with it, and counts.
TEST_F(KeyQuota, EveryVolatileLifetimeCounts) {
  const mbedtls_svc_key_id_t secret = derive_secret();
  ASSERT_EQ(take_every_key().size(), kVolatileKeysPerClient - 1);
  // A derivation of Alice's, ready to output a key.
  ward_crypto_args setup{};
  setup.alg = PSA_ALG_HKDF(PSA_ALG_SHA_256);
  Call kdf;
  kdf.args(setup).output(4);
  ASSERT_EQ(kdf.run(WARD_CRYPTO_KDF_SETUP), PSA_SUCCESS);
  ward_crypto_args step{};
  step.handle = kdf.out_u32(0);
  step.step = PSA_KEY_DERIVATION_INPUT_SECRET;
  step.key = secret;
  ASSERT_EQ(Call().args(step).run(WARD_CRYPTO_KDF_INPUT_KEY), PSA_SUCCESS);
  step.key = 0;
  step.step = PSA_KEY_DERIVATION_INPUT_INFO;
  ASSERT_EQ(Call().args(step).input_fill(4, 2).run(WARD_CRYPTO_KDF_INPUT_BYTES), PSA_SUCCESS);
  ward_crypto_args output{};
  output.handle = step.handle;

  const std::uint32_t locations[] = {PSA_KEY_LOCATION_LOCAL_STORAGE, 1, 0x7fffff, 0x800000, 0xffffff};
  for (const std::uint32_t location : locations) {
    for (const std::uint32_t id : {0u, 0x1234u, PSA_KEY_ID_VENDOR_MIN}) {
      ward_crypto_key_attributes w{};
      w.type = PSA_KEY_TYPE_HMAC;
      w.bits = 256;
      w.usage = PSA_KEY_USAGE_EXPORT;
      w.alg = PSA_ALG_HMAC(PSA_ALG_SHA_256);
      w.id = id;
      w.lifetime = PSA_KEY_LIFETIME_FROM_PERSISTENCE_AND_LOCATION(PSA_KEY_PERSISTENCE_VOLATILE, location);
      SCOPED_TRACE(testing::Message() << "lifetime " << std::hex << w.lifetime << " id " << id);
      const ward_crypto_args zero{};
      Call import;
      import.args(zero).input(&w, sizeof w).input_fill(32, 3).output(4);
      EXPECT_EQ(import.run(WARD_CRYPTO_IMPORT_KEY), PSA_ERROR_INSUFFICIENT_MEMORY);
      EXPECT_EQ(import.written[0], 0u);
      Call generate;
      generate.args(zero).input(&w, sizeof w).output(4);
      EXPECT_EQ(generate.run(WARD_CRYPTO_GENERATE_KEY), PSA_ERROR_INSUFFICIENT_MEMORY);
      Call derive;
      derive.args(output).input(&w, sizeof w).output(4);
      EXPECT_EQ(derive.run(WARD_CRYPTO_KDF_OUTPUT_KEY), PSA_ERROR_INSUFFICIENT_MEMORY);
      EXPECT_EQ(crypto::volatile_keys_in_use(), kVolatileKeysPerClient);
    }
  }
  // Persistent lifetimes take no volatile slot, whatever Mbed TLS makes of them.
  psa_key_id_t next_id = 0x700;
  const std::uint32_t persistences[] = {PSA_KEY_PERSISTENCE_DEFAULT, 2u, 0x80u, PSA_KEY_PERSISTENCE_READ_ONLY};
  for (const std::uint32_t persistence : persistences) {
    ward_crypto_key_attributes w{};
    w.type = PSA_KEY_TYPE_HMAC;
    w.usage = PSA_KEY_USAGE_EXPORT;
    w.alg = PSA_ALG_HMAC(PSA_ALG_SHA_256);
    w.id = next_id++;
    w.lifetime = PSA_KEY_LIFETIME_FROM_PERSISTENCE_AND_LOCATION(persistence, PSA_KEY_LOCATION_LOCAL_STORAGE);
    Call import;
    import.args(ward_crypto_args{}).input(&w, sizeof w).input_fill(32, 3).output(4);
    const psa_status_t s = import.run(WARD_CRYPTO_IMPORT_KEY);
    EXPECT_EQ(crypto::volatile_keys_in_use(), kVolatileKeysPerClient) << persistence;
    if (s == PSA_SUCCESS) {
      EXPECT_EQ(psa_destroy_key(import.out_u32(0)), PSA_SUCCESS);
    }
  }
  EXPECT_EQ(crypto::volatile_keys_held(kAlice), kVolatileKeysPerClient);
  EXPECT_TRUE(crypto::key_record_consistent());
}

TEST_F(KeyQuota, PersistentKeysStayUsableWhenEveryVolatileSlotIsTaken) {
  // Alice's persistent keys: more of them than there are slots kept for persistent keys, so that
  // using them all means loading some again.
  constexpr std::size_t kAlicePersistent = kPersistentKeySlots + 2;
  for (std::size_t i = 0; i < kAlicePersistent; ++i) {
    mbedtls_svc_key_id_t key = PSA_KEY_ID_NULL;
    ASSERT_EQ(import_hmac(&key, 32, static_cast<psa_key_id_t>(0x100 + i)), PSA_SUCCESS);
  }
  host::reboot();  // none of them loaded
  ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);

  // Alice and as many others as it takes fill every volatile slot, each at its quota but the last.
  std::vector<ClientId> greedy{kAlice};
  for (std::int32_t n = 10; greedy.size() < kVolatileKeySlots / kVolatileKeysPerClient; ++n) {
    greedy.push_back(nonsecure_client(static_cast<std::uint32_t>(n)));
  }
  for (const ClientId c : greedy) {
    host::set_current_client(c);
    ASSERT_EQ(take_every_key().size(), kVolatileKeysPerClient);
  }
  // The slots need not divide into quotas (20 and 6): one more client takes what is left.
  if (constexpr std::size_t rest = kVolatileKeySlots % kVolatileKeysPerClient; rest != 0) {
    host::set_current_client(nonsecure_client(20));
    ASSERT_EQ(take_every_key().size(), rest);
  }
  ASSERT_EQ(crypto::volatile_keys_in_use(), kVolatileKeySlots);

  // A client below its quota gets no volatile key now...
  const ClientId carol = nonsecure_client(30);
  host::set_current_client(carol);
  mbedtls_svc_key_id_t key = PSA_KEY_ID_NULL;
  EXPECT_EQ(import_hmac(&key), PSA_ERROR_INSUFFICIENT_MEMORY);
  EXPECT_EQ(generate_hmac(&key), PSA_ERROR_INSUFFICIENT_MEMORY);
  // ...but creates and uses persistent keys.
  ASSERT_EQ(generate_hmac(&key, 256, 0x55), PSA_SUCCESS);
  const Bytes message = text("still served");
  Bytes mac(32);
  size_t length = 0;
  EXPECT_EQ(psa_mac_compute(0x55, PSA_ALG_HMAC(PSA_ALG_SHA_256), message.data(), message.size(), mac.data(),
                            mac.size(), &length),
            PSA_SUCCESS);
  // Alice, at her quota, uses every persistent key of hers, twice round (each load evicts another).
  host::set_current_client(kAlice);
  for (int round = 0; round < 2; ++round) {
    for (std::size_t i = 0; i < kAlicePersistent; ++i) {
      EXPECT_EQ(psa_mac_compute(static_cast<psa_key_id_t>(0x100 + i), PSA_ALG_HMAC(PSA_ALG_SHA_256), message.data(),
                                message.size(), mac.data(), mac.size(), &length),
                PSA_SUCCESS)
          << round << " " << i;
    }
  }
  // So do Carol's persistent key and Alice's, alternately; nothing took a volatile slot.
  for (int i = 0; i < 3; ++i) {
    host::set_current_client(carol);
    EXPECT_EQ(psa_mac_compute(0x55, PSA_ALG_HMAC(PSA_ALG_SHA_256), message.data(), message.size(), mac.data(),
                              mac.size(), &length),
              PSA_SUCCESS);
    host::set_current_client(kAlice);
    EXPECT_EQ(psa_mac_compute(0x100, PSA_ALG_HMAC(PSA_ALG_SHA_256), message.data(), message.size(), mac.data(),
                              mac.size(), &length),
              PSA_SUCCESS);
  }
  EXPECT_EQ(crypto::volatile_keys_in_use(), kVolatileKeySlots);

  // One greedy client ends: its room is everyone's again.
  crypto::release_client(greedy.back());
  host::set_current_client(carol);
  EXPECT_EQ(import_hmac(&key), PSA_SUCCESS);
  EXPECT_EQ(psa_destroy_key(0x55), PSA_SUCCESS);
  host::set_current_client(kAlice);
  for (std::size_t i = 0; i < kAlicePersistent; ++i) {
    EXPECT_EQ(psa_destroy_key(static_cast<psa_key_id_t>(0x100 + i)), PSA_SUCCESS);
  }
}

TEST_F(KeyQuota, NoKeyTakesMoreThanItsShareOfTheHeap) {
  mbedtls_svc_key_id_t key = PSA_KEY_ID_NULL;
  // The largest key allowed, by each path.
  ASSERT_EQ(import_hmac(&key, kKeyMaterialMax), PSA_SUCCESS);
  EXPECT_EQ(psa_destroy_key(key), PSA_SUCCESS);
  ASSERT_EQ(generate_hmac(&key, 8 * kKeyMaterialMax), PSA_SUCCESS);
  EXPECT_EQ(psa_destroy_key(key), PSA_SUCCESS);
  // One byte more, or as much as a call carries, or as much as Mbed TLS would generate: refused,
  // volatile or persistent, and nothing stored.
  const std::size_t stored = host::default_key_store().size();
  for (const std::size_t bytes : {kKeyMaterialMax + 1, std::size_t{4000}}) {
    EXPECT_EQ(import_hmac(&key, bytes), PSA_ERROR_NOT_SUPPORTED) << bytes;
    EXPECT_EQ(import_hmac(&key, bytes, 0x66), PSA_ERROR_NOT_SUPPORTED) << bytes;
  }
  for (const std::size_t bits : {8 * (kKeyMaterialMax + 1), std::size_t{PSA_MAX_KEY_BITS}}) {
    EXPECT_EQ(generate_hmac(&key, bits), PSA_ERROR_NOT_SUPPORTED) << bits;
    EXPECT_EQ(generate_hmac(&key, bits, 0x66), PSA_ERROR_NOT_SUPPORTED) << bits;
  }
  psa_key_derivation_operation_t op = PSA_KEY_DERIVATION_OPERATION_INIT;
  start_derivation(&op, derive_secret());
  const std::size_t capacity = capacity_of(&op);
  const psa_key_attributes_t big = hmac_attributes(8 * (kKeyMaterialMax + 1));
  EXPECT_EQ(psa_key_derivation_output_key(&big, &op, &key), PSA_ERROR_NOT_SUPPORTED);
  EXPECT_EQ(capacity_of(&op), capacity);
  const psa_key_attributes_t largest = hmac_attributes(8 * kKeyMaterialMax);
  EXPECT_EQ(psa_key_derivation_output_key(&largest, &op, &key), PSA_SUCCESS);
  EXPECT_EQ(psa_key_derivation_abort(&op), PSA_SUCCESS);
  EXPECT_EQ(host::default_key_store().size(), stored);
  EXPECT_EQ(crypto::volatile_keys_held(kAlice), 2u);  // the secret and the largest derived key
}

TEST_F(KeyQuota, AClientsEndGivesItsQuotaBack) {
  ASSERT_EQ(take_every_key().size(), kVolatileKeysPerClient);
  host::set_current_client(kBob);
  mbedtls_svc_key_id_t bob_key = PSA_KEY_ID_NULL;
  ASSERT_EQ(import_hmac(&bob_key), PSA_SUCCESS);

  crypto::release_client(kAlice);
  EXPECT_EQ(crypto::volatile_keys_held(kAlice), 0u);
  EXPECT_EQ(crypto::volatile_keys_held(kBob), 1u);
  EXPECT_EQ(crypto::volatile_keys_in_use(), 1u);
  EXPECT_TRUE(crypto::key_record_consistent());
  // The same identity (a thread restarted under its number) starts with its whole quota.
  host::set_current_client(kAlice);
  EXPECT_EQ(take_every_key().size(), kVolatileKeysPerClient);
  // Bob's key is untouched.
  host::set_current_client(kBob);
  Bytes out(32);
  size_t length = 0;
  EXPECT_EQ(psa_export_key(bob_key, out.data(), out.size(), &length), PSA_SUCCESS);
}

// --- Every request type, at the quota --------------------------------------------------------------
//
// Alice holds her quota of volatile keys (of every kind a request may name) and a persistent key,
// with a hash and two derivations in progress. Each request type is sent well formed, naming each
// of her keys in turn: none may leave her with more volatile keys than her quota, and the ones that
// create a key must be refused for the quota itself.

struct Holdings {
  // ECC pair, DERIVE, HMAC, AES; persistent HMAC; then a ChaCha20 and a second AES key (the quota: 6)
  std::uint32_t keys[kVolatileKeysPerClient + 1] = {};
  std::uint32_t hash = 0;                               // a SHA-256 operation
  std::uint32_t kdf_fresh = 0;                          // an HKDF operation before its secret
  std::uint32_t kdf_ready = 0;                          // an HKDF operation ready to output keys
  Bytes public_key;                                     // the ECC pair's public half
};

std::uint32_t key_of(psa_key_type_t type, psa_key_usage_t usage, psa_algorithm_t alg, const Bytes& data,
                     psa_algorithm_t alg2 = 0, psa_key_id_t persistent_id = 0) {
  psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
  psa_set_key_type(&a, type);
  psa_set_key_usage_flags(&a, usage);
  psa_set_key_algorithm(&a, alg);
  psa_set_key_enrollment_algorithm(&a, alg2);
  if (persistent_id != 0) {
    psa_set_key_id(&a, persistent_id);
  }
  mbedtls_svc_key_id_t key = PSA_KEY_ID_NULL;
  EXPECT_EQ(psa_import_key(&a, data.data(), data.size(), &key), PSA_SUCCESS);
  return key;
}

std::uint32_t operation(std::int32_t type, psa_algorithm_t alg) {
  ward_crypto_args args{};
  args.alg = alg;
  Call call;
  call.args(args).output(4);
  EXPECT_EQ(call.run(type), PSA_SUCCESS);
  return call.out_u32(0);
}

// Alice's holdings, from nothing.
Holdings hold_everything() {
  crypto::release_client(kAlice);
  Holdings h;
  constexpr psa_key_usage_t kAll = PSA_KEY_USAGE_EXPORT | PSA_KEY_USAGE_SIGN_HASH | PSA_KEY_USAGE_VERIFY_HASH |
                                   PSA_KEY_USAGE_SIGN_MESSAGE | PSA_KEY_USAGE_VERIFY_MESSAGE | PSA_KEY_USAGE_DERIVE |
                                   PSA_KEY_USAGE_ENCRYPT | PSA_KEY_USAGE_DECRYPT;
  h.keys[0] = key_of(PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1), kAll, PSA_ALG_ECDSA(PSA_ALG_SHA_256),
                     hex("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721"), PSA_ALG_ECDH);
  h.keys[1] = key_of(PSA_KEY_TYPE_DERIVE, kAll, PSA_ALG_HKDF(PSA_ALG_SHA_256), Bytes(32, 0x0b));
  h.keys[2] = key_of(PSA_KEY_TYPE_HMAC, kAll, PSA_ALG_HMAC(PSA_ALG_SHA_256), Bytes(32, 0x0c));
  h.keys[3] = key_of(PSA_KEY_TYPE_AES, kAll, PSA_ALG_GCM, Bytes(16, 0x0d));
  static_assert(kVolatileKeysPerClient == 6, "the holdings are one volatile key of each kind, and two more");
  (void)psa_destroy_key(0x4242);
  h.keys[4] = key_of(PSA_KEY_TYPE_HMAC, kAll, PSA_ALG_HMAC(PSA_ALG_SHA_256), Bytes(32, 0x0e), 0, 0x4242);
  h.keys[5] = key_of(PSA_KEY_TYPE_CHACHA20, kAll, PSA_ALG_CHACHA20_POLY1305, Bytes(32, 0x0f));
  h.keys[6] = key_of(PSA_KEY_TYPE_AES, kAll, PSA_ALG_GCM, Bytes(32, 0x10));
  h.public_key.resize(65);
  size_t length = 0;
  EXPECT_EQ(psa_export_public_key(h.keys[0], h.public_key.data(), h.public_key.size(), &length), PSA_SUCCESS);
  h.hash = operation(WARD_CRYPTO_HASH_SETUP, PSA_ALG_SHA_256);
  h.kdf_fresh = operation(WARD_CRYPTO_KDF_SETUP, PSA_ALG_HKDF(PSA_ALG_SHA_256));
  h.kdf_ready = operation(WARD_CRYPTO_KDF_SETUP, PSA_ALG_HKDF(PSA_ALG_SHA_256));
  ward_crypto_args step{};
  step.handle = h.kdf_ready;
  step.step = PSA_KEY_DERIVATION_INPUT_SECRET;
  step.key = h.keys[1];
  EXPECT_EQ(Call().args(step).run(WARD_CRYPTO_KDF_INPUT_KEY), PSA_SUCCESS);
  step.key = 0;
  step.step = PSA_KEY_DERIVATION_INPUT_INFO;
  EXPECT_EQ(Call().args(step).input_fill(4, 2).run(WARD_CRYPTO_KDF_INPUT_BYTES), PSA_SUCCESS);
  EXPECT_EQ(crypto::volatile_keys_held(kAlice), kVolatileKeysPerClient);
  return h;
}

// A well-formed request of `type` naming `key` (see the table in ward/secure/crypto_wire.h).
Call request(std::int32_t type, const Holdings& h, std::uint32_t key) {
  ward_crypto_key_attributes attributes{};  // a volatile HMAC key
  attributes.type = PSA_KEY_TYPE_HMAC;
  attributes.bits = 256;
  attributes.usage = PSA_KEY_USAGE_EXPORT;
  attributes.alg = PSA_ALG_HMAC(PSA_ALG_SHA_256);
  ward_crypto_args args{};
  Call call;
  switch (type) {
    case WARD_CRYPTO_INIT:
      return std::move(call.args(args));
    case WARD_CRYPTO_GENERATE_RANDOM:
      return std::move(call.args(args).output(32));
    case WARD_CRYPTO_IMPORT_KEY:
      return std::move(call.args(args).input(&attributes, sizeof attributes).input_fill(32, 7).output(4));
    case WARD_CRYPTO_GENERATE_KEY:
      return std::move(call.args(args).input(&attributes, sizeof attributes).output(4));
    case WARD_CRYPTO_EXPORT_KEY:
    case WARD_CRYPTO_EXPORT_PUBLIC_KEY:
      args.key = key;
      return std::move(call.args(args).output(65));
    case WARD_CRYPTO_DESTROY_KEY:
    case WARD_CRYPTO_PURGE_KEY:
      args.key = key;
      return std::move(call.args(args));
    case WARD_CRYPTO_GET_KEY_ATTRIBUTES:
      args.key = key;
      return std::move(call.args(args).output(sizeof(ward_crypto_key_attributes)));
    case WARD_CRYPTO_HASH_COMPUTE:
      args.alg = PSA_ALG_SHA_256;
      return std::move(call.args(args).input_fill(32, 1).output(32));
    case WARD_CRYPTO_HASH_COMPARE:
      args.alg = PSA_ALG_SHA_256;
      return std::move(call.args(args).input_fill(32, 1).input_fill(32, 2));
    case WARD_CRYPTO_HASH_SETUP:
      args.alg = PSA_ALG_SHA_256;
      return std::move(call.args(args).output(4));
    case WARD_CRYPTO_HASH_UPDATE:
    case WARD_CRYPTO_HASH_VERIFY:
      args.handle = h.hash;
      return std::move(call.args(args).input_fill(32, 1));
    case WARD_CRYPTO_HASH_FINISH:
      args.handle = h.hash;
      return std::move(call.args(args).output(32));
    case WARD_CRYPTO_HASH_ABORT:
      args.handle = h.hash;
      return std::move(call.args(args));
    case WARD_CRYPTO_MAC_COMPUTE:
      args.key = key;
      args.alg = PSA_ALG_HMAC(PSA_ALG_SHA_256);
      return std::move(call.args(args).input_fill(32, 1).output(32));
    case WARD_CRYPTO_MAC_VERIFY:
      args.key = key;
      args.alg = PSA_ALG_HMAC(PSA_ALG_SHA_256);
      return std::move(call.args(args).input_fill(32, 1).input_fill(32, 2));
    case WARD_CRYPTO_AEAD_ENCRYPT:
      args.key = key;
      args.alg = PSA_ALG_GCM;
      return std::move(call.args(args).input_fill(12, 1).input_fill(8, 2).input_fill(32, 3).output(48));
    case WARD_CRYPTO_AEAD_DECRYPT:
      args.key = key;
      args.alg = PSA_ALG_GCM;
      return std::move(call.args(args).input_fill(12, 1).input_fill(8, 2).input_fill(48, 3).output(32));
    case WARD_CRYPTO_SIGN_HASH:
    case WARD_CRYPTO_SIGN_MESSAGE:
      args.key = key;
      args.alg = PSA_ALG_ECDSA(PSA_ALG_SHA_256);
      return std::move(call.args(args).input_fill(32, 1).output(64));
    case WARD_CRYPTO_VERIFY_HASH:
    case WARD_CRYPTO_VERIFY_MESSAGE:
      args.key = key;
      args.alg = PSA_ALG_ECDSA(PSA_ALG_SHA_256);
      return std::move(call.args(args).input_fill(32, 1).input_fill(64, 2));
    case WARD_CRYPTO_RAW_KEY_AGREEMENT:
      args.key = key;
      args.alg = PSA_ALG_ECDH;
      return std::move(call.args(args).input(h.public_key.data(), h.public_key.size()).output(32));
    case WARD_CRYPTO_KDF_SETUP:
      args.alg = PSA_ALG_HKDF(PSA_ALG_SHA_256);
      return std::move(call.args(args).output(4));
    case WARD_CRYPTO_KDF_INPUT_BYTES:
      args.handle = h.kdf_fresh;
      args.step = PSA_KEY_DERIVATION_INPUT_SECRET;
      return std::move(call.args(args).input_fill(32, 1));
    case WARD_CRYPTO_KDF_INPUT_KEY:
      args.handle = h.kdf_fresh;
      args.step = PSA_KEY_DERIVATION_INPUT_SECRET;
      args.key = key;
      return std::move(call.args(args));
    case WARD_CRYPTO_KDF_OUTPUT_BYTES:
      args.handle = h.kdf_ready;
      return std::move(call.args(args).output(32));
    case WARD_CRYPTO_KDF_OUTPUT_KEY:
      args.handle = h.kdf_ready;
      return std::move(call.args(args).input(&attributes, sizeof attributes).output(4));
    case WARD_CRYPTO_KDF_GET_CAPACITY:
      args.handle = h.kdf_ready;
      return std::move(call.args(args).output(8));
    case WARD_CRYPTO_KDF_SET_CAPACITY:
      args.handle = h.kdf_ready;
      args.capacity = 100;
      return std::move(call.args(args));
    case WARD_CRYPTO_COPY_KEY:
      args.key = key;
      return std::move(call.args(args).input(&attributes, sizeof attributes).output(4));
    case WARD_CRYPTO_GENERATE_KEY_CUSTOM:
      return std::move(call.args(args).input(&attributes, sizeof attributes).input_fill(8, 0).input_fill(0, 0).output(4));
    case WARD_CRYPTO_KDF_OUTPUT_KEY_CUSTOM:
      args.handle = h.kdf_ready;
      return std::move(call.args(args).input(&attributes, sizeof attributes).input_fill(8, 0).input_fill(0, 0).output(4));
    case WARD_CRYPTO_HASH_CLONE:
      args.handle = h.hash;
      return std::move(call.args(args).output(4));
    case WARD_CRYPTO_MAC_SIGN_SETUP:
    case WARD_CRYPTO_MAC_VERIFY_SETUP:
      args.key = key;
      args.alg = PSA_ALG_HMAC(PSA_ALG_SHA_256);
      return std::move(call.args(args).output(4));
    case WARD_CRYPTO_AEAD_ENCRYPT_SETUP:
    case WARD_CRYPTO_AEAD_DECRYPT_SETUP:
      args.key = key;
      args.alg = PSA_ALG_GCM;
      return std::move(call.args(args).output(4));
    case WARD_CRYPTO_SIGN_HASH_START:
      args.key = key;
      args.alg = PSA_ALG_ECDSA(PSA_ALG_SHA_256);
      return std::move(call.args(args).input_fill(32, 1).output(4));
    case WARD_CRYPTO_KDF_KEY_AGREEMENT:
      args.handle = h.kdf_fresh;
      args.step = PSA_KEY_DERIVATION_INPUT_SECRET;
      args.key = key;
      return std::move(call.args(args).input(h.public_key.data(), h.public_key.size()));
    case WARD_CRYPTO_KDF_VERIFY_BYTES:
      args.handle = h.kdf_ready;
      return std::move(call.args(args).input_fill(16, 1));
    default:  // WARD_CRYPTO_KDF_ABORT; the remaining types name no key and create none
      args.handle = h.kdf_ready;
      return std::move(call.args(args));
  }
}

bool creates_a_key(std::int32_t type) {
  return type == WARD_CRYPTO_IMPORT_KEY || type == WARD_CRYPTO_GENERATE_KEY || type == WARD_CRYPTO_KDF_OUTPUT_KEY ||
         type == WARD_CRYPTO_COPY_KEY || type == WARD_CRYPTO_GENERATE_KEY_CUSTOM ||
         type == WARD_CRYPTO_KDF_OUTPUT_KEY_CUSTOM;
}

TEST_F(KeyQuota, NoRequestTypeGetsPastTheQuota) {
  std::size_t succeeded = 0;
  for (const std::int32_t type : kAllTypes) {
    for (std::size_t k = 0; k < std::size(Holdings{}.keys); ++k) {
      SCOPED_TRACE(testing::Message() << "type " << type << ", key " << k);
      const Holdings h = hold_everything();
      Call call = request(type, h, h.keys[k]);
      const psa_status_t s = call.run(type);
      succeeded += s == PSA_SUCCESS ? 1 : 0;
      if (creates_a_key(type)) {
        EXPECT_EQ(s, PSA_ERROR_INSUFFICIENT_MEMORY);
        EXPECT_EQ(call.written[0], 0u);
      }
      EXPECT_LE(crypto::volatile_keys_held(kAlice), kVolatileKeysPerClient);
      EXPECT_LE(crypto::volatile_keys_in_use(), kVolatileKeysPerClient);
      EXPECT_TRUE(crypto::key_record_consistent());
    }
  }
  // The requests were real ones: many of them were served (the steps of MAC, cipher, AEAD and
  // interruptible operations name no operation of the holdings, so those are refused).
  EXPECT_GT(succeeded, std::size(kAllTypes) + 25);

  // And the requests that create keys do create one below the quota (so the refusals above were
  // the quota's, not a malformed request's).
  for (const std::int32_t type : {WARD_CRYPTO_IMPORT_KEY, WARD_CRYPTO_GENERATE_KEY, WARD_CRYPTO_KDF_OUTPUT_KEY,
                                  WARD_CRYPTO_GENERATE_KEY_CUSTOM, WARD_CRYPTO_KDF_OUTPUT_KEY_CUSTOM}) {
    SCOPED_TRACE(type);
    const Holdings h = hold_everything();
    ASSERT_EQ(psa_destroy_key(h.keys[2]), PSA_SUCCESS);
    Call call = request(type, h, h.keys[0]);
    EXPECT_EQ(call.run(type), PSA_SUCCESS);
    EXPECT_EQ(crypto::volatile_keys_held(kAlice), kVolatileKeysPerClient);
  }
  crypto::release_client(kAlice);
  (void)psa_destroy_key(0x4242);
}

}  // namespace
}  // namespace ward::secure::test
