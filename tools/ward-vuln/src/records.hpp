// Vulnerability records, read from local files only (ward-vuln never uses the network):
//
//   - OSV (https://ossf.github.io/osv-schema/): one record per file; affected packages by purl or
//     ecosystem/name, SEMVER / ECOSYSTEM / GIT ranges with introduced / fixed / last_affected /
//     limit events, explicit version lists, CVSS severities.
//   - NVD CVE API 2.0 JSON: a response page or data feed ({"vulnerabilities": [{"cve": ...}]}),
//     one {"cve": ...}, or a bare CVE object (as per-CVE files store them); affected products from
//     configurations[].nodes[].cpeMatch[] with versionStart/End Including/Excluding. A record
//     without them (NVD has not analysed it yet) is kept: its text can still make it "needs
//     review" (review.hpp). Rejected CVEs are dropped.
//
// Every version bound is checked when the record is read (version.hpp, valid_version): one that
// cannot be ordered is a malformed record.
//
// and the feature map (security/features.json): which configuration options and source files a
// vulnerability's code lives in, so that a vulnerability in a feature the image compiles out can be
// reported as not affected (code_not_present).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "severity.hpp"

namespace ward::vuln {

struct Event {
  enum class Kind { introduced, fixed, last_affected, limit };
  Kind kind;
  std::string version;
};

struct Range {
  enum class Type { semver, ecosystem, git };
  Type type{};
  std::string repo;
  std::vector<Event> events;
};

struct Rating {
  Severity severity = Severity::unknown;
  std::optional<double> score;
  std::string method;  // CycloneDX rating method: CVSSv31, CVSSv3, CVSSv4, CVSSv2, other
  std::string vector;
};

struct Affected {
  // OSV: the package and which of its versions.
  std::string ecosystem;
  std::string name;
  std::string purl;
  std::vector<Range> ranges;
  std::vector<std::string> versions;
  std::optional<Rating> rating;  // affected[].severity, overrides the record's
  // NVD: one vulnerable CPE match.
  bool is_cpe = false;
  std::string cpe;
  std::string start_including, start_excluding, end_including, end_excluding;
};

struct Vulnerability {
  std::string file;
  std::string source;  // "OSV" or "NVD"
  std::string id;
  std::string modified;  // OSV "modified", NVD "lastModified": tells versions of one record apart
  std::string status;    // NVD "vulnStatus" ("Analyzed", "Awaiting Analysis", ...)
  std::vector<std::string> aliases;
  std::string summary;
  std::string text;  // the whole description (NVD) or summary and details (OSV), for product names
  Rating rating;
  std::vector<Affected> affected;
  std::vector<std::string> features;  // database_specific.ward.features
};

// The records in one file's text (an NVD page may hold many; a withdrawn OSV record none).
std::vector<Vulnerability> parse_records(const std::string& file, std::string_view text);
// Two records of one source with the same id (e.g. an NVD page and a bare file of the same CVE) are
// one record: if they differ in their modification time, which is current is unknown and this is
// an InputError. With the same time both are kept and merged like aliases (the worst verdict wins).
void check_duplicate_ids(const std::vector<Vulnerability>& records);
// Every *.json file under each directory (recursively, in sorted order), checked for duplicates.
std::vector<Vulnerability> load_vulndb(const std::vector<std::string>& dirs, std::size_t* files_read);

struct Feature {
  std::string name;
  std::string component;                // component name the feature belongs to
  std::vector<std::string> requires_;   // configuration options that must all be enabled
  std::vector<std::string> files;       // component-relative files ('*' wildcards) holding its code
  std::string description;
};

struct FeatureMap {
  std::map<std::string, Feature> features;
  std::map<std::string, std::vector<std::string>> by_vulnerability;  // id or alias -> feature names
};

FeatureMap parse_feature_map(const std::string& file, std::string_view text);
// A feature's file pattern ('*' matches any characters, '/' included) against a file name.
bool feature_file_match(std::string_view pattern, std::string_view file);

// Checks that every feature a record names exists (a typo must not silently mean "no feature").
void check_features(const FeatureMap& map, const std::vector<Vulnerability>& records);

}  // namespace ward::vuln
