// The ITS/PS services end to end: the client functions (psa_its_* / psa_ps_*) through a test
// transport into the handlers; malformed requests straight at the handlers; Protected Storage's
// replay protection against a restored flash image.
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <vector>

#include <psa/internal_trusted_storage.h>
#include <psa/protected_storage.h>
#include <ward/secure/call.h>
#include <ward/secure/storage_protocol.h>

#include "storage_test_util.hpp"
#include "ward/flash/sim_flash.hpp"
#include "ward/secure/boundary/call.hpp"
#include "ward/secure/boundary/trusted_memory.hpp"
#include "ward/secure/crypto/its_key_store.hpp"
#include "ward/secure/storage_service.hpp"

namespace ward::secure::storage {
namespace {
ClientId g_client = nonsecure_client(1);
}  // namespace
}  // namespace ward::secure::storage

// The test transport: the host transport's code (the secure-call boundary with the TrustedMemory
// policy: the same checks, limits and copies as the NSC veneer), in front of the storage handlers
// only (these tests link no crypto service).
extern "C" psa_status_t ward_psa_call(uint32_t service, int32_t type, const psa_invec* in_vec, size_t in_len,
                                      psa_outvec* out_vec, size_t out_len) {
  using namespace ward::secure;
  static boundary::Buffers buffers;
  const auto status = boundary::serve(
      {in_vec, in_len, out_vec, out_len}, boundary::TrustedMemory{}, buffers,
      [service, type](std::span<const std::span<const std::byte>> in, std::span<const std::span<std::byte>> out,
                      std::span<std::size_t> written) {
        if (service == WARD_SERVICE_ITS) return storage::handle_its(storage::g_client, type, in, out, written);
        if (service == WARD_SERVICE_PS) return storage::handle_ps(storage::g_client, type, in, out, written);
        return PSA_ERROR_NOT_SUPPORTED;
      });
  return status ? *status : boundary::client_status(status.error());
}

namespace ward::secure::storage {
namespace {

using test::bytes;

class ServiceTest : public ::testing::Test {
 protected:
  // One device, two Regions: ITS in the first half, PS in the second.
  flash::SimFlash flash_{{64 * 1024, 4096, 8}};
  flash::Region its_{flash_, 0, 32 * 1024};
  flash::Region ps_{flash_, 32 * 1024, 32 * 1024};

