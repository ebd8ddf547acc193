#include "records.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <set>

#include "error.hpp"
#include "identity.hpp"
#include "json_reader.hpp"
#include "version.hpp"

namespace ward::vuln {
namespace {

Rating rating_from_score(double score, std::string method, std::string vector) {
  Rating r;
  r.score = score;
  r.severity = severity_from_score(score);
  r.method = std::move(method);
  r.vector = std::move(vector);
  return r;
}

// OSV "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/..."}]. The best one wins: a CVSS v3
// vector (its base score computed), else a qualitative word; CVSS v2/v4 vectors alone are recorded
// with unknown severity (no scoring here), unless database_specific gives a word.
std::optional<Rating> osv_severity(const JsonReader& r, const Json& list, const std::string& path) {
  r.array(list, path);
  std::optional<Rating> best;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string p = at(path, i);
    const Json& s = r.object(list[i], p);
    const std::string type = r.string(r.require(s, "type", p), at(p, "type"));
    const std::string score = r.string(r.require(s, "score", p), at(p, "score"));
    if (type == "CVSS_V3") {
      std::string error;
      const auto base = cvss3_base_score(score, &error);
      if (!base) r.fail(at(p, "score"), error);
      return rating_from_score(*base, score.rfind("CVSS:3.1", 0) == 0 ? "CVSSv31" : "CVSSv3", score);
    }
    if (type == "Ubuntu") {
      if (auto sev = parse_severity(score)) {
        best = Rating{*sev, std::nullopt, "other", score};
      } else {
        r.fail(at(p, "score"), "unknown Ubuntu priority \"" + score + "\"");
      }
    } else if (!best) {
      best = Rating{Severity::unknown, std::nullopt, type == "CVSS_V4" ? "CVSSv4" : type == "CVSS_V2" ? "CVSSv2" : "other",
                    score};
    }
  }
  return best;
}

Event::Kind event_kind(const JsonReader& r, const Json& e, const std::string& p, std::string* version) {
  static const std::pair<const char*, Event::Kind> kinds[] = {{"introduced", Event::Kind::introduced},
                                                               {"fixed", Event::Kind::fixed},
                                                               {"last_affected", Event::Kind::last_affected},
                                                               {"limit", Event::Kind::limit}};
  r.object(e, p);
  if (e.size() != 1) r.fail(p, "an event must have exactly one of introduced, fixed, last_affected, limit");
  for (const auto& [key, kind] : kinds) {
    if (const Json* v = JsonReader::find(e, key)) {
      *version = r.string(*v, at(p, key));
      if (version->empty()) r.fail(at(p, key), "empty version");
      return kind;
    }
  }
  r.fail(p, "unknown event \"" + e.begin().key() + "\"");
}

// How a range's versions must be spelled: SEMVER ranges SemVer, Debian and Ubuntu dpkg's syntax,
// other ecosystems the generic rule; GIT ranges hold commits (not checked).
std::optional<VersionRule> version_rule(const Range& range, const std::string& ecosystem) {
  if (range.type == Range::Type::git) return std::nullopt;
  if (range.type == Range::Type::semver) return VersionRule::semver;
  const std::string base = ecosystem.substr(0, ecosystem.find(':'));
  return base == "Debian" || base == "Ubuntu" ? VersionRule::debian : VersionRule::generic;
}

void check_event_versions(const JsonReader& r, const Range& range, const std::string& ecosystem,
                          const std::string& path) {
  const auto rule = version_rule(range, ecosystem);
  if (!rule) return;
  for (std::size_t e = 0; e < range.events.size(); ++e) {
    const Event& ev = range.events[e];
    if (ev.kind == Event::Kind::limit || (ev.kind == Event::Kind::introduced && ev.version == "0")) continue;
    if (!valid_version(*rule, ev.version)) {
      r.fail(at(path, e), "\"" + ev.version + "\" is not a version this range can order (" +
                              (*rule == VersionRule::semver ? "SemVer" : *rule == VersionRule::debian ? "Debian" : "a number first") + ")");
    }
  }
}

Range::Type range_type(const JsonReader& r, const std::string& type, const std::string& path) {
  if (type == "SEMVER") return Range::Type::semver;
  if (type == "ECOSYSTEM") return Range::Type::ecosystem;
  if (type != "GIT") r.fail(path, "unknown range type \"" + type + "\" (SEMVER, ECOSYSTEM or GIT)");
  return Range::Type::git;
}

Range parse_range(const JsonReader& r, const Json& range, const std::string& kp, const std::string& ecosystem) {
  r.object(range, kp);
  Range out;
  out.type = range_type(r, r.string(r.require(range, "type", kp), at(kp, "type")), at(kp, "type"));
  if (out.type == Range::Type::git) out.repo = r.string(r.require(range, "repo", kp), at(kp, "repo"));
  const std::string ep = at(kp, "events");
  const Json& events = r.array(r.require(range, "events", kp), ep);
  bool introduced = false;
  bool fixed = false;
  bool last = false;
  for (std::size_t e = 0; e < events.size(); ++e) {
    Event ev{Event::Kind::introduced, {}};
    ev.kind = event_kind(r, events[e], at(ep, e), &ev.version);
    introduced |= ev.kind == Event::Kind::introduced;
    fixed |= ev.kind == Event::Kind::fixed;
    last |= ev.kind == Event::Kind::last_affected;
    out.events.push_back(std::move(ev));
  }
  if (!introduced) r.fail(ep, "a range needs an \"introduced\" event");
  if (fixed && last) r.fail(ep, "\"fixed\" and \"last_affected\" must not be mixed in one range");
  check_event_versions(r, out, ecosystem, ep);
  return out;
}

void parse_package(const JsonReader& r, const Json& pkg, const std::string& pp, Affected& out) {
  r.object(pkg, pp);
  out.ecosystem = r.opt_string(pkg, "ecosystem", pp);
  out.name = r.opt_string(pkg, "name", pp);
  out.purl = r.opt_string(pkg, "purl", pp);
  if (!out.purl.empty() && !parse_purl(out.purl)) r.fail(at(pp, "purl"), "not a valid purl: " + out.purl);
  if (out.purl.empty() && (out.ecosystem.empty() || out.name.empty())) {
    r.fail(pp, "needs a purl, or an ecosystem and a name");
  }
}

Affected parse_affected(const JsonReader& r, const Json& a, const std::string& p) {
  r.object(a, p);
  Affected out;
  if (const Json* pkg = JsonReader::find(a, "package")) parse_package(r, *pkg, at(p, "package"), out);
  if (const Json* ranges = JsonReader::find(a, "ranges")) {
    const std::string rp = at(p, "ranges");
    r.array(*ranges, rp);
    for (std::size_t k = 0; k < ranges->size(); ++k) out.ranges.push_back(parse_range(r, (*ranges)[k], at(rp, k), out.ecosystem));
  }
  out.versions = r.string_list(a, "versions", p);
  if (const Json* sev = JsonReader::find(a, "severity")) out.rating = osv_severity(r, *sev, at(p, "severity"));
  if (out.ecosystem.empty() && out.purl.empty()) {
    // Allowed by OSV for GIT ranges alone: the repository names the package.
    const bool has_git = std::any_of(out.ranges.begin(), out.ranges.end(),
                                     [](const Range& x) { return x.type == Range::Type::git; });
    if (!has_git) r.fail(p, "names no package (package, or a GIT range with a repo)");
  }
  return out;
}

void osv_database_specific(const JsonReader& r, const Json& root, Vulnerability& v) {
  const Json* db = JsonReader::find(root, "database_specific");
  if (db == nullptr) return;
  r.object(*db, "/database_specific");
  if (v.rating.severity == Severity::unknown) {
    if (const Json* word = JsonReader::find(*db, "severity")) {
      if (auto sev = parse_severity(r.string(*word, "/database_specific/severity"))) {
        v.rating.severity = *sev;
        if (v.rating.method.empty()) v.rating.method = "other";
      }
    }
  }
  if (const Json* ward = JsonReader::find(*db, "ward")) {
    v.features = r.string_list(r.object(*ward, "/database_specific/ward"), "features", "/database_specific/ward");
  }
}

Vulnerability parse_osv(const JsonReader& r, const Json& root) {
  Vulnerability v;
  v.file = r.file();
  v.source = "OSV";
  v.id = r.string(r.require(root, "id", ""), "/id");
  if (v.id.empty()) r.fail("/id", "empty id");
  v.modified = r.string(r.require(root, "modified", ""), "/modified");
  v.aliases = r.string_list(root, "aliases", "");
  v.summary = r.opt_string(root, "summary", "");
  v.text = v.summary + "\n" + r.opt_string(root, "details", "");
  if (v.summary.empty()) v.summary = r.opt_string(root, "details", "").substr(0, 200);
  if (const Json* sev = JsonReader::find(root, "severity")) {
    if (auto rating = osv_severity(r, *sev, "/severity")) v.rating = *rating;
  }
  osv_database_specific(r, root, v);
  const Json* affected = JsonReader::find(root, "affected");
  if (affected == nullptr) return v;
  r.array(*affected, "/affected");
  for (std::size_t i = 0; i < affected->size(); ++i) v.affected.push_back(parse_affected(r, (*affected)[i], at("/affected", i)));
  return v;
}

// One NVD cvssData's rating. A v3 vector decides: a baseScore that contradicts it (or -0.0, which
// would read as "none") is an error, never a lower severity than the vector says.
Rating nvd_rating(const JsonReader& r, const Json& data, const std::string& path, const char* method,
                  const std::string& vector) {
  std::optional<double> computed;
  if (vector.rfind("CVSS:3", 0) == 0) {
    std::string error;
    computed = cvss3_base_score(vector, &error);
    if (!computed) r.fail(path, error);
  }
  const Json* score = JsonReader::find(data, "baseScore");
  if (score == nullptr) {
    if (!computed) r.fail(path, "no baseScore");
    return rating_from_score(*computed, method, vector);
  }
  const std::string score_path = at(path, "baseScore");
  const double s = r.number(*score, score_path);
  if (std::signbit(s) || s > 10.0) r.fail(score_path, "outside 0-10");
  if (computed && std::fabs(*computed - s) > 0.05) {
    char why[96];
    (void)std::snprintf(why, sizeof why, "%.1f contradicts its vector, whose base score is %.1f", s, *computed);
    r.fail(score_path, why);
  }
  return rating_from_score(s, method, vector);
}

std::optional<Rating> nvd_metric(const JsonReader& r, const Json& metrics, const char* key, const std::string& path,
                                 const char* method) {
  const Json* list = JsonReader::find(metrics, key);
  if (list == nullptr) return std::nullopt;
  const std::string p = at(path, key);
  r.array(*list, p);
  std::optional<Rating> first;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const std::string mp = at(p, i);
    const Json& m = r.object((*list)[i], mp);
    const Json& data = r.object(r.require(m, "cvssData", mp), at(mp, "cvssData"));
    const std::string vector = r.opt_string(data, "vectorString", at(mp, "cvssData"));
    const Rating rating = nvd_rating(r, data, at(mp, "cvssData"), method, vector);
    const bool primary = r.opt_string(m, "type", mp) == "Primary";
    if (primary) return rating;
    if (!first) first = rating;
  }
  return first;
}

