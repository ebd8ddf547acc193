// Unit tests of ward-vuln's pieces: version order, CVSS scores, identities, OSV and NVD range
// semantics, feature evidence, SBOM reading, and clear errors for malformed input.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>

#include "error.hpp"
#include "identity.hpp"
#include "json_reader.hpp"
#include "match.hpp"
#include "records.hpp"
#include "report.hpp"
#include "review.hpp"
#include "sbom.hpp"
#include "severity.hpp"
#include "version.hpp"

using namespace ward::vuln;

namespace {

const std::string data = WARD_SBOM_TEST_DATA;

Sbom mini() { return load_sbom(data + "/sbom/mini.cdx.json"); }

std::string osv(const std::string& affected, const std::string& extra = "") {
  return R"({"id": "x_T-1", "modified": "2024-01-01T00:00:00Z", "affected": [)" + affected + "]" + extra + "}";
}

std::string mbedtls_range(const std::string& events) {
  return R"({"package": {"ecosystem": "GIT", "name": "https://github.com/Mbed-TLS/mbedtls"},
             "ranges": [{"type": "SEMVER", "events": )" + events + "}]}";
}

Finding only_finding(const std::string& record, const FeatureMap& features = {}) {
  static std::vector<Vulnerability> keep;  // findings point into the records
  static Sbom sbom;
  sbom = mini();
  keep = parse_records("t.json", record);
  auto findings = evaluate(sbom, keep, features);
  EXPECT_EQ(findings.size(), 1u);
  return findings.empty() ? Finding{} : findings.front();
}

// The mini SBOM with Mbed TLS at another version (purl, CPE and version).
Sbom mbedtls_at(const std::string& version) {
  Sbom s = mini();
  Component& c = s.components.at(0);
  c.version = version;
  c.purls = {"pkg:github/mbed-tls/mbedtls@v" + version};
  c.cpes = {"cpe:2.3:a:arm:mbed_tls:" + version + ":*:*:*:*:*:*:*"};
  return s;
}

// The one finding of a record file (under data/) for Mbed TLS at `version`.
Finding finding_at(const std::string& version, const std::string& file, const ProductMap& products = {}) {
  static std::vector<Vulnerability> keep;
  static Sbom sbom;
  sbom = mbedtls_at(version);
  keep = parse_records(file, read_text_file(data + "/" + file));
  auto findings = evaluate(sbom, keep, {}, products);
  EXPECT_EQ(findings.size(), 1u) << file;
  return findings.empty() ? Finding{} : findings.front();
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

std::string nvd_match(const std::string& match) {
  return R"({"cve": {"id": "CVE-2099-1", "configurations": [{"nodes": [{"operator": "OR", "cpeMatch": [)" + match +
         "]}]}]}}";
}

}  // namespace

TEST(Version, SemverPrecedence) {
  EXPECT_LT(compare_semver("3.6.6", "3.6.7"), 0);
  EXPECT_LT(compare_semver("3.6.9", "3.6.10"), 0);
  EXPECT_EQ(compare_semver("v3.6.6", "3.6.6"), 0);
  EXPECT_EQ(compare_semver("3.6", "3.6.0"), 0);
  EXPECT_LT(compare_semver("1.0.0-alpha", "1.0.0"), 0);
  EXPECT_LT(compare_semver("1.0.0-alpha", "1.0.0-alpha.1"), 0);
  EXPECT_LT(compare_semver("1.0.0-alpha.1", "1.0.0-alpha.beta"), 0);
  EXPECT_LT(compare_semver("1.0.0-beta.2", "1.0.0-beta.11"), 0);
  EXPECT_EQ(compare_semver("1.0.0+build1", "1.0.0+build2"), 0);
  EXPECT_GT(compare_semver("10.0.0", "9.99.99"), 0);
  EXPECT_GT(compare_semver("99999999999999999999.0.0", "1.0.0"), 0);  // no overflow
}

TEST(Version, DebianOrder) {
  EXPECT_LT(compare_debian("3.6.6-0.1~deb13u1", "3.6.6-0.1"), 0);  // ~ sorts before everything
  EXPECT_LT(compare_debian("1.0~rc1", "1.0"), 0);
  EXPECT_GT(compare_debian("1:0.9", "2.0"), 0);  // epoch first
  EXPECT_LT(compare_debian("3.3.0-1.3", "3.3.0-1.3+deb12u1"), 0);
  EXPECT_EQ(compare_debian("15:12.2.rel1-1", "15:12.2.rel1-1"), 0);
  EXPECT_LT(compare_debian("2.40-2", "2.40-10"), 0);
  EXPECT_GT(compare_debian("1.0a", "1.0"), 0);
}

TEST(Version, Normalize) {
  EXPECT_EQ(normalize_version("v3.6.6", "mbedtls"), "3.6.6");
  EXPECT_EQ(normalize_version("mbedtls-3.6.6", "mbedtls"), "3.6.6");
  EXPECT_EQ(normalize_version("vendor", "x"), "vendor");
}

