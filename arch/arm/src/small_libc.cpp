// The C library functions the bootloader and the secure image call but do not need fast, built
// for size. newlib's are written for speed (word loops, alignment cases): memmove 254 B, memcmp
// 94 B, strlen 92 B, of a bootloader whose ROM budget is 24 KiB (docs/boot.md) and of a secure
// image whose medium profile has 64 KiB (docs/secure-world.md, "Profiles").
//
// memcpy and memset: the bootloader keeps newlib's (it copies and clears the images' executable
// windows, megabytes per boot). The secure image (WARD_SMALL_LIBC_COPIES) takes the word loops
// below instead of newlib's 236 + 168 B: it copies a secure call's vectors (at most a few KiB a
// call, next to the call's cryptography) and Mbed TLS's blocks and contexts (tens of bytes).
//
// Where they are used: memmove comes from std::copy (which may overlap in one direction) of a few
// hundred bytes at a time; memcmp from std::equal and array comparisons of trailer magics, field
// elements and key identifiers; strlen from the semihosting open of a flash file and storage's key
// labels.
//
// Built without LTO (boot/CMakeLists.txt, secure/firmware/CMakeLists.txt): the compiler emits
// calls to these itself late in code generation, after the link-time optimiser would have dropped
// definitions nothing referenced yet.
#include <cstddef>
#include <cstdint>
#include <cstring>

extern "C" {

// No loop idiom recognition here: it would turn the loops below into calls of themselves.
#define WARD_LIBC [[gnu::used, gnu::optimize("no-tree-loop-distribute-patterns")]]

WARD_LIBC void* memmove(void* dst, const void* src, std::size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  const auto* s = static_cast<const unsigned char*>(src);
  const auto da = reinterpret_cast<std::uintptr_t>(d), sa = reinterpret_cast<std::uintptr_t>(s);
  if (da + n <= sa || sa + n <= da) {
    return std::memcpy(dst, src, n);  // apart: the fast copy
  }
  if (da < sa) {
    for (std::size_t i = 0; i < n; ++i) {
      d[i] = s[i];
    }
  } else {
    for (std::size_t i = n; i-- > 0;) {
      d[i] = s[i];
    }
  }
  return dst;
}

WARD_LIBC int memcmp(const void* a, const void* b, std::size_t n) {
  const auto* x = static_cast<const unsigned char*>(a);
  const auto* y = static_cast<const unsigned char*>(b);
  for (std::size_t i = 0; i < n; ++i) {
    if (x[i] != y[i]) {
      return x[i] < y[i] ? -1 : 1;
    }
  }
  return 0;
}

#if defined(WARD_SMALL_LIBC_COPIES)
// A word at a time when both ends are word-aligned (the common case: arrays of words, structs),
// bytes otherwise and for the tail. may_alias: the words alias whatever the caller's objects are.
using Word [[gnu::may_alias]] = std::uint32_t;

WARD_LIBC void* memcpy(void* __restrict dst, const void* __restrict src, std::size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  const auto* s = static_cast<const unsigned char*>(src);
  if (((reinterpret_cast<std::uintptr_t>(d) | reinterpret_cast<std::uintptr_t>(s)) & 3u) == 0) {
    for (; n >= 4; n -= 4, d += 4, s += 4) {
      *static_cast<Word*>(static_cast<void*>(d)) = *static_cast<const Word*>(static_cast<const void*>(s));
    }
  }
  while (n-- > 0) {
    *d++ = *s++;
  }
  return dst;
}

WARD_LIBC void* memset(void* dst, int c, std::size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  const auto byte = static_cast<unsigned char>(c);
  if ((reinterpret_cast<std::uintptr_t>(d) & 3u) == 0) {
    const Word word = 0x01010101u * byte;
    for (; n >= 4; n -= 4, d += 4) {
      *static_cast<Word*>(static_cast<void*>(d)) = word;
    }
  }
  while (n-- > 0) {
    *d++ = byte;
  }
  return dst;
}
#endif

WARD_LIBC std::size_t strlen(const char* s) {
  std::size_t n = 0;
  while (s[n] != '\0') {
    ++n;
  }
  return n;
}

}  // extern "C"
