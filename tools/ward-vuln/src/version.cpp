#include "version.hpp"

#include <cctype>
#include <cstddef>
#include <optional>
#include <vector>

namespace ward::vuln {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// dpkg's character order: end of string and digits 0, '~' lowest, letters, then the rest.
int order(char c) {
  if (is_digit(c)) return 0;
  if (is_alpha(c)) return static_cast<unsigned char>(c);
  if (c == '~') return -1;
  if (c != '\0') return static_cast<unsigned char>(c) + 256;
  return 0;
}

char at(std::string_view s, std::size_t i) { return i < s.size() ? s[i] : '\0'; }

// dpkg's verrevcmp().
int verrevcmp(std::string_view a, std::string_view b) {
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < a.size() || j < b.size()) {
    int first_diff = 0;
    while ((i < a.size() && !is_digit(a[i])) || (j < b.size() && !is_digit(b[j]))) {
      const int ac = order(at(a, i));
      const int bc = order(at(b, j));
      if (ac != bc) return ac - bc;
      ++i;
      ++j;
    }
    while (at(a, i) == '0') ++i;
    while (at(b, j) == '0') ++j;
    while (is_digit(at(a, i)) && is_digit(at(b, j))) {
      if (first_diff == 0) first_diff = at(a, i) - at(b, j);
      ++i;
      ++j;
    }
    if (is_digit(at(a, i))) return 1;
    if (is_digit(at(b, j))) return -1;
    if (first_diff != 0) return first_diff;
  }
  return 0;
}

struct DebianVersion {
  std::string_view epoch;
  std::string_view upstream;
  std::string_view revision;
};

DebianVersion split_debian(std::string_view v) {
  DebianVersion d;
  const std::size_t colon = v.find(':');
  if (colon != std::string_view::npos) {
    d.epoch = v.substr(0, colon);
    v.remove_prefix(colon + 1);
  }
  const std::size_t dash = v.rfind('-');
  if (dash != std::string_view::npos) {
    d.revision = v.substr(dash + 1);
    v = v.substr(0, dash);
  }
  d.upstream = v;
  return d;
}

int compare_epoch(std::string_view a, std::string_view b) {
  // Numeric without overflow: strip leading zeros, then longer is larger, then lexical.
  while (!a.empty() && a.front() == '0') a.remove_prefix(1);
  while (!b.empty() && b.front() == '0') b.remove_prefix(1);
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  return a.compare(b);
}

struct SemVer {
  std::vector<std::string_view> core;  // numeric identifiers
  std::vector<std::string_view> pre;
};

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_digit(c)) return false;
  }
  return true;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t p = s.find(sep, start);
    parts.push_back(s.substr(start, p == std::string_view::npos ? std::string_view::npos : p - start));
    if (p == std::string_view::npos) break;
    start = p + 1;
  }
  return parts;
}

// MAJOR[.MINOR[.PATCH]][-PRERELEASE][+BUILD]; missing MINOR/PATCH count as 0.
std::optional<SemVer> parse_semver(std::string_view v) {
  if (!v.empty() && (v.front() == 'v' || v.front() == 'V')) v.remove_prefix(1);
  const std::size_t plus = v.find('+');
  if (plus != std::string_view::npos) v = v.substr(0, plus);
  SemVer out;
  const std::size_t dash = v.find('-');
  if (dash != std::string_view::npos) {
    out.pre = split(v.substr(dash + 1), '.');
    v = v.substr(0, dash);
    for (auto id : out.pre) {
      if (id.empty()) return std::nullopt;
    }
  }
  out.core = split(v, '.');
  if (out.core.empty() || out.core.size() > 3) return std::nullopt;
  for (auto id : out.core) {
    if (!all_digits(id)) return std::nullopt;
  }
  while (out.core.size() < 3) out.core.push_back("0");
  return out;
}

int compare_numeric(std::string_view a, std::string_view b) { return compare_epoch(a, b); }

}  // namespace

int compare_debian(std::string_view a, std::string_view b) {
  const DebianVersion x = split_debian(a);
  const DebianVersion y = split_debian(b);
  if (int c = compare_epoch(x.epoch, y.epoch); c != 0) return c;
  if (int c = verrevcmp(x.upstream, y.upstream); c != 0) return c;
  return verrevcmp(x.revision, y.revision);
}

