// One SHA-256 midstate, fixed here, that both builds of boot::Sha256 are tested against: the
// bootloader's fast build must save exactly it (boot_crypto_tests) and the FWU binding's compact
// build (WARD_SHA256_COMPACT) must finish from it to the right digest (boot_sha256_compact_tests).
// The FWU binding keeps a midstate in Protected Storage across a reset (fwu_binding.hpp): one
// saved by an image built with either and resumed by an image built with the other gives the same
// whole-image hash. (The two builds cannot be linked into one test program: one class, two
// definitions.)
#pragma once
#include <array>
#include <cstdint>
#include <vector>

namespace ward::test::sha256_midstate {

// The data: byte i is (i * 31 + 5) mod 256. The midstate covers its first kLength bytes (16 blocks).
inline std::vector<std::uint8_t> data(std::size_t n) {
  std::vector<std::uint8_t> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(i * 31 + 5);
  return out;
}
inline constexpr std::uint64_t kLength = 1024;
// FIPS 180-4's H after the 16 blocks (computed outside this code: a plain implementation of the
// standard's compression function).
inline constexpr std::array<std::uint32_t, 8> kH = {0x1031d738, 0xbdd3e40a, 0xac9b5547, 0xcf1452f1,
                                                    0x5a47ebbd, 0x5ddfb8ec, 0x92e2a888, 0xabb66c35};

}  // namespace ward::test::sha256_midstate
