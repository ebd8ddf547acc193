// Intel HEX for ward-image: images come in as HEX from many build systems, and `sign ... out.hex`
// writes one (as imgtool does). Input is outside data: the parser is strict and fuzzed
// (tests/boot/fuzz_intel_hex.cpp).
//
// Accepted: records ':' LL AAAA TT DD.. CC (hex digits, either case), one per line (LF or CRLF),
// checksum checked, types 00 data, 01 end of file (required, last), 02 extended segment address,
// 04 extended linear address, 05 start linear address (read and ignored, as imgtool ignores it).
// Refused, with the line number: anything else, type 03, a data record that is empty, crosses its
// 64 KiB window or starts below the end of the previous one (overlapping or out of order), a
// span larger than the caller allows. Gaps between records read as erased flash (0xFF), as
// imgtool (python intelhex's tobinarray) fills them.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ward::tool::ihex {

struct Image {
  std::uint32_t base = 0;            // address of bytes[0]
  std::vector<std::uint8_t> bytes;   // from the lowest to the highest address, gaps 0xFF
};

inline constexpr std::size_t kDefaultMaxSpan = 64u << 20;

// Results with a message for the user. Not std::expected: clang 14, which builds the libFuzzer
// targets, cannot instantiate std::expected of a non-trivial type (it lacks P0848).
template <class T>
struct Outcome {
  std::optional<T> value;
  std::string error;  // set when there is no value
  explicit operator bool() const { return value.has_value(); }
  // value() checks (and throws on an empty Outcome); clang-tidy does not see through it.
  T& operator*() { return value.value(); }  // NOLINT(bugprone-unchecked-optional-access): checked by value()
  T* operator->() { return &value.value(); }  // NOLINT(bugprone-unchecked-optional-access): checked by value()
};
template <class T>
Outcome<T> failure(std::string message) {
  return {std::nullopt, std::move(message)};
}

Outcome<Image> parse(std::string_view text, std::size_t max_span = kDefaultMaxSpan);

struct Segment {
  std::uint32_t address;
  std::span<const std::uint8_t> bytes;
};
// Writes `segments` (they must not overlap; any order) as python intelhex's tofile() does, which
// is what imgtool writes: data records of up to 16 bytes that stop at gaps and 64 KiB boundaries,
// upper-case, LF; if any byte lies above 64 KiB, an extended linear address record first and at
// each new 64 KiB window; then ":00000001FF". Fails if segments overlap or pass 4 GiB.
Outcome<std::string> write(std::vector<Segment> segments);

}  // namespace ward::tool::ihex
