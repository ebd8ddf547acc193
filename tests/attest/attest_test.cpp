// PSA Initial Attestation on the host (docs/attestation.md): tokens from psa_initial_attest_get_token
// through the client, the host transport, the dispatcher and the service (secure/attest), verified
// by ward-attest's verifier (tools/ward-attest) with the key enrolment derives from the HUK, and
// every check of the verifier shown to refuse what it must: wrong nonce, tampered payload, wrong
// key, a component that does not match its reference value, a buffer too small.
#include <gtest/gtest.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <cbor.h>
#include <psa/initial_attestation.h>
#include <ward/secure/attest_wire.h>
#include <ward/secure/call.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <vector>

#include "verifier.hpp"
#include "ward/secure/attest/service.hpp"
#include "ward/secure/host.hpp"
#include "ward/secure/huk.hpp"

namespace {

using ward::attest::Bytes;
using ward::attest::Failure;
namespace sa = ward::secure::attest;

constexpr std::string_view kService = "https://verifier.example/ward/attestation";

sa::SwComponent component(std::string_view type, std::string_view version, std::uint8_t fill) {
  sa::SwComponent c;
  c.type_size = type.size();
  std::copy(type.begin(), type.end(), c.type.begin());
  c.version_size = version.size();
  std::copy(version.begin(), version.end(), c.version.begin());
  c.measurement.fill(fill);
  c.signer_id.fill(static_cast<std::uint8_t>(fill + 1));
  return c;
}

ward::attest::Reference reference(const sa::SwComponent& c) {
  return {std::string(c.type_name()), std::string(c.version_text()),
          Bytes(c.measurement.begin(), c.measurement.end()), Bytes(c.signer_id.begin(), c.signer_id.end())};
}

class Attestation : public ::testing::Test {
 protected:
  void SetUp() override {
    components_ = {component("SPE", "1.0.0+0", 0x10), component("NSPE", "2.3.4+5", 0x20)};
    settings_.implementation_id.fill(0x57);
    settings_.lifecycle = sa::kLifecyclePsaRotProvisioning;
    settings_.verification_service = kService;
    ASSERT_TRUE(sa::configure(settings_, components_));
    const auto huk = ward::secure::hardware_unique_key();
    auto key = ward::attest::derive_public_key(
        {reinterpret_cast<const std::uint8_t*>(huk.data()), huk.size()});
    ASSERT_TRUE(key) << key.error();
    key_ = std::move(*key);
    expected_.key = key_.get();
    expected_.references = {reference(components_[0]), reference(components_[1])};
    expected_.implementation_id = Bytes(32, 0x57);
    nonce_.resize(32);
    for (std::size_t i = 0; i < nonce_.size(); ++i) nonce_[i] = static_cast<std::uint8_t>(i * 3 + 1);
    expected_.nonce = nonce_;
  }

  Bytes token(std::size_t nonce_size = 32) {
    nonce_.resize(nonce_size, 0x77);
    expected_.nonce = nonce_;
    Bytes t(PSA_INITIAL_ATTEST_MAX_TOKEN_SIZE);
    std::size_t n = 0;
    EXPECT_EQ(psa_initial_attest_get_token(nonce_.data(), nonce_.size(), t.data(), t.size(), &n), PSA_SUCCESS);
    t.resize(n);
    return t;
  }

  Failure verify(const Bytes& t) {
    ward::attest::Token out;
    return ward::attest::verify(t, expected_, out);
  }

