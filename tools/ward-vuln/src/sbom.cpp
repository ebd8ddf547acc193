#include "sbom.hpp"

#include <algorithm>

#include "identity.hpp"
#include "json_reader.hpp"

namespace ward::vuln {
namespace {

constexpr std::string_view config_prefix = "ward:config:";

std::string strip_dot_slash(std::string s) {
  while (s.rfind("./", 0) == 0) s.erase(0, 2);
  return s;
}

// A component's CPE must be one ward-vuln can match: a CPE 2.2 URI ("cpe:/a:...") or a typo would
// make every NVD record miss the component in silence.
std::string checked_cpe(const JsonReader& r, const std::string& cpe, const std::string& path) {
  if (!parse_cpe23(cpe)) r.fail(path, "not a CPE 2.3 name: " + cpe);
  return cpe;
}

// A component's purl must be one ward-vuln can read: one it cannot would match no record, in silence.
std::string checked_purl(const JsonReader& r, const std::string& purl, const std::string& path) {
  if (!parse_purl(purl)) r.fail(path, "not a valid purl: " + purl);
  return purl;
}

// One option given twice with different values: which one the image has is unknown.
void set_config(const JsonReader& r, std::map<std::string, std::string>& config, const std::string& name,
                const std::string& value, const std::string& path) {
  auto [it, inserted] = config.emplace(name, value);
  if (!inserted && it->second != value) {
    r.fail(path, "configuration option " + name + " given twice, as \"" + it->second + "\" and \"" + value + "\"");
  }
}

class CycloneDx {
 public:
  CycloneDx(const JsonReader& r, Sbom& out) : r_(r), out_(out) {}

  void read(const Json& root) {
    const std::string spec = r_.string(r_.require(root, "specVersion", ""), "/specVersion");
    if (spec != "1.4" && spec != "1.5" && spec != "1.6") {
      r_.fail("/specVersion", "CycloneDX " + spec + " is not a version ward-vuln reads (1.4, 1.5, 1.6)");
    }
    out_.format = "CycloneDX " + spec;
    out_.serial = r_.opt_string(root, "serialNumber", "");
    // The image the SBOM is about: without it, a VEX could not say what it covers.
    const Json& meta = r_.object(r_.require(root, "metadata", ""), "/metadata");
    const Json& image = r_.require(meta, "component", "/metadata");
    out_.image = component(image, "/metadata/component", /*is_image=*/true);
    if (const Json* list = JsonReader::find(root, "components")) walk(*list, "/components", nullptr);
  }

 private:
  // Recursion depth is bounded by the parser's nesting limit (json_reader.hpp).
  void walk(const Json& list, const std::string& path, Component* parent) {
    r_.array(list, path);
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string p = at(path, i);
      const Json& c = r_.object(list[i], p);
      const std::string type = r_.string(r_.require(c, "type", p), at(p, "type"));
      if (type == "file") {
        const std::string name = r_.string(r_.require(c, "name", p), at(p, "name"));
        if (parent != nullptr) parent->files.insert(strip_dot_slash(name));
        // A file may nest components too (a library inside an archive): they are the image's.
        if (const Json* nested = JsonReader::find(c, "components")) walk(*nested, at(p, "components"), parent);
        continue;
      }
      out_.components.push_back(component(c, p, false));
    }
  }