// A version bound or the CPE's own version: a number first (NVD's versions are free text, and one
// that cannot be ordered would decide "not affected" by accident).
void check_nvd_version(const JsonReader& r, const std::string& version, const std::string& path) {
  if (!valid_version(VersionRule::generic, version)) {
    r.fail(path, "\"" + version + "\" is not a version that can be ordered (it must start with a number)");
  }
}

// Whether the CPE's vendor or product holds an unescaped '*' or '?' other than a lone "*".
bool has_inner_wildcard(std::string_view cpe) {
  std::size_t field = 0;
  std::string value;
  bool wild = false;
  for (std::size_t i = 0; i <= cpe.size(); ++i) {
    if (i == cpe.size() || cpe[i] == ':') {
      if ((field == 3 || field == 4) && wild && value != "*") return true;
      ++field;
      value.clear();
      wild = false;
      continue;
    }
    if (cpe[i] == '\\' && i + 1 < cpe.size()) {
      value.push_back(cpe[++i]);
      continue;
    }
    wild |= cpe[i] == '*' || cpe[i] == '?';
    value.push_back(cpe[i]);
  }
  return false;
}

Affected parse_cpe_match(const JsonReader& r, const Json& m, const std::string& kp) {
  Affected a;
  a.is_cpe = true;
  a.cpe = r.string(r.require(m, "criteria", kp), at(kp, "criteria"));
  const auto cpe = parse_cpe23(a.cpe);
  if (!cpe) r.fail(at(kp, "criteria"), "not a CPE 2.3 name: " + a.cpe);
  if (cpe->version != "*" && cpe->version != "-") check_nvd_version(r, cpe->version, at(kp, "criteria"));
  // "*" alone is ANY and matches; a wildcard inside a vendor or product ("mbed*") is not evaluated,
  // and read as a literal it would match nothing: refused.
  if (has_inner_wildcard(a.cpe)) r.fail(at(kp, "criteria"), "a wildcard inside a CPE vendor or product is not supported: " + a.cpe);
  std::string* bounds[] = {&a.start_including, &a.start_excluding, &a.end_including, &a.end_excluding};
  const char* keys[] = {"versionStartIncluding", "versionStartExcluding", "versionEndIncluding", "versionEndExcluding"};
  for (std::size_t i = 0; i < 4; ++i) {
    *bounds[i] = r.opt_string(m, keys[i], kp);
    if (JsonReader::find(m, keys[i]) != nullptr) check_nvd_version(r, *bounds[i], at(kp, keys[i]));
  }
  return a;
}

