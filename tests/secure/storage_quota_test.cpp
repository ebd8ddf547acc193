// The secure storage quotas on QEMU, through the whole path (client library -> psa_call -> veneer ->
// secure storage and crypto on the secure flash), on a fresh device. User threads are the clients
// (each its own identity, derived by the secure side from the kernel's thread number):
//   1. one thread takes all it may, on every path that stores: ITS write-once and ordinary entries,
//      an overwrite that grows an entry, PS objects and a created one; each refusal is
//      PSA_ERROR_INSUFFICIENT_STORAGE at its quota (storage_service.hpp);
//   2. three more take the rest of what the clients share of ITS;
//   3. crypto still starts (its NV seed is created in the crypto partition's reserve);
//   4. the first thread, again: a persistent key counts in its ITS quota;
//   5. a thread that stored nothing yet: no ITS entry nor persistent key (the clients' share is
//      used up), but a replay-protected PS object (its counter is in the storage partition's
//      reserve); the kernel's identity too.
#include <psa/crypto.h>
#include <psa/internal_trusted_storage.h>
#include <psa/protected_storage.h>

#include <cstdint>
#include <cstring>

#include "ward/isolation.hpp"
#include "ward/kernel.hpp"
#include "ward/print.hpp"
#include "ward/stack_bound.hpp"
#include "ward/test.hpp"

