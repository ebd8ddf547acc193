// The CBOR of SMP requests and responses, on tinycbor (the library the secure side's attestation
// uses; cmake/WardTinyCBOR.cmake).
//
// Requests: decode_map() reads one map of text keys into the fields a command names, and refuses
// anything else: not a map, bytes after it, a key that is not text, a named key twice, a value of
// the wrong type, an indefinite-length string (strings are read in place, never copied), or
// nesting deeper than the parser's bound. Keys nobody named are skipped, as SMP requires.
//
// Responses: MapWriter writes the response map; its first failure (no room) sticks, so a handler
// writes on and the server checks once.
#pragma once
#include <cbor.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace ward::mgmt {

// A map key or field name. From a string literal its length is known at compile time: a
// std::string_view made from a `const char*` measures it at run time (at -Os, a call and a strlen
// at each of the fifty-odd places the groups name a key).
class Key {
 public:
  // Implicit on purpose: every call site names its key as a plain literal or view.
  template <std::size_t N>
  // cppcheck-suppress noExplicitConstructor ; a key is written as a plain literal at every call
  consteval Key(const char (&literal)[N]) : text_(literal, N - 1) {}
  // cppcheck-suppress noExplicitConstructor ; a key is written as a plain string_view at every call
  constexpr Key(std::string_view text) : text_(text) {}
  constexpr std::string_view view() const { return text_; }

 private:
  std::string_view text_;
};

struct Field {
  enum class Kind : std::uint8_t { uint, text, bytes, boolean };
  // cppcheck-suppress passedByValue ; Key is a string_view (two words, passed in registers): a reference would add a load
  constexpr Field(Key k, Kind kd) : key(k.view()), kind(kd) {}
  std::string_view key;
  Kind kind;
  bool present = false;
  std::uint64_t uint = 0;
  bool boolean = false;
  std::span<const std::byte> bytes;  // text or bytes: a view into the request

  std::string_view text() const { return {reinterpret_cast<const char*>(bytes.data()), bytes.size()}; }
};

enum class DecodeError : std::uint8_t { none, not_a_map, malformed, bad_key, duplicate, wrong_type, trailing };

// An empty payload reads as an empty map (SMP allows a request without data).
DecodeError decode_map(std::span<const std::byte> payload, std::span<Field> fields);

class MapWriter {
 public:
  explicit MapWriter(CborEncoder& map) : map_(&map) {}
  void uint(Key key, std::uint64_t v);
  void integer(Key key, std::int64_t v);
  void text(Key key, std::string_view v);
  void bytes(Key key, std::span<const std::byte> v);
  void boolean(Key key, bool v);
  // Opens an array under `key`, or a map inside the array it is in; closes it after `fill`.
  template <class F>
  void array(Key key, F&& fill);
  template <class F>
  void map_in_array(F&& fill);
  template <class F>
  void map(Key key, F&& fill);
  bool ok() const { return error_ == CborNoError; }
  CborError error() const { return error_; }

 private:
  void key(Key k);
  void check(CborError e) {
    if (error_ == CborNoError) error_ = e;
  }
  template <class F>
  void nested(bool is_map, F&& fill);
  CborEncoder* map_;
  CborError error_ = CborNoError;
};

template <class F>
void MapWriter::nested(bool is_map, F&& fill) {
  if (!ok()) return;
  CborEncoder inner;
  check(is_map ? cbor_encoder_create_map(map_, &inner, CborIndefiniteLength)
               : cbor_encoder_create_array(map_, &inner, CborIndefiniteLength));
  if (!ok()) return;
  MapWriter child(inner);
  fill(child);
  check(child.error_);
  check(cbor_encoder_close_container(map_, &inner));
}

template <class F>
// cppcheck-suppress passedByValue ; Key is a string_view (two words, passed in registers): a reference would add a load
void MapWriter::array(Key k, F&& fill) {
  key(k);
  nested(false, fill);
}

template <class F>
void MapWriter::map_in_array(F&& fill) {
  nested(true, fill);
}

template <class F>
// cppcheck-suppress passedByValue ; Key is a string_view (two words, passed in registers): a reference would add a load
void MapWriter::map(Key k, F&& fill) {
  key(k);
  nested(true, fill);
}

}  // namespace ward::mgmt
