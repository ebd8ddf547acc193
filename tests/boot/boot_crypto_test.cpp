// The bootloader's own SHA-256 and ECDSA P-256 verification, against known answers (FIPS 180-4
// examples), OpenSSL (random messages and keys) and Google's Wycheproof vectors (shared/).
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "crypto_vectors.hpp"
#include "sha256_midstate_vector.hpp"
#include "test_images.hpp"
#include "ward/p256/p256.hpp"
#include "ward/boot/sha256.hpp"

namespace {
using namespace ward;
namespace cv = ward::test::crypto_vectors;

std::array<std::uint8_t, 32> ward_sha(std::span<const std::uint8_t> data, std::size_t chunk = 0) {
  boot::Sha256 h;
  if (chunk == 0) {
    h.update(std::as_bytes(data));
  } else {
    for (std::size_t i = 0; i < data.size(); i += chunk) {
      h.update(std::as_bytes(data.subspan(i, std::min(chunk, data.size() - i))));
    }
  }
  return h.finish();
}

std::vector<std::uint8_t> unhex(const std::string& s) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < s.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoi(s.substr(i, 2), nullptr, 16)));
  }
  return out;
}

TEST(Sha256, FipsExamples) {
  auto bytes = [](const char* s) { return std::span{reinterpret_cast<const std::uint8_t*>(s), std::strlen(s)}; };
  EXPECT_EQ(ward_sha(bytes(cv::kAbc)), cv::kSha256Abc);
  EXPECT_EQ(ward_sha(bytes("")), cv::kSha256Empty);
  EXPECT_EQ(ward_sha(bytes(cv::kTwoBlock)), cv::kSha256TwoBlock);
}

TEST(Sha256, MatchesOpenSslForEveryLengthAndChunking) {
  std::mt19937 rng{42};
  std::vector<std::uint8_t> data(3000);
  for (auto& b : data) b = static_cast<std::uint8_t>(rng());
  for (std::size_t len = 0; len <= 300; ++len) {
    const auto expect = tool::sha256(std::span{data}.first(len));
    ASSERT_EQ(ward_sha(std::span{data}.first(len)), expect) << len;
    ASSERT_EQ(ward_sha(std::span{data}.first(len), 7), expect) << len;
    ASSERT_EQ(ward_sha(std::span{data}.first(len), 64), expect) << len;
  }
  EXPECT_EQ(ward_sha(data, 1000), tool::sha256(data));
}

// OpenSSL signs, Ward verifies: random keys, random digests.
// The midstate this (fast) build saves is the standard's H, the one the compact build resumes
// from (tests/common/sha256_midstate_vector.hpp; the FWU binding keeps it across a reset).
TEST(Sha256, SavesTheMidstateTheCompactBuildResumes) {
  namespace mv = ward::test::sha256_midstate;
  const auto data = mv::data(mv::kLength);
  for (const std::size_t chunk : {std::size_t{1}, std::size_t{7}, std::size_t{64}, std::size_t{1024}}) {
    boot::Sha256 h;
    for (std::size_t i = 0; i < data.size(); i += chunk) {
      h.update(std::as_bytes(std::span{data}.subspan(i, std::min(chunk, data.size() - i))));
    }
    ASSERT_TRUE(h.block_aligned());
    const boot::Sha256::Midstate m = h.save();
    EXPECT_EQ(m.h, mv::kH) << chunk;
    EXPECT_EQ(m.length, mv::kLength) << chunk;
  }
}

TEST(P256, VerifiesOpenSslSignaturesAndRejectsAnyChange) {
  std::mt19937 rng{7};
  for (int k = 0; k < 8; ++k) {
    auto key = test_images::make_key();
    auto point = *image::p256_spki_to_raw(key.spki);
    EXPECT_TRUE(ward::p256::valid_public_key(point));
    for (int m = 0; m < 12; ++m) {
      std::array<std::uint8_t, 32> digest;
      for (auto& b : digest) b = static_cast<std::uint8_t>(rng());
      if (m == 0) digest.fill(0xFF);  // a digest above n
      auto der = key.signer->sign_digest(digest);
      ASSERT_TRUE(der);
      auto sig = *image::ecdsa_der_to_raw(*der);
      ASSERT_TRUE(ward::p256::verify(point, digest, sig)) << "key " << k << " message " << m;
      auto d2 = digest;
      d2[rng() % 32] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
      EXPECT_FALSE(ward::p256::verify(point, d2, sig));
      auto s2 = sig;
      s2[rng() % 64] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
      EXPECT_FALSE(ward::p256::verify(point, digest, s2));
      auto p2 = point;
      p2[63] ^= 1;  // no longer on the curve
      EXPECT_FALSE(ward::p256::verify(p2, digest, sig));
    }
  }
}

