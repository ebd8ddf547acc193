// arch/arm/src/small_libc.cpp's memcpy, memset, memmove, memcmp and strlen against the host C
// library: every alignment 0-7 of both ends, every length 0-300, guard bytes either side (a copy
// that writes one byte too many or too few fails), and memmove's overlaps in both directions (it
// hands ranges that are apart to memcpy). The file is compiled here under other names: its bodies,
// not a copy of them.
#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

// The renamed functions; memmove's std::memcpy must reach the renamed memcpy too, as in the image.
extern "C" {
void* ward_small_memcpy(void* __restrict dst, const void* __restrict src, std::size_t n);
void* ward_small_memset(void* dst, int c, std::size_t n);
void* ward_small_memmove(void* dst, const void* src, std::size_t n);
int ward_small_memcmp(const void* a, const void* b, std::size_t n);
std::size_t ward_small_strlen(const char* s);
}
namespace std {
using ::ward_small_memcpy;  // NOLINT(cert-dcl58-cpp): the test's rename of std::memcpy
}

#define memcpy ward_small_memcpy
#define memset ward_small_memset
#define memmove ward_small_memmove
#define memcmp ward_small_memcmp
#define strlen ward_small_strlen
#define WARD_SMALL_LIBC_COPIES 1
#include "../../arch/arm/src/small_libc.cpp"  // NOLINT(bugprone-suspicious-include): its bodies under the names above
#undef memcpy
#undef memset
#undef memmove
#undef memcmp
#undef strlen

namespace {

constexpr std::size_t kMaxLen = 300;
constexpr std::size_t kGuard = 16;
constexpr std::size_t kBuf = kGuard + 8 + kMaxLen + kGuard;

// 8-aligned buffers so that an offset of 0-7 is exactly that misalignment from a word.
struct alignas(8) Buf {
  std::array<unsigned char, kBuf> b;
};

void Fill(Buf& buf, unsigned seed) {
  for (std::size_t i = 0; i < kBuf; ++i) {
    buf.b[i] = static_cast<unsigned char>((i * 131u + seed * 17u + 7u) ^ (i >> 3));
  }
}

// The parameters ride through volatile so that the compiler cannot fold the calls.
template <typename T>
T Opaque(T v) {
  volatile T x = v;
  return x;
}

TEST(SmallLibc, MemcpyEveryAlignmentAndLength) {
  for (std::size_t da = 0; da < 8; ++da) {
    for (std::size_t sa = 0; sa < 8; ++sa) {
      for (std::size_t n = 0; n <= kMaxLen; ++n) {
        Buf src{}, got{}, want{};
        Fill(src, static_cast<unsigned>(n));
        Fill(got, 99);
        Fill(want, 99);
        void* r = ward_small_memcpy(Opaque(got.b.data() + kGuard + da), Opaque(src.b.data() + kGuard + sa), Opaque(n));
        std::memcpy(want.b.data() + kGuard + da, src.b.data() + kGuard + sa, n);
        ASSERT_EQ(r, got.b.data() + kGuard + da);
        ASSERT_EQ(got.b, want.b) << "dst+" << da << " src+" << sa << " n=" << n;
      }
    }
  }
}

TEST(SmallLibc, MemcpyOntoItself) {
  // GCC emits memcpy for a struct assignment whose two sides may be the same object.
  for (std::size_t a = 0; a < 8; ++a) {
    for (std::size_t n = 0; n <= kMaxLen; ++n) {
      Buf got{}, want{};
      Fill(got, 5);
      Fill(want, 5);
      unsigned char* p = got.b.data() + kGuard + a;
      ward_small_memcpy(Opaque(p), Opaque(p), Opaque(n));
      ASSERT_EQ(got.b, want.b) << "at+" << a << " n=" << n;
    }
  }
}

TEST(SmallLibc, MemsetEveryAlignmentLengthAndValue) {
  for (int c : {0, 1, 0x7f, 0x80, 0xa5, 0xff, 0x1a5, -1, -0x5b}) {
    for (std::size_t da = 0; da < 8; ++da) {
      for (std::size_t n = 0; n <= kMaxLen; ++n) {
        Buf got{}, want{};
        Fill(got, 3);
        Fill(want, 3);
        void* r = ward_small_memset(Opaque(got.b.data() + kGuard + da), Opaque(c), Opaque(n));
        std::memset(want.b.data() + kGuard + da, c, n);
        ASSERT_EQ(r, got.b.data() + kGuard + da);
        ASSERT_EQ(got.b, want.b) << "dst+" << da << " c=" << c << " n=" << n;
      }
    }
  }
}

TEST(SmallLibc, MemmoveOverlapsBothWaysAndApart) {
  // Source and destination in one buffer, at every distance -40..40 (0: the same range), every
  // alignment of the source, lengths to 300: overlapping forwards, backwards, and apart (memcpy).
  for (std::ptrdiff_t dist = -40; dist <= 40; ++dist) {
    for (std::size_t sa = 0; sa < 8; ++sa) {
      for (std::size_t n = 0; n <= kMaxLen - 48; ++n) {
        std::array<unsigned char, kBuf + 96> got{}, want{};
        for (std::size_t i = 0; i < got.size(); ++i) {
          got[i] = want[i] = static_cast<unsigned char>(i * 7u + 1u);
        }
        const std::size_t s = kGuard + 48 + sa;
        const std::size_t d = static_cast<std::size_t>(static_cast<std::ptrdiff_t>(s) + dist);
        void* r = ward_small_memmove(Opaque(got.data() + d), Opaque(got.data() + s), Opaque(n));
        std::memmove(want.data() + d, want.data() + s, n);
        ASSERT_EQ(r, got.data() + d);
        ASSERT_EQ(got, want) << "dist=" << dist << " src+" << sa << " n=" << n;
      }
    }
  }
}

int Sign(int v) { return (v > 0) - (v < 0); }

TEST(SmallLibc, MemcmpSignAndLength) {
  for (std::size_t n = 0; n <= 64; ++n) {
    for (std::size_t at = 0; at < n; ++at) {
      for (unsigned char x : {0x00, 0x01, 0x7f, 0x80, 0xff}) {
        std::array<unsigned char, 64> a{}, b{};
        a.fill(0x55);
        b.fill(0x55);
        b[at] = x;
        const int got = ward_small_memcmp(Opaque(a.data()), Opaque(b.data()), Opaque(n));
        ASSERT_EQ(Sign(got), Sign(std::memcmp(a.data(), b.data(), n))) << "n=" << n << " at=" << at;
        // A difference beyond n does not count.
        ASSERT_EQ(ward_small_memcmp(Opaque(a.data()), Opaque(b.data()), Opaque(at)), 0);
      }
    }
  }
}

TEST(SmallLibc, Strlen) {
  std::array<char, 40> s{};
  for (std::size_t n = 0; n < s.size() - 1; ++n) {
    s.fill('x');
    s[n] = '\0';
    ASSERT_EQ(ward_small_strlen(Opaque(s.data())), n);
  }
}

}  // namespace
