#include "ward/p256/p256.hpp"

#include <cstddef>

namespace ward::p256 {
namespace {

// A 256-bit number as 8 little-endian 32-bit limbs.
using Limbs = std::array<std::uint32_t, 8>;

constexpr Limbs from_hex_words(std::uint32_t w7, std::uint32_t w6, std::uint32_t w5, std::uint32_t w4,
                               std::uint32_t w3, std::uint32_t w2, std::uint32_t w1, std::uint32_t w0) {
  return {w0, w1, w2, w3, w4, w5, w6, w7};
}

// The curve (FIPS 186-4, D.1.2.3; SEC 2, 2.4.2), written most significant word first.
constexpr Limbs kP = from_hex_words(0xFFFFFFFF, 0x00000001, 0x00000000, 0x00000000, 0x00000000, 0xFFFFFFFF,
                                    0xFFFFFFFF, 0xFFFFFFFF);
constexpr Limbs kN = from_hex_words(0xFFFFFFFF, 0x00000000, 0xFFFFFFFF, 0xFFFFFFFF, 0xBCE6FAAD, 0xA7179E84,
                                    0xF3B9CAC2, 0xFC632551);
constexpr Limbs kB = from_hex_words(0x5AC635D8, 0xAA3A93E7, 0xB3EBBD55, 0x769886BC, 0x651D06B0, 0xCC53B0F6,
                                    0x3BCE3C3E, 0x27D2604B);
constexpr Limbs kGx = from_hex_words(0x6B17D1F2, 0xE12C4247, 0xF8BCE6E5, 0x63A440F2, 0x77037D81, 0x2DEB33A0,
                                     0xF4A13945, 0xD898C296);
constexpr Limbs kGy = from_hex_words(0x4FE342E2, 0xFE1A7F9B, 0x8EE7EB4A, 0x7C0F9E16, 0x2BCE3357, 0x6B315ECE,
                                     0xCBB64068, 0x37BF51F5);

constexpr bool is_zero(const Limbs& a) {
  std::uint32_t acc = 0;
  for (auto x : a) acc |= x;
  return acc == 0;
}

constexpr bool geq(const Limbs& a, const Limbs& b) {
  for (int i = 7; i >= 0; --i) {
    if (a[i] != b[i]) return a[i] > b[i];
  }
  return true;
}

// r = a + b, returns the carry out.
constexpr std::uint32_t add(Limbs& r, const Limbs& a, const Limbs& b) {
  std::uint64_t c = 0;
  for (int i = 0; i < 8; ++i) {
    c += std::uint64_t{a[i]} + b[i];
    r[i] = static_cast<std::uint32_t>(c);
    c >>= 32;
  }
  return static_cast<std::uint32_t>(c);
}

// r = a - b, returns the borrow out (1 if a < b).
constexpr std::uint32_t sub(Limbs& r, const Limbs& a, const Limbs& b) {
  std::int64_t c = 0;
  for (int i = 0; i < 8; ++i) {
    c += std::int64_t{a[i]} - b[i];
    r[i] = static_cast<std::uint32_t>(c);
    c >>= 32;  // arithmetic: -1 on borrow
  }
  return static_cast<std::uint32_t>(-c);
}

// A modulus with what Montgomery arithmetic (R = 2^256) needs, all derived at compile time.
struct Modulus {
  Limbs m;  // cppcheck-suppress unusedStructMember ; read in the templates mont_mul and mont_inv
  std::uint32_t m0inv;  // -m^-1 mod 2^32
  Limbs r_mod;          // R mod m (1 in Montgomery form)
  Limbs r2;             // R^2 mod m (to convert into Montgomery form)
};

constexpr void mod_add(Limbs& r, const Limbs& a, const Limbs& b, const Limbs& m) {
  const std::uint32_t carry = add(r, a, b);
  if (carry != 0 || geq(r, m)) {
    sub(r, r, m);
  }
}

constexpr void mod_sub(Limbs& r, const Limbs& a, const Limbs& b, const Limbs& m) {
  if (sub(r, a, b) != 0) {
    add(r, r, m);
  }
}

constexpr Modulus make_modulus(const Limbs& m) {
  Modulus mod{m, 0, {}, {}};
  // Newton's iteration for m^-1 mod 2^32 (m odd): each step doubles the correct low bits.
  std::uint32_t inv = 1;
  for (int i = 0; i < 5; ++i) {
    inv *= 2 - m[0] * inv;
  }
  mod.m0inv = 0u - inv;
  // R mod m = 2^256 - m (m > 2^255), then R^2 mod m by 256 modular doublings.
  Limbs zero{};
  sub(mod.r_mod, zero, m);
  Limbs x = mod.r_mod;
  for (int i = 0; i < 256; ++i) {
    mod_add(x, x, x, m);
  }
  mod.r2 = x;
  return mod;
}

constexpr Modulus kFieldP = make_modulus(kP);
constexpr Modulus kOrderN = make_modulus(kN);
// (At run time p and n are read from kFieldP and kOrderN: one copy of each in ROM.)

// hi:lo = a * b + lo + hi. Never overflows: (2^32-1)^2 + 2 (2^32-1) = 2^64 - 1. One UMAAL
// instruction on cores with the DSP extension (Cortex-M33); GCC does not emit it by itself.
inline void mul_add_add(std::uint32_t& lo, std::uint32_t& hi, std::uint32_t a, std::uint32_t b) {
#if defined(__ARM_FEATURE_DSP)
  asm("umaal %0, %1, %2, %3" : "+r"(lo), "+r"(hi) : "r"(a), "r"(b));
#else
  const std::uint64_t x = std::uint64_t{a} * b + lo + hi;
  lo = static_cast<std::uint32_t>(x);
  hi = static_cast<std::uint32_t>(x >> 32);
#endif
}

// Mask arithmetic for the constant-time code: the compiler must not see that a mask is 0 or ~0,
// or it may turn the select back into a branch.
inline std::uint32_t opaque(std::uint32_t x) {
  asm("" : "+r"(x));
  return x;
}
// ~0 if bit is 1, 0 if it is 0 (bit in {0, 1}).
inline std::uint32_t mask_of(std::uint32_t bit) { return opaque(0u - bit); }
// r = mask ? a : b, limb by limb.
inline void select(Limbs& r, std::uint32_t mask, const Limbs& a, const Limbs& b) {
  for (int i = 0; i < 8; ++i) r[i] = (a[i] & mask) | (b[i] & ~mask);
}

// Montgomery product a * b * R^-1 mod m for a, b < m (CIOS: multiply and reduce one word of b at
// a time). Most of a verify's time: optimised for speed while the rest of this file is built for
// size (lib/p256/CMakeLists.txt; the bootloader's ROM budget). kConstantTime: the final
// subtraction of m is done always and its result selected with a mask, for secret operands (the
// variable-time branch is the classic Montgomery timing leak).
template <bool kConstantTime>
[[gnu::optimize("O2")]] void mont_mul_body(Limbs& r, const Limbs& a, const Limbs& b, const Modulus& mod) {
  std::uint32_t t[10] = {};
  for (int i = 0; i < 8; ++i) {
    std::uint32_t carry = 0;
    const std::uint32_t bi = b[i];
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) {
      mul_add_add(t[j], carry, a[j], bi);
    }
    std::uint32_t hi = 0;
    mul_add_add(t[8], hi, carry, 1);
    t[9] = hi;
    const std::uint32_t q = t[0] * mod.m0inv;
    std::uint32_t lo = t[0];
    carry = 0;
    mul_add_add(lo, carry, q, mod.m[0]);  // lo becomes 0 by the choice of q
#pragma GCC unroll 7
    for (int j = 1; j < 8; ++j) {
      lo = t[j];
      mul_add_add(lo, carry, q, mod.m[j]);
      t[j - 1] = lo;
    }
    hi = 0;
    lo = t[8];
    mul_add_add(lo, hi, carry, 1);
    t[7] = lo;
    t[8] = t[9] + hi;
  }
  Limbs res;
  for (int i = 0; i < 8; ++i) res[i] = t[i];
  if constexpr (kConstantTime) {
    // The sum is below 2m: subtract m when there is a carry out (t[8] = 1) or no borrow.
    Limbs d;
    const std::uint32_t borrow = sub(d, res, mod.m);
    select(r, mask_of((t[8] | (borrow ^ 1u)) & 1u), d, res);
  } else {
    if (t[8] != 0 || geq(res, mod.m)) {
      sub(res, res, mod.m);
    }
    r = res;
  }
}

// Which body a product runs. WARD_P256_ONE_PRODUCT (ward_p256_secure, the secure image's build):
// the constant-time body for public operands too, so that the image holds one product instead of
// two (436 bytes of ROM; the product costs a few more instructions in verify, whose operands are
// public). The bootloader links only verify and keeps the variable-time body (ward_p256).
#if defined(WARD_P256_ONE_PRODUCT)
constexpr bool kOneProduct = true;
#else
constexpr bool kOneProduct = false;
#endif
template <bool kConstantTime>
inline void mont_mul(Limbs& r, const Limbs& a, const Limbs& b, const Modulus& mod) {
  mont_mul_body<kConstantTime || kOneProduct>(r, a, b, mod);
}

// a^e in Montgomery form (a in Montgomery form), e a plain public number (the exponents here are
// m - 2); left to right. kConstantTime for a secret base.
template <bool kConstantTime>
void mont_pow(Limbs& r, const Limbs& a, const Limbs& e, const Modulus& mod) {
  Limbs x = mod.r_mod;
  for (int i = 255; i >= 0; --i) {
    mont_mul<kConstantTime>(x, x, x, mod);
    if ((e[i / 32] >> (i % 32)) & 1) {
      mont_mul<kConstantTime>(x, x, a, mod);
    }
  }
  r = x;
}

// Inverse by Fermat's little theorem (m prime): a^(m-2).
template <bool kConstantTime>
void mont_inv(Limbs& r, const Limbs& a, const Modulus& mod) {
  Limbs e = mod.m;
  e[0] -= 2;  // m is odd and > 2: no borrow
  mont_pow<kConstantTime>(r, a, e, mod);
}

Limbs load_be(const std::uint8_t* p) {
  Limbs r;
  for (std::size_t i = 0; i < 8; ++i) {
    const std::uint8_t* w = p + 4 * (7 - i);
    r[i] = std::uint32_t{w[0]} << 24 | std::uint32_t{w[1]} << 16 | std::uint32_t{w[2]} << 8 | w[3];
  }
  return r;
}

// --- The field F_p in Montgomery form --------------------------------------------------------

struct Fe {
  Limbs v;
};
// NOLINTBEGIN(cppcoreguidelines-pro-type-member-init): mont_mul/mod_add/mod_sub write every limb of r
inline Fe fmul(const Fe& a, const Fe& b) {
  Fe r;
  mont_mul<false>(r.v, a.v, b.v, kFieldP);
  return r;
}
inline Fe fsqr(const Fe& a) { return fmul(a, a); }
// Out of line: inlined, the ten or so additions and subtractions in each of dbl() and add()
// cost 2 KB of the bootloader's ROM, and a call costs a few instructions of the ~16,000 a point
// operation takes.
[[gnu::noinline]] Fe fadd(const Fe& a, const Fe& b) {
  Fe r;
  mod_add(r.v, a.v, b.v, kFieldP.m);
  return r;
}
[[gnu::noinline]] Fe fsub(const Fe& a, const Fe& b) {
  Fe r;
  mod_sub(r.v, a.v, b.v, kFieldP.m);
  return r;
}
inline Fe to_fe(const Limbs& plain) {
  Fe r;
  mont_mul<false>(r.v, plain, kFieldP.r2, kFieldP);
  return r;
}
// NOLINTEND(cppcoreguidelines-pro-type-member-init)
inline bool feq(const Fe& a, const Fe& b) { return a.v == b.v; }

// --- Points in Jacobian coordinates (x = X/Z^2, y = Y/Z^3); Z = 0 is the point at infinity ------

struct Point {
  Fe x, y, z;
  bool infinity() const { return is_zero(z.v); }
};

Point infinity_point() { return {{}, {}, {}}; }

// The field operations a point formula uses: variable-time for verify (public data), constant-time
// for secrets (below). One formula, two instantiations.
struct VariableTime {
  static Fe mul(const Fe& a, const Fe& b) { return fmul(a, b); }
  static Fe add(const Fe& a, const Fe& b) { return fadd(a, b); }
  static Fe sub(const Fe& a, const Fe& b) { return fsub(a, b); }
};

// dbl-2001-b (a = -3): 3M + 5S. Needs no special case: a Z of 0 (infinity) gives a Z of 0.
template <typename F>
[[gnu::always_inline]] inline Point dbl_formula(const Point& p) {
  const Fe delta = F::mul(p.z, p.z);
  const Fe gamma = F::mul(p.y, p.y);
  const Fe beta = F::mul(p.x, gamma);
  const Fe t = F::mul(F::sub(p.x, delta), F::add(p.x, delta));
  const Fe alpha = F::add(F::add(t, t), t);
  const Fe beta2 = F::add(beta, beta);
  const Fe beta4 = F::add(beta2, beta2);
  const Fe beta8 = F::add(beta4, beta4);
  const Fe alpha2 = F::mul(alpha, alpha);
  const Fe x = F::sub(alpha2, beta8);
  const Fe yz = F::add(p.y, p.z);
  const Fe z = F::sub(F::sub(F::mul(yz, yz), gamma), delta);
  const Fe g2 = F::mul(gamma, gamma);
  const Fe g4 = F::add(g2, g2);
  const Fe g8 = F::add(g4, g4);
  return {x, F::sub(F::mul(alpha, F::sub(beta4, x)), F::add(g8, g8)), z};
}

Point dbl(const Point& p) {
  if (p.infinity()) {
    return p;
  }
  return dbl_formula<VariableTime>(p);
}

// add-2007-bl: 11M + 5S, with the cases the formula does not cover (infinity, equal points).
Point add(const Point& p, const Point& q) {
  if (p.infinity()) return q;
  if (q.infinity()) return p;
  const Fe z1z1 = fsqr(p.z);
  const Fe z2z2 = fsqr(q.z);
  const Fe u1 = fmul(p.x, z2z2);
  const Fe u2 = fmul(q.x, z1z1);
  const Fe s1 = fmul(fmul(p.y, q.z), z2z2);
  const Fe s2 = fmul(fmul(q.y, p.z), z1z1);
  const Fe h = fsub(u2, u1);
  const Fe rr = fadd(fsub(s2, s1), fsub(s2, s1));
  if (is_zero(h.v)) {
    // Same x: the same point (double it) or opposite points (their sum is infinity).
    return is_zero(rr.v) ? dbl(p) : infinity_point();
  }
  const Fe h2 = fadd(h, h);
  const Fe i = fsqr(h2);
  const Fe j = fmul(h, i);
  const Fe v = fmul(u1, i);
  const Fe x = fsub(fsub(fsqr(rr), j), fadd(v, v));
  const Fe s1j = fmul(s1, j);
  return {x, fsub(fmul(rr, fsub(v, x)), fadd(s1j, s1j)), fmul(fsub(fsub(fsqr(fadd(p.z, q.z)), z1z1), z2z2), h)};
}

inline unsigned nibble(const Limbs& k, int i) { return (k[i / 8] >> (4 * (i % 8))) & 0xF; }

// verify's windows: signed 4-bit digits, so a table needs only 1*P .. 8*P (a negative digit adds
// the negated point, -(X, Y, Z) = (X, -Y, Z)). Half the stack of unsigned windows' 0*P .. 15*P
// (1.5 KiB less for verify's two tables), and fewer additions to build them, for the same number
// in the main loop.
constexpr int kDigits = 65;  // 64 nibbles, and the last carry
using Digits = std::int8_t[kDigits];

// 1*P .. 8*P, at t[0] .. t[7].
void table(Point (&t)[8], const Point& p) {
  t[0] = p;
  t[1] = dbl(p);  // not add(p, p): its frame under dbl's would deepen verify's stack
  for (int k = 2; k < 8; ++k) {
    t[k] = add(t[k - 1], p);
  }
}

// k = sum of d[i] * 16^i with every d[i] in [-8, 7] (k < 2^256: the last digit is the carry, 0 or 1).
void signed_digits(const Limbs& k, Digits& d) {
  unsigned carry = 0;
  for (int i = 0; i < kDigits - 1; ++i) {
    const unsigned v = nibble(k, i) + carry;  // 0 .. 16
    carry = (v + 8) >> 4;                     // v >= 8
    d[i] = static_cast<std::int8_t>(v - (carry << 4));  // v - 16 carry, in -8 .. 7
  }
  d[kDigits - 1] = static_cast<std::int8_t>(carry);
}

// acc + digit * P, with t the table of P, for a digit of signed_digits other than 0.
Point add_digit(const Point& acc, const Point (&t)[8], int digit) {
  const auto magnitude = static_cast<unsigned>(digit > 0 ? digit : -digit);  // 1 .. 8
  Point m = t[(magnitude - 1) % 8];
  if (digit < 0) {
    m.y = fsub(Fe{}, m.y);
  }
  return add(acc, m);  // one call site: the bootloader's ROM budget
}

// y^2 == x^3 - 3x + b, with x, y (plain) below p.
bool on_curve(const Limbs& x, const Limbs& y) {
  if (geq(x, kFieldP.m) || geq(y, kFieldP.m)) {
    return false;
  }
  const Fe fx = to_fe(x);
  const Fe fy = to_fe(y);
  const Fe x3 = fmul(fsqr(fx), fx);
  const Fe three_x = fadd(fadd(fx, fx), fx);
  const Fe rhs = fadd(fsub(x3, three_x), to_fe(kB));
  return feq(fsqr(fy), rhs);
}


// --- Constant-time code for secret scalars ----------------------------------------------------
// Everything below takes a private key or a nonce. No branch and no memory index depends on
// them: the field operations reduce with masks, points are added with complete formulas (no
// special cases to branch on), and a table entry is read by scanning the whole table.

void store_be(std::uint8_t* p, const Limbs& a) {
  for (std::size_t i = 0; i < 8; ++i) {
    std::uint8_t* w = p + 4 * (7 - i);
    w[0] = static_cast<std::uint8_t>(a[i] >> 24);
    w[1] = static_cast<std::uint8_t>(a[i] >> 16);
    w[2] = static_cast<std::uint8_t>(a[i] >> 8);
    w[3] = static_cast<std::uint8_t>(a[i]);
  }
}

// Secrets leave the stack when their function ends (the compiler may not drop a volatile store).
template <typename T>
void wipe(T& x) {
  auto* p = reinterpret_cast<volatile std::uint8_t*>(&x);
  for (std::size_t i = 0; i < sizeof x; ++i) p[i] = 0;
}

// a mod m for a < 2m (one masked subtraction).
void reduce_once_ct(Limbs& a, const Limbs& m) {
  Limbs d;
  const std::uint32_t borrow = sub(d, a, m);
  select(a, mask_of(borrow ^ 1u), d, a);
}

// 1 if 1 <= a <= n-1, else 0; constant-time.
std::uint32_t in_scalar_range(const Limbs& a) {
  std::uint32_t any = 0;
  for (auto x : a) any |= x;
  Limbs d;
  const std::uint32_t below_n = sub(d, a, kOrderN.m);  // 1 when a < n
  return below_n & static_cast<std::uint32_t>((any | (0u - any)) >> 31);
}

// Field F_p, constant-time. Out of line like fadd/fsub (ROM), each a few dozen instructions.
// NOLINTBEGIN(cppcoreguidelines-pro-type-member-init): the helpers write every limb of r
Fe mul_ct(const Fe& a, const Fe& b) {
  Fe r;
  mont_mul<true>(r.v, a.v, b.v, kFieldP);
  return r;
}
// Unrolled at O2: the point formulas make about as many additions as products.
[[gnu::noinline, gnu::optimize("O2")]] Fe add_ct(const Fe& a, const Fe& b) {
  Fe r;
  std::uint64_t c = 0;
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) {
    c += std::uint64_t{a.v[i]} + b.v[i];
    r.v[i] = static_cast<std::uint32_t>(c);
    c >>= 32;
  }
  // Subtract p when the sum is >= p: a carry out, or no borrow from r - p.
  Limbs d;
  std::int64_t w = 0;
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) {
    w += std::int64_t{r.v[i]} - kFieldP.m[i];
    d[i] = static_cast<std::uint32_t>(w);
    w >>= 32;
  }
  const std::uint32_t borrow = static_cast<std::uint32_t>(-w);
  select(r.v, mask_of((static_cast<std::uint32_t>(c) | (borrow ^ 1u)) & 1u), d, r.v);
  return r;
}
[[gnu::noinline, gnu::optimize("O2")]] Fe sub_ct(const Fe& a, const Fe& b) {
  Fe r;
  std::int64_t w = 0;
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) {
    w += std::int64_t{a.v[i]} - b.v[i];
    r.v[i] = static_cast<std::uint32_t>(w);
    w >>= 32;
  }
  // Add p back on a borrow.
  const std::uint32_t mask = mask_of(static_cast<std::uint32_t>(-w));
  std::uint64_t c = 0;
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) {
    c += std::uint64_t{r.v[i]} + (kFieldP.m[i] & mask);
    r.v[i] = static_cast<std::uint32_t>(c);
    c >>= 32;
  }
  return r;
}
// NOLINTEND(cppcoreguidelines-pro-type-member-init)
inline Fe triple_ct(const Fe& a) { return add_ct(add_ct(a, a), a); }

