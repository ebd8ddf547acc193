#include "ward/boot/sha256.hpp"

#include <bit>
#include <cstring>

namespace ward::boot {
namespace {

// FIPS 180-4, 4.2.2: the first 32 bits of the fractional parts of the cube roots of the first 64
// primes.
constexpr std::uint32_t kK[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

// FIPS 180-4, 5.3.3.
constexpr std::array<std::uint32_t, 8> kInitial = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

inline std::uint32_t load_be(const std::uint8_t* p) {
  return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
}
// The rotations are nested so each is the rotated second operand of one Thumb-2 instruction and
// the outermost folds into the following addition:
// ror2(a ^ ror11(a ^ ror9(a))) == ror2(a) ^ ror13(a) ^ ror22(a).
inline std::uint32_t big_sigma0(std::uint32_t x) { return std::rotr(x ^ std::rotr(x ^ std::rotr(x, 9), 11), 2); }
inline std::uint32_t big_sigma1(std::uint32_t x) { return std::rotr(x ^ std::rotr(x ^ std::rotr(x, 14), 5), 6); }
inline std::uint32_t small_sigma0(std::uint32_t x) { return std::rotr(x ^ std::rotr(x, 11), 7) ^ (x >> 3); }
inline std::uint32_t small_sigma1(std::uint32_t x) { return std::rotr(x ^ std::rotr(x, 2), 17) ^ (x >> 10); }
inline std::uint32_t choose(std::uint32_t e, std::uint32_t f, std::uint32_t g) { return g ^ (e & (f ^ g)); }

// One round on the schedule word w[i] and the constant k[i]; the caller rotates the roles of the
// variables instead of moving their values. Maj(a, b, c) == b ^ ((a ^ b) & (b ^ c)), and b ^ c is
// the previous round's a ^ b: bc carries it.
#define WARD_SHA_ROUND(a, b, c, d, e, f, g, h, i)                                   \
  do {                                                                            \
    const std::uint32_t t1 = (h) + big_sigma1(e) + choose(e, f, g) + k[i] + w[i]; \
    const std::uint32_t ab = (a) ^ (b);                                           \
    (d) += t1;                                                                    \
    (h) = t1 + big_sigma0(a) + ((b) ^ (ab & bc));                                 \
    bc = ab;                                                                      \
  } while (false)

#define WARD_SHA_EIGHT(i)                          \
  WARD_SHA_ROUND(a, b, c, d, e, f, g, h, (i) + 0); \
  WARD_SHA_ROUND(h, a, b, c, d, e, f, g, (i) + 1); \
  WARD_SHA_ROUND(g, h, a, b, c, d, e, f, (i) + 2); \
  WARD_SHA_ROUND(f, g, h, a, b, c, d, e, (i) + 3); \
  WARD_SHA_ROUND(e, f, g, h, a, b, c, d, (i) + 4); \
  WARD_SHA_ROUND(d, e, f, g, h, a, b, c, (i) + 5); \
  WARD_SHA_ROUND(c, d, e, f, g, h, a, b, (i) + 6); \
  WARD_SHA_ROUND(b, c, d, e, f, g, h, a, (i) + 7)

}  // namespace

void Sha256::reset() {
  state_ = kInitial;
  length_ = 0;
  used_ = 0;
}

void Sha256::blocks(const std::uint8_t* data, std::size_t count) {
  // The whole schedule of a block first (a loop over fixed offsets from a moving pointer), then
  // the rounds, sixteen per pass, reading w[] and kK[] at fixed offsets from two pointers. The
  // rounds then need only the eight working variables, the two pointers and three temporaries:
  // they stay in registers (a 16-word ring indexed inside the rounds spilled them), and the block
  // is 1.5 KB instead of 2.1 KB and 5 % faster (the bootloader's ROM budget and boot time,
  // docs/boot.md).
  std::uint32_t schedule[64];
  for (; count > 0; --count, data += 64) {
    for (std::size_t i = 0; i < 16; ++i) {
      schedule[i] = load_be(data + 4 * i);
    }
    for (std::uint32_t* p = schedule + 16; p != schedule + 64; ++p) {
      p[0] = small_sigma1(p[-2]) + p[-7] + small_sigma0(p[-15]) + p[-16];
    }
    std::uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3];
    std::uint32_t e = state_[4], f = state_[5], g = state_[6], h = state_[7];
#if defined(WARD_SHA256_COMPACT)
    // The compact variant (WARD_SHA256_COMPACT, for an image that hashes little and is short of
    // ROM: lib/mgmt's FWU binding): one round per pass, the working variables moved down one
    // place each round. The same function, about a quarter of the code, slower.
    for (std::size_t i = 0; i < 64; ++i) {
      const std::uint32_t t1 = h + big_sigma1(e) + choose(e, f, g) + kK[i] + schedule[i];
      const std::uint32_t t2 = big_sigma0(a) + ((a & b) | (c & (a | b)));
      h = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
#else
    std::uint32_t bc = b ^ c;
    for (std::size_t base = 0; base < 64; base += 16) {
      const std::uint32_t* w = schedule + base;
      const std::uint32_t* k = kK + base;
      WARD_SHA_EIGHT(0);
      WARD_SHA_EIGHT(8);
    }
#endif
    state_[0] += a;
    state_[1] += b;
    state_[2] += c;
    state_[3] += d;
    state_[4] += e;
    state_[5] += f;
    state_[6] += g;
    state_[7] += h;
  }
}

#undef WARD_SHA_ROUND
#undef WARD_SHA_EIGHT

void Sha256::update(std::span<const std::byte> data) {
  if (data.empty()) {
    return;  // (an empty span may have no data pointer at all, which memcpy must not see)
  }
  const auto* p = reinterpret_cast<const std::uint8_t*>(data.data());
  std::size_t n = data.size();
  length_ += n;
  if (used_ != 0) {
    const std::size_t take = n < 64 - used_ ? n : 64 - used_;
    std::memcpy(buffer_.data() + used_, p, take);
    used_ += take;
    p += take;
    n -= take;
    if (used_ < 64) {
      return;
    }
    blocks(buffer_.data(), 1);
    used_ = 0;
  }
  blocks(p, n / 64);
  p += n / 64 * 64;
  n %= 64;
  std::memcpy(buffer_.data(), p, n);
  used_ = n;
}

std::array<std::uint8_t, 32> Sha256::finish() {
  // FIPS 180-4, 5.1.1: 0x80, zeros, then the length in bits as a 64-bit big-endian number.
  const std::uint64_t bits = length_ * 8;
  buffer_[used_++] = 0x80;
  if (used_ > 56) {
    std::memset(buffer_.data() + used_, 0, 64 - used_);
    blocks(buffer_.data(), 1);
    used_ = 0;
  }
  std::memset(buffer_.data() + used_, 0, 56 - used_);
  for (int i = 0; i < 8; ++i) {
    buffer_[56 + i] = static_cast<std::uint8_t>(bits >> (56 - 8 * i));
  }
  blocks(buffer_.data(), 1);
  std::array<std::uint8_t, 32> out{};
  for (std::size_t i = 0; i < 8; ++i) {
    out[4 * i] = static_cast<std::uint8_t>(state_[i] >> 24);
    out[4 * i + 1] = static_cast<std::uint8_t>(state_[i] >> 16);
    out[4 * i + 2] = static_cast<std::uint8_t>(state_[i] >> 8);
    out[4 * i + 3] = static_cast<std::uint8_t>(state_[i]);
  }
  return out;
}

}  // namespace ward::boot