void parse_cpe_matches(const JsonReader& r, const Json& matches, const std::string& mp, Vulnerability& v) {
  r.array(matches, mp);
  for (std::size_t k = 0; k < matches.size(); ++k) {
    const std::string kp = at(mp, k);
    const Json& m = r.object(matches[k], kp);
    const Json& vulnerable = r.require(m, "vulnerable", kp);
    if (!vulnerable.is_boolean()) r.fail(at(kp, "vulnerable"), "expected true or false");
    // Platform conditions (vulnerable: false, "running on ...") are not evaluated: a
    // vulnerable product match alone decides, which can only over-report.
    if (!vulnerable.get<bool>()) continue;
    v.affected.push_back(parse_cpe_match(r, m, kp));
  }
}

void parse_nvd_nodes(const JsonReader& r, const Json& nodes, const std::string& path, Vulnerability& v, int depth) {
  if (depth > 8) r.fail(path, "configuration nodes nested too deep");
  r.array(nodes, path);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const std::string np = at(path, i);
    const Json& node = r.object(nodes[i], np);
    if (const Json* matches = JsonReader::find(node, "cpeMatch")) parse_cpe_matches(r, *matches, at(np, "cpeMatch"), v);
    if (const Json* children = JsonReader::find(node, "children")) {
      parse_nvd_nodes(r, *children, at(np, "children"), v, depth + 1);
    }
  }
}

