// The dispatcher and the crypto handlers from the attacker's side: requests built by hand, straight
// into ward::secure::dispatch (as the veneer would pass them after copying), and through the host
// transport's limits. Every buffer is an exactly-sized heap block, so a read or write past a vector
// is an AddressSanitizer error in the host-asan build.
#include <ward/secure/call.h>
#include <ward/secure/call_limits.h>
#include <ward/secure/crypto_wire.h>

#include <array>
#include <cstring>
#include <memory>

#include "test_support.hpp"
#include "ward/secure/crypto/service.hpp"
#include "ward/secure/dispatch.hpp"

namespace ward::secure::test {
namespace {

ward_crypto_key_attributes hmac_attributes() {
  ward_crypto_key_attributes a{};
  a.type = PSA_KEY_TYPE_HMAC;
  a.usage = PSA_KEY_USAGE_SIGN_MESSAGE | PSA_KEY_USAGE_EXPORT;
  a.alg = PSA_ALG_HMAC(PSA_ALG_SHA_256);
  return a;
}

using Dispatch = CryptoService;

TEST_F(Dispatch, MalformedRequestsOfEveryTypeAreRefused) {
  ward_crypto_args all_ones;
  std::memset(&all_ones, 0xff, sizeof all_ones);
  const ward_crypto_args zero{};
  for (const std::int32_t type : kAllTypes) {
    SCOPED_TRACE(type);
    std::vector<Call> calls;
    calls.emplace_back();                                                   // nothing at all
    calls.emplace_back().input(&zero, 0).output(64);                        // empty args
    calls.emplace_back().input(&zero, 1);                                   // 1-byte args
    calls.emplace_back().input(&zero, sizeof zero - 1).input_fill(32, 1).output(64);  // truncated args
    calls.emplace_back().input_fill(sizeof zero + 1, 0).input_fill(32, 1).output(64);  // oversized args
    calls.emplace_back().input_fill(WARD_PSA_CALL_MAX_IN, 0).output(64);   // one huge vector
    calls.emplace_back().args(zero).input_fill(1, 0).input_fill(1, 0).input_fill(1, 0);  // 3 data, 0 out
    calls.emplace_back().args(zero).output(1).output(1).output(1).output(1);  // 4 outputs
    calls.emplace_back().args(all_ones).input_fill(32, 0xff).output(64);   // every field set
    calls.emplace_back().args(all_ones);
    for (auto& call : calls) {
      EXPECT_NE(call.run(type), PSA_SUCCESS);
      for (const auto w : call.written) {
        EXPECT_EQ(w, 0u);
      }
    }
  }
  EXPECT_EQ(crypto::operations_in_use(), 0u);
}

TEST_F(Dispatch, Routing) {
  const ward_crypto_args zero{};
  EXPECT_EQ(Call().args(zero).run(WARD_CRYPTO_INIT), PSA_SUCCESS);
  EXPECT_EQ(Call().args(zero).run(WARD_CRYPTO_INIT, ClientId{0}), PSA_ERROR_NOT_PERMITTED);
  EXPECT_EQ(Call().args(zero).run(WARD_CRYPTO_INIT, kAlice, 0), PSA_ERROR_CONNECTION_REFUSED);
  EXPECT_EQ(Call().args(zero).run(WARD_CRYPTO_INIT, kAlice, 99), PSA_ERROR_CONNECTION_REFUSED);
  EXPECT_EQ(Call().args(zero).run(0), PSA_ERROR_NOT_SUPPORTED);
  EXPECT_EQ(Call().args(zero).run(-1), PSA_ERROR_NOT_SUPPORTED);
  EXPECT_EQ(Call().args(zero).run(1000), PSA_ERROR_NOT_SUPPORTED);
  // Garbage to the storage services is their handlers' business; it must not succeed.
  EXPECT_NE(Call().input_fill(7, 0xaa).output(3).run(1, kAlice, WARD_SERVICE_ITS), PSA_SUCCESS);
  EXPECT_NE(Call().input_fill(7, 0xaa).output(3).run(1, kAlice, WARD_SERVICE_PS), PSA_SUCCESS);

  // More vectors than the Firmware Framework allows, or lengths that do not match.
  Call five_in;
  for (int i = 0; i < 5; ++i) five_in.input_fill(1, 0);
  EXPECT_EQ(five_in.run(WARD_CRYPTO_INIT), PSA_ERROR_PROGRAMMER_ERROR);
  Call five_out;
  five_out.args(zero);
  for (int i = 0; i < 5; ++i) five_out.output(1);
  EXPECT_EQ(five_out.run(WARD_CRYPTO_GENERATE_RANDOM), PSA_ERROR_PROGRAMMER_ERROR);
  Call mismatch;
  mismatch.args(zero).output(8);
  mismatch.written.push_back(0);
  EXPECT_EQ(dispatch(kAlice, WARD_SERVICE_CRYPTO, WARD_CRYPTO_GENERATE_RANDOM, mismatch.in, mismatch.out,
                     mismatch.written),
            PSA_ERROR_PROGRAMMER_ERROR);
}

TEST_F(Dispatch, ImportChecksEverySize) {
  const ward_crypto_args zero{};
  const auto attributes = hmac_attributes();
  const std::vector<std::uint8_t> material(32, 5);
  // Attributes one byte short or long.
  EXPECT_EQ(Call().args(zero).input(&attributes, sizeof attributes - 1).input(material.data(), 32).output(4).run(
                WARD_CRYPTO_IMPORT_KEY),
            PSA_ERROR_INVALID_ARGUMENT);
  std::vector<std::uint8_t> longer(sizeof attributes + 1, 0);
  std::memcpy(longer.data(), &attributes, sizeof attributes);
  EXPECT_EQ(Call().args(zero).input(longer.data(), longer.size()).input(material.data(), 32).output(4).run(
                WARD_CRYPTO_IMPORT_KEY),
            PSA_ERROR_INVALID_ARGUMENT);
  // Key-id output too small / too big: refused before any key is created.
  EXPECT_EQ(Call().args(zero).input(&attributes, sizeof attributes).input(material.data(), 32).output(3).run(
                WARD_CRYPTO_IMPORT_KEY),
            PSA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(Call().args(zero).input(&attributes, sizeof attributes).input(material.data(), 32).output(5).run(
                WARD_CRYPTO_IMPORT_KEY),
            PSA_ERROR_INVALID_ARGUMENT);
  // Reserved field, oversized type/bits.
  for (int field = 0; field < 3; ++field) {
    auto bad = attributes;
    if (field == 0) bad.reserved = 1;
    if (field == 1) bad.type = 0x10000u | PSA_KEY_TYPE_HMAC;
    if (field == 2) bad.bits = 0x10000u;
    EXPECT_EQ(Call().args(zero).input(&bad, sizeof bad).input(material.data(), 32).output(4).run(WARD_CRYPTO_IMPORT_KEY),
              PSA_ERROR_INVALID_ARGUMENT);
  }
  // Nothing of the above created a key: the first valid import gets the first volatile id, and
  // exporting it into a too-small output is BUFFER_TOO_SMALL with nothing written.
  Call ok;
  ok.args(zero).input(&attributes, sizeof attributes).input(material.data(), 32).output(4);
  ASSERT_EQ(ok.run(WARD_CRYPTO_IMPORT_KEY), PSA_SUCCESS);
  EXPECT_EQ(ok.written[0], 4u);
  ward_crypto_args key_args{};
  key_args.key = ok.out_u32(0);
  Call small;
  small.args(key_args).output(31);
  EXPECT_EQ(small.run(WARD_CRYPTO_EXPORT_KEY), PSA_ERROR_BUFFER_TOO_SMALL);
  EXPECT_EQ(small.written[0], 0u);
  Call attrs_small;
  attrs_small.args(key_args).output(sizeof(ward_crypto_key_attributes) - 1);
  EXPECT_EQ(attrs_small.run(WARD_CRYPTO_GET_KEY_ATTRIBUTES), PSA_ERROR_BUFFER_TOO_SMALL);
  // The key is Alice's: Bob's identical request does not find it.
  Call bob;
  bob.args(key_args).output(32);
  const psa_status_t bob_status = bob.run(WARD_CRYPTO_EXPORT_KEY, kBob);
  EXPECT_TRUE(bob_status == PSA_ERROR_INVALID_HANDLE || bob_status == PSA_ERROR_DOES_NOT_EXIST) << bob_status;
  EXPECT_EQ(bob.written[0], 0u);
}

TEST_F(Dispatch, ForgedHandlesAreRefused) {
  ward_crypto_args setup{};
  setup.alg = PSA_ALG_SHA_256;
  Call call;
  call.args(setup).output(4);
  ASSERT_EQ(call.run(WARD_CRYPTO_HASH_SETUP), PSA_SUCCESS);
  const std::uint32_t handle = call.out_u32(0);
  for (std::uint32_t forged : {0u, 0xffffffffu, handle ^ 0x100u, handle + 1, handle - 1, handle & 0xffu, handle | 0xff}) {
    if (forged == handle) continue;
    ward_crypto_args args{};
    args.handle = forged;
    EXPECT_EQ(Call().args(args).input_fill(3, 1).run(WARD_CRYPTO_HASH_UPDATE), PSA_ERROR_BAD_STATE) << forged;
    EXPECT_EQ(Call().args(args).run(WARD_CRYPTO_KDF_ABORT), PSA_ERROR_BAD_STATE) << forged;
  }
  ward_crypto_args args{};
  args.handle = handle;
  EXPECT_EQ(Call().args(args).input_fill(3, 1).run(WARD_CRYPTO_HASH_UPDATE, kBob), PSA_ERROR_BAD_STATE);
  EXPECT_EQ(Call().args(args).run(WARD_CRYPTO_HASH_ABORT, kBob), PSA_ERROR_BAD_STATE);
  EXPECT_EQ(crypto::operations_in_use(), 1u);
  EXPECT_EQ(Call().args(args).run(WARD_CRYPTO_HASH_ABORT), PSA_SUCCESS);
  EXPECT_EQ(crypto::operations_in_use(), 0u);
}

TEST_F(Dispatch, NoStoreNoCrypto) {
  host::reboot();
  crypto::set_key_store(nullptr);
  EXPECT_NE(Call().args(ward_crypto_args{}).run(WARD_CRYPTO_INIT), PSA_SUCCESS);
  EXPECT_EQ(Call().args(ward_crypto_args{}).output(8).run(WARD_CRYPTO_GENERATE_RANDOM), PSA_ERROR_BAD_STATE);
  crypto::set_key_store(&host::default_key_store());
  EXPECT_EQ(Call().args(ward_crypto_args{}).run(WARD_CRYPTO_INIT), PSA_SUCCESS);
}

// --- The host transport's checks (what the veneer does on target) ----------------------------------

TEST_F(Dispatch, TransportLimits) {
  const ward_crypto_args zero{};
  std::vector<std::uint8_t> big(WARD_PSA_CALL_MAX_IN, 0);
  psa_invec in[5] = {{&zero, sizeof zero}, {big.data(), big.size()}};
  // Over the copy-in limit: refused before anything runs.
  EXPECT_EQ(ward_psa_call(WARD_SERVICE_CRYPTO, WARD_CRYPTO_HASH_COMPUTE, in, 2, nullptr, 0), PSA_ERROR_INVALID_ARGUMENT);
  // Too many vectors, missing arrays, null bases with lengths.
  EXPECT_EQ(ward_psa_call(WARD_SERVICE_CRYPTO, WARD_CRYPTO_INIT, in, 5, nullptr, 0), PSA_ERROR_PROGRAMMER_ERROR);
  EXPECT_EQ(ward_psa_call(WARD_SERVICE_CRYPTO, WARD_CRYPTO_INIT, nullptr, 1, nullptr, 0), PSA_ERROR_PROGRAMMER_ERROR);
  psa_invec null_in[1] = {{nullptr, 4}};
  EXPECT_EQ(ward_psa_call(WARD_SERVICE_CRYPTO, WARD_CRYPTO_INIT, null_in, 1, nullptr, 0), PSA_ERROR_PROGRAMMER_ERROR);
  psa_outvec null_out[1] = {{nullptr, 4}};
  EXPECT_EQ(ward_psa_call(WARD_SERVICE_CRYPTO, WARD_CRYPTO_GENERATE_RANDOM, in, 1, null_out, 1),
            PSA_ERROR_PROGRAMMER_ERROR);
  // A larger output buffer is clamped to what one call carries back; len reports what was written.
  std::vector<std::uint8_t> out(WARD_PSA_CALL_MAX_OUT + 100, 0);
  psa_outvec outvec[1] = {{out.data(), out.size()}};
  ASSERT_EQ(ward_psa_call(WARD_SERVICE_CRYPTO, WARD_CRYPTO_GENERATE_RANDOM, in, 1, outvec, 1), PSA_SUCCESS);
  EXPECT_EQ(outvec[0].len, WARD_PSA_CALL_MAX_OUT);
  EXPECT_EQ(std::count(out.end() - 100, out.end(), 0), 100);
  // A failed call reports nothing written.
  ward_crypto_args bad_hash{};
  bad_hash.alg = PSA_ALG_SHA_256;
  psa_invec hash_in[2] = {{&bad_hash, sizeof bad_hash}, {big.data(), 10}};
  psa_outvec short_out[1] = {{out.data(), 16}};
  EXPECT_EQ(ward_psa_call(WARD_SERVICE_CRYPTO, WARD_CRYPTO_HASH_COMPUTE, hash_in, 2, short_out, 1),
            PSA_ERROR_BUFFER_TOO_SMALL);
  EXPECT_EQ(short_out[0].len, 0u);
}

}  // namespace
}  // namespace ward::secure::test
