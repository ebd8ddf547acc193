// Per-client quotas and the secure partitions' reserves (storage.hpp, "Quotas"), from the side of a
// client that tries to take more than its share: every way of creating or growing an entry, the
// write-once figures, all the clients together, entries charged to another account (persistent
// keys), remounts; and the reserves, which must hold whatever the clients have done.
#include <gtest/gtest.h>

#include <array>
#include <optional>
#include <vector>

#include "storage_test_util.hpp"
#include "ward/flash/sim_flash.hpp"
#include "ward/secure/storage.hpp"
#include "ward/secure/storage_service.hpp"

namespace ward::secure::storage {
namespace {

using test::bytes;

constexpr ClientId kA = nonsecure_client(1);
constexpr ClientId kB = nonsecure_client(2);
constexpr Limits kLimits{256, 4096};
constexpr Quota kPerClient{4, 512, 2, 128};
constexpr Quota kAllClients{12, 2048, 4, 256};
constexpr Reserve kReserves[] = {
    {kCryptoPartition, {3, 512, 1, 64}},
    {kStoragePartition, {6, 192, 0, 0}},
};
constexpr std::size_t kIndex = 3 + 6 + 12;  // the reserves and all the clients, exactly

// The uid at which the crypto partition keeps `client`'s persistent key `id` (Mbed TLS's layout).
constexpr psa_storage_uid_t key_uid(ClientId client, std::uint32_t id) {
  return static_cast<psa_storage_uid_t>(static_cast<std::uint32_t>(raw(client))) << 32 | id;
}

std::vector<std::byte> filled(std::size_t n, std::uint8_t v = 0x5a) { return std::vector<std::byte>(n, std::byte{v}); }

class QuotaTest : public ::testing::Test {
 protected:
  flash::SimFlash flash_{{32 * 1024, 2048, 8}};
  flash::Region region_{flash_, 0, 32 * 1024};
  std::array<std::byte, scratch_bytes(256)> scratch_{};
  std::array<IndexEntry, kIndex> index_{};
  Keys keys_ = derive_keys("ward quota test v1");
  std::optional<Store> store_;

