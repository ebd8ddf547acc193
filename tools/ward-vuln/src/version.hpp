// Version ordering for vulnerability ranges.
//
// Every string is a valid version here (records and SBOMs are untrusted, and a comparison must
// never fail): semantic versions compare by SemVer 2.0 precedence, Debian versions by dpkg's rules,
// anything else by dpkg's algorithm too (digit runs numerically, other characters in ASCII order,
// '~' before everything), which orders the usual dotted versions correctly.
#pragma once

#include <string>
#include <string_view>

namespace ward::vuln {

enum class VersionScheme { semver, debian };

// <0, 0 or >0 as a sorts before, with or after b.
int compare_versions(VersionScheme scheme, std::string_view a, std::string_view b);
int compare_debian(std::string_view a, std::string_view b);
int compare_semver(std::string_view a, std::string_view b);  // not SemVer: dpkg's algorithm

// The bare version for comparisons: without a leading 'v' ("v3.6.6") or "<name>-"
// ("mbedtls-3.6.6"), as tags and CPEs spell versions differently.
std::string normalize_version(std::string_view version, std::string_view package_name);

}  // namespace ward::vuln