TEST(P256, RejectsOutOfRangeScalarsAndKeys) {
  std::array<std::uint8_t, 64> pub;
  std::memcpy(pub.data(), cv::kEcdsaPublicKey.data() + 1, 64);
  std::array<std::uint8_t, 64> sig;
  std::memcpy(sig.data(), cv::kEcdsaSignature.data(), 64);
  ASSERT_TRUE(ward::p256::verify(pub, cv::kEcdsaMessageSha256, sig));
  auto zero_r = sig;
  std::fill(zero_r.begin(), zero_r.begin() + 32, 0);
  EXPECT_FALSE(ward::p256::verify(pub, cv::kEcdsaMessageSha256, zero_r));
  auto big_s = sig;
  std::fill(big_s.begin() + 32, big_s.end(), 0xFF);  // s >= n
  EXPECT_FALSE(ward::p256::verify(pub, cv::kEcdsaMessageSha256, big_s));
  std::array<std::uint8_t, 64> zero_key{};
  EXPECT_FALSE(ward::p256::verify(zero_key, cv::kEcdsaMessageSha256, sig));
  std::array<std::uint8_t, 64> big_x = pub;
  std::fill(big_x.begin(), big_x.begin() + 32, 0xFF);  // x >= p
  EXPECT_FALSE(ward::p256::valid_public_key(big_x));
}

// Wycheproof: every "valid" vector verifies, every "invalid" one is refused (DER vectors go
// through the bootloader's strict DER parser, as signatures in images do).
void run_wycheproof(const char* file, bool der) {
  const char* dir = std::getenv("WARD_SHARED_DIR");
  ASSERT_NE(dir, nullptr) << "WARD_SHARED_DIR not set";
  std::ifstream f(std::string(dir) + "/testvectors/wycheproof/" + file);
  ASSERT_TRUE(f) << file;
  const auto doc = nlohmann::json::parse(f);
  int checked = 0;
  for (const auto& group : doc["testGroups"]) {
    auto q = unhex(group["publicKey"]["uncompressed"].get<std::string>());
    ASSERT_EQ(q.size(), 65u);
    std::array<std::uint8_t, 64> pub;
    std::memcpy(pub.data(), q.data() + 1, 64);
    for (const auto& t : group["tests"]) {
      const auto msg = unhex(t["msg"].get<std::string>());
      const auto sig_bytes = unhex(t["sig"].get<std::string>());
      const std::string result = t["result"];
      const auto digest = ward_sha(msg);
      bool ok = false;
      if (der) {
        auto raw = image::ecdsa_der_to_raw(sig_bytes);
        ok = raw && ward::p256::verify(pub, digest, *raw);
      } else if (sig_bytes.size() == 64) {
        std::array<std::uint8_t, 64> raw;
        std::memcpy(raw.data(), sig_bytes.data(), 64);
        ok = ward::p256::verify(pub, digest, raw);
      }
      if (result == "valid") {
        EXPECT_TRUE(ok) << file << " tcId " << t["tcId"] << ": " << t["comment"];
      } else if (result == "invalid") {
        EXPECT_FALSE(ok) << file << " tcId " << t["tcId"] << ": " << t["comment"];
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 200);
}

TEST(P256, WycheproofRawSignatures) { run_wycheproof("ecdsa_secp256r1_sha256_p1363_test.json", false); }
TEST(P256, WycheproofDerSignatures) { run_wycheproof("ecdsa_secp256r1_sha256_test.json", true); }

}  // namespace