TEST(Cvss, KnownBaseScores) {
  std::string e;
  EXPECT_DOUBLE_EQ(*cvss3_base_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", &e), 9.8);
  EXPECT_DOUBLE_EQ(*cvss3_base_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", &e), 10.0);
  EXPECT_DOUBLE_EQ(*cvss3_base_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", &e), 7.5);
  EXPECT_DOUBLE_EQ(*cvss3_base_score("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", &e), 7.8);
  EXPECT_DOUBLE_EQ(*cvss3_base_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", &e), 6.1);
  EXPECT_DOUBLE_EQ(*cvss3_base_score("CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", &e), 5.9);
  EXPECT_DOUBLE_EQ(*cvss3_base_score("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N", &e), 5.5);
  EXPECT_DOUBLE_EQ(*cvss3_base_score("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:N", &e), 0.0);
  // Temporal metrics are accepted; the base score is unchanged.
  EXPECT_DOUBLE_EQ(*cvss3_base_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O", &e), 9.8);
}

TEST(Cvss, MalformedVectorsAreRefused) {
  for (const char* bad : {"", "CVSS:2.0/AV:N", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",
                          "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/A:H", "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                          "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/", "CVSS:3.1/FOO:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                          "CVSS:3.1/AVN/AC:L"}) {
    std::string e;
    EXPECT_FALSE(cvss3_base_score(bad, &e).has_value()) << bad;
    EXPECT_FALSE(e.empty()) << bad;
  }
}

TEST(Cvss, Bands) {
  EXPECT_EQ(severity_from_score(0.0), Severity::none);
  EXPECT_EQ(severity_from_score(3.9), Severity::low);
  EXPECT_EQ(severity_from_score(4.0), Severity::medium);
  EXPECT_EQ(severity_from_score(6.9), Severity::medium);
  EXPECT_EQ(severity_from_score(7.0), Severity::high);
  EXPECT_EQ(severity_from_score(9.0), Severity::critical);
  EXPECT_EQ(rank(Severity::unknown), rank(Severity::critical));  // fails closed
  EXPECT_EQ(parse_severity("MODERATE"), Severity::medium);
  EXPECT_FALSE(parse_severity("severe").has_value());
}

TEST(Identity, Purl) {
  auto p = parse_purl("pkg:deb/debian/newlib@3.3.0-1.3%2Bdeb12u1?arch=source&distro=debian-12");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->type, "deb");
  EXPECT_EQ(p->ns, "debian");
  EXPECT_EQ(p->name, "newlib");
  EXPECT_EQ(p->version, "3.3.0-1.3+deb12u1");
  EXPECT_EQ(p->qualifiers.at("distro"), "debian-12");
  auto g = parse_purl("pkg:github/Mbed-TLS/mbedtls@v3.6.6");
  ASSERT_TRUE(g);
  EXPECT_TRUE(same_package(*g, *parse_purl("pkg:github/mbed-tls/mbedtls")));
  EXPECT_EQ(purl_repository(*g), repo_key("https://github.com/Mbed-TLS/mbedtls.git"));
  EXPECT_EQ(repo_key("git@github.com:Mbed-TLS/mbedtls.git"), "github.com/mbed-tls/mbedtls");
  for (const char* bad : {"", "pkg:", "pkg:github", "npm/x@1", "pkg:npm/x@1%", "pkg:npm/x@1%zz", "pkg:npm/x?a"}) {
    EXPECT_FALSE(parse_purl(bad).has_value()) << bad;
  }
}

TEST(Identity, Cpe) {
  auto c = parse_cpe23("cpe:2.3:a:arm:mbed_tls:3.6.6:*:*:*:*:*:*:*");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->vendor, "arm");
  EXPECT_EQ(c->product, "mbed_tls");
  EXPECT_EQ(c->version, "3.6.6");
  EXPECT_EQ(parse_cpe23(R"(cpe:2.3:a:x:y:1.0\:beta:*:*:*:*:*:*:*)")->version, "1.0:beta");
  EXPECT_FALSE(parse_cpe23("cpe:/a:arm:mbed_tls:3.6.6").has_value());
  EXPECT_FALSE(parse_cpe23("cpe:2.3:a:arm:mbed_tls").has_value());
}

TEST(Osv, AffectedWhenTheVersionIsInTheRange) {
  const Finding f = only_finding(osv(mbedtls_range(R"([{"introduced": "3.0.0"}, {"fixed": "3.6.7"}])")));
  EXPECT_EQ(f.status, Status::affected);
  EXPECT_EQ(f.fixed_in, "3.6.7");
}

TEST(Osv, FixedBeforeTheVersion) {
  const Finding f = only_finding(osv(mbedtls_range(R"([{"introduced": "0"}, {"fixed": "3.6.1"}])")));
  EXPECT_EQ(f.status, Status::fixed);
  EXPECT_EQ(f.fixed_in, "3.6.1");
  EXPECT_FALSE(applicable(f.status));
}

TEST(Osv, FixedExactlyAtTheVersion) {
  EXPECT_EQ(only_finding(osv(mbedtls_range(R"([{"introduced": "3.6.0"}, {"fixed": "3.6.6"}])"))).status, Status::fixed);
}

TEST(Osv, IntroducedAfterTheVersion) {
  EXPECT_EQ(only_finding(osv(mbedtls_range(R"([{"introduced": "4.0.0"}])"))).status, Status::not_affected);
}

TEST(Osv, LastAffected) {
  EXPECT_EQ(only_finding(osv(mbedtls_range(R"([{"introduced": "3.0.0"}, {"last_affected": "3.6.6"}])"))).status,
            Status::affected);
  EXPECT_EQ(only_finding(osv(mbedtls_range(R"([{"introduced": "3.0.0"}, {"last_affected": "3.6.5"}])"))).status,
            Status::fixed);
}

TEST(Osv, SeveralIntervalsInOneRange) {
  // Affected 2.0-2.28.9 and again from 3.6.5, fixed in 3.6.7; events in any order.
  const Finding f = only_finding(osv(mbedtls_range(
      R"([{"fixed": "3.6.7"}, {"introduced": "3.6.5"}, {"introduced": "2.0.0"}, {"fixed": "2.28.9"}])")));
  EXPECT_EQ(f.status, Status::affected);
  EXPECT_EQ(f.fixed_in, "3.6.7");
}

TEST(Osv, VersionsList) {
  const std::string a = R"({"package": {"purl": "pkg:github/mbed-tls/mbedtls"}, "versions": ["mbedtls-3.6.5", "v3.6.6"]})";
  EXPECT_EQ(only_finding(osv(a)).status, Status::affected);
  const std::string b = R"({"package": {"purl": "pkg:github/mbed-tls/mbedtls"}, "versions": ["3.6.5"]})";
  EXPECT_EQ(only_finding(osv(b)).status, Status::not_affected);
}

TEST(Osv, GitRangesAloneNeedTriage) {
  const std::string a = R"({"ranges": [{"type": "GIT", "repo": "https://github.com/Mbed-TLS/mbedtls",
      "events": [{"introduced": "0"}, {"fixed": "0123456789012345678901234567890123456789"}]}]})";
  const Finding f = only_finding(osv(a));
  EXPECT_EQ(f.status, Status::triage);
  EXPECT_TRUE(applicable(f.status));
}

