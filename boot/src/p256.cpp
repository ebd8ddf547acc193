#include "ward/boot/p256.hpp"

#include <cstddef>

namespace ward::boot::p256 {
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
  Limbs m;
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

// Montgomery product a * b * R^-1 mod m for a, b < m (CIOS: multiply and reduce one word of b at
// a time). Most of a verify's time: optimised for speed while the rest of this file is built for
// size (cmake/WardBoot.cmake; the bootloader's ROM budget).
[[gnu::optimize("O2")]] void mont_mul(Limbs& r, const Limbs& a, const Limbs& b, const Modulus& mod) {
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
  if (t[8] != 0 || geq(res, mod.m)) {
    sub(res, res, mod.m);
  }
  r = res;
}

// a^e in Montgomery form (a in Montgomery form), e a plain number; left to right.
void mont_pow(Limbs& r, const Limbs& a, const Limbs& e, const Modulus& mod) {
  Limbs x = mod.r_mod;
  for (int i = 255; i >= 0; --i) {
    mont_mul(x, x, x, mod);
    if ((e[i / 32] >> (i % 32)) & 1) {
      mont_mul(x, x, a, mod);
    }
  }
  r = x;
}

// Inverse by Fermat's little theorem (m prime): a^(m-2).
void mont_inv(Limbs& r, const Limbs& a, const Modulus& mod) {
  Limbs e = mod.m;
  e[0] -= 2;  // m is odd and > 2: no borrow
  mont_pow(r, a, e, mod);
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
  mont_mul(r.v, a.v, b.v, kFieldP);
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
  mont_mul(r.v, plain, kFieldP.r2, kFieldP);
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

// dbl-2001-b (a = -3): 3M + 5S.
Point dbl(const Point& p) {
  if (p.infinity()) {
    return p;
  }
  const Fe delta = fsqr(p.z);
  const Fe gamma = fsqr(p.y);
  const Fe beta = fmul(p.x, gamma);
  const Fe t = fmul(fsub(p.x, delta), fadd(p.x, delta));
  const Fe alpha = fadd(fadd(t, t), t);
  const Fe beta2 = fadd(beta, beta);
  const Fe beta4 = fadd(beta2, beta2);
  const Fe beta8 = fadd(beta4, beta4);
  const Fe x = fsub(fsqr(alpha), beta8);
  const Fe z = fsub(fsub(fsqr(fadd(p.y, p.z)), gamma), delta);
  const Fe g2 = fsqr(gamma);
  const Fe g4 = fadd(g2, g2);
  const Fe g8 = fadd(g4, g4);
  return {x, fsub(fmul(alpha, fsub(beta4, x)), fadd(g8, g8)), z};
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

// 0*P .. 15*P for the 4-bit windows.
void table(Point (&t)[16], const Point& p) {
  t[0] = infinity_point();
  t[1] = p;
  t[2] = dbl(p);
  for (int k = 3; k < 16; ++k) {
    t[k] = add(t[k - 1], p);
  }
}

inline unsigned nibble(const Limbs& k, int i) { return (k[i / 8] >> (4 * (i % 8))) & 0xF; }

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
  mont_mul(s_m, s, kOrderN.r2, kOrderN);
  mont_inv(w_m, s_m, kOrderN);
  mont_mul(u1, e, w_m, kOrderN);
  mont_mul(u2, r, w_m, kOrderN);

  const Point g{to_fe(kGx), to_fe(kGy), {kFieldP.r_mod}};
  const Point q{to_fe(qx), to_fe(qy), {kFieldP.r_mod}};
  Point tg[16], tq[16];
  table(tg, g);
  table(tq, q);
  // Shamir's trick: one chain of doublings, both scalars' 4-bit digits added in as they come.
  Point acc = infinity_point();
  for (int i = 63; i >= 0; --i) {
    if (!acc.infinity()) {
      acc = dbl(dbl(dbl(dbl(acc))));
    }
    if (const unsigned d = nibble(u1, i); d != 0) {
      acc = add(acc, tg[d]);
    }
    if (const unsigned d = nibble(u2, i); d != 0) {
      acc = add(acc, tq[d]);
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

}  // namespace ward::boot::p256
