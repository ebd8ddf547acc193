// Little-endian loads and stores: the byte order of every format Ward reads or writes outside
// memory (MCUboot image headers and TLVs, the boot trailer and security counter, secure storage
// records), whatever the byte order of the machine that runs the code.
//
// The width is named at the call (`load_le<std::uint32_t>`) and the bytes are a span of exactly
// that many: `bytes.subspan<8, 4>()` on a span of fixed size is checked at compile time, on a
// span of dynamic size by the caller's bounds check before it (and by _GLIBCXX_ASSERTIONS).
#pragma once
#include <concepts>
#include <cstddef>
#include <span>
#include <type_traits>

namespace ward {

template <std::unsigned_integral T>
constexpr T load_le(std::span<const std::byte, sizeof(T)> in) {
  T v = 0;
  for (std::size_t i = sizeof(T); i-- > 0;) {
    v = static_cast<T>(static_cast<T>(v << 8) | std::to_integer<T>(in[i]));
  }
  return v;
}

template <std::unsigned_integral T>
constexpr void store_le(std::span<std::byte, sizeof(T)> out, std::type_identity_t<T> v) {
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    out[i] = static_cast<std::byte>(v >> (8 * i));
  }
}

}  // namespace ward
