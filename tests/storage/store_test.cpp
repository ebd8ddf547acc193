// The storage engine from the caller's and the attacker's side: API semantics, owner separation,
// quotas, tampering with the flash.
#include <gtest/gtest.h>

#include <array>
#include <cstring>

#include "storage_test_util.hpp"
#include "ward/flash/sim_flash.hpp"
#include "ward/secure/storage.hpp"

namespace ward::secure::storage {
namespace {

using test::bytes;
using test::str;

constexpr ClientId kA{-1};
constexpr ClientId kB{-2};
constexpr Limits kLimits{256, 2048};

class StoreTest : public ::testing::Test {
 protected:
  flash::SimFlash flash_{{8192, 1024, 8}};
  flash::Region region_{flash_, 0, 8192};
  std::array<std::byte, scratch_bytes(256)> scratch_{};
  std::array<IndexEntry, 32> index_{};
  Keys keys_ = derive_keys("ward test v1");
  std::optional<Store> store_;

  void SetUp() override { remount(); }
  void remount() {
    store_.emplace(region_, keys_, scratch_, index_, kLimits);
    ASSERT_EQ(store_->mount(), PSA_SUCCESS);
  }
  std::string get(ClientId who, psa_storage_uid_t uid, psa_status_t* status = nullptr) {
    std::array<std::byte, 512> buf;
    std::size_t n = 99;
    const psa_status_t s = store_->get(who, uid, 0, buf, &n);
    if (status) *status = s;
    return s == PSA_SUCCESS ? str(std::span{buf}.first(n)) : std::string{};
  }
};

TEST_F(StoreTest, SetGetAndPersistAcrossRemount) {
  ASSERT_EQ(store_->set(kA, 1, bytes("hello"), PSA_STORAGE_FLAG_NONE), PSA_SUCCESS);
  ASSERT_EQ(store_->set(kA, 2, bytes(""), PSA_STORAGE_FLAG_NONE), PSA_SUCCESS);
  EXPECT_EQ(get(kA, 1), "hello");
  ASSERT_EQ(store_->set(kA, 1, bytes("world!"), PSA_STORAGE_FLAG_NO_CONFIDENTIALITY), PSA_SUCCESS);
  remount();
  EXPECT_EQ(get(kA, 1), "world!");
  psa_status_t s;
  EXPECT_EQ(get(kA, 2, &s), "");
  EXPECT_EQ(s, PSA_SUCCESS);
  psa_storage_info_t info{};
  ASSERT_EQ(store_->get_info(kA, 1, &info), PSA_SUCCESS);
  EXPECT_EQ(info.size, 6u);
  EXPECT_EQ(info.capacity, 6u);
  EXPECT_EQ(info.flags, PSA_STORAGE_FLAG_NO_CONFIDENTIALITY);
}

TEST_F(StoreTest, DataIsEncryptedOnFlash) {
  ASSERT_EQ(store_->set(kA, 1, bytes("a very recognisable secret"), PSA_STORAGE_FLAG_NONE), PSA_SUCCESS);
  const std::string raw = str(flash_.raw());
  EXPECT_EQ(raw.find("recognisable"), std::string::npos);
}

TEST_F(StoreTest, InvalidArguments) {
  std::array<std::byte, 8> buf;
  std::size_t n = 0;
  psa_storage_info_t info;
  EXPECT_EQ(store_->set(kA, 0, bytes("x"), 0), PSA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(store_->get(kA, 0, 0, buf, &n), PSA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(store_->get_info(kA, 0, &info), PSA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(store_->remove(kA, 0), PSA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(store_->set(kA, 1, bytes("x"), 1u << 7), PSA_ERROR_NOT_SUPPORTED);
  EXPECT_EQ(store_->get(kA, 1, 0, buf, &n), PSA_ERROR_DOES_NOT_EXIST);
  EXPECT_EQ(store_->get_info(kA, 1, &info), PSA_ERROR_DOES_NOT_EXIST);
  EXPECT_EQ(store_->remove(kA, 1), PSA_ERROR_DOES_NOT_EXIST);
  EXPECT_EQ(store_->get_info(kA, 1, nullptr), PSA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(store_->get(kA, 1, 0, buf, nullptr), PSA_ERROR_INVALID_ARGUMENT);
}

TEST_F(StoreTest, GetOffsetsAndShortBuffers) {
  ASSERT_EQ(store_->set(kA, 7, bytes("0123456789"), 0), PSA_SUCCESS);
  std::array<std::byte, 4> small;
  std::size_t n = 0;
  ASSERT_EQ(store_->get(kA, 7, 3, small, &n), PSA_SUCCESS);
  EXPECT_EQ(str(std::span{small}.first(n)), "3456");
  ASSERT_EQ(store_->get(kA, 7, 8, small, &n), PSA_SUCCESS);
  EXPECT_EQ(str(std::span{small}.first(n)), "89");
  ASSERT_EQ(store_->get(kA, 7, 10, small, &n), PSA_SUCCESS);  // offset == size: nothing, no error
  EXPECT_EQ(n, 0u);
  n = 42;
  EXPECT_EQ(store_->get(kA, 7, 11, small, &n), PSA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(store_->get(kA, 7, SIZE_MAX, small, &n), PSA_ERROR_INVALID_ARGUMENT);
}

TEST_F(StoreTest, WriteOnceCannotBeChangedOrRemoved) {
  ASSERT_EQ(store_->set(kA, 3, bytes("fixed"), PSA_STORAGE_FLAG_WRITE_ONCE), PSA_SUCCESS);
  EXPECT_EQ(store_->set(kA, 3, bytes("other"), PSA_STORAGE_FLAG_NONE), PSA_ERROR_NOT_PERMITTED);
  EXPECT_EQ(store_->set(kA, 3, bytes("other"), PSA_STORAGE_FLAG_WRITE_ONCE), PSA_ERROR_NOT_PERMITTED);
  EXPECT_EQ(store_->remove(kA, 3), PSA_ERROR_NOT_PERMITTED);
  remount();
  EXPECT_EQ(store_->remove(kA, 3), PSA_ERROR_NOT_PERMITTED);
  EXPECT_EQ(get(kA, 3), "fixed");
  // Another owner's uid 3 is a different entry.
  EXPECT_EQ(store_->set(kB, 3, bytes("mine"), PSA_STORAGE_FLAG_NONE), PSA_SUCCESS);
  EXPECT_EQ(store_->remove(kB, 3), PSA_SUCCESS);
}

TEST_F(StoreTest, OwnersAreSeparated) {
  ASSERT_EQ(store_->set(kA, 5, bytes("A's"), 0), PSA_SUCCESS);
  psa_status_t s;
  get(kB, 5, &s);
  EXPECT_EQ(s, PSA_ERROR_DOES_NOT_EXIST);
  psa_storage_info_t info;
  EXPECT_EQ(store_->get_info(kB, 5, &info), PSA_ERROR_DOES_NOT_EXIST);
  EXPECT_EQ(store_->remove(kB, 5), PSA_ERROR_DOES_NOT_EXIST);
  ASSERT_EQ(store_->set(kB, 5, bytes("B's"), 0), PSA_SUCCESS);
  remount();
  EXPECT_EQ(get(kA, 5), "A's");
  EXPECT_EQ(get(kB, 5), "B's");
  ASSERT_EQ(store_->remove(kB, 5), PSA_SUCCESS);
  EXPECT_EQ(get(kA, 5), "A's");
}

TEST_F(StoreTest, CreateAndSetExtended) {
  EXPECT_EQ(store_->create(kA, 0, 10, 0), PSA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(store_->create(kA, 9, 10, PSA_STORAGE_FLAG_WRITE_ONCE), PSA_ERROR_NOT_SUPPORTED);
  EXPECT_EQ(store_->create(kA, 9, 100000, 0), PSA_ERROR_INSUFFICIENT_STORAGE);
  ASSERT_EQ(store_->create(kA, 9, 10, 0), PSA_SUCCESS);
  EXPECT_EQ(store_->create(kA, 9, 10, 0), PSA_ERROR_ALREADY_EXISTS);
  psa_storage_info_t info;
  ASSERT_EQ(store_->get_info(kA, 9, &info), PSA_SUCCESS);
  EXPECT_EQ(info.capacity, 10u);
  EXPECT_EQ(info.size, 0u);
  EXPECT_EQ(store_->set_extended(kA, 9, 1, bytes("x")), PSA_ERROR_INVALID_ARGUMENT);  // a gap
  ASSERT_EQ(store_->set_extended(kA, 9, 0, bytes("abcd")), PSA_SUCCESS);
  ASSERT_EQ(store_->set_extended(kA, 9, 4, bytes("efgh")), PSA_SUCCESS);
  ASSERT_EQ(store_->set_extended(kA, 9, 2, bytes("XY")), PSA_SUCCESS);
  EXPECT_EQ(store_->set_extended(kA, 9, 8, bytes("ijk")), PSA_ERROR_INVALID_ARGUMENT);  // past capacity
  EXPECT_EQ(store_->set_extended(kA, 9, 0, bytes("")), PSA_SUCCESS);
  EXPECT_EQ(store_->set_extended(kB, 9, 0, bytes("z")), PSA_ERROR_DOES_NOT_EXIST);
  remount();
  EXPECT_EQ(get(kA, 9), "abXYefgh");
  ASSERT_EQ(store_->get_info(kA, 9, &info), PSA_SUCCESS);
  EXPECT_EQ(info.capacity, 10u);
  EXPECT_EQ(info.size, 8u);
  ASSERT_EQ(store_->set(kA, 10, bytes("once"), PSA_STORAGE_FLAG_WRITE_ONCE), PSA_SUCCESS);
  EXPECT_EQ(store_->set_extended(kA, 10, 0, bytes("x")), PSA_ERROR_NOT_PERMITTED);
}

// PSA Storage API: capacity 0 creates an empty object (psa_ps_create refuses only uid 0). It
// exists, survives a remount, takes no data, and can be removed.
TEST_F(StoreTest, CreateWithCapacityZero) {
  ASSERT_EQ(store_->create(kA, 11, 0, 0), PSA_SUCCESS);
  EXPECT_EQ(store_->create(kA, 11, 0, 0), PSA_ERROR_ALREADY_EXISTS);
  remount();
  psa_storage_info_t info{};
  ASSERT_EQ(store_->get_info(kA, 11, &info), PSA_SUCCESS);
  EXPECT_EQ(info.capacity, 0u);
  EXPECT_EQ(info.size, 0u);
  EXPECT_EQ(get(kA, 11), "");
  EXPECT_EQ(store_->set_extended(kA, 11, 0, bytes("")), PSA_SUCCESS);
  EXPECT_EQ(store_->set_extended(kA, 11, 0, bytes("x")), PSA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(store_->get_info(kB, 11, &info), PSA_ERROR_DOES_NOT_EXIST);
  ASSERT_EQ(store_->remove(kA, 11), PSA_SUCCESS);
  EXPECT_EQ(store_->get_info(kA, 11, &info), PSA_ERROR_DOES_NOT_EXIST);
}

TEST_F(StoreTest, FullStoreRefusesThenRecovers) {
  // The per-entry limit, then fill by count/total/flash until refused; no loop, no damage.
  std::vector<std::byte> big(257, std::byte{1});
  EXPECT_EQ(store_->set(kA, 1, big, 0), PSA_ERROR_INSUFFICIENT_STORAGE);
  std::vector<std::byte> value(200, std::byte{7});
  psa_storage_uid_t uid = 1;
  psa_status_t s = PSA_SUCCESS;
  for (; uid < 100 && s == PSA_SUCCESS; ++uid) {
    value[0] = static_cast<std::byte>(uid);
    s = store_->set(kA, uid, value, 0);
  }
  ASSERT_EQ(s, PSA_ERROR_INSUFFICIENT_STORAGE);
  const psa_storage_uid_t stored = uid - 2;  // 1..stored succeeded
  ASSERT_GE(stored, 3u);
  // Overwrites that would need more room fail too, and leave the value alone.
  EXPECT_EQ(store_->set(kA, stored + 1, value, 0), PSA_ERROR_INSUFFICIENT_STORAGE);
  for (psa_storage_uid_t u = 1; u <= stored; ++u) {
    std::array<std::byte, 256> buf;
    std::size_t n = 0;
    ASSERT_EQ(store_->get(kA, u, 0, buf, &n), PSA_SUCCESS) << u;
    EXPECT_EQ(n, 200u);
    EXPECT_EQ(buf[0], static_cast<std::byte>(u));
  }
  // Removal always works on a full store; then the space is reusable, again and again.
  for (int round = 0; round < 5; ++round) {
    ASSERT_EQ(store_->remove(kA, 1), PSA_SUCCESS);
    ASSERT_EQ(store_->set(kA, 1, value, 0), PSA_SUCCESS);
  }
  remount();
  EXPECT_EQ(store_->stats().entries, stored);
  ASSERT_EQ(store_->remove(kA, 2), PSA_SUCCESS);
  EXPECT_EQ(store_->set(kB, 2, value, 0), PSA_SUCCESS);
}

TEST_F(StoreTest, EntryCountLimit) {
  psa_status_t s = PSA_SUCCESS;
  std::size_t n = 0;
  for (; n < index_.size() + 2 && s == PSA_SUCCESS; ++n) s = store_->set(kA, n + 1, bytes(""), 0);
  EXPECT_EQ(s, PSA_ERROR_INSUFFICIENT_STORAGE);
  EXPECT_EQ(n - 1, index_.size());
  EXPECT_EQ(store_->set(kA, 1, bytes("x"), 0), PSA_SUCCESS);  // updating an existing one still works
}

TEST_F(StoreTest, FlippedPayloadByteIsCorruptOthersFine) {
  ASSERT_EQ(store_->set(kA, 1, bytes("first entry"), 0), PSA_SUCCESS);
  const auto before = flash_.raw();
  ASSERT_EQ(store_->set(kA, 2, bytes("second entry, a bit longer"), 0), PSA_SUCCESS);
  ASSERT_EQ(store_->set(kB, 3, bytes("third"), 0), PSA_SUCCESS);
  const auto [first, last] = test::changed(before, flash_.raw());
  ASSERT_LT(first, last);
  // Entry 2's record: length unit (8), header (88), payload. Flip a payload byte.
  flash_.raw()[first + 8 + 88 + 3] ^= std::byte{0x01};
  psa_status_t s;
  get(kA, 2, &s);
  EXPECT_EQ(s, PSA_ERROR_DATA_CORRUPT);
  psa_storage_info_t info;
  EXPECT_EQ(store_->get_info(kA, 2, &info), PSA_ERROR_DATA_CORRUPT);
  EXPECT_EQ(get(kA, 1), "first entry");
  remount();
  get(kA, 2, &s);
  EXPECT_EQ(s, PSA_ERROR_DATA_CORRUPT);
  EXPECT_EQ(get(kA, 1), "first entry");
  EXPECT_EQ(get(kB, 3), "third");
  // A damaged entry can be overwritten.
  ASSERT_EQ(store_->set(kA, 2, bytes("repaired"), 0), PSA_SUCCESS);
  EXPECT_EQ(get(kA, 2), "repaired");
}

TEST_F(StoreTest, FlippedHeaderByteNeverYieldsWrongData) {
  ASSERT_EQ(store_->set(kA, 1, bytes("keep"), 0), PSA_SUCCESS);
  const auto before = flash_.raw();
  ASSERT_EQ(store_->set(kA, 2, bytes("target"), 0), PSA_SUCCESS);
  const auto [first, last] = test::changed(before, flash_.raw());
  for (std::size_t i = first; i < first + 8 + 84; ++i) {
    const auto saved = flash_.raw();
    flash_.raw()[i] ^= std::byte{0x10};
    remount();
    psa_status_t s;
    const std::string v = get(kA, 2, &s);
    EXPECT_TRUE(s == PSA_ERROR_DOES_NOT_EXIST || s == PSA_ERROR_DATA_CORRUPT) << i << " " << s;
    EXPECT_EQ(get(kA, 1), "keep") << i;
    flash_.raw() = saved;
  }
}

TEST_F(StoreTest, RecordsCannotMoveBetweenOwnersOrUids) {
  ASSERT_EQ(store_->set(kA, 5, bytes("AAAA-secret"), 0), PSA_SUCCESS);
  const auto mid = flash_.raw();
  ASSERT_EQ(store_->set(kB, 5, bytes("BBBB-secret"), 0), PSA_SUCCESS);
  const auto [b_first, b_last] = test::changed(mid, flash_.raw());
  // Put B's payload (ciphertext) under A's header: A's record is at the same offsets minus B's length.
  const std::size_t len = b_last - b_first;
  const std::size_t a_first = b_first - len;
  auto& raw = flash_.raw();
  for (std::size_t i = 8 + 88; i < 8 + 88 + 16; ++i) std::swap(raw[a_first + i], raw[b_first + i]);
  psa_status_t s;
  get(kA, 5, &s);
  EXPECT_EQ(s, PSA_ERROR_DATA_CORRUPT);
  get(kB, 5, &s);
  EXPECT_EQ(s, PSA_ERROR_DATA_CORRUPT);
  // Whole records swapped: each owner still sees only its own record (or nothing).
  raw = mid;
  ASSERT_EQ(store_->set(kB, 5, bytes("BBBB-secret"), 0), PSA_SUCCESS);  // same bytes again (deterministic)
  EXPECT_EQ(raw, flash_.raw());
  for (std::size_t i = 0; i < len; ++i) std::swap(raw[a_first + i], raw[b_first + i]);
  remount();
  EXPECT_NE(get(kA, 5), "BBBB-secret");
  EXPECT_NE(get(kB, 5), "AAAA-secret");
}

TEST_F(StoreTest, OtherKeyReadsNothing) {
  ASSERT_EQ(store_->set(kA, 1, bytes("data"), 0), PSA_SUCCESS);
  store_.emplace(region_, derive_keys("another store"), scratch_, index_, kLimits);
  ASSERT_EQ(store_->mount(), PSA_SUCCESS);
  psa_status_t s;
  get(kA, 1, &s);
  EXPECT_EQ(s, PSA_ERROR_DOES_NOT_EXIST);
}

TEST_F(StoreTest, GarbageFlashMountsWithoutCrashing) {
  std::uint32_t x = 12345;
  for (auto& b : flash_.raw()) {
    x = x * 1103515245 + 12345;
    b = static_cast<std::byte>(x >> 16);
  }
  store_.emplace(region_, keys_, scratch_, index_, kLimits);
  ASSERT_EQ(store_->mount(), PSA_SUCCESS);
  EXPECT_EQ(store_->stats().entries, 0u);
  ASSERT_EQ(store_->set(kA, 1, bytes("fresh"), 0), PSA_SUCCESS);
  EXPECT_EQ(get(kA, 1), "fresh");
}

TEST_F(StoreTest, Figures) {
  flash_.reset_stats();
  std::vector<std::byte> v(32, std::byte{1});
  ASSERT_EQ(store_->set(kA, 1, v, 0), PSA_SUCCESS);
  std::printf("[figures] set of 32 bytes: %llu programs, %llu bytes programmed (record overhead %u bytes)\n",
              static_cast<unsigned long long>(flash_.stats().programs),
              static_cast<unsigned long long>(flash_.stats().bytes_programmed), store_->record_footprint(32) - 32);
  EXPECT_EQ(flash_.stats().bytes_programmed, store_->record_footprint(32));
}

TEST(StorageCrypto, HkdfMatchesRfc5869TestCase3) {
  // RFC 5869 A.3: IKM = 22 x 0x0b, no salt, no info, L = 42.
  std::array<std::byte, 22> ikm;
  ikm.fill(std::byte{0x0b});
  std::array<std::byte, 42> okm;
  hkdf_sha256(ikm, {}, okm);
  const unsigned char want[42] = {0x8d, 0xa4, 0xe7, 0x75, 0xa5, 0x63, 0xc1, 0x8f, 0x71, 0x5f, 0x80, 0x2a, 0x06, 0x3c,
                                  0x5a, 0x31, 0xb8, 0xa1, 0x1f, 0x5c, 0x5e, 0xe1, 0x87, 0x9e, 0xc3, 0x45, 0x4e, 0x5f,
                                  0x3c, 0x73, 0x8d, 0x2d, 0x9d, 0x20, 0x13, 0x95, 0xfa, 0xa4, 0xb6, 0x1a, 0x96, 0xc8};
  EXPECT_EQ(std::memcmp(okm.data(), want, sizeof want), 0);
}

}  // namespace
}  // namespace ward::secure::storage