  Component component(const Json& c, const std::string& p, bool is_image) {
    r_.object(c, p);
    Component out;
    out.name = r_.string(r_.require(c, "name", p), at(p, "name"));
    out.version = r_.opt_string(c, "version", p);
    out.ref = r_.opt_string(c, "bom-ref", p);
    if (std::string purl = r_.opt_string(c, "purl", p); !purl.empty()) out.purls.push_back(checked_purl(r_, purl, at(p, "purl")));
    if (std::string cpe = r_.opt_string(c, "cpe", p); !cpe.empty()) out.cpes.push_back(checked_cpe(r_, cpe, at(p, "cpe")));
    if (const Json* ev = JsonReader::find(c, "evidence")) {
      const std::string ep = at(p, "evidence");
      if (const Json* identity = JsonReader::find(r_.object(*ev, ep), "identity")) {
        const std::string ip = at(ep, "identity");
        // An array since CycloneDX 1.6, a single object before.
        const Json list = identity->is_array() ? *identity : Json::array({*identity});
        for (std::size_t i = 0; i < list.size(); ++i) {
          const Json& id = r_.object(list[i], identity->is_array() ? at(ip, i) : ip);
          const std::string field = r_.opt_string(id, "field", ip);
          const std::string value = r_.opt_string(id, "concludedValue", ip);
          if (field == "cpe" && !value.empty()) out.cpes.push_back(checked_cpe(r_, value, ip));
          if (field == "purl" && !value.empty()) out.purls.push_back(checked_purl(r_, value, ip));
        }
      }
    }
    if (const Json* props = JsonReader::find(c, "properties")) {
      const std::string pp = at(p, "properties");
      r_.array(*props, pp);
      for (std::size_t i = 0; i < props->size(); ++i) {
        const Json& prop = r_.object((*props)[i], at(pp, i));
        const std::string name = r_.string(r_.require(prop, "name", at(pp, i)), at(at(pp, i), "name"));
        const std::string value = r_.opt_string(prop, "value", at(pp, i));
        if (name.rfind(config_prefix, 0) == 0) set_config(r_, out.config, name.substr(config_prefix.size()), value, at(pp, i));
      }
    }
    if (const Json* nested = JsonReader::find(c, "components")) {
      // The image's own files (.elf, .bin) are not its components' files; a library nested in
      // the image is one of its components, like a top-level one.
      walk(*nested, at(p, "components"), is_image ? nullptr : &out);
    }
    return out;
  }

  const JsonReader& r_;
  Sbom& out_;
};

void read_spdx(const JsonReader& r, const Json& root, Sbom& out) {
  out.format = r.string(r.require(root, "spdxVersion", ""), "/spdxVersion");
  out.serial = r.opt_string(root, "documentNamespace", "");
  std::map<std::string, std::string> file_names;  // SPDXID -> fileName
  if (const Json* files = JsonReader::find(root, "files")) {
    r.array(*files, "/files");
    for (std::size_t i = 0; i < files->size(); ++i) {
      const std::string p = at("/files", i);
      const Json& f = r.object((*files)[i], p);
      file_names[r.string(r.require(f, "SPDXID", p), at(p, "SPDXID"))] =
          strip_dot_slash(r.string(r.require(f, "fileName", p), at(p, "fileName")));
    }
  }
  std::vector<std::string> described = r.string_list(root, "documentDescribes", "");
  std::multimap<std::string, std::string> contains;  // package SPDXID -> file SPDXID
  if (const Json* rels = JsonReader::find(root, "relationships")) {
    r.array(*rels, "/relationships");
    for (std::size_t i = 0; i < rels->size(); ++i) {
      const std::string p = at("/relationships", i);
      const Json& rel = r.object((*rels)[i], p);
      const std::string a = r.string(r.require(rel, "spdxElementId", p), at(p, "spdxElementId"));
      const std::string type = r.string(r.require(rel, "relationshipType", p), at(p, "relationshipType"));
      const std::string b = r.string(r.require(rel, "relatedSpdxElement", p), at(p, "relatedSpdxElement"));
      if (type == "DESCRIBES" && a == "SPDXRef-DOCUMENT") described.push_back(b);
      if (type == "CONTAINS") contains.emplace(a, b);
    }
  }
  const Json& packages = r.array(r.require(root, "packages", ""), "/packages");
  for (std::size_t i = 0; i < packages.size(); ++i) {
    const std::string p = at("/packages", i);
    const Json& pkg = r.object(packages[i], p);
    Component c;
    c.ref = r.string(r.require(pkg, "SPDXID", p), at(p, "SPDXID"));
    c.name = r.string(r.require(pkg, "name", p), at(p, "name"));
    c.version = r.opt_string(pkg, "versionInfo", p);
    if (const Json* refs = JsonReader::find(pkg, "externalRefs")) {
      const std::string rp = at(p, "externalRefs");
      r.array(*refs, rp);
      for (std::size_t k = 0; k < refs->size(); ++k) {
        const Json& ref = r.object((*refs)[k], at(rp, k));
        const std::string type = r.opt_string(ref, "referenceType", at(rp, k));
        const std::string locator = r.opt_string(ref, "referenceLocator", at(rp, k));
        if (type == "purl") c.purls.push_back(checked_purl(r, locator, at(at(rp, k), "referenceLocator")));
        if (type == "cpe23Type") c.cpes.push_back(checked_cpe(r, locator, at(at(rp, k), "referenceLocator")));
        if (type == "cpe22Type") r.fail(at(at(rp, k), "referenceType"), "a CPE 2.2 name; ward-vuln matches CPE 2.3 names (cpe23Type)");
      }
    }
    if (const Json* notes = JsonReader::find(pkg, "annotations")) {
      const std::string ap = at(p, "annotations");
      r.array(*notes, ap);
      for (std::size_t k = 0; k < notes->size(); ++k) {
        const std::string comment = r.opt_string(r.object((*notes)[k], at(ap, k)), "comment", at(ap, k));
        const std::string prefix = "ward:config ";
        if (comment.rfind(prefix, 0) == 0) {
          const std::string setting = comment.substr(prefix.size());
          const auto eq = setting.find('=');
          set_config(r, c.config, setting.substr(0, eq), eq == std::string::npos ? "" : setting.substr(eq + 1), at(ap, k));
        }
      }
    }
    std::vector<std::string> file_ids = r.string_list(pkg, "hasFiles", p);
    for (auto [it, end] = contains.equal_range(c.ref); it != end; ++it) file_ids.push_back(it->second);
    for (const auto& id : file_ids) {
      if (auto f = file_names.find(id); f != file_names.end()) c.files.insert(f->second);
    }
    out.components.push_back(std::move(c));
  }
  // The image is the first package the document describes, in the order it says so (not the order
  // of the packages array); any other described package is a component to check.
  for (const auto& ref : described) {
    auto it = std::find_if(out.components.begin(), out.components.end(), [&](const Component& c) { return c.ref == ref; });
    if (it == out.components.end()) continue;
    out.image = std::move(*it);
    out.components.erase(it);
    break;
  }
}

}  // namespace