void nvd_descriptions(const JsonReader& r, const Json& cve, const std::string& path, Vulnerability& v) {
  const Json* descriptions = JsonReader::find(cve, "descriptions");
  if (descriptions == nullptr) return;
  const std::string dp = at(path, "descriptions");
  r.array(*descriptions, dp);
  for (std::size_t i = 0; i < descriptions->size(); ++i) {
    const Json& d = r.object((*descriptions)[i], at(dp, i));
    // Every language's text is searched for product names (a record with "en-US" or only "es"
    // must not be silently unnamed); the summary is the English one.
    const std::string text = r.opt_string(d, "value", at(dp, i));
    if (r.opt_string(d, "lang", at(dp, i)) == "en" || v.summary.empty()) v.summary = text.substr(0, 200);
    v.text += text + "\n";
  }
}

void nvd_metrics(const JsonReader& r, const Json& cve, const std::string& path, Vulnerability& v) {
  const Json* metrics = JsonReader::find(cve, "metrics");
  if (metrics == nullptr) return;
  const std::string mp = at(path, "metrics");
  r.object(*metrics, mp);
  // Every family is read (and checked); the most severe decides, so a lower rating in a family
  // listed first (v3.1 from a secondary source beside NVD's v4.0) cannot pass a gate the other fails.
  std::optional<Rating> chosen;
  for (const auto& [key, method] : {std::pair{"cvssMetricV31", "CVSSv31"}, std::pair{"cvssMetricV30", "CVSSv3"},
                                    std::pair{"cvssMetricV40", "CVSSv4"}, std::pair{"cvssMetricV2", "CVSSv2"}}) {
    auto rating = nvd_metric(r, *metrics, key, mp, method);
    if (rating && (!chosen || rank(rating->severity) > rank(chosen->severity))) chosen = std::move(rating);
  }
  if (chosen) v.rating = *chosen;
}