struct ConstantTime {
  static Fe mul(const Fe& a, const Fe& b) { return mul_ct(a, b); }
  static Fe add(const Fe& a, const Fe& b) { return add_ct(a, b); }
  static Fe sub(const Fe& a, const Fe& b) { return sub_ct(a, b); }
};

// Montgomery form of a constant, at compile time: x * 2^256 mod p by 256 modular doublings.
constexpr Fe to_fe_constexpr(const Limbs& plain) {
  Limbs x = plain;
  for (int i = 0; i < 256; ++i) mod_add(x, x, x, kFieldP.m);
  return Fe{x};
}
constexpr Fe kBm = to_fe_constexpr(kB);

// Homogeneous projective coordinates (x = X/Z, y = Y/Z); the point at infinity is (0 : 1 : 0).
struct Proj {
  Fe x, y, z;
};

// Complete addition for a = -3 (Renes, Costello, Batina 2016, algorithm 4): correct for every
// pair of inputs, equal, opposite or infinity alike, so nothing needs a branch. 12M + 2 mul-by-b.
Proj add_complete(const Proj& p, const Proj& q) {
  const Fe xx = mul_ct(p.x, q.x);
  const Fe yy = mul_ct(p.y, q.y);
  const Fe zz = mul_ct(p.z, q.z);
  const Fe xy = sub_ct(mul_ct(add_ct(p.x, p.y), add_ct(q.x, q.y)), add_ct(xx, yy));
  const Fe yz = sub_ct(mul_ct(add_ct(p.y, p.z), add_ct(q.y, q.z)), add_ct(yy, zz));
  const Fe xz = sub_ct(mul_ct(add_ct(p.x, p.z), add_ct(q.x, q.z)), add_ct(xx, zz));
  const Fe u3 = triple_ct(sub_ct(xz, mul_ct(kBm, zz)));
  const Fe yy_minus = sub_ct(yy, u3);
  const Fe yy_plus = add_ct(yy, u3);
  const Fe zz3 = triple_ct(zz);
  const Fe v3 = triple_ct(sub_ct(mul_ct(kBm, xz), add_ct(zz3, xx)));
  const Fe w = sub_ct(triple_ct(xx), zz3);
  return {sub_ct(mul_ct(yy_plus, xy), mul_ct(yz, v3)), add_ct(mul_ct(yy_plus, yy_minus), mul_ct(w, v3)),
          add_ct(mul_ct(yy_minus, yz), mul_ct(xy, w))};
}

