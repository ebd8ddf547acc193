// What ward-vuln needs from an SBOM (CycloneDX 1.4-1.6 JSON or SPDX 2.x JSON): the image, its
// components with their identities (purl, CPE) and versions, the files compiled into each, and the
// image's configuration (the "ward:config:" properties / annotations Ward's SBOMs carry).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace ward::vuln {

struct Component {
  std::string ref;  // bom-ref or SPDXID
  std::string name;
  std::string version;
  std::vector<std::string> purls;
  std::vector<std::string> cpes;
  std::set<std::string> files;  // paths relative to the component's root, as in the SBOM
  std::map<std::string, std::string> config;  // its "ward:config:" options: name -> value
};

struct Sbom {
  std::string file;
  std::string format;  // "CycloneDX 1.6", "SPDX-2.3"
  std::string serial;  // serialNumber or documentNamespace
  Component image;
  std::vector<Component> components;
};

// Parses an SBOM; a malformed one is an InputError naming `file`.
Sbom parse_sbom(const std::string& file, std::string_view text);
Sbom load_sbom(const std::string& path);

// Whether `component`'s configuration (or, if the SBOM gives it none, the image's) enables the
// option: defined and not "n". std::nullopt when the SBOM carries no configuration to decide by.
std::optional<bool> config_enabled(const Sbom& sbom, const Component& component, const std::string& option);

}  // namespace ward::vuln