namespace {
using namespace ward;

// The configuration under test (secure/storage/include/ward/secure/storage_service.hpp).
constexpr std::uint32_t kItsEntries = 8, kItsWriteOnce = 4, kItsBytes = 2048, kItsMaxEntry = 1024;
constexpr std::uint32_t kItsAllClients = 28;
constexpr std::uint32_t kPsEntries = 8;

struct Greedy {
  volatile std::int32_t phase;
  volatile std::uint32_t its_write_once, its_ordinary;
  volatile std::int32_t its_next, its_write_once_next;
  volatile std::int32_t grow_first, grow_second, grow_second_size;
  volatile std::uint32_t ps_objects;
  volatile std::int32_t ps_next, ps_create;
  volatile std::int32_t key_at_quota, key_after_remove, its_after_key;
  std::uint8_t big[kItsMaxEntry];
};
struct Filler {
  volatile std::uint32_t stored[3];
};
struct Late {
  volatile std::int32_t its_set, ps_set, ps_get, key;
  volatile std::uint32_t done;
};

PartitionMemory<2048> greedy_memory;
PartitionMemory<64> filler_memory;
PartitionMemory<64> late_memory;
Greedy& greedy_state() { return *static_cast<Greedy*>(static_cast<void*>(greedy_memory.bytes)); }
Filler& filler_state() { return *static_cast<Filler*>(static_cast<void*>(filler_memory.bytes)); }
Late& late_state() { return *static_cast<Late*>(static_cast<void*>(late_memory.bytes)); }
constexpr Domain<1> greedy_domain{Partition::of(greedy_memory, Access::read_write)};
constexpr Domain<1> filler_domain{Partition::of(filler_memory, Access::read_write)};
constexpr Domain<1> late_domain{Partition::of(late_memory, Access::read_write)};
UserThreadStack<2048> greedy_stack, late_stack;
UserThreadStack<1536> filler_stacks[3];
Thread greedy, late;
Thread fillers[3];

psa_status_t import_persistent(psa_key_id_t id) {
  psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
  psa_set_key_id(&a, id);
  psa_set_key_lifetime(&a, PSA_KEY_LIFETIME_PERSISTENT);
  psa_set_key_type(&a, PSA_KEY_TYPE_AES);
  psa_set_key_bits(&a, 128);
  psa_set_key_usage_flags(&a, PSA_KEY_USAGE_ENCRYPT);
  psa_set_key_algorithm(&a, PSA_ALG_GCM);
  const std::uint8_t key[16] = {7, 7, 7};
  psa_key_id_t out = 0;
  return psa_import_key(&a, key, sizeof key, &out);
}

// psa_its_set of one-byte entries from `from` on until refused: how many, and the refusal.
std::uint32_t its_hoard(psa_storage_uid_t from, psa_storage_create_flags_t flags, volatile std::int32_t* refusal) {
  const std::uint8_t byte = 0x42;
  std::uint32_t n = 0;
  psa_status_t s = PSA_SUCCESS;
  while (n < 64 && (s = psa_its_set(from + n, 1, &byte, flags)) == PSA_SUCCESS) ++n;
  if (refusal != nullptr) *refusal = s;
  return n;
}

void greedy_main(void*) {
  auto& g = greedy_state();
  if (g.phase == 1) {
    g.its_write_once = its_hoard(1, PSA_STORAGE_FLAG_WRITE_ONCE, &g.its_write_once_next);
    g.its_ordinary = its_hoard(100, PSA_STORAGE_FLAG_NONE, &g.its_next);
    // Growing entries by overwriting them: the first to the largest size fits, the second not.
    std::memset(g.big, 0x5a, sizeof g.big);
    g.grow_first = psa_its_set(100, sizeof g.big, g.big, PSA_STORAGE_FLAG_NONE);
    g.grow_second = psa_its_set(101, sizeof g.big, g.big, PSA_STORAGE_FLAG_NONE);
    psa_storage_info_t info{};
    g.grow_second_size = psa_its_get_info(101, &info) == PSA_SUCCESS ? static_cast<std::int32_t>(info.size) : -1;
    // PS: objects until refused, then a created one.
    const std::uint8_t byte = 1;
    std::uint32_t n = 0;
    psa_status_t s = PSA_SUCCESS;
    while (n < 64 && (s = psa_ps_set(1 + n, 1, &byte, PSA_STORAGE_FLAG_NONE)) == PSA_SUCCESS) ++n;
    g.ps_objects = n;
    g.ps_next = s;
    g.ps_create = psa_ps_create(200, 16, PSA_STORAGE_FLAG_NONE);
  } else {
    // Phase 2, crypto started: at its ITS quota, no persistent key; one entry removed, one key.
    g.key_at_quota = import_persistent(0x51);
    (void)psa_its_remove(102);
    g.key_after_remove = import_persistent(0x51);
    const std::uint8_t byte = 2;
    g.its_after_key = psa_its_set(102, 1, &byte, PSA_STORAGE_FLAG_NONE);
  }
}

void filler_main(void* arg) {
  const auto i = reinterpret_cast<std::uintptr_t>(arg);
  filler_state().stored[i] = its_hoard(1, PSA_STORAGE_FLAG_NONE, nullptr);
}

void late_main(void*) {
  auto& l = late_state();
  const std::uint32_t value = 0x1a7e;
  l.its_set = psa_its_set(0x10, sizeof value, &value, PSA_STORAGE_FLAG_NONE);
  l.ps_set = psa_ps_set(0x11, sizeof value, &value, PSA_STORAGE_FLAG_NONE);
  std::uint32_t back = 0;
  std::size_t n = 0;
  l.ps_get = psa_ps_get(0x11, 0, sizeof back, &back, &n) == PSA_SUCCESS && back == value ? PSA_SUCCESS : -1;
  l.key = import_persistent(0x52);
  l.done = 1;
}

bool run(Thread& t, std::span<std::byte> stack, void (*entry)(void*), void* arg, const char* name,
         const DomainView& domain) {
  return t.create_user(stack, entry, arg, Priority{20}, name, domain) && t.start() &&
         t.join(Timeout::after(Duration::s(30)));
}

WARD_TEST(StorageQuota, EveryPathStopsAtTheQuotaAndTheReservesHold) {
  std::memset(greedy_memory.bytes, 0, sizeof greedy_memory.bytes);
  std::memset(filler_memory.bytes, 0, sizeof filler_memory.bytes);
  std::memset(late_memory.bytes, 0, sizeof late_memory.bytes);
  static_assert(sizeof(Greedy) <= sizeof greedy_memory.bytes);

  // 1. One client takes all it may.
  auto& g = greedy_state();
  g.phase = 1;
  WARD_STACK_BOUND_USER_THREAD(greedy_stack, &greedy_main);
  WARD_ASSERT_TRUE(run(greedy, greedy_stack.span(), &greedy_main, nullptr, "greedy", greedy_domain));
  print("greedy: ITS ", static_cast<unsigned>(g.its_write_once), " write-once + ",
        static_cast<unsigned>(g.its_ordinary), " ordinary entries, PS ", static_cast<unsigned>(g.ps_objects),
        " objects\n");
  WARD_EXPECT_EQ(g.its_write_once, kItsWriteOnce);
  WARD_EXPECT_EQ(g.its_write_once_next, PSA_ERROR_INSUFFICIENT_STORAGE);
  WARD_EXPECT_EQ(g.its_ordinary, kItsEntries - kItsWriteOnce);
  WARD_EXPECT_EQ(g.its_next, PSA_ERROR_INSUFFICIENT_STORAGE);
  WARD_EXPECT_EQ(g.grow_first, PSA_SUCCESS);
  static_assert((kItsEntries - 2) + 2 * kItsMaxEntry > kItsBytes);  // six one-byte entries, two of the largest
  WARD_EXPECT_EQ(g.grow_second, PSA_ERROR_INSUFFICIENT_STORAGE);
  WARD_EXPECT_EQ(g.grow_second_size, 1);  // the refused overwrite left the entry alone
  WARD_EXPECT_EQ(g.ps_objects, kPsEntries);
  WARD_EXPECT_EQ(g.ps_next, PSA_ERROR_INSUFFICIENT_STORAGE);
  WARD_EXPECT_EQ(g.ps_create, PSA_ERROR_INSUFFICIENT_STORAGE);

  // 2. Three more clients take the rest of the clients' share of ITS.
  std::uint32_t its_total = kItsEntries;
  for (std::uintptr_t i = 0; i < 3; ++i) {
    WARD_STACK_BOUND_USER_THREAD(filler_stacks, &filler_main);
    WARD_ASSERT_TRUE(run(fillers[i], filler_stacks[i].span(), &filler_main, reinterpret_cast<void*>(i), "filler",
                         filler_domain));
    its_total += filler_state().stored[i];
  }
  print("the clients hold ", static_cast<unsigned>(its_total), " ITS entries\n");
  WARD_EXPECT_EQ(its_total, kItsAllClients);

  // 3. On this fresh device crypto starts now: the NV seed goes into the crypto partition's reserve.
  WARD_ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);

