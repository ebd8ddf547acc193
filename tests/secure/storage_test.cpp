// PSA Internal Trusted Storage and Protected Storage from the non-secure side, on QEMU, through
// the real path: client library -> psa_call system call -> veneer -> secure storage on the secure
// flash (a semihosting file that outlives the run). The image reboots once in the middle (the
// runner allows two boots): what was stored before must be there after.
#include <psa/internal_trusted_storage.h>
#include <psa/protected_storage.h>

#include <cstdint>
#include <cstring>

#include "ward/isolation.hpp"
#include "ward/kernel.hpp"
#include "ward/print.hpp"
#include "ward/stack_bound.hpp"
#include "ward/test.hpp"
#include "secure_stacks.hpp"

namespace {
using namespace ward;

constexpr psa_storage_uid_t kBootCounter = 0xb007;
constexpr psa_storage_uid_t kPersistent = 0x1001;
constexpr psa_storage_uid_t kPsPersistent = 0x2001;
constexpr std::uintptr_t kSecureRam = 0x38000000;

WARD_TEST(Storage, SetGetRemove) {
  (void)psa_its_remove(0x10);
  const char value[] = "ward";
  WARD_ASSERT_EQ(psa_its_set(0x10, sizeof value, value, PSA_STORAGE_FLAG_NONE), PSA_SUCCESS);
  char out[8] = {};
  std::size_t n = 0;
  WARD_EXPECT_EQ(psa_its_get(0x10, 0, sizeof out, out, &n), PSA_SUCCESS);
  WARD_EXPECT_EQ(n, sizeof value);
  WARD_EXPECT_EQ(std::memcmp(out, value, sizeof value), 0);
  psa_storage_info_t info{};
  WARD_EXPECT_EQ(psa_its_get_info(0x10, &info), PSA_SUCCESS);
  WARD_EXPECT_EQ(info.size, sizeof value);
  WARD_EXPECT_EQ(psa_its_remove(0x10), PSA_SUCCESS);
  WARD_EXPECT_EQ(psa_its_get(0x10, 0, sizeof out, out, &n), PSA_ERROR_DOES_NOT_EXIST);
}

WARD_TEST(Storage, WriteOnceCannotBeChangedOrRemoved) {
  const std::uint32_t v = 7;
  const psa_status_t first = psa_its_set(0x20, sizeof v, &v, PSA_STORAGE_FLAG_WRITE_ONCE);
  // Set on the first boot; on the second it already exists (write-once survives reboots too).
  WARD_EXPECT_TRUE(first == PSA_SUCCESS || first == PSA_ERROR_NOT_PERMITTED);
  WARD_EXPECT_EQ(psa_its_set(0x20, sizeof v, &v, PSA_STORAGE_FLAG_NONE), PSA_ERROR_NOT_PERMITTED);
  WARD_EXPECT_EQ(psa_its_remove(0x20), PSA_ERROR_NOT_PERMITTED);
}

WARD_TEST(Storage, BadArgumentsGetErrors) {
  std::uint8_t out[4];
  std::size_t n = 0;
  WARD_EXPECT_EQ(psa_its_set(0, 1, out, PSA_STORAGE_FLAG_NONE), PSA_ERROR_INVALID_ARGUMENT);  // uid 0
  // Pointers into secure memory, for data in and data out.
  WARD_EXPECT_EQ(psa_its_set(0x30, 16, reinterpret_cast<const void*>(kSecureRam), PSA_STORAGE_FLAG_NONE),
                 PSA_ERROR_INVALID_ARGUMENT);
  const std::uint32_t v = 1;
  WARD_ASSERT_EQ(psa_its_set(0x30, sizeof v, &v, PSA_STORAGE_FLAG_NONE), PSA_SUCCESS);
  WARD_EXPECT_EQ(psa_its_get(0x30, 0, 4, reinterpret_cast<void*>(kSecureRam), &n), PSA_ERROR_INVALID_ARGUMENT);
  WARD_EXPECT_EQ(psa_its_get(0x30, 8, sizeof out, out, &n), PSA_ERROR_INVALID_ARGUMENT);  // offset past the end
  // Larger than one call carries: refused, nothing written.
  static std::uint8_t big[5000];
  WARD_EXPECT_NE(psa_its_set(0x31, sizeof big, big, PSA_STORAGE_FLAG_NONE), PSA_SUCCESS);
  WARD_EXPECT_EQ(psa_its_get(0x31, 0, sizeof out, out, &n), PSA_ERROR_DOES_NOT_EXIST);
}

WARD_TEST(Storage, ProtectedStorageCreateAndExtend) {
  (void)psa_ps_remove(0x40);
  WARD_EXPECT_EQ(psa_ps_get_support() & PSA_STORAGE_SUPPORT_SET_EXTENDED, PSA_STORAGE_SUPPORT_SET_EXTENDED);
  WARD_ASSERT_EQ(psa_ps_create(0x40, 64, PSA_STORAGE_FLAG_NONE), PSA_SUCCESS);
  const char part[] = "0123456789";
  WARD_EXPECT_EQ(psa_ps_set_extended(0x40, 0, 10, part), PSA_SUCCESS);
  WARD_EXPECT_EQ(psa_ps_set_extended(0x40, 10, 10, part), PSA_SUCCESS);
  psa_storage_info_t info{};
  WARD_EXPECT_EQ(psa_ps_get_info(0x40, &info), PSA_SUCCESS);
  WARD_EXPECT_EQ(info.capacity, 64u);
  char out[20];
  std::size_t n = 0;
  WARD_EXPECT_EQ(psa_ps_get(0x40, 0, sizeof out, out, &n), PSA_SUCCESS);
  WARD_EXPECT_EQ(n, sizeof out);
  WARD_EXPECT_EQ(std::memcmp(out + 10, part, 10), 0);
  // Capacity 0: an empty object (PSA Storage API), which takes no data.
  (void)psa_ps_remove(0x41);
  WARD_EXPECT_EQ(psa_ps_create(0x41, 0, PSA_STORAGE_FLAG_NONE), PSA_SUCCESS);
  WARD_EXPECT_EQ(psa_ps_get_info(0x41, &info), PSA_SUCCESS);
  WARD_EXPECT_EQ(info.capacity, 0u);
  WARD_EXPECT_EQ(psa_ps_set_extended(0x41, 0, 1, part), PSA_ERROR_INVALID_ARGUMENT);
  WARD_EXPECT_EQ(psa_ps_remove(0x41), PSA_SUCCESS);
}

// ---- Separation between callers: a user thread cannot see the kernel's entries or another's ------
PartitionMemory<64> user_memory;
struct UserOrders {
  volatile std::int32_t status_get;
  volatile std::int32_t status_remove;
  volatile std::int32_t status_set;
  std::uint8_t data[16];
};
UserOrders& orders() { return *static_cast<UserOrders*>(static_cast<void*>(user_memory.bytes)); }
constexpr Domain<1> user_domain{Partition::of(user_memory, Access::read_write)};
UserThreadStack<1536> user_stack;
Thread user;

void user_main(void*) {
  auto& o = orders();
  std::size_t n = 0;
  o.status_get = psa_its_get(0x50, 0, sizeof o.data, o.data, &n);
  o.status_remove = psa_its_remove(0x50);
  o.status_set = psa_its_set(0x50, 4, o.data, PSA_STORAGE_FLAG_NONE);  // its own 0x50
  (void)psa_its_remove(0x50);
}

WARD_TEST(Storage, CallersAreSeparated) {
  const std::uint32_t secret = 0x5ec2e7;
  WARD_ASSERT_EQ(psa_its_set(0x50, sizeof secret, &secret, PSA_STORAGE_FLAG_NONE), PSA_SUCCESS);
  orders() = UserOrders{};
  WARD_STACK_BOUND_USER_THREAD(user_stack, &user_main);
  WARD_ASSERT_TRUE(user.create_user(user_stack.span(), &user_main, nullptr, Priority{20}, "user", user_domain));
  WARD_ASSERT_TRUE(user.start());
  WARD_ASSERT_TRUE(user.join(Timeout::after(Duration::s(5))));
  WARD_EXPECT_EQ(orders().status_get, PSA_ERROR_DOES_NOT_EXIST);
  WARD_EXPECT_EQ(orders().status_remove, PSA_ERROR_DOES_NOT_EXIST);
  WARD_EXPECT_EQ(orders().status_set, PSA_SUCCESS);
  std::uint32_t back = 0;
  std::size_t n = 0;
  WARD_EXPECT_EQ(psa_its_get(0x50, 0, sizeof back, &back, &n), PSA_SUCCESS);  // the kernel's is intact
  WARD_EXPECT_EQ(back, secret);
  check_secure_stacks();
}

// ---- Across a reboot ---------------------------------------------------------------------------------
WARD_TEST(Storage, SurvivesAReboot) {
  std::uint32_t boots = 0;
  std::size_t n = 0;
  const psa_status_t s = psa_its_get(kBootCounter, 0, sizeof boots, &boots, &n);
  const char its_value[] = "its before reboot";
  const char ps_value[] = "ps before reboot";
  if (s == PSA_ERROR_DOES_NOT_EXIST) {
    WARD_ASSERT_EQ(psa_its_set(kPersistent, sizeof its_value, its_value, PSA_STORAGE_FLAG_NONE), PSA_SUCCESS);
    WARD_ASSERT_EQ(psa_ps_set(kPsPersistent, sizeof ps_value, ps_value, PSA_STORAGE_FLAG_NONE), PSA_SUCCESS);
    boots = 1;
    WARD_ASSERT_EQ(psa_its_set(kBootCounter, sizeof boots, &boots, PSA_STORAGE_FLAG_NONE), PSA_SUCCESS);
    print("storage test: rebooting\n");
    *reinterpret_cast<volatile std::uint32_t*>(0xE000ED0C) = 0x05FA0004;  // AIRCR.SYSRESETREQ
    for (;;) {
    }
  }
  WARD_ASSERT_EQ(s, PSA_SUCCESS);
  WARD_EXPECT_EQ(boots, 1u);
  char out[32] = {};
  WARD_EXPECT_EQ(psa_its_get(kPersistent, 0, sizeof its_value, out, &n), PSA_SUCCESS);
  WARD_EXPECT_EQ(std::memcmp(out, its_value, sizeof its_value), 0);
  WARD_EXPECT_EQ(psa_ps_get(kPsPersistent, 0, sizeof ps_value, out, &n), PSA_SUCCESS);
  WARD_EXPECT_EQ(std::memcmp(out, ps_value, sizeof ps_value), 0);
}

}  // namespace
