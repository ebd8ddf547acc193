#include "report.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "json_reader.hpp"

namespace ward::vuln {

bool fails(const Finding& f, const Threshold& t) {
  const bool counts = applicable(f.status) || (t.review && f.status == Status::review);
  return !t.never && counts && rank(f.rating.severity) >= rank(t.lowest);
}

std::optional<Threshold> parse_threshold(std::string_view text) {
  Threshold t;
  const std::size_t comma = text.find(',');
  const std::string_view level = text.substr(0, comma);
  if (comma != std::string_view::npos) {
    const std::string_view review = text.substr(comma + 1);
    if (review != "review" && review != "no-review") return std::nullopt;
    t.review = review == "review";
  }
  if (level == "never") {
    t.never = true;
  } else if (level != "any") {
    const auto lowest = parse_severity(level);
    if (!lowest || *lowest == Severity::none || *lowest == Severity::unknown || level != to_string(*lowest)) {
      return std::nullopt;
    }
    t.lowest = *lowest;
  }
  return t;
}

namespace {

std::string severity_text(const Rating& r) {
  std::string s(to_string(r.severity));
  if (r.score) {
    char buf[16];
    (void)std::snprintf(buf, sizeof buf, " %.1f", *r.score);  // a score beyond 10 would only be cut short
    s += buf;
  }
  return s;
}

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

std::string one_line(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  std::replace(s.begin(), s.end(), '\r', ' ');
  return s;
}

std::string affected_fix(const Finding& f) {
  if (!f.fixed_in.empty()) return "fixed in " + f.fixed_in;
  return f.fix_note.empty() ? "no fixed version known" : f.fix_note;
}

std::string summary(const std::vector<Finding>& findings, const Threshold& t) {
  std::size_t applicable_count = 0, review = 0, failing = 0;
  for (const auto& f : findings) {
    applicable_count += applicable(f.status) ? 1 : 0;
    review += f.status == Status::review ? 1 : 0;
    failing += fails(f, t) ? 1 : 0;
  }
  std::string threshold = t.never ? "never" : t.lowest == Severity::none ? "any" : std::string(to_string(t.lowest));
  if (!t.review && !t.never) threshold += ",no-review";
  std::string out = "Summary: " + std::to_string(applicable_count) + " applicable";
  if (review > 0) out += ", " + std::to_string(review) + " need" + (review == 1 ? "s" : "") + " review";
  out += " (" + std::to_string(failing) + " at or above the threshold '" + threshold + "'), " +
         std::to_string(findings.size() - applicable_count - review) + " not affected.\n";
  return out;
}

}  // namespace

std::string text_report(const Sbom& sbom, std::size_t record_files, std::size_t records,
                        const std::vector<Finding>& findings, const Threshold& t) {
  std::string out = "ward-vuln: " + sbom.file + " (" + sbom.format + "): image " + sbom.image.name + " " +
                    sbom.image.version + ", " + std::to_string(sbom.components.size()) + " components; " +
                    std::to_string(records) + " records from " + std::to_string(record_files) + " files\n";
  if (findings.empty()) {
    out += "No record names a component of this image.\n";
  } else {
    std::size_t id_w = 2, comp_w = 9, ver_w = 7;
    for (const auto& f : findings) {
      id_w = std::max(id_w, f.vuln->id.size());
      comp_w = std::max(comp_w, f.component->name.size());
      ver_w = std::max(ver_w, f.version.size());
    }
    out += pad("ID", id_w + 2) + pad("COMPONENT", comp_w + 2) + pad("VERSION", ver_w + 2) + pad("SEVERITY", 15) +
           "STATUS\n";
    for (const auto& f : findings) {
      std::string status;
      switch (f.status) {
        case Status::affected: status = "AFFECTED (" + affected_fix(f) + ")"; break;
        case Status::triage: status = "NEEDS TRIAGE: " + f.detail; break;
        case Status::review: status = "NEEDS REVIEW: " + f.detail; break;
        case Status::fixed: status = "not affected: fixed in " + f.fixed_in; break;
        case Status::not_affected: status = "not affected: " + f.detail; break;
      }
      out += pad(f.vuln->id, id_w + 2) + pad(f.component->name, comp_w + 2) + pad(f.version, ver_w + 2) +
             pad(severity_text(f.rating), 15) + one_line(status) + "\n";
      for (const auto& e : f.evidence) out += pad("", id_w + 2) + "evidence: " + one_line(e) + "\n";
      if (!f.aliases.empty()) {
        std::string list;
        for (const auto& a : f.aliases) list += (list.empty() ? "" : ", ") + a;
        out += pad("", id_w + 2) + "aliases: " + list + "\n";
      }
      if (!f.vuln->summary.empty()) out += pad("", id_w + 2) + one_line(f.vuln->summary.substr(0, 100)) + "\n";
    }
  }
  return out + summary(findings, t);
}

std::string vex_document(const Sbom& sbom, const std::vector<Finding>& findings, const std::string& timestamp,
                         const std::string& serial) {
  Json components = Json::array();
  std::set<std::string> copied;
  std::map<const Component*, std::string> refs;
  for (const auto& f : findings) {
    const Component& c = *f.component;
    std::string ref = c.ref.empty() ? "component:" + c.name : c.ref;
    refs[&c] = ref;
    if (!copied.insert(ref).second) continue;
    Json j = {{"type", "library"}, {"bom-ref", ref}, {"name", c.name}};
    if (!c.version.empty()) j["version"] = c.version;
    if (!c.purls.empty()) j["purl"] = c.purls.front();
    if (!c.cpes.empty()) j["cpe"] = c.cpes.front();
    components.push_back(j);
  }
  Json vulnerabilities = Json::array();
  std::size_t n = 0;
  for (const auto& f : findings) {
    const Vulnerability& v = *f.vuln;
    Json j = {{"bom-ref", "vuln-" + std::to_string(++n)}, {"id", v.id}, {"source", {{"name", v.source}}}};
    Json rating = {{"severity", std::string(to_string(f.rating.severity))}};
    if (f.rating.score) rating["score"] = *f.rating.score;
    if (!f.rating.method.empty()) rating["method"] = f.rating.method;
    if (!f.rating.vector.empty()) rating["vector"] = f.rating.vector;
    j["ratings"] = Json::array({rating});
    if (!v.summary.empty()) j["description"] = v.summary;
    if (!f.aliases.empty()) {
      Json refs_json = Json::array();
      for (const auto& a : f.aliases) refs_json.push_back({{"id", a}, {"source", {{"name", a.rfind("CVE-", 0) == 0 ? "NVD" : "OSV"}}}});
      j["references"] = refs_json;
    }
    Json analysis;
    std::string version_status = "affected";
    switch (f.status) {
      case Status::affected:
        analysis["state"] = "exploitable";
        if (!f.fixed_in.empty()) analysis["response"] = Json::array({"update"});
        break;
      case Status::triage:
      case Status::review:
        analysis["state"] = "in_triage";
        version_status = "unknown";
        break;
      case Status::fixed:
        analysis["state"] = "resolved";
        version_status = "unaffected";
        break;
      case Status::not_affected:
        analysis["state"] = "not_affected";
        analysis["justification"] = "code_not_present";
        version_status = "unaffected";
        break;
    }
    std::string detail = f.detail;
    for (const auto& e : f.evidence) detail += "; " + e;
    if (f.status == Status::affected) detail += "; " + affected_fix(f);
    analysis["detail"] = detail;
    j["analysis"] = analysis;
    Json affects = {{"ref", refs[f.component]}};
    if (!f.version.empty()) affects["versions"] = Json::array({{{"version", f.version}, {"status", version_status}}});
    j["affects"] = Json::array({affects});
    Json props = Json::array();
    props.push_back({{"name", "ward:record"}, {"value", v.file}});
    for (const auto& e : f.evidence) props.push_back({{"name", "ward:evidence"}, {"value", e}});
    for (const auto& o : f.evidence_options) props.push_back({{"name", "ward:evidence:config-option"}, {"value", o}});
    j["properties"] = props;
    vulnerabilities.push_back(j);
  }
  Json image = {{"type", "firmware"}, {"bom-ref", sbom.image.ref.empty() ? "image" : sbom.image.ref},
                {"name", sbom.image.name.empty() ? "unknown" : sbom.image.name}};
  if (!sbom.image.version.empty()) image["version"] = sbom.image.version;
  Json doc = {{"$schema", "http://cyclonedx.org/schema/bom-1.6.schema.json"},
              {"bomFormat", "CycloneDX"},
              {"specVersion", "1.6"},
              {"serialNumber", serial},
              {"version", 1},
              {"metadata",
               {{"timestamp", timestamp},
                {"tools", {{"components", Json::array({{{"type", "application"}, {"name", "ward-vuln"}}})}}},
                {"component", image},
                {"properties", Json::array({{{"name", "ward:sbom"}, {"value", sbom.file}},
                                            {{"name", "ward:sbom:serial"}, {"value", sbom.serial}}})}}},
              {"components", components},
              {"vulnerabilities", vulnerabilities}};
  return doc.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace ward::vuln