TEST(Osv, DebianEcosystemWithDebianVersions) {
  const std::string a = R"({"package": {"ecosystem": "Debian:12", "name": "newlib"},
      "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.3.0-1.3+deb12u2"}]}]})";
  EXPECT_EQ(only_finding(osv(a)).status, Status::affected);
  const std::string b = R"({"package": {"ecosystem": "Debian:12", "name": "newlib"},
      "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.3.0-1.3"}]}]})";
  EXPECT_EQ(only_finding(osv(b)).status, Status::fixed);
  // Another Debian release's record does not apply.
  auto records = parse_records("t.json", osv(R"({"package": {"ecosystem": "Debian:11", "name": "newlib"},
      "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]})"));
  const Sbom s = mini();
  EXPECT_TRUE(evaluate(s, records, {}).empty());
}

TEST(Osv, SeverityFromTheVectorAndPerAffectedOverride) {
  const Finding f = only_finding(osv(mbedtls_range(R"([{"introduced": "0"}])"),
                                     R"(, "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}])"));
  EXPECT_EQ(f.rating.severity, Severity::high);
  EXPECT_DOUBLE_EQ(*f.rating.score, 7.5);
  const Finding g = only_finding(osv(R"({"package": {"purl": "pkg:github/mbed-tls/mbedtls"}, "versions": ["3.6.6"],
      "severity": [{"type": "Ubuntu", "score": "low"}]})"));
  EXPECT_EQ(g.rating.severity, Severity::low);
  const Finding h = only_finding(osv(mbedtls_range(R"([{"introduced": "0"}])")));
  EXPECT_EQ(h.rating.severity, Severity::unknown);
}

TEST(Nvd, CpeRanges) {
  auto nvd = [](const std::string& match) {
    return R"({"cve": {"id": "CVE-2099-1", "configurations": [{"nodes": [{"operator": "OR", "cpeMatch": [)" + match +
           "]}]}]}}";
  };
  EXPECT_EQ(only_finding(nvd(R"({"vulnerable": true, "criteria": "cpe:2.3:a:arm:mbed_tls:*:*:*:*:*:*:*:*",
      "versionStartIncluding": "3.0.0", "versionEndExcluding": "3.6.7"})")).status, Status::affected);
  EXPECT_EQ(only_finding(nvd(R"({"vulnerable": true, "criteria": "cpe:2.3:a:arm:mbed_tls:*:*:*:*:*:*:*:*",
      "versionEndExcluding": "3.6.6"})")).status, Status::fixed);
  EXPECT_EQ(only_finding(nvd(R"({"vulnerable": true, "criteria": "cpe:2.3:a:arm:mbed_tls:*:*:*:*:*:*:*:*",
      "versionEndIncluding": "3.6.6"})")).status, Status::affected);
  EXPECT_EQ(only_finding(nvd(R"({"vulnerable": true, "criteria": "cpe:2.3:a:trustedfirmware:mbed_tls:3.6.6:*:*:*:*:*:*:*"})"))
                .status, Status::affected);  // the second CPE, from evidence.identity
  EXPECT_EQ(only_finding(nvd(R"({"vulnerable": true, "criteria": "cpe:2.3:a:arm:mbed_tls:3.6.5:*:*:*:*:*:*:*"})")).status,
            Status::not_affected);
  // A non-vulnerable platform entry alone matches nothing.
  auto records = parse_records("t.json", nvd(R"({"vulnerable": false, "criteria": "cpe:2.3:a:arm:mbed_tls:*:*:*:*:*:*:*:*"})"));
  const Sbom s = mini();
  EXPECT_TRUE(evaluate(s, records, {}).empty());
}

TEST(Features, CompiledOutFeatureIsNotAffectedWithEvidence) {
  const FeatureMap map = parse_feature_map("map.json", R"({"features": {
      "tls13": {"component": "mbedtls", "requires": ["MBEDTLS_SSL_PROTO_TLS1_3"]},
      "sha": {"component": "mbedtls", "requires": ["MBEDTLS_SHA256_C"], "files": ["library/sha256.c"]},
      "sha-file-gone": {"component": "mbedtls", "files": ["library/sha3*.c"]}},
      "vulnerabilities": {"CVE-2099-7": ["tls13"]}})");
  const std::string range = mbedtls_range(R"([{"introduced": "0"}])");
  const Finding out = only_finding(osv(range, R"(, "database_specific": {"ward": {"features": ["tls13"]}})"), map);
  EXPECT_EQ(out.status, Status::not_affected);
  EXPECT_TRUE(out.code_not_present);
  ASSERT_EQ(out.evidence_options.size(), 1u);
  EXPECT_EQ(out.evidence_options[0], "MBEDTLS_SSL_PROTO_TLS1_3");
  // By the map's vulnerability table, through an alias.
  const Finding by_alias = only_finding(osv(range, R"(, "aliases": ["CVE-2099-7"])"), map);
  EXPECT_TRUE(by_alias.code_not_present);
  // A feature that is compiled in keeps the vulnerability.
  const Finding in = only_finding(osv(range, R"(, "database_specific": {"ward": {"features": ["sha"]}})"), map);
  EXPECT_EQ(in.status, Status::affected);
  // Files: no matching file compiled in.
  const Finding files = only_finding(osv(range, R"(, "database_specific": {"ward": {"features": ["sha-file-gone"]}})"), map);
  EXPECT_TRUE(files.code_not_present);
  // Two features, one present: affected.
  const Finding both = only_finding(osv(range, R"(, "database_specific": {"ward": {"features": ["tls13", "sha"]}})"), map);
  EXPECT_EQ(both.status, Status::affected);
}

TEST(Features, WithoutConfigurationInTheSbomNothingIsAssumedAbsent) {
  Sbom s = mini();
  for (auto& c : s.components) c.config.clear();
  s.image.config.clear();
  const FeatureMap map = parse_feature_map("m", R"({"features": {"tls13": {"component": "mbedtls", "requires": ["MBEDTLS_SSL_PROTO_TLS1_3"]}}})");
  auto records = parse_records("t.json", osv(mbedtls_range(R"([{"introduced": "0"}])"),
                                             R"(, "database_specific": {"ward": {"features": ["tls13"]}})"));
  auto findings = evaluate(s, records, map);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].status, Status::affected);
}