// Doubling for a = -3 without exceptions (Renes, Costello, Batina 2016, algorithm 6).
Proj double_complete(const Proj& p) {
  const Fe xx = mul_ct(p.x, p.x);
  const Fe yy = mul_ct(p.y, p.y);
  const Fe zz = mul_ct(p.z, p.z);
  const Fe xy = mul_ct(p.x, p.y);
  const Fe xy2 = add_ct(xy, xy);
  const Fe xz = mul_ct(p.x, p.z);
  const Fe xz2 = add_ct(xz, xz);
  const Fe u3 = triple_ct(sub_ct(mul_ct(kBm, zz), xz2));
  const Fe yy_minus = sub_ct(yy, u3);
  const Fe yy_plus = add_ct(yy, u3);
  const Fe zz3 = triple_ct(zz);
  const Fe v3 = triple_ct(sub_ct(mul_ct(kBm, xz2), add_ct(zz3, xx)));
  const Fe w = sub_ct(triple_ct(xx), zz3);
  const Fe yz = mul_ct(p.y, p.z);
  const Fe yz2 = add_ct(yz, yz);
  const Fe yz2yy = mul_ct(yz2, yy);
  const Fe yz4yy = add_ct(yz2yy, yz2yy);
  return {sub_ct(mul_ct(yy_minus, xy2), mul_ct(v3, yz2)), add_ct(mul_ct(yy_plus, yy_minus), mul_ct(w, v3)),
          add_ct(yz4yy, yz4yy)};
}