  std::array<sa::SwComponent, 2> components_{};
  sa::Settings settings_;
  ward::attest::Pkey key_;
  ward::attest::Expected expected_;
  Bytes nonce_;
};

TEST_F(Attestation, TokenVerifiesWithTheEnrolledKeyAndCarriesTheClaims) {
  ward::secure::host::set_current_client(ward::secure::nonsecure_client(3));
  const Bytes t = token();
  ward::secure::host::set_current_client(ward::secure::nonsecure_client(1));
  // The libFuzzer smoke run's seed (fuzz_smoke.sh): a real token.
  if (const char* path = std::getenv("WARD_ATTEST_TOKEN_OUT")) {
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(t.data()),
                                                 static_cast<std::streamsize>(t.size()));
  }
  ward::attest::Token out;
  ASSERT_EQ(ward::attest::verify(t, expected_, out), Failure::none);
  EXPECT_EQ(out.profile, "tag:psacertified.org,2023:psa#tfm");
  EXPECT_EQ(out.nonce, nonce_);
  EXPECT_EQ(out.client_id, -3);  // the caller the secure side derived
  EXPECT_EQ(out.lifecycle, 0x2000u);
  EXPECT_EQ(out.verification_service, kService);
  EXPECT_EQ(out.boot_seed.size(), 32u);
  ASSERT_EQ(out.components.size(), 2u);
  EXPECT_EQ(out.components[1].type, "NSPE");
  EXPECT_EQ(out.components[1].version, "2.3.4+5");
  EXPECT_EQ(out.components[1].description, "sha-256");
  // The instance id is the one enrolment computes from the public key, and the service's own.
  sa::Identity id;
  ASSERT_EQ(sa::identity(id), PSA_SUCCESS);
  EXPECT_EQ(out.instance_id, Bytes(id.instance_id.begin(), id.instance_id.end()));
  EXPECT_EQ(out.instance_id, ward::attest::instance_id(key_.get()));
}

TEST_F(Attestation, TokenSizeIsTheSizeOfTheTokenForEveryChallengeSize) {
  for (std::size_t n : {32u, 48u, 64u}) {
    std::size_t size = 0;
    ASSERT_EQ(psa_initial_attest_get_token_size(n, &size), PSA_SUCCESS);
    const Bytes t = token(n);
    EXPECT_EQ(size, t.size()) << n;
    EXPECT_LE(size, PSA_INITIAL_ATTEST_MAX_TOKEN_SIZE);
    EXPECT_EQ(verify(t), Failure::none) << n;
  }
}

TEST_F(Attestation, SameBootSameSeedFreshSignatures) {
  ward::attest::Token a, b;
  ASSERT_EQ(ward::attest::verify(token(), expected_, a), Failure::none);
  ASSERT_EQ(ward::attest::verify(token(), expected_, b), Failure::none);
  EXPECT_EQ(a.boot_seed, b.boot_seed);
  EXPECT_NE(a.signature, b.signature);  // ECDSA's random k
}

TEST_F(Attestation, IakNonceIsNotRepeatedAfterAStorageRollbackRedteam) {
  // Attack: the IAK comes from the HUK and survives anything done to storage, but the random
  // generator's seed lives there (no TRNG). Restore a copy of the storage before each boot and the
  // random stream repeats; were the IAK's nonce that stream alone, two tokens for different
  // challenges would share r and give the IAK away. The nonce is hedged with the key and the
  // digest (crypto::ecdsa_nonce): r differs.
  auto& store = ward::secure::host::default_key_store();
  ASSERT_EQ(verify(token()), Failure::none);  // the service is started, the boot seed drawn
  const auto snapshot = store;
  auto boot_and_sign = [&](std::uint8_t challenge) {
    ward::secure::host::reboot();
    store = snapshot;
    nonce_.assign(32, challenge);
    ward::attest::Token out;
    EXPECT_EQ(ward::attest::verify(token(), expected_, out), Failure::none);
    return Bytes(out.signature.begin(), out.signature.begin() + 32);  // r
  };
  const Bytes r_a = boot_and_sign(0xaa);
  const Bytes r_b = boot_and_sign(0xbb);
  EXPECT_NE(r_a, r_b) << "same nonce for two challenges: the IAK is recoverable";
}

TEST_F(Attestation, WrongNonceIsRefused) {
  const Bytes t = token();
  expected_.nonce[0] ^= 1;
  EXPECT_EQ(verify(t), Failure::nonce);
}