int compare_semver(std::string_view a, std::string_view b) {
  const auto x = parse_semver(a);
  const auto y = parse_semver(b);
  if (!x || !y) return verrevcmp(a, b);
  for (std::size_t i = 0; i < 3; ++i) {
    if (int c = compare_numeric(x->core[i], y->core[i]); c != 0) return c;
  }
  // A pre-release sorts before its release.
  if (x->pre.empty() != y->pre.empty()) return x->pre.empty() ? 1 : -1;
  for (std::size_t i = 0; i < x->pre.size() && i < y->pre.size(); ++i) {
    const bool xn = all_digits(x->pre[i]);
    const bool yn = all_digits(y->pre[i]);
    int c = 0;
    if (xn && yn) {
      c = compare_numeric(x->pre[i], y->pre[i]);
    } else if (xn != yn) {
      c = xn ? -1 : 1;  // numeric identifiers sort before alphanumeric ones
    } else {
      c = x->pre[i].compare(y->pre[i]);
    }
    if (c != 0) return c;
  }
  if (x->pre.size() != y->pre.size()) return x->pre.size() < y->pre.size() ? -1 : 1;
  return 0;
}

int compare_versions(VersionScheme scheme, std::string_view a, std::string_view b) {
  return scheme == VersionScheme::debian ? compare_debian(a, b) : compare_semver(a, b);
}

namespace {

bool version_chars(std::string_view v, std::string_view extra) {
  for (char c : v) {
    if (!is_digit(c) && !is_alpha(c) && extra.find(c) == std::string_view::npos) return false;
  }
  return true;
}

std::string_view without_v(std::string_view v) {
  if (v.size() > 1 && (v.front() == 'v' || v.front() == 'V') && is_digit(v[1])) v.remove_prefix(1);
  return v;
}

bool valid_debian(std::string_view v) {
  const DebianVersion d = split_debian(v);
  if (!d.epoch.empty() && !all_digits(d.epoch)) return false;
  if (d.epoch.empty() && v.find(':') != std::string_view::npos) return false;  // ":1.0"
  if (v.back() == '-') return false;                                             // an empty revision
  if (d.upstream.empty() || !is_digit(d.upstream.front())) return false;
  return version_chars(d.upstream, ".+~-:") && version_chars(d.revision, ".+~");
}

}  // namespace

bool valid_version(VersionRule rule, std::string_view version) {
  if (version.empty() || version.size() > 128) return false;
  switch (rule) {
    case VersionRule::semver: return parse_semver(version).has_value() && version_chars(without_v(version), ".+-");
    case VersionRule::debian: return valid_debian(version);
    case VersionRule::generic: {
      const std::string_view v = without_v(version);
      return is_digit(v.front()) && version_chars(v, ".+~_:!-");
    }
  }
  return false;
}

bool ambiguous_order(std::string_view a, std::string_view b) {
  if (parse_semver(a) && parse_semver(b)) return false;
  const auto has_epoch = [](std::string_view v) { return v.find_first_of("!:") != std::string_view::npos; };
  if (has_epoch(a) != has_epoch(b)) return true;
  const std::string_view shorter = a.size() <= b.size() ? a : b;
  const std::string_view longer = a.size() <= b.size() ? b : a;
  if (shorter.empty() || longer.size() == shorter.size() || longer.substr(0, shorter.size()) != shorter) return false;
  const char next = longer[shorter.size()];
  return is_digit(shorter.back()) && (is_alpha(next) || next == '_' || next == '-');
}

std::string version_branch(std::string_view version) {
  std::string_view v = without_v(version);
  if (const auto colon = v.find(':'); colon != std::string_view::npos && all_digits(v.substr(0, colon))) {
    v.remove_prefix(colon + 1);  // a Debian epoch
  }
  if (v.empty() || !is_digit(v.front())) return "";
  std::string parts[2];
  std::size_t i = 0;
  for (std::string& part : parts) {
    while (i < v.size() && is_digit(v[i])) part.push_back(v[i++]);
    if (i >= v.size() || v[i] != '.') break;
    ++i;
  }
  for (std::string& part : parts) {
    while (part.size() > 1 && part.front() == '0') part.erase(0, 1);
    if (part.empty()) part = "0";
  }
  return parts[0] + "." + parts[1];
}

std::string normalize_version(std::string_view version, std::string_view package_name) {
  std::string_view v = version;
  if (!package_name.empty() && v.size() > package_name.size() + 1 &&
      v.substr(0, package_name.size()) == package_name && v[package_name.size()] == '-') {
    v.remove_prefix(package_name.size() + 1);
  }
  if (v.size() > 1 && (v.front() == 'v' || v.front() == 'V') && is_digit(v[1])) v.remove_prefix(1);
  return std::string(v);
}

}  // namespace ward::vuln
