// The host tools' one way to own and read libcbor items (ward-mgmt's SMP replies, ward-attest's
// tokens). Header-only: each tool is also built standalone and into a libFuzzer binary from its own
// sources, and an include directory is all those builds share. Every reader takes a null item
// (a key that was not there) and answers nullopt, as for an item of the wrong type.
#pragma once

#include <cbor.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ward::cbor_read {

struct ItemDeleter {
  void operator()(cbor_item_t* i) const { cbor_decref(&i); }
};
// An item this code owns (one reference, dropped at the end of its life).
using Item = std::unique_ptr<cbor_item_t, ItemDeleter>;

// A definite text string.
inline std::optional<std::string> as_text(const cbor_item_t* i) {
  if (i == nullptr || !cbor_isa_string(i) || !cbor_string_is_definite(i)) return std::nullopt;
  const unsigned char* p = cbor_string_handle(i);
  const std::size_t n = cbor_string_length(i);
  return n == 0 || p == nullptr ? std::string{} : std::string(reinterpret_cast<const char*>(p), n);
}

// A definite byte string.
inline std::optional<std::vector<std::uint8_t>> as_bytes(const cbor_item_t* i) {
  if (i == nullptr || !cbor_isa_bytestring(i) || !cbor_bytestring_is_definite(i)) return std::nullopt;
  const unsigned char* p = cbor_bytestring_handle(i);
  const std::size_t n = cbor_bytestring_length(i);
  return n == 0 || p == nullptr ? std::vector<std::uint8_t>{} : std::vector<std::uint8_t>(p, p + n);
}

// An unsigned integer (major type 0).
inline std::optional<std::uint64_t> as_uint(const cbor_item_t* i) {
  if (i == nullptr || !cbor_isa_uint(i)) return std::nullopt;
  return cbor_get_int(i);
}

// An integer of either sign (major type 0 or 1) that fits int64.
inline std::optional<std::int64_t> as_int(const cbor_item_t* i) {
  if (i == nullptr) return std::nullopt;
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (cbor_isa_uint(i)) {
    const std::uint64_t v = cbor_get_int(i);
    if (v > kMax) return std::nullopt;
    return static_cast<std::int64_t>(v);
  }
  if (cbor_isa_negint(i)) {
    const std::uint64_t v = cbor_get_int(i);  // the value is -1 - v
    if (v > kMax) return std::nullopt;
    return -1 - static_cast<std::int64_t>(v);
  }
  return std::nullopt;
}

// true or false (simple values 21 and 20). A float is refused before cbor_is_bool sees it: libcbor
// asserts (aborts) on a float there, so a device sending 1.0 for a flag stopped the tool (fuzzing).
inline std::optional<bool> as_bool(const cbor_item_t* i) {
  if (i == nullptr || !cbor_isa_float_ctrl(i) || cbor_float_get_width(i) != CBOR_FLOAT_0 || !cbor_is_bool(i)) {
    return std::nullopt;
  }
  return cbor_get_bool(i);
}

}  // namespace ward::cbor_read
