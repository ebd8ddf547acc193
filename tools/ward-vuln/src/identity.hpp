// Package identities: Package URLs (purl) and CPE 2.3 names, as SBOMs and records spell them.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace ward::vuln {

struct Purl {
  std::string type;
  std::string ns;  // namespace, may be empty
  std::string name;
  std::string version;
  std::map<std::string, std::string> qualifiers;
};

// "pkg:type/namespace/name@version?qualifiers#subpath", percent-decoded; std::nullopt if it is not
// a purl.
std::optional<Purl> parse_purl(std::string_view text);
// Same package (type, namespace, name; case-insensitive), whatever the version.
bool same_package(const Purl& a, const Purl& b);
// The source repository of a purl whose type names one (github, gitlab, bitbucket), as repo_key().
std::optional<std::string> purl_repository(const Purl& p);
// A repository URL reduced for comparison: no scheme, user, ".git" or trailing '/', lower case.
std::string repo_key(std::string_view url);

struct Cpe {
  std::string part;
  std::string vendor;
  std::string product;
  std::string version;
  std::string update;  // "rc1", "sp1", ... ("*" or "-" when none)
};

// A CPE 2.3 formatted string ("cpe:2.3:a:vendor:product:version:..."), unescaped, lower case.
std::optional<Cpe> parse_cpe23(std::string_view text);

std::string lower(std::string_view s);

}  // namespace ward::vuln