  // 4. Persistent keys count in their client's ITS quota.
  g.phase = 2;
  WARD_ASSERT_TRUE(run(greedy, greedy_stack.span(), &greedy_main, nullptr, "greedy", greedy_domain));
  WARD_EXPECT_EQ(g.key_at_quota, PSA_ERROR_INSUFFICIENT_STORAGE);
  WARD_EXPECT_EQ(g.key_after_remove, PSA_SUCCESS);
  WARD_EXPECT_EQ(g.its_after_key, PSA_ERROR_INSUFFICIENT_STORAGE);

  // 5. A client that stored nothing yet: the clients' share of ITS is used up, PS's replay counters
  // are not in it.
  auto& l = late_state();
  WARD_STACK_BOUND_USER_THREAD(late_stack, &late_main);
  WARD_ASSERT_TRUE(run(late, late_stack.span(), &late_main, nullptr, "late", late_domain));
  print("late client: psa_its_set ", static_cast<int>(l.its_set), ", psa_ps_set ", static_cast<int>(l.ps_set),
        ", persistent psa_import_key ", static_cast<int>(l.key), "\n");
  WARD_EXPECT_EQ(l.done, 1u);
  WARD_EXPECT_EQ(l.its_set, PSA_ERROR_INSUFFICIENT_STORAGE);
  WARD_EXPECT_EQ(l.ps_set, PSA_SUCCESS);
  WARD_EXPECT_EQ(l.ps_get, PSA_SUCCESS);
  WARD_EXPECT_EQ(l.key, PSA_ERROR_INSUFFICIENT_STORAGE);
  const std::uint32_t value = 0xc0de;
  WARD_EXPECT_EQ(psa_ps_set(0x12, sizeof value, &value, PSA_STORAGE_FLAG_NONE), PSA_SUCCESS);
}

}  // namespace
