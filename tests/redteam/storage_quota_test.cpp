// Red team: the secure side's Internal Trusted Storage is one store shared by every client, with
// only global limits (secure/storage: 32 entries, 8 KiB of capacity in all) and no per-client
// quota. Everyone's persistent state lives in it: each thread's ITS entries, the replay counters of
// every Protected Storage object (under the storage partition's identity), every persistent key
// and the DRBG's NV seed (under the crypto partition's).
// One unprivileged thread, on a fresh device, stores 32 one-byte entries -- WRITE_ONCE, so that
// nobody can ever remove them, not even a kernel that speaks for that thread -- and then:
//   - no other client can store anything in ITS, nor anything replay-protected in PS;
//   - no client can create a persistent key;
//   - psa_crypto_init fails for everybody: the crypto service's first use of entropy must create
//     the NV seed in ITS, and there is no room (PSA_ERROR_INSUFFICIENT_ENTROPY). No crypto at all.
// The entries are on the secure flash: it stays so across reboots, for the life of the device.
// The test expects every other client to keep its service while one thread holds all it can.
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

struct Hoard {
  volatile std::uint32_t stored;
  volatile std::int32_t last;
};
struct Victim {
  volatile std::int32_t its_set, ps_set, persistent_key;
  volatile std::uint32_t done;
};
PartitionMemory<64> hoarder_memory;
PartitionMemory<64> victim_memory;
Hoard& hoard() { return *static_cast<Hoard*>(static_cast<void*>(hoarder_memory.bytes)); }
Victim& victim_state() { return *static_cast<Victim*>(static_cast<void*>(victim_memory.bytes)); }
constexpr Domain<1> hoarder_domain{Partition::of(hoarder_memory, Access::read_write)};
constexpr Domain<1> victim_domain{Partition::of(victim_memory, Access::read_write)};
UserThreadStack<1024> hoarder_stack, victim_stack;
Thread hoarder, victim;

void hoarder_main(void*) {
  auto& h = hoard();
  const std::uint8_t byte = 0x42;
  for (psa_storage_uid_t uid = 1; uid <= 64; ++uid) {
    h.last = psa_its_set(uid, 1, &byte, PSA_STORAGE_FLAG_WRITE_ONCE);
    if (h.last != PSA_SUCCESS) {
      break;
    }
    h.stored = h.stored + 1;
  }
}

void victim_main(void*) {
  auto& v = victim_state();
  const std::uint32_t value = 0x5eed;
  v.its_set = psa_its_set(0x10, sizeof value, &value, PSA_STORAGE_FLAG_NONE);
  v.ps_set = psa_ps_set(0x11, sizeof value, &value, PSA_STORAGE_FLAG_NONE);
  psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
  psa_set_key_id(&a, 0x1234);
  psa_set_key_lifetime(&a, PSA_KEY_LIFETIME_PERSISTENT);
  psa_set_key_type(&a, PSA_KEY_TYPE_AES);
  psa_set_key_bits(&a, 128);
  psa_set_key_usage_flags(&a, PSA_KEY_USAGE_ENCRYPT);
  psa_set_key_algorithm(&a, PSA_ALG_GCM);
  const std::uint8_t key[16] = {1, 2, 3};
  psa_key_id_t id = 0;
  v.persistent_key = psa_import_key(&a, key, sizeof key, &id);
  v.done = 1;
}

WARD_TEST(StorageQuota, OneThreadCannotTakeTheSecureStorageOfEveryone) {
  std::memset(hoarder_memory.bytes, 0, sizeof hoarder_memory.bytes);
  std::memset(victim_memory.bytes, 0, sizeof victim_memory.bytes);
  // A fresh device (--fresh-workdir); nobody has used crypto yet.
  WARD_STACK_BOUND_USER_THREAD(hoarder_stack, &hoarder_main);
  WARD_ASSERT_TRUE(hoarder.create_user(hoarder_stack.span(), &hoarder_main, nullptr, Priority{20}, "hoarder",
                                       hoarder_domain));
  WARD_ASSERT_TRUE(hoarder.start());
  WARD_ASSERT_TRUE(hoarder.join(Timeout::after(Duration::s(20))));
  print("hoarder stored ", static_cast<unsigned>(hoard().stored), " write-once ITS entries, then got ",
        static_cast<int>(hoard().last), "\n");

  // The kernel's own threads start the crypto service.
  const psa_status_t init = psa_crypto_init();
  print("psa_crypto_init after the hoard: ", static_cast<int>(init), "\n");
  WARD_EXPECT_EQ(init, PSA_SUCCESS);

  // Another user thread wants one ITS entry, one PS object and one persistent key.
  WARD_STACK_BOUND_USER_THREAD(victim_stack, &victim_main);
  WARD_ASSERT_TRUE(victim.create_user(victim_stack.span(), &victim_main, nullptr, Priority{20}, "victim",
                                      victim_domain));
  WARD_ASSERT_TRUE(victim.start());
  WARD_ASSERT_TRUE(victim.join(Timeout::after(Duration::s(20))));
  const Victim& v = victim_state();
  print("victim: psa_its_set ", static_cast<int>(v.its_set), ", psa_ps_set ", static_cast<int>(v.ps_set),
        ", persistent psa_import_key ", static_cast<int>(v.persistent_key), "\n");
  WARD_EXPECT_EQ(v.done, 1u);
  WARD_EXPECT_EQ(v.its_set, PSA_SUCCESS);
  WARD_EXPECT_EQ(v.ps_set, PSA_SUCCESS);
  WARD_EXPECT_EQ(v.persistent_key, PSA_SUCCESS);
}

}  // namespace
