// The secure side's key quotas on QEMU, through the whole path (client library, psa_call system
// call, the kernel's transport, the veneer, the crypto service), from the attacker's side:
//   - user threads take every key they can, by import, generate and key derivation, and try keys
//     larger than allowed: each gets its quota (4 volatile keys), no more;
//   - a user thread calls the veneer itself with another thread's number, to use another quota;
//     the kernel's own threads name a thread's number (the kernel is trusted with that: it gets
//     that thread's quota, not a fresh one) or numbers no thread has (refused);
//   - with every volatile slot taken (3 user threads at their quotas, the kernel with the rest), another
//     thread gets no volatile key but still creates and uses a persistent key, and the kernel still
//     signs with its persistent key;
//   - a thread's end gives its quota back: the same thread, created again, gets 4 keys again;
//   - the kernel's keys made for a user thread (kernel::SecureCallsFor, as a TLS socket's worker
//     makes them) count against that thread's quota, not the kernel's; they stay the kernel's, and
//     the thread's end does not free them.
// The numbers are those of ward/secure/crypto/service.hpp ("Keys"); the host tests
// (tests/secure_crypto/key_quota_test.cpp) cover each request type and lifetime.
#include <psa/crypto.h>

#include <array>
#include <cstdint>
#include <cstring>

#include "secure_stacks.hpp"
#include "ward/isolation.hpp"
#include "ward/kernel.hpp"
#include "ward/kernel/secure_call.hpp"
#include "ward/print.hpp"
#include "ward/secure/call.h"
#include "ward/secure/crypto_wire.h"
#include "ward/secure/gateway.h"
#include "ward/stack_bound.hpp"
#include "ward/test.hpp"

namespace {
using namespace ward;

constexpr std::uint32_t kPerClient = 6;     // kVolatileKeysPerClient (full profile)
constexpr std::uint32_t kVolatileSlots = 20;  // kVolatileKeySlots
constexpr std::uint32_t kGreedyUsers = kVolatileSlots / kPerClient;  // 3; the kernel takes the rest
constexpr std::uint32_t kKernelShare = kVolatileSlots - kGreedyUsers * kPerClient;  // 2: all slots then
static_assert(kKernelShare > 0 && kKernelShare < kPerClient);
constexpr std::size_t kKeyMaterialMax = 528;  // ward/secure/crypto/service.hpp

psa_key_attributes_t hmac_attributes(psa_key_id_t persistent_id = 0) {
  psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
  psa_set_key_type(&a, PSA_KEY_TYPE_HMAC);
  psa_set_key_usage_flags(&a, PSA_KEY_USAGE_SIGN_MESSAGE);
  psa_set_key_algorithm(&a, PSA_ALG_HMAC(PSA_ALG_SHA_256));
  if (persistent_id != 0) {
    psa_set_key_id(&a, persistent_id);
  }
  return a;
}

psa_key_attributes_t p256_attributes(psa_key_id_t persistent_id) {
  psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
  psa_set_key_type(&a, PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1));
  psa_set_key_bits(&a, 256);
  psa_set_key_usage_flags(&a, PSA_KEY_USAGE_SIGN_HASH);
  psa_set_key_algorithm(&a, PSA_ALG_ECDSA(PSA_ALG_SHA_256));
  psa_set_key_id(&a, persistent_id);
  return a;
}

// ---- The greedy user threads -----------------------------------------------------------------------

// What a greedy thread did; in its own memory (its domain), read by the test afterwards.
struct Greed {
  volatile std::uint32_t imported;     // volatile keys it got by import
  volatile std::int32_t refused;       // the import that was refused
  volatile std::int32_t generate;      // then: psa_generate_key
  volatile std::int32_t derive;        // psa_key_derivation_output_key
  volatile std::int32_t oversized;     // a persistent key one byte over the limit
  volatile std::int32_t forged;        // ward_spe_call itself, as another thread
  volatile std::uint32_t forged_as;    // that thread's number
  volatile std::uint32_t second_life;  // keys it got when created again after its end
  std::uint8_t material[kKeyMaterialMax + 1];
  ward_crypto_args args;
  ward_crypto_key_attributes wire;
  std::uint32_t id;
  psa_invec in[3];
  psa_outvec out[1];
  ward_spe_request request;
};

