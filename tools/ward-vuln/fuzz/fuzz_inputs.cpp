// libFuzzer target: ward-vuln's parsers of untrusted input (vulnerability records in every accepted
// format, SBOMs, the feature map, the product map), all through the one limited JSON parser
// (json_reader.cpp), and the evaluation over what they return (incl. "needs review" and the fix on
// the component's branch). Any input must end in a result or an
// InputError; a crash, sanitizer report, other exception or hang is a bug.
//
// The first byte picks the parser, the rest is the document.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "error.hpp"
#include "match.hpp"
#include "records.hpp"
#include "report.hpp"
#include "review.hpp"
#include "sbom.hpp"
#include "severity.hpp"
#include "version.hpp"

using namespace ward::vuln;

namespace {

// A fixed SBOM to evaluate fuzzed records against: Mbed TLS with a purl, two CPEs and its config.
const Sbom& reference_sbom() {
  static const Sbom sbom = parse_sbom("reference", R"({"bomFormat":"CycloneDX","specVersion":"1.6",
    "metadata":{"component":{"type":"firmware","name":"img","version":"1",
      "properties":[{"name":"ward:config:CONFIG_WARD_X","value":"y"}]}},
    "components":[{"type":"library","name":"mbedtls","version":"3.6.6","purl":"pkg:github/mbed-tls/mbedtls@v3.6.6",
      "cpe":"cpe:2.3:a:arm:mbed_tls:3.6.6:*:*:*:*:*:*:*",
      "properties":[{"name":"ward:config:MBEDTLS_SHA256_C","value":""}],
      "components":[{"type":"file","name":"library/sha256.c"}]},
     {"type":"library","name":"newlib","version":"3.3.0","purl":"pkg:deb/debian/newlib@3.3.0-1.3?arch=source&distro=debian-12"}]})");
  return sbom;
}

// Names for the text match of records without product data, and one explicit mapping.
const ProductMap& reference_products() {
  static const ProductMap map = parse_product_map("reference", R"({"names": {"mbedtls": ["Mbed TLS", "PolarSSL"]},
    "vulnerabilities": {"CVE-2025-52497": ["mbedtls"], "CVE-2099-0000": []}})");
  return map;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    switch (data[0] % 5) {
      case 0: {
        const auto records = parse_records("fuzz", text);
        check_duplicate_ids(records);
        const auto findings = evaluate(reference_sbom(), records, FeatureMap{}, reference_products());
        (void)vex_document(reference_sbom(), findings, "2024-01-01T00:00:00Z", "urn:uuid:x");
        (void)text_report(reference_sbom(), 1, records.size(), findings, Threshold{});
        break;
      }
      case 1: {
        const Sbom sbom = parse_sbom("fuzz", text);
        for (const auto& c : sbom.components) (void)config_enabled(sbom, c, "MBEDTLS_SHA256_C");
        break;
      }
      case 2: (void)parse_feature_map("fuzz", text); break;
      case 4: (void)parse_product_map("fuzz", text); break;
      default: {
        const std::size_t half = text.size() / 2;
        (void)compare_debian(text.substr(0, half), text.substr(half));
        (void)compare_semver(text.substr(0, half), text.substr(half));
        std::string error;
        (void)cvss3_base_score(text, &error);
        (void)version_branch(text);
        (void)valid_version(VersionRule::semver, text);
        (void)valid_version(VersionRule::debian, text);
        (void)parse_threshold(text);
        break;
      }
    }
  } catch (const InputError&) {
    // The expected outcome for malformed input.
  }
  return 0;
}