// t[digit] without a secret-dependent index: every entry is read, the one wanted kept by a mask.
Proj lookup_ct(const Proj (&t)[16], std::uint32_t digit) {
  Proj r{{}, {}, {}};
  for (std::uint32_t k = 0; k < 16; ++k) {
    const std::uint32_t mask = mask_of(((k ^ digit) - 1u) >> 31);  // ~0 exactly when k == digit
    for (int i = 0; i < 8; ++i) {
      r.x.v[i] |= t[k].x.v[i] & mask;
      r.y.v[i] |= t[k].y.v[i] & mask;
      r.z.v[i] |= t[k].z.v[i] & mask;
    }
  }
  return r;
}

// Between the two coordinate systems: doublings in Jacobian coordinates (8 products, no special
// case either) are cheaper than complete ones (13), and a conversion each way costs 3.
// Jacobian (X, Y, Z) is homogeneous (X Z : Y : Z^3); infinity (X, Y, 0), Y != 0, becomes (0 : Y : 0).
Proj to_homogeneous(const Point& p) {
  const Fe z2 = mul_ct(p.z, p.z);
  return {mul_ct(p.x, p.z), p.y, mul_ct(z2, p.z)};
}
// Homogeneous (X : Y : Z) is Jacobian (X Z, Y Z^2, Z). Infinity (0 : Y : 0) would become (0, 0, 0),
// which doubles to nonsense: it becomes (0, 1, 0) instead, by a mask (it is infinity exactly while
// the scalar's leading digits are 0, a secret).
Point to_jacobian(const Proj& p) {
  const Fe z2 = mul_ct(p.z, p.z);
  Point r{mul_ct(p.x, p.z), mul_ct(p.y, z2), p.z};
  std::uint32_t any = 0;
  for (auto x : p.z.v) any |= x;
  const std::uint32_t infinity = mask_of(((any | (0u - any)) >> 31) ^ 1u);
  select(r.y.v, infinity, kFieldP.r_mod, r.y.v);
  return r;
}

