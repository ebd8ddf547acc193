"""The rules of SPDX 2.3 and CycloneDX 1.6 that their JSON schemas do not check, as the official
validators enforce them (spdx-tools; CycloneDX's strict validation):

  - license expressions are valid SPDX expressions over the SPDX license and exception lists, kept
    whole ("Apache-2.0 WITH LLVM-exception"; a bare exception id is not a license); a LicenseRef- is
    declared in the document;
  - timestamps are RFC 3339 UTC, `YYYY-MM-DDThh:mm:ssZ` (the SPDX schema has no date format, and
    jsonschema checks "date-time" only with a module Debian 12 does not ship);
  - URIs are absolute (document namespace without '#', download locations, external references);
  - every SPDX id or CycloneDX bom-ref referenced exists, and each is defined once;
  - checksums are hex of their algorithm's length.

And CycloneDX's own strict validator over whole files (cyclonedx_strict_errors).
"""
import json
import os
import re
import subprocess
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
TIMESTAMP = re.compile(r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\dZ")
HEX_LENGTH = {"SHA1": 40, "SHA256": 64, "SHA512": 128, "SHA-1": 40, "SHA-256": 64, "SHA-512": 128, "MD5": 32}
SPECIAL = ("NOASSERTION", "NONE")


def run_node(script, payload, node_path):
    """Runs one of the JavaScript checks next to this file: JSON in on stdin, JSON out."""
    r = subprocess.run(["node", os.path.join(HERE, script)], input=json.dumps(payload), capture_output=True,
                       text=True, env=dict(os.environ, NODE_PATH=node_path), check=False)
    if r.returncode != 0:
        raise RuntimeError(f"{script} failed: {r.stderr.strip()}")
    return json.loads(r.stdout)


def invalid_expressions(expressions):
    """The expressions (with the reason) that Debian's node-spdx-expression-parse refuses."""
    expressions = sorted(set(expressions))
    if not expressions:
        return []
    return run_node("license_expressions.js", expressions, "/usr/share/nodejs")


def cyclonedx_strict_errors(paths):
    """{path: errors} for the CycloneDX files that CycloneDX's own strict validator refuses
    (@cyclonedx/cyclonedx-library, pinned in tests/sbom/cyclonedx, installed by scripts/setup.sh)."""
    modules = os.path.join(os.environ.get("WARD_CACHE", os.path.join(HERE, "..", "..", ".cache")),
                           "npm", "cyclonedx", "node_modules")
    if not os.path.isdir(os.path.join(modules, "@cyclonedx", "cyclonedx-library")):
        raise RuntimeError(f"CycloneDX's validator is not installed in {modules}: run scripts/setup.sh")
    return run_node("cyclonedx_strict.js", sorted(paths), modules)


def absolute_uri(text):
    u = urllib.parse.urlsplit(text)
    return bool(u.scheme) and bool(u.netloc or u.path) and " " not in text


def checksum_errors(where, checksums, algorithm_key, value_key):
    errors = []
    for c in checksums:
        n = HEX_LENGTH.get(c.get(algorithm_key))
        if n is not None and not re.fullmatch(f"[0-9a-f]{{{n}}}", c.get(value_key, "")):
            errors.append(f"{where}: {c.get(algorithm_key)} checksum is not {n} lowercase hex digits")
    return errors


def spdx_rule_errors(doc):
    errors = []
    created = doc.get("creationInfo", {}).get("created", "")
    if not TIMESTAMP.fullmatch(created):
        errors.append(f"creationInfo.created '{created}' is not YYYY-MM-DDThh:mm:ssZ")
    ns = doc.get("documentNamespace", "")
    if not absolute_uri(ns) or "#" in ns:
        errors.append(f"documentNamespace '{ns}' is not an absolute URI without '#'")

    defined = ["SPDXRef-DOCUMENT"] + [e["SPDXID"] for kind in ("packages", "files", "snippets")
                                      for e in doc.get(kind, [])]
    duplicates = sorted({i for i in defined if defined.count(i) > 1})
    errors += [f"SPDX id {i} is defined more than once" for i in duplicates]
    known = set(defined)
    referenced = list(doc.get("documentDescribes", []))
    for r in doc.get("relationships", []):
        referenced += [r["spdxElementId"], r["relatedSpdxElement"]]
    for p in doc.get("packages", []):
        referenced += p.get("hasFiles", [])
    errors += [f"SPDX id {i} is referenced but not defined" for i in sorted(set(referenced))
               if i not in known and i not in SPECIAL and not i.startswith("DocumentRef-")]

    declared_refs = {x["licenseId"] for x in doc.get("hasExtractedLicensingInfos", [])}
    expressions = []
    for p in doc.get("packages", []):
        where = f"package {p.get('name')}"
        expressions += [(where, p.get("licenseConcluded")), (where, p.get("licenseDeclared"))]
        expressions += [(where, x) for x in p.get("licenseInfoFromFiles", [])]
        loc = p.get("downloadLocation", "")
        if loc not in SPECIAL and not absolute_uri(loc):
            errors.append(f"{where}: downloadLocation '{loc}' is not a URI")
        errors += checksum_errors(where, p.get("checksums", []), "algorithm", "checksumValue")
        for a in p.get("annotations", []):
            if not TIMESTAMP.fullmatch(a.get("annotationDate", "")):
                errors.append(f"{where}: annotationDate '{a.get('annotationDate')}' is not YYYY-MM-DDThh:mm:ssZ")
    for f in doc.get("files", []):
        where = f"file {f.get('fileName')}"
        expressions += [(where, f.get("licenseConcluded"))] + [(where, x) for x in f.get("licenseInfoInFiles", [])]
        errors += checksum_errors(where, f.get("checksums", []), "algorithm", "checksumValue")
    to_parse = []
    for where, e in expressions:
        if e is None or e in SPECIAL:
            continue
        for ref in re.findall(r"LicenseRef-[A-Za-z0-9.-]+", e):
            if ref not in declared_refs:
                errors.append(f"{where}: {ref} is not declared in hasExtractedLicensingInfos")
        to_parse.append(e)
    errors += [f"license expression {x}" for x in invalid_expressions(to_parse)]
    return errors


def cdx_rule_errors(doc):
    errors = []
    ts = doc.get("metadata", {}).get("timestamp", "")
    if not TIMESTAMP.fullmatch(ts):
        errors.append(f"metadata.timestamp '{ts}' is not YYYY-MM-DDThh:mm:ssZ")
    if not re.fullmatch(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
                        doc.get("serialNumber", "")):
        errors.append(f"serialNumber '{doc.get('serialNumber')}' is not a urn:uuid")

    components = []

    def walk(c):
        components.append(c)
        for sub in c.get("components", []):
            walk(sub)

    if "component" in doc.get("metadata", {}):
        walk(doc["metadata"]["component"])
    for c in doc.get("components", []):
        walk(c)
    refs = [c["bom-ref"] for c in components if "bom-ref" in c]
    errors += [f"bom-ref {r} is defined more than once" for r in sorted({r for r in refs if refs.count(r) > 1})]
    known = set(refs)
    for d in doc.get("dependencies", []):
        for r in [d.get("ref")] + d.get("dependsOn", []):
            if r not in known:
                errors.append(f"dependency on bom-ref {r}, which is not defined")
    to_parse = []
    for c in components:
        where = f"component {c.get('name')}"
        errors += checksum_errors(where, c.get("hashes", []), "alg", "content")
        for lic in c.get("licenses", []):
            if "expression" in lic:
                to_parse.append(lic["expression"])
            elif "license" in lic and "id" in lic["license"]:
                to_parse.append(lic["license"]["id"])
        for ref in c.get("externalReferences", []):
            if not absolute_uri(ref.get("url", "")):
                errors.append(f"{where}: external reference '{ref.get('url')}' is not a URI")
    errors += [f"license expression {x}" for x in invalid_expressions(to_parse)]
    return errors