PartitionMemory<1024> greedy_memory_0, greedy_memory_1, greedy_memory_2;
constexpr Domain<1> greedy_domain_0{Partition::of(greedy_memory_0, Access::read_write)};
constexpr Domain<1> greedy_domain_1{Partition::of(greedy_memory_1, Access::read_write)};
constexpr Domain<1> greedy_domain_2{Partition::of(greedy_memory_2, Access::read_write)};
static_assert(sizeof(Greed) <= sizeof greedy_memory_0.bytes);

struct Greedy {
  PartitionMemory<1024>& memory;
  const Domain<1>& domain;
  UserThreadStack<2048> stack;
  Thread thread;
  Greed& greed() { return *static_cast<Greed*>(static_cast<void*>(memory.bytes)); }
};
Greedy greedy[kGreedyUsers] = {{greedy_memory_0, greedy_domain_0, {}, {}},
                               {greedy_memory_1, greedy_domain_1, {}, {}},
                               {greedy_memory_2, greedy_domain_2, {}, {}}};
Semaphore holding{0, kGreedyUsers};
Semaphore release{0, kGreedyUsers};

std::uint32_t take_every_key(Greed& g) {
  std::uint32_t n = 0;
  for (int i = 0; i < 32; ++i) {
    const psa_key_attributes_t a = hmac_attributes();
    psa_key_id_t id = 0;
    const psa_status_t s = psa_import_key(&a, g.material, 32, &id);
    if (s != PSA_SUCCESS) {
      g.refused = s;
      break;
    }
    ++n;
  }
  return n;
}

void greedy_main(void* arg) {
  auto& g = *static_cast<Greed*>(arg);
  g.imported = take_every_key(g);
  // Over its quota by the other paths that create keys.
  psa_key_attributes_t a = hmac_attributes();
  psa_set_key_bits(&a, 256);
  psa_key_id_t id = 0;
  g.generate = psa_generate_key(&a, &id);
  psa_key_derivation_operation_t op = PSA_KEY_DERIVATION_OPERATION_INIT;
  if (psa_key_derivation_setup(&op, PSA_ALG_HKDF(PSA_ALG_SHA_256)) == PSA_SUCCESS &&
      psa_key_derivation_input_bytes(&op, PSA_KEY_DERIVATION_INPUT_SECRET, g.material, 32) == PSA_SUCCESS &&
      psa_key_derivation_input_bytes(&op, PSA_KEY_DERIVATION_INPUT_INFO, g.material, 4) == PSA_SUCCESS) {
    g.derive = psa_key_derivation_output_key(&a, &op, &id);
  }
  (void)psa_key_derivation_abort(&op);
  // A key larger than any key may be (persistent: no quota but the size applies).
  const psa_key_attributes_t big = hmac_attributes(0x5157);
  g.oversized = psa_import_key(&big, g.material, kKeyMaterialMax + 1, &id);
  // Pretending to be another thread: the veneer itself, with that thread's number.
  g.wire = ward_crypto_key_attributes{PSA_KEY_TYPE_HMAC, 0, PSA_KEY_LIFETIME_VOLATILE, 0, PSA_KEY_USAGE_SIGN_MESSAGE,
                                      PSA_ALG_HMAC(PSA_ALG_SHA_256), 0, 0};
  g.args = ward_crypto_args{};
  g.in[0] = {&g.args, sizeof g.args};
  g.in[1] = {&g.wire, sizeof g.wire};
  g.in[2] = {g.material, 32};
  g.out[0] = {&g.id, sizeof g.id};
  g.request = ward_spe_request{WARD_SERVICE_CRYPTO, WARD_CRYPTO_IMPORT_KEY, g.forged_as, 0, g.in, 3, g.out, 1};
  g.forged = ward_spe_call(&g.request);
  (void)sys::sem_give(holding);
  (void)sys::sem_take(release, UserTimeout::forever());
}

