// PSA's random generator on the secure side (secure/crypto/src/drbg.cpp): Ward's HMAC_DRBG with
// HMAC-SHA-256 against every NIST CAVS 14.3 SHA-256 vector its interface can run (no additional
// input to generate), read from the pinned Mbed TLS's test suites, and its limits from the
// caller's side.
#include <gtest/gtest.h>

#include <cstddef>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "ward/secure/crypto/drbg.hpp"

namespace ward::secure::crypto::test {
namespace {

using Bytes = std::vector<std::byte>;

Bytes hex(const std::string& text) {
  Bytes out;
  for (std::size_t i = 0; i + 1 < text.size(); i += 2) {
    out.push_back(static_cast<std::byte>(std::stoul(text.substr(i, 2), nullptr, 16)));
  }
  return out;
}

// Every SHA-256 case of a Mbed TLS test-suite data file whose additional inputs to generate are
// empty: its quoted hex fields in order.
std::vector<std::vector<Bytes>> cavs_cases(const std::string& file, const std::string& function,
                                           std::size_t empty_tail) {
  std::ifstream in(std::string(WARD_MBEDTLS_SOURCE_DIR) + "/tests/suites/" + file);
  EXPECT_TRUE(in.good()) << file;
  const std::string prefix = function + ":MBEDTLS_MD_SHA256:";
  std::vector<std::vector<Bytes>> cases;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) != 0) {
      continue;
    }
    std::vector<std::string> fields;
    const std::regex quoted("\"([0-9a-f]*)\"");
    for (auto it = std::sregex_iterator(line.begin(), line.end(), quoted); it != std::sregex_iterator(); ++it) {
      fields.push_back((*it)[1]);
    }
    bool empty = fields.size() > empty_tail;
    for (std::size_t i = fields.size() - 1 - empty_tail; empty && i < fields.size() - 1; ++i) {
      empty = fields[i].empty();
    }
    if (empty) {
      std::vector<Bytes> c;
      for (const auto& f : fields) {
        c.push_back(hex(f));
      }
      cases.push_back(c);
    }
  }
  return cases;
}

constexpr std::size_t kSeedLength = 48;  // entropy input (256 bits) and nonce (128 bits)

TEST(HmacDrbg, PassesNistCavsWithoutReseed) {
  // entropy || nonce, personalisation, additional 1, additional 2, returned bits (the second).
  const auto cases = cavs_cases("test_suite_hmac_drbg.no_reseed.data", "hmac_drbg_no_reseed", 2);
  ASSERT_EQ(cases.size(), 30u);
  for (const auto& c : cases) {
    HmacDrbg drbg;
    drbg.instantiate(c[0], c[1]);
    Bytes out(c[4].size());
    ASSERT_TRUE(drbg.generate(out));
    ASSERT_TRUE(drbg.generate(out));
    EXPECT_EQ(out, c[4]);
  }
}

TEST(HmacDrbg, PassesNistCavsWithReseed) {
  // entropy || nonce || reseed entropy, personalisation, reseed additional input, additional 1
  // and 2 (empty), returned bits.
  const auto cases = cavs_cases("test_suite_hmac_drbg.nopr.data", "hmac_drbg_nopr", 2);
  ASSERT_EQ(cases.size(), 30u);
  for (const auto& c : cases) {
    ASSERT_GT(c[0].size(), kSeedLength);
    HmacDrbg drbg;
    drbg.instantiate(std::span{c[0]}.first(kSeedLength), c[1]);
    drbg.reseed(std::span{c[0]}.subspan(kSeedLength), c[2]);
    Bytes out(c[5].size());
    ASSERT_TRUE(drbg.generate(out));
    ASSERT_TRUE(drbg.generate(out));
    EXPECT_EQ(out, c[5]);
  }
}

TEST(HmacDrbg, ProducesNothingBeforeInstantiationOrAfterClear) {
  HmacDrbg drbg;
  Bytes out(16, std::byte{0xAA});
  EXPECT_FALSE(drbg.generate(out));
  EXPECT_EQ(out, Bytes(16, std::byte{0xAA}));
  drbg.instantiate(Bytes(kSeedLength, std::byte{1}), {});
  EXPECT_TRUE(drbg.generate(out));
  drbg.clear();
  const Bytes before = out;
  EXPECT_FALSE(drbg.instantiated());
  EXPECT_FALSE(drbg.generate(out));
  EXPECT_EQ(out, before);
}

TEST(HmacDrbg, RefusesRequestsOverTheStandardsLimit) {
  HmacDrbg drbg;
  drbg.instantiate(Bytes(kSeedLength, std::byte{1}), {});
  Bytes big(HmacDrbg::kMaxRequest + 1, std::byte{0});
  EXPECT_FALSE(drbg.generate(big));
  EXPECT_EQ(big, Bytes(HmacDrbg::kMaxRequest + 1, std::byte{0}));
  big.pop_back();
  EXPECT_TRUE(drbg.generate(big));
}

TEST(HmacDrbg, RefusesOnceTheReseedIntervalIsUsedUp) {
  HmacDrbg drbg(2);
  drbg.instantiate(Bytes(kSeedLength, std::byte{1}), {});
  Bytes out(8);
  EXPECT_TRUE(drbg.generate(out));
  EXPECT_TRUE(drbg.generate(out));
  EXPECT_FALSE(drbg.generate(out));
  drbg.reseed(Bytes(32, std::byte{2}));
  EXPECT_TRUE(drbg.generate(out));
}

TEST(HmacDrbg, OutputsDifferAcrossCallsAndSeeds) {
  HmacDrbg a;
  HmacDrbg b;
  a.instantiate(Bytes(kSeedLength, std::byte{1}), {});
  b.instantiate(Bytes(kSeedLength, std::byte{2}), {});
  Bytes a1(32), a2(32), b1(32);
  ASSERT_TRUE(a.generate(a1));
  ASSERT_TRUE(a.generate(a2));
  ASSERT_TRUE(b.generate(b1));
  EXPECT_NE(a1, a2);
  EXPECT_NE(a1, b1);
}

}  // namespace
}  // namespace ward::secure::crypto::test