TEST(Aliases, RecordsOfTheSameVulnerabilityMergeToTheWorstVerdict) {
  // OSV says fixed, NVD (same CVE) says affected: one finding, affected.
  std::vector<Vulnerability> records = parse_records("a.json", R"({"id": "x_T-9", "modified": "2024-01-01T00:00:00Z",
      "aliases": ["CVE-2099-9"], "affected": [)" + mbedtls_range(R"([{"introduced": "0"}, {"fixed": "3.6.1"}])") + "]}");
  auto nvd = parse_records("b.json", R"({"cve": {"id": "CVE-2099-9", "configurations": [{"nodes": [{"cpeMatch": [
      {"vulnerable": true, "criteria": "cpe:2.3:a:arm:mbed_tls:*:*:*:*:*:*:*:*", "versionEndExcluding": "3.6.7"}]}]}]}})");
  records.insert(records.end(), nvd.begin(), nvd.end());
  const Sbom s = mini();
  auto findings = evaluate(s, records, {});
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].status, Status::affected);
  EXPECT_EQ(findings[0].vuln->id, "CVE-2099-9");
  ASSERT_EQ(findings[0].aliases.size(), 1u);
  EXPECT_EQ(findings[0].aliases[0], "x_T-9");
}

TEST(Threshold, UnknownSeverityFailsClosed) {
  Finding f;
  f.status = Status::affected;
  f.rating.severity = Severity::unknown;
  EXPECT_TRUE(fails(f, Threshold{false, Severity::critical}));
  f.rating.severity = Severity::high;
  EXPECT_FALSE(fails(f, Threshold{false, Severity::critical}));
  EXPECT_TRUE(fails(f, Threshold{false, Severity::high}));
  EXPECT_FALSE(fails(f, Threshold{true, Severity::none}));
  f.status = Status::not_affected;
  EXPECT_FALSE(fails(f, Threshold{false, Severity::none}));
}

TEST(Sbom, CycloneDxAndSpdxReadTheSame) {
  const Sbom cdx = load_sbom(data + "/sbom/mini.cdx.json");
  const Sbom spdx = load_sbom(data + "/sbom/mini.spdx.json");
  EXPECT_EQ(cdx.image.name, "mini");
  EXPECT_EQ(spdx.image.name, "mini");
  ASSERT_EQ(cdx.components.size(), 2u);
  EXPECT_EQ(cdx.components[0].cpes.size(), 2u);  // cpe + evidence.identity
  EXPECT_EQ(cdx.components[0].files.count("library/sha256.c"), 1u);
  EXPECT_EQ(spdx.components[0].files.count("library/sha256.c"), 1u);
  EXPECT_EQ(config_enabled(cdx, cdx.components[0], "MBEDTLS_SHA256_C"), std::optional<bool>(true));
  EXPECT_EQ(config_enabled(spdx, spdx.components[0], "MBEDTLS_SHA256_C"), std::optional<bool>(true));
  EXPECT_EQ(config_enabled(cdx, cdx.components[0], "MBEDTLS_RSA_C"), std::optional<bool>(false));
  EXPECT_EQ(config_enabled(cdx, cdx.components[1], "CONFIG_WARD_PRODUCTION"), std::optional<bool>(false));
}

TEST(Errors, MalformedInputNamesFileAndPlace) {
  auto message = [](auto&& f) {
    try {
      f();
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message([] { parse_records("r.json", "{"); }).rfind("r.json: not valid JSON", 0), 0u);
  EXPECT_EQ(message([] { parse_records("r.json", R"({"id": 5, "modified": "x"})"); }),
            "r.json: /id: expected a string, found number");
  EXPECT_EQ(message([] {
              parse_records("r.json", R"({"id": "x", "modified": "x", "affected": [{"package": {"purl": "pkg:a/b"},
                "ranges": [{"type": "SEMVER", "events": [{"introduced": "0", "fixed": "1"}]}]}]})");
            }),
            "r.json: /affected/0/ranges/0/events/0: an event must have exactly one of introduced, fixed, last_affected, limit");
  EXPECT_EQ(message([] {
              parse_records("r.json", R"({"id": "x", "modified": "x", "affected": [{"package": {"purl": "pkg:a/b"},
                "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1"}, {"last_affected": "2"}]}]}]})");
            }),
            "r.json: /affected/0/ranges/0/events: \"fixed\" and \"last_affected\" must not be mixed in one range");
  EXPECT_EQ(message([] { parse_records("r.json", R"({"id": "x", "modified": "x", "affected": [{"ranges": []}]})"); }),
            "r.json: /affected/0: names no package (package, or a GIT range with a repo)");
  EXPECT_EQ(message([] {
              parse_sbom("s.json", R"({"bomFormat": "CycloneDX", "specVersion": "1.6", "metadata": {"component":
                  {"type": "firmware", "name": "i"}}, "components": [{"name": "x"}]})");
            }),
            "s.json: /components/0: missing \"type\"");
  EXPECT_EQ(message([] { parse_sbom("s.json", "[]"); }), "s.json: /: expected an object, found array");
  // Withdrawn records are not vulnerabilities.
  EXPECT_TRUE(parse_records("w.json", R"({"id": "x", "modified": "x", "withdrawn": "2024-01-01T00:00:00Z"})").empty());
}

// -- issue 15: fail closed on malformed and ambiguous input -------------------------------------

