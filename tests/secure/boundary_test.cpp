// The TrustZone boundary, attacked from the non-secure side on QEMU (this image runs non-secure,
// beside Ward's secure image). Every bad request must come back as a PSA error, never crash the
// secure side; every touch of secure memory by a user thread must stop that thread only.
//
// Privileged tests call the veneer (ward_spe_call) directly, as a compromised non-secure kernel
// could: they test the secure side's own checks, not the kernel's.
#include <cstdint>
#include <cstring>

#include "ward/isolation.hpp"
#include "ward/kernel.hpp"
#include "ward/secure/call.h"
#include "ward/secure/gateway.h"
#include "ward/stack_bound.hpp"
#include "ward/test.hpp"

namespace {
using namespace ward;

constexpr std::int32_t kSuccess = 0;
constexpr std::int32_t kNotSupported = -130;  // PSA_ERROR_CONNECTION_REFUSED: no such service
constexpr std::int32_t kInvalidArgument = -135;
constexpr std::int32_t kNotPermitted = -133;
constexpr std::uint32_t kNoSuchService = 0x7777;

constexpr std::uintptr_t kSecureRam = 0x38000000;     // the secure image's RAM
constexpr std::uintptr_t kSecureCode = 0x10000400;    // the secure image's code (not a veneer)
constexpr std::uintptr_t kNsRamEnd = 0x28400000;      // the end of the non-secure RAM
constexpr std::uintptr_t kNsc = 0x100ff000;           // the veneers

std::uint8_t buffer[64];

template <class T>
T* at(std::uintptr_t a) {
  return reinterpret_cast<T*>(a);
}

psa_status_t call_veneer(const psa_invec* in, std::uint32_t in_len, psa_outvec* out, std::uint32_t out_len,
                         std::uint32_t service = kNoSuchService) {
  ward_spe_request r{service, 0, 1, 0, in, in_len, out, out_len};
  return ward_spe_call(&r);
}

WARD_TEST(Gateway, AGoodRequestReachesTheDispatcher) {
  psa_invec in{buffer, sizeof buffer};
  psa_outvec out{buffer, sizeof buffer};
  WARD_EXPECT_EQ(call_veneer(&in, 1, &out, 1), kNotSupported);
  WARD_EXPECT_EQ(ward_psa_call(kNoSuchService, 0, &in, 1, &out, 1), kNotSupported);
}

WARD_TEST(Gateway, RequestInSecureMemory) {
  WARD_EXPECT_EQ(ward_spe_call(at<ward_spe_request>(kSecureRam)), kInvalidArgument);
}

WARD_TEST(Gateway, RequestStraddlingTheEndOfNonSecureRam) {
  WARD_EXPECT_EQ(ward_spe_call(at<ward_spe_request>(kNsRamEnd - 8)), kInvalidArgument);
}

WARD_TEST(Gateway, VectorArrayInSecureMemory) {
  ward_spe_request r{kNoSuchService, 0, 1, 0, at<const psa_invec>(kSecureRam), 1, nullptr, 0};
  WARD_EXPECT_EQ(ward_spe_call(&r), kInvalidArgument);
}

WARD_TEST(Gateway, TooManyVectors) {
  psa_invec in[5] = {};
  WARD_EXPECT_EQ(call_veneer(in, 5, nullptr, 0), kInvalidArgument);
  psa_outvec out[5] = {};
  WARD_EXPECT_EQ(call_veneer(nullptr, 0, out, 5), kInvalidArgument);
}

WARD_TEST(Gateway, InputInSecureMemory) {
  psa_invec in{at<const void>(kSecureRam), 16};
  WARD_EXPECT_EQ(call_veneer(&in, 1, nullptr, 0), kInvalidArgument);
  WARD_EXPECT_EQ(ward_psa_call(kNoSuchService, 0, &in, 1, nullptr, 0), kInvalidArgument);
}

WARD_TEST(Gateway, InputInSecureCode) {
  psa_invec in{at<const void>(kSecureCode), 16};
  WARD_EXPECT_EQ(call_veneer(&in, 1, nullptr, 0), kInvalidArgument);
}

WARD_TEST(Gateway, InputStraddlingTheBoundary) {
  psa_invec in{at<const void>(kNsRamEnd - 16), 32};
  WARD_EXPECT_EQ(call_veneer(&in, 1, nullptr, 0), kInvalidArgument);
}

WARD_TEST(Gateway, InputLengthWrapsAround) {
  psa_invec in{buffer, 0xfffffff0u};
  WARD_EXPECT_EQ(call_veneer(&in, 1, nullptr, 0), kInvalidArgument);
  psa_invec two[2] = {{buffer, 0x80000000u}, {buffer, 0x80000000u}};
  WARD_EXPECT_EQ(call_veneer(two, 2, nullptr, 0), kInvalidArgument);
}

WARD_TEST(Gateway, InputsLargerThanOneCallCarries) {
  static std::uint8_t big[4097];
  psa_invec in{big, sizeof big};
  WARD_EXPECT_EQ(call_veneer(&in, 1, nullptr, 0), kInvalidArgument);
}

WARD_TEST(Gateway, OutputInSecureMemory) {
  psa_outvec out{at<void>(kSecureRam), 16};
  WARD_EXPECT_EQ(call_veneer(nullptr, 0, &out, 1), kInvalidArgument);
}

WARD_TEST(Gateway, OutputInReadOnlyMemory) {
  // The non-secure image's own code: readable, never writable (the non-secure MPU says so).
  psa_outvec out{reinterpret_cast<void*>(reinterpret_cast<std::uintptr_t>(&call_veneer) & ~1u), 16};
  WARD_EXPECT_EQ(call_veneer(nullptr, 0, &out, 1), kInvalidArgument);
}

WARD_TEST(Gateway, EmptyVectorsNeedNoMemory) {
  psa_invec in{at<const void>(kSecureRam), 0};
  psa_outvec out{at<void>(kSecureRam), 0};
  WARD_EXPECT_EQ(call_veneer(&in, 1, &out, 1), kNotSupported);
  psa_invec null_in{nullptr, 0};  // how a PSA client passes "no additional data"
  psa_outvec null_out{nullptr, 0};
  WARD_EXPECT_EQ(call_veneer(&null_in, 1, &null_out, 1), kNotSupported);
}

WARD_TEST(Gateway, ACallForAUserThreadIsCheckedWithThatThreadsView) {
  // `buffer` is kernel data: the kernel may pass it, a user thread may not. The flag makes the
  // veneer check with the unprivileged view of the non-secure MPU (CMSE_MPU_UNPRIV), whatever the
  // kernel says it checked.
  psa_invec in{buffer, 16};
  psa_outvec out{buffer, 16};
  ward_spe_request r{kNoSuchService, 0, 1, WARD_SPE_CALLER_UNPRIVILEGED, &in, 1, nullptr, 0};
  WARD_EXPECT_EQ(ward_spe_call(&r), kInvalidArgument);
  r = ward_spe_request{kNoSuchService, 0, 1, WARD_SPE_CALLER_UNPRIVILEGED, nullptr, 0, &out, 1};
  WARD_EXPECT_EQ(ward_spe_call(&r), kInvalidArgument);
  r = ward_spe_request{kNoSuchService, 0, 1, 0, &in, 1, &out, 1};
  WARD_EXPECT_EQ(ward_spe_call(&r), kNotSupported);  // the same vectors for the kernel itself
}

WARD_TEST(Gateway, UnknownFlagsAndThreadZeroAreRefused) {
  ward_spe_request r{kNoSuchService, 0, 1, 2, nullptr, 0, nullptr, 0};
  WARD_EXPECT_EQ(ward_spe_call(&r), kInvalidArgument);
  r = ward_spe_request{kNoSuchService, 0, 0, 0, nullptr, 0, nullptr, 0};
  WARD_EXPECT_EQ(ward_spe_call(&r), kInvalidArgument);
}

WARD_TEST(Gateway, OnlyTheKernelsThreadNumbersAreClients) {
  // User thread n is n + 1 (1 to 32), every privileged thread 256: each is a client whose keys and
  // operations the secure side releases when it ends (or the kernel's own). Any other number would
  // be a client that never ends, or (masked into the client range) another thread's alias.
  for (const std::uint32_t thread : {1u, WARD_SPE_USER_THREADS, WARD_SPE_KERNEL_THREAD}) {
    ward_spe_request r{kNoSuchService, 0, thread, 0, nullptr, 0, nullptr, 0};
    WARD_EXPECT_EQ(ward_spe_call(&r), kNotSupported);
  }
  for (const std::uint32_t thread : {WARD_SPE_USER_THREADS + 1, WARD_SPE_KERNEL_THREAD - 1, WARD_SPE_KERNEL_THREAD + 1,
                                     0x80000001u, 0xffffffffu}) {
    ward_spe_request r{kNoSuchService, 0, thread, 0, nullptr, 0, nullptr, 0};
    WARD_EXPECT_EQ(ward_spe_call(&r), kInvalidArgument);
  }
}

WARD_TEST(Gateway, OnlyTheKernelCountsACallAgainstAUserThread) {
  // WARD_SPE_ACCOUNT_MASK: the kernel's call made for user thread n (1 to 32). From a user thread's
  // number, with the unprivileged flag, or for a number no user thread has, it is refused: else a
  // caller could spend another thread's quota, or one that is never released.
  const auto account = [](std::uint32_t n) { return n << WARD_SPE_ACCOUNT_SHIFT; };
  for (const std::uint32_t n : {1u, WARD_SPE_USER_THREADS}) {
    ward_spe_request r{kNoSuchService, 0, WARD_SPE_KERNEL_THREAD, account(n), nullptr, 0, nullptr, 0};
    WARD_EXPECT_EQ(ward_spe_call(&r), kNotSupported);
  }
  for (const std::uint32_t n : {WARD_SPE_USER_THREADS + 1, 0x80u, 0xffu}) {
    ward_spe_request r{kNoSuchService, 0, WARD_SPE_KERNEL_THREAD, account(n), nullptr, 0, nullptr, 0};
    WARD_EXPECT_EQ(ward_spe_call(&r), kInvalidArgument);
  }
  for (const std::uint32_t thread : {1u, 2u, WARD_SPE_USER_THREADS}) {
    ward_spe_request r{kNoSuchService, 0, thread, account(1), nullptr, 0, nullptr, 0};
    WARD_EXPECT_EQ(ward_spe_call(&r), kInvalidArgument);
  }
  ward_spe_request r{kNoSuchService, 0, WARD_SPE_KERNEL_THREAD, account(1) | WARD_SPE_CALLER_UNPRIVILEGED, nullptr, 0,
                     nullptr, 0};
  WARD_EXPECT_EQ(ward_spe_call(&r), kInvalidArgument);
  // Bits above the account's are still unknown flags.
  r = ward_spe_request{kNoSuchService, 0, WARD_SPE_KERNEL_THREAD, 1u << 16, nullptr, 0, nullptr, 0};
  WARD_EXPECT_EQ(ward_spe_call(&r), kInvalidArgument);
}

WARD_TEST(Gateway, TheSecureSideStillServesAfterEveryAttack) {
  psa_invec in{buffer, 4};
  WARD_EXPECT_EQ(call_veneer(&in, 1, nullptr, 0), kNotSupported);
}

// ---- User threads ------------------------------------------------------------------------------

struct Orders {
  std::uintptr_t target;
  volatile std::uint32_t progress;
  volatile std::int32_t status;
  alignas(8) std::uint8_t data[48];
};
PartitionMemory<96> user_memory;
Orders& orders() { return *static_cast<Orders*>(static_cast<void*>(user_memory.bytes)); }
constexpr Domain<1> user_domain{Partition::of(user_memory, Access::read_write)};
UserThreadStack<1024> user_stack;
Thread user;

void run_user(Thread::Entry entry) {
  WARD_ASSERT_TRUE(user.create_user(user_stack.span(), entry, &orders(), Priority{20}, "user", user_domain));
  WARD_ASSERT_TRUE(user.start());
  WARD_ASSERT_TRUE(user.join(Timeout::after(Duration::s(2))));
}

void user_read(void* p) {
  auto& o = *static_cast<Orders*>(p);
  o.progress = 1;
  o.status = *reinterpret_cast<volatile std::int32_t*>(o.target);
  o.progress = 2;
}

void user_jump(void* p) {
  auto& o = *static_cast<Orders*>(p);
  o.progress = 1;
  reinterpret_cast<void (*)()>(o.target | 1)();
  o.progress = 2;
}

// A PSA call whose input vector is `target` (16 bytes).
void user_psa_call(void* p) {
  auto& o = *static_cast<Orders*>(p);
  o.progress = 1;
  psa_invec in{reinterpret_cast<const void*>(o.target), 16};
  o.status = ward_psa_call(kNoSuchService, 0, &in, 1, nullptr, 0);
  o.progress = 2;
}

FaultReport expect_user_fault(std::uintptr_t target, Thread::Entry entry) {
  orders() = Orders{};
  orders().target = target;
  run_user(entry);
  WARD_EXPECT_EQ(orders().progress, 1u);
  auto r = faults::wait(Timeout::none());
  WARD_EXPECT_TRUE(r.has_value());
  if (!r) {
    return {};
  }
  WARD_EXPECT_TRUE(r->thread == &user);
  return *r;
}

WARD_TEST(UserThreads, ReadingSecureRamStopsTheThread) {
  WARD_STACK_BOUND_USER_THREAD(user_stack, &user_read);
  const FaultReport r = expect_user_fault(kSecureRam + 0x100, &user_read);
  // The SAU's verdict comes first (SecureFault, AUVIOL), handed to the non-secure kernel.
  WARD_EXPECT_TRUE(r.kind == FaultKind::secure_access);
  // QEMU 7.2 reports AUVIOL without SFARVALID for a data access; when the address is known it
  // must be the one touched.
  if (r.address_valid) {
    WARD_EXPECT_EQ(r.address, static_cast<std::uint32_t>(kSecureRam + 0x100));
  }
  // The report points into the attacker's code (its load instruction).
  const auto entry = static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(&user_read) & ~1u);
  WARD_EXPECT_TRUE(r.pc >= entry && r.pc < entry + 16);
}

