// Red team: the secure side's key store is shared by every client without a per-client quota
// (MBEDTLS_PSA_KEY_SLOT_COUNT, 16 slots; secure/crypto/config/ward_spe_mbedtls_config.h). Multi-part
// operations have one (kOperationsPerClient: at most 4 of the 8 slots), so that one client cannot
// starve the others; volatile keys do not. One unprivileged thread that imports volatile keys until
// the store is full leaves every other client -- other user threads, the kernel's own threads --
// unable to create a key or even to use a persistent one (it needs a slot to be loaded into), for
// as long as that thread lives (ward_spe_client_ended releases its keys only when it ends).
// The test expects another client to still get a key while a greedy thread holds as many as it can.
#include <psa/crypto.h>

#include <cstdint>
#include <cstring>

#include "ward/isolation.hpp"
#include "ward/kernel.hpp"
#include "ward/print.hpp"
#include "ward/stack_bound.hpp"
#include "ward/test.hpp"

namespace {
using namespace ward;

struct Greed {
  volatile std::uint32_t imported;
  volatile std::int32_t last;
  std::uint8_t key[16];
};
PartitionMemory<64> greedy_memory;
Greed& greed() { return *static_cast<Greed*>(static_cast<void*>(greedy_memory.bytes)); }
constexpr Domain<1> greedy_domain{Partition::of(greedy_memory, Access::read_write)};
UserThreadStack<1024> greedy_stack;
Thread greedy;
Semaphore holding{0, 1};
Semaphore release{0, 1};

void greedy_main(void*) {
  auto& g = greed();
  for (int i = 0; i < 64; ++i) {
    psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
    psa_set_key_type(&a, PSA_KEY_TYPE_AES);
    psa_set_key_bits(&a, 128);
    psa_set_key_usage_flags(&a, PSA_KEY_USAGE_ENCRYPT);
    psa_set_key_algorithm(&a, PSA_ALG_GCM);
    psa_key_id_t id = 0;
    g.last = psa_import_key(&a, g.key, sizeof g.key, &id);
    if (g.last != PSA_SUCCESS) {
      break;
    }
    g.imported = g.imported + 1;
  }
  (void)sys::sem_give(holding);
  (void)sys::sem_take(release, UserTimeout::forever());
}

WARD_TEST(KeySlots, OneClientCannotTakeEveryKeySlot) {
  WARD_ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);
  std::memset(greedy_memory.bytes, 0, sizeof greedy_memory.bytes);
  WARD_STACK_BOUND_USER_THREAD(greedy_stack, &greedy_main);
  WARD_ASSERT_TRUE(greedy.create_user(greedy_stack.span(), &greedy_main, nullptr, Priority{20}, "greedy",
                                      greedy_domain));
  WARD_ASSERT_TRUE(grant(holding, greedy));
  WARD_ASSERT_TRUE(grant(release, greedy));
  WARD_ASSERT_TRUE(greedy.start());
  WARD_ASSERT_TRUE(holding.take(Timeout::after(Duration::s(10))));
  print("greedy thread imported ", static_cast<unsigned>(greed().imported), " keys, then got ",
        static_cast<int>(greed().last), "\n");

  // Another client (here the kernel's own threads) wants one key.
  psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
  psa_set_key_type(&a, PSA_KEY_TYPE_HMAC);
  psa_set_key_bits(&a, 256);
  psa_set_key_usage_flags(&a, PSA_KEY_USAGE_SIGN_MESSAGE);
  psa_set_key_algorithm(&a, PSA_ALG_HMAC(PSA_ALG_SHA_256));
  psa_key_id_t id = 0;
  const psa_status_t mine = psa_generate_key(&a, &id);
  print("another client's psa_generate_key: ", static_cast<int>(mine), "\n");
  WARD_EXPECT_EQ(mine, PSA_SUCCESS);
  if (mine == PSA_SUCCESS) {
    (void)psa_destroy_key(id);
  }
  WARD_ASSERT_TRUE(release.give());
  WARD_ASSERT_TRUE(greedy.join(Timeout::after(Duration::s(5))));
  // Its keys are released once it has ended (at the next call the secure side serves).
  id = 0;
  WARD_EXPECT_EQ(psa_generate_key(&a, &id), PSA_SUCCESS);
  (void)psa_destroy_key(id);
}

}  // namespace
