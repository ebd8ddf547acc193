// PSA Firmware Update (psa/update.h) from a non-secure user thread on QEMU, through the whole path:
// client library -> psa_call system call -> veneer -> the secure image's FWU service -> the boot
// flash (a semihosting file, fresh for this test). Two boots:
//   1. stage the first 2 KiB of a signed image, then psa_fwu_request_reboot (the secure side resets
//      the device);
//   2. the staging survived: query says how far it got, the download resumes from there, install
//      verifies it (STAGED), reject withdraws it, clean; an unsigned and a tampered image are
//      refused at install. Hostile requests on the way, each with the specification's error.
#include <psa/update.h>
#include <ward/secure/call.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "ward/isolation.hpp"
#include "ward/kernel.hpp"
#include "ward/print.hpp"
#include "ward/stack_bound.hpp"
#include "ward/test.hpp"
#include "secure_stacks.hpp"

#include "fwu_signed_image.inc"  // kSignedImage: signed with the build's key (make_fwu_image.py)

namespace {
using namespace ward;

constexpr psa_fwu_component_t kNs = WARD_FWU_COMPONENT_NONSECURE;
constexpr std::uintptr_t kSecureRam = 0x38000000;
constexpr std::size_t kHalf = 2048;

// What the user thread reports: every status it saw, in order, for the main thread to check.
struct Report {
  volatile std::uint32_t n;
  volatile std::int32_t status[48];
  volatile std::uint32_t state[16];
  volatile std::uint32_t states;
  volatile std::uint32_t written;
  volatile std::uint32_t max_size;
  volatile std::int32_t error;
  volatile std::uint32_t done;
};
struct Memory {
  Report report;
  alignas(8) std::uint8_t image[sizeof kSignedImage];
  alignas(8) std::uint8_t junk[64];
};
PartitionMemory<8192> user_memory;
static_assert(sizeof(Memory) <= 8192);
Memory& mem() { return *static_cast<Memory*>(static_cast<void*>(user_memory.bytes)); }
constexpr Domain<1> user_domain{Partition::of(user_memory, Access::read_write)};
UserThreadStack<2048> user_stack;
Thread user;

void note(Report& r, psa_status_t s) {
  if (r.n < 48) r.status[r.n] = s;
  r.n = r.n + 1;
}
std::uint8_t state_of(Report& r, psa_fwu_component_t c = kNs) {
  psa_fwu_component_info_t info{};
  note(r, psa_fwu_query(c, &info));
  if (r.states < 16) r.state[r.states] = info.state;
  r.states = r.states + 1;
  r.written = info.impl.written;
  r.max_size = info.max_size;
  r.error = info.error;
  return info.state;
}
psa_status_t write_from(std::uint32_t from, std::uint32_t to, const std::uint8_t* image) {
  for (std::uint32_t off = from; off < to; off += 1024) {
    const std::uint32_t n = to - off < 1024 ? to - off : 1024;
    if (const auto s = psa_fwu_write(kNs, off, image + off, n); s != PSA_SUCCESS) return s;
  }
  return PSA_SUCCESS;
}

// Boot 1.
void first_boot(void* p) {
  auto& m = *static_cast<Memory*>(p);
  Report& r = m.report;
  psa_fwu_component_info_t info{};
  note(r, psa_fwu_query(WARD_FWU_COMPONENT_SECURE, &info));  // 0: DOES_NOT_EXIST (no slots yet)
  note(r, psa_fwu_query(7, &info));                          // 1: DOES_NOT_EXIST
  note(r, psa_fwu_write(kNs, 0, m.image, 64));               // 2: BAD_STATE (READY)
  note(r, psa_fwu_start(kNs, m.image, 16));                  // 3: NOT_SUPPORTED (detached manifest)
  note(r, psa_fwu_start(kNs, nullptr, 0));                   // 4: SUCCESS
  note(r, psa_fwu_start(kNs, nullptr, 0));                   // 5: BAD_STATE
  note(r, write_from(0, kHalf, m.image));                    // 6: SUCCESS
  note(r, psa_fwu_write(kNs, 4, m.image, 8));                // 7: INVALID_ARGUMENT (misaligned)
  note(r, psa_fwu_write(kNs, kHalf + 1024, m.image, 8));     // 8: INVALID_ARGUMENT (a gap)
  note(r, psa_fwu_write(kNs, kHalf, m.image, 3000));         // 9: INVALID_ARGUMENT (> PSA_FWU_MAX_WRITE_SIZE)
  note(r, psa_fwu_write(kNs, kHalf, reinterpret_cast<const void*>(kSecureRam), 64));  // 10: INVALID_ARGUMENT
  note(r, psa_fwu_write(kNs, 0xFFFFFFF8u, m.image, 8));      // 11: INVALID_ARGUMENT (past the end)
  (void)state_of(r);                                         // 12: SUCCESS, WRITING, written 2048
  m.report.done = 1;
  (void)psa_fwu_request_reboot();
  m.report.done = 2;  // not reached: the device resets
}

// Boot 2.
void second_boot(void* p) {
  auto& m = *static_cast<Memory*>(p);
  Report& r = m.report;
  (void)state_of(r);                                    // 0: WRITING, written: where to resume
  const std::uint32_t resume = r.written;
  note(r, write_from(resume, sizeof kSignedImage, m.image));  // 1
  note(r, psa_fwu_finish(kNs));                         // 2
  (void)state_of(r);                                    // 3: CANDIDATE
  note(r, psa_fwu_accept());                            // 4: BAD_STATE (nothing on trial)
  note(r, psa_fwu_install());                           // 5: SUCCESS_REBOOT
  (void)state_of(r);                                    // 6: STAGED
  note(r, psa_fwu_write(kNs, 0, m.image, 8));           // 7: BAD_STATE
  note(r, psa_fwu_install());                           // 8: BAD_STATE
  note(r, psa_fwu_clean(kNs));                          // 9: BAD_STATE
  note(r, psa_fwu_reject(-5));                          // 10: SUCCESS (STAGED -> FAILED)
  (void)state_of(r);                                    // 11: FAILED, error -5
  note(r, psa_fwu_clean(kNs));                          // 12: SUCCESS
  // An unsigned image.
  note(r, psa_fwu_start(kNs, nullptr, 0));              // 13
  note(r, psa_fwu_write(kNs, 0, m.junk, sizeof m.junk));  // 14
  note(r, psa_fwu_finish(kNs));                         // 15
  note(r, psa_fwu_install());                           // 16: INVALID_SIGNATURE
  (void)state_of(r);                                    // 17: FAILED
  note(r, psa_fwu_clean(kNs));                          // 18
  // The signed image with one payload byte changed.
  m.image[0x200 + 100] ^= 0x01;
  note(r, psa_fwu_start(kNs, nullptr, 0));              // 19
  note(r, write_from(0, sizeof kSignedImage, m.image)); // 20
  note(r, psa_fwu_finish(kNs));                         // 21
  note(r, psa_fwu_install());                           // 22: INVALID_SIGNATURE
  note(r, psa_fwu_clean(kNs));                          // 23
  (void)state_of(r);                                    // 24: READY
  m.report.done = 1;
}

void run(Thread::Entry entry) {
  std::memset(&mem(), 0, sizeof(Memory));
  std::memcpy(mem().image, kSignedImage, sizeof kSignedImage);
  std::memset(mem().junk, 0x5a, sizeof mem().junk);
  WARD_ASSERT_TRUE(user.create_user(user_stack.span(), entry, &mem(), Priority{20}, "fwu", user_domain));
  WARD_ASSERT_TRUE(grant_secure_service(user, WARD_SERVICE_FWU));
  WARD_ASSERT_TRUE(user.start());
  WARD_ASSERT_TRUE(user.join(Timeout::after(Duration::s(30))));
}

bool first_boot_now() {
  psa_fwu_component_info_t info{};
  return psa_fwu_query(kNs, &info) == PSA_SUCCESS && info.state == PSA_FWU_READY;
}

// A user thread without the Firmware Update grant: every call refused before it leaves the kernel,
// the reboot request included; nothing changes. Runs first on both boots.
UserThreadStack<2048> outsider_stack;
Thread outsider;
void ungranted_calls(void* p) {
  auto& m = *static_cast<Memory*>(p);
  Report& r = m.report;
  psa_fwu_component_info_t info{};
  note(r, psa_fwu_query(kNs, &info));
  note(r, psa_fwu_start(kNs, nullptr, 0));
  note(r, psa_fwu_write(kNs, 0, m.image, 64));
  note(r, psa_fwu_finish(kNs));
  note(r, psa_fwu_cancel(kNs));
  note(r, psa_fwu_clean(kNs));
  note(r, psa_fwu_install());
  note(r, psa_fwu_accept());
  note(r, psa_fwu_reject(-5));
  note(r, psa_fwu_request_reboot());
  m.report.done = 1;
}

WARD_TEST(Fwu, AUserThreadNeedsTheGrant) {
  psa_fwu_component_info_t before{};
  WARD_ASSERT_EQ(psa_fwu_query(kNs, &before), PSA_SUCCESS);  // a privileged thread needs no grant
  std::memset(&mem(), 0, sizeof(Memory));
  WARD_STACK_BOUND_USER_THREAD(outsider_stack, &ungranted_calls);
  WARD_ASSERT_TRUE(outsider.create_user(outsider_stack.span(), &ungranted_calls, &mem(), Priority{20}, "outsider",
                                        user_domain));
  // Granted and revoked again: the revocation holds.
  WARD_ASSERT_TRUE(grant_secure_service(outsider, WARD_SERVICE_FWU));
  WARD_ASSERT_TRUE(revoke_secure_service(outsider, WARD_SERVICE_FWU));
  WARD_EXPECT_FALSE(grant_secure_service(outsider, 32));  // no such service bit
  WARD_ASSERT_TRUE(outsider.start());
  WARD_ASSERT_TRUE(outsider.join(Timeout::after(Duration::s(10))));
  const Report& r = mem().report;
  WARD_ASSERT_EQ(r.done, 1u);
  WARD_EXPECT_EQ(r.n, 10u);
  for (std::uint32_t i = 0; i < r.n; ++i) WARD_EXPECT_EQ(r.status[i], PSA_ERROR_NOT_PERMITTED);
  psa_fwu_component_info_t after{};
  WARD_ASSERT_EQ(psa_fwu_query(kNs, &after), PSA_SUCCESS);
  WARD_EXPECT_EQ(after.state, before.state);
  WARD_EXPECT_EQ(after.impl.written, before.impl.written);
}

// Red team: psa_fwu_component_info_t has 3 padding bytes after `state`; the secure side copies
// its whole structure out, so anything its stack held there would reach the caller. Held.
WARD_TEST(Fwu, QueryCopiesOutNoSecureBytes) {
  static_assert(offsetof(psa_fwu_component_info_t, error) == 4);
  psa_fwu_component_info_t info;
  std::memset(&info, 0xA5, sizeof info);
  WARD_ASSERT_EQ(psa_fwu_query(kNs, &info), PSA_SUCCESS);
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(&info);
  for (std::size_t i = 1; i < offsetof(psa_fwu_component_info_t, error); ++i) WARD_EXPECT_EQ(bytes[i], 0u);
}

WARD_TEST(Fwu, StageRebootResumeInstallRejectClean) {
  if (first_boot_now()) {
    WARD_STACK_BOUND_USER_THREAD(user_stack, &first_boot);
    run(&first_boot);
    // Only if the reset did not happen.
    const Report& r = mem().report;
    const psa_status_t want[] = {PSA_ERROR_DOES_NOT_EXIST, PSA_ERROR_DOES_NOT_EXIST, PSA_ERROR_BAD_STATE,
                                 PSA_ERROR_NOT_SUPPORTED, PSA_SUCCESS, PSA_ERROR_BAD_STATE, PSA_SUCCESS,
                                 PSA_ERROR_INVALID_ARGUMENT, PSA_ERROR_INVALID_ARGUMENT, PSA_ERROR_INVALID_ARGUMENT,
                                 PSA_ERROR_INVALID_ARGUMENT, PSA_ERROR_INVALID_ARGUMENT, PSA_SUCCESS};
    for (std::size_t i = 0; i < sizeof want / sizeof want[0]; ++i) {
      WARD_EXPECT_EQ(r.status[i], want[i]);
    }
    WARD_EXPECT_EQ(r.state[0], PSA_FWU_WRITING);
    WARD_EXPECT_EQ(r.written, kHalf);
    WARD_EXPECT_EQ(r.done, 2u);  // psa_fwu_request_reboot returned: a failure
    return;
  }
  WARD_STACK_BOUND_USER_THREAD(user_stack, &second_boot);
  run(&second_boot);
  const Report& r = mem().report;
  WARD_ASSERT_EQ(r.done, 1u);
  WARD_EXPECT_EQ(r.state[0], PSA_FWU_WRITING);
  const psa_status_t want[] = {PSA_SUCCESS, PSA_SUCCESS, PSA_SUCCESS, PSA_SUCCESS, PSA_ERROR_BAD_STATE,
                               PSA_SUCCESS_REBOOT, PSA_SUCCESS, PSA_ERROR_BAD_STATE, PSA_ERROR_BAD_STATE,
                               PSA_ERROR_BAD_STATE, PSA_SUCCESS, PSA_SUCCESS, PSA_SUCCESS, PSA_SUCCESS, PSA_SUCCESS,
                               PSA_SUCCESS, PSA_ERROR_INVALID_SIGNATURE, PSA_SUCCESS, PSA_SUCCESS, PSA_SUCCESS,
                               PSA_SUCCESS, PSA_SUCCESS, PSA_ERROR_INVALID_SIGNATURE, PSA_SUCCESS, PSA_SUCCESS};
  WARD_EXPECT_EQ(r.n, sizeof want / sizeof want[0]);
  for (std::size_t i = 0; i < sizeof want / sizeof want[0]; ++i) {
    if (r.status[i] != want[i]) print("fwu test: step ", static_cast<std::uint32_t>(i), " got ", r.status[i], "\n");
    WARD_EXPECT_EQ(r.status[i], want[i]);
  }
  // The resumed download started where the reboot left it (the last unit is sent again).
  const std::uint32_t states[] = {PSA_FWU_WRITING, PSA_FWU_CANDIDATE, PSA_FWU_STAGED, PSA_FWU_FAILED, PSA_FWU_FAILED,
                                  PSA_FWU_READY};
  for (std::size_t i = 0; i < sizeof states / sizeof states[0]; ++i) {
    WARD_EXPECT_EQ(r.state[i], states[i]);
  }
  WARD_EXPECT_EQ(r.max_size, 79u * 4096u);
  WARD_EXPECT_EQ(r.error, PSA_SUCCESS);
  // install verifies an image (SHA-256, ECDSA P-256) on the service stack: the deepest call.
  check_secure_stacks();
}

}  // namespace