TEST_F(Attestation, TamperedPayloadIsRefused) {
  Bytes t = token();
  // A byte of the verification service's URI, inside the signed payload.
  const auto it = std::search(t.begin(), t.end(), kService.begin(), kService.end());
  ASSERT_NE(it, t.end());
  it[8] ^= 0x01;
  EXPECT_EQ(verify(t), Failure::signature);
  // And the nonce itself, changed together with what the verifier expects.
  Bytes u = token();
  const auto n = std::search(u.begin(), u.end(), nonce_.begin(), nonce_.end());
  ASSERT_NE(n, u.end());
  *n ^= 0x80;
  expected_.nonce[0] ^= 0x80;
  EXPECT_EQ(verify(u), Failure::signature);
  // The signature's last byte.
  Bytes s = token();
  s.back() ^= 0x01;
  EXPECT_EQ(verify(s), Failure::signature);
}

TEST_F(Attestation, WrongKeyIsRefused) {
  EVP_PKEY* other = EVP_EC_gen("P-256");
  ASSERT_NE(other, nullptr);
  ward::attest::Pkey guard{other};
  expected_.key = other;
  EXPECT_EQ(verify(token()), Failure::signature);
  // The right key with another device's instance id.
  expected_.key = key_.get();
  expected_.instance_id = Bytes(33, 0x01);
  EXPECT_EQ(verify(token()), Failure::instance_id);
}

TEST_F(Attestation, ComponentThatDoesNotMatchItsReferenceIsRefused) {
  const Bytes t = token();
  expected_.references[1].measurement[31] ^= 1;
  EXPECT_EQ(verify(t), Failure::measurement);
  expected_.references[1] = reference(components_[1]);
  expected_.references[0].signer_id[0] ^= 1;
  EXPECT_EQ(verify(t), Failure::measurement);
  expected_.references[0] = reference(components_[0]);
  expected_.references[0].version = "1.0.1+0";
  EXPECT_EQ(verify(t), Failure::measurement);
  expected_.references[0] = reference(components_[0]);
  expected_.references[0].type = "BL2";
  EXPECT_EQ(verify(t), Failure::unknown_component);
  // A reference value for an image the token does not report.
  expected_.references[0] = reference(components_[0]);
  expected_.references.push_back(reference(component("ARoT", "1.0.0+0", 0x30)));
  EXPECT_EQ(verify(t), Failure::missing_component);
}

TEST_F(Attestation, BufferTooSmallIsRefusedAndExactSizeWorks) {
  std::size_t size = 0;
  ASSERT_EQ(psa_initial_attest_get_token_size(32, &size), PSA_SUCCESS);
  Bytes t(size);
  std::size_t n = 123;
  EXPECT_EQ(psa_initial_attest_get_token(nonce_.data(), 32, t.data(), size - 1, &n), PSA_ERROR_BUFFER_TOO_SMALL);
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(psa_initial_attest_get_token(nonce_.data(), 32, t.data(), 0, &n), PSA_ERROR_BUFFER_TOO_SMALL);
  ASSERT_EQ(psa_initial_attest_get_token(nonce_.data(), 32, t.data(), size, &n), PSA_SUCCESS);
  EXPECT_EQ(n, size);
  EXPECT_EQ(verify(t), Failure::none);
}

