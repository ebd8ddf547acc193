// ward-vuln: which known vulnerabilities apply to a Ward firmware image.
//
//   ward-vuln --sbom build/.../hello.cdx.json --vulndb security/vulndb [--vulndb DIR...]
//             [--features security/features.json] [--products security/products.json]
//             [--vex hello.vex.json] [--fail-on high[,no-review]]
//
// Reads the image's SBOM (CycloneDX or SPDX JSON) and every record (OSV or NVD CVE API 2.0 JSON)
// under the given directories, prints a report and optionally writes a CycloneDX VEX document.
// Local files only: never the network.
//
// Exit status: 0 when no applicable vulnerability (or, unless ",no-review", record that needs review)
// at or above the threshold remains, 1 when one does, 2 on a usage error or malformed input (the
// message names the file and the problem), including an input past a limit (json_reader.hpp).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "error.hpp"
#include "json_reader.hpp"
#include "records.hpp"
#include "report.hpp"
#include "review.hpp"
#include "sbom.hpp"

namespace {

using namespace ward::vuln;

std::string timestamp() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH"); epoch != nullptr && *epoch != '\0') {
    char* end = nullptr;
    const long long v = std::strtoll(epoch, &end, 10);
    if (*end != '\0' || v < 0) throw InputError("SOURCE_DATE_EPOCH", "not a number of seconds");
    t = static_cast<std::time_t>(v);
  }
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  // 0 (and buf's contents unspecified) if the text did not fit: then no timestamp.
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(buf, n);
}

std::string random_uuid() {
  std::random_device rd;
  std::uniform_int_distribution<int> byte(0, 255);
  unsigned char b[16];
  for (auto& x : b) x = static_cast<unsigned char>(byte(rd));
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
  char out[37];
  (void)std::snprintf(out, sizeof out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                      b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return std::string("urn:uuid:") + out;
}

// Records that need review and do not fail the run (",no-review") are not to pass unnoticed.
void warn_unreviewed(const std::vector<Finding>& findings, const Threshold& t) {
  if (t.review || t.never) return;
  for (const auto& f : findings) {
    if (f.status == Status::review) {
      std::cerr << "ward-vuln: warning: " << f.vuln->id << " needs review for " << f.component->name
                << " and does not fail this run (--fail-on ...,no-review)\n";
    }
  }
}

int run(int argc, char** argv) {
  CLI::App app{"ward-vuln: which known vulnerabilities apply to a firmware image (from its SBOM)"};
  std::string sbom_path;
  std::vector<std::string> dirs;
  std::string features_path;
  std::string products_path;
  std::string vex_path;
  std::string fail_on = "any";
  bool quiet = false;
  app.add_option("--sbom", sbom_path, "the image's SBOM (CycloneDX or SPDX JSON)")->required();
  app.add_option("--vulndb", dirs, "directory of OSV / NVD 2.0 JSON records (repeatable)")->required();
  app.add_option("--features", features_path, "feature map: vulnerabilities -> configuration options / files");
  app.add_option("--products", products_path,
                 "product names and record-to-component map for records without product data (needs review)");
  app.add_option("--vex", vex_path, "write a CycloneDX 1.6 VEX document here");
  app.add_option("--fail-on", fail_on,
                 "lowest severity that makes the exit status 1: any, low, medium, high, critical or never; "
                 "',no-review' keeps records that need review from failing (they fail by default)");
  app.add_flag("--quiet", quiet, "print only the summary line");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }

  const auto threshold_or = parse_threshold(fail_on);
  if (!threshold_or) {
    throw InputError("--fail-on", "\"" + fail_on + "\" is not LEVEL[,review|,no-review] with LEVEL one of any, low, "
                                  "medium, high, critical, never");
  }
  const Threshold threshold = *threshold_or;

  const Sbom sbom = load_sbom(sbom_path);
  std::size_t files = 0;
  const std::vector<Vulnerability> records = load_vulndb(dirs, &files);
  FeatureMap features;
  if (!features_path.empty()) features = parse_feature_map(features_path, read_text_file(features_path));
  check_features(features, records);
  ProductMap products;
  if (!products_path.empty()) products = parse_product_map(products_path, read_text_file(products_path));

  const std::vector<Finding> findings = evaluate(sbom, records, features, products);
  const std::string report = text_report(sbom, files, records.size(), findings, threshold);
  if (quiet) {
    std::cout << report.substr(report.rfind("Summary:"));
  } else {
    std::cout << report;
  }
  if (!vex_path.empty()) {
    const std::string doc = vex_document(sbom, findings, timestamp(), random_uuid());
    std::ofstream out(vex_path, std::ios::binary | std::ios::trunc);
    if (!out || !(out << doc) || !out.flush()) throw InputError(vex_path, "cannot write the VEX document");
  }
  warn_unreviewed(findings, threshold);
  for (const auto& f : findings) {
    if (fails(f, threshold)) return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const InputError& e) {
    std::cerr << "ward-vuln: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "ward-vuln: error: " << e.what() << "\n";
    return 2;
  }
}
