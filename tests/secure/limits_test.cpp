// The limits of one secure call on QEMU, through the path that ships (client library, psa_call
// system call, veneer, secure service), against what the host tests assume:
//   - the same cases as the host's Dispatch.TransportLimits (tests/secure_crypto/dispatch_test.cpp),
//     through ward_psa_call here: host and target must answer alike;
//   - the veneer's own answer to a request over the limits (a compromised kernel's view);
//   - an output buffer larger than one call carries (psa_hash_compute into 5000 bytes), from a
//     privileged and from a user thread: the capacity is clamped, the call succeeds;
//   - PSA calls from an interrupt handler are refused (PSA_ERROR_BAD_STATE) without blocking, even
//     while a thread is inside a secure call; ward_spe_last_fault still answers there.
#include <psa/crypto.h>

#include <array>
#include <cstdint>
#include <cstring>

#include "ward/isolation.hpp"
#include "ward/kernel.hpp"
#include "ward/secure/call.h"
#include "ward/secure/call_limits.h"
#include "ward/secure/crypto_wire.h"
#include "ward/secure/gateway.h"
#include "ward/stack_bound.hpp"
#include "ward/test.hpp"

namespace {
using namespace ward;

constexpr std::uint8_t kSha256Abc[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
                                         0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
                                         0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
constexpr std::uint32_t kNoSuchService = 0x7777;

const auto* bytes(const char* s) { return reinterpret_cast<const std::uint8_t*>(s); }

std::uint8_t big[WARD_PSA_CALL_MAX_IN];
std::uint8_t out[WARD_PSA_CALL_MAX_OUT + 100];

// ---- The host's Dispatch.TransportLimits, on target -------------------------------------------------

WARD_TEST(Limits, TheSameAnswersAsTheHostTransport) {
  WARD_ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);
  const ward_crypto_args zero{};
  psa_invec in[5] = {{&zero, sizeof zero}, {big, sizeof big}};
  // Over the copy-in limit: refused before anything runs.
  WARD_EXPECT_EQ(ward_psa_call(WARD_SERVICE_CRYPTO, WARD_CRYPTO_HASH_COMPUTE, in, 2, nullptr, 0),
                 PSA_ERROR_INVALID_ARGUMENT);
  // Too many vectors, missing arrays, null bases with lengths.
  WARD_EXPECT_EQ(ward_psa_call(WARD_SERVICE_CRYPTO, WARD_CRYPTO_INIT, in, 5, nullptr, 0), PSA_ERROR_PROGRAMMER_ERROR);
  WARD_EXPECT_EQ(ward_psa_call(WARD_SERVICE_CRYPTO, WARD_CRYPTO_INIT, nullptr, 1, nullptr, 0),
                 PSA_ERROR_PROGRAMMER_ERROR);
  psa_invec null_in[1] = {{nullptr, 4}};
  WARD_EXPECT_EQ(ward_psa_call(WARD_SERVICE_CRYPTO, WARD_CRYPTO_INIT, null_in, 1, nullptr, 0),
                 PSA_ERROR_PROGRAMMER_ERROR);
  psa_outvec null_out[1] = {{nullptr, 4}};
  WARD_EXPECT_EQ(ward_psa_call(WARD_SERVICE_CRYPTO, WARD_CRYPTO_GENERATE_RANDOM, in, 1, null_out, 1),
                 PSA_ERROR_PROGRAMMER_ERROR);
  // A larger output buffer is clamped to what one call carries back; len reports what was written.
  std::memset(out, 0, sizeof out);
  psa_outvec outvec[1] = {{out, sizeof out}};
  WARD_ASSERT_EQ(ward_psa_call(WARD_SERVICE_CRYPTO, WARD_CRYPTO_GENERATE_RANDOM, in, 1, outvec, 1), PSA_SUCCESS);
  WARD_EXPECT_EQ(outvec[0].len, WARD_PSA_CALL_MAX_OUT);
  std::size_t zeros = 0;
  for (std::size_t i = WARD_PSA_CALL_MAX_OUT; i < sizeof out; ++i) {
    zeros += out[i] == 0 ? 1 : 0;
  }
  WARD_EXPECT_EQ(zeros, 100u);
  // A failed call reports nothing written.
  ward_crypto_args bad_hash{};
  bad_hash.alg = PSA_ALG_SHA_256;
  psa_invec hash_in[2] = {{&bad_hash, sizeof bad_hash}, {big, 10}};
  psa_outvec short_out[1] = {{out, 16}};
  WARD_EXPECT_EQ(ward_psa_call(WARD_SERVICE_CRYPTO, WARD_CRYPTO_HASH_COMPUTE, hash_in, 2, short_out, 1),
                 PSA_ERROR_BUFFER_TOO_SMALL);
  WARD_EXPECT_EQ(short_out[0].len, 0u);
}

// ---- The veneer's own answer (a privileged caller skipping the kernel, as a compromised one could) --

psa_status_t veneer(std::int32_t type, const psa_invec* in, std::uint32_t in_len, psa_outvec* outs,
                    std::uint32_t out_len, std::uint32_t service = WARD_SERVICE_CRYPTO) {
  ward_spe_request r{service, type, 1, 0, in, in_len, outs, out_len};
  return ward_spe_call(&r);
}

WARD_TEST(Limits, TheVeneerAppliesTheSameLimits) {
  WARD_ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);
  const ward_crypto_args zero{};
  // Inputs over the limit: refused.
  static std::uint8_t one_more[WARD_PSA_CALL_MAX_IN + 1];
  psa_invec over[2] = {{&zero, sizeof zero}, {one_more, sizeof one_more}};
  WARD_EXPECT_EQ(veneer(WARD_CRYPTO_HASH_COMPUTE, over, 2, nullptr, 0), PSA_ERROR_INVALID_ARGUMENT);
  psa_invec exactly[2] = {{&zero, sizeof zero}, {big, WARD_PSA_CALL_MAX_IN - sizeof zero}};
  std::uint8_t hash[32];
  psa_outvec hash_out[1] = {{hash, sizeof hash}};
  ward_crypto_args sha{};
  sha.alg = PSA_ALG_SHA_256;
  exactly[0] = {&sha, sizeof sha};
  WARD_EXPECT_EQ(veneer(WARD_CRYPTO_HASH_COMPUTE, exactly, 2, hash_out, 1), PSA_SUCCESS);
  WARD_EXPECT_EQ(hash_out[0].len, 32u);
  // Outputs over the limit: clamped, in order (the first vector gets what fits, the rest nothing).
  std::memset(out, 0, sizeof out);
  psa_invec args[1] = {{&zero, sizeof zero}};
  psa_outvec outvec[1] = {{out, sizeof out}};
  WARD_ASSERT_EQ(veneer(WARD_CRYPTO_GENERATE_RANDOM, args, 1, outvec, 1), PSA_SUCCESS);
  WARD_EXPECT_EQ(outvec[0].len, WARD_PSA_CALL_MAX_OUT);
  std::size_t zeros = 0;
  for (std::size_t i = WARD_PSA_CALL_MAX_OUT; i < sizeof out; ++i) {
    zeros += out[i] == 0 ? 1 : 0;
  }
  WARD_EXPECT_EQ(zeros, 100u);
  // Too many vectors, null bases with lengths: the veneer says only INVALID_ARGUMENT.
  WARD_EXPECT_EQ(veneer(WARD_CRYPTO_INIT, args, 5, nullptr, 0), PSA_ERROR_INVALID_ARGUMENT);
  psa_invec null_in[1] = {{nullptr, 4}};
  WARD_EXPECT_EQ(veneer(WARD_CRYPTO_INIT, null_in, 1, nullptr, 0), PSA_ERROR_INVALID_ARGUMENT);
}

