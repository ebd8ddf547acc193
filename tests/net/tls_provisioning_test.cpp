// The provisioning host's answer (ward/tls/provisioning.hpp, CertificateAnswer): the 2-byte length
// comes from outside, so every way of lying about it is tried.
#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "ward/tls/provisioning.hpp"

namespace {

using ward::tls::CertificateAnswer;

std::vector<std::uint8_t> framed(std::size_t announced, std::size_t sent) {
  std::vector<std::uint8_t> v{static_cast<std::uint8_t>(announced >> 8), static_cast<std::uint8_t>(announced)};
  for (std::size_t i = 0; i < sent; ++i) {
    v.push_back(static_cast<std::uint8_t>(i * 7 + 1));
  }
  return v;
}

TEST(CertificateAnswer, TakesAnAnswerInAnyPieces) {
  const auto bytes = framed(300, 300);
  for (std::size_t piece : {1u, 2u, 3u, 299u, 302u}) {
    std::array<std::uint8_t, 1024> out{};
    CertificateAnswer answer(out);
    for (std::size_t at = 0; at < bytes.size(); at += piece) {
      const std::size_t n = std::min(piece, bytes.size() - at);
      ASSERT_TRUE(answer.take({bytes.data() + at, n})) << piece;
    }
    ASSERT_TRUE(answer.complete()) << piece;
    ASSERT_EQ(answer.bytes().size(), 300u);
    EXPECT_TRUE(std::equal(answer.bytes().begin(), answer.bytes().end(), bytes.begin() + 2));
  }
}

TEST(CertificateAnswer, IncompleteUntilEveryAnnouncedByte) {
  std::array<std::uint8_t, 64> out{};
  CertificateAnswer answer(out);
  const auto bytes = framed(10, 9);
  EXPECT_TRUE(answer.take(bytes));
  EXPECT_FALSE(answer.complete());
  CertificateAnswer header_only(out);
  EXPECT_TRUE(header_only.take({bytes.data(), 1}));
  EXPECT_FALSE(header_only.complete());
}

TEST(CertificateAnswer, RefusesAnEmptyAnnouncement) {
  std::array<std::uint8_t, 64> out{};
  CertificateAnswer answer(out);
  EXPECT_FALSE(answer.take(framed(0, 0)));
  EXPECT_FALSE(answer.complete());
}

TEST(CertificateAnswer, RefusesMoreThanTheBufferWithoutWritingPastIt) {
  std::array<std::uint8_t, 80> storage{};
  storage.fill(0xEE);
  CertificateAnswer answer(std::span<std::uint8_t>{storage}.first(64));
  EXPECT_FALSE(answer.take(framed(65, 65)));
  EXPECT_FALSE(answer.complete());
  for (std::size_t i = 0; i < storage.size(); ++i) {
    EXPECT_EQ(storage[i], 0xEE) << i;  // refused at the header: nothing written
  }
  CertificateAnswer largest(std::span<std::uint8_t>{storage}.first(64));
  EXPECT_FALSE(largest.take(framed(0xFFFF, 3)));
}

TEST(CertificateAnswer, RefusesBytesBeyondTheAnnouncement) {
  std::array<std::uint8_t, 80> storage{};
  storage.fill(0xEE);
  CertificateAnswer answer(std::span<std::uint8_t>{storage}.first(64));
  EXPECT_FALSE(answer.take(framed(10, 11)));
  EXPECT_EQ(storage[10], 0xEE);
  // ... also when the extra byte comes in a later piece.
  CertificateAnswer later(std::span<std::uint8_t>{storage}.first(64));
  EXPECT_TRUE(later.take(framed(10, 10)));
  EXPECT_TRUE(later.complete());
  const std::uint8_t extra = 0x42;
  EXPECT_FALSE(later.take({&extra, 1}));
}

}  // namespace
