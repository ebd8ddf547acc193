// Red team: a user thread's kernel stack (CONFIG_WARD_SYSCALL_STACK_SIZE), driven to its deepest by
// user threads that make PSA calls with live FPU state while they contend for the secure lock under
// 1 ms time slices (tests/secure/stress.conf).
//
// The kernel stack is sized by a Kconfig option whose help says it "must hold the deepest system
// call plus one exception frame with FPU state (docs/isolation.md gives the measured depth)", and
// docs/isolation.md gives 368 bytes for psa_call. That figure is psa_call alone (tests/secure
// crypto_test.cpp measures one uncontended thread): under contention, with FPU state, the same
// call takes 504 bytes on 1152af8. Sized from the documentation (368 + 104 = 472, so 480), a
// kernel stack overflows within half a second: PSPLIM trips in privileged code, a kernel fault,
// and the whole system stops -- at the hands of two unprivileged threads that only call
// psa_hash_compute. The option's range (256 .. 4096) accepts such sizes, and smaller.
//
// Built twice (tests/redteam/CMakeLists.txt): with the default size, and with the smallest size
// Kconfig accepts. Each must survive, and keep room for one more exception frame with FPU state
// (104 bytes) above the deepest use seen.
#include <psa/crypto.h>

#include <cstdint>
#include <cstring>

#include "ward/config.hpp"
#include "ward/isolation.hpp"
#include "ward/kernel.hpp"
#include "ward/print.hpp"
#include "ward/secure/call.h"
#include "ward/stack_bound.hpp"
#include "ward/test.hpp"

namespace {
using namespace ward;

struct Work {
  volatile std::uint32_t stop;
  volatile std::uint32_t calls;
  volatile std::uint32_t wrong;
  std::uint8_t data[4000];
  std::uint8_t digest[64];
  std::uint8_t expected[32];
};
PartitionMemory<(sizeof(Work) + 31) / 32 * 32> bulk_memory, probe_memory;
constexpr Domain<1> bulk_domain{Partition::of(bulk_memory, Access::read_write)};
constexpr Domain<1> probe_domain{Partition::of(probe_memory, Access::read_write)};
template <class M>
Work& as(M& m) {
  return *static_cast<Work*>(static_cast<void*>(m.bytes));
}
UserThreadStack<2048> bulk_stack, probe_stack;
Thread bulk, probe;

// Long calls: often preempted inside the secure image, holding the kernel's secure-call lock.
void bulk_main(void*) {
  auto& w = as(bulk_memory);
  while (w.stop == 0) {
    std::size_t n = 0;
    const psa_status_t s = psa_hash_compute(PSA_ALG_SHA_256, w.data, sizeof w.data, w.digest, 32, &n);
    w.wrong = w.wrong + (s == PSA_SUCCESS && std::memcmp(w.digest, w.expected, 32) == 0 ? 0 : 1);
    w.calls = w.calls + 1;
  }
}

// Short calls with live FPU state, every vector slot used: they wait for the lock `bulk` holds.
void probe_main(void*) {
  auto& w = as(probe_memory);
  for (std::uint32_t i = 0; w.stop == 0; ++i) {
    asm volatile("vmov s0, %0\n vmov s15, %0\n vmov s16, %0\n vmov s31, %0\n" ::"r"(i) : "s0", "s15", "s16", "s31");
    psa_invec in[4] = {{w.data, 16}, {w.data + 16, 16}, {w.data + 32, 16}, {w.data + 48, 16}};
    psa_outvec out[4] = {{w.digest, 16}, {w.digest + 16, 16}, {w.digest + 32, 16}, {w.digest + 48, 16}};
    (void)ward_psa_call(0x7777, 0, in, 4, out, 4);  // no such service: refused on the secure side
    std::size_t n = 0;
    const psa_status_t s = psa_hash_compute(PSA_ALG_SHA_256, w.data, 64, w.digest, 32, &n);
    w.wrong = w.wrong + (s == PSA_SUCCESS && std::memcmp(w.digest, w.expected, 32) == 0 ? 0 : 1);
    w.calls = w.calls + 1;
  }
}

void prepare(Work& w, std::size_t hashed) {
  std::memset(&w, 0, sizeof w);
  for (std::size_t i = 0; i < sizeof w.data; ++i) {
    w.data[i] = static_cast<std::uint8_t>(i * 13 + 5);
  }
  std::size_t n = 0;
  WARD_ASSERT_EQ(psa_hash_compute(PSA_ALG_SHA_256, w.data, hashed, w.expected, 32, &n), PSA_SUCCESS);
}

std::size_t kernel_stack_used(const Thread& t) {
  const auto kernel = static_cast<std::size_t>(t.user_stack().data() - t.stack().data());
  return kernel - t.stack_unused();
}

WARD_TEST(KernelStack, HoldsTheDeepestPsaCallUnderContentionWithFpuState) {
  WARD_ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);
  prepare(as(bulk_memory), sizeof Work::data);
  prepare(as(probe_memory), 64);
  WARD_STACK_BOUND_USER_THREAD(bulk_stack, &bulk_main);
  WARD_ASSERT_TRUE(bulk.create_user(bulk_stack.span(), &bulk_main, nullptr, Priority{10}, "bulk", bulk_domain));
  WARD_STACK_BOUND_USER_THREAD(probe_stack, &probe_main);
  WARD_ASSERT_TRUE(probe.create_user(probe_stack.span(), &probe_main, nullptr, Priority{10}, "probe", probe_domain));
  WARD_ASSERT_TRUE(bulk.start());
  WARD_ASSERT_TRUE(probe.start());
  WARD_ASSERT_TRUE(this_thread::sleep_for(Duration::s(4)));
  as(bulk_memory).stop = 1;
  as(probe_memory).stop = 1;
  WARD_EXPECT_TRUE(bulk.join(Timeout::after(Duration::s(2))));
  WARD_EXPECT_TRUE(probe.join(Timeout::after(Duration::s(2))));

  const std::size_t size = config::syscall_stack_size;
  print("kernel stack of ", static_cast<unsigned>(size), " bytes: probe used ",
        static_cast<unsigned>(kernel_stack_used(probe)), " (", static_cast<unsigned>(as(probe_memory).calls),
        " rounds), bulk used ", static_cast<unsigned>(kernel_stack_used(bulk)), " (",
        static_cast<unsigned>(as(bulk_memory).calls), " calls)\n");
  WARD_EXPECT_GT(as(probe_memory).calls, 100u);
  WARD_EXPECT_GT(as(bulk_memory).calls, 20u);
  WARD_EXPECT_EQ(as(probe_memory).wrong, 0u);
  WARD_EXPECT_EQ(as(bulk_memory).wrong, 0u);
  WARD_EXPECT_LE(kernel_stack_used(probe) + 104, size);
  WARD_EXPECT_LE(kernel_stack_used(bulk) + 104, size);
  WARD_EXPECT_FALSE(faults::wait(Timeout::none()).has_value());
}

}  // namespace
