// The account a call counts against (ward/secure/dispatch.hpp): the non-secure kernel's calls made for
// one of its user threads (a TLS socket's worker, lib/tls/src/sockets.cpp) create the kernel's keys and
// operations, counted against that thread's quota. From the attacker's side: a user thread must not
// get more of the secure world through the kernel than by itself, must not reach what the kernel made
// for it, and must not free it by ending; the kernel's own share must stay whole meanwhile.
#include "test_support.hpp"

namespace ward::secure::test {
namespace {

using crypto::kOperationsPerClient;
using crypto::kVolatileKeysPerClient;

psa_status_t import_hmac(mbedtls_svc_key_id_t* key) {
  psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
  psa_set_key_type(&a, PSA_KEY_TYPE_HMAC);
  psa_set_key_usage_flags(&a, PSA_KEY_USAGE_SIGN_MESSAGE);
  psa_set_key_algorithm(&a, PSA_ALG_HMAC(PSA_ALG_SHA_256));
  const Bytes material(32, 0x5c);
  return psa_import_key(&a, material.data(), material.size(), key);
}

// Volatile keys of the current client, counted against the current account, until refused.
std::vector<mbedtls_svc_key_id_t> import_until_refused() {
  std::vector<mbedtls_svc_key_id_t> keys;
  for (std::size_t i = 0; i <= crypto::kKeySlots; ++i) {
    mbedtls_svc_key_id_t key = PSA_KEY_ID_NULL;
    const psa_status_t s = import_hmac(&key);
    if (s != PSA_SUCCESS) {
      EXPECT_EQ(s, PSA_ERROR_INSUFFICIENT_MEMORY);
      break;
    }
    keys.push_back(key);
  }
  return keys;
}

// Hash operations of the current client, counted against the current account, until refused.
std::vector<psa_hash_operation_t> hash_until_refused() {
  std::vector<psa_hash_operation_t> ops;
  for (std::size_t i = 0; i <= crypto::kOperationSlots; ++i) {
    psa_hash_operation_t op = PSA_HASH_OPERATION_INIT;
    const psa_status_t s = psa_hash_setup(&op, PSA_ALG_SHA_256);
    if (s != PSA_SUCCESS) {
      EXPECT_EQ(s, PSA_ERROR_INSUFFICIENT_MEMORY);
      break;
    }
    ops.push_back(op);
  }
  return ops;
}

// The kernel, calling for Alice (user thread 1).
void act_for_alice() {
  host::set_current_client(kNonsecureKernel);
  host::set_current_account(kAlice);
}

using Account = CryptoService;

TEST_F(Account, TheKernelsKeysForAThreadCountAgainstThatThreadsQuota) {
  act_for_alice();
  const auto for_alice = import_until_refused();
  EXPECT_EQ(for_alice.size(), kVolatileKeysPerClient);  // Alice's share, not the kernel's 14
  EXPECT_EQ(crypto::volatile_keys_held(kAlice), kVolatileKeysPerClient);
  EXPECT_EQ(crypto::volatile_keys_held(kNonsecureKernel), 0u);
  // Alice herself: nothing left.
  host::set_current_client(kAlice);
  EXPECT_TRUE(import_until_refused().empty());
  // The kernel's own share is whole: what the table has room for, up to all of it.
  host::set_current_client(kNonsecureKernel);
  const auto own = import_until_refused();
  EXPECT_EQ(own.size(), std::min(crypto::kKernelVolatileKeys, crypto::kVolatileKeySlots - kVolatileKeysPerClient));
  EXPECT_TRUE(crypto::key_record_consistent());
}

TEST_F(Account, TheKeysStayTheKernels) {
  act_for_alice();
  mbedtls_svc_key_id_t key = PSA_KEY_ID_NULL;
  ASSERT_EQ(import_hmac(&key), PSA_SUCCESS);
  // Alice cannot name it (her namespace holds no such key), so cannot use or destroy it.
  host::set_current_client(kAlice);
  Bytes mac(32);
  std::size_t n = 0;
  const Bytes input = text("tls record");
  EXPECT_EQ(psa_mac_compute(key, PSA_ALG_HMAC(PSA_ALG_SHA_256), input.data(), input.size(), mac.data(), mac.size(), &n),
            PSA_ERROR_INVALID_HANDLE);
  EXPECT_EQ(psa_destroy_key(key), PSA_ERROR_INVALID_HANDLE);
  EXPECT_EQ(crypto::volatile_keys_held(kAlice), 1u);
  // The kernel uses it, for Alice or on its own account alike, and destroying it gives Alice her
  // quota back.
  host::set_current_client(kNonsecureKernel);
  EXPECT_EQ(psa_mac_compute(key, PSA_ALG_HMAC(PSA_ALG_SHA_256), input.data(), input.size(), mac.data(), mac.size(), &n),
            PSA_SUCCESS);
  EXPECT_EQ(psa_destroy_key(key), PSA_SUCCESS);
  EXPECT_EQ(crypto::volatile_keys_held(kAlice), 0u);
  host::set_current_client(kAlice);
  EXPECT_EQ(import_until_refused().size(), kVolatileKeysPerClient);
}

TEST_F(Account, AThreadsEndLeavesTheKernelsKeysForItCounted) {
  act_for_alice();
  mbedtls_svc_key_id_t kernels = PSA_KEY_ID_NULL;
  ASSERT_EQ(import_hmac(&kernels), PSA_SUCCESS);
  host::set_current_client(kAlice);
  mbedtls_svc_key_id_t alices = PSA_KEY_ID_NULL;
  ASSERT_EQ(import_hmac(&alices), PSA_SUCCESS);
  EXPECT_EQ(crypto::volatile_keys_held(kAlice), 2u);
  // Alice's end destroys her key only: the kernel's is the kernel's to free (it closes the thread's
  // sockets before the thread's number is used again), and counts until then.
  crypto::release_client(kAlice);
  EXPECT_EQ(crypto::volatile_keys_held(kAlice), 1u);
  EXPECT_EQ(crypto::volatile_keys_in_use(), 1u);
  host::set_current_client(kNonsecureKernel);
  Bytes mac(32);
  std::size_t n = 0;
  const Bytes input = text("close_notify");
  EXPECT_EQ(psa_mac_compute(kernels, PSA_ALG_HMAC(PSA_ALG_SHA_256), input.data(), input.size(), mac.data(),
                            mac.size(), &n),
            PSA_SUCCESS);
  EXPECT_EQ(psa_destroy_key(kernels), PSA_SUCCESS);
  EXPECT_EQ(crypto::volatile_keys_in_use(), 0u);
  EXPECT_EQ(crypto::volatile_keys_held(kAlice), 0u);
}

TEST_F(Account, TheKernelsOperationsForAThreadCountAgainstThatThreadsQuota) {
  act_for_alice();
  auto for_alice = hash_until_refused();
  EXPECT_EQ(for_alice.size(), kOperationsPerClient);
  EXPECT_EQ(crypto::operations_held(kAlice), kOperationsPerClient);
  EXPECT_EQ(crypto::operations_held(kNonsecureKernel), 0u);
  host::set_current_client(kAlice);
  EXPECT_TRUE(hash_until_refused().empty());
  // A clone is a new operation of the same account's.
  act_for_alice();
  psa_hash_operation_t clone = PSA_HASH_OPERATION_INIT;
  EXPECT_EQ(psa_hash_clone(&for_alice[0], &clone), PSA_ERROR_INSUFFICIENT_MEMORY);
  // The kernel's own share is whole (the table has 12: 4 for Alice, 8 the kernel's).
  host::set_current_client(kNonsecureKernel);
  auto own = hash_until_refused();
  EXPECT_EQ(own.size(), crypto::kKernelOperations);
  // Alice cannot reach the kernel's operations, nor free them by ending.
  host::set_current_client(kAlice);
  EXPECT_EQ(psa_hash_update(&for_alice[0], nullptr, 0), PSA_ERROR_BAD_STATE);
  crypto::release_client(kAlice);
  EXPECT_EQ(crypto::operations_held(kAlice), kOperationsPerClient);
  // The kernel finishes them (on its own account: a handle is the kernel's whoever it counts against).
  host::set_current_client(kNonsecureKernel);
  const Bytes input = text("transcript");
  EXPECT_EQ(psa_hash_update(&for_alice[0], input.data(), input.size()), PSA_SUCCESS);
  for (auto& op : for_alice) {
    EXPECT_EQ(psa_hash_abort(&op), PSA_SUCCESS);
  }
  for (auto& op : own) {
    EXPECT_EQ(psa_hash_abort(&op), PSA_SUCCESS);
  }
  EXPECT_EQ(crypto::operations_held(kAlice), 0u);
  EXPECT_EQ(crypto::operations_in_use(), 0u);
}

TEST_F(Account, AnAccountOfNoOneIsRefused) {
  const Bytes args(sizeof(ward_crypto_args), 0);
  const std::span<const std::byte> in[] = {std::as_bytes(std::span{args})};
  EXPECT_EQ(dispatch(kNonsecureKernel, ClientId{0}, WARD_SERVICE_CRYPTO, WARD_CRYPTO_INIT, in, {}, {}),
            PSA_ERROR_NOT_PERMITTED);
  EXPECT_EQ(dispatch(ClientId{0}, kAlice, WARD_SERVICE_CRYPTO, WARD_CRYPTO_INIT, in, {}, {}), PSA_ERROR_NOT_PERMITTED);
}

}  // namespace
}  // namespace ward::secure::test
