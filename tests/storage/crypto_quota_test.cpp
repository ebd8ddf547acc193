// The ITS quotas seen through every service that stores in ITS, on the host: the client libraries
// (psa_its_*, psa_ps_*, psa_crypto) over the host transport and the dispatcher, the crypto partition
// on the real ITS engine (ItsKeyStore, as in the secure image), the flash geometry of the secure
// image. The red team's hoard (tests/redteam/storage_quota_test.cpp) and what must survive it: the
// NV seed, PS's replay counters, every other client's entries and persistent keys.
#include <gtest/gtest.h>

#include <psa/crypto.h>
#include <psa/internal_trusted_storage.h>
#include <psa/protected_storage.h>

#include <cstdint>
#include <vector>

#include "ward/flash/sim_flash.hpp"
#include "ward/secure/crypto/its_key_store.hpp"
#include "ward/secure/crypto/key_store.hpp"
#include "ward/secure/host.hpp"
#include "ward/secure/storage_service.hpp"

namespace ward::secure::storage {
namespace {

constexpr ClientId kKernel = nonsecure_client(0x100);  // the privileged threads' identity
constexpr ClientId kHoarder = nonsecure_client(2);
constexpr ClientId kVictim = nonsecure_client(3);

class ItsQuotaEndToEnd : public ::testing::Test {
 protected:
  // The secure image's secure flash: ITS in the first 32 KiB, PS in the next 64 KiB.
  flash::SimFlash flash_{{0x18000, 0x1000, 8}};
  crypto::ItsKeyStore key_store_;

  void SetUp() override {
    host::reboot();  // no crypto state from an earlier test
    ASSERT_EQ(init(flash::Region{flash_, 0, 0x8000}, flash::Region{flash_, 0x8000, 0x10000}), PSA_SUCCESS);
    crypto::set_key_store(&key_store_);
  }
  void TearDown() override {
    host::reboot();
    crypto::set_key_store(nullptr);
    host::set_current_client(nonsecure_client(1));
  }
  static psa_status_t import_persistent(psa_key_id_t id) {
    psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
    psa_set_key_id(&a, id);
    psa_set_key_lifetime(&a, PSA_KEY_LIFETIME_PERSISTENT);
    psa_set_key_type(&a, PSA_KEY_TYPE_AES);
    psa_set_key_bits(&a, 128);
    psa_set_key_usage_flags(&a, PSA_KEY_USAGE_ENCRYPT);
    psa_set_key_algorithm(&a, PSA_ALG_GCM);
    const std::uint8_t key[16] = {1, 2, 3};
    psa_key_id_t out = 0;
    return psa_import_key(&a, key, sizeof key, &out);
  }
  // psa_its_set of 1-byte entries from uid `from` on, until refused; how many were stored.
  static std::uint32_t hoard(psa_storage_uid_t from, psa_storage_create_flags_t flags) {
    const std::uint8_t byte = 0x42;
    std::uint32_t n = 0;
    while (n < 100 && psa_its_set(from + n, 1, &byte, flags) == PSA_SUCCESS) ++n;
    return n;
  }
};

TEST_F(ItsQuotaEndToEnd, OneClientsHoardLeavesEveryoneTheirService) {
  // The red team's attack: one client, write-once entries, on a fresh device.
  host::set_current_client(kHoarder);
  const std::uint32_t stored = hoard(1, PSA_STORAGE_FLAG_WRITE_ONCE);
  EXPECT_EQ(stored, kItsPerClient.write_once_entries);
  const std::uint8_t byte = 0x42;
  EXPECT_EQ(psa_its_set(1000, 1, &byte, PSA_STORAGE_FLAG_WRITE_ONCE), PSA_ERROR_INSUFFICIENT_STORAGE);
  // The rest of its quota in ordinary entries, then nothing more, of any kind.
  EXPECT_EQ(hoard(200, PSA_STORAGE_FLAG_NONE), kItsPerClient.entries - stored);

  // The crypto service starts: its NV seed is in the crypto partition's reserve.
  host::set_current_client(kKernel);
  ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);
  ASSERT_NE(its(), nullptr);
  const Quota seed = its()->usage(kCryptoPartition);
  EXPECT_EQ(seed.entries, 1u);
  EXPECT_LE(seed.bytes, kItsReserves[0].quota.bytes);
  // The hoarder cannot add a persistent key to its hoard.
  host::set_current_client(kHoarder);
  EXPECT_EQ(import_persistent(0x77), PSA_ERROR_INSUFFICIENT_STORAGE);