// k * P for a secret k (plain, below n) and a public P: a fixed 4-bit window from the top, four
// doublings and one addition of t[digit] per digit, digit 0 included (t[0] is infinity).
Proj scalar_mul_ct(const Limbs& k, const Proj& p) {
  Proj t[16];
  t[0] = {{}, {kFieldP.r_mod}, {}};
  t[1] = p;
  for (int i = 2; i < 16; ++i) {
    t[i] = (i % 2 == 0) ? double_complete(t[i / 2]) : add_complete(t[i - 1], p);
  }
  Proj acc = lookup_ct(t, nibble(k, 63));
  for (int i = 62; i >= 0; --i) {
    Point j = to_jacobian(acc);
    for (int d = 0; d < 4; ++d) j = dbl_formula<ConstantTime>(j);
    acc = add_complete(to_homogeneous(j), lookup_ct(t, nibble(k, i)));
  }
  return acc;
}

// The affine coordinates (plain numbers) of p; false for the point at infinity (public: the
// callers' results show it anyway).
bool to_affine(const Proj& p, Limbs& x, Limbs& y) {
  if (is_zero(p.z.v)) {
    return false;
  }
  Limbs zinv;
  mont_inv<true>(zinv, p.z.v, kFieldP);
  const Limbs one{1, 0, 0, 0, 0, 0, 0, 0};
  const Fe xm = mul_ct(p.x, Fe{zinv});
  const Fe ym = mul_ct(p.y, Fe{zinv});
  mont_mul<true>(x, xm.v, one, kFieldP);  // out of Montgomery form
  mont_mul<true>(y, ym.v, one, kFieldP);
  return true;
}

