#include "match.hpp"

#include <algorithm>
#include <map>
#include <numeric>
#include <optional>
#include <set>

#include "identity.hpp"
#include "version.hpp"

namespace ward::vuln {

bool applicable(Status s) { return s == Status::affected || s == Status::triage; }

std::string_view to_string(Status s) {
  switch (s) {
    case Status::affected: return "affected";
    case Status::triage: return "needs triage";
    case Status::review: return "needs review";
    case Status::fixed: return "fixed";
    case Status::not_affected: return "not affected";
  }
  return "?";
}

namespace {

// How a component was recognised, and its version as that identity spells it.
struct Identity {
  std::string version;
  VersionScheme scheme = VersionScheme::semver;
  std::string update;  // a CPE's update field ("rc1"), when it has one
};

// One affected entry's verdict on the component's version; fixes are settled per record (below).
struct Verdict {
  Status status = Status::not_affected;
  std::string detail;
};

// A fix a record names: fixed in `version`, or (after) in the first release after it.
struct Fix {
  std::string version;
  bool after = false;
  VersionScheme scheme = VersionScheme::semver;
};

// Report order: what needs acting on first.
int priority(Status s) {
  switch (s) {
    case Status::affected: return 0;
    case Status::triage: return 1;
    case Status::review: return 2;
    case Status::fixed: return 3;
    case Status::not_affected: return 4;
  }
  return 4;
}

// Merging records of one vulnerability: the worst structured verdict wins; "needs review" (no
// product data) only stands when no record of the vulnerability has structured data.
int merge_rank(Status s) { return s == Status::review ? 5 : priority(s); }

std::vector<Purl> purls_of(const Component& c) {
  std::vector<Purl> out;
  for (const auto& s : c.purls) {
    if (auto p = parse_purl(s)) out.push_back(*p);
  }
  return out;
}

Identity identity_of(const Purl& p) {
  return {p.version, p.type == "deb" ? VersionScheme::debian : VersionScheme::semver, ""};
}

// The release a distro qualifier or an ecosystem suffix names: its first run of digits and dots
// ("12" in "Debian:12", "12.4" in "debian-12.4", "3.18" in "Alpine:v3.18").
std::string release_number(std::string_view s) {
  const auto start = s.find_first_of("0123456789");
  if (start == std::string_view::npos) return "";
  std::string out;
  for (std::size_t i = start; i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.'); ++i) out.push_back(s[i]);
  while (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

// One release names the other when equal or when one is the other's point release: "Debian:12"
// applies to distro=debian-12.4 (as Trivy writes it), "Alpine:v3.18" to distro=3.18.4.
bool same_release(const std::string& a, const std::string& b) {
  const std::string& shorter = a.size() <= b.size() ? a : b;
  const std::string& longer = a.size() <= b.size() ? b : a;
  return longer == shorter || (longer.rfind(shorter, 0) == 0 && longer[shorter.size()] == '.');
}

// "Debian:12" applies to a deb purl with distro=debian-12 or a point release of it (or no distro);
// codenames are not mapped.
bool release_matches(std::string_view suffix, const Purl& p) {
  auto it = p.qualifiers.find("distro");
  if (suffix.empty() || it == p.qualifiers.end()) return true;
  const std::string want = release_number(suffix);
  const std::string have = release_number(it->second);
  return want.empty() || have.empty() || same_release(want, have);
}

// A package name as the ecosystem compares it: PyPI's are the same whatever the case and however
// '-', '_' and '.' are mixed (PEP 503; a purl writes "typing-extensions" for "typing_extensions").
std::string ecosystem_name(std::string_view ecosystem, std::string_view name) {
  std::string out = lower(name);
  if (ecosystem != "PyPI") return out;
  std::string norm;
  for (char c : out) {
    const bool sep = c == '-' || c == '_' || c == '.';
    if (!sep) {
      norm.push_back(c);
    } else if (norm.empty() || norm.back() != '-') {
      norm.push_back('-');
    }
  }
  return norm;
}

// The package a purl names, in each spelling an OSV name may use: the name alone, or with its
// namespace joined by '/' (npm, Go, Packagist) or ':' (Maven's "group:artifact").
bool osv_name_matches(std::string_view ecosystem, const std::string& wanted, const Purl& p) {
  const std::string want = ecosystem_name(ecosystem, wanted);
  if (ecosystem_name(ecosystem, p.name) == want) return true;
  if (p.ns.empty()) return false;
  return ecosystem_name(ecosystem, p.ns + "/" + p.name) == want || ecosystem_name(ecosystem, p.ns + ":" + p.name) == want;
}

// GIT ranges name the package by its repository, whatever else the entry names (an OSS-Fuzz
// record's ecosystem "OSS-Fuzz" and purl "pkg:generic/mbedtls" name no component).
std::optional<Identity> match_git_ranges(const Affected& a, const std::vector<Purl>& purls) {
  for (const auto& r : a.ranges) {
    if (r.type != Range::Type::git) continue;
    for (const auto& p : purls) {
      if (purl_repository(p) == repo_key(r.repo)) return identity_of(p);
    }
  }
  return std::nullopt;
}

std::optional<Identity> match_osv_package(const Affected& a, const std::vector<Purl>& purls) {
  if (!a.purl.empty()) {
    const auto wanted = parse_purl(a.purl);
    for (const auto& p : purls) {
      if (wanted && same_package(*wanted, p)) return identity_of(p);
    }
    return std::nullopt;
  }
  if (a.ecosystem.empty()) return std::nullopt;
  const std::string base = a.ecosystem.substr(0, a.ecosystem.find(':'));
  const std::string suffix = a.ecosystem.find(':') == std::string::npos ? "" : a.ecosystem.substr(a.ecosystem.find(':') + 1);
  if (base == "GIT") {
    for (const auto& p : purls) {
      if (purl_repository(p) == repo_key(a.name)) return identity_of(p);
    }
    return std::nullopt;
  }
  static const std::map<std::string, std::pair<std::string, std::string>> types = {
      {"debian", {"deb", "debian"}}, {"ubuntu", {"deb", "ubuntu"}}, {"alpine", {"apk", "alpine"}},
      {"npm", {"npm", ""}},          {"pypi", {"pypi", ""}},        {"crates.io", {"cargo", ""}},
      {"go", {"golang", ""}},        {"maven", {"maven", ""}},      {"nuget", {"nuget", ""}},
      {"rubygems", {"gem", ""}},     {"packagist", {"composer", ""}}, {"conancenter", {"conan", ""}},
      {"hex", {"hex", ""}},          {"pub", {"pub", ""}}};
  // Case-insensitive: a record spelling "debian" must not silently name nothing.
  auto t = types.find(lower(base));
  if (t == types.end()) return std::nullopt;
  const auto& [type, ns] = t->second;
  const std::string eco = t->first == "pypi" ? "PyPI" : "";
  for (const auto& p : purls) {
    if (p.type == type && (ns.empty() || lower(p.ns) == ns) && osv_name_matches(eco, a.name, p) &&
        release_matches(suffix, p)) {
      return identity_of(p);
    }
  }
  return std::nullopt;
}

std::optional<Identity> match_osv(const Affected& a, const Component& c) {
  const std::vector<Purl> purls = purls_of(c);
  if (auto id = match_osv_package(a, purls)) return id;
  return match_git_ranges(a, purls);
}

std::optional<Identity> match_cpe(const Affected& a, const Component& c) {
  const auto wanted = parse_cpe23(a.cpe);
  if (!wanted) return std::nullopt;
  for (const auto& s : c.cpes) {
    const auto have = parse_cpe23(s);
    // "*" is ANY in a CPE match (wildcards inside a name are refused when the record is read).
    const auto field = [](const std::string& want, const std::string& got) { return want == "*" || want == got; };
    if (have && field(wanted->part, have->part) && field(wanted->vendor, have->vendor) &&
        field(wanted->product, have->product)) {
      const bool any_update = have->update.empty() || have->update == "*" || have->update == "-";
      return Identity{have->version, VersionScheme::semver, any_update ? "" : have->update};
    }
  }
  return std::nullopt;
}

VersionRule rule_of(VersionScheme scheme) {
  return scheme == VersionScheme::debian ? VersionRule::debian : VersionRule::generic;
}

VersionScheme range_scheme(const Range& r, const Affected& a, const Identity& id) {
  if (r.type == Range::Type::semver) return VersionScheme::semver;
  const std::string base = a.ecosystem.substr(0, a.ecosystem.find(':'));
  const std::string eco = lower(base);
  return (eco == "debian" || eco == "ubuntu") ? VersionScheme::debian : id.scheme;
}

// The later of two versions, kept in *best (an empty optional is "none yet").
void keep_max(std::optional<std::string>& best, std::string v, VersionScheme scheme) {
  if (!best || compare_versions(scheme, v, *best) > 0) best = std::move(v);
}

// OSV ranges without sorting the events: the version is affected when some "introduced" is at or
// below it and no "fixed" in (introduced, version] or "last_affected" in [introduced, version)
// closes that interval. Only the latest such "introduced" needs checking (whatever closes it closes
// every earlier one), against the latest fix at or below the version and the latest last_affected
// below it: one pass over the events. (Checking every introduced against every event, as before,
// took 450 s for a record of 16,000 events; issue 15's red team.) For well-formed ranges this is
// the OSV specification's walk over the sorted events.
bool in_range(const Range& r, VersionScheme scheme, const std::string& v, const std::string& name) {
  bool from_start = false;
  std::optional<std::string> intro;
  std::optional<std::string> fixed;
  std::optional<std::string> last;
  for (const auto& e : r.events) {
    if (e.kind == Event::Kind::limit) continue;
    if (e.kind == Event::Kind::introduced && e.version == "0") {
      from_start = true;
      continue;
    }
    std::string ev = normalize_version(e.version, name);
    const int c = compare_versions(scheme, ev, v);
    if (e.kind == Event::Kind::introduced && c <= 0) keep_max(intro, std::move(ev), scheme);
    else if (e.kind == Event::Kind::fixed && c <= 0) keep_max(fixed, std::move(ev), scheme);
    else if (e.kind == Event::Kind::last_affected && c < 0) keep_max(last, std::move(ev), scheme);
  }
  if (!intro) return from_start && !fixed && !last;
  const bool closed = (fixed && compare_versions(scheme, *fixed, *intro) > 0) ||
                      (last && compare_versions(scheme, *last, *intro) >= 0);
  return !closed;
}

Verdict cannot_order(const std::string& v) {
  return {Status::triage, "the SBOM's version \"" + v + "\" cannot be ordered against the record's versions"};
}

// A bound the component's version cannot be ordered against for sure (version.hpp), if any.
std::optional<Verdict> ambiguous_against(VersionScheme scheme, const std::string& v, const std::string& bound,
                                         const std::string& name) {
  if (scheme == VersionScheme::debian || bound.empty() || bound == "0") return std::nullopt;
  const std::string b = normalize_version(bound, name);
  if (!ambiguous_order(v, b)) return std::nullopt;
  return Verdict{Status::triage, "the SBOM's version \"" + v + "\" and the record's \"" + b +
                                     "\" have no order all ecosystems agree on (pre-release, patch letter or epoch)"};
}

std::optional<Verdict> ambiguous_range(const Range& r, VersionScheme scheme, const std::string& v, const std::string& name) {
  for (const auto& e : r.events) {
    if (e.kind == Event::Kind::limit) continue;
    if (auto verdict = ambiguous_against(scheme, v, e.version, name)) return verdict;
  }
  return std::nullopt;
}

// A listed version names the component's when they are the same version in the range's order
// ("3.6.06" is 3.6.6), not only the same text.
bool listed_version(const Affected& a, const Identity& id, const std::string& listed, const std::string& v,
                    const std::string& name) {
  const std::string l = normalize_version(listed, name);
  if (l == v) return true;
  const VersionScheme scheme = a.ranges.empty() ? id.scheme : range_scheme(a.ranges.front(), a, id);
  return valid_version(rule_of(scheme), l) && valid_version(rule_of(scheme), v) &&
         !ambiguous_order(l, v) && compare_versions(scheme, l, v) == 0;
}

Verdict check_osv(const Affected& a, const Identity& id, const std::string& name) {
  const std::string v = normalize_version(id.version, name);
  if (v.empty()) return {Status::triage, "the SBOM gives no version for the component"};
  for (const auto& listed : a.versions) {
    if (listed_version(a, id, listed, v, name)) return {Status::affected, "version " + v + " is listed as affected"};
  }
  bool evaluated = !a.versions.empty();
  bool git_only = false;
  for (const auto& r : a.ranges) {
    if (r.type == Range::Type::git) {
      git_only = true;
      continue;
    }
    evaluated = true;
    const VersionScheme scheme = range_scheme(r, a, id);
    // A SEMVER range orders SemVer: "3.6.7rc1" is none, and dpkg's order would put it after 3.6.7.
    const VersionRule rule = r.type == Range::Type::semver ? VersionRule::semver : rule_of(scheme);
    if (!valid_version(rule, v)) return cannot_order(v);
    if (auto verdict = ambiguous_range(r, scheme, v, name)) return *verdict;
    if (in_range(r, scheme, v, name)) return {Status::affected, "version " + v + " is in an affected range"};
  }
  if (evaluated) return {Status::not_affected, "version " + v + " is outside the affected ranges"};
  if (git_only) {
    return {Status::triage, "the record gives only GIT commit ranges and no version list; decide by hand"};
  }
  return {Status::triage, "the record names the package but no affected versions"};
}

Verdict check_cpe(const Affected& a, const Identity& id, const std::string& name) {
  const std::string v = normalize_version(id.version, name);
  if (v.empty() || v == "*" || v == "-") return {Status::triage, "the SBOM's CPE gives no version"};
  if (!valid_version(VersionRule::generic, v)) return cannot_order(v);
  // 3.6.6 update rc1 is before 3.6.6, update sp1 after it: no order ward-vuln can know.
  if (!id.update.empty()) {
    return {Status::triage, "the SBOM's CPE gives version " + v + " update \"" + id.update + "\", which cannot be ordered"};
  }
  auto cmp = [&](const std::string& x) { return compare_versions(VersionScheme::semver, v, normalize_version(x, name)); };
  const auto crit = parse_cpe23(a.cpe);
  const std::string exact = crit ? crit->version : "";
  for (const std::string* bound : {&exact, &a.start_including, &a.start_excluding, &a.end_including, &a.end_excluding}) {
    if (*bound == "*" || *bound == "-") continue;
    if (auto verdict = ambiguous_against(VersionScheme::semver, v, *bound, name)) return *verdict;
  }
  if (crit && crit->version != "*" && crit->version != "-" && !crit->version.empty()) {
    if (cmp(crit->version) == 0) return {Status::affected, "version " + v + " is the affected version"};
    return {Status::not_affected, "only version " + crit->version + " is affected"};
  }
  const bool ok = (a.start_including.empty() || cmp(a.start_including) >= 0) &&
                  (a.start_excluding.empty() || cmp(a.start_excluding) > 0) &&
                  (a.end_including.empty() || cmp(a.end_including) <= 0) &&
                  (a.end_excluding.empty() || cmp(a.end_excluding) < 0);
  if (ok) return {Status::affected, "version " + v + " is in the affected range"};
  return {Status::not_affected, "version " + v + " is outside the affected ranges"};
}

// The fixes an affected entry names, in the scheme they are compared in.
void collect_fixes(const Affected& a, const Identity& id, const std::string& name, std::vector<Fix>& out) {
  if (a.is_cpe) {
    if (!a.end_excluding.empty()) out.push_back({normalize_version(a.end_excluding, name), false, VersionScheme::semver});
    if (!a.end_including.empty()) out.push_back({normalize_version(a.end_including, name), true, VersionScheme::semver});
    return;
  }
  for (const auto& r : a.ranges) {
    if (r.type == Range::Type::git) continue;
    const VersionScheme scheme = range_scheme(r, a, id);
    for (const auto& e : r.events) {
      if (e.kind == Event::Kind::fixed || e.kind == Event::Kind::last_affected) {
        out.push_back({normalize_version(e.version, name), e.kind == Event::Kind::last_affected, scheme});
      }
    }
  }
}

std::string fix_text(const Fix& f) { return f.after ? "after " + f.version : f.version; }

// For an affected version: the first fix above it on its branch ("" if none).
std::string next_fix_on_branch(const std::vector<Fix>& fixes, const std::string& v) {
  const std::string branch = version_branch(v);
  const Fix* best = nullptr;
  for (const auto& f : fixes) {
    if (f.after || version_branch(f.version) != branch || compare_versions(f.scheme, f.version, v) <= 0) continue;
    if (best == nullptr || compare_versions(f.scheme, f.version, best->version) < 0) best = &f;
  }
  return best == nullptr ? "" : best->version;
}

// For a version outside the ranges: the latest fix at or below it on its branch ("" if none).
std::string fix_present_on_branch(const std::vector<Fix>& fixes, const std::string& v) {
  const std::string branch = version_branch(v);
  const Fix* best = nullptr;
  for (const auto& f : fixes) {
    const int c = compare_versions(f.scheme, f.version, v);
    if (version_branch(f.version) != branch || c > 0 || (f.after && c == 0)) continue;
    if (best == nullptr || compare_versions(f.scheme, f.version, best->version) > 0) best = &f;
  }
  return best == nullptr ? "" : fix_text(*best);
}

std::string no_branch_fix(const std::vector<Fix>& fixes, const std::string& v) {
  std::set<std::string> names;
  for (const auto& f : fixes) names.insert(fix_text(f));
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
  return "no fix on the " + version_branch(v) + " branch" + (list.empty() ? "" : "; the record's fixes: " + list);
}

// Names the fix on the component's branch, once all of the record's entries are seen.
void settle_fix(Finding& f, const std::vector<Fix>& fixes, const std::string& name) {
  const std::string v = normalize_version(f.version, name);
  if (f.status == Status::affected) {
    f.fixed_in = next_fix_on_branch(fixes, v);
    if (f.fixed_in.empty() && !fixes.empty()) f.fix_note = no_branch_fix(fixes, v);
    return;
  }
  if (f.status != Status::not_affected || fixes.empty()) return;
  f.fixed_in = fix_present_on_branch(fixes, v);
  if (f.fixed_in.empty()) {
    f.detail += "; " + no_branch_fix(fixes, v);
    return;
  }
  f.status = Status::fixed;
  f.detail = "fixed in " + f.fixed_in + " on the " + version_branch(v) + " branch; the image has " + v;
}

// Compiled-out code: every feature of the vulnerability that belongs to this component is absent.
void check_features(const Sbom& sbom, const Component& c, const Vulnerability& v, const FeatureMap& map,
                    Finding& f) {
  std::set<std::string> names(v.features.begin(), v.features.end());
  std::vector<std::string> ids = v.aliases;
  ids.push_back(v.id);
  for (const auto& id : ids) {
    if (auto it = map.by_vulnerability.find(id); it != map.by_vulnerability.end()) {
      names.insert(it->second.begin(), it->second.end());
    }
  }
  std::vector<std::string> evidence;
  std::vector<std::string> options;
  std::vector<std::string> absent_features;
  bool any = false;
  for (const auto& name : names) {
    auto it = map.features.find(name);
    if (it == map.features.end() || it->second.component != c.name) continue;
    const Feature& feature = it->second;
    any = true;
    bool absent = false;
    for (const auto& option : feature.requires_) {
      const auto enabled = config_enabled(sbom, c, option);
      if (enabled.has_value() && !*enabled) {
        absent = true;
        evidence.push_back(option + " is not enabled in the image's configuration");
        options.push_back(option);
      }
    }
    if (!absent && !feature.files.empty() && !c.files.empty()) {
      const bool compiled = std::any_of(c.files.begin(), c.files.end(), [&](const std::string& file) {
        return std::any_of(feature.files.begin(), feature.files.end(),
                           [&](const std::string& pattern) {
                             // Also below a directory ("mbedtls-3.6.6/library/ssl_tls.c"): an SBOM
                             // that names files from another root must not make every feature absent.
                             return feature_file_match(pattern, file) || feature_file_match("*/" + pattern, file);
                           });
      });
      if (!compiled) {
        absent = true;
        std::string list;
        for (const auto& p : feature.files) list += (list.empty() ? "" : ", ") + p;
        evidence.push_back("no file of " + list + " is compiled into the image");
      }
    }
    if (!absent) return;  // this feature is in the image: the vulnerability stays
    absent_features.push_back(name);
  }
  if (!any) return;
  f.status = Status::not_affected;
  f.code_not_present = true;
  f.evidence = evidence;
  f.evidence_options = options;
  std::string list;
  for (const auto& n : absent_features) list += (list.empty() ? "" : ", ") + n;
  f.detail = "code not present: the vulnerable feature (" + list + ") is compiled out";
}

std::vector<std::size_t> alias_groups(const std::vector<Vulnerability>& records) {
  std::vector<std::size_t> parent(records.size());
  std::iota(parent.begin(), parent.end(), 0);
  auto find = [&](std::size_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  std::map<std::string, std::size_t> first;
  for (std::size_t i = 0; i < records.size(); ++i) {
    std::vector<std::string> ids = records[i].aliases;
    ids.push_back(records[i].id);
    for (const auto& id : ids) {
      auto [it, inserted] = first.emplace(id, i);
      if (!inserted) parent[find(i)] = find(it->second);
    }
  }
  std::vector<std::size_t> group(records.size());
  for (std::size_t i = 0; i < records.size(); ++i) group[i] = find(i);
  return group;
}

// The most severe status any of the record's affected entries gives this component, if one names it.
// evaluate() is cut into small functions because clang-tidy 16's optional-access dataflow check
// grows with every optional alive in one function, and one function holding them all outran its
// time limit (scripts/static-analysis.py).
std::optional<Finding> strongest_match(const Component& c, const Vulnerability& v) {
  std::optional<Finding> found;
  std::vector<Fix> fixes;
  for (const auto& a : v.affected) {
    const auto id = a.is_cpe ? match_cpe(a, c) : match_osv(a, c);
    if (!id) continue;
    collect_fixes(a, *id, c.name, fixes);
    const Verdict verdict = a.is_cpe ? check_cpe(a, *id, c.name) : check_osv(a, *id, c.name);
    if (found && priority(verdict.status) >= priority(found->status)) continue;
    Finding f;
    f.vuln = &v;
    f.component = &c;
    f.status = verdict.status;
    f.detail = verdict.detail;
    f.version = id->version;
    f.rating = a.rating ? *a.rating : v.rating;
    found = std::move(f);
  }
  if (found) settle_fix(*found, fixes, c.name);
  return found;
}

// A record without product data that names the component in its text or through the map.
std::optional<Finding> review_match(const Component& c, const Vulnerability& v, const ProductMap& products) {
  if (!v.affected.empty()) return std::nullopt;
  const std::string reason = review_reason(v, c, products);
  if (reason.empty()) return std::nullopt;
  Finding f;
  f.vuln = &v;
  f.component = &c;
  f.status = Status::review;
  f.version = c.version;
  f.rating = v.rating;
  const std::string state = v.status.empty() ? "" : "NVD status \"" + v.status + "\", ";
  f.detail = state + "no product or version data; " + reason;
  return f;
}

// One finding per (component, alias group): the strongest status, then the highest severity.
void keep_stronger(std::map<std::pair<std::size_t, std::size_t>, Finding>& best,
                   const std::pair<std::size_t, std::size_t>& key, Finding found) {
  auto it = best.find(key);
  if (it == best.end()) {
    best.emplace(key, std::move(found));
    return;
  }
  Finding& kept = it->second;
  const bool replace = merge_rank(found.status) < merge_rank(kept.status) ||
                       (merge_rank(found.status) == merge_rank(kept.status) &&
                        rank(found.rating.severity) > rank(kept.rating.severity));
  if (replace) kept = std::move(found);
}

}  // namespace

std::vector<Finding> evaluate(const Sbom& sbom, const std::vector<Vulnerability>& records, const FeatureMap& features,
                              const ProductMap& products) {
  const std::vector<std::size_t> group = alias_groups(records);
  std::map<std::pair<std::size_t, std::size_t>, Finding> best;  // (component, group) -> finding
  for (std::size_t ci = 0; ci < sbom.components.size(); ++ci) {
    const Component& c = sbom.components[ci];
    for (std::size_t vi = 0; vi < records.size(); ++vi) {
      std::optional<Finding> found = strongest_match(c, records[vi]);
      if (!found) found = review_match(c, records[vi], products);
      if (!found) continue;
      if (applicable(found->status) || found->status == Status::review) check_features(sbom, c, records[vi], features, *found);
      keep_stronger(best, std::make_pair(ci, group[vi]), std::move(*found));
    }
  }
  // The element the SBOM describes is checked too, by its identity only (purl, CPE): an SBOM of a
  // library has the library there. Its text name ("hello") is not searched in descriptions.
  for (std::size_t vi = 0; vi < records.size(); ++vi) {
    std::optional<Finding> found = strongest_match(sbom.image, records[vi]);
    if (!found) continue;
    if (applicable(found->status)) check_features(sbom, sbom.image, records[vi], features, *found);
    keep_stronger(best, std::make_pair(sbom.components.size(), group[vi]), std::move(*found));
  }
  std::vector<Finding> out;
  // No structured binding here: clang-tidy 16 crashes on one over a map whose values hold a
  // std::optional (bugprone-unchecked-optional-access; clangd/clangd#1773, fixed in 17).
  for (auto& entry : best) {
    const auto& key = entry.first;
    Finding& f = entry.second;
    std::set<std::string> ids;
    for (std::size_t vi = 0; vi < records.size(); ++vi) {
      if (group[vi] != key.second) continue;
      ids.insert(records[vi].id);
      ids.insert(records[vi].aliases.begin(), records[vi].aliases.end());
    }
    ids.erase(f.vuln->id);
    f.aliases.assign(ids.begin(), ids.end());
    out.push_back(std::move(f));
  }
  std::sort(out.begin(), out.end(), [](const Finding& x, const Finding& y) {
    if (priority(x.status) != priority(y.status)) return priority(x.status) < priority(y.status);
    if (rank(x.rating.severity) != rank(y.rating.severity)) return rank(x.rating.severity) > rank(y.rating.severity);
    if (x.vuln->id != y.vuln->id) return x.vuln->id < y.vuln->id;
    return x.component->name < y.component->name;
  });
  return out;
}

}  // namespace ward::vuln