TEST(JsonLimits, DeepNestingIsRefusedAtTheLimitNotAfterReadingIt) {
  const std::string brackets(10u << 20, '[');  // 10 MiB, under the size limit
  const auto start = std::chrono::steady_clock::now();
  const std::string e = error_of([&] { parse_records("deep.json", brackets); });
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(e, "deep.json: /0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/"
               "0/0/0/0/0/0/0/0/0/0/0/0/0/0: nested deeper than 64 levels (the limit)");
  EXPECT_LT(took, std::chrono::seconds(2));  // was minutes and gigabytes (issue 15)
  EXPECT_NE(error_of([] { parse_sbom("s.json", std::string(64, '{')); }), "no error");
  // 64 levels are fine.
  EXPECT_NO_THROW(parse_json_text("ok.json", std::string(64, '[') + std::string(64, ']')));
}

TEST(JsonLimits, SizeStringLengthAndValueCount) {
  EXPECT_EQ(error_of([] { parse_json_text("big.json", std::string(max_input_bytes + 1, ' ')); }),
            "big.json: too large (16777217 bytes, limit 16777216)");
  const std::string long_name = R"({"bomFormat": "CycloneDX", "specVersion": "1.6", "metadata": {"component": {"type": "firmware", "name": ")" +
                                std::string(max_json_string + 1, 'a') + "\"}}}";
  EXPECT_EQ(error_of([&] { parse_sbom("s.json", long_name); }),
            "s.json: /metadata/component/name: a string of 65537 bytes, over the limit of 65536");
  const std::string long_key = "{\"" + std::string(max_json_string + 1, 'k') + "\": 1}";
  EXPECT_EQ(error_of([&] { parse_json_text("k.json", long_key); }), "k.json: /: a key of 65537 bytes, over the limit of 65536");
  std::string many = "[0";
  for (std::size_t i = 0; i < max_json_values; ++i) many += ",0";
  EXPECT_EQ(error_of([&] { parse_json_text("n.json", many + "]"); }),
            "n.json: /999999: more than 1000000 values (the limit)");
}

TEST(JsonLimits, DuplicateKeysAreErrorsWithTheirPlace) {
  EXPECT_EQ(error_of([] { parse_records("d.json", R"({"id": "A", "modified": "x", "id": "B"})"); }),
            "d.json: /: duplicate key \"id\" (which one would count is not defined)");
  EXPECT_EQ(error_of([] {
              parse_records("d.json", R"({"vulnerabilities": [{"cve": {"id": "CVE-2099-1"}}, {"cve": {"id": "CVE-2099-2", "id": "CVE-2099-3"}}]})");
            }),
            "d.json: /vulnerabilities/1/cve: duplicate key \"id\" (which one would count is not defined)");
  EXPECT_EQ(error_of([] { parse_feature_map("f.json", R"({"features": {}, "vulnerabilities": {"CVE-1": [], "CVE-1": []}})"); }),
            "f.json: /vulnerabilities: duplicate key \"CVE-1\" (which one would count is not defined)");
}

TEST(JsonLimits, Utf8ByteOrderMarkIsAcceptedOtherEncodingsAreNot) {
  const std::string text = read_text_file(data + "/sbom/mini.cdx.json");
  EXPECT_EQ(parse_sbom("bom.json", "\xEF\xBB\xBF" + text).components.size(), 2u);
  EXPECT_EQ(error_of([] { parse_records("u.json", std::string("\xFF\xFE{\0}\0", 6)); }),
            "u.json: not valid JSON: UTF-16 text (byte order mark); JSON must be UTF-8");
  // A byte order mark anywhere but at the start is not JSON.
  EXPECT_NE(error_of([] { parse_records("u.json", " \xEF\xBB\xBF{}"); }).find("not valid JSON"), std::string::npos);
}

TEST(Version, RecordVersionRules) {
  for (const char* ok : {"3.6.6", "v3.6.6", "3.6", "1.0.0-rc.1+build.5"}) EXPECT_TRUE(valid_version(VersionRule::semver, ok)) << ok;
  for (const char* bad : {"x.0", "", "3.6.6.1", "3.6.x", "1.0.0-", "3..6"}) EXPECT_FALSE(valid_version(VersionRule::semver, bad)) << bad;
  for (const char* ok : {"3.3.0-1.3+deb12u1", "1:2.40-2", "15:12.2.rel1-1", "1.0~rc1"}) {
    EXPECT_TRUE(valid_version(VersionRule::debian, ok)) << ok;
  }
  for (const char* bad : {"deb12u1", "a:1.0", "1.0-1-", ":1.0", "1.0 1"}) EXPECT_FALSE(valid_version(VersionRule::debian, bad)) << bad;
  for (const char* ok : {"2.28.7", "1.0.1h", "1.0:beta", "v2.0", "2023-01-01"}) EXPECT_TRUE(valid_version(VersionRule::generic, ok)) << ok;
  for (const char* bad : {"x.0", "latest", "-", "*", "3.6 6", "v"}) EXPECT_FALSE(valid_version(VersionRule::generic, bad)) << bad;
}

TEST(Version, Branch) {
  EXPECT_EQ(version_branch("3.6.6"), "3.6");
  EXPECT_EQ(version_branch("v2.28.10"), "2.28");
  EXPECT_EQ(version_branch("3"), "3.0");
  EXPECT_EQ(version_branch("1:3.3.0-1.3"), "3.3");
  EXPECT_EQ(version_branch("03.06.1"), "3.6");
  EXPECT_EQ(version_branch("x.0"), "");
}