// Created again after its end: as many keys as it can get.
void second_life_main(void* arg) {
  auto& g = *static_cast<Greed*>(arg);
  g.second_life = take_every_key(g);
  (void)sys::sem_give(holding);
  (void)sys::sem_take(release, UserTimeout::forever());
}

bool create_greedy(std::size_t i, Thread::Entry entry) {
  return greedy[i].thread.create_user(greedy[i].stack.span(), entry, &greedy[i].greed(), Priority{20}, "greedy",
                                      greedy[i].domain) &&
         grant(holding, greedy[i].thread) && grant(release, greedy[i].thread);
}
// Each greedy user's stack, with either entry it is created with (docs/stack-bounds.md).
static_assert(kGreedyUsers == 3, "one stack-bound declaration per greedy user's stack");
WARD_STACK_BOUND_USER_THREAD(greedy[0].stack, greedy_main);
WARD_STACK_BOUND_USER_THREAD(greedy[1].stack, greedy_main);
WARD_STACK_BOUND_USER_THREAD(greedy[2].stack, greedy_main);
WARD_STACK_BOUND_USER_THREAD(greedy[0].stack, second_life_main);

// ---- A thread that comes when every volatile slot is taken -----------------------------------------

struct Late {
  volatile std::int32_t volatile_key;
  volatile std::int32_t persistent_key;
  volatile std::int32_t sign;
  volatile std::int32_t destroy;
  std::uint8_t material[32];
  std::uint8_t hash[32];
  std::uint8_t signature[64];
};
PartitionMemory<256> late_memory;
Late& late() { return *static_cast<Late*>(static_cast<void*>(late_memory.bytes)); }
constexpr Domain<1> late_domain{Partition::of(late_memory, Access::read_write)};
UserThreadStack<2048> late_stack;
Thread late_thread;
constexpr psa_key_id_t kLatePersistent = 0x1a7e;

void late_main(void*) {
  auto& l = late();
  const psa_key_attributes_t a = hmac_attributes();
  psa_key_id_t id = 0;
  l.volatile_key = psa_import_key(&a, l.material, sizeof l.material, &id);
  (void)psa_destroy_key(kLatePersistent);  // from an earlier run on the same flash
  const psa_key_attributes_t p = p256_attributes(kLatePersistent);
  l.persistent_key = psa_generate_key(&p, &id);
  std::size_t n = 0;
  l.sign = psa_sign_hash(kLatePersistent, PSA_ALG_ECDSA(PSA_ALG_SHA_256), l.hash, sizeof l.hash, l.signature,
                         sizeof l.signature, &n);
  l.destroy = psa_destroy_key(kLatePersistent);
}

// ---- The kernel's side ------------------------------------------------------------------------------

// The veneer as the kernel calls it, for thread `ns_thread`: a volatile HMAC key.
psa_status_t import_as(std::uint32_t ns_thread) {
  static ward_crypto_args args{};
  static ward_crypto_key_attributes wire{PSA_KEY_TYPE_HMAC, 0, PSA_KEY_LIFETIME_VOLATILE, 0,
                                         PSA_KEY_USAGE_SIGN_MESSAGE, PSA_ALG_HMAC(PSA_ALG_SHA_256), 0, 0};
  static std::uint8_t material[32];
  static std::uint32_t id;
  psa_invec in[3] = {{&args, sizeof args}, {&wire, sizeof wire}, {material, sizeof material}};
  psa_outvec out[1] = {{&id, sizeof id}};
  ward_spe_request r{WARD_SERVICE_CRYPTO, WARD_CRYPTO_IMPORT_KEY, ns_thread, 0, in, 3, out, 1};
  return ward_spe_call(&r);
}

std::uint32_t ns_thread_of(const Thread& t) { return t.user_id() + 1; }  // as the kernel numbers it

