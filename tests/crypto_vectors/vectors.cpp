// Scaffolding of the crypto vector tests (see vectors.hpp).
#include "vectors.hpp"

#include <cstdio>
#include <fstream>
#include <iterator>

#ifndef WARD_WYCHEPROOF_DIR
#error "WARD_WYCHEPROOF_DIR must be defined by CMakeLists.txt"
#endif

namespace ward::test::vectors {

namespace {
int nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::optional<Bytes> unhex(std::string_view hex) {
  if (hex.size() % 2 != 0) {
    return std::nullopt;
  }
  Bytes out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = nibble(hex[i]);
    const int lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) {
      return std::nullopt;
    }
    out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
  }
  return out;
}

std::string hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (const std::uint8_t b : bytes) {
    s.push_back(kDigits[b >> 4]);
    s.push_back(kDigits[b & 0xF]);
  }
  return s;
}

File load(const std::string& name) {
  File f;
  f.name = name;
  const std::string path = std::string(WARD_WYCHEPROOF_DIR) + "/" + name;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    f.error = "cannot open " + path;
    return f;
  }
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  // No exceptions in the host build: a malformed file is reported, not thrown.
  f.doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (f.doc.is_discarded() || !f.doc.is_object()) {
    f.error = path + " is not a JSON object";
    return f;
  }
  const auto declared = num(f.doc, "numberOfTests");
  if (!declared || *declared <= 0) {
    f.error = path + ": no positive numberOfTests";
    return f;
  }
  if (!f.doc.contains("testGroups") || !f.doc["testGroups"].is_array()) {
    f.error = path + ": no testGroups array";
    return f;
  }
  for (const auto& group : f.doc["testGroups"]) {
    if (!group.is_object() || !group.contains("tests") || !group["tests"].is_array()) {
      f.error = path + ": a test group without a tests array";
      return f;
    }
  }
  f.declared_tests = static_cast<std::size_t>(*declared);
  f.ok = true;
  return f;
}

std::optional<std::string> str(const nlohmann::json& obj, const char* key) {
  if (!obj.is_object()) return std::nullopt;
  const auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<Bytes> hex_field(const nlohmann::json& obj, const char* key) {
  const auto s = str(obj, key);
  if (!s) return std::nullopt;
  return unhex(*s);
}

std::optional<std::int64_t> num(const nlohmann::json& obj, const char* key) {
  if (!obj.is_object()) return std::nullopt;
  const auto it = obj.find(key);
  if (it == obj.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<std::int64_t>();
}

bool has_flag(const nlohmann::json& test, std::string_view flag) {
  const auto it = test.find("flags");
  if (it == test.end() || !it->is_array()) return false;
  for (const auto& f : *it) {
    if (f.is_string() && f.get<std::string>() == flag) return true;
  }
  return false;
}

std::optional<Expect> expectation(const nlohmann::json& test) {
  const auto r = str(test, "result");
  if (!r) return std::nullopt;
  if (*r == "valid") return Expect::valid;
  if (*r == "invalid") return Expect::invalid;
  if (*r == "acceptable") return Expect::acceptable;
  return std::nullopt;
}

std::size_t Tally::total() const {
  std::size_t t = 0;
  for (const std::size_t c : counts_) t += c;
  return t;
}

void Tally::check(std::size_t declared) const {
  // One line per file in the test log: what was checked, and how.
  std::printf(
      "[ vectors  ] %s: %zu vectors (file declares %zu): valid %zu passed; invalid %zu rejected "
      "(%zu by PSA, %zu by strict decoding); acceptable %zu (%zu accepted, %zu rejected by PSA, "
      "%zu by strict decoding); not supported %zu; failed %zu\n",
      file_.c_str(), total(), declared, count(Outcome::valid_passed),
      count(Outcome::invalid_rejected) + count(Outcome::invalid_rejected_encoding),
      count(Outcome::invalid_rejected), count(Outcome::invalid_rejected_encoding),
      count(Outcome::acceptable_accepted) + count(Outcome::acceptable_rejected) +
          count(Outcome::acceptable_rejected_encoding),
      count(Outcome::acceptable_accepted), count(Outcome::acceptable_rejected),
      count(Outcome::acceptable_rejected_encoding),
      count(Outcome::not_supported), count(Outcome::failed));
  std::fflush(stdout);
  ::testing::Test::RecordProperty("vectors", static_cast<int>(total()));
  EXPECT_GT(total(), 0u) << file_;
  EXPECT_EQ(total(), declared) << file_ << ": vectors seen differ from numberOfTests";
  EXPECT_EQ(count(Outcome::failed), 0u) << file_;
}

psa_status_t Key::import(const psa_key_attributes_t& attributes, std::span<const std::uint8_t> data) {
  reset();
  static constexpr std::uint8_t kEmpty = 0;
  const psa_status_t s = psa_import_key(&attributes, data.empty() ? &kEmpty : data.data(), data.size(), &id_);
  if (s != PSA_SUCCESS) {
    id_ = PSA_KEY_ID_NULL;  // nothing to destroy, whatever the implementation left in the id
  }
  return s;
}

psa_status_t Key::generate(const psa_key_attributes_t& attributes) {
  reset();
  const psa_status_t s = psa_generate_key(&attributes, &id_);
  if (s != PSA_SUCCESS) {
    id_ = PSA_KEY_ID_NULL;
  }
  return s;
}

void Key::reset() {
  if (id_ != PSA_KEY_ID_NULL) {
    EXPECT_EQ(psa_destroy_key(id_), PSA_SUCCESS);
    id_ = PSA_KEY_ID_NULL;
  }
}

psa_key_attributes_t key_attributes(psa_key_type_t type, std::size_t bits, psa_key_usage_t usage,
                                    psa_algorithm_t alg) {
  psa_key_attributes_t a = psa_key_attributes_init();
  psa_set_key_type(&a, type);
  psa_set_key_bits(&a, bits);
  psa_set_key_usage_flags(&a, usage);
  psa_set_key_algorithm(&a, alg);
  return a;
}

}  // namespace ward::test::vectors
