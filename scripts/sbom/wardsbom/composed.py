"""SBOMs composed from the SBOMs of images (ward_sbom.py's `signed` and `device` subcommands).

  signed   the SBOM of a signed update file (MCUboot format, made by ward-image from an image's .bin):
           the image's own SBOM, described by a new top element for the signed file (its own hash,
           the MCUboot version and security counter) that CONTAINS and is GENERATED_FROM the image.
  device   one SBOM per product: a device element that CONTAINS each image it runs (bootloader,
           secure image, non-secure image), each image with its own components and configuration,
           so that a vulnerability is decided per image (the secure image's Mbed TLS is not the
           non-secure image's) and reported for the device.

Both copy the image SBOMs' elements; ids are prefixed with the image's name in the device SBOM so
that the same file in two images stays two elements.
"""
import copy
import hashlib
import os
import re
import uuid

SIGNED_ID = "SPDXRef-SignedImage"
DEVICE_ID = "SPDXRef-Device"


def file_hashes(path):
    with open(path, "rb") as f:
        data = f.read()
    return hashlib.sha1(data).hexdigest(), hashlib.sha256(data).hexdigest()


def described(doc):
    """The SPDX id the document DESCRIBES (the image)."""
    ids = list(doc.get("documentDescribes", []))
    ids += [r["relatedSpdxElement"] for r in doc.get("relationships", [])
            if r["spdxElementId"] == "SPDXRef-DOCUMENT" and r["relationshipType"] == "DESCRIBES"]
    if len(set(ids)) != 1:
        raise ValueError(f"the SBOM {doc.get('name')} describes {len(set(ids))} elements, not one image")
    return ids[0]


def unique_suffix(kind, name, spdx, cdx, created):
    digest = hashlib.sha256(repr((spdx, cdx)).encode()).hexdigest()
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"ward-sbom:{kind}:{name}:{digest}:{created}"))


def relationship(a, kind, b):
    return {"spdxElementId": a, "relationshipType": kind, "relatedSpdxElement": b}


# -- the signed update file ---------------------------------------------------------------------

def signed_documents(image_spdx, image_cdx, signed_path, name, mcuboot, created):
    """(SPDX, CycloneDX) of the signed file `signed_path`, made from `name`'s image SBOMs.
    mcuboot: {"version": ..., "security-counter": ...} as the signing step was told."""
    sha1, sha256 = file_hashes(signed_path)
    file_name = os.path.basename(signed_path)
    notes = [f"{k}: {v}" for k, v in sorted(mcuboot.items())]

    spdx = copy.deepcopy(image_spdx)
    image_id = described(spdx)
    image = next(p for p in spdx["packages"] if p["SPDXID"] == image_id)
    spdx["name"] = f"ward-{name}-signed"
    spdx["creationInfo"]["created"] = created
    spdx["creationInfo"]["comment"] = (f"SBOM of the signed update file {file_name}: the image {image['name']} "
                                       "signed by ward-image (MCUboot format); the image's SBOM, with the "
                                       "signed file as the element described.")
    spdx["packages"].insert(0, {
        "SPDXID": SIGNED_ID,
        "name": file_name,
        "versionInfo": mcuboot.get("version", image.get("versionInfo", "NOASSERTION")),
        "supplier": image.get("supplier", "NOASSERTION"),
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": False,
        "licenseConcluded": "NOASSERTION",
        "licenseDeclared": image.get("licenseDeclared", "NOASSERTION"),
        "copyrightText": "NOASSERTION",
        "primaryPackagePurpose": "FIRMWARE",
        "packageFileName": file_name,
        "checksums": [{"algorithm": "SHA1", "checksumValue": sha1}, {"algorithm": "SHA256", "checksumValue": sha256}],
        "description": f"Signed update file of the image {image['name']} (MCUboot format, ward-image)",
        "comment": "\n".join(["signed by: ward-image"] + notes),
    })
    rels = [r for r in spdx["relationships"]
            if not (r["spdxElementId"] == "SPDXRef-DOCUMENT" and r["relationshipType"] == "DESCRIBES")]
    spdx["relationships"] = ([relationship("SPDXRef-DOCUMENT", "DESCRIBES", SIGNED_ID),
                              relationship(SIGNED_ID, "CONTAINS", image_id),
                              relationship(SIGNED_ID, "GENERATED_FROM", image_id)] + rels)
    spdx.pop("documentDescribes", None)

    cdx = copy.deepcopy(image_cdx)
    image_c = cdx["metadata"]["component"]
    signed_ref = f"signed:{file_name}"
    signed = {
        "type": "firmware", "bom-ref": signed_ref, "name": file_name,
        "version": mcuboot.get("version", image_c.get("version", "")),
        "description": f"Signed update file of the image {image_c['name']} (MCUboot format, ward-image)",
        "hashes": [{"alg": "SHA-256", "content": sha256}],
        "properties": [{"name": f"ward:mcuboot:{k}", "value": str(v)} for k, v in sorted(mcuboot.items())]
                      + [{"name": "ward:generated-from", "value": image_c["bom-ref"]}],
        "components": [{"type": "file", "bom-ref": f"file:{file_name}", "name": file_name,
                        "hashes": [{"alg": "SHA-1", "content": sha1}, {"alg": "SHA-256", "content": sha256}]}],
    }
    if "supplier" in image_c:
        signed["supplier"] = image_c["supplier"]
    cdx["metadata"]["timestamp"] = created
    cdx["metadata"]["component"] = signed
    cdx["components"] = [image_c] + cdx.get("components", [])
    cdx["dependencies"] = [{"ref": signed_ref, "dependsOn": [image_c["bom-ref"]]}] + cdx.get("dependencies", [])

    unique = unique_suffix("signed", name, spdx, cdx, created)
    spdx["documentNamespace"] = f"https://spdx.org/spdxdocs/ward-{name}-signed-{unique}"
    cdx["serialNumber"] = f"urn:uuid:{unique}"
    return spdx, cdx