Vulnerability parse_nvd_cve(const JsonReader& r, const Json& cve, const std::string& path) {
  r.object(cve, path);
  Vulnerability v;
  v.file = r.file();
  v.source = "NVD";
  v.id = r.string(r.require(cve, "id", path), at(path, "id"));
  if (v.id.empty()) r.fail(at(path, "id"), "empty id");
  v.modified = r.opt_string(cve, "lastModified", path);
  v.status = r.opt_string(cve, "vulnStatus", path);
  nvd_descriptions(r, cve, path, v);
  nvd_metrics(r, cve, path, v);
  if (const Json* configurations = JsonReader::find(cve, "configurations")) {
    const std::string cp = at(path, "configurations");
    r.array(*configurations, cp);
    for (std::size_t i = 0; i < configurations->size(); ++i) {
      const Json& c = r.object((*configurations)[i], at(cp, i));
      parse_nvd_nodes(r, r.require(c, "nodes", at(cp, i)), at(at(cp, i), "nodes"), v, 0);
    }
  }
  return v;
}

// NVD rejects a CVE id that should not have been assigned: it is no vulnerability (like a withdrawn
// OSV record), and its text would only make it "needs review".
void add_unless_rejected(std::vector<Vulnerability>& out, Vulnerability v) {
  if (v.status != "Rejected") out.push_back(std::move(v));
}

void parse_nvd_page(const JsonReader& r, const Json& root, std::vector<Vulnerability>& out) {
  const std::string version = r.opt_string(root, "version", "");
  if (!version.empty() && version != "2.0") r.fail("/version", "NVD JSON version " + version + " (2.0 is read)");
  const Json& list = r.array(r.require(root, "vulnerabilities", ""), "/vulnerabilities");
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string p = at("/vulnerabilities", i);
    add_unless_rejected(out, parse_nvd_cve(r, r.require(r.object(list[i], p), "cve", p), at(p, "cve")));
  }
}

// Members only an OSV record has, and members only an NVD CVE object has ("id" is in both).
constexpr const char* osv_keys[] = {"modified", "affected", "schema_version", "details", "summary", "withdrawn"};
constexpr const char* nvd_keys[] = {"lastModified", "vulnStatus", "sourceIdentifier", "descriptions", "configurations"};

const char* first_member(const Json& root, const auto& keys) {
  for (const char* key : keys) {
    if (root.contains(key)) return key;
  }
  return nullptr;
}

// The formats a record file may be in, told apart by their members; an ambiguous or unknown file
// is an error, never a guess.
enum class RecordFormat { nvd_page, nvd_wrapped, nvd_bare, osv };