TEST(Malformed, GarbageVersionBoundIsAnErrorNeverNotAffected) {
  // Before: "x.0" sorted after 3.6.6, so the component was "before the affected range".
  EXPECT_EQ(error_of([] {
              parse_records("g.json", nvd_match(R"({"vulnerable": true, "criteria": "cpe:2.3:a:arm:mbed_tls:*:*:*:*:*:*:*:*",
                  "versionStartIncluding": "x.0", "versionEndExcluding": "3.6.7"})"));
            }),
            "g.json: /cve/configurations/0/nodes/0/cpeMatch/0/versionStartIncluding: \"x.0\" is not a version that can be "
            "ordered (it must start with a number)");
  EXPECT_NE(error_of([] {
              parse_records("g.json", nvd_match(R"({"vulnerable": true, "criteria": "cpe:2.3:a:arm:mbed_tls:*:*:*:*:*:*:*:*",
                  "versionEndExcluding": ""})"));
            }),
            "no error");
  EXPECT_EQ(error_of([] { parse_records("g.json", nvd_match(R"({"vulnerable": true, "criteria": "cpe:2.3:a:arm:mbed_tls:latest:*:*:*:*:*:*:*"})")); }),
            "g.json: /cve/configurations/0/nodes/0/cpeMatch/0/criteria: \"latest\" is not a version that can be ordered (it "
            "must start with a number)");
  EXPECT_EQ(error_of([] { parse_records("g.json", osv(mbedtls_range(R"([{"introduced": "x.0"}, {"fixed": "3.6.7"}])"))); }),
            "g.json: /affected/0/ranges/0/events/0: \"x.0\" is not a version this range can order (SemVer)");
  EXPECT_EQ(error_of([] {
              parse_records("g.json", osv(R"({"package": {"ecosystem": "Debian:12", "name": "newlib"},
                  "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "deb12u2"}]}]})"));
            }),
            "g.json: /affected/0/ranges/0/events/1: \"deb12u2\" is not a version this range can order (Debian)");
  // GIT ranges hold commits, not versions.
  EXPECT_NO_THROW(parse_records("g.json", osv(R"({"ranges": [{"type": "GIT", "repo": "https://github.com/Mbed-TLS/mbedtls",
      "events": [{"introduced": "0"}, {"fixed": "abcdef0"}]}]})")));
}

TEST(Malformed, ComponentVersionThatCannotBeOrderedNeedsTriage) {
  const std::string record = nvd_match(R"({"vulnerable": true, "criteria": "cpe:2.3:a:arm:mbed_tls:*:*:*:*:*:*:*:*",
      "versionEndExcluding": "3.6.7"})");
  Sbom s = mbedtls_at("3.6.6");
  s.components[0].cpes = {"cpe:2.3:a:arm:mbed_tls:development:*:*:*:*:*:*:*"};
  const auto records = parse_records("t.json", record);
  const auto findings = evaluate(s, records, {});
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].status, Status::triage);
  EXPECT_TRUE(applicable(findings[0].status));
}

TEST(NvdFormats, PageWrappedAndBareCveObjectReadTheSame) {
  const std::string cve = R"({"id": "CVE-2099-40", "lastModified": "2099-01-01T00:00:00.000", "vulnStatus": "Analyzed",
      "configurations": [{"nodes": [{"cpeMatch": [{"vulnerable": true, "criteria": "cpe:2.3:a:arm:mbed_tls:*:*:*:*:*:*:*:*",
      "versionEndExcluding": "3.6.7"}]}]}]})";
  const Sbom s = mini();
  for (const std::string& text : {R"({"format": "NVD_CVE", "version": "2.0", "vulnerabilities": [{"cve": )" + cve + "}]}",
                                  R"({"cve": )" + cve + "}", cve}) {
    const auto records = parse_records("n.json", text);
    ASSERT_EQ(records.size(), 1u) << text;
    EXPECT_EQ(records[0].source, "NVD");
    EXPECT_EQ(records[0].modified, "2099-01-01T00:00:00.000");
    const auto findings = evaluate(s, records, {});
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].status, Status::affected);
  }
  // Before: the bare object was taken for OSV: 'missing "modified"'.
  EXPECT_EQ(parse_records("b.json", read_text_file(data + "/nvd/CVE-2025-52497.json")).at(0).status, "Awaiting Analysis");
}

TEST(NvdFormats, OtherFormatsAndAmbiguityAreClearErrors) {
  EXPECT_EQ(error_of([] { parse_records("o.json", R"({"CVE_Items": []})"); }),
            "o.json: /CVE_Items: NVD JSON 1.1 feeds are retired; use the NVD CVE API 2.0 format");
  EXPECT_EQ(error_of([] { parse_records("o.json", R"({"dataType": "CVE_RECORD", "cveMetadata": {}})"); }),
            "o.json: /dataType: a CVE JSON 5 record (CVE List); use the NVD CVE API 2.0 or OSV format");
  EXPECT_EQ(error_of([] { parse_records("o.json", R"({"id": "CVE-1", "modified": "x", "vulnStatus": "Analyzed"})"); }),
            "o.json: /: ambiguous: has OSV's \"modified\" and NVD's \"vulnStatus\"");
  EXPECT_EQ(error_of([] { parse_records("o.json", R"({"version": "1.1", "vulnerabilities": []})"); }),
            "o.json: /version: NVD JSON version 1.1 (2.0 is read)");
  EXPECT_EQ(error_of([] { parse_records("o.json", R"({"vulnerabilities": null})"); }), "o.json: /: missing \"vulnerabilities\"");
  EXPECT_EQ(error_of([] { parse_records("o.json", R"({"cve": null})"); }), "o.json: /: missing \"cve\"");
  // Rejected CVEs are no vulnerabilities.
  EXPECT_TRUE(parse_records("r.json", read_text_file(data + "/nvd/CVE-2099-0032-rejected.json")).empty());
}

TEST(Review, AwaitingAnalysisRecordNamingTheProductNeedsReview) {
  // Before: no configurations, no finding, exit 0 even with --fail-on any.
  const Finding f = finding_at("3.6.6", "nvd/CVE-2025-52497.json");
  EXPECT_EQ(f.status, Status::review);
  EXPECT_EQ(f.detail, "NVD status \"Awaiting Analysis\", no product or version data; its description names \"mbedtls\"");
  EXPECT_EQ(f.rating.severity, Severity::medium);  // the CNA's score
  EXPECT_FALSE(applicable(f.status));
  EXPECT_TRUE(fails(f, Threshold{}));                                    // the default fails
  EXPECT_TRUE(fails(f, *parse_threshold("medium")));
  EXPECT_FALSE(fails(f, *parse_threshold("high")));                      // by its severity
  EXPECT_FALSE(fails(f, *parse_threshold("any,no-review")));             // the user's choice
  EXPECT_FALSE(fails(f, *parse_threshold("never")));
  Finding unknown = f;
  unknown.rating = Rating{};
  EXPECT_TRUE(fails(unknown, *parse_threshold("critical")));  // no score: counts as critical
}

