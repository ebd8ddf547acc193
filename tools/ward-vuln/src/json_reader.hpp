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

// Largest input file read (NVD API pages are a few MiB; an SBOM a few hundred KiB).
inline constexpr std::size_t max_input_bytes = 256u << 20;

// Parses JSON text; syntax errors become InputError(file, "not valid JSON: ...").
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