# -- the device ---------------------------------------------------------------------------------

def tag_of(name):
    return re.sub(r"[^A-Za-z0-9.-]", "-", name)


def prefixed_spdx(doc, tag):
    """The image document's packages, files and relationships with every SPDX id prefixed."""
    def pid(i):
        return i if i in ("SPDXRef-DOCUMENT", "NOASSERTION", "NONE") else f"SPDXRef-{tag}-{i[len('SPDXRef-'):]}"

    packages = []
    for p in doc.get("packages", []):
        p = copy.deepcopy(p)
        p["SPDXID"] = pid(p["SPDXID"])
        if "hasFiles" in p:
            p["hasFiles"] = [pid(x) for x in p["hasFiles"]]
        packages.append(p)
    files = []
    for f in doc.get("files", []):
        f = copy.deepcopy(f)
        f["SPDXID"] = pid(f["SPDXID"])
        files.append(f)
    rels = [relationship(pid(r["spdxElementId"]), r["relationshipType"], pid(r["relatedSpdxElement"]))
            for r in doc.get("relationships", []) if r["spdxElementId"] != "SPDXRef-DOCUMENT"]
    return packages, files, rels, pid(described(doc))


def prefixed_cdx(doc, tag):
    """The image BOM as one component (the image) holding its components, every bom-ref prefixed."""
    def ref(r):
        return f"{tag}/{r}"

    def walk(c):
        c = copy.deepcopy(c)
        if "bom-ref" in c:
            c["bom-ref"] = ref(c["bom-ref"])
        for p in c.get("properties", []):
            if p["name"] == "ward:generated-from":
                p["value"] = ref(p["value"])
        if "components" in c:
            c["components"] = [walk(x) for x in c["components"]]
        return c

    image = walk(doc["metadata"]["component"])
    image["components"] = image.get("components", []) + [walk(c) for c in doc.get("components", [])]
    deps = [{"ref": ref(d["ref"]), "dependsOn": [ref(x) for x in d.get("dependsOn", [])]}
            for d in doc.get("dependencies", [])]
    return image, deps


def device_documents(name, images, supplier, version, created, tool):
    """(SPDX, CycloneDX) of the device `name` running `images`: [(role, spdx, cdx)] in boot order."""
    spdx_packages = [{
        "SPDXID": DEVICE_ID, "name": name, "versionInfo": version, "supplier": f"Organization: {supplier}",
        "downloadLocation": "NOASSERTION", "filesAnalyzed": False, "licenseConcluded": "NOASSERTION",
        "licenseDeclared": "NOASSERTION", "copyrightText": "NOASSERTION", "primaryPackagePurpose": "DEVICE",
        "description": "A Ward device: " + ", ".join(f"{role} {doc['name']}" for role, doc, _ in images),
    }]
    spdx_files, spdx_rels = [], [relationship("SPDXRef-DOCUMENT", "DESCRIBES", DEVICE_ID)]
    cdx_images, cdx_deps = [], []
    for role, s, c in images:
        tag = tag_of(c["metadata"]["component"]["name"])
        packages, files, rels, image_id = prefixed_spdx(s, tag)
        image = next(p for p in packages if p["SPDXID"] == image_id)
        image["comment"] = "\n".join(filter(None, [image.get("comment"), f"role in the device: {role}"]))
        spdx_packages += packages
        spdx_files += files
        spdx_rels += [relationship(DEVICE_ID, "CONTAINS", image_id)] + rels
        component, deps = prefixed_cdx(c, tag)
        component.setdefault("properties", []).append({"name": "ward:device:role", "value": role})
        cdx_images.append(component)
        cdx_deps += deps
    spdx = {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": f"ward-device-{name}",
        "documentNamespace": "urn:placeholder",
        "creationInfo": {"created": created, "creators": [tool, f"Organization: {supplier}"],
                         "comment": f"Device SBOM of {name}: which image contains which components and "
                                    "configuration, composed from the images' own SBOMs."},
        "packages": spdx_packages,
        "files": spdx_files,
        "relationships": spdx_rels,
    }
    device_ref = f"device:{name}"
    cdx = {
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": "urn:placeholder",
        "version": 1,
        "metadata": {
            "timestamp": created,
            "lifecycles": [{"phase": "build"}],
            "authors": [{"name": supplier}],
            "supplier": {"name": supplier},
            "component": {"type": "device", "bom-ref": device_ref, "name": name, "version": version,
                          "supplier": {"name": supplier}},
        },
        "components": cdx_images,
        "dependencies": [{"ref": device_ref, "dependsOn": [c["bom-ref"] for c in cdx_images]}] + cdx_deps,
    }
    unique = unique_suffix("device", name, spdx, cdx, created)
    spdx["documentNamespace"] = f"https://spdx.org/spdxdocs/ward-device-{name}-{unique}"
    cdx["serialNumber"] = f"urn:uuid:{unique}"
    return spdx, cdx