RecordFormat record_format(const JsonReader& r, const Json& root) {
  if (root.contains("CVE_Items")) r.fail("/CVE_Items", "NVD JSON 1.1 feeds are retired; use the NVD CVE API 2.0 format");
  if (root.contains("dataType") && root.contains("cveMetadata")) {
    r.fail("/dataType", "a CVE JSON 5 record (CVE List); use the NVD CVE API 2.0 or OSV format");
  }
  if (root.contains("vulnerabilities")) return RecordFormat::nvd_page;
  if (root.contains("cve")) return RecordFormat::nvd_wrapped;
  const char* osv = first_member(root, osv_keys);
  const char* nvd = first_member(root, nvd_keys);
  if (osv != nullptr && nvd != nullptr) {
    r.fail("", std::string("ambiguous: has OSV's \"") + osv + "\" and NVD's \"" + nvd + "\"");
  }
  if (nvd != nullptr) return RecordFormat::nvd_bare;
  if (osv == nullptr && !root.contains("id")) {
    r.fail("", "neither an OSV record (id, modified, affected) nor NVD CVE API 2.0 JSON (vulnerabilities[].cve, "
               "{\"cve\": ...} or a bare CVE object)");
  }
  return RecordFormat::osv;
}

bool glob_match(std::string_view pattern, std::string_view text) {
  // '*' matches any run of characters (including '/'); iterative with one backtrack point.
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

// Whether an OSV "withdrawn" time has passed: it must be an RFC 3339 time (YYYY-MM-DDThh:mm:ss...;
// its offset is not applied, a few hours at most).
bool withdrawn_now(const JsonReader& r, const std::string& when) {
  static constexpr std::string_view shape = "dddd-dd-ddTdd:dd:dd";
  bool ok = when.size() >= shape.size();
  for (std::size_t i = 0; ok && i < shape.size(); ++i) {
    ok = shape[i] == 'd' ? (when[i] >= '0' && when[i] <= '9') : (when[i] == shape[i] || (shape[i] == 'T' && when[i] == 't'));
  }
  if (!ok) r.fail("/withdrawn", "not an RFC 3339 time: \"" + when + "\"");
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char now[32];
  const std::size_t n = std::strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string w = when.substr(0, shape.size());
  w[10] = 'T';
  return w <= std::string(now, n);
}

enum class RecordFile { json, compressed, other };

// "*.json" in any case ("CVE-1.JSON"); a compressed feed ("nvdcve-2.0-2024.json.gz", as NVD serves
// them) is an error, never skipped: either would leave its records out in silence.
RecordFile record_file(const std::string& name) {
  const std::string n = lower(name);
  const auto ends = [&](std::string_view suffix) {
    return n.size() >= suffix.size() && n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (ends(".json")) return RecordFile::json;
  for (const char* z : {".json.gz", ".json.xz", ".json.bz2", ".json.zst", ".json.zip", ".json.lz4", ".json.7z"}) {
    if (ends(z)) return RecordFile::compressed;
  }
  return RecordFile::other;
}

}  // namespace

bool feature_file_match(std::string_view pattern, std::string_view file) { return glob_match(pattern, file); }

std::vector<Vulnerability> parse_records(const std::string& file, std::string_view text) {
  const Json root = parse_json_text(file, text);
  JsonReader r(file);
  r.object(root, "");
  std::vector<Vulnerability> out;
  switch (record_format(r, root)) {
    case RecordFormat::nvd_page: parse_nvd_page(r, root, out); break;
    case RecordFormat::nvd_wrapped: add_unless_rejected(out, parse_nvd_cve(r, r.require(root, "cve", ""), "/cve")); break;
    case RecordFormat::nvd_bare: add_unless_rejected(out, parse_nvd_cve(r, root, "")); break;
    case RecordFormat::osv:
      if (const Json* withdrawn = JsonReader::find(root, "withdrawn")) {
        // Withdrawn at a time (RFC 3339): no longer a vulnerability. Anything else ("", "yes") or a
        // time still to come must not drop the record in silence.
        if (withdrawn_now(r, r.string(*withdrawn, "/withdrawn"))) break;
      }
      out.push_back(parse_osv(r, root));
      break;
  }
  return out;
}

void check_duplicate_ids(const std::vector<Vulnerability>& records) {
  std::map<std::pair<std::string, std::string>, const Vulnerability*> seen;  // (source, id) -> first
  for (const auto& v : records) {
    auto [it, inserted] = seen.emplace(std::make_pair(v.source, v.id), &v);
    if (inserted || it->second->modified == v.modified) continue;
    throw InputError(v.file, v.source + " record " + v.id + " is also in " + it->second->file +
                                 ", modified at another time (" + it->second->modified + " there, " + v.modified +
                                 " here): keep only the current one");
  }
}

std::vector<Vulnerability> load_vulndb(const std::vector<std::string>& dirs, std::size_t* files_read) {
  namespace fs = std::filesystem;
  std::vector<Vulnerability> out;
  std::size_t count = 0;
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) throw InputError(dir, "not a directory of vulnerability records");
    std::vector<std::string> files;
    // Linked directories are read like any other (not following them left their records out in
    // silence); one seen before (a loop, a second link) is not entered again.
    std::set<fs::path> seen{fs::canonical(dir, ec)};
    for (fs::recursive_directory_iterator it(dir, fs::directory_options::follow_directory_symlink, ec), end;
         !ec && it != end; it.increment(ec)) {
      if (it->is_directory(ec)) {
        if (!ec && !seen.insert(fs::canonical(it->path(), ec)).second) it.disable_recursion_pending();
        continue;
      }
      // Every .json entry that is not a directory is a record file: one that is not a regular file
      // (a FIFO, a device, a broken link) is reported by the read, never skipped in silence (a
      // skipped record would make the check fail open).
      const RecordFile kind = record_file(it->path().filename().string());
      if (kind == RecordFile::compressed) {
        throw InputError(it->path().string(), "a compressed record file: decompress it (ward-vuln reads *.json)");
      }
      if (kind == RecordFile::json) files.push_back(it->path().string());
    }
    if (ec) throw InputError(dir, "cannot list the directory: " + ec.message());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      auto records = parse_records(f, read_text_file(f));
      out.insert(out.end(), std::make_move_iterator(records.begin()), std::make_move_iterator(records.end()));
      ++count;
    }
  }
  check_duplicate_ids(out);
  if (files_read != nullptr) *files_read = count;
  return out;
}