Sbom parse_sbom(const std::string& file, std::string_view text) {
  const Json root = parse_json_text(file, text);
  JsonReader r(file);
  r.object(root, "");
  Sbom out;
  out.file = file;
  if (const Json* format = JsonReader::find(root, "bomFormat"); format != nullptr) {
    if (r.string(*format, "/bomFormat") != "CycloneDX") r.fail("/bomFormat", "not \"CycloneDX\"");
    CycloneDx(r, out).read(root);
  } else if (JsonReader::find(root, "spdxVersion") != nullptr) {
    const std::string version = r.string(r.require(root, "spdxVersion", ""), "/spdxVersion");
    if (version != "SPDX-2.2" && version != "SPDX-2.3") {
      r.fail("/spdxVersion", "not an SPDX 2.x document ward-vuln reads (SPDX-2.2, SPDX-2.3): " + version);
    }
    read_spdx(r, root, out);
    if (out.image.name.empty()) {
      r.fail("/documentDescribes", "the document describes no package (documentDescribes or a DESCRIBES relationship)");
    }
  } else {
    r.fail("", "neither a CycloneDX SBOM (bomFormat) nor an SPDX document (spdxVersion)");
  }
  return out;
}

Sbom load_sbom(const std::string& path) { return parse_sbom(path, read_text_file(path)); }

std::optional<bool> config_enabled(const Sbom& sbom, const Component& component, const std::string& option) {
  const auto& config = component.config.empty() ? sbom.image.config : component.config;
  if (config.empty()) return std::nullopt;
  auto it = config.find(option);
  if (it != config.end()) return it->second != "n";
  // Absent means disabled only in a configuration that records options of its kind (MBEDTLS_*,
  // CONFIG_*): the image's Kconfig options say nothing about a library's MBEDTLS_SSL_PROTO_TLS1_3.
  const std::string family = option.substr(0, option.find('_') + 1);
  const bool known = std::any_of(config.begin(), config.end(),
                                 [&](const auto& entry) { return entry.first.rfind(family, 0) == 0; });
  if (!known) return std::nullopt;
  return false;
}

}  // namespace ward::vuln