  void SetUp() override {
    static_assert(bank_bytes_needed(kIndex, kLimits, 8) <= bank_capacity(32 * 1024, 2048, 8));
    remount();
  }
  void remount() {
    store_.emplace(region_, keys_, scratch_, index_, kLimits, Quotas{kPerClient, kAllClients, kReserves, &its_payer});
    ASSERT_EQ(store_->mount(), PSA_SUCCESS);
  }
  // Sets uids from..from+count-1 of `who` with `size` bytes each; the number that succeeded.
  std::size_t fill(ClientId who, psa_storage_uid_t from, std::size_t count, std::size_t size,
                   psa_storage_create_flags_t flags = 0) {
    std::size_t n = 0;
    const auto v = filled(size);
    for (std::size_t i = 0; i < count; ++i) {
      if (store_->set(who, from + i, v, flags) != PSA_SUCCESS) break;
      ++n;
    }
    return n;
  }
  // A refused write must leave the flash exactly as it was.
  template <class Write>
  void expect_refused(Write write) {
    const auto before = flash_.raw();
    EXPECT_EQ(write(), PSA_ERROR_INSUFFICIENT_STORAGE);
    EXPECT_EQ(before, flash_.raw()) << "a refused write changed the flash";
  }
};

TEST_F(QuotaTest, ClientEntryQuotaIsEnforcedAndOthersAreUnaffected) {
  EXPECT_EQ(fill(kA, 1, 10, 1), kPerClient.entries);
  expect_refused([&] { return store_->set(kA, 100, bytes("x"), 0); });
  expect_refused([&] { return store_->create(kA, 101, 1, 0); });
  EXPECT_EQ(store_->usage(kA).entries, kPerClient.entries);
  // Its own entries can still be updated (no new entry), and removing one makes room again.
  EXPECT_EQ(store_->set(kA, 1, bytes("y"), 0), PSA_SUCCESS);
  ASSERT_EQ(store_->remove(kA, 2), PSA_SUCCESS);
  EXPECT_EQ(store_->set(kA, 100, bytes("x"), 0), PSA_SUCCESS);
  // Another client has its whole quota.
  EXPECT_EQ(fill(kB, 1, 10, 1), kPerClient.entries);
}

TEST_F(QuotaTest, ClientByteQuotaCountsCapacityOnEveryPath) {
  ASSERT_EQ(store_->set(kA, 1, filled(200), 0), PSA_SUCCESS);
  ASSERT_EQ(store_->set(kA, 2, filled(200), 0), PSA_SUCCESS);
  ASSERT_EQ(store_->set(kA, 3, filled(100), 0), PSA_SUCCESS);
  // 500 of 512 bytes held: a set, a create (capacity, not size, counts) and an overwrite that grows
  // an entry past the quota are all refused.
  expect_refused([&] { return store_->set(kA, 4, filled(13), 0); });
  expect_refused([&] { return store_->create(kA, 4, 13, 0); });
  expect_refused([&] { return store_->set(kA, 3, filled(113), 0); });
  // Up to the byte, they pass.
  EXPECT_EQ(store_->set(kA, 3, filled(112), 0), PSA_SUCCESS);
  EXPECT_EQ(store_->usage(kA).bytes, 512u);
  // An empty created entry reserves its capacity; set_extended fills it without growing it.
  ASSERT_EQ(store_->remove(kA, 2), PSA_SUCCESS);
  ASSERT_EQ(store_->create(kA, 4, 200, 0), PSA_SUCCESS);
  EXPECT_EQ(store_->usage(kA).bytes, 512u);
  EXPECT_EQ(store_->set_extended(kA, 4, 0, filled(200)), PSA_SUCCESS);
  EXPECT_EQ(store_->usage(kA).bytes, 512u);
  // An empty entry costs no bytes, but it is an entry; then not one more byte.
  EXPECT_EQ(store_->set(kA, 5, bytes(""), 0), PSA_SUCCESS);
  expect_refused([&] { return store_->set(kA, 5, filled(1), 0); });
}

TEST_F(QuotaTest, WriteOnceEntriesHaveTheirOwnCap) {
  // kPerClient: 2 write-once entries, 128 write-once bytes.
  ASSERT_EQ(fill(kA, 1, 10, 1, PSA_STORAGE_FLAG_WRITE_ONCE), kPerClient.write_once_entries);
  expect_refused([&] { return store_->set(kA, 50, bytes("z"), PSA_STORAGE_FLAG_WRITE_ONCE); });
  // Turning an ordinary entry into a write-once one counts as a new write-once entry.
  ASSERT_EQ(store_->set(kA, 60, bytes("plain"), 0), PSA_SUCCESS);
  expect_refused([&] { return store_->set(kA, 60, bytes("plain"), PSA_STORAGE_FLAG_WRITE_ONCE); });
  // Ordinary entries are still possible, up to the entry quota.
  EXPECT_EQ(store_->set(kA, 61, bytes("plain"), 0), PSA_SUCCESS);
  EXPECT_EQ(store_->usage(kA).entries, kPerClient.entries);
  EXPECT_EQ(store_->usage(kA).write_once_entries, kPerClient.write_once_entries);
  // The write-once byte cap, alone.
  ASSERT_EQ(store_->set(kB, 1, filled(100), PSA_STORAGE_FLAG_WRITE_ONCE), PSA_SUCCESS);
  expect_refused([&] { return store_->set(kB, 2, filled(29), PSA_STORAGE_FLAG_WRITE_ONCE); });
  EXPECT_EQ(store_->set(kB, 2, filled(28), PSA_STORAGE_FLAG_WRITE_ONCE), PSA_SUCCESS);
}

TEST_F(QuotaTest, AllClientsTogetherStayInTheirShare) {
  // 12 entries for all the clients: three clients at their quota take them all; a fourth, within
  // its own quota, is refused; the reserves are untouched.
  for (std::uint32_t n = 1; n <= 3; ++n) EXPECT_EQ(fill(nonsecure_client(n), 1, 10, 1), kPerClient.entries);
  expect_refused([&] { return store_->set(nonsecure_client(4), 1, bytes("x"), 0); });
  EXPECT_EQ(fill(kCryptoPartition, 1, 10, 1), 3u);
  EXPECT_EQ(fill(kStoragePartition, 1, 10, 1), 6u);
  // Write-once across the clients: 4 in all, whichever clients hold them.
  ASSERT_EQ(store_->remove(nonsecure_client(1), 1), PSA_SUCCESS);
  ASSERT_EQ(store_->remove(nonsecure_client(1), 2), PSA_SUCCESS);
  ASSERT_EQ(store_->remove(nonsecure_client(2), 1), PSA_SUCCESS);
  ASSERT_EQ(store_->remove(nonsecure_client(2), 2), PSA_SUCCESS);
  EXPECT_EQ(fill(nonsecure_client(1), 10, 2, 1, PSA_STORAGE_FLAG_WRITE_ONCE), 2u);
  EXPECT_EQ(fill(nonsecure_client(2), 10, 1, 1, PSA_STORAGE_FLAG_WRITE_ONCE), 1u);
  ASSERT_EQ(store_->remove(nonsecure_client(3), 1), PSA_SUCCESS);
  ASSERT_EQ(store_->remove(nonsecure_client(3), 2), PSA_SUCCESS);
  EXPECT_EQ(fill(nonsecure_client(3), 10, 1, 1, PSA_STORAGE_FLAG_WRITE_ONCE), 1u);
  expect_refused([&] { return store_->set(nonsecure_client(2), 11, bytes("w"), PSA_STORAGE_FLAG_WRITE_ONCE); });
  EXPECT_EQ(store_->set(nonsecure_client(2), 11, bytes("w"), 0), PSA_SUCCESS);
}

TEST_F(QuotaTest, ManyIdentitiesCannotReachTheReserves) {
  // A non-secure kernel may speak for any thread number: 100 identities, each trying its quota in
  // entries and bytes, take only what all the clients share.
  for (std::uint32_t n = 1; n <= 100; ++n) {
    (void)fill(nonsecure_client(n), 1, 2, 128);
    (void)store_->set(nonsecure_client(n), 9, filled(kLimits.max_entry_size), 0);
  }
  Quota clients{};
  for (std::uint32_t n = 1; n <= 100; ++n) {
    const Quota u = store_->usage(nonsecure_client(n));
    clients.entries += u.entries;
    clients.bytes += u.bytes;
  }
  EXPECT_LE(clients.entries, kAllClients.entries);
  EXPECT_LE(clients.bytes, kAllClients.bytes);
  // Every reserve is there in full, in entries and in bytes (and flash)...
  EXPECT_EQ(fill(kCryptoPartition, 1, 3, 170), 3u);
  EXPECT_EQ(fill(kStoragePartition, 1, 6, 32), 6u);
  // ...and no more: a reserve is also its holder's cap.
  expect_refused([&] { return store_->set(kCryptoPartition, 10, bytes("x"), 0); });
  expect_refused([&] { return store_->set(kStoragePartition, 10, bytes("x"), 0); });
  expect_refused([&] { return store_->set(kCryptoPartition, 1, filled(173), 0); });
  // A client still cannot take room freed in a reserve.
  ASSERT_EQ(store_->remove(kStoragePartition, 1), PSA_SUCCESS);
  expect_refused([&] { return store_->set(nonsecure_client(101), 1, bytes("x"), 0); });
  EXPECT_EQ(store_->set(kStoragePartition, 1, filled(32), 0), PSA_SUCCESS);
}

TEST_F(QuotaTest, ReservesSurviveARemount) {
  for (std::uint32_t n = 1; n <= 5; ++n) (void)fill(nonsecure_client(n), 1, 4, 100);
  remount();
  // The accounts are rebuilt from the flash: still full, still refused.
  expect_refused([&] { return store_->set(nonsecure_client(6), 1, bytes("x"), 0); });
  expect_refused([&] { return store_->set(nonsecure_client(1), 5, bytes("x"), 0); });
  EXPECT_EQ(fill(kCryptoPartition, 1, 3, 1), 3u);
  EXPECT_EQ(fill(kStoragePartition, 1, 6, 32), 6u);
}

TEST_F(QuotaTest, PersistentKeysAreChargedToTheirClient) {
  // The crypto partition's entries at (client << 32 | id) are that client's (its_payer).
  EXPECT_EQ(store_->payer(kCryptoPartition, key_uid(kA, 7)), kA);
  EXPECT_EQ(store_->payer(kCryptoPartition, 0xFFFFFF52u), kCryptoPartition);  // the NV seed
  ASSERT_EQ(fill(kA, 1, 3, 1), 3u);
  ASSERT_EQ(store_->set(kCryptoPartition, key_uid(kA, 1), filled(68), 0), PSA_SUCCESS);
  EXPECT_EQ(store_->usage(kA).entries, 4u);
  EXPECT_EQ(store_->usage(kCryptoPartition).entries, 0u);
  // A at its quota: neither another key for A nor another entry of A's own.
  expect_refused([&] { return store_->set(kCryptoPartition, key_uid(kA, 2), filled(68), 0); });
  expect_refused([&] { return store_->set(kA, 9, bytes("x"), 0); });
  // B's keys and the crypto partition's own state are unaffected.
  EXPECT_EQ(store_->set(kCryptoPartition, key_uid(kB, 1), filled(68), 0), PSA_SUCCESS);
  EXPECT_EQ(store_->set(kCryptoPartition, 0xFFFFFF52u, filled(64), 0), PSA_SUCCESS);
  // Removing the key gives A its room back.
  ASSERT_EQ(store_->remove(kCryptoPartition, key_uid(kA, 1)), PSA_SUCCESS);
  EXPECT_EQ(store_->set(kA, 9, bytes("x"), 0), PSA_SUCCESS);
}

TEST_F(QuotaTest, AClientCannotChargeAnotherOrAReserve) {
  // A's own entry at a uid that looks like B's key uid is A's, not B's; so is one that looks like a
  // secure partition's key. Only the crypto partition's namespace is read that way.
  EXPECT_EQ(store_->payer(kA, key_uid(kB, 1)), kA);
  EXPECT_EQ(store_->payer(kA, key_uid(kCryptoPartition, 1)), kA);
  EXPECT_EQ(fill(kA, key_uid(kB, 1), 10, 1), kPerClient.entries);
  EXPECT_EQ(store_->usage(kB).entries, 0u);
  // A key uid that names no client (a secure owner, or 0) stays the crypto partition's own.
  EXPECT_EQ(store_->payer(kCryptoPartition, key_uid(kStoragePartition, 1)), kCryptoPartition);
  EXPECT_EQ(store_->payer(kCryptoPartition, 1), kCryptoPartition);
  // An identity with no reserve is a client, whatever its sign: no unlimited account exists.
  const ClientId stranger{42};
  EXPECT_EQ(fill(stranger, 1, 10, 1), kPerClient.entries);
  EXPECT_EQ(fill(ClientId{0}, 1, 10, 1), kPerClient.entries);
}

TEST_F(QuotaTest, OverQuotaStateFromTheFlashCanShrinkButNotGrow) {
  // An older store without quotas left A above its quota (6 entries of 200 bytes).
  {
    std::array<IndexEntry, kIndex> index{};
    Store old{region_, keys_, scratch_, index, kLimits};
    ASSERT_EQ(old.mount(), PSA_SUCCESS);
    for (psa_storage_uid_t u = 1; u <= 6; ++u) ASSERT_EQ(old.set(kA, u, filled(200), 0), PSA_SUCCESS);
  }
  remount();
  EXPECT_EQ(store_->usage(kA).entries, 6u);
  expect_refused([&] { return store_->set(kA, 7, bytes("x"), 0); });
  expect_refused([&] { return store_->set(kA, 1, filled(201), 0); });
  EXPECT_EQ(store_->set(kA, 1, filled(200), 0), PSA_SUCCESS);  // an update that does not grow
  EXPECT_EQ(store_->set(kA, 2, filled(10), 0), PSA_SUCCESS);   // or shrinks
  EXPECT_EQ(store_->remove(kA, 3), PSA_SUCCESS);
}

TEST_F(QuotaTest, AdmitsAgreesWithTheWrite) {
  ASSERT_EQ(fill(kA, 1, 3, 150), 3u);
  EXPECT_EQ(store_->admits(kA, 4, 62, 0), PSA_SUCCESS);
  EXPECT_EQ(store_->admits(kA, 4, 63, 0), PSA_ERROR_INSUFFICIENT_STORAGE);
  EXPECT_EQ(store_->admits(kA, 1, 212, 0), PSA_SUCCESS);  // replacing entry 1
  EXPECT_EQ(store_->admits(kA, 1, 213, 0), PSA_ERROR_INSUFFICIENT_STORAGE);
  EXPECT_EQ(store_->admits(kB, 1, 128, PSA_STORAGE_FLAG_WRITE_ONCE), PSA_SUCCESS);
  EXPECT_EQ(store_->admits(kB, 1, 129, PSA_STORAGE_FLAG_WRITE_ONCE), PSA_ERROR_INSUFFICIENT_STORAGE);
  EXPECT_EQ(store_->admits(kA, 4, std::size_t{1} << 40, 0), PSA_ERROR_INSUFFICIENT_STORAGE);
  expect_refused([&] { return store_->set(kA, 4, filled(63), 0); });
  EXPECT_EQ(store_->set(kA, 4, filled(62), 0), PSA_SUCCESS);
}

}  // namespace
}  // namespace ward::secure::storage