WARD_TEST(KeyQuota, EveryClientGetsItsQuotaAndNoMore) {
  WARD_ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);
  // The kernel's persistent key, from before the greedy threads came.
  constexpr psa_key_id_t kKernelPersistent = 0x4b52;
  (void)psa_destroy_key(kKernelPersistent);
  const psa_key_attributes_t p = p256_attributes(kKernelPersistent);
  psa_key_id_t kernel_persistent = 0;
  WARD_ASSERT_EQ(psa_generate_key(&p, &kernel_persistent), PSA_SUCCESS);

  // The greedy threads, each trying to pass as the next one (a thread's number is known once it
  // is created).
  for (std::size_t i = 0; i < kGreedyUsers; ++i) {
    std::memset(greedy[i].memory.bytes, 0, sizeof greedy[i].memory.bytes);
    WARD_ASSERT_TRUE(create_greedy(i, &greedy_main));
  }
  for (std::size_t i = 0; i < kGreedyUsers; ++i) {
    greedy[i].greed().forged_as = ns_thread_of(greedy[(i + 1) % kGreedyUsers].thread);
    WARD_ASSERT_TRUE(greedy[i].thread.start());
    WARD_ASSERT_TRUE(holding.take(Timeout::after(Duration::s(10))));
  }
  for (std::size_t i = 0; i < kGreedyUsers; ++i) {
    const Greed& g = greedy[i].greed();
    print("greedy thread ", static_cast<unsigned>(i), ": ", static_cast<unsigned>(g.imported), " keys, then ",
          static_cast<int>(g.refused), "; generate ", static_cast<int>(g.generate), ", derive ",
          static_cast<int>(g.derive), ", 257 bytes ", static_cast<int>(g.oversized), ", as thread ",
          static_cast<unsigned>(g.forged_as), " ", static_cast<int>(g.forged), "\n");
    WARD_EXPECT_EQ(g.imported, kPerClient);
    WARD_EXPECT_EQ(g.refused, PSA_ERROR_INSUFFICIENT_MEMORY);
    WARD_EXPECT_EQ(g.generate, PSA_ERROR_INSUFFICIENT_MEMORY);
    WARD_EXPECT_EQ(g.derive, PSA_ERROR_INSUFFICIENT_MEMORY);
    WARD_EXPECT_EQ(g.oversized, PSA_ERROR_NOT_SUPPORTED);
    WARD_EXPECT_EQ(g.forged, PSA_ERROR_NOT_PERMITTED);
  }
  WARD_EXPECT_FALSE(faults::wait(Timeout::none()).has_value());

  // The kernel's threads are one client with a quota of their own; below it, the kernel gets what
  // is left of the volatile slots (kKernelShare), and with that every volatile slot
  // is taken.
  psa_key_id_t kernel_keys[kPerClient + 1] = {};
  std::uint32_t kernel_got = 0;
  psa_status_t kernel_refused = PSA_SUCCESS;
  const std::uint8_t material[32] = {};
  for (auto& key : kernel_keys) {
    const psa_key_attributes_t a = hmac_attributes();
    kernel_refused = psa_import_key(&a, material, sizeof material, &key);
    if (kernel_refused != PSA_SUCCESS) {
      break;
    }
    ++kernel_got;
  }
  WARD_EXPECT_EQ(kernel_got, kKernelShare);
  WARD_EXPECT_EQ(kernel_refused, PSA_ERROR_INSUFFICIENT_MEMORY);

  // A privileged thread may name a thread's number at the veneer (the kernel says who calls): it
  // gets that thread's quota, used up, not a fresh one. Numbers no thread has are refused.
  WARD_EXPECT_EQ(import_as(ns_thread_of(greedy[0].thread)), PSA_ERROR_INSUFFICIENT_MEMORY);
  WARD_EXPECT_EQ(import_as(WARD_SPE_KERNEL_THREAD), PSA_ERROR_INSUFFICIENT_MEMORY);
  const std::uint32_t nobodies[] = {WARD_SPE_USER_THREADS + 1, WARD_SPE_KERNEL_THREAD - 1, WARD_SPE_KERNEL_THREAD + 1,
                                    0x80000000u | ns_thread_of(greedy[0].thread), 0xffffffffu};
  for (const std::uint32_t nobody : nobodies) {
    WARD_EXPECT_EQ(import_as(nobody), PSA_ERROR_INVALID_ARGUMENT);
  }

  // A thread below its quota now gets no volatile key, but creates and uses a persistent one; the
  // kernel still signs with its own.
  std::memset(late_memory.bytes, 0, sizeof late_memory.bytes);
  WARD_STACK_BOUND_USER_THREAD(late_stack, &late_main);
  WARD_ASSERT_TRUE(late_thread.create_user(late_stack.span(), &late_main, nullptr, Priority{20}, "late", late_domain));
  WARD_ASSERT_TRUE(late_thread.start());
  WARD_ASSERT_TRUE(late_thread.join(Timeout::after(Duration::s(10))));
  print("late thread: volatile key ", static_cast<int>(late().volatile_key), ", persistent key ",
        static_cast<int>(late().persistent_key), ", sign ", static_cast<int>(late().sign), "\n");
  WARD_EXPECT_EQ(late().volatile_key, PSA_ERROR_INSUFFICIENT_MEMORY);
  WARD_EXPECT_EQ(late().persistent_key, PSA_SUCCESS);
  WARD_EXPECT_EQ(late().sign, PSA_SUCCESS);
  WARD_EXPECT_EQ(late().destroy, PSA_SUCCESS);
  std::array<std::uint8_t, 32> hash{};
  std::array<std::uint8_t, 64> signature{};
  std::size_t n = 0;
  WARD_EXPECT_EQ(psa_sign_hash(kernel_persistent, PSA_ALG_ECDSA(PSA_ALG_SHA_256), hash.data(), hash.size(),
                               signature.data(), signature.size(), &n),
                 PSA_SUCCESS);

  // A thread's end gives its keys, and so its quota, back: the first greedy thread ends and is
  // created again (the same thread, so the same number, the same client).
  WARD_ASSERT_TRUE(release.give());
  WARD_ASSERT_TRUE(greedy[0].thread.join(Timeout::after(Duration::s(5))));
  const std::uint32_t number = ns_thread_of(greedy[0].thread);
  WARD_ASSERT_TRUE(create_greedy(0, &second_life_main));
  WARD_EXPECT_EQ(ns_thread_of(greedy[0].thread), number);
  WARD_ASSERT_TRUE(greedy[0].thread.start());
  WARD_ASSERT_TRUE(holding.take(Timeout::after(Duration::s(10))));
  print("greedy thread 0, created again: ", static_cast<unsigned>(greedy[0].greed().second_life), " keys\n");
  WARD_EXPECT_EQ(greedy[0].greed().second_life, kPerClient);

  // Everyone's end: every key is back.
  for (std::size_t i = 0; i < kGreedyUsers; ++i) {
    WARD_ASSERT_TRUE(release.give());
  }
  for (std::size_t i = 0; i < kGreedyUsers; ++i) {
    WARD_ASSERT_TRUE(greedy[i].thread.join(Timeout::after(Duration::s(5))));
  }
  for (std::uint32_t i = 0; i < kernel_got; ++i) {
    WARD_EXPECT_EQ(psa_destroy_key(kernel_keys[i]), PSA_SUCCESS);
  }
  WARD_EXPECT_EQ(psa_destroy_key(kernel_persistent), PSA_SUCCESS);
  std::memset(late_memory.bytes, 0, sizeof late_memory.bytes);
  WARD_ASSERT_TRUE(late_thread.create_user(late_stack.span(), &late_main, nullptr, Priority{20}, "late", late_domain));
  WARD_ASSERT_TRUE(late_thread.start());
  WARD_ASSERT_TRUE(late_thread.join(Timeout::after(Duration::s(10))));
  WARD_EXPECT_EQ(late().volatile_key, PSA_SUCCESS);
  WARD_EXPECT_EQ(late().persistent_key, PSA_SUCCESS);
  check_secure_stacks();
}