Proj generator() { return {to_fe(kGx), to_fe(kGy), {kFieldP.r_mod}}; }
}  // namespace

bool valid_public_key(const std::array<std::uint8_t, 64>& pub) {
  return on_curve(load_be(pub.data()), load_be(pub.data() + 32));
}

bool verify(const std::array<std::uint8_t, 64>& pub, const std::array<std::uint8_t, 32>& hash,
            const std::array<std::uint8_t, 64>& sig) {
  const Limbs qx = load_be(pub.data());
  const Limbs qy = load_be(pub.data() + 32);
  if (!on_curve(qx, qy)) {
    return false;
  }
  const Limbs r = load_be(sig.data());
  const Limbs s = load_be(sig.data() + 32);
  if (is_zero(r) || is_zero(s) || geq(r, kOrderN.m) || geq(s, kOrderN.m)) {
    return false;
  }
  // e: the hash as a number, reduced modulo n (it is below 2^256 < 2n).
  Limbs e = load_be(hash.data());
  if (geq(e, kOrderN.m)) {
    sub(e, e, kOrderN.m);
  }
  // w = s^-1 (Montgomery form); u1 = e*w, u2 = r*w as plain numbers: a Montgomery product of a
  // plain and a Montgomery-form factor is plain.
  Limbs s_m, w_m, u1, u2;
  mont_mul<false>(s_m, s, kOrderN.r2, kOrderN);
  mont_inv<false>(w_m, s_m, kOrderN);
  mont_mul<false>(u1, e, w_m, kOrderN);
  mont_mul<false>(u2, r, w_m, kOrderN);

  const Point g{to_fe(kGx), to_fe(kGy), {kFieldP.r_mod}};
  const Point q{to_fe(qx), to_fe(qy), {kFieldP.r_mod}};
  // u1 G + u2 Q by Shamir's trick: one chain of doublings, both scalars' signed 4-bit digits
  // added in as they come (one loop over the two terms: one copy of the addition in the
  // bootloader's ROM).
  struct Term {
    Point table[8];
    Digits digits;
  } terms[2];
  table(terms[0].table, g);
  table(terms[1].table, q);
  signed_digits(u1, terms[0].digits);
  signed_digits(u2, terms[1].digits);
  Point acc = infinity_point();
  for (int i = kDigits - 1; i >= 0; --i) {
    if (!acc.infinity()) {
      acc = dbl(dbl(dbl(dbl(acc))));
    }
    for (const Term& term : terms) {
      if (term.digits[i] != 0) {
        acc = add_digit(acc, term.table, term.digits[i]);
      }
    }
  }
  if (acc.infinity()) {
    return false;
  }
  // x(acc) mod n == r without an inversion: x = X / Z^2 with x < p, so x mod n is r exactly when
  // X == r Z^2, or (r + n < p) X == (r + n) Z^2.
  const Fe z2 = fsqr(acc.z);
  if (feq(fmul(to_fe(r), z2), acc.x)) {
    return true;
  }
  Limbs rn;
  if (add(rn, r, kOrderN.m) == 0 && !geq(rn, kFieldP.m)) {
    return feq(fmul(to_fe(rn), z2), acc.x);
  }
  return false;
}