TEST_F(Attestation, ChallengeSizesOtherThan32_48_64AreRefused) {
  Bytes t(PSA_INITIAL_ATTEST_MAX_TOKEN_SIZE);
  const Bytes challenge(65, 1);
  std::size_t n = 0;
  for (std::size_t bad : {0u, 1u, 31u, 33u, 47u, 63u, 65u}) {
    EXPECT_EQ(psa_initial_attest_get_token(challenge.data(), bad, t.data(), t.size(), &n), PSA_ERROR_INVALID_ARGUMENT)
        << bad;
    EXPECT_EQ(psa_initial_attest_get_token_size(bad, &n), PSA_ERROR_INVALID_ARGUMENT) << bad;
  }
  EXPECT_EQ(psa_initial_attest_get_token(nullptr, 32, t.data(), t.size(), &n), PSA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(psa_initial_attest_get_token(challenge.data(), 32, t.data(), t.size(), nullptr),
            PSA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(psa_initial_attest_get_token_size(32, nullptr), PSA_ERROR_INVALID_ARGUMENT);
}

TEST_F(Attestation, HostileRequestsAreRefused) {
  std::uint32_t size = 32, out = 0;
  const psa_invec in[2] = {{&size, sizeof size}, {&size, sizeof size}};
  psa_outvec o[2] = {{&out, sizeof out}, {&out, sizeof out}};
  EXPECT_EQ(ward_psa_call(WARD_SERVICE_ATTEST, WARD_ATTEST_GET_TOKEN_SIZE, in, 2, o, 1), PSA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(ward_psa_call(WARD_SERVICE_ATTEST, WARD_ATTEST_GET_TOKEN_SIZE, in, 1, o, 0), PSA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(ward_psa_call(WARD_SERVICE_ATTEST, WARD_ATTEST_GET_TOKEN_SIZE, in, 1, o, 2), PSA_ERROR_INVALID_ARGUMENT);
  const std::uint16_t short_size = 32;
  const psa_invec shorter[1] = {{&short_size, sizeof short_size}};
  EXPECT_EQ(ward_psa_call(WARD_SERVICE_ATTEST, WARD_ATTEST_GET_TOKEN_SIZE, shorter, 1, o, 1),
            PSA_ERROR_INVALID_ARGUMENT);
  psa_outvec tiny[1] = {{&out, 2}};
  EXPECT_EQ(ward_psa_call(WARD_SERVICE_ATTEST, WARD_ATTEST_GET_TOKEN_SIZE, in, 1, tiny, 1), PSA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(ward_psa_call(WARD_SERVICE_ATTEST, 99, in, 1, o, 1), PSA_ERROR_NOT_SUPPORTED);
}

TEST_F(Attestation, LifecycleAndImplementationIdAreChecked) {
  const Bytes t = token();
  expected_.require_secured = true;
  EXPECT_EQ(verify(t), Failure::lifecycle);  // a development build's token
  expected_.require_secured = false;
  expected_.implementation_id->at(0) ^= 1;
  EXPECT_EQ(verify(t), Failure::implementation_id);
  // A production build's lifecycle passes the check.
  settings_.lifecycle = sa::kLifecycleSecured;
  ASSERT_TRUE(sa::configure(settings_, components_));
  expected_.implementation_id->at(0) ^= 1;
  expected_.require_secured = true;
  EXPECT_EQ(verify(token()), Failure::none);
}

TEST_F(Attestation, WithoutMeasurementsThereIsNoToken) {
  ASSERT_TRUE(sa::configure(settings_, {}));
  Bytes t(PSA_INITIAL_ATTEST_MAX_TOKEN_SIZE);
  std::size_t n = 0;
  EXPECT_EQ(psa_initial_attest_get_token(nonce_.data(), 32, t.data(), t.size(), &n), PSA_ERROR_NOT_SUPPORTED);
  EXPECT_EQ(psa_initial_attest_get_token_size(32, &n), PSA_ERROR_NOT_SUPPORTED);
  // More components than the service holds, or an over-long URI: refused at configuration.
  std::array<sa::SwComponent, 3> three{};
  EXPECT_FALSE(sa::configure(settings_, three));
  const std::string long_uri(sa::kMaxVerificationService + 1, 'x');
  sa::Settings s = settings_;
  s.verification_service = long_uri;
  EXPECT_FALSE(sa::configure(s, components_));
}

// The decoder, from the attacker's side: every truncation and every single-bit flip of a good token
// is refused or, for a flip the signature covers, refused by verify(); nothing crashes (ASan/UBSan
// in host-asan; the libFuzzer target goes further).
TEST_F(Attestation, TruncatedAndFlippedTokensAreRefused) {
  const Bytes t = token();
  for (std::size_t n = 0; n < t.size(); ++n) {
    const Bytes cut(t.begin(), t.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_NE(verify(cut), Failure::none) << n;
  }
  Bytes longer = t;
  longer.push_back(0);
  EXPECT_EQ(verify(longer), Failure::malformed);
  for (std::size_t i = 0; i < t.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      Bytes f = t;
      f[i] ^= static_cast<std::uint8_t>(1u << bit);
      ASSERT_NE(verify(f), Failure::none) << i << ':' << bit;
    }
  }
}

TEST(AttestReferences, ParsingIsStrict) {
  const std::string m(64, 'a'), s(64, 'b');
  auto ok = ward::attest::parse_references("# comment\nSPE 1.0.0+0 " + m + ' ' + s + "\n");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->size(), 1u);
  EXPECT_EQ(ward::attest::format_reference(ok->front()), "SPE 1.0.0+0 " + m + ' ' + s + '\n');
  EXPECT_FALSE(ward::attest::parse_references(""));
  EXPECT_FALSE(ward::attest::parse_references("SPE 1.0.0+0 " + m + "\n"));
  EXPECT_FALSE(ward::attest::parse_references("SPE 1.0.0+0 " + m + ' ' + s + " extra\n"));
  EXPECT_FALSE(ward::attest::parse_references("SPE 1.0.0+0 " + m.substr(2) + ' ' + s + "\n"));
  EXPECT_FALSE(ward::attest::parse_references("SPE 1.0.0+0 " + std::string(64, 'g') + ' ' + s + "\n"));
  EXPECT_FALSE(ward::attest::parse_references("SPE 1 " + m + ' ' + s + "\nSPE 2 " + m + ' ' + s + "\n"));
}

}  // namespace

namespace {

Failure decode(const Bytes& b) {
  ward::attest::Token t;
  return ward::attest::decode(b, t);
}

// The fuzzer's first find: libcbor allocates a container at its declared size before reading it, so
// a few bytes could make the verifier ask for gigabytes. Refused before anything is allocated.
TEST(AttestDecode, ContainersDeclaringMoreItemsThanBytesAreRefused) {
  EXPECT_EQ(decode({0xd2, 0xbb, 0x00, 0x00, 0x00, 0x0b, 0xab, 0xab, 0xab, 0xab}), Failure::malformed);
  EXPECT_EQ(decode({0xd2, 0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}), Failure::malformed);
  EXPECT_EQ(decode({0xd2, 0x84, 0x40, 0xa0, 0x40}), Failure::malformed);  // four items announced, three there
  EXPECT_EQ(decode(Bytes(ward::attest::kMaxTokenSize + 1, 0xd2)), Failure::malformed);
}

// Debian 12's libcbor refuses every item tagged 6..20 (COSE_Sign1 is 18), so decode() reads the tag
// byte itself (decode.cpp). If this starts failing, libcbor was fixed and the workaround can go.
TEST(AttestDecode, TaggedSign1IsWhatLibcborRefuses) {
  const Bytes tagged = {0xd2, 0x80};  // 18([])
  cbor_load_result r{};
  cbor_item_t* item = cbor_load(tagged.data(), tagged.size(), &r);
  EXPECT_EQ(item, nullptr);
  if (item != nullptr) cbor_decref(&item);
  // The decoder gets past the tag to the (empty, so wrong) array.
  EXPECT_EQ(decode(tagged), Failure::not_sign1);
  EXPECT_EQ(decode({0x84, 0x40, 0xa0, 0x40, 0x40}), Failure::not_sign1);        // untagged
  EXPECT_EQ(decode({0xd1, 0x84, 0x40, 0xa0, 0x40, 0x40}), Failure::not_sign1);  // COSE_Mac0's tag
}

}  // namespace
