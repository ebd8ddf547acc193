"""The model of one image as a CycloneDX 1.6 document."""
from . import TOOL_NAME
from .model import ordered_packages, package_files


def cdx_supplier(supplier):
    if supplier.startswith(("Organization: ", "Person: ")):
        return {"name": supplier.split(": ", 1)[1]}
    return None


def cyclonedx_document(model, created, serial):
    a = model.args
    ref = {p.key: f"pkg:{p.key}" for p in model.packages.values()}
    fref = {f.path: f"file:{f.package}/{f.name}" for f in model.files.values()}

    def file_component(f):
        c = {"type": "file", "bom-ref": fref[f.path], "name": f.name,
             "hashes": [{"alg": "SHA-1", "content": f.sha1}, {"alg": "SHA-256", "content": f.sha256}]}
        props = [{"name": "ward:file:kind", "value": f.kind}]
        # By name, not by path: the same order wherever the build tree is (reproducible).
        props += [{"name": "ward:generated-from", "value": r} for r in sorted(fref[s] for s in f.generated_from)]
        c["properties"] = props
        if f.licenses:
            c["licenses"] = [{"expression": f.licenses[0]}]
        return c

    def component(p):
        c = {"type": p.cdx_type, "bom-ref": ref[p.key], "name": p.name, "version": p.version}
        supplier = cdx_supplier(p.supplier)
        if supplier:
            c["supplier"] = supplier
        if p.description:
            c["description"] = p.description
        c["scope"] = "excluded" if p.relation == "BUILD_TOOL_OF" else "required"
        if p.package_sha256:
            c["hashes"] = [{"alg": "SHA-256", "content": p.package_sha256}]
        if p.license != "NOASSERTION":
            c["licenses"] = [{"expression": p.license}]
        if p.cpes:
            c["cpe"] = p.cpes[0]
        if p.purl:
            c["purl"] = p.purl
        if p.download != "NOASSERTION":
            c["externalReferences"] = [{"type": "distribution", "url": p.download,
                                        "comment": f"{p.package_file}, SHA-256 {p.package_sha256}"}]
        if p.ancestor_purl:
            c["pedigree"] = {"ancestors": [{"type": "library", "name": p.name, "version": p.ancestor_version,
                                            "purl": p.ancestor_purl,
                                            "description": p.source_info}]}
        if len(p.cpes) > 1:
            c["evidence"] = {"identity": [{"field": "cpe", "concludedValue": cpe, "confidence": 1,
                                           "methods": [{"technique": "manifest-analysis", "confidence": 1,
                                                        "value": "scripts/sbom/components.json"}]}
                                          for cpe in p.cpes[1:]]}
        props = [{"name": k, "value": v} for k, v in sorted(p.properties)]
        props += [{"name": "ward:linked-member", "value": m} for m in p.linked_members]
        props += [{"name": f"ward:config:{k}", "value": v} for k, v in sorted(p.config.items())]
        if p.relation:
            props.append({"name": "ward:relation", "value": p.relation})
        if props:
            c["properties"] = props
        files = package_files(model, p.key)
        if files and p.key != "image":
            c["components"] = [file_component(f) for f in files]
        return c

    image = component(model.packages["image"])
    image["hashes"] = [{"alg": "SHA-256", "content": model.image_files[0].sha256}]
    image["components"] = [file_component(f) for f in model.image_files]
    others = [component(p) for p in ordered_packages(model) if p.key != "image"]
    deps = [{"ref": ref["image"], "dependsOn": sorted(ref[p.key] for p in model.packages.values()
                                                      if p.key != "image" and p.relation != "BUILD_TOOL_OF")}]
    deps += [{"ref": ref[p.key], "dependsOn": []} for p in ordered_packages(model) if p.key != "image"]
    supplier = {"name": a.supplier}
    return {
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": serial,
        "version": 1,
        "metadata": {
            "timestamp": created,
            "lifecycles": [{"phase": "build"}],
            "tools": {"components": [{"type": "application", "name": TOOL_NAME, "version": a.version,
                                      "supplier": supplier}]},
            "authors": [{"name": a.supplier}],
            "supplier": supplier,
            "component": image,
        },
        "components": others,
        "dependencies": deps,
    }
