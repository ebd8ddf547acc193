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
};

struct Verdict {
  Status status = Status::not_affected;
  std::string fixed_in;
  std::string detail;
};

int priority(Status s) {
  switch (s) {
    case Status::affected: return 0;
    case Status::triage: return 1;
    case Status::fixed: return 2;
    case Status::not_affected: return 3;
  }
  return 3;
}

std::vector<Purl> purls_of(const Component& c) {
  std::vector<Purl> out;
  for (const auto& s : c.purls) {
    if (auto p = parse_purl(s)) out.push_back(*p);
  }
  return out;
}

Identity identity_of(const Purl& p) {
  return {p.version, p.type == "deb" ? VersionScheme::debian : VersionScheme::semver};
}

std::string digits(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c >= '0' && c <= '9') out.push_back(c);
  }
  return out;
}

// "Debian:12" applies to a deb purl with distro=debian-12 (or no distro); codenames are not mapped.
bool release_matches(std::string_view suffix, const Purl& p) {
  auto it = p.qualifiers.find("distro");
  if (suffix.empty() || it == p.qualifiers.end()) return true;
  const std::string want = digits(suffix);
  const std::string have = digits(it->second);
  return want.empty() || have.empty() || want == have;
}

std::optional<Identity> match_osv(const Affected& a, const Component& c) {
  const std::vector<Purl> purls = purls_of(c);
  if (!a.purl.empty()) {
    const auto wanted = parse_purl(a.purl);
    for (const auto& p : purls) {
      if (wanted && same_package(*wanted, p)) return identity_of(p);
    }
    return std::nullopt;
  }
  if (!a.ecosystem.empty()) {
    const std::string base = a.ecosystem.substr(0, a.ecosystem.find(':'));
    const std::string suffix = a.ecosystem.find(':') == std::string::npos ? "" : a.ecosystem.substr(a.ecosystem.find(':') + 1);
    if (base == "GIT") {
      for (const auto& p : purls) {
        if (purl_repository(p) == repo_key(a.name)) return identity_of(p);
      }
      return std::nullopt;
    }
    static const std::map<std::string, std::pair<std::string, std::string>> types = {
        {"Debian", {"deb", "debian"}}, {"Ubuntu", {"deb", "ubuntu"}}, {"Alpine", {"apk", "alpine"}},
        {"npm", {"npm", ""}},          {"PyPI", {"pypi", ""}},        {"crates.io", {"cargo", ""}},
        {"Go", {"golang", ""}},        {"Maven", {"maven", ""}},      {"NuGet", {"nuget", ""}},
        {"RubyGems", {"gem", ""}},     {"Packagist", {"composer", ""}}, {"ConanCenter", {"conan", ""}},
        {"Hex", {"hex", ""}},          {"Pub", {"pub", ""}}};
    auto t = types.find(base);
    if (t == types.end()) return std::nullopt;
    const auto& [type, ns] = t->second;
    for (const auto& p : purls) {
      const std::string full = p.ns.empty() ? p.name : p.ns + "/" + p.name;
      const bool name_ok = lower(p.name) == lower(a.name) || lower(full) == lower(a.name);
      if (p.type == type && (ns.empty() || lower(p.ns) == ns) && name_ok && release_matches(suffix, p)) {
        return identity_of(p);
      }
    }
    return std::nullopt;
  }
  for (const auto& r : a.ranges) {
    if (r.type != Range::Type::git) continue;
    for (const auto& p : purls) {
      if (purl_repository(p) == repo_key(r.repo)) return identity_of(p);
    }
  }
  return std::nullopt;
}

std::optional<Identity> match_cpe(const Affected& a, const Component& c) {
  const auto wanted = parse_cpe23(a.cpe);
  if (!wanted) return std::nullopt;
  for (const auto& s : c.cpes) {
    const auto have = parse_cpe23(s);
    if (have && (wanted->part == "*" || wanted->part == have->part) && wanted->vendor == have->vendor &&
        wanted->product == have->product) {
      return Identity{have->version, VersionScheme::semver};
    }
  }
  return std::nullopt;
}

