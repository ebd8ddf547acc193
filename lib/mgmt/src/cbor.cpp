// Request decoding and response writing on tinycbor (cbor.hpp).
#include "ward/mgmt/cbor.hpp"

namespace ward::mgmt {
namespace {

// Reads a definite-length text or byte string in place.
bool string_view_of(const CborValue& value, std::span<const std::byte>& out) {
  if (!cbor_value_is_length_known(&value)) {
    return false;
  }
  CborValue it = value;
  if (cbor_value_begin_string_iteration(&it) != CborNoError) {
    return false;
  }
  const void* ptr = nullptr;
  std::size_t len = 0;
  // _cbor_value_get_string_chunk copies `it`, so `it` stays at the string; the pointer is into the
  // request buffer.
  if (_cbor_value_get_string_chunk(&it, &ptr, &len, &it) != CborNoError || (ptr == nullptr && len != 0)) {
    return false;
  }
  out = {static_cast<const std::byte*>(ptr), len};
  return true;
}

bool read_value(const CborValue& value, Field& f) {
  switch (f.kind) {
    case Field::Kind::uint:
      return cbor_value_is_unsigned_integer(&value) && cbor_value_get_uint64(&value, &f.uint) == CborNoError;
    case Field::Kind::boolean:
      return cbor_value_is_boolean(&value) && cbor_value_get_boolean(&value, &f.boolean) == CborNoError;
    case Field::Kind::text:
      return cbor_value_is_text_string(&value) && string_view_of(value, f.bytes);
    case Field::Kind::bytes:
      return cbor_value_is_byte_string(&value) && string_view_of(value, f.bytes);
  }
  return false;
}

// The field named by the text key at `key`, or nullptr; false if the key is not usable text.
bool match_key(const CborValue& key, std::span<Field> fields, Field*& match) {
  std::span<const std::byte> name;
  if (!cbor_value_is_text_string(&key) || !string_view_of(key, name)) {
    return false;
  }
  const std::string_view k{reinterpret_cast<const char*>(name.data()), name.size()};
  match = nullptr;
  for (Field& f : fields) {
    if (f.key == k) {
      match = &f;
      break;
    }
  }
  return true;
}

DecodeError decode_entries(CborValue& it, std::span<Field> fields) {
  while (!cbor_value_at_end(&it)) {
    Field* f = nullptr;
    if (!match_key(it, fields, f)) {
      return DecodeError::bad_key;
    }
    if (cbor_value_advance(&it) != CborNoError || cbor_value_at_end(&it)) {
      return DecodeError::malformed;
    }
    if (f != nullptr) {
      if (f->present) {
        return DecodeError::duplicate;
      }
      if (!read_value(it, *f)) {
        return DecodeError::wrong_type;
      }
      f->present = true;
    }
    // Skips the value (bounded nesting: CBOR_PARSER_MAX_RECURSIONS, cmake/WardTinyCBOR.cmake).
    if (cbor_value_advance(&it) != CborNoError) {
      return DecodeError::malformed;
    }
  }
  return DecodeError::none;
}

}  // namespace

DecodeError decode_map(std::span<const std::byte> payload, std::span<Field> fields) {
  for (Field& f : fields) {
    f.present = false;
  }
  if (payload.empty()) {
    return DecodeError::none;
  }
  CborParser parser;
  CborValue top;
  const auto* data = reinterpret_cast<const std::uint8_t*>(payload.data());
  if (cbor_parser_init(data, payload.size(), 0, &parser, &top) != CborNoError) {
    return DecodeError::malformed;
  }
  if (!cbor_value_is_map(&top)) {
    return DecodeError::not_a_map;
  }
  CborValue it;
  if (cbor_value_enter_container(&top, &it) != CborNoError) {
    return DecodeError::malformed;
  }
  if (const DecodeError e = decode_entries(it, fields); e != DecodeError::none) {
    return e;
  }
  if (cbor_value_leave_container(&top, &it) != CborNoError) {
    return DecodeError::malformed;
  }
  if (cbor_value_get_next_byte(&top) != data + payload.size()) {
    return DecodeError::trailing;
  }
  return DecodeError::none;
}

// cppcheck-suppress passedByValue ; Key is a string_view (two words, passed in registers): a reference would add a load
void MapWriter::key(Key k) { check(cbor_encode_text_string(map_, k.view().data(), k.view().size())); }

// cppcheck-suppress passedByValue ; Key is a string_view (two words, passed in registers): a reference would add a load
void MapWriter::uint(Key k, std::uint64_t v) {
  key(k);
  check(cbor_encode_uint(map_, v));
}

// cppcheck-suppress passedByValue ; Key is a string_view (two words, passed in registers): a reference would add a load
void MapWriter::integer(Key k, std::int64_t v) {
  key(k);
  check(cbor_encode_int(map_, v));
}

// cppcheck-suppress passedByValue ; Key is a string_view (two words, passed in registers): a reference would add a load
void MapWriter::text(Key k, std::string_view v) {
  key(k);
  check(cbor_encode_text_string(map_, v.data(), v.size()));
}

// cppcheck-suppress passedByValue ; Key is a string_view (two words, passed in registers): a reference would add a load
void MapWriter::bytes(Key k, std::span<const std::byte> v) {
  key(k);
  check(cbor_encode_byte_string(map_, reinterpret_cast<const std::uint8_t*>(v.data()), v.size()));
}

// cppcheck-suppress passedByValue ; Key is a string_view (two words, passed in registers): a reference would add a load
void MapWriter::boolean(Key k, bool v) {
  key(k);
  check(cbor_encode_boolean(map_, v));
}

}  // namespace ward::mgmt
