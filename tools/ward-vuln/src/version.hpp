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

// What a version in a record must look like to be compared at all. A bound that does not fit
// (e.g. "x.0") is a malformed record, never a guess: ordered anyhow, it could put the component
// outside the range and report "not affected".
//   semver:  SemVer 2.0 (1 to 3 numeric parts, pre-release and build identifiers), 'v' allowed;
//   debian:  dpkg's syntax ([epoch:]upstream[-revision], the upstream part starting with a digit);
//   generic: a digit first (after an optional 'v'), then letters, digits and . + ~ _ : ! -
//            (NVD CPE versions and the other OSV ecosystems).
enum class VersionRule { semver, debian, generic };
bool valid_version(VersionRule rule, std::string_view version);

// Whether the generic order (dpkg's algorithm, used for versions that are not both SemVer) decides
// a and b by a convention ecosystems do not share, so that a verdict from it could be wrong either
// way: one is the other followed by a letter, '_' or '-' suffix ("3.6.7rc1", a pre-release of 3.6.7
// in PyPI and most projects, sorts after 3.6.7; OpenSSL's "1.1.1a" really is later), or exactly one
// has an epoch ("1!1.0", PyPI's epoch 1, sorts before 1.5). SemVer pairs are never ambiguous.
bool ambiguous_order(std::string_view a, std::string_view b);

// The release branch of a version: its first two numeric parts ("3.6" for 3.6.6, "2.28" for
// 2.28.10, "3.0" for "3"), without an epoch or a leading 'v'; "" when it does not start with a number.
std::string version_branch(std::string_view version);

// The bare version for comparisons: without a leading 'v' ("v3.6.6") or "<name>-"
// ("mbedtls-3.6.6"), as tags and CPEs spell versions differently.
std::string normalize_version(std::string_view version, std::string_view package_name);

}  // namespace ward::vuln
