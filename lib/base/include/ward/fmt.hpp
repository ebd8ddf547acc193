// A small, allocation-free text formatter for consoles and reports.
//
// Writes numbers and strings into a fixed buffer and hands full chunks to a sink; nothing is
// ever truncated and nothing touches the heap. printf is deliberately not used: newlib's pulls in
// several kilobytes and a varargs interface the compiler cannot type-check.
#pragma once
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ward::fmt {

// A value printed as hexadecimal with a 0x prefix, zero-padded to `digits`.
struct Hex {
  std::uint64_t value;
  int digits;
};

template <std::unsigned_integral T>
constexpr Hex hex(T value) {
  return {value, static_cast<int>(sizeof(T) * 2)};
}
inline Hex hex(const void* pointer) {
  return {reinterpret_cast<std::uintptr_t>(pointer), static_cast<int>(sizeof(void*) * 2)};
}

// Where formatted text goes once a chunk is full or the message is complete.
using Sink = void (*)(std::string_view);

class Writer {
 public:
  // cppcheck-suppress uninitMemberVar ; buffer_ is deliberately not zeroed (see buffer_)
  explicit Writer(Sink sink) : sink_{sink} {}  // NOLINT(cppcoreguidelines-pro-type-member-init,hicpp-member-init): buffer_ is deliberately not zeroed
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;
  ~Writer() { flush(); }

  void put(std::string_view text);
  void put(const char* text);
  void put(char c);
  void put(bool b) { put(b ? std::string_view{"true"} : std::string_view{"false"}); }
  void put(Hex h);
  // Values that fit in 32 bits take the short path (the core divides 32-bit values in hardware).
  template <std::signed_integral T>
  void put(T v) {
    if constexpr (sizeof(T) <= 4) {
      put_signed32(v);
    } else {
      put_signed(v);
    }
  }
  template <std::unsigned_integral T>
  void put(T v) {
    if constexpr (sizeof(T) <= 4) {
      put_unsigned32(v);
    } else {
      put_unsigned(v);
    }
  }
  void put(const void* p) { put(hex(p)); }
  void flush();

 private:
  void put_signed(std::int64_t v);
  void put_unsigned(std::uint64_t v);
  void put_signed32(std::int32_t v);
  void put_unsigned32(std::uint32_t v);

  Sink sink_;
  std::size_t used_ = 0;
  // Not zeroed: only [0, used_) is ever read, and zeroing pulled memset (168 bytes) into images
  // whose only formatted output is a panic.
  char buffer_[96];
};

// Overload set of everything Writer::put accepts.
template <class T>
concept Formattable = requires(Writer& w, const T& v) { w.put(v); };

// Formats the arguments one after another (no separators) into `sink`.
template <Formattable... Args>
void write(Sink sink, const Args&... args) {
  Writer w{sink};
  (w.put(args), ...);
}

}  // namespace ward::fmt
