// Test keys and signed images for the boot tests, made with the ward-image signer (OpenSSL), so
// every test that verifies with the bootloader's crypto (p256-m) also checks interoperability.
#pragma once
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "keys.hpp"
#include "signer.hpp"
#include "ward/boot/boot_crypto.hpp"

namespace ward::test_images {

using tool::Bytes;

struct TestKey {
  std::unique_ptr<tool::SigningKey> signer;
  Bytes spki;
  image::PublicKey pub;
};

// A fresh P-256 key (written to a temporary file, loaded, and the file removed).
inline TestKey make_key() {
  static int counter = 0;
  const auto path = std::filesystem::temp_directory_path() /
                    ("ward-test-key-" + std::to_string(getpid()) + "-" + std::to_string(counter++) + ".pem");
  std::filesystem::remove(path);
  EXPECT_TRUE(tool::generate_pem_key(path.string()));
  auto key = tool::load_pem_key(path.string());
  std::filesystem::remove(path);
  EXPECT_TRUE(key);
  TestKey k{std::move(*key), {}, {}};
  k.spki = *k.signer->public_spki();
  boot::BootCrypto crypto;
  k.pub = *image::make_public_key(k.spki, crypto);
  return k;
}

struct ImageSpec {
  std::uint8_t major = 1;
  std::uint32_t payload_size = 1000;
  std::optional<std::uint32_t> security_counter;
  std::optional<std::uint32_t> slot_size;  // pad to this size (with trailer magic)
  bool confirm = false;
  std::uint32_t header_size = 0x100;
  std::uint8_t seed = 1;
  std::optional<std::uint32_t> load_addr;  // a RAM-load image for this address
  bool full_public_key = false;            // --public-key-format full (TLV 0x02)
  std::vector<image::Dependency> dependencies;  // protected dependency TLVs
};

inline Bytes make_payload(std::uint32_t size, std::uint8_t seed) {
  Bytes p(size);
  std::uint32_t x = 0x12345678u * (seed + 1u);
  for (auto& b : p) {
    x = x * 1103515245u + 12345u;
    b = static_cast<std::uint8_t>(x >> 24);
  }
  return p;
}

inline Bytes make_image(TestKey& key, const ImageSpec& s) {
  tool::SignOptions o;
  o.version = image::Version{s.major, 0, 0, 0};
  o.header_size = s.header_size;
  o.pad_header = true;
  o.security_counter = s.security_counter;
  o.slot_size = s.slot_size;
  o.pad = s.slot_size.has_value();
  o.confirm = s.confirm;
  o.load_addr = s.load_addr;
  o.full_public_key = s.full_public_key;
  o.dependencies = s.dependencies;
  auto img = tool::sign_image(make_payload(s.payload_size, s.seed), o, *key.signer);
  EXPECT_TRUE(img) << (img ? "" : img.error());
  return img.value_or(Bytes{});
}

// A test suite over the two-image chain: one signing key per image (keys[0] image 0's, the secure
// image; keys[1] image 1's), made once per suite.
class TwoImageKeys : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    keys[0] = std::make_unique<TestKey>(make_key());
    keys[1] = std::make_unique<TestKey>(make_key());
  }
  static void TearDownTestSuite() {
    keys[0].reset();
    keys[1].reset();
  }
  static inline std::unique_ptr<TestKey> keys[2];
};

}  // namespace ward::test_images
