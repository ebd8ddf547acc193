// Red team: the secure side's Mbed TLS heap (32 KiB, was 16 KiB, kSpeHeapSize: key material of loaded keys,
// ECP temporaries, the DRBG) is shared by every client with no per-client limit. Key material is
// as large as the caller likes up to what one call carries (4 KiB): HMAC keys may be any size. One
// unprivileged thread that imports a few volatile HMAC keys (three of 3.5 KiB, then smaller ones
// into what is left; 8 keys in all, half the key slots) fills the heap: every
// other client then gets PSA_ERROR_INSUFFICIENT_MEMORY for anything that allocates -- generating
// an ECC key, signing, key agreement -- for as long as that thread lives. A per-client COUNT of
// keys (the fix key_slots_test.cpp asks for) would not stop this: four keys are enough.
// The test expects another client to still generate a P-256 key and sign with it.
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

constexpr std::size_t kKeyBytes = 3584;
struct Greed {
  volatile std::uint32_t imported;
  volatile std::int32_t last;
  volatile std::uint32_t held;
  std::uint8_t pad[20];
  std::uint8_t key[kKeyBytes];
};
PartitionMemory<((sizeof(Greed) + 31) / 32) * 32> greedy_memory;
Greed& greed() { return *static_cast<Greed*>(static_cast<void*>(greedy_memory.bytes)); }
constexpr Domain<1> greedy_domain{Partition::of(greedy_memory, Access::read_write)};
UserThreadStack<1024> greedy_stack;
Thread greedy;
Semaphore holding{0, 1};
Semaphore release{0, 1};

// Large keys first, then smaller ones into what is left -- at most 8 keys, so that half of the 16
// key slots stay free (running out of slots is key_slots_test.cpp's finding, not this one).
void greedy_main(void*) {
  auto& g = greed();
  for (std::size_t bytes = kKeyBytes; bytes >= 32 && g.imported < 8; bytes /= 2) {
    while (g.imported < 8) {
      psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
      psa_set_key_type(&a, PSA_KEY_TYPE_HMAC);
      psa_set_key_bits(&a, bytes * 8);
      psa_set_key_usage_flags(&a, PSA_KEY_USAGE_SIGN_MESSAGE);
      psa_set_key_algorithm(&a, PSA_ALG_HMAC(PSA_ALG_SHA_256));
      psa_key_id_t id = 0;
      g.last = psa_import_key(&a, g.key, bytes, &id);
      if (g.last != PSA_SUCCESS) {
        break;
      }
      g.imported = g.imported + 1;
      g.held = g.held + bytes;
    }
  }
  (void)sys::sem_give(holding);
  (void)sys::sem_take(release, UserTimeout::forever());
}

psa_status_t generate_and_sign() {
  psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
  psa_set_key_type(&a, PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1));
  psa_set_key_bits(&a, 256);
  psa_set_key_usage_flags(&a, PSA_KEY_USAGE_SIGN_MESSAGE);
  psa_set_key_algorithm(&a, PSA_ALG_ECDSA(PSA_ALG_SHA_256));
  psa_key_id_t id = 0;
  psa_status_t s = psa_generate_key(&a, &id);
  if (s != PSA_SUCCESS) {
    return s;
  }
  std::uint8_t signature[64];
  std::size_t n = 0;
  s = psa_sign_message(id, PSA_ALG_ECDSA(PSA_ALG_SHA_256), reinterpret_cast<const std::uint8_t*>("abc"), 3, signature,
                       sizeof signature, &n);
  (void)psa_destroy_key(id);
  return s;
}

WARD_TEST(SecureHeap, OneClientCannotTakeTheWholeHeap) {
  WARD_ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);
  WARD_ASSERT_EQ(generate_and_sign(), PSA_SUCCESS);  // works before
  std::memset(greedy_memory.bytes, 0, sizeof greedy_memory.bytes);
  for (std::size_t i = 0; i < kKeyBytes; ++i) {
    greed().key[i] = static_cast<std::uint8_t>(i);
  }
  WARD_STACK_BOUND_USER_THREAD(greedy_stack, &greedy_main);
  WARD_ASSERT_TRUE(greedy.create_user(greedy_stack.span(), &greedy_main, nullptr, Priority{20}, "greedy",
                                      greedy_domain));
  WARD_ASSERT_TRUE(grant(holding, greedy));
  WARD_ASSERT_TRUE(grant(release, greedy));
  WARD_ASSERT_TRUE(greedy.start());
  WARD_ASSERT_TRUE(holding.take(Timeout::after(Duration::s(10))));
  print("greedy thread holds ", static_cast<unsigned>(greed().imported), " HMAC keys, ",
        static_cast<unsigned>(greed().held), " bytes of key material\n");
  const psa_status_t mine = generate_and_sign();
  print("another client's P-256 generate + sign: ", static_cast<int>(mine), "\n");
  WARD_EXPECT_EQ(mine, PSA_SUCCESS);
  WARD_ASSERT_TRUE(release.give());
  WARD_ASSERT_TRUE(greedy.join(Timeout::after(Duration::s(5))));
  WARD_EXPECT_EQ(generate_and_sign(), PSA_SUCCESS);  // its keys are released once it has ended
}

}  // namespace
