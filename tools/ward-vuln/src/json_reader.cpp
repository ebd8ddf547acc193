#include "json_reader.hpp"

#include <utility>

#include "input_file.hpp"

namespace ward::vuln {

namespace {

// Builds the document from nlohmann-json's SAX events, checking the limits at each event: the
// parser stops at the first value past a limit, so a file of 10 MB of '[' costs 65 events, not a
// recursion or 10 million nested arrays. Open containers are kept as pointers: a container's
// elements are only added while it is the innermost open one, so no pointer is invalidated.
class LimitedBuilder {
 public:
  explicit LimitedBuilder(const std::string& file) : file_(file) {}

  Json& root() { return root_; }

  bool null() { return add(Json(nullptr)); }
  bool boolean(bool v) { return add(Json(v)); }
  bool number_integer(Json::number_integer_t v) { return add(Json(v)); }
  bool number_unsigned(Json::number_unsigned_t v) { return add(Json(v)); }
  bool number_float(Json::number_float_t v, const std::string& /*text*/) { return add(Json(v)); }
  bool string(std::string& v) {
    check_string(v, open_.size(), "a string");
    return add(Json(std::move(v)));
  }
  bool binary(Json::binary_t& /*v*/) { fail("binary values are not JSON"); }
  bool start_object(std::size_t /*elements*/) { return open(Json::object()); }
  bool start_array(std::size_t /*elements*/) { return open(Json::array()); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(std::string& k) {
    check_string(k, open_.size() - 1, "a key");
    if (open_.back()->contains(k)) {
      fail_at(open_.size() - 1, "duplicate key \"" + k + "\" (which one would count is not defined)");
    }
    keys_.back() = std::move(k);
    return true;
  }
  bool parse_error(std::size_t /*position*/, const std::string& /*token*/, const Json::exception& e) {
    throw InputError(file_, std::string("not valid JSON: ") + e.what());
  }

 private:
  // The JSON path of the value being read (levels = depth) or of an open container (fewer).
  std::string path_to(std::size_t levels) const {
    std::string path;
    for (std::size_t i = 0; i < levels; ++i) {
      const Json& c = *open_[i];
      const bool child_open = i + 1 < open_.size();  // then it is the last element already
      path += "/" + (c.is_array() ? std::to_string(c.size() - (child_open ? 1 : 0)) : keys_[i]);
    }
    return path.empty() ? "/" : path;
  }

  [[noreturn]] void fail(const std::string& what) const { fail_at(open_.size(), what); }
  [[noreturn]] void fail_at(std::size_t levels, const std::string& what) const {
    throw InputError(file_, path_to(levels) + ": " + what);
  }

  void check_string(const std::string& s, std::size_t levels, const char* what) const {
    if (s.size() > max_json_string) {
      fail_at(levels, std::string(what) + " of " + std::to_string(s.size()) + " bytes, over the limit of " +
                          std::to_string(max_json_string));
    }
  }

  // Places a value in the innermost open container (or as the root); returns where it is.
  Json* place(Json&& value) {
    if (++values_ > max_json_values) {
      fail("more than " + std::to_string(max_json_values) + " values (the limit)");
    }
    if (open_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    Json& parent = *open_.back();
    if (parent.is_array()) {
      parent.push_back(std::move(value));
      return &parent.back();
    }
    Json& slot = parent[keys_.back()];
    slot = std::move(value);
    return &slot;
  }

  bool add(Json&& value) {
    place(std::move(value));
    return true;
  }

  bool open(Json&& container) {
    if (open_.size() >= max_json_depth) {
      fail("nested deeper than " + std::to_string(max_json_depth) + " levels (the limit)");
    }
    Json* added = place(std::move(container));
    open_.push_back(added);
    keys_.emplace_back();
    return true;
  }

  bool close() {
    open_.pop_back();
    keys_.pop_back();
    return true;
  }

  const std::string& file_;
  Json root_;
  std::vector<Json*> open_;        // the open containers, outermost first
  std::vector<std::string> keys_;  // for each open object: the key of the value being read
  std::size_t values_ = 0;
};

// What a byte order mark at the start says about the encoding, if it is not UTF-8's.
const char* foreign_encoding(std::string_view text) {
  auto starts = [&](std::string_view bom) { return text.substr(0, bom.size()) == bom; };
  using namespace std::string_view_literals;
  if (starts("\x00\x00\xFE\xFF"sv) || starts("\xFF\xFE\x00\x00"sv)) return "UTF-32";
  if (starts("\xFE\xFF"sv) || starts("\xFF\xFE"sv)) return "UTF-16";
  return nullptr;
}

}  // namespace

Json parse_json_text(const std::string& file, std::string_view text) {
  if (text.size() > max_input_bytes) {
    throw InputError(file, "too large (" + std::to_string(text.size()) + " bytes, limit " +
                               std::to_string(max_input_bytes) + ")");
  }
  if (const char* encoding = foreign_encoding(text)) {
    throw InputError(file, std::string("not valid JSON: ") + encoding + " text (byte order mark); JSON must be UTF-8");
  }
  constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";
  if (text.substr(0, utf8_bom.size()) == utf8_bom) text.remove_prefix(utf8_bom.size());
  LimitedBuilder builder(file);
  // Errors throw from the builder; a false return without one is not expected, but not trusted.
  if (!Json::sax_parse(text.begin(), text.end(), &builder)) throw InputError(file, "not valid JSON");
  return std::move(builder.root());
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
