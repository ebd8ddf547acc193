// boot::Sha256 built compact (WARD_SHA256_COMPACT, lib/mgmt's ward_sha256_compact: one round per
// pass, the FWU binding's), against known answers (FIPS 180-4 examples) and OpenSSL, whole, in
// chunks, and resumed from a midstate. Linked with that library alone (no ward_boot_crypto), so
// these are the compact rounds' results.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <cstring>
#include <random>
#include <vector>

#include "crypto_vectors.hpp"
#include "sha256_midstate_vector.hpp"
#include "ward/boot/sha256.hpp"

namespace {
using namespace ward;
namespace cv = ward::test::crypto_vectors;

std::array<std::uint8_t, 32> openssl_sha(std::span<const std::uint8_t> data) {
  std::array<std::uint8_t, 32> out{};
  unsigned int n = 0;
  EXPECT_EQ(EVP_Digest(data.data(), data.size(), out.data(), &n, EVP_sha256(), nullptr), 1);
  return out;
}

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

TEST(Sha256Compact, FipsExamples) {
  auto bytes = [](const char* s) { return std::span{reinterpret_cast<const std::uint8_t*>(s), std::strlen(s)}; };
  EXPECT_EQ(ward_sha(bytes(cv::kAbc)), cv::kSha256Abc);
  EXPECT_EQ(ward_sha(bytes("")), cv::kSha256Empty);
  EXPECT_EQ(ward_sha(bytes(cv::kTwoBlock)), cv::kSha256TwoBlock);
}

TEST(Sha256Compact, MatchesOpenSslForEveryLengthAndChunking) {
  std::mt19937 rng{7};
  std::vector<std::uint8_t> data(3000);
  for (auto& b : data) b = static_cast<std::uint8_t>(rng());
  for (std::size_t len = 0; len <= 300; ++len) {
    const auto expect = openssl_sha(std::span{data}.first(len));
    ASSERT_EQ(ward_sha(std::span{data}.first(len)), expect) << len;
    ASSERT_EQ(ward_sha(std::span{data}.first(len), 7), expect) << len;
    ASSERT_EQ(ward_sha(std::span{data}.first(len), 64), expect) << len;
  }
  EXPECT_EQ(ward_sha(data, 1000), openssl_sha(data));
}

// What the binding does across a reset: save at a block boundary, restore into a new object.
TEST(Sha256Compact, ResumesFromAMidstate) {
  std::vector<std::uint8_t> data(1000);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 31 + 5);
  boot::Sha256 first;
  first.update(std::as_bytes(std::span{data}.first(640)));
  ASSERT_TRUE(first.block_aligned());
  const boot::Sha256::Midstate m = first.save();
  boot::Sha256 second;
  second.restore(m);
  second.update(std::as_bytes(std::span{data}.subspan(640)));
  EXPECT_EQ(second.finish(), openssl_sha(data));
}

// A midstate saved by the bootloader's fast build (the same H: boot_crypto_tests checks it saves
// exactly these words) resumed by this build: the upload's whole-image hash is the same whichever
// build saved it (an image updated between the save and the resume, or the other way round).
TEST(Sha256Compact, ResumesTheFastBuildsMidstate) {
  namespace mv = ward::test::sha256_midstate;
  const auto data = mv::data(mv::kLength + 1000);
  boot::Sha256 h;
  h.restore({mv::kH, mv::kLength});
  h.update(std::as_bytes(std::span{data}.subspan(mv::kLength)));
  EXPECT_EQ(h.finish(), openssl_sha(data));
  // And this build saves the same words.
  boot::Sha256 again;
  again.update(std::as_bytes(std::span{data}.first(mv::kLength)));
  EXPECT_EQ(again.save().h, mv::kH);
}

}  // namespace