Digest hash_to_digest(std::span<const std::uint8_t> hash) {
  Digest e{};
  if (hash.size() >= e.size()) {
    for (std::size_t i = 0; i < e.size(); ++i) e[i] = hash[i];
  } else {
    const std::size_t pad = e.size() - hash.size();
    for (std::size_t i = 0; i < hash.size(); ++i) e[pad + i] = hash[i];
  }
  return e;
}

bool valid_private_key(const Scalar& d) { return in_scalar_range(load_be(d.data())) != 0; }

void private_key_from_wide(const std::array<std::uint8_t, kWideScalarSize>& c, Scalar& d) {
  // Bit by bit from the most significant: r = 2 r + bit, then r - (n-1) if that is not negative.
  // r < n-1 before each step, so 2 r + bit < 2 (n-1): one masked subtraction keeps it reduced
  // (the carry out of the doubling counts as the 2^256 bit).
  Limbs m = kOrderN.m;
  m[0] -= 1;  // n-1: n is odd, no borrow
  Limbs r{};
  for (std::size_t byte = 0; byte < c.size(); ++byte) {
    for (int bit = 7; bit >= 0; --bit) {
      const std::uint32_t in = (static_cast<std::uint32_t>(c[byte]) >> bit) & 1u;
      Limbs doubled;
      const std::uint32_t carry = add(doubled, r, r);
      doubled[0] |= in;  // bit 0 of 2 r is 0
      Limbs t;
      const std::uint32_t borrow = sub(t, doubled, m);
      select(r, mask_of((carry | (borrow ^ 1u)) & 1u), t, doubled);
      wipe(doubled);
      wipe(t);
    }
  }
  Limbs one{1};
  (void)add(r, r, one);  // r <= n-2: no carry
  store_be(d.data(), r);
  wipe(r);
}

