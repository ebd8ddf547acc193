#include "review.hpp"

#include <algorithm>

#include "identity.hpp"
#include "json_reader.hpp"

namespace ward::vuln {
namespace {

// Lower case, every run of characters other than letters, digits and '+' one space, padded with
// spaces: " mbed tls " is then found as a whole word in " in mbed tls 3 6 5 ".
std::string words(std::string_view text) {
  std::string out = " ";
  for (char ch : text) {
    const char c = (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : ch;
    const bool word = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+';
    if (word) {
      out.push_back(c);
    } else if (out.back() != ' ') {
      out.push_back(' ');
    }
  }
  if (out.back() != ' ') out.push_back(' ');
  return out;
}

std::vector<std::string> product_names(const Component& c, const ProductMap& map) {
  std::vector<std::string> names{c.name};
  for (const auto& text : c.cpes) {
    if (auto cpe = parse_cpe23(text)) {
      std::string product = cpe->product;  // "mbed_tls" is written "mbed tls" in text
      std::replace(product.begin(), product.end(), '_', ' ');
      names.push_back(product);
    }
  }
  if (auto it = map.names.find(c.name); it != map.names.end()) names.insert(names.end(), it->second.begin(), it->second.end());
  return names;
}

// The map's decision for this record, if it has one: the components it lists.
const std::vector<std::string>* mapped_components(const Vulnerability& v, const ProductMap& map, std::string* id) {
  std::vector<std::string> ids = v.aliases;
  ids.insert(ids.begin(), v.id);
  for (const auto& candidate : ids) {
    if (auto it = map.vulnerabilities.find(candidate); it != map.vulnerabilities.end()) {
      *id = candidate;
      return &it->second;
    }
  }
  return nullptr;
}

std::map<std::string, std::vector<std::string>> string_lists(const JsonReader& r, const Json& root, const char* key) {
  std::map<std::string, std::vector<std::string>> out;
  const Json* table = JsonReader::find(root, key);
  if (table == nullptr) return out;
  const std::string p = std::string("/") + key;
  r.object(*table, p);
  for (const auto& [name, list] : table->items()) {
    const std::string lp = p + "/" + name;
    if (name.empty()) r.fail(lp, "empty name");
    r.array(list, lp);
    std::vector<std::string>& names = out[name];
    for (std::size_t i = 0; i < list.size(); ++i) {
      names.push_back(r.string(list[i], at(lp, i)));
      if (words(names.back()).size() < 4) r.fail(at(lp, i), "too short to look for: \"" + names.back() + "\"");
    }
  }
  return out;
}

}  // namespace

ProductMap parse_product_map(const std::string& file, std::string_view text) {
  const Json root = parse_json_text(file, text);
  JsonReader r(file);
  r.object(root, "");
  for (const auto& [key, value] : root.items()) {
    if (key != "comment" && key != "names" && key != "vulnerabilities") r.fail("/" + key, "unknown member");
  }
  ProductMap map;
  map.file = file;
  map.names = string_lists(r, root, "names");
  map.vulnerabilities = string_lists(r, root, "vulnerabilities");
  return map;
}

std::string review_reason(const Vulnerability& v, const Component& c, const ProductMap& map) {
  std::string id;
  if (const auto* components = mapped_components(v, map, &id)) {
    if (std::find(components->begin(), components->end(), c.name) == components->end()) return "";
    return map.file + " maps " + id + " to " + c.name;
  }
  const std::string text = words(v.text);
  for (const auto& name : product_names(c, map)) {
    const std::string word = words(name);
    if (word.size() >= 4 && text.find(word) != std::string::npos) return "its description names \"" + name + "\"";
  }
  return "";
}

}  // namespace ward::vuln
