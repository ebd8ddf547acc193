// The MCUboot image format from the attacker's side: every check of the parser and validator has
// a test that breaks exactly that property and expects the matching rejection.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "test_images.hpp"
#include "ward/byte_order.hpp"
#include "ward/image/format.hpp"

namespace {
using namespace ward;
using image::Error;
using test_images::Bytes;

struct ImageFormat : ::testing::Test {
  static void SetUpTestSuite() {
    key = std::make_unique<test_images::TestKey>(test_images::make_key());
    other = std::make_unique<test_images::TestKey>(test_images::make_key());
  }
  static void TearDownTestSuite() {
    key.reset();
    other.reset();
  }
  static inline std::unique_ptr<test_images::TestKey> key, other;

  image::Result<image::Manifest> verify(const Bytes& img, const image::PublicKey& pub) {
    image::MemorySource src{std::as_bytes(std::span{img})};
    return image::verify(src, static_cast<std::uint32_t>(img.size()), pub, crypto);
  }
  image::Result<image::Manifest> verify(const Bytes& img) { return verify(img, key->pub); }
  boot::BootCrypto crypto;
};

void put16(Bytes& b, std::size_t at, std::uint16_t v) {
  store_le<std::uint16_t>(std::as_writable_bytes(std::span{b}).subspan(at).first<2>(), v);
}
void put32(Bytes& b, std::size_t at, std::uint32_t v) {
  store_le<std::uint32_t>(std::as_writable_bytes(std::span{b}).subspan(at).first<4>(), v);
}

TEST_F(ImageFormat, SignedImageVerifiesWithTheBootloadersCrypto) {
  auto img = test_images::make_image(*key, {.major = 3, .payload_size = 5000, .security_counter = 7});
  auto m = verify(img);
  ASSERT_TRUE(m) << image::to_string(m.error());
  EXPECT_EQ(m->layout.header.version.major, 3);
  EXPECT_EQ(m->layout.header.img_size, 5000u);
  EXPECT_EQ(m->security_counter, 7u);
  EXPECT_TRUE(m->has_security_counter);
  EXPECT_EQ(m->layout.total_size, img.size());
}

TEST_F(ImageFormat, PaddedImageHasTrailerAndStillVerifies) {
  auto img = test_images::make_image(*key, {.slot_size = 16384, .confirm = true});
  ASSERT_EQ(img.size(), 16384u);
  EXPECT_EQ(img[16384 - 16], 0x77);
  EXPECT_EQ(img[16384 - 24], 0x01);
  EXPECT_TRUE(verify(img));
}

TEST_F(ImageFormat, RejectsEveryTamperedByte) {
  auto img = test_images::make_image(*key, {.payload_size = 300, .security_counter = 1});
  image::MemorySource src{std::as_bytes(std::span{img})};
  auto l = *image::layout(src, img.size());
  // Header, payload and the protected TLVs: each flipped byte must be caught.
  for (std::size_t i = 0; i < l.hashed_size; ++i) {
    Bytes t = img;
    t[i] ^= 0x01;
    auto m = verify(t);
    ASSERT_FALSE(m) << "byte " << i;
  }
}

TEST_F(ImageFormat, TamperedPayloadIsAHashMismatch) {
  auto img = test_images::make_image(*key, {});
  img[0x100 + 10] ^= 0x80;
  EXPECT_EQ(verify(img).error(), Error::hash_mismatch);
}

TEST_F(ImageFormat, TamperedSignatureIsRejected) {
  auto img = test_images::make_image(*key, {});
  img[img.size() - 5] ^= 0x01;  // inside s of the DER signature
  auto m = verify(img);
  ASSERT_FALSE(m);
  EXPECT_TRUE(m.error() == Error::bad_signature || m.error() == Error::bad_der);
}

TEST_F(ImageFormat, HashAndSignatureRecomputedByAnAttackerFailOnTheKey) {
  // An attacker who re-signs a modified image with their own key: the key hash gives it away.
  auto img = test_images::make_image(*other, {});
  EXPECT_EQ(verify(img).error(), Error::key_mismatch);
  EXPECT_TRUE(verify(img, other->pub));
}

TEST_F(ImageFormat, ForgedKeyHashStillFailsTheSignature) {
  auto img = test_images::make_image(*other, {});
  image::MemorySource src{std::as_bytes(std::span{img})};
  auto l = *image::layout(src, img.size());
  // Replace the key hash TLV value by the trusted key's hash.
  ASSERT_TRUE(image::for_each_tlv(src, l, [&](const image::Tlv& t) -> image::Status {
    if (t.type == image::tlv::kKeyHash) {
      std::copy(key->pub.spki_sha256.begin(), key->pub.spki_sha256.end(), img.begin() + t.value_offset);
    }
    return {};
  }));
  EXPECT_EQ(verify(img).error(), Error::bad_signature);
}

TEST_F(ImageFormat, UnsignedImageIsRejected) {
  auto img = test_images::make_image(*key, {});
  image::MemorySource src{std::as_bytes(std::span{img})};
  auto l = *image::layout(src, img.size());
  // Keep only the SHA-256 TLV: info + 36 bytes.
  Bytes t(img.begin(), img.begin() + l.tlv_offset);
  t.insert(t.end(), {0x07, 0x69, 40, 0, 0x10, 0x00, 32, 0});
  image::MemorySource s2{std::as_bytes(std::span{img})};
  ASSERT_TRUE(image::for_each_tlv(s2, l, [&](const image::Tlv& tlv) -> image::Status {
    if (tlv.type == image::tlv::kSha256) {
      t.insert(t.end(), img.begin() + tlv.value_offset, img.begin() + tlv.value_offset + 32);
    }
    return {};
  }));
  EXPECT_EQ(verify(t).error(), Error::missing_signature);
}

TEST_F(ImageFormat, TruncatedImageIsRejected) {
  auto img = test_images::make_image(*key, {});
  for (std::size_t keep : {std::size_t{0}, std::size_t{16}, std::size_t{31}, std::size_t{32}, std::size_t{0x100},
                           img.size() / 2, img.size() - 1}) {
    Bytes t(img.begin(), img.begin() + keep);
    auto m = verify(t);
    ASSERT_FALSE(m) << keep;
    EXPECT_NE(m.error(), Error::bad_signature) << keep;  // caught structurally, before crypto
  }
}

TEST_F(ImageFormat, WrongMagicIsRejected) {
  auto img = test_images::make_image(*key, {});
  img[0] ^= 0xFF;
  EXPECT_EQ(verify(img).error(), Error::bad_magic);
  Bytes erased(4096, 0xFF);
  EXPECT_EQ(verify(erased).error(), Error::bad_magic);
}

TEST_F(ImageFormat, HeaderSizesThatOverflowAreRejected) {
  auto img = test_images::make_image(*key, {});
  Bytes t = img;
  put32(t, 12, 0xFFFFFFF0u);  // img_size: would wrap a 32-bit sum
  EXPECT_EQ(verify(t).error(), Error::truncated);
  t = img;
  put16(t, 8, 16);  // hdr_size below the header
  EXPECT_EQ(verify(t).error(), Error::bad_header);
  t = img;
  put16(t, 10, 0xFFFF);  // protected TLV size past the end
  EXPECT_EQ(verify(t).error(), Error::truncated);
}

TEST_F(ImageFormat, TlvAreaChecks) {
  auto img = test_images::make_image(*key, {.security_counter = 1});
  image::MemorySource src{std::as_bytes(std::span{img})};
  auto l = *image::layout(src, img.size());
  Bytes t = img;
  put16(t, l.tlv_offset, 0x1234);  // unprotected info magic
  EXPECT_EQ(verify(t).error(), Error::bad_tlv_area);
  t = img;
  put16(t, l.prot_tlv_offset, 0x6907);  // protected info with the wrong magic
  EXPECT_EQ(verify(t).error(), Error::bad_tlv_area);
  t = img;
  put16(t, l.tlv_offset + 2, static_cast<std::uint16_t>(l.tlv_size + 100));  // area past the end
  EXPECT_EQ(verify(t).error(), Error::truncated);
  t = img;
  put16(t, l.tlv_offset + 2, 6);  // area ends inside a TLV header
  EXPECT_EQ(verify(t).error(), Error::bad_tlv);
  t = img;
  put16(t, l.tlv_offset + 6, 0xFFF0);  // first TLV's length past its area
  EXPECT_EQ(verify(t).error(), Error::bad_tlv);
}

TEST_F(ImageFormat, DuplicateAndMisplacedTlvsAreRejected) {
  auto img = test_images::make_image(*key, {});
  image::MemorySource src{std::as_bytes(std::span{img})};
  auto l = *image::layout(src, img.size());
  // Append a second SHA-256 TLV to the unprotected area.
  Bytes t = img;
  t.insert(t.end(), {0x10, 0x00, 32, 0});
  t.insert(t.end(), 32, 0xAA);
  put16(t, l.tlv_offset + 2, static_cast<std::uint16_t>(l.tlv_size + 36));
  EXPECT_EQ(verify(t).error(), Error::duplicate_tlv);
  // A security counter in the unprotected area (an attacker could set it freely).
  t = img;
  t.insert(t.end(), {0x50, 0x00, 4, 0, 9, 0, 0, 0});
  put16(t, l.tlv_offset + 2, static_cast<std::uint16_t>(l.tlv_size + 8));
  EXPECT_EQ(verify(t).error(), Error::bad_tlv);
  // A hash TLV with the wrong length.
  t = img;
  t.insert(t.end(), {0x01, 0x00, 31, 0});
  t.insert(t.end(), 31, 0);
  put16(t, l.tlv_offset + 2, static_cast<std::uint16_t>(l.tlv_size + 35));
  EXPECT_EQ(verify(t).error(), Error::duplicate_tlv);
}

// Appends a TLV to the unprotected area (the last one) and fixes the area's size.
Bytes with_tlv(Bytes img, std::uint16_t type, const Bytes& value) {
  image::MemorySource src{std::as_bytes(std::span{img})};
  auto l = *image::layout(src, static_cast<std::uint32_t>(img.size()));
  img.resize(l.total_size);
  img.insert(img.end(), {static_cast<std::uint8_t>(type), static_cast<std::uint8_t>(type >> 8),
                         static_cast<std::uint8_t>(value.size()), static_cast<std::uint8_t>(value.size() >> 8)});
  img.insert(img.end(), value.begin(), value.end());
  put16(img, l.tlv_offset + 2, static_cast<std::uint16_t>(l.tlv_size + 4 + value.size()));
  return img;
}

// The unprotected area is outside the hash: anyone can add to it. It holds only the TLVs Ward
// reads there (hash, key hash or key, signature), as MCUboot's TLV allow list has it; an unknown
// one could carry anything past the signature (here a whole nested TLV area) and is refused.
TEST_F(ImageFormat, UnknownTlvsAreRefusedOutsideTheProtectedArea) {
  auto img = test_images::make_image(*key, {.security_counter = 2});
  ASSERT_TRUE(verify(img));
  EXPECT_EQ(verify(with_tlv(img, 0x00A0, Bytes(16, 0xCC))).error(), Error::bad_tlv);
  EXPECT_EQ(verify(with_tlv(img, 0x7F7F, {})).error(), Error::bad_tlv);
  const Bytes nested = {0x07, 0x69, 12, 0, 0x50, 0, 4, 0, 0xFF, 0xFF, 0xFF, 0xFF};  // a TLV area with a counter
  EXPECT_EQ(verify(with_tlv(img, 0x6907, nested)).error(), Error::bad_tlv);
  // The same unknown type in the protected area is signed: read and ignored (read_manifest, as
  // retyping the counter TLV changes the hashed bytes).
  Bytes retyped = img;
  image::MemorySource src{std::as_bytes(std::span{retyped})};
  auto l = *image::layout(src, static_cast<std::uint32_t>(retyped.size()));
  put16(retyped, l.prot_tlv_offset + image::kTlvInfoSize, 0x00A0);
  image::MemorySource retyped_src{std::as_bytes(std::span{retyped})};
  auto m = image::read_manifest(retyped_src, static_cast<std::uint32_t>(retyped.size()));
  ASSERT_TRUE(m) << image::to_string(m.error());
  EXPECT_FALSE(m->has_security_counter);
}

TEST_F(ImageFormat, FullPublicKeyEqualToTheBuiltInKeyVerifies) {
  // imgtool --public-key-format full: TLV 0x02 holds the DER SubjectPublicKeyInfo itself.
  auto img = test_images::make_image(*key, {.security_counter = 3, .full_public_key = true});
  auto m = verify(img);
  ASSERT_TRUE(m) << image::to_string(m.error());
  EXPECT_FALSE(m->has_key_hash);
  EXPECT_EQ(m->public_key_size, image::kP256SpkiSize);
  EXPECT_TRUE(std::equal(key->spki.begin(), key->spki.end(), img.begin() + m->public_key_offset));
}

TEST_F(ImageFormat, FullPublicKeyOfAnotherKeyIsAnUnknownKey) {
  auto img = test_images::make_image(*other, {.full_public_key = true});
  EXPECT_EQ(verify(img).error(), Error::key_mismatch);
  // The built-in key written into the TLV of an image signed by another key: the key matches,
  // the signature does not.
  auto forged = test_images::make_image(*other, {.full_public_key = true});
  image::MemorySource src{std::as_bytes(std::span{forged})};
  auto l = *image::layout(src, static_cast<std::uint32_t>(forged.size()));
  ASSERT_TRUE(image::for_each_tlv(src, l, [&](const image::Tlv& t) -> image::Status {
    if (t.type == image::tlv::kPublicKey) {
      std::copy(key->spki.begin(), key->spki.end(), forged.begin() + t.value_offset);
    }
    return {};
  }));
  EXPECT_EQ(verify(forged).error(), Error::bad_signature);
  // One byte of the key changed: another key.
  auto changed = test_images::make_image(*key, {.full_public_key = true});
  changed[changed.size() - 72 - 4 - 10] ^= 0x01;  // inside the key (the signature, up to 72 bytes, is last)
  EXPECT_EQ(verify(changed).error(), Error::key_mismatch);
}

TEST_F(ImageFormat, FullPublicKeyOfAnotherSizeIsAnUnknownKey) {
  // The key TLV cut out of the unprotected area and a 65-byte key (a raw point, not a P-256 SPKI)
  // appended as the key: another key, not a parsing accident.
  auto img = test_images::make_image(*key, {.full_public_key = true});
  image::MemorySource src{std::as_bytes(std::span{img})};
  auto l = *image::layout(src, static_cast<std::uint32_t>(img.size()));
  std::uint32_t at = 0, size = 0;
  ASSERT_TRUE(image::for_each_tlv(src, l, [&](const image::Tlv& t) -> image::Status {
    if (t.type == image::tlv::kPublicKey) {
      at = t.value_offset - 4;
      size = 4 + t.length;
    }
    return {};
  }));
  ASSERT_NE(size, 0u);
  img.resize(l.total_size);
  img.erase(img.begin() + at, img.begin() + at + size);
  put16(img, l.tlv_offset + 2, static_cast<std::uint16_t>(l.tlv_size - size));
  EXPECT_EQ(verify(img).error(), Error::missing_signature);  // no key identity left
  Bytes point(key->spki.end() - 65, key->spki.end());
  EXPECT_EQ(verify(with_tlv(img, image::tlv::kPublicKey, point)).error(), Error::key_mismatch);
  EXPECT_EQ(verify(with_tlv(img, image::tlv::kPublicKey, {})).error(), Error::bad_tlv_length);
}

TEST_F(ImageFormat, KeyHashAndFullKeyTogetherAreRefused) {
  // Two key identities could name two keys: the image must carry exactly one.
  auto img = test_images::make_image(*key, {});
  EXPECT_EQ(verify(with_tlv(img, image::tlv::kPublicKey, key->spki)).error(), Error::duplicate_tlv);
  auto full = test_images::make_image(*key, {.full_public_key = true});
  Bytes hash(key->pub.spki_sha256.begin(), key->pub.spki_sha256.end());
  EXPECT_EQ(verify(with_tlv(full, image::tlv::kKeyHash, hash)).error(), Error::duplicate_tlv);
}

TEST(ImageErrors, EveryRefusalHasItsOwnReason) {
  std::vector<std::string> seen;
  for (int e = static_cast<int>(Error::io); e <= static_cast<int>(Error::wrong_load_address); ++e) {
    const std::string text = image::to_string(static_cast<Error>(e));
    EXPECT_NE(text, "unknown error") << e;
    EXPECT_EQ(std::count(seen.begin(), seen.end(), text), 0) << "reason shared: " << text;
    seen.push_back(text);
  }
}

TEST_F(ImageFormat, DependenciesAreReadFromTheProtectedArea) {
  const std::vector<image::Dependency> deps{{0, {2, 1, 3, 4}}, {1, {0, 9, 0, 0}}};
  auto img = test_images::make_image(*key, {.security_counter = 5, .dependencies = deps});
  auto m = verify(img);
  ASSERT_TRUE(m) << image::to_string(m.error());
  ASSERT_EQ(m->dependency_count, 2u);
  EXPECT_EQ(m->dependencies[0], deps[0]);
  EXPECT_EQ(m->dependencies[1], deps[1]);
  EXPECT_EQ(m->security_counter, 5u);
  // Without a security counter the protected area holds only the dependency.
  m = verify(test_images::make_image(*key, {.dependencies = {deps[1]}}));
  ASSERT_TRUE(m) << image::to_string(m.error());
  EXPECT_EQ(m->dependency_count, 1u);
  EXPECT_FALSE(m->has_security_counter);
  // None: none.
  EXPECT_EQ(verify(test_images::make_image(*key, {}))->dependency_count, 0u);
}

TEST_F(ImageFormat, DependencyChecks) {
  auto img = test_images::make_image(*key, {.security_counter = 5});
  image::MemorySource src{std::as_bytes(std::span{img})};
  auto l = *image::layout(src, img.size());
  // In the unprotected area anyone could drop or weaken a requirement: refused.
  Bytes t = img;
  t.insert(t.end(), {0x40, 0x00, 12, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0});
  put16(t, l.tlv_offset + 2, static_cast<std::uint16_t>(l.tlv_size + 16));
  EXPECT_EQ(verify(t).error(), Error::bad_tlv);
  // A dependency of the wrong length (the protected security counter's TLV retyped to 0x40).
  t = img;
  put16(t, l.prot_tlv_offset + image::kTlvInfoSize, image::tlv::kDependency);
  image::MemorySource retyped{std::as_bytes(std::span{t})};
  EXPECT_EQ(image::read_manifest(retyped, t.size()).error(), Error::bad_tlv_length);
  // More than the bootloader keeps.
  std::vector<image::Dependency> many(image::kMaxDependencies + 1, image::Dependency{1, {1, 0, 0, 0}});
  EXPECT_EQ(verify(test_images::make_image(*key, {.dependencies = many})).error(), Error::too_many_dependencies);
  many.pop_back();
  EXPECT_TRUE(verify(test_images::make_image(*key, {.dependencies = many})));
}

TEST(Version, AtLeastComparesMajorMinorRevisionNotBuild) {
  using image::version_at_least;
  EXPECT_TRUE(version_at_least({2, 0, 0, 0}, {2, 0, 0, 0}));
  EXPECT_TRUE(version_at_least({2, 0, 0, 0}, {1, 9, 9, 9}));
  EXPECT_TRUE(version_at_least({1, 2, 4, 0}, {1, 2, 3, 0}));
  EXPECT_TRUE(version_at_least({1, 2, 3, 0}, {1, 2, 3, 7}));  // the build number is not compared
  EXPECT_FALSE(version_at_least({1, 9, 9, 9}, {2, 0, 0, 0}));
  EXPECT_FALSE(version_at_least({1, 1, 9, 0}, {1, 2, 0, 0}));
  EXPECT_FALSE(version_at_least({1, 2, 2, 0}, {1, 2, 3, 0}));
}

TEST(Tool, DependenciesInImgtoolSyntax) {
  auto d = tool::parse_dependencies("(0, 1.2.3+4), (1,2.0)");
  ASSERT_TRUE(d) << d.error();
  ASSERT_EQ(d->size(), 2u);
  EXPECT_EQ((*d)[0], (image::Dependency{0, {1, 2, 3, 4}}));
  EXPECT_EQ((*d)[1], (image::Dependency{1, {2, 0, 0, 0}}));
  EXPECT_TRUE(tool::parse_dependencies("(1,3)"));
  for (const char* bad : {"", "1,2.0", "(1 2.0)", "(x,1.0)", "(256,1.0)", "(1,1.0", "(1,1.0),", "(1,1.0) (0,1.0)",
                          "(1,a.b)", "(0,1),(0,1),(0,1),(0,1),(0,1)"}) {
    EXPECT_FALSE(tool::parse_dependencies(bad)) << bad;
  }
}

TEST_F(ImageFormat, EncryptedAndNonBootableAreUnsupported) {
  auto img = test_images::make_image(*key, {});
  Bytes t = img;
  t[16] |= image::flag::kEncryptedAes128;
  EXPECT_EQ(verify(t).error(), Error::unsupported);
  t = img;
  t[16] |= image::flag::kNonBootable;
  EXPECT_EQ(verify(t).error(), Error::unsupported);
}

TEST(Der, StrictEcdsaSignatureParsing) {
  using V = std::vector<std::uint8_t>;
  auto seq = [](V r, V s) {
    V d{0x30, static_cast<std::uint8_t>(4 + r.size() + s.size()), 0x02, static_cast<std::uint8_t>(r.size())};
    d.insert(d.end(), r.begin(), r.end());
    d.push_back(0x02);
    d.push_back(static_cast<std::uint8_t>(s.size()));
    d.insert(d.end(), s.begin(), s.end());
    return d;
  };
  V r(32, 0x11), s(32, 0x22);
  auto raw = image::ecdsa_der_to_raw(seq(r, s));
  ASSERT_TRUE(raw);
  EXPECT_EQ((*raw)[0], 0x11);
  EXPECT_EQ((*raw)[63], 0x22);
  V r33{0x00};
  r33.insert(r33.end(), 32, 0x81);
  EXPECT_TRUE(image::ecdsa_der_to_raw(seq(r33, s)));
  EXPECT_TRUE(image::ecdsa_der_to_raw(seq(V{0x01}, V{0x02})).value()[31] == 0x01);
  EXPECT_FALSE(image::ecdsa_der_to_raw(seq(V{0x80}, s)));           // negative
  EXPECT_FALSE(image::ecdsa_der_to_raw(seq(V{0x00, 0x01}, s)));     // not minimal
  EXPECT_FALSE(image::ecdsa_der_to_raw(seq(V{}, s)));               // empty integer
  EXPECT_FALSE(image::ecdsa_der_to_raw(seq(V(33, 0x01), s)));       // too long
  auto d = seq(r, s);
  d.push_back(0);
  EXPECT_FALSE(image::ecdsa_der_to_raw(d));  // trailing byte
  d = seq(r, s);
  d[1] += 1;
  EXPECT_FALSE(image::ecdsa_der_to_raw(d));  // length mismatch
  d = seq(r, s);
  d[3] = 70;
  EXPECT_FALSE(image::ecdsa_der_to_raw(d));  // inner length past the end
}

// Red team (issue 13): DER shapes a lenient parser would take. Long-form lengths, other tags,
// a zero or padded integer, an integer length that is itself long-form.
TEST(Der, RedteamTagsLengthsAndPaddingAreStrict) {
  using V = std::vector<std::uint8_t>;
  const V good = {0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01};  // r = s = 1, the shortest
  ASSERT_TRUE(image::ecdsa_der_to_raw(good));
  EXPECT_FALSE(image::ecdsa_der_to_raw(V(good.begin(), good.end() - 1)));  // 7 bytes
  V t = good;
  t[0] = 0x31;  // SET, not SEQUENCE
  EXPECT_FALSE(image::ecdsa_der_to_raw(t));
  t = good;
  t[2] = 0x03;  // BIT STRING, not INTEGER
  EXPECT_FALSE(image::ecdsa_der_to_raw(t));
  t = good;
  t[5] = 0x04;  // s an OCTET STRING
  EXPECT_FALSE(image::ecdsa_der_to_raw(t));
  // Long-form sequence length (0x81 0x06): BER, not DER.
  EXPECT_FALSE(image::ecdsa_der_to_raw(V{0x30, 0x81, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01}));
  // Long-form integer length.
  EXPECT_FALSE(image::ecdsa_der_to_raw(V{0x30, 0x07, 0x02, 0x81, 0x01, 0x01, 0x02, 0x01, 0x01}));
  // r = 0 (one zero byte) and s = 0.
  EXPECT_FALSE(image::ecdsa_der_to_raw(V{0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x01}));
  EXPECT_FALSE(image::ecdsa_der_to_raw(V{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00}));
  // 33 bytes with a leading zero the next byte does not need (non-minimal), and 34 bytes.
  V r33{0x00, 0x7f};
  r33.insert(r33.end(), 31, 0x11);
  V seq{0x30, static_cast<std::uint8_t>(2 + r33.size() + 3), 0x02, static_cast<std::uint8_t>(r33.size())};
  seq.insert(seq.end(), r33.begin(), r33.end());
  seq.insert(seq.end(), {0x02, 0x01, 0x01});
  EXPECT_FALSE(image::ecdsa_der_to_raw(seq));
  V r34{0x00, 0x00, 0x80};
  r34.insert(r34.end(), 31, 0x11);
  seq = {0x30, static_cast<std::uint8_t>(2 + r34.size() + 3), 0x02, static_cast<std::uint8_t>(r34.size())};
  seq.insert(seq.end(), r34.begin(), r34.end());
  seq.insert(seq.end(), {0x02, 0x01, 0x01});
  EXPECT_FALSE(image::ecdsa_der_to_raw(seq));
  // The sequence shorter than its contents: s outside it.
  EXPECT_FALSE(image::ecdsa_der_to_raw(V{0x30, 0x03, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01}));
}

// The image's signature TLV rebuilt with `der` in place of its value (the unprotected area's size
// fixed up; everything else, the hash and key hash included, unchanged).
Bytes with_signature(const Bytes& img, const Bytes& der) {
  image::MemorySource src{std::as_bytes(std::span{img})};
  auto l = *image::layout(src, static_cast<std::uint32_t>(img.size()));
  Bytes out(img.begin(), img.begin() + l.tlv_offset + image::kTlvInfoSize);
  for (std::size_t pos = l.tlv_offset + image::kTlvInfoSize; pos < l.total_size;) {
    const std::uint16_t type = static_cast<std::uint16_t>(img[pos] | img[pos + 1] << 8);
    const std::size_t len = static_cast<std::size_t>(img[pos + 2] | img[pos + 3] << 8);
    const Bytes value = type == image::tlv::kEcdsaSig ? der : Bytes(img.begin() + pos + 4, img.begin() + pos + 4 + len);
    out.insert(out.end(), {static_cast<std::uint8_t>(type), static_cast<std::uint8_t>(type >> 8),
                           static_cast<std::uint8_t>(value.size()), static_cast<std::uint8_t>(value.size() >> 8)});
    out.insert(out.end(), value.begin(), value.end());
    pos += 4 + len;
  }
  put16(out, l.tlv_offset + 2, static_cast<std::uint16_t>(out.size() - l.tlv_offset));
  return out;
}

Bytes der_of(const std::array<std::uint8_t, 64>& raw) {
  auto integer = [](const std::uint8_t* v) {
    std::size_t skip = 0;
    while (skip < 31 && v[skip] == 0) ++skip;
    Bytes i(v + skip, v + 32);
    if (i[0] & 0x80) i.insert(i.begin(), 0x00);
    i.insert(i.begin(), {0x02, static_cast<std::uint8_t>(i.size())});
    return i;
  };
  Bytes r = integer(raw.data()), s = integer(raw.data() + 32);
  Bytes d{0x30, static_cast<std::uint8_t>(r.size() + s.size())};
  d.insert(d.end(), r.begin(), r.end());
  d.insert(d.end(), s.begin(), s.end());
  return d;
}

// Red team (issue 13): the signature TLV of a genuine image swapped for edge cases. Its DER
// re-encoded is still accepted (the control); r or s replaced by 0 (encoded as 00), n or r + n
// where it fits, a TLV of 7 or 73 bytes, a long-form DER length, trailing bytes: all refused.
TEST_F(ImageFormat, RedteamSignatureTlvEdgesAreRefused) {
  auto img = test_images::make_image(*key, {.security_counter = 1});
  image::MemorySource src{std::as_bytes(std::span{img})};
  auto m = image::read_manifest(src, static_cast<std::uint32_t>(img.size()));
  ASSERT_TRUE(m);
  const auto raw = *image::ecdsa_der_to_raw(std::span{m->signature}.first(m->signature_size));
  ASSERT_TRUE(verify(with_signature(img, der_of(raw)))) << "re-encoded genuine signature";
  const std::array<std::uint8_t, 32> n = {0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
                                          0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17,
                                          0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};
  for (std::size_t half : {0u, 32u}) {
    auto t = raw;
    std::copy(n.begin(), n.end(), t.begin() + static_cast<std::ptrdiff_t>(half));
    EXPECT_EQ(verify(with_signature(img, der_of(t))).error(), Error::bad_signature) << half;
    // x + n where it fits 256 bits (the same residue, unreduced).
    t = raw;
    unsigned carry = 0;
    for (std::size_t i = 32; i-- > 0;) {
      const unsigned sum = t[half + i] + n[i] + carry;
      t[half + i] = static_cast<std::uint8_t>(sum);
      carry = sum >> 8;
    }
    if (carry == 0) {
      EXPECT_EQ(verify(with_signature(img, der_of(t))).error(), Error::bad_signature) << half;
    }
    t = raw;
    std::fill(t.begin() + static_cast<std::ptrdiff_t>(half), t.begin() + static_cast<std::ptrdiff_t>(half) + 32, 0);
    EXPECT_EQ(verify(with_signature(img, der_of(t))).error(), Error::bad_der) << half;  // INTEGER 0
  }
  const Bytes der = der_of(raw);
  EXPECT_EQ(verify(with_signature(img, Bytes(der.begin(), der.begin() + 7))).error(), Error::bad_tlv_length);
  Bytes long_tlv = der;
  long_tlv.resize(73, 0);
  EXPECT_EQ(verify(with_signature(img, long_tlv)).error(), Error::bad_tlv_length);
  // (A 72-byte signature, both integers with a leading zero, grows past the TLV's limit: refused
  // for its length before its DER is read.)
  auto too_long_or_bad_der = [](const Bytes& d) {
    return d.size() > image::kMaxEcdsaDerSize ? Error::bad_tlv_length : Error::bad_der;
  };
  Bytes trailing = der;
  trailing.push_back(0);
  EXPECT_EQ(verify(with_signature(img, trailing)).error(), too_long_or_bad_der(trailing));
  Bytes long_form = der;
  long_form.insert(long_form.begin() + 1, 0x81);
  EXPECT_EQ(verify(with_signature(img, long_form)).error(), too_long_or_bad_der(long_form));
  // The same two shapes on a short signature, so the DER rules themselves are reached.
  Bytes short_der = der_of(raw);
  while (short_der.size() > 70) {  // re-sign until neither integer needs its leading zero
    img = test_images::make_image(*key, {.security_counter = 1});
    image::MemorySource again{std::as_bytes(std::span{img})};
    auto am = image::read_manifest(again, static_cast<std::uint32_t>(img.size()));
    ASSERT_TRUE(am);
    short_der.assign(am->signature.begin(), am->signature.begin() + am->signature_size);
  }
  ASSERT_TRUE(verify(with_signature(img, short_der)));
  trailing = short_der;
  trailing.push_back(0);
  EXPECT_EQ(verify(with_signature(img, trailing)).error(), Error::bad_der);
  long_form = short_der;
  long_form.insert(long_form.begin() + 1, 0x81);
  EXPECT_EQ(verify(with_signature(img, long_form)).error(), Error::bad_der);
  // Another genuine signature of the same key over another digest: the right DER, the wrong image.
  auto other_img = test_images::make_image(*key, {.security_counter = 1, .seed = 9});
  image::MemorySource other_src{std::as_bytes(std::span{other_img})};
  auto om = image::read_manifest(other_src, static_cast<std::uint32_t>(other_img.size()));
  ASSERT_TRUE(om);
  EXPECT_EQ(verify(with_signature(img, Bytes(om->signature.begin(), om->signature.begin() + om->signature_size)))
                .error(),
            Error::bad_signature);
}

TEST(Der, P256PublicKeyParsing) {
  auto k = test_images::make_key();
  EXPECT_TRUE(image::p256_spki_to_raw(k.spki));
  auto t = k.spki;
  t[5] ^= 1;  // OID
  EXPECT_FALSE(image::p256_spki_to_raw(t));
  t = k.spki;
  t.pop_back();
  EXPECT_FALSE(image::p256_spki_to_raw(t));
}

TEST(Crypto, BootCryptoRejectsPointsOffTheCurve) {
  boot::BootCrypto c;
  std::array<std::uint8_t, 64> pub{}, sig{};
  std::array<std::uint8_t, 32> hash{};
  pub[63] = 1;
  sig[31] = 1;
  sig[63] = 1;
  EXPECT_FALSE(c.p256_verify(pub, hash, sig));
}

}  // namespace
