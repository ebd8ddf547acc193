#include "identity.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

namespace ward::vuln {

std::string lower(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return out;
}

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;  // "%" needs two hex digits after it
    const int hi = hex_value(s[i + 1]);
    const int lo = hex_value(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    const auto c = static_cast<char>(hi * 16 + lo);
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return std::nullopt;
    out.push_back(c);
    i += 2;
  }
  return out;
}

}  // namespace

std::optional<Purl> parse_purl(std::string_view text) {
  if (text.size() < 4 || lower(text.substr(0, 4)) != "pkg:") return std::nullopt;
  // Control characters are never part of a purl (they must be percent-encoded), and a decoded one
  // ("%00") would make a name that looks like another.
  const auto control = [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; };
  if (std::any_of(text.begin(), text.end(), control)) return std::nullopt;
  std::string_view s = text.substr(4);
  if (const auto hash = s.find('#'); hash != std::string_view::npos) s = s.substr(0, hash);
  Purl p;
  if (const auto q = s.find('?'); q != std::string_view::npos) {
    std::string_view qs = s.substr(q + 1);
    s = s.substr(0, q);
    while (!qs.empty()) {
      const auto amp = qs.find('&');
      const std::string_view kv = qs.substr(0, amp);
      qs = amp == std::string_view::npos ? std::string_view() : qs.substr(amp + 1);
      const auto eq = kv.find('=');
      if (eq == std::string_view::npos || eq == 0) return std::nullopt;
      auto value = percent_decode(kv.substr(eq + 1));
      if (!value) return std::nullopt;
      p.qualifiers[lower(kv.substr(0, eq))] = *value;
    }
  }
  while (!s.empty() && s.front() == '/') s.remove_prefix(1);
  const auto slash = s.find('/');
  if (slash == std::string_view::npos || slash == 0) return std::nullopt;
  p.type = lower(s.substr(0, slash));
  s = s.substr(slash + 1);
  if (const auto at = s.rfind('@'); at != std::string_view::npos) {
    auto version = percent_decode(s.substr(at + 1));
    if (!version) return std::nullopt;
    p.version = *version;
    s = s.substr(0, at);
  }
  while (!s.empty() && s.back() == '/') s.remove_suffix(1);
  const auto last = s.rfind('/');
  auto name = percent_decode(last == std::string_view::npos ? s : s.substr(last + 1));
  auto ns = percent_decode(last == std::string_view::npos ? std::string_view() : s.substr(0, last));
  if (!name || !ns || name->empty()) return std::nullopt;
  p.name = *name;
  p.ns = *ns;
  return p;
}

bool same_package(const Purl& a, const Purl& b) {
  return a.type == b.type && lower(a.ns) == lower(b.ns) && lower(a.name) == lower(b.name);
}

std::optional<std::string> purl_repository(const Purl& p) {
  if (p.ns.empty()) return std::nullopt;
  if (p.type == "github" || p.type == "gitlab" || p.type == "bitbucket") {
    const std::string host = p.type == "bitbucket" ? "bitbucket.org" : p.type + ".com";
    return repo_key(host + "/" + p.ns + "/" + p.name);
  }
  return std::nullopt;
}

std::string repo_key(std::string_view url) {
  std::string s = lower(url);
  if (const auto scheme = s.find("://"); scheme != std::string::npos) s = s.substr(scheme + 3);
  if (const auto at = s.find('@'); at != std::string::npos && at < s.find('/')) s = s.substr(at + 1);
  if (const auto colon = s.find(':'); colon != std::string::npos && colon < s.find('/')) s[colon] = '/';
  if (s.rfind("www.", 0) == 0) s.erase(0, 4);  // https://www.github.com/... is github.com/...
  while (!s.empty() && s.back() == '/') s.pop_back();
  if (s.size() > 4 && s.compare(s.size() - 4, 4, ".git") == 0) s.resize(s.size() - 4);
  return s;
}

std::optional<Cpe> parse_cpe23(std::string_view text) {
  std::vector<std::string> fields;
  std::string cur;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      cur.push_back(text[++i]);
    } else if (text[i] == ':') {
      fields.push_back(lower(cur));
      cur.clear();
    } else {
      cur.push_back(text[i]);
    }
  }
  fields.push_back(lower(cur));
  if (fields.size() != 13 || fields[0] != "cpe" || fields[1] != "2.3") return std::nullopt;
  if (fields[2] != "a" && fields[2] != "o" && fields[2] != "h" && fields[2] != "*") return std::nullopt;
  if (fields[3].empty() || fields[4].empty()) return std::nullopt;
  return Cpe{fields[2], fields[3], fields[4], fields[5], fields[6]};
}

}  // namespace ward::vuln