TEST(Review, ExplicitMappingAddsAndSilences) {
  const ProductMap map = parse_product_map(data + "/products/products.json",
                                           read_text_file(data + "/products/products.json"));
  // No product in the text: only the map ties it to mbedtls.
  const Sbom s = mini();
  const auto unmapped = parse_records("n.json", read_text_file(data + "/nvd/CVE-2099-0031.json"));
  EXPECT_TRUE(evaluate(s, unmapped, {}).empty());
  const Finding mapped = finding_at("3.6.6", "nvd/CVE-2099-0031.json", map);
  EXPECT_EQ(mapped.status, Status::review);
  EXPECT_NE(mapped.detail.find("products.json maps CVE-2099-0031 to mbedtls"), std::string::npos);
  // Reviewed: concerns none of the components, although the text names Mbed TLS.
  const auto reviewed = parse_records("n.json", read_text_file(data + "/nvd/CVE-2024-28960.json"));
  EXPECT_EQ(evaluate(s, reviewed, {}).size(), 1u);
  EXPECT_TRUE(evaluate(s, reviewed, {}, map).empty());
  // A name from the map, whole words only.
  Vulnerability v;
  v.id = "CVE-2099-50";
  v.text = "A flaw in polarssl's X.509 parser.";
  EXPECT_EQ(review_reason(v, s.components[0], map), "its description names \"PolarSSL\"");
  v.text = "A flaw in polarssl2 and in mbedtlsx.";
  EXPECT_EQ(review_reason(v, s.components[0], map), "");
  EXPECT_NE(error_of([] { parse_product_map("p.json", R"({"names": {"mbedtls": ["-"]}})"); }), "no error");
  EXPECT_NE(error_of([] { parse_product_map("p.json", R"({"name": {}})"); }), "no error");
}

TEST(Review, StructuredRecordOfTheSameVulnerabilitySettlesIt) {
  auto records = parse_records("n.json", read_text_file(data + "/nvd/CVE-2025-52497.json"));
  auto osv_record = parse_records("o.json", R"({"id": "x_WARD-9", "modified": "2025-07-10T00:00:00Z", "aliases": ["CVE-2025-52497"],
      "affected": [)" + mbedtls_range(R"([{"introduced": "0"}, {"fixed": "3.6.4"}])") + "]}");
  records.insert(records.end(), osv_record.begin(), osv_record.end());
  const Sbom s = mini();
  const auto findings = evaluate(s, records, {});
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].status, Status::fixed);
  EXPECT_EQ(findings[0].fixed_in, "3.6.4");
}

TEST(FixedIn, NamesTheFixOnTheComponentsOwnBranch) {
  const std::string file = "nvd/CVE-2099-0030-branches.json";  // 2.x before 2.28.9, 3.x before 3.6.5
  Finding f = finding_at("3.6.6", file);
  EXPECT_EQ(f.status, Status::fixed);
  EXPECT_EQ(f.fixed_in, "3.6.5");  // before: "2.28.9", the first entry's
  f = finding_at("3.6.3", file);
  EXPECT_EQ(f.status, Status::affected);
  EXPECT_EQ(f.fixed_in, "3.6.5");
  f = finding_at("2.28.5", file);
  EXPECT_EQ(f.status, Status::affected);
  EXPECT_EQ(f.fixed_in, "2.28.9");
  f = finding_at("2.28.10", file);
  EXPECT_EQ(f.status, Status::fixed);
  EXPECT_EQ(f.fixed_in, "2.28.9");
}

TEST(FixedIn, SaysSoWhenTheRecordHasNoFixOnTheBranch) {
  // Only the 2.28 branch is named: 3.6.6 is outside the range, but not "fixed in 2.28.9".
  const Finding f = finding_at("3.6.6", "vulndb/nvd-fixed.json");
  EXPECT_EQ(f.status, Status::not_affected);
  EXPECT_EQ(f.fixed_in, "");
  EXPECT_EQ(f.detail, "version 3.6.6 is outside the affected ranges; no fix on the 3.6 branch; the record's fixes: 2.28.9");
  // Affected with the only fix on another branch.
  const Finding g = only_finding(osv(mbedtls_range(R"([{"introduced": "0"}, {"fixed": "2.28.7"}, {"introduced": "3.0.0"}])")));
  EXPECT_EQ(g.status, Status::affected);
  EXPECT_EQ(g.fixed_in, "");
  EXPECT_EQ(g.fix_note, "no fix on the 3.6 branch; the record's fixes: 2.28.7");
  // OSV events in any order: the fix the image has is the one on its branch.
  const Finding h = only_finding(osv(mbedtls_range(R"([{"introduced": "3.0.0"}, {"fixed": "3.6.1"}])") + "," +
                                     mbedtls_range(R"([{"introduced": "0"}, {"fixed": "2.28.7"}])")));
  EXPECT_EQ(h.status, Status::fixed);
  EXPECT_EQ(h.fixed_in, "3.6.1");
}

