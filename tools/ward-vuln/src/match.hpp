// Matching vulnerability records against an SBOM's components.
//
// A record applies to a component when one of its affected entries names the component (by purl,
// OSV ecosystem/name, GIT repository or CPE vendor/product) and the component's version lies in
// an affected range. It is then "affected", unless every feature the vulnerable code lives in is
// compiled out of the image (the feature map and the SBOM's configuration say so), which makes it
// "not affected: code not present". Records that name the same vulnerability (id or alias) are
// merged per component, keeping the most severe verdict.
//
// "Fixed in" is always the fix on the component's own release branch (major.minor: 3.6 for 3.6.6):
// a 3.6.6 component is never told "fixed in 2.28.7". When the record names no fix on that branch,
// the finding says so and lists the fixes it does name.
#pragma once

#include <string>
#include <vector>

#include "records.hpp"
#include "review.hpp"
#include "sbom.hpp"

namespace ward::vuln {

enum class Status {
  affected,      // applies to this image
  triage,        // names the component, but the version cannot be decided: counts as applicable
  review,        // no product data (e.g. NVD "Awaiting Analysis"), but its text or the product map names
                 // the component (review.hpp): fails the run unless --fail-on says no-review
  fixed,         // the component's version contains the fix
  not_affected,  // version outside the ranges, or the vulnerable code is compiled out
};

struct Finding {
  const Vulnerability* vuln = nullptr;
  const Component* component = nullptr;
  Status status = Status::triage;
  Rating rating;
  std::string version;   // the component version that was compared
  std::string fixed_in;  // the fix on the version's branch: the one the image has (fixed), or the next one (affected)
  std::string fix_note;  // affected without a fix on the branch: says so, and which fixes the record names
  std::string detail;    // why, in words
  bool code_not_present = false;
  std::vector<std::string> evidence;  // e.g. "MBEDTLS_SSL_PROTO_TLS1_3 is not enabled ..."
  std::vector<std::string> evidence_options;  // the configuration options that prove it
  std::vector<std::string> aliases;   // the other ids of this vulnerability
};

// Affected or needs triage (needs review is counted on its own).
bool applicable(Status s);
std::string_view to_string(Status s);

std::vector<Finding> evaluate(const Sbom& sbom, const std::vector<Vulnerability>& records, const FeatureMap& features,
                              const ProductMap& products = ProductMap{});

}  // namespace ward::vuln
