// Typed access to one parsed JSON document whose every error names the file and the JSON path of
// the offending value (e.g. "db/x.json: /affected/0/ranges/1/events: expected an array, found
// string"). Inputs are untrusted: nothing is read without checking its type first.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "error.hpp"

namespace ward::vuln {

using Json = nlohmann::json;

// Limits on every JSON input, enforced while parsing: a document past one is refused with an
// InputError (exit status 2) before more of it is built. Ward's SBOMs are a few MiB at most, an NVD
// API page of 500 records or a CPE query's answer a few MiB, the deepest real document (NVD
// configurations, nested CycloneDX components) about 12 levels, the longest real string an NVD
// description or a license text of a few KiB. The value count bounds the memory of the parsed
// document (about 100 bytes per value at worst, so about 100 MiB).
inline constexpr std::size_t max_input_bytes = 16u << 20;
inline constexpr std::size_t max_json_depth = 64;
inline constexpr std::size_t max_json_string = 64u << 10;
inline constexpr std::size_t max_json_values = 1'000'000;

// Parses JSON text (RFC 8259, UTF-8) within the limits above. Refused with an InputError naming the
// file: syntax errors ("not valid JSON: ..."), a duplicate key in an object (which of the two would
// count is not defined), UTF-16/UTF-32 text. A UTF-8 byte order mark at the start is ignored, as
// RFC 8259 allows.
Json parse_json_text(const std::string& file, std::string_view text);
// Reads and parses a file; unreadable or oversized files are InputErrors too.
Json parse_json_file(const std::string& path);
std::string read_text_file(const std::string& path);

class JsonReader {
 public:
  explicit JsonReader(std::string file) : file_(std::move(file)) {}

  const std::string& file() const { return file_; }

  [[noreturn]] void fail(const std::string& path, const std::string& what) const;

  const Json& object(const Json& j, const std::string& path) const;
  const Json& array(const Json& j, const std::string& path) const;
  std::string string(const Json& j, const std::string& path) const;
  double number(const Json& j, const std::string& path) const;

  // The member, or nullptr when it is absent or null.
  static const Json* find(const Json& obj, const char* key);
  const Json& require(const Json& obj, const char* key, const std::string& path) const;
  // An optional string member: "" when absent.
  std::string opt_string(const Json& obj, const char* key, const std::string& path) const;
  // An optional array of strings: empty when absent.
  std::vector<std::string> string_list(const Json& obj, const char* key, const std::string& path) const;

 private:
  std::string file_;
};

inline std::string at(const std::string& path, const char* key) { return path + "/" + key; }
inline std::string at(const std::string& path, std::size_t index) { return path + "/" + std::to_string(index); }

}  // namespace ward::vuln