TEST(Duplicates, SameIdFromTwoVersionsOfARecordIsAnError) {
  auto a = parse_records("a.json", R"({"id": "x_T-1", "modified": "2024-01-01T00:00:00Z", "affected": []})");
  auto b = parse_records("b.json", R"({"id": "x_T-1", "modified": "2024-02-01T00:00:00Z", "affected": []})");
  auto same = parse_records("c.json", R"({"id": "x_T-1", "modified": "2024-01-01T00:00:00Z", "affected": []})");
  std::vector<Vulnerability> both = a;
  both.insert(both.end(), same.begin(), same.end());
  EXPECT_NO_THROW(check_duplicate_ids(both));  // the same version twice (e.g. two overlapping NVD pages)
  both.insert(both.end(), b.begin(), b.end());
  EXPECT_EQ(error_of([&] { check_duplicate_ids(both); }),
            "b.json: OSV record x_T-1 is also in a.json, modified at another time (2024-01-01T00:00:00Z there, "
            "2024-02-01T00:00:00Z here): keep only the current one");
  // An OSV record and an NVD entry with one id are two sources of one vulnerability (merged).
  auto nvd = parse_records("n.json", R"({"cve": {"id": "x_T-1", "lastModified": "2099-01-01"}})");
  a.insert(a.end(), nvd.begin(), nvd.end());
  EXPECT_NO_THROW(check_duplicate_ids(a));
}

TEST(Sbom, UnknownVersionOrNoSubjectIsAnError) {
  const std::string meta = R"("metadata": {"component": {"type": "firmware", "name": "img"}})";
  EXPECT_EQ(error_of([&] { parse_sbom("s.json", R"({"bomFormat": "CycloneDX", "specVersion": "9.9", )" + meta + "}"); }),
            "s.json: /specVersion: CycloneDX 9.9 is not a version ward-vuln reads (1.4, 1.5, 1.6)");
  EXPECT_EQ(error_of([&] { parse_sbom("s.json", R"({"bomFormat": "CycloneDX", )" + meta + "}"); }),
            "s.json: /: missing \"specVersion\"");
  EXPECT_EQ(error_of([] { parse_sbom("s.json", R"({"bomFormat": "CycloneDX", "specVersion": "1.6", "metadata": {}})"); }),
            "s.json: /metadata: missing \"component\"");
  EXPECT_EQ(error_of([] { parse_sbom("s.json", R"({"bomFormat": "CycloneDX", "specVersion": "1.6"})"); }),
            "s.json: /: missing \"metadata\"");
  EXPECT_EQ(error_of([] { parse_sbom("s.json", R"({"spdxVersion": "SPDX-2.9", "packages": []})"); }),
            "s.json: /spdxVersion: not an SPDX 2.x document ward-vuln reads (SPDX-2.2, SPDX-2.3): SPDX-2.9");
  EXPECT_EQ(error_of([] { parse_sbom("s.json", R"({"spdxVersion": "SPDX-2.3", "packages": [{"SPDXID": "SPDXRef-X", "name": "x"}]})"); }),
            "s.json: /documentDescribes: the document describes no package (documentDescribes or a DESCRIBES relationship)");
}

TEST(Threshold, FailOnGrammar) {
  EXPECT_TRUE(parse_threshold("any")->review);
  EXPECT_FALSE(parse_threshold("high,no-review")->review);
  EXPECT_EQ(parse_threshold("high,review")->lowest, Severity::high);
  EXPECT_TRUE(parse_threshold("never")->never);
  for (const char* bad : {"", "severe", "HIGH", "moderate", "high,", "high,maybe", "unknown", "none", ",review"}) {
    EXPECT_FALSE(parse_threshold(bad).has_value()) << bad;
  }
}

// Red team 15: the generic order (dpkg's algorithm) is not trusted where ecosystems disagree.
TEST(Version, AmbiguousOrdersAreRecognised) {
  EXPECT_TRUE(ambiguous_order("3.6.7rc1", "3.6.7"));  // a pre-release in most projects, after 3.6.7 for dpkg
  EXPECT_TRUE(ambiguous_order("1.1.1", "1.1.1a"));    // OpenSSL's letter releases come after
  EXPECT_TRUE(ambiguous_order("1.5", "1!1.0"));       // PyPI epoch 1 is after every epoch-0 version
  EXPECT_TRUE(ambiguous_order("2.0_rc1", "2.0"));
  EXPECT_FALSE(ambiguous_order("3.6.7-rc1", "3.6.7"));  // SemVer: the pre-release is before
  EXPECT_FALSE(ambiguous_order("3.6.10", "3.6.9"));
  EXPECT_FALSE(ambiguous_order("1.1.1w", "1.1.1x"));   // letters against letters: ordered
  EXPECT_FALSE(ambiguous_order("3.6.6.1", "3.6.7"));
  EXPECT_FALSE(ambiguous_order("1!1.5", "1!2.0"));
}

TEST(Identity, PurlWithAControlCharacterIsNoPurl) {
  EXPECT_TRUE(parse_purl("pkg:github/mbed-tls/mbedtls@v3.6.6").has_value());
  EXPECT_FALSE(parse_purl(std::string("pkg:github/mbed-tls/mbedtls\0x@1", 31)).has_value());
  EXPECT_FALSE(parse_purl("pkg:github/mbed-tls/mbedtls%00@1").has_value());
  EXPECT_FALSE(parse_purl("pkg:github/mbed-tls/mbed\ttls@1").has_value());
}

// Red team 15: each limit holds exactly at its bound (the tests above show one past it refused).
TEST(JsonLimits, ExactlyAtEachLimitIsAccepted) {
  std::string at_size = "[" + std::string(max_input_bytes - 2, ' ') + "]";
  ASSERT_EQ(at_size.size(), max_input_bytes);
  EXPECT_NO_THROW(parse_json_text("size.json", at_size));
  EXPECT_NO_THROW(parse_json_text("string.json", "[\"" + std::string(max_json_string, 'a') + "\"]"));
  EXPECT_NO_THROW(parse_json_text("key.json", "{\"" + std::string(max_json_string, 'k') + "\": 1}"));
  std::string values = "[0";  // the array and 999,999 numbers: 1,000,000 values
  for (std::size_t i = 1; i + 1 < max_json_values; ++i) values += ",0";
  EXPECT_NO_THROW(parse_json_text("values.json", values + "]"));
  EXPECT_NE(error_of([&] { parse_json_text("values.json", values + ",0]"); }), "no error");
}
