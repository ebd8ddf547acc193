// The scaffolding can fail: a dropped vector, an empty file, a recorded failure, a missing file and
// malformed hex are each reported, so a green run means every vector was checked.
#include <gtest/gtest-spi.h>

#include "encoding.hpp"
#include "vectors.hpp"

namespace ward::test::vectors {
namespace {

TEST(Scaffolding, TallyCatchesDroppedEmptyAndFailedVectors) {
  EXPECT_NONFATAL_FAILURE(
      {
        Tally t("dropped.json");
        t.add(Outcome::valid_passed);
        t.check(2);
      },
      "differ from numberOfTests");
  EXPECT_NONFATAL_FAILURE(
      {
        Tally t("empty.json");
        t.check(0);
      },
      "empty.json");
  EXPECT_NONFATAL_FAILURE(
      {
        Tally t("failed.json");
        t.add(Outcome::valid_passed);
        t.add(Outcome::failed);
        t.check(2);
      },
      "failed.json");
  Tally good("good.json");
  good.add(Outcome::valid_passed);
  good.add(Outcome::not_supported);
  EXPECT_EQ(good.total(), 2u);
  good.check(2);
}

TEST(Scaffolding, MissingFileIsAnError) {
  const File f = load("no_such_file_test.json");
  EXPECT_FALSE(f.ok);
  EXPECT_NE(f.error.find("cannot open"), std::string::npos) << f.error;
}

TEST(Scaffolding, HexDecoding) {
  EXPECT_EQ(unhex("00ff7A"), (Bytes{0x00, 0xff, 0x7a}));
  EXPECT_EQ(unhex(""), Bytes{});
  EXPECT_FALSE(unhex("abc").has_value());
  EXPECT_FALSE(unhex("0g").has_value());
  EXPECT_EQ(hex(Bytes{0x01, 0xab}), "01ab");
}

// The strict decoders on hand-made inputs, beyond what the vectors happen to contain.
TEST(Scaffolding, DerSignatureDecoding) {
  // SEQUENCE { INTEGER 1, INTEGER 0x80 (needs its sign byte) }
  const auto raw = ecdsa_der_to_raw(Bytes{0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x02, 0x00, 0x80}, 32);
  ASSERT_TRUE(raw.has_value());
  EXPECT_EQ(raw->size(), 64u);
  EXPECT_EQ((*raw)[31], 0x01);
  EXPECT_EQ((*raw)[63], 0x80);
  EXPECT_FALSE(ecdsa_der_to_raw(Bytes{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x80}, 32));  // negative
  EXPECT_FALSE(ecdsa_der_to_raw(Bytes{0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x01}, 32));  // not minimal
  EXPECT_FALSE(ecdsa_der_to_raw(Bytes{0x30, 0x05, 0x02, 0x00, 0x02, 0x01, 0x01}, 32));  // empty integer
  EXPECT_FALSE(ecdsa_der_to_raw(Bytes{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x00}, 32));  // trailing
  EXPECT_FALSE(ecdsa_der_to_raw(Bytes{0x30, 0x81, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01}, 32));  // long form
  EXPECT_FALSE(ecdsa_der_to_raw(Bytes{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x02, 0x01}, 32));  // truncated
  Bytes too_long{0x30, 0x26, 0x02, 0x21, 0x01};
  too_long.resize(2 + 2 + 0x21, 0x01);
  too_long.insert(too_long.end(), {0x02, 0x01, 0x01});
  ASSERT_EQ(too_long.size(), 0x26u + 2);
  EXPECT_FALSE(ecdsa_der_to_raw(too_long, 32));  // 33 significant bytes
  EXPECT_TRUE(ecdsa_der_to_raw(too_long, 48));   // fine for P-384
}

TEST(Scaffolding, SpkiDecoding) {
  Bytes spki = *unhex("3059301306072a8648ce3d020106082a8648ce3d030107034200");
  spki.push_back(0x04);
  spki.resize(spki.size() + 64, 0x11);
  const auto point = p256_spki_point(spki);
  ASSERT_TRUE(point.has_value());
  EXPECT_EQ(point->size(), 65u);
  EXPECT_EQ(point->front(), 0x04);
  Bytes trailing = spki;
  trailing.push_back(0x00);
  EXPECT_FALSE(p256_spki_point(trailing));
  Bytes other_curve = spki;
  other_curve[22] ^= 0x01;  // last byte of the prime256v1 OID
  EXPECT_FALSE(p256_spki_point(other_curve));
  Bytes unused_bits = spki;
  unused_bits[25] = 0x01;
  EXPECT_FALSE(p256_spki_point(unused_bits));
}

}  // namespace
}  // namespace ward::test::vectors