// ---- A user thread hashes into 5000 bytes of its own memory -----------------------------------------

struct UserOrders {
  volatile std::int32_t status;
  volatile std::uint32_t length;
  volatile std::int32_t overlong;
  alignas(8) std::uint8_t hash[5000];
};
PartitionMemory<5024> user_memory;
UserOrders& orders() { return *static_cast<UserOrders*>(static_cast<void*>(user_memory.bytes)); }
constexpr Domain<1> user_domain{Partition::of(user_memory, Access::read_write)};
ThreadStack<2048> user_stack;
Thread user;

void user_hash(void*) {
  auto& o = orders();
  std::size_t n = 0;
  o.status = psa_hash_compute(PSA_ALG_SHA_256, bytes("abc"), 3, o.hash, sizeof o.hash, &n);
  o.length = static_cast<std::uint32_t>(n);
  // The whole buffer it declares must be its own, though the service would see only 4 KiB of it.
  o.overlong = psa_hash_compute(PSA_ALG_SHA_256, bytes("abc"), 3, o.hash, sizeof o.hash + 64, &n);
}

WARD_TEST(Limits, AUserThreadHashesIntoA5000ByteBuffer) {
  static_assert(sizeof(UserOrders) <= sizeof user_memory.bytes);
  WARD_ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);
  orders() = UserOrders{};
  orders().status = 1;
  WARD_STACK_BOUND_USER_THREAD(user_stack, &user_hash);
  WARD_ASSERT_TRUE(user.create_user(user_stack.span(), &user_hash, nullptr, Priority{20}, "user", user_domain));
  WARD_ASSERT_TRUE(user.start());
  WARD_ASSERT_TRUE(user.join(Timeout::after(Duration::s(10))));
  WARD_EXPECT_EQ(orders().status, PSA_SUCCESS);
  WARD_EXPECT_EQ(orders().length, 32u);
  WARD_EXPECT_EQ(std::memcmp(orders().hash, kSha256Abc, 32), 0);
  WARD_EXPECT_EQ(orders().overlong, PSA_ERROR_INVALID_ARGUMENT);
  WARD_EXPECT_FALSE(faults::wait(Timeout::none()).has_value());
}

// ---- From an interrupt handler ------------------------------------------------------------------------