WARD_TEST(UserThreads, JumpingIntoSecureCodeStopsTheThread) {
  WARD_STACK_BOUND_USER_THREAD(user_stack, &user_jump);
  const FaultReport r = expect_user_fault(kSecureCode, &user_jump);
  WARD_EXPECT_TRUE(r.kind == FaultKind::secure_access);
  WARD_EXPECT_EQ(r.pc, static_cast<std::uint32_t>(kSecureCode));
}

// A user thread that calls the veneers itself, skipping the kernel (and its serialisation, its
// checks, its say on who is calling).
void user_veneer(void* p) {
  auto& o = *static_cast<Orders*>(p);
  o.progress = 1;
  auto* request = static_cast<ward_spe_request*>(static_cast<void*>(o.data));
  *request = ward_spe_request{kNoSuchService, 0, 1, 0, nullptr, 0, nullptr, 0};
  o.status = ward_spe_call(request);
  if (ward_spe_last_fault(static_cast<ward_spe_fault*>(static_cast<void*>(o.data))) == 0) {
    o.status = 1;  // it must not get the last fault either
  }
  o.progress = 2;
}

WARD_TEST(UserThreads, CallingTheVeneersDirectlyIsRefused) {
  // User threads reach the secure side only through the psa_call system call. (The SG fetch is
  // checked by the secure MPU, so the non-secure MPU cannot stop it: the secure side refuses.)
  static_assert(sizeof(ward_spe_request) <= sizeof(Orders::data));
  orders() = Orders{};
  WARD_STACK_BOUND_USER_THREAD(user_stack, &user_veneer);
  run_user(&user_veneer);
  WARD_EXPECT_EQ(orders().progress, 2u);
  WARD_EXPECT_EQ(orders().status, kNotPermitted);
  WARD_EXPECT_FALSE(faults::wait(Timeout::none()).has_value());
}

