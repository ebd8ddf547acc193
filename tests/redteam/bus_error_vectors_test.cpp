// Red team: the non-secure kernel (here a privileged thread calling the veneer directly, as a
// compromised kernel can) hands the secure side a vector in non-secure PERIPHERAL space where no
// device answers. The TT check passes -- SAU region 3 makes 0x40000000-0x4fffffff non-secure, and
// the privileged view of the non-secure MPU (PRIVDEFENA) allows it -- so the boundary copies the
// input with a secure memcpy, the bus answers with an error, and the BusFault (which stays Secure)
// is taken from secure code: ward_secure_fault calls it "fault in the secure image" and halts the
// machine. docs/secure-world.md: "Nothing the non-secure side passes can crash the secure side".
// The same for an output: the service's result is copied out into the hole (a BusFault on write).
// (A user thread cannot do this: the kernel never accepts device memory as a system-call buffer.)
// The test expects a PSA error and a secure side that still serves.
#include <psa/crypto.h>

#include <cstdint>
#include <cstring>

#include "ward/kernel.hpp"
#include "ward/print.hpp"
#include "ward/secure/call.h"
#include "ward/secure/crypto_wire.h"
#include "ward/secure/gateway.h"
#include "ward/test.hpp"

namespace {
using namespace ward;

constexpr std::uint32_t kNoSuchService = 0x7777;
constexpr std::int32_t kNoService = -130;  // PSA_ERROR_CONNECTION_REFUSED: the call got through
// Non-secure peripheral space with nothing mapped (between the dual timer at 0x40002000 and the
// system information block at 0x40020000, QEMU's "info mtree").
constexpr std::uintptr_t kNothingThere = 0x40010000;

std::uint8_t buffer[64];

psa_status_t call(const psa_invec* in, std::uint32_t in_len, psa_outvec* out, std::uint32_t out_len) {
  ward_spe_request r{kNoSuchService, 0, 1, 0, in, in_len, out, out_len};
  return ward_spe_call(&r);
}

WARD_TEST(BusErrorVectors, AnInputWhereNoDeviceAnswersGetsAnError) {
  psa_invec in{reinterpret_cast<const void*>(kNothingThere), 16};
  const psa_status_t s = call(&in, 1, nullptr, 0);
  print("input at ", fmt::hex(kNothingThere), ": ", static_cast<int>(s), "\n");
  WARD_EXPECT_NE(s, PSA_SUCCESS);
  // The secure side still serves.
  psa_invec good{buffer, sizeof buffer};
  WARD_EXPECT_EQ(call(&good, 1, nullptr, 0), kNoService);
}

WARD_TEST(BusErrorVectors, AnOutputWhereNoDeviceAnswersGetsAnError) {
  // The output is written after the service ran: random bytes, copied out into the hole.
  WARD_ASSERT_EQ(psa_crypto_init(), PSA_SUCCESS);
  ward_crypto_args args{};
  psa_invec in{&args, sizeof args};
  psa_outvec out{reinterpret_cast<void*>(kNothingThere), 16};
  ward_spe_request r{WARD_SERVICE_CRYPTO, WARD_CRYPTO_GENERATE_RANDOM, 1, 0, &in, 1, &out, 1};
  const psa_status_t s = ward_spe_call(&r);
  print("random bytes out to ", fmt::hex(kNothingThere), ": ", static_cast<int>(s), "\n");
  psa_invec good{buffer, sizeof buffer};
  WARD_EXPECT_EQ(call(&good, 1, nullptr, 0), kNoService);
}

}  // namespace