  void SetUp() override {
    g_client = nonsecure_client(1);
    ASSERT_EQ(init(its_, ps_), PSA_SUCCESS);
  }
  void reboot() { ASSERT_EQ(init(its_, ps_), PSA_SUCCESS); }
  std::vector<std::byte> ps_image() const {
    return {flash_.raw().begin() + 32 * 1024, flash_.raw().end()};
  }
  void restore_ps(const std::vector<std::byte>& image) {
    std::copy(image.begin(), image.end(), flash_.raw().begin() + 32 * 1024);
  }
};

std::string its_get(psa_storage_uid_t uid, psa_status_t* s) {
  char buf[256];
  size_t n = 77;
  *s = psa_its_get(uid, 0, sizeof buf, buf, &n);
  return *s == PSA_SUCCESS ? std::string(buf, n) : std::string{};
}
std::string ps_get(psa_storage_uid_t uid, psa_status_t* s) {
  char buf[256];
  size_t n = 77;
  *s = psa_ps_get(uid, 0, sizeof buf, buf, &n);
  return *s == PSA_SUCCESS ? std::string(buf, n) : std::string{};
}

TEST_F(ServiceTest, ItsThroughTheClient) {
  psa_status_t s;
  ASSERT_EQ(psa_its_set(1, 5, "hello", PSA_STORAGE_FLAG_NONE), PSA_SUCCESS);
  EXPECT_EQ(its_get(1, &s), "hello");
  char part[3];
  size_t n = 0;
  ASSERT_EQ(psa_its_get(1, 1, sizeof part, part, &n), PSA_SUCCESS);
  EXPECT_EQ(std::string(part, n), "ell");
  EXPECT_EQ(psa_its_get(1, 6, sizeof part, part, &n), PSA_ERROR_INVALID_ARGUMENT);
  psa_storage_info_t info{};
  ASSERT_EQ(psa_its_get_info(1, &info), PSA_SUCCESS);
  EXPECT_EQ(info.size, 5u);
  EXPECT_EQ(info.capacity, 5u);
  EXPECT_EQ(psa_its_set(0, 1, "x", 0), PSA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(psa_its_set(2, 1, nullptr, 0), PSA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(psa_its_get(1, 0, 1, part, nullptr), PSA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(psa_its_get_info(1, nullptr), PSA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(psa_its_set(3, 1, "x", 0x80), PSA_ERROR_NOT_SUPPORTED);
  ASSERT_EQ(psa_its_set(4, 1, "w", PSA_STORAGE_FLAG_WRITE_ONCE), PSA_SUCCESS);
  EXPECT_EQ(psa_its_set(4, 1, "v", 0), PSA_ERROR_NOT_PERMITTED);
  EXPECT_EQ(psa_its_remove(4), PSA_ERROR_NOT_PERMITTED);
  // Another client sees none of it and can remove none of it.
  g_client = nonsecure_client(2);
  its_get(1, &s);
  EXPECT_EQ(s, PSA_ERROR_DOES_NOT_EXIST);
  EXPECT_EQ(psa_its_remove(1), PSA_ERROR_DOES_NOT_EXIST);
  EXPECT_EQ(psa_its_get_info(1, &info), PSA_ERROR_DOES_NOT_EXIST);
  g_client = nonsecure_client(1);
  reboot();
  EXPECT_EQ(its_get(1, &s), "hello");
  ASSERT_EQ(psa_its_remove(1), PSA_SUCCESS);
  its_get(1, &s);
  EXPECT_EQ(s, PSA_ERROR_DOES_NOT_EXIST);
  // The secure partitions' namespaces are out of reach of every non-secure client.
  ASSERT_NE(its(), nullptr);
  EXPECT_EQ(its()->set(kCryptoPartition, 1, bytes("key"), 0), PSA_SUCCESS);
  its_get(1, &s);
  EXPECT_EQ(s, PSA_ERROR_DOES_NOT_EXIST);
}

// A re-mount that fails takes both services down: no engine is handed out, and the crypto
// partition's key store answers with a storage failure instead of reaching an unmounted store.
TEST_F(ServiceTest, FailedMountLeavesNoEngine) {
  ASSERT_NE(its(), nullptr);
  ASSERT_NE(ps(), nullptr);
  const flash::Region one_sector{flash_, 0, 4096};  // no room for two banks
  EXPECT_NE(init(one_sector, ps_), PSA_SUCCESS);
  EXPECT_EQ(its(), nullptr);
  EXPECT_EQ(ps(), nullptr);
  crypto::ItsKeyStore keys;
  std::array<std::byte, 4> out{};
  std::size_t length = 0;
  std::uint32_t flags = 0;
  EXPECT_EQ(keys.set(1, bytes("key"), 0), PSA_ERROR_STORAGE_FAILURE);
  EXPECT_EQ(keys.get(1, 0, out, &length), PSA_ERROR_STORAGE_FAILURE);
  EXPECT_EQ(keys.get_info(1, &length, &flags), PSA_ERROR_STORAGE_FAILURE);
  EXPECT_EQ(keys.remove(1), PSA_ERROR_STORAGE_FAILURE);
}

TEST_F(ServiceTest, PsThroughTheClient) {
  psa_status_t s;
  EXPECT_EQ(psa_ps_get_support(), PSA_STORAGE_SUPPORT_SET_EXTENDED);
  ASSERT_EQ(psa_ps_set(1, 3, "abc", 0), PSA_SUCCESS);
  EXPECT_EQ(ps_get(1, &s), "abc");
  ASSERT_EQ(psa_ps_create(2, 16, 0), PSA_SUCCESS);
  EXPECT_EQ(psa_ps_create(2, 16, 0), PSA_ERROR_ALREADY_EXISTS);
  EXPECT_EQ(psa_ps_create(3, 16, PSA_STORAGE_FLAG_WRITE_ONCE), PSA_ERROR_NOT_SUPPORTED);
  EXPECT_EQ(psa_ps_create(0, 0, 0), PSA_ERROR_INVALID_ARGUMENT);
  ASSERT_EQ(psa_ps_create(4, 0, 0), PSA_SUCCESS);  // an empty object (PSA Storage API)
  EXPECT_EQ(psa_ps_set_extended(4, 0, 1, "x"), PSA_ERROR_INVALID_ARGUMENT);
  ASSERT_EQ(psa_ps_set_extended(2, 0, 4, "0123"), PSA_SUCCESS);
  ASSERT_EQ(psa_ps_set_extended(2, 4, 4, "4567"), PSA_SUCCESS);
  EXPECT_EQ(psa_ps_set_extended(2, 9, 1, "x"), PSA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(psa_ps_set_extended(2, 8, 9, "123456789"), PSA_ERROR_INVALID_ARGUMENT);
  reboot();
  EXPECT_EQ(ps_get(2, &s), "01234567");
  psa_storage_info_t info{};
  ASSERT_EQ(psa_ps_get_info(2, &info), PSA_SUCCESS);
  EXPECT_EQ(info.capacity, 16u);
  EXPECT_EQ(info.size, 8u);
  ASSERT_EQ(psa_ps_get_info(4, &info), PSA_SUCCESS);
  EXPECT_EQ(info.capacity, 0u);
  EXPECT_EQ(info.size, 0u);
  ASSERT_EQ(psa_ps_set(5, 1, "o", PSA_STORAGE_FLAG_WRITE_ONCE), PSA_SUCCESS);
  EXPECT_EQ(psa_ps_set(5, 1, "p", 0), PSA_ERROR_NOT_PERMITTED);
  EXPECT_EQ(psa_ps_remove(5), PSA_ERROR_NOT_PERMITTED);
  EXPECT_EQ(psa_ps_set_extended(5, 0, 1, "p"), PSA_ERROR_NOT_PERMITTED);
  g_client = nonsecure_client(2);
  ps_get(1, &s);
  EXPECT_EQ(s, PSA_ERROR_DOES_NOT_EXIST);
  EXPECT_EQ(psa_ps_remove(1), PSA_ERROR_DOES_NOT_EXIST);
  EXPECT_EQ(psa_ps_set_extended(2, 0, 1, "z"), PSA_ERROR_DOES_NOT_EXIST);
  g_client = nonsecure_client(1);
  ASSERT_EQ(psa_ps_remove(1), PSA_SUCCESS);
  ps_get(1, &s);
  EXPECT_EQ(s, PSA_ERROR_DOES_NOT_EXIST);
  EXPECT_EQ(psa_ps_remove(1), PSA_ERROR_DOES_NOT_EXIST);
  EXPECT_EQ(psa_ps_set(0, 1, "x", 0), PSA_ERROR_INVALID_ARGUMENT);
}

TEST_F(ServiceTest, PsDetectsARestoredOlderFlash) {
  psa_status_t s;
  ASSERT_EQ(psa_ps_set(1, 2, "v1", 0), PSA_SUCCESS);
  ASSERT_EQ(psa_ps_set(2, 2, "x1", 0), PSA_SUCCESS);
  const auto snapshot = ps_image();
  ASSERT_EQ(psa_ps_set(1, 2, "v2", 0), PSA_SUCCESS);
  restore_ps(snapshot);
  reboot();
  ps_get(1, &s);
  EXPECT_EQ(s, PSA_ERROR_DATA_CORRUPT);
  psa_storage_info_t info;
  EXPECT_EQ(psa_ps_get_info(1, &info), PSA_ERROR_DATA_CORRUPT);
  EXPECT_EQ(psa_ps_set_extended(1, 0, 1, "z"), PSA_ERROR_DATA_CORRUPT);
  EXPECT_EQ(ps_get(2, &s), "x1");  // untouched objects are fine
  // The owner can overwrite the damaged object.
  ASSERT_EQ(psa_ps_set(1, 2, "v3", 0), PSA_SUCCESS);
  EXPECT_EQ(ps_get(1, &s), "v3");
}

TEST_F(ServiceTest, PsDetectsAResurrectedObject) {
  psa_status_t s;
  ASSERT_EQ(psa_ps_set(1, 2, "v1", 0), PSA_SUCCESS);
  const auto snapshot = ps_image();
  ASSERT_EQ(psa_ps_remove(1), PSA_SUCCESS);
  restore_ps(snapshot);
  reboot();
  ps_get(1, &s);
  EXPECT_EQ(s, PSA_ERROR_DATA_CORRUPT);
}

TEST_F(ServiceTest, PsDetectsADeletedObject) {
  psa_status_t s;
  const auto empty = ps_image();
  ASSERT_EQ(psa_ps_set(1, 2, "v1", 0), PSA_SUCCESS);
  restore_ps(empty);
  reboot();
  ps_get(1, &s);
  EXPECT_EQ(s, PSA_ERROR_DATA_CORRUPT);
}

TEST_F(ServiceTest, PsWithoutReplayProtectionAcceptsAnOlderCopy) {
  psa_status_t s;
  ASSERT_EQ(psa_ps_set(1, 2, "v1", PSA_STORAGE_FLAG_NO_REPLAY_PROTECTION), PSA_SUCCESS);
  const auto snapshot = ps_image();
  ASSERT_EQ(psa_ps_set(1, 2, "v2", PSA_STORAGE_FLAG_NO_REPLAY_PROTECTION), PSA_SUCCESS);
  restore_ps(snapshot);
  reboot();
  EXPECT_EQ(ps_get(1, &s), "v1");  // as the flag allows; integrity still holds:
  auto image = ps_image();
  for (std::size_t i = 0; i < image.size(); ++i) {
    if (image[i] != std::byte{0xFF}) image[i] ^= std::byte{0x04};  // flip every written byte
  }
  restore_ps(image);
  reboot();
  const std::string v = ps_get(1, &s);
  EXPECT_NE(v, "v1");
  // But a protected object turned unprotected cannot be rolled back to its protected past.
  ASSERT_EQ(psa_ps_set(3, 2, "p1", 0), PSA_SUCCESS);
  const auto protected_snapshot = ps_image();
  ASSERT_EQ(psa_ps_set(3, 2, "u2", PSA_STORAGE_FLAG_NO_REPLAY_PROTECTION), PSA_SUCCESS);
  restore_ps(protected_snapshot);
  reboot();
  ps_get(3, &s);
  EXPECT_EQ(s, PSA_ERROR_DATA_CORRUPT);
}

// --- Quotas through the services (storage_service.hpp's configuration) ------------------------------

TEST_F(ServiceTest, ItsClientQuotaThroughTheClient) {
  const std::uint8_t byte = 1;
  std::uint32_t n = 0;
  while (n < 64 && psa_its_set(100 + n, 1, &byte, PSA_STORAGE_FLAG_WRITE_ONCE) == PSA_SUCCESS) ++n;
  EXPECT_EQ(n, kItsPerClient.write_once_entries);
  EXPECT_EQ(psa_its_set(99, 1, &byte, PSA_STORAGE_FLAG_WRITE_ONCE), PSA_ERROR_INSUFFICIENT_STORAGE);
  // Bytes: one entry of the largest size, then growing another past the quota.
  std::vector<std::uint8_t> big(WARD_ITS_MAX_ENTRY_SIZE, 3);
  ASSERT_EQ(psa_its_set(1, big.size(), big.data(), 0), PSA_SUCCESS);
  ASSERT_EQ(psa_its_set(2, 8, big.data(), 0), PSA_SUCCESS);
  const std::size_t room = kItsPerClient.bytes - WARD_ITS_MAX_ENTRY_SIZE - n;  // entry 2 may grow to this
  EXPECT_EQ(psa_its_set(2, room + 1, big.data(), 0), PSA_ERROR_INSUFFICIENT_STORAGE);
  psa_storage_info_t info{};
  ASSERT_EQ(psa_its_get_info(2, &info), PSA_SUCCESS);
  EXPECT_EQ(info.size, 8u);  // untouched
  ASSERT_EQ(psa_its_set(2, room, big.data(), 0), PSA_SUCCESS);
  EXPECT_EQ(psa_its_set(3, 1, &byte, 0), PSA_ERROR_INSUFFICIENT_STORAGE);  // not one byte more
  ASSERT_EQ(psa_its_set(3, 0, nullptr, 0), PSA_SUCCESS);                     // an empty entry: no bytes
  // Entries: n write-once + 3 so far.
  for (psa_storage_uid_t uid = 4; n + uid - 1 < kItsPerClient.entries; ++uid) {
    ASSERT_EQ(psa_its_set(uid, 0, nullptr, 0), PSA_SUCCESS);
  }
  EXPECT_EQ(psa_its_set(50, 0, nullptr, 0), PSA_ERROR_INSUFFICIENT_STORAGE);
  // Another client has all of its own.
  g_client = nonsecure_client(2);
  ASSERT_EQ(psa_its_set(1, big.size(), big.data(), 0), PSA_SUCCESS);
  ASSERT_EQ(psa_its_set(100, 1, &byte, PSA_STORAGE_FLAG_WRITE_ONCE), PSA_SUCCESS);
}

TEST_F(ServiceTest, PsQuotaOnEveryPathLeavesNoCounterBehind) {
  const std::uint8_t byte = 1;
  // Entries, through psa_ps_set.
  std::uint32_t n = 0;
  while (n < 64 && psa_ps_set(1 + n, 1, &byte, 0) == PSA_SUCCESS) ++n;
  EXPECT_EQ(n, kPsPerClient.entries);
  ASSERT_NE(its(), nullptr);
  const Quota counters = its()->usage(kStoragePartition);
  EXPECT_EQ(counters.entries, n);
  // Every refused attempt, on every path, writes nothing: above all no replay counter in ITS (each
  // would take room in the storage partition's reserve that no PS object pays for).
  for (psa_storage_uid_t uid = 100; uid < 140; ++uid) {
    EXPECT_EQ(psa_ps_set(uid, 1, &byte, 0), PSA_ERROR_INSUFFICIENT_STORAGE);
    EXPECT_EQ(psa_ps_create(uid, 16, 0), PSA_ERROR_INSUFFICIENT_STORAGE);
    EXPECT_EQ(psa_ps_set(uid, 1, &byte, PSA_STORAGE_FLAG_NO_REPLAY_PROTECTION), PSA_ERROR_INSUFFICIENT_STORAGE);
  }
  EXPECT_EQ(its()->usage(kStoragePartition).entries, counters.entries);
  EXPECT_EQ(its()->usage(kStoragePartition).bytes, counters.bytes);
  // Bytes: created capacity counts; set_extended fills it but cannot grow it; an overwrite that
  // would grow past the quota is refused and the object keeps its value.
  g_client = nonsecure_client(2);
  ASSERT_EQ(psa_ps_create(1, WARD_PS_MAX_ENTRY_SIZE, 0), PSA_SUCCESS);
  ASSERT_EQ(psa_ps_create(2, WARD_PS_MAX_ENTRY_SIZE - 8, 0), PSA_SUCCESS);
  EXPECT_EQ(psa_ps_create(3, 9, 0), PSA_ERROR_INSUFFICIENT_STORAGE);
  EXPECT_EQ(psa_ps_set(3, 9, "123456789", 0), PSA_ERROR_INSUFFICIENT_STORAGE);
  ASSERT_EQ(psa_ps_set(3, 8, "12345678", 0), PSA_SUCCESS);
  std::vector<std::uint8_t> data(WARD_PS_MAX_ENTRY_SIZE, 5);
  EXPECT_EQ(psa_ps_set_extended(1, 0, data.size(), data.data()), PSA_SUCCESS);
  EXPECT_EQ(psa_ps_set(3, 9, "123456789", 0), PSA_ERROR_INSUFFICIENT_STORAGE);
  psa_status_t s;
  EXPECT_EQ(ps_get(3, &s), "12345678");
  EXPECT_EQ(its()->usage(kStoragePartition).entries, counters.entries + 3);
  // Write-once objects have their own cap.
  g_client = nonsecure_client(3);
  n = 0;
  while (n < 64 && psa_ps_set(1 + n, 1, &byte, PSA_STORAGE_FLAG_WRITE_ONCE) == PSA_SUCCESS) ++n;
  EXPECT_EQ(n, kPsPerClient.write_once_entries);
  EXPECT_EQ(psa_ps_set(1, 1, &byte, 0), PSA_ERROR_NOT_PERMITTED);  // write-once stays write-once
  EXPECT_EQ(psa_ps_set(50, 1, &byte, 0), PSA_SUCCESS);              // ordinary objects still fit
}

TEST_F(ServiceTest, PsCountersAreInTheReserveWhateverTheClientsHoldInIts) {
  // The clients fill what they share of ITS.
  const std::uint8_t byte = 1;
  std::uint32_t its_entries = 0;
  for (std::uint32_t thread = 1; thread <= 8; ++thread) {
    g_client = nonsecure_client(thread);
    for (psa_storage_uid_t uid = 1; uid <= 10 && psa_its_set(uid, 1, &byte, 0) == PSA_SUCCESS; ++uid) ++its_entries;
  }
  EXPECT_EQ(its_entries, kItsAllClients.entries);
  // PS still protects every object the PS store can hold: each counter finds its room.
  std::uint32_t ps_objects = 0;
  for (std::uint32_t thread = 1; thread <= 8; ++thread) {
    g_client = nonsecure_client(thread);
    for (psa_storage_uid_t uid = 1; uid <= 10 && psa_ps_set(uid, 1, &byte, 0) == PSA_SUCCESS; ++uid) ++ps_objects;
  }
  EXPECT_EQ(ps_objects, kPsEntries);
  ASSERT_NE(its(), nullptr);
  EXPECT_EQ(its()->usage(kStoragePartition).entries, kPsEntries);
  // The crypto partition's reserve is whole: the NV seed and one more record.
  EXPECT_EQ(its()->set(kCryptoPartition, 0xFFFFFF52u, std::vector<std::byte>(64), 0), PSA_SUCCESS);
  EXPECT_EQ(its()->set(kCryptoPartition, 0xFFFFFF53u, std::vector<std::byte>(192), 0), PSA_SUCCESS);
  // And all of it survives a reboot, still protected.
  reboot();
  psa_status_t s;
  g_client = nonsecure_client(1);
  EXPECT_EQ(ps_get(1, &s), std::string(1, '\x01'));
  EXPECT_EQ(psa_ps_set(1, 2, "ok", 0), PSA_SUCCESS);  // an update of a protected object
}

// --- Malformed requests, straight at the handlers -------------------------------------------------

class HandlerTest : public ServiceTest {
 protected:
  using In = std::vector<std::span<const std::byte>>;
  using Out = std::vector<std::span<std::byte>>;
  psa_status_t its(std::int32_t type, In in, Out out) {
    std::vector<std::size_t> w(out.size(), 99);
    const psa_status_t s = handle_its(g_client, type, in, out, w);
    for (auto x : w) EXPECT_TRUE(s == PSA_SUCCESS || x == 0);
    return s;
  }
  psa_status_t ps(std::int32_t type, In in, Out out) {
    std::vector<std::size_t> w(out.size(), 99);
    return handle_ps(g_client, type, in, out, w);
  }
  static std::span<const std::byte> as_in(const ward_storage_args& a) { return std::as_bytes(std::span{&a, 1}); }
};

TEST_F(HandlerTest, RefusesMalformedRequests) {
  ward_storage_args a{1, 0, 0, 0, 0};
  const auto args = as_in(a);
  const auto data = bytes("data");
  std::array<std::byte, 64> buf;
  ASSERT_EQ(its(WARD_STORAGE_SET, {args, data}, {}), PSA_SUCCESS);
  // Truncated and oversized argument blocks.
  EXPECT_EQ(its(WARD_STORAGE_SET, {args.first(args.size() - 1), data}, {}), PSA_ERROR_INVALID_ARGUMENT);
  std::array<std::byte, sizeof(ward_storage_args) + 1> longer{};
  std::memcpy(longer.data(), &a, sizeof a);
  EXPECT_EQ(its(WARD_STORAGE_SET, {longer, data}, {}), PSA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(its(WARD_STORAGE_GET, {}, {buf}), PSA_ERROR_INVALID_ARGUMENT);
  // Wrong vector counts.
  EXPECT_EQ(its(WARD_STORAGE_SET, {args}, {}), PSA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(its(WARD_STORAGE_SET, {args, data, data}, {}), PSA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(its(WARD_STORAGE_GET, {args}, {}), PSA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(its(WARD_STORAGE_GET, {args, data}, {buf}), PSA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(its(WARD_STORAGE_REMOVE, {args}, {buf}), PSA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(its(WARD_STORAGE_SET, {args, data, data, data, data}, {}), PSA_ERROR_INVALID_ARGUMENT);
  // Fields a request does not use must be zero; reserved must be zero.
  ward_storage_args bad = a;
  bad.reserved = 1;
  EXPECT_EQ(its(WARD_STORAGE_GET, {as_in(bad)}, {buf}), PSA_ERROR_INVALID_ARGUMENT);
  bad = a;
  bad.offset = 4;
  EXPECT_EQ(its(WARD_STORAGE_SET, {as_in(bad), data}, {}), PSA_ERROR_INVALID_ARGUMENT);
  bad = a;
  bad.length = 4;
  EXPECT_EQ(its(WARD_STORAGE_REMOVE, {as_in(bad)}, {}), PSA_ERROR_INVALID_ARGUMENT);
  // Offsets that do not fit, or exceed the entry.
  bad = a;
  bad.offset = 1ull << 40;
  EXPECT_EQ(its(WARD_STORAGE_GET, {as_in(bad)}, {buf}), PSA_ERROR_INVALID_ARGUMENT);
  bad.offset = 5;
  EXPECT_EQ(its(WARD_STORAGE_GET, {as_in(bad)}, {buf}), PSA_ERROR_INVALID_ARGUMENT);
  // GET_INFO needs exactly its output structure.
  EXPECT_EQ(its(WARD_STORAGE_GET_INFO, {args}, {std::span{buf}.first(sizeof(ward_storage_info_wire) - 1)}),
            PSA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(its(WARD_STORAGE_GET_INFO, {args}, {std::span{buf}.first(sizeof(ward_storage_info_wire))}), PSA_SUCCESS);
  // A short output buffer gets a prefix; an empty one gets nothing.
  bad = a;
  std::vector<std::size_t> w(1, 0);
  std::vector<std::span<std::byte>> out{std::span{buf}.first(2)};
  std::vector<std::span<const std::byte>> in{args};
  ASSERT_EQ(handle_its(g_client, WARD_STORAGE_GET, in, out, w), PSA_SUCCESS);
  EXPECT_EQ(w[0], 2u);
  out[0] = {};
  ASSERT_EQ(handle_its(g_client, WARD_STORAGE_GET, in, out, w), PSA_SUCCESS);
  EXPECT_EQ(w[0], 0u);
  // out_written must match the outputs.
  std::vector<std::size_t> none;
  EXPECT_EQ(handle_its(g_client, WARD_STORAGE_GET, in, out, none), PSA_ERROR_INVALID_ARGUMENT);
  // Unknown types; PS-only types on ITS.
  EXPECT_EQ(its(99, {args}, {}), PSA_ERROR_NOT_SUPPORTED);
  EXPECT_EQ(its(WARD_STORAGE_CREATE, {args}, {}), PSA_ERROR_NOT_SUPPORTED);
  EXPECT_EQ(its(-1, {args}, {}), PSA_ERROR_NOT_SUPPORTED);
  // PS specifics.
  EXPECT_EQ(ps(WARD_STORAGE_GET_SUPPORT, {}, {std::span{buf}.first(3)}), PSA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(ps(WARD_STORAGE_GET_SUPPORT, {args}, {std::span{buf}.first(4)}), PSA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(ps(WARD_STORAGE_GET_SUPPORT, {}, {std::span{buf}.first(4)}), PSA_SUCCESS);
  ward_storage_args create{7, 0, 1ull << 33, 0, 0};
  EXPECT_EQ(ps(WARD_STORAGE_CREATE, {as_in(create)}, {}), PSA_ERROR_INVALID_ARGUMENT);
  create.length = 1u << 30;
  EXPECT_EQ(ps(WARD_STORAGE_CREATE, {as_in(create)}, {}), PSA_ERROR_INSUFFICIENT_STORAGE);
  create.length = 8;
  ASSERT_EQ(ps(WARD_STORAGE_CREATE, {as_in(create)}, {}), PSA_SUCCESS);
  ward_storage_args ext{7, 0, 0, 1, 0};
  EXPECT_EQ(ps(WARD_STORAGE_SET_EXTENDED, {as_in(ext), data}, {}), PSA_ERROR_INVALID_ARGUMENT);  // flags set
  ext.flags = 0;
  ext.offset = 1ull << 35;
  EXPECT_EQ(ps(WARD_STORAGE_SET_EXTENDED, {as_in(ext), data}, {}), PSA_ERROR_INVALID_ARGUMENT);
  ext.offset = 0;
  EXPECT_EQ(ps(WARD_STORAGE_SET_EXTENDED, {as_in(ext)}, {}), PSA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(ps(WARD_STORAGE_SET_EXTENDED, {as_in(ext), data}, {}), PSA_SUCCESS);
  // A value bigger than an entry may be.
  std::vector<std::byte> huge(WARD_ITS_MAX_ENTRY_SIZE + 1);
  EXPECT_EQ(its(WARD_STORAGE_SET, {args, huge}, {}), PSA_ERROR_INSUFFICIENT_STORAGE);
}

}  // namespace
}  // namespace ward::secure::storage
