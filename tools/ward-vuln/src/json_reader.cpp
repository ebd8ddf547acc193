#include "json_reader.hpp"

#include <fstream>
#include <sstream>

#include "input_file.hpp"

namespace ward::vuln {

Json parse_json_text(const std::string& file, std::string_view text) {
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::exception& e) {
    throw InputError(file, std::string("not valid JSON: ") + e.what());
  }
}

std::string read_text_file(const std::string& path) {
  std::string text;
  std::string error;
  if (!tools::read_input_file(path, max_input_bytes, text, error)) {
    // The reason already names the path: give InputError only what follows it.
    const std::string prefix = path + ": ";
    throw InputError(path, error.rfind(prefix, 0) == 0 ? error.substr(prefix.size()) : error);
  }
  return text;
}

Json parse_json_file(const std::string& path) { return parse_json_text(path, read_text_file(path)); }

void JsonReader::fail(const std::string& path, const std::string& what) const {
  throw InputError(file_, (path.empty() ? std::string("/") : path) + ": " + what);
}

const Json& JsonReader::object(const Json& j, const std::string& path) const {
  if (!j.is_object()) fail(path, std::string("expected an object, found ") + j.type_name());
  return j;
}

const Json& JsonReader::array(const Json& j, const std::string& path) const {
  if (!j.is_array()) fail(path, std::string("expected an array, found ") + j.type_name());
  return j;
}

std::string JsonReader::string(const Json& j, const std::string& path) const {
  if (!j.is_string()) fail(path, std::string("expected a string, found ") + j.type_name());
  return j.get<std::string>();
}

double JsonReader::number(const Json& j, const std::string& path) const {
  if (!j.is_number()) fail(path, std::string("expected a number, found ") + j.type_name());
  return j.get<double>();
}

const Json* JsonReader::find(const Json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

const Json& JsonReader::require(const Json& obj, const char* key, const std::string& path) const {
  const Json* j = find(object(obj, path), key);
  if (j == nullptr) fail(path, std::string("missing \"") + key + "\"");
  return *j;
}

std::string JsonReader::opt_string(const Json& obj, const char* key, const std::string& path) const {
  const Json* j = find(obj, key);
  return j == nullptr ? std::string() : string(*j, at(path, key));
}

std::vector<std::string> JsonReader::string_list(const Json& obj, const char* key,
                                                 const std::string& path) const {
  std::vector<std::string> out;
  const Json* j = find(obj, key);
  if (j == nullptr) return out;
  const std::string p = at(path, key);
  array(*j, p);
  for (std::size_t i = 0; i < j->size(); ++i) out.push_back(string((*j)[i], at(p, i)));
  return out;
}

}  // namespace ward::vuln
