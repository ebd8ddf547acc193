// ward-vuln's outputs: the report for people, and the CycloneDX VEX document for tools.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "match.hpp"

namespace ward::vuln {

// --fail-on LEVEL[,no-review]: which findings make the exit status 1.
struct Threshold {
  bool never = false;                 // report only
  Severity lowest = Severity::none;   // applicable findings at or above fail
  bool review = true;                 // "needs review" findings fail like applicable ones (the default)
};

// Parses --fail-on: one of any, low, medium, high, critical, never, optionally followed by
// ",review" (the default) or ",no-review". std::nullopt when it is none of these.
std::optional<Threshold> parse_threshold(std::string_view text);

// Whether this finding fails the run (exit status 1) under the threshold.
bool fails(const Finding& f, const Threshold& t);

std::string text_report(const Sbom& sbom, std::size_t record_files, std::size_t records,
                        const std::vector<Finding>& findings, const Threshold& t);

// A CycloneDX 1.6 VEX document: one vulnerability per finding, its analysis (exploitable,
// in_triage, resolved, not_affected with code_not_present and the configuration evidence), and
// copies of the affected components so that the document stands alone.
std::string vex_document(const Sbom& sbom, const std::vector<Finding>& findings, const std::string& timestamp,
                         const std::string& serial);

}  // namespace ward::vuln