// The kernel's keys made for a user thread (kernel::SecureCallsFor: the psa_call system call, the
// transport's account flag, the gateway, the crypto service): counted against the thread's quota.
WARD_TEST(KeyQuota, TheKernelsKeysForAThreadCountAgainstThatThread) {
  WARD_ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);
  std::memset(late_memory.bytes, 0, sizeof late_memory.bytes);
  WARD_ASSERT_TRUE(late_thread.create_user(late_stack.span(), &late_main, nullptr, Priority{20}, "late", late_domain));
  const psa_key_attributes_t a = hmac_attributes();
  const std::uint8_t material[32] = {};
  psa_key_id_t for_late[kPerClient + 1] = {};
  std::uint32_t got = 0;
  psa_status_t refused = PSA_SUCCESS;
  {
    const kernel::SecureCallsFor account{kernel::secure_account_of(late_thread)};
    for (auto& key : for_late) {
      refused = psa_import_key(&a, material, sizeof material, &key);
      if (refused != PSA_SUCCESS) {
        break;
      }
      ++got;
    }
  }
  print("the kernel's keys for the late thread: ", got, ", then ", static_cast<int>(refused), "\n");
  WARD_EXPECT_EQ(got, kPerClient);  // the thread's quota, not the kernel's (14)
  WARD_EXPECT_EQ(refused, PSA_ERROR_INSUFFICIENT_MEMORY);
  // The kernel's own share is untouched: every one of its keys but what the slots cannot hold.
  psa_key_id_t own = 0;
  WARD_EXPECT_EQ(psa_import_key(&a, material, sizeof material, &own), PSA_SUCCESS);
  WARD_EXPECT_EQ(psa_destroy_key(own), PSA_SUCCESS);
  // The thread itself has nothing left of its quota (its persistent key needs none).
  WARD_ASSERT_TRUE(late_thread.start());
  WARD_ASSERT_TRUE(late_thread.join(Timeout::after(Duration::s(10))));
  WARD_EXPECT_EQ(late().volatile_key, PSA_ERROR_INSUFFICIENT_MEMORY);
  WARD_EXPECT_EQ(late().persistent_key, PSA_SUCCESS);
  // The keys are the kernel's: the thread's end did not destroy them, and they still count.
  std::array<std::uint8_t, 32> mac{};
  std::size_t n = 0;
  WARD_EXPECT_EQ(psa_mac_compute(for_late[0], PSA_ALG_HMAC(PSA_ALG_SHA_256), material, sizeof material, mac.data(),
                                 mac.size(), &n),
                 PSA_SUCCESS);
  std::memset(late_memory.bytes, 0, sizeof late_memory.bytes);
  WARD_ASSERT_TRUE(late_thread.create_user(late_stack.span(), &late_main, nullptr, Priority{20}, "late", late_domain));
  WARD_ASSERT_TRUE(late_thread.start());
  WARD_ASSERT_TRUE(late_thread.join(Timeout::after(Duration::s(10))));
  WARD_EXPECT_EQ(late().volatile_key, PSA_ERROR_INSUFFICIENT_MEMORY);
  // The kernel destroys one: the thread's quota has room for one key again.
  WARD_EXPECT_EQ(psa_destroy_key(for_late[0]), PSA_SUCCESS);
  std::memset(late_memory.bytes, 0, sizeof late_memory.bytes);
  WARD_ASSERT_TRUE(late_thread.create_user(late_stack.span(), &late_main, nullptr, Priority{20}, "late", late_domain));
  WARD_ASSERT_TRUE(late_thread.start());
  WARD_ASSERT_TRUE(late_thread.join(Timeout::after(Duration::s(10))));
  WARD_EXPECT_EQ(late().volatile_key, PSA_SUCCESS);
  for (std::uint32_t i = 1; i < got; ++i) {
    WARD_EXPECT_EQ(psa_destroy_key(for_late[i]), PSA_SUCCESS);
  }
  check_secure_stacks();
}

}  // namespace