WARD_TEST(UserThreads, JumpingPastAVeneersSgStopsTheThread) {
  // Into the NSC window but not onto an SG instruction: the secure side's SecureFault (INVEP),
  // handed to the non-secure kernel.
  const FaultReport r = expect_user_fault(kNsc + 4, &user_jump);
  WARD_EXPECT_TRUE(r.kind == FaultKind::secure_access);
}

WARD_TEST(UserThreads, APsaCallWithForeignMemoryGetsAnError) {
  for (std::uintptr_t target : {kSecureRam, reinterpret_cast<std::uintptr_t>(buffer), kNsRamEnd - 8}) {
    orders() = Orders{};
    orders().target = target;
    WARD_STACK_BOUND_USER_THREAD(user_stack, &user_psa_call);
    run_user(&user_psa_call);
    WARD_EXPECT_EQ(orders().progress, 2u);  // not stopped: an error, like any bad PSA argument
    WARD_EXPECT_EQ(orders().status, kInvalidArgument);
  }
  WARD_EXPECT_FALSE(faults::wait(Timeout::none()).has_value());
}

WARD_TEST(UserThreads, APsaCallWithItsOwnMemoryGoesThrough) {
  orders() = Orders{};
  orders().target = reinterpret_cast<std::uintptr_t>(orders().data);
  run_user(&user_psa_call);
  WARD_EXPECT_EQ(orders().progress, 2u);
  WARD_EXPECT_EQ(orders().status, kNotSupported);
}

}  // namespace