bool public_key(const Scalar& d, PublicKey& pub) {
  Limbs k = load_be(d.data());
  bool ok = in_scalar_range(k) != 0;
  if (ok) {
    Limbs x, y;
    ok = to_affine(scalar_mul_ct(k, generator()), x, y);
    if (ok) {
      store_be(pub.data(), x);
      store_be(pub.data() + 32, y);
    }
  }
  wipe(k);
  return ok;
}

bool ecdh(const Scalar& d, const PublicKey& peer, std::array<std::uint8_t, 32>& shared) {
  const Limbs px = load_be(peer.data());
  const Limbs py = load_be(peer.data() + 32);
  if (!on_curve(px, py)) {
    return false;
  }
  Limbs k = load_be(d.data());
  bool ok = in_scalar_range(k) != 0;
  if (ok) {
    Limbs x, y;
    ok = to_affine(scalar_mul_ct(k, {to_fe(px), to_fe(py), {kFieldP.r_mod}}), x, y);
    if (ok) {
      store_be(shared.data(), x);
    }
    wipe(x);
    wipe(y);
  }
  wipe(k);
  return ok;
}

bool verify_with_private_key(const Scalar& d, const Digest& hash, const Signature& sig) {
  const Limbs r = load_be(sig.data());
  const Limbs s = load_be(sig.data() + 32);
  if (is_zero(r) || is_zero(s) || geq(r, kOrderN.m) || geq(s, kOrderN.m)) {
    return false;
  }
  Limbs dl = load_be(d.data());
  if (in_scalar_range(dl) == 0) {
    wipe(dl);
    return false;
  }
  Limbs e = load_be(hash.data());
  reduce_once_ct(e, kOrderN.m);
  // w = s^-1; u = e w + r w d = (e + r d) w, all mod n (plain: see sign).
  Limbs s_m, w_m, d_m, u;
  mont_mul<false>(s_m, s, kOrderN.r2, kOrderN);  // s is public
  mont_inv<false>(w_m, s_m, kOrderN);
  mont_mul<true>(d_m, dl, kOrderN.r2, kOrderN);
  mont_mul<true>(u, r, d_m, kOrderN);  // r d
  const std::uint32_t carry = add(u, u, e);
  Limbs t;
  const std::uint32_t borrow = sub(t, u, kOrderN.m);
  select(u, mask_of((carry | (borrow ^ 1u)) & 1u), t, u);
  mont_mul<true>(u, u, w_m, kOrderN);
  Limbs x, y;
  bool ok = to_affine(scalar_mul_ct(u, generator()), x, y);
  if (ok) {
    // x mod n == r (x < p < 2n); the result is public once it is compared.
    reduce_once_ct(x, kOrderN.m);
    ok = x == r;
  }
  wipe(dl);
  wipe(d_m);
  wipe(u);
  return ok;
}

bool sign(const Scalar& d, const Digest& hash, const Scalar& k, Signature& sig) {
  Limbs dl = load_be(d.data());
  Limbs kl = load_be(k.data());
  bool ok = (in_scalar_range(dl) & in_scalar_range(kl)) != 0;
  Limbs r{}, s{}, d_m, k_m, k_inv, sum;
  if (ok) {
    // r = x(k G) mod n (x < p < 2n).
    Limbs x, y;
    ok = to_affine(scalar_mul_ct(kl, generator()), x, y);
    r = x;
    reduce_once_ct(r, kOrderN.m);
    // s = k^-1 (e + r d) mod n, in Montgomery arithmetic modulo n: a product of a plain number and
    // one in Montgomery form is plain.
    Limbs e = load_be(hash.data());
    reduce_once_ct(e, kOrderN.m);
    mont_mul<true>(d_m, dl, kOrderN.r2, kOrderN);
    mont_mul<true>(sum, r, d_m, kOrderN);  // r d
    const std::uint32_t carry = add(sum, sum, e);
    Limbs t;
    const std::uint32_t borrow = sub(t, sum, kOrderN.m);
    select(sum, mask_of((carry | (borrow ^ 1u)) & 1u), t, sum);
    mont_mul<true>(k_m, kl, kOrderN.r2, kOrderN);
    mont_inv<true>(k_inv, k_m, kOrderN);
    mont_mul<true>(s, sum, k_inv, kOrderN);
    ok = ok && !is_zero(r) && !is_zero(s);
  }
  if (ok) {
    store_be(sig.data(), r);
    store_be(sig.data() + 32, s);
  }
  wipe(dl);
  wipe(kl);
  wipe(d_m);
  wipe(k_m);
  wipe(k_inv);
  wipe(sum);
  return ok;
}

}  // namespace ward::p256