struct FromInterrupt {
  volatile std::uint32_t calls = 0;       // callbacks that ran to their end
  volatile bool thread_in_call = false;   // the interrupted thread is inside psa_hash_compute
  volatile std::uint32_t during_a_call = 0;  // callbacks that interrupted it there
  volatile std::uint32_t psa_other = 0;   // psa_hash_compute answers other than BAD_STATE
  volatile std::uint32_t veneer_other = 0;  // ward_spe_call answers other than BAD_STATE
  volatile std::uint32_t fault_failed = 0;  // ward_spe_last_fault calls that failed
  volatile std::int32_t first_psa = 0;
  volatile std::int32_t first_veneer = 0;
};
FromInterrupt from_interrupt;

void on_tick(Timer&, void*) {
  auto& r = from_interrupt;
  if (r.thread_in_call) {
    r.during_a_call = r.during_a_call + 1;
  }
  std::uint8_t hash[32];
  std::size_t n = 0;
  const psa_status_t psa = psa_hash_compute(PSA_ALG_SHA_256, bytes("abc"), 3, hash, sizeof hash, &n);
  ward_spe_request request{kNoSuchService, 0, 1, 0, nullptr, 0, nullptr, 0};
  const psa_status_t direct = ward_spe_call(&request);
  ward_spe_fault fault{};
  if (ward_spe_last_fault(&fault) != 0) {
    r.fault_failed = r.fault_failed + 1;
  }
  if (r.calls == 0) {
    r.first_psa = psa;
    r.first_veneer = direct;
  }
  r.psa_other = r.psa_other + (psa != PSA_ERROR_BAD_STATE ? 1 : 0);
  r.veneer_other = r.veneer_other + (direct != PSA_ERROR_BAD_STATE ? 1 : 0);
  r.calls = r.calls + 1;
}
WARD_STACK_BOUND_TIMER(on_tick);

WARD_TEST(Limits, PsaCallsFromAnInterruptAreRefusedWithoutBlocking) {
  WARD_ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);
  // The thread keeps the secure side busy (multi-part hashes of 16 KiB, each many secure calls)
  // while a timer interrupts it every 300 us, mostly inside a secure call.
  static std::uint8_t data[16 * 1024];
  std::uint8_t reference[32];
  std::size_t n = 0;
  WARD_ASSERT_EQ(psa_hash_compute(PSA_ALG_SHA_256, data, sizeof data, reference, sizeof reference, &n), PSA_SUCCESS);
  from_interrupt = FromInterrupt{};
  Timer timer{&on_tick, nullptr};
  WARD_ASSERT_TRUE(timer.start(Duration::us(300), Duration::us(300)));
  std::uint32_t mismatches = 0;
  for (int round = 0; round < 200 && from_interrupt.during_a_call < 20; ++round) {
    std::uint8_t hash[32];
    from_interrupt.thread_in_call = true;
    const psa_status_t s = psa_hash_compute(PSA_ALG_SHA_256, data, sizeof data, hash, sizeof hash, &n);
    from_interrupt.thread_in_call = false;
    if (s != PSA_SUCCESS || std::memcmp(hash, reference, sizeof hash) != 0) {
      ++mismatches;
    }
  }
  timer.stop();
  WARD_EXPECT_EQ(mismatches, 0u);  // the interrupted thread's calls are undisturbed
  // Interrupts came while the thread was in the middle of its PSA calls, mostly inside the secure
  // image with the transport's lock held: a handler that waited for it would never have returned.
  WARD_EXPECT_TRUE(from_interrupt.during_a_call >= 20u);
  WARD_EXPECT_EQ(from_interrupt.first_psa, PSA_ERROR_BAD_STATE);
  WARD_EXPECT_EQ(from_interrupt.first_veneer, PSA_ERROR_BAD_STATE);
  WARD_EXPECT_EQ(from_interrupt.psa_other, 0u);
  WARD_EXPECT_EQ(from_interrupt.veneer_other, 0u);
  WARD_EXPECT_EQ(from_interrupt.fault_failed, 0u);
  // And the secure side still serves threads afterwards.
  std::uint8_t hash[32];
  WARD_EXPECT_EQ(psa_hash_compute(PSA_ALG_SHA_256, bytes("abc"), 3, hash, sizeof hash, &n), PSA_SUCCESS);
  WARD_EXPECT_EQ(std::memcmp(hash, kSha256Abc, 32), 0);
}

// ---- One output buffer larger than a call carries --------------------------------------------------

WARD_TEST(Limits, HashIntoA5000ByteBuffer) {
  WARD_ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);
  static std::uint8_t hash[5000];
  std::memset(hash, 0xa5, sizeof hash);
  std::size_t n = 0;
  WARD_ASSERT_EQ(psa_hash_compute(PSA_ALG_SHA_256, bytes("abc"), 3, hash, sizeof hash, &n), PSA_SUCCESS);
  WARD_EXPECT_EQ(n, 32u);
  WARD_EXPECT_EQ(std::memcmp(hash, kSha256Abc, 32), 0);
  std::size_t untouched = 0;
  for (std::size_t i = 32; i < sizeof hash; ++i) {
    untouched += hash[i] == 0xa5 ? 1 : 0;
  }
  WARD_EXPECT_EQ(untouched, sizeof hash - 32);
}

}  // namespace