FeatureMap parse_feature_map(const std::string& file, std::string_view text) {
  const Json root = parse_json_text(file, text);
  JsonReader r(file);
  r.object(root, "");
  FeatureMap map;
  const Json& features = r.object(r.require(root, "features", ""), "/features");
  for (const auto& [name, f] : features.items()) {
    const std::string p = "/features/" + name;
    r.object(f, p);
    Feature out;
    out.name = name;
    out.component = r.string(r.require(f, "component", p), at(p, "component"));
    out.requires_ = r.string_list(f, "requires", p);
    out.files = r.string_list(f, "files", p);
    out.description = r.opt_string(f, "description", p);
    if (out.requires_.empty() && out.files.empty()) r.fail(p, "needs \"requires\" (options) or \"files\"");
    map.features.emplace(name, std::move(out));
  }
  if (const Json* vulns = JsonReader::find(root, "vulnerabilities")) {
    r.object(*vulns, "/vulnerabilities");
    for (const auto& [id, names] : vulns->items()) {
      const std::string p = "/vulnerabilities/" + id;
      r.array(names, p);
      std::vector<std::string> list;
      for (std::size_t i = 0; i < names.size(); ++i) {
        list.push_back(r.string(names[i], at(p, i)));
        if (map.features.find(list.back()) == map.features.end()) r.fail(at(p, i), "unknown feature \"" + list.back() + "\"");
      }
      map.by_vulnerability[id] = std::move(list);
    }
  }
  return map;
}

void check_features(const FeatureMap& map, const std::vector<Vulnerability>& records) {
  for (const auto& v : records) {
    for (const auto& name : v.features) {
      if (map.features.find(name) == map.features.end()) {
        throw InputError(v.file, "/database_specific/ward/features: unknown feature \"" + name +
                                     "\" (not in the feature map; pass --features)");
      }
    }
  }
}

}  // namespace ward::vuln
