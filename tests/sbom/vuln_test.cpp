// Unit tests of ward-vuln's pieces: version order, CVSS scores, identities, OSV and NVD range
// semantics, feature evidence, SBOM reading, and clear errors for malformed input.
#include <gtest/gtest.h>

#include <string>

#include "error.hpp"
#include "identity.hpp"
#include "json_reader.hpp"
#include "match.hpp"
#include "records.hpp"
#include "report.hpp"
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
  EXPECT_EQ(message([] { parse_sbom("s.json", R"({"bomFormat": "CycloneDX", "components": [{"name": "x"}]})"); }),
            "s.json: /components/0: missing \"type\"");
  EXPECT_EQ(message([] { parse_sbom("s.json", "[]"); }), "s.json: /: expected an object, found array");
  // Withdrawn records are not vulnerabilities.
  EXPECT_TRUE(parse_records("w.json", R"({"id": "x", "modified": "x", "withdrawn": "2024-01-01T00:00:00Z"})").empty());
}