// OSV ranges without sorting the events (a sort needs a consistent order, which arbitrary version
// strings from a record do not guarantee): the version is affected when some "introduced" is at or
// below it and no "fixed" in (introduced, version] or "last_affected" in [introduced, version)
// closes that interval. For well-formed ranges this is the OSV specification's walk over the
// sorted events.
Verdict check_osv(const Affected& a, const Identity& id, const std::string& name) {
  const std::string v = normalize_version(id.version, name);
  if (v.empty()) return {Status::triage, "", "the SBOM gives no version for the component"};
  for (const auto& listed : a.versions) {
    if (normalize_version(listed, name) == v) return {Status::affected, "", "version " + v + " is listed as affected"};
  }
  bool evaluated = !a.versions.empty();
  bool git_only = false;
  std::string have_fix;
  std::string next_fix;
  bool affected = false;
  const std::string debian_base = a.ecosystem.substr(0, a.ecosystem.find(':'));
  for (const auto& r : a.ranges) {
    if (r.type == Range::Type::git) {
      git_only = true;
      continue;
    }
    evaluated = true;
    const VersionScheme scheme = r.type == Range::Type::semver ? VersionScheme::semver
                                 : (debian_base == "Debian" || debian_base == "Ubuntu") ? VersionScheme::debian
                                                                                         : id.scheme;
    auto cmp = [&](const std::string& x) { return compare_versions(scheme, normalize_version(x, name), v); };
    for (const auto& in : r.events) {
      if (in.kind != Event::Kind::introduced) continue;
      const bool from_start = in.version == "0";
      if (!from_start && cmp(in.version) > 0) continue;  // introduced after our version
      bool closed = false;
      for (const auto& e : r.events) {
        const std::string ev = normalize_version(e.version, name);
        auto after_intro = [&](bool inclusive) {
          if (from_start) return true;
          const int c = compare_versions(scheme, ev, normalize_version(in.version, name));
          return inclusive ? c >= 0 : c > 0;
        };
        if (e.kind == Event::Kind::fixed && after_intro(false) && cmp(e.version) <= 0) {
          closed = true;
          have_fix = ev;
        } else if (e.kind == Event::Kind::last_affected && after_intro(true) && cmp(e.version) < 0) {
          closed = true;
          have_fix = "after " + ev;
        }
      }
      if (!closed) affected = true;
    }
    if (affected) {
      for (const auto& e : r.events) {
        const std::string ev = normalize_version(e.version, name);
        if (e.kind == Event::Kind::fixed && cmp(e.version) > 0 &&
            (next_fix.empty() || compare_versions(scheme, ev, next_fix) < 0)) {
          next_fix = ev;
        }
      }
    }
  }
  if (affected) return {Status::affected, next_fix, "version " + v + " is in an affected range"};
  if (evaluated) {
    if (!have_fix.empty()) return {Status::fixed, have_fix, "fixed in " + have_fix + "; the image has " + v};
    return {Status::not_affected, "", "version " + v + " is outside the affected ranges"};
  }
  if (git_only) {
    return {Status::triage, "", "the record gives only GIT commit ranges and no version list; decide by hand"};
  }
  return {Status::triage, "", "the record names the package but no affected versions"};
}

Verdict check_cpe(const Affected& a, const Identity& id, const std::string& name) {
  const std::string v = normalize_version(id.version, name);
  const auto crit = parse_cpe23(a.cpe);
  if (v.empty() || v == "*" || v == "-") return {Status::triage, "", "the SBOM's CPE gives no version"};
  auto cmp = [&](const std::string& x) { return compare_versions(VersionScheme::semver, v, normalize_version(x, name)); };
  if (crit && crit->version != "*" && crit->version != "-" && !crit->version.empty()) {
    if (cmp(crit->version) == 0) return {Status::affected, "", "version " + v + " is the affected version"};
    return {Status::not_affected, "", "only version " + crit->version + " is affected"};
  }
  const bool bounded = !a.start_including.empty() || !a.start_excluding.empty() || !a.end_including.empty() ||
                       !a.end_excluding.empty();
  if (!bounded) return {Status::affected, "", "every version is affected"};
  const bool ok = (a.start_including.empty() || cmp(a.start_including) >= 0) &&
                  (a.start_excluding.empty() || cmp(a.start_excluding) > 0) &&
                  (a.end_including.empty() || cmp(a.end_including) <= 0) &&
                  (a.end_excluding.empty() || cmp(a.end_excluding) < 0);
  if (ok) return {Status::affected, a.end_excluding, "version " + v + " is in the affected range"};
  if (!a.end_excluding.empty() && cmp(a.end_excluding) >= 0) {
    return {Status::fixed, a.end_excluding, "fixed in " + a.end_excluding + "; the image has " + v};
  }
  if (!a.end_including.empty() && cmp(a.end_including) > 0) {
    return {Status::fixed, "after " + a.end_including, "fixed after " + a.end_including + "; the image has " + v};
  }
  return {Status::not_affected, "", "version " + v + " is before the affected range"};
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
                           [&](const std::string& pattern) { return feature_file_match(pattern, file); });
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
  for (const auto& a : v.affected) {
    const auto id = a.is_cpe ? match_cpe(a, c) : match_osv(a, c);
    if (!id) continue;
    const Verdict verdict = a.is_cpe ? check_cpe(a, *id, c.name) : check_osv(a, *id, c.name);
    if (found && priority(verdict.status) >= priority(found->status)) continue;
    Finding f;
    f.vuln = &v;
    f.component = &c;
    f.status = verdict.status;
    f.fixed_in = verdict.fixed_in;
    f.detail = verdict.detail;
    f.version = id->version;
    f.rating = a.rating ? *a.rating : v.rating;
    found = std::move(f);
  }
  return found;
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
  const bool replace = priority(found.status) < priority(kept.status) ||
                       (priority(found.status) == priority(kept.status) &&
                        rank(found.rating.severity) > rank(kept.rating.severity));
  if (replace) kept = std::move(found);
}

}  // namespace

std::vector<Finding> evaluate(const Sbom& sbom, const std::vector<Vulnerability>& records, const FeatureMap& features) {
  const std::vector<std::size_t> group = alias_groups(records);
  std::map<std::pair<std::size_t, std::size_t>, Finding> best;  // (component, group) -> finding
  for (std::size_t ci = 0; ci < sbom.components.size(); ++ci) {
    const Component& c = sbom.components[ci];
    for (std::size_t vi = 0; vi < records.size(); ++vi) {
      std::optional<Finding> found = strongest_match(c, records[vi]);
      if (!found) continue;
      if (applicable(found->status)) check_features(sbom, c, records[vi], features, *found);
      keep_stronger(best, std::make_pair(ci, group[vi]), std::move(*found));
    }
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
