// Red team of the Firmware Update grant (ward::grant_secure_service, docs/secure-world.md "Who may
// call it"), on QEMU through the whole path: a revocation must hold for every call that has not
// reached the secure side yet.
//
// The attack: a granted user thread makes a Firmware Update call while another thread is inside
// the secure image (one secure call at a time: it waits on the transport's lock). The supervisor
// revokes the grant meanwhile. The transport checked the grant before it waited, so the call went
// on to the secure side after the revocation had returned. Here the waiting call is a harmless
// psa_fwu_query; it could as well be psa_fwu_request_reboot or psa_fwu_install.
#include <psa/crypto.h>
#include <psa/update.h>
#include <ward/secure/call.h>

#include <array>
#include <cstdint>
#include <cstring>

#include "ward/isolation.hpp"
#include "ward/kernel.hpp"
#include "ward/stack_bound.hpp"
#include "ward/test.hpp"

namespace {
using namespace ward;

// What the user thread reports, in its own memory.
struct Report {
  volatile std::uint32_t calling;  // set right before the call
  volatile std::int32_t status;
  volatile std::uint32_t done;
};
PartitionMemory<256> user_memory;
static_assert(sizeof(Report) <= 256);
Report& report() { return *static_cast<Report*>(static_cast<void*>(user_memory.bytes)); }
constexpr Domain<1> user_domain{Partition::of(user_memory, Access::read_write)};
UserThreadStack<2048> user_stack;
Thread user;

void query_once(void* p) {
  auto& r = *static_cast<Report*>(p);
  psa_fwu_component_info_t info{};
  r.calling = 1;
  r.status = psa_fwu_query(WARD_FWU_COMPONENT_NONSECURE, &info);
  r.done = 1;
}

// A privileged thread that keeps the secure side busy: ECDSA signatures, one after the other.
ThreadStack<4096> busy_stack;
Thread busy;
volatile bool stop_busy = false;
volatile std::uint32_t signatures = 0;
psa_key_id_t busy_key = 0;
void sign_until_stopped(void*) {
  std::array<std::uint8_t, 32> hash{};
  std::array<std::uint8_t, 64> sig{};
  while (!stop_busy) {
    std::size_t n = 0;
    if (psa_sign_hash(busy_key, PSA_ALG_ECDSA(PSA_ALG_SHA_256), hash.data(), hash.size(), sig.data(), sig.size(),
                      &n) == PSA_SUCCESS) {
      signatures = signatures + 1;
    }
  }
}

WARD_TEST(FwuGrant, ARevocationHoldsForACallWaitingForTheSecureSide) {
  WARD_ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);
  psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
  psa_set_key_type(&a, PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1));
  psa_set_key_bits(&a, 256);
  psa_set_key_usage_flags(&a, PSA_KEY_USAGE_SIGN_HASH);
  psa_set_key_algorithm(&a, PSA_ALG_ECDSA(PSA_ALG_SHA_256));
  WARD_ASSERT_EQ(psa_generate_key(&a, &busy_key), PSA_SUCCESS);
  // Below this thread (the supervisor, main), below the user thread.
  WARD_STACK_BOUND_THREAD(busy_stack, &sign_until_stopped);
  WARD_ASSERT_TRUE(busy.start(busy_stack.span(), &sign_until_stopped, nullptr, Priority{4}, "busy"));
  bool caught_waiting = false;
  for (int attempt = 0; attempt < 20 && !caught_waiting; ++attempt) {
    WARD_ASSERT_TRUE(this_thread::sleep_for(Duration::us(700)));  // `busy` is inside a signature, most likely
    std::memset(&report(), 0, sizeof(Report));
    WARD_STACK_BOUND_USER_THREAD(user_stack, &query_once);
    WARD_ASSERT_TRUE(user.create_user(user_stack.span(), &query_once, &report(), Priority{8}, "updater",
                                      user_domain));
    WARD_ASSERT_TRUE(grant_secure_service(user, WARD_SERVICE_FWU));
    WARD_ASSERT_TRUE(user.start());
    // The user thread runs now (above `busy`): it passes the grant check and waits for the lock,
    // or, if `busy` was between two signatures, its call is served at once.
    for (int i = 0; i < 50 && report().done == 0 && !(report().calling != 0 && user.state() == ThreadState::blocked);
         ++i) {
      WARD_ASSERT_TRUE(this_thread::sleep_for(Duration::us(100)));
    }
    caught_waiting = report().done == 0 && report().calling != 0 && user.state() == ThreadState::blocked;
    if (caught_waiting) {
      // The supervisor takes the grant away while the call waits.
      WARD_ASSERT_TRUE(revoke_secure_service(user, WARD_SERVICE_FWU));
    }
    WARD_ASSERT_TRUE(user.join(Timeout::after(Duration::s(10))));
    WARD_ASSERT_EQ(report().done, 1u);
    if (!caught_waiting) {
      WARD_EXPECT_EQ(report().status, PSA_SUCCESS);  // granted, not revoked: served
    }
  }
  stop_busy = true;
  WARD_ASSERT_TRUE(busy.join(Timeout::after(Duration::s(10))));
  WARD_ASSERT_TRUE(caught_waiting);  // else the attack was never tried
  WARD_EXPECT_GT(signatures, 0u);
  WARD_EXPECT_EQ(report().status, PSA_ERROR_NOT_PERMITTED);
}

}  // namespace