  // Another client: an ITS entry, a replay-protected PS object, a persistent key.
  host::set_current_client(kVictim);
  const std::uint32_t value = 0x5eed;
  EXPECT_EQ(psa_its_set(0x10, sizeof value, &value, PSA_STORAGE_FLAG_NONE), PSA_SUCCESS);
  EXPECT_EQ(psa_ps_set(0x11, sizeof value, &value, PSA_STORAGE_FLAG_NONE), PSA_SUCCESS);
  EXPECT_EQ(import_persistent(0x1234), PSA_SUCCESS);
  EXPECT_EQ(its()->usage(kVictim).entries, 2u);  // its entry and its key; the PS counter is not its
  EXPECT_EQ(its()->usage(kStoragePartition).entries, 1u);
}

TEST_F(ItsQuotaEndToEnd, PersistentKeysCountInTheirClientsQuota) {
  host::set_current_client(kKernel);
  ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);
  host::set_current_client(kVictim);
  ASSERT_EQ(hoard(1, PSA_STORAGE_FLAG_NONE), kItsPerClient.entries);
  // At its quota: no persistent key either (Mbed TLS passes ITS's answer on).
  EXPECT_EQ(import_persistent(0x1), PSA_ERROR_INSUFFICIENT_STORAGE);
  ASSERT_EQ(psa_its_remove(1), PSA_SUCCESS);
  ASSERT_EQ(import_persistent(0x1), PSA_SUCCESS);
  EXPECT_EQ(its()->usage(kVictim).entries, kItsPerClient.entries);
  // The key holds the room: no ITS entry, no second key.
  const std::uint8_t byte = 1;
  EXPECT_EQ(psa_its_set(1, 1, &byte, 0), PSA_ERROR_INSUFFICIENT_STORAGE);
  EXPECT_EQ(import_persistent(0x2), PSA_ERROR_INSUFFICIENT_STORAGE);
  // Another client's keys are its own business.
  host::set_current_client(kHoarder);
  EXPECT_EQ(import_persistent(0x1), PSA_SUCCESS);
  // Destroying the key frees the room.
  host::set_current_client(kVictim);
  ASSERT_EQ(psa_destroy_key(0x1), PSA_SUCCESS);
  EXPECT_EQ(psa_its_set(1, 1, &byte, 0), PSA_SUCCESS);
}

TEST_F(ItsQuotaEndToEnd, AllClientsAtTheirQuotaLeaveTheSecureSideItsReserve) {
  // Every client identity (32 user threads and the kernel's) takes what it can, in ITS and PS.
  std::uint32_t its_entries = 0;
  std::uint32_t ps_objects = 0;
  for (std::uint32_t thread : {1u, 2u, 3u, 4u, 5u, 6u, 7u, 8u, 9u, 10u, 11u, 12u, 13u, 14u, 15u, 16u, 17u, 18u, 19u,
                               20u, 21u, 22u, 23u, 24u, 25u, 26u, 27u, 28u, 29u, 30u, 31u, 32u, 33u, 0x100u}) {
    host::set_current_client(nonsecure_client(thread));
    its_entries += hoard(1, PSA_STORAGE_FLAG_NONE);
    const std::uint8_t byte = 7;
    for (psa_storage_uid_t uid = 1; uid <= 10 && psa_ps_set(uid, 1, &byte, 0) == PSA_SUCCESS; ++uid) ++ps_objects;
  }
  EXPECT_EQ(its_entries, kItsAllClients.entries);
  EXPECT_EQ(ps_objects, kPsEntries);
  // Every PS object is replay-protected: its counter is in the storage partition's reserve.
  EXPECT_EQ(its()->usage(kStoragePartition).entries, kPsEntries);
  // On this fresh device crypto starts (the NV seed is created in the crypto partition's reserve)...
  host::set_current_client(kKernel);
  ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);
  // ...and again after a reboot (the seed is rewritten).
  host::reboot();
  ASSERT_EQ(init(flash::Region{flash_, 0, 0x8000}, flash::Region{flash_, 0x8000, 0x10000}), PSA_SUCCESS);
  ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);
  // A client that frees a PS object can protect a new one: the counter always finds its room.
  host::set_current_client(nonsecure_client(1));
  ASSERT_EQ(psa_ps_remove(1), PSA_SUCCESS);
  const std::uint8_t byte = 9;
  EXPECT_EQ(psa_ps_set(99, 1, &byte, 0), PSA_SUCCESS);
  // What the clients cannot have is refused cleanly.
  host::set_current_client(nonsecure_client(20));
  EXPECT_EQ(psa_its_set(99, 1, &byte, 0), PSA_ERROR_INSUFFICIENT_STORAGE);
  EXPECT_EQ(import_persistent(0x9), PSA_ERROR_INSUFFICIENT_STORAGE);
}

}  // namespace
}  // namespace ward::secure::storage
