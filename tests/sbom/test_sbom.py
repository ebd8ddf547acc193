#!/usr/bin/python3
"""Tests of the SBOMs the firmware build writes next to every image, of ward-vuln on them, and of
the build's vulnerability gate.

Run by CTest in the firmware build tree (tests/sbom/CMakeLists.txt) with WARD_SOURCE_DIR,
WARD_BUILD_DIR, WARD_SHARED_DIR (schemas), WARD_VULN and WARD_IMAGE_TOOL (the host-built ward-vuln and
ward-image, also given to the copies of the tree two tests build). The demo image
(samples/hello) links no Mbed TLS; tests/target/crypto's crypto_smoke does: both are checked.
"""
import copy
import datetime
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import unittest

import jsonschema

from sbom_rules import cdx_rule_errors, cyclonedx_strict_errors, spdx_rule_errors

SRC = os.environ.get("WARD_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
BUILD = os.environ.get("WARD_BUILD_DIR", os.path.join(SRC, "build", "mps2-an505"))
SHARED = os.environ.get("WARD_SHARED_DIR", os.path.join(SRC, "..", "shared"))
VULN = os.environ.get("WARD_VULN", os.path.join(BUILD, "host-tools", "ward-vuln", "ward-vuln"))
IMAGE_TOOL = os.environ.get("WARD_IMAGE_TOOL", os.path.join(BUILD, "host-tools", "ward-image", "ward-image"))
SCHEMAS = os.path.join(SHARED, "schemas")
DATA = os.path.join(SRC, "tests", "sbom", "data")
HELLO = os.path.join(BUILD, "samples", "hello", "hello")
CRYPTO = os.path.join(BUILD, "tests", "target", "crypto", "crypto_smoke")
SECURE = os.path.join(BUILD, "secure", "firmware", "ward_secure_chain")
BOOTLOADER = os.path.join(BUILD, "boot", "bootloader_chain")
NS_APP = os.path.join(BUILD, "samples", "update", "update")
# A non-secure application that uses the PSA Crypto client (Mbed TLS's headers, its configuration).
NS_CRYPTO = os.path.join(BUILD, "samples", "secure_demo", "secure_demo")
# A non-secure application with lwIP (docs/networking.md).
NS_NET = os.path.join(BUILD, "samples", "net_echo", "net_echo")
PRODUCT = os.path.join(BUILD, "products", "demo")
# What the demo device ships: each image's SBOM base path, and the signed files' own.
SHIPPED = (BOOTLOADER, SECURE, NS_APP, os.path.join(BUILD, "boot", "bootloader"),
           os.path.join(BUILD, "secure", "firmware", "ward_secure"),
           os.path.join(PRODUCT, "ward_secure_chain.signed"), os.path.join(PRODUCT, "update.signed"),
           os.path.join(PRODUCT, "demo"),
           # a signed update of the single-image bootloader's application (ward_slot_image)
           os.path.join(BUILD, "tests", "boot", "slot_app", "update_v2.signed"))
SCRIPT = os.path.join(SRC, "scripts", "sbom", "ward_sbom.py")


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def pin():
    values = {}
    with open(os.path.join(SRC, "cmake", "mbedtls.pin"), encoding="utf-8") as f:
        for line in f:
            if "=" in line and not line.startswith("#"):
                k, v = line.strip().split("=", 1)
                values[k] = v
    return values


def spdx_validator():
    return jsonschema.Draft201909Validator(load(os.path.join(SCHEMAS, "spdx-2.3.schema.json")))


def cdx_validator():
    # bom-1.6 references spdx.schema.json and jsf-0.82.schema.json by relative URI: resolve them
    # from the local copies, never from the network.
    store = {}
    for name in ("bom-1.6.schema.json", "spdx.schema.json", "jsf-0.82.schema.json"):
        schema = load(os.path.join(SCHEMAS, name))
        store[schema["$id"]] = schema
    bom = store["http://cyclonedx.org/schema/bom-1.6.schema.json"]
    return jsonschema.Draft7Validator(bom, resolver=jsonschema.RefResolver.from_schema(bom, store=store))


def schema_errors(validator, doc):
    return [f"/{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in validator.iter_errors(doc)]


def every_sbom(suffix):
    """Every SBOM of this kind the firmware build wrote (one per image)."""
    found = []
    for directory, dirs, files in os.walk(BUILD):
        dirs[:] = [d for d in dirs if d not in ("CMakeFiles", "static-analysis", "host-tools")]
        found += [os.path.join(directory, f) for f in files if f.endswith(suffix)]
    return sorted(found)


def spdx_files(doc, package_name):
    """{fileName without ./: file} of the files a package CONTAINS."""
    pid = next(p["SPDXID"] for p in doc["packages"] if p["name"] == package_name)
    ids = {r["relatedSpdxElement"] for r in doc["relationships"]
           if r["spdxElementId"] == pid and r["relationshipType"] == "CONTAINS"}
    return {f["fileName"][2:]: f for f in doc["files"] if f["SPDXID"] in ids}


def checksum(entry, algorithm):
    return next(c["checksumValue"] for c in entry["checksums"] if c["algorithm"] == algorithm)


def package(doc, name):
    return next((p for p in doc["packages"] if p["name"] == name), None)


def annotations(pkg):
    return {a["comment"][len("ward:config "):].split("=", 1)[0]: a["comment"].split("=", 1)[1]
            for a in pkg.get("annotations", []) if a["comment"].startswith("ward:config ")}


def without_time(doc):
    """The document with its creation time, namespace and serial number removed."""
    doc = copy.deepcopy(doc)
    if "creationInfo" in doc:
        doc["creationInfo"].pop("created")
        doc.pop("documentNamespace")
        for p in doc["packages"]:
            for a in p.get("annotations", []):
                a.pop("annotationDate")
    else:
        doc["metadata"].pop("timestamp")
        doc.pop("serialNumber")
    return doc


def generate_command(build, image_rel):
    """The exact `ward_sbom.py generate` command the build runs after linking this image."""
    r = subprocess.run(["ninja", "-C", build, "-t", "commands", image_rel + ".elf"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    line = r.stdout.strip().splitlines()[-1]
    for part in line.split(" && "):
        if "ward_sbom.py generate" in part:
            return shlex.split(part)
    raise AssertionError(f"no SBOM step in the link command of {image_rel}")


def with_outputs(cmd, spdx, cdx):
    cmd = list(cmd)
    cmd[cmd.index("--out-spdx") + 1] = spdx
    cmd[cmd.index("--out-cdx") + 1] = cdx
    return cmd


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def copy_tree(dst):
    """A copy of the source tree without build trees, the third-party cache and git."""
    def ignore(directory, names):
        if os.path.abspath(directory) == os.path.abspath(SRC):
            return [n for n in names if n in ("build", ".cache", ".git")]
        return []
    shutil.copytree(SRC, dst, ignore=ignore, symlinks=True)


def configure_firmware(src, build, *extra):
    """Configures a copy of the tree. It is given this tree's host tools (ward-image, ward-vuln), as
    tests/mgmt's production sub-build is: the copy compiles firmware only."""
    for tool in (IMAGE_TOOL, VULN):
        assert os.access(tool, os.X_OK), f"{tool}: this tree's host tool is not built"
    host_tools = [f"-DWARD_HOST_IMAGE_TOOL={IMAGE_TOOL}", f"-DWARD_HOST_VULN_TOOL={VULN}"]
    env = dict(os.environ, WARD_CACHE=os.path.join(SRC, ".cache"))
    r = subprocess.run(["cmake", "-S", src, "-B", build, "-G", "Ninja",
                        f"-DCMAKE_TOOLCHAIN_FILE={src}/cmake/toolchain/arm-none-eabi.cmake",
                        "-DWARD_BOARD=mps2_an505", "-DCMAKE_BUILD_TYPE=MinSizeRel", *host_tools, *extra],
                       capture_output=True, text=True, env=env)
    return r


def host_tool_files(build):
    """What a build tree has built of the host tools' external projects (their directories are made
    when the tree is configured)."""
    return sorted(os.path.join(d, f) for d, _, files in os.walk(os.path.join(build, "host-tools")) for f in files)


def gate_steps(build, target):
    """The images whose vulnerability gate building `target` runs, in the order Ninja runs them."""
    r = subprocess.run(["ninja", "-C", build, "-t", "commands", target], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    images = []
    for line in r.stdout.splitlines():
        for part in line.split(" && "):
            if "ward_sbom.py gate" in part:
                argv = shlex.split(part)
                images.append(os.path.relpath(argv[argv.index("--sbom") + 1], build)[:-len(".cdx.json")])
    return images


def build_target(build, target, **env):
    return subprocess.run(["cmake", "--build", build, "--target", target],
                          capture_output=True, text=True, env=dict(os.environ, **env))


class SbomTest(unittest.TestCase):
    maxDiff = None

    def images(self):
        return (HELLO, CRYPTO)

    # -- validity ----------------------------------------------------------------------------
    def test_spdx_schema_valid(self):
        v = spdx_validator()
        for image in self.images():
            doc = load(image + ".spdx.json")
            self.assertEqual(schema_errors(v, doc), [], image)
            self.assertEqual(doc["spdxVersion"], "SPDX-2.3")

    def test_cyclonedx_schema_valid(self):
        v = cdx_validator()
        for image in self.images():
            doc = load(image + ".cdx.json")
            self.assertEqual(schema_errors(v, doc), [], image)
            self.assertEqual(doc["specVersion"], "1.6")

    def test_schema_validation_rejects_broken_documents(self):
        # The validation above must be able to fail.
        spdx = load(HELLO + ".spdx.json")
        spdx["packages"][0]["primaryPackagePurpose"] = "KERNEL"
        del spdx["SPDXID"]
        self.assertGreaterEqual(len(schema_errors(spdx_validator(), spdx)), 2)
        cdx = load(HELLO + ".cdx.json")
        cdx["components"][0]["type"] = "rtos"
        cdx["metadata"]["component"]["hashes"][0]["content"] = "not-hex"
        self.assertGreaterEqual(len(schema_errors(cdx_validator(), cdx)), 2)

    def test_spdx_rules_hold_for_every_image(self):
        # What spdx-tools enforces beyond the schema: license expressions, timestamps, URIs, ids.
        sboms = every_sbom(".spdx.json")
        self.assertGreaterEqual(len(sboms), 10)
        for path in sboms:
            self.assertEqual(spdx_rule_errors(load(path)), [], path)

    def test_cyclonedx_rules_hold_for_every_image(self):
        sboms = every_sbom(".cdx.json")
        self.assertGreaterEqual(len(sboms), 10)
        for path in sboms:
            self.assertEqual(cdx_rule_errors(load(path)), [], path)

    def test_cyclonedx_strict_validator_accepts_every_image(self):
        # CycloneDX's own strict validation (no unknown properties, formats checked), every file.
        sboms = every_sbom(".cdx.json")
        self.assertGreaterEqual(len(sboms), 10)
        self.assertEqual(cyclonedx_strict_errors(sboms), {})

    def test_cyclonedx_strict_validator_rejects_broken_documents(self):
        broken = {"extra-property": lambda d: d.update(unknown=1),
                  "timestamp": lambda d: d["metadata"].update(timestamp="2026-13-04T10:00:00Z"),
                  "bom-ref-type": lambda d: d["components"][0].update({"bom-ref": 7})}
        with tempfile.TemporaryDirectory() as tmp:
            paths = {}
            for name, change in broken.items():
                doc = load(CRYPTO + ".cdx.json")
                change(doc)
                paths[name] = os.path.join(tmp, name + ".cdx.json")
                with open(paths[name], "w", encoding="utf-8") as f:
                    json.dump(doc, f)
            refused = cyclonedx_strict_errors(paths.values())
        self.assertEqual(sorted(refused), sorted(paths.values()))

    def test_rule_checks_reject_broken_documents(self):
        # Each rule above must be able to fail, on the mistakes the official validators caught.
        spdx = load(CRYPTO + ".spdx.json")
        spdx["creationInfo"]["created"] = "2026-12-04 10:00:00"
        spdx["documentNamespace"] = "not a uri#x"
        spdx["files"][0]["licenseInfoInFiles"] = ["Apache-2.0", "LLVM-exception"]
        spdx["packages"][0]["licenseDeclared"] = "LicenseRef-undeclared"
        spdx["relationships"].append({"spdxElementId": "SPDXRef-Image", "relationshipType": "CONTAINS",
                                      "relatedSpdxElement": "SPDXRef-File-missing"})
        spdx["files"][1]["SPDXID"] = spdx["files"][0]["SPDXID"]
        errors = "\n".join(spdx_rule_errors(spdx))
        for needle in ("created", "documentNamespace", "LLVM-exception", "LicenseRef-undeclared",
                       "SPDXRef-File-missing is referenced", "defined more than once"):
            self.assertIn(needle, errors)
        cdx = load(CRYPTO + ".cdx.json")
        cdx["metadata"]["timestamp"] = "2026-12-04T10:00:00+01:00"
        cdx["components"][0]["licenses"] = [{"expression": "LLVM-exception"}]
        cdx["dependencies"].append({"ref": "no-such-ref"})
        errors = "\n".join(cdx_rule_errors(cdx))
        for needle in ("timestamp", "LLVM-exception", "no-such-ref"):
            self.assertIn(needle, errors)

    # -- every shipped image, the signed files and the device ------------------------------
    def test_every_shipped_image_and_signed_file_has_both_sboms(self):
        spdx_v, cdx_v = spdx_validator(), cdx_validator()
        for base in SHIPPED:
            spdx, cdx = load(base + ".spdx.json"), load(base + ".cdx.json")
            self.assertEqual(schema_errors(spdx_v, spdx), [], base)
            self.assertEqual(schema_errors(cdx_v, cdx), [], base)
            self.assertEqual(spdx_rule_errors(spdx), [], base)
            self.assertEqual(cdx_rule_errors(cdx), [], base)

    def test_secure_image_records_its_own_configuration(self):
        # The secure image's SBOM carries the secure side's Mbed TLS configuration (storage, its RNG),
        # which the non-secure client's lacks, and the tinycbor it links, from its pin.
        secure = package(load(SECURE + ".spdx.json"), "mbedtls")
        client = package(load(NS_CRYPTO + ".spdx.json"), "mbedtls")
        for option in ("MBEDTLS_PSA_CRYPTO_STORAGE_C", "MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG"):
            self.assertIn(option, annotations(secure))
            self.assertNotIn(option, annotations(client))
        self.assertIn("headers only", client.get("comment", ""))
        tinycbor = package(load(SECURE + ".spdx.json"), "tinycbor")
        self.assertIsNotNone(tinycbor)
        with open(os.path.join(SRC, "cmake", "tinycbor.pin"), encoding="utf-8") as f:
            tc_pin = dict(l.strip().split("=", 1) for l in f if "=" in l and not l.startswith("#"))
        self.assertEqual(tinycbor["versionInfo"], tc_pin["ORIG_VERSION"])
        self.assertEqual(checksum(tinycbor, "SHA256"), tc_pin["ORIG_SHA256"])
        self.assertIn("cborencoder.c", json.dumps(spdx_files(load(SECURE + ".spdx.json"), "tinycbor")))
        self.assertIsNone(package(load(NS_APP + ".spdx.json"), "tinycbor"))
        # Its .config came from its own fragments (the medium profile's adds medium.conf).
        names = {f["fileName"] for f in load(SECURE + ".spdx.json")["files"]}
        self.assertIn("./secure/firmware/prj.conf", names)
        self.assertNotIn("./secure/firmware/medium.conf", names)
        medium = load(os.path.join(BUILD, "secure", "firmware", "ward_secure_medium.spdx.json"))
        self.assertIn("./secure/firmware/medium.conf", {f["fileName"] for f in medium["files"]})

    def test_signed_file_sbom_names_the_signed_file_and_its_image(self):
        for base, image in ((os.path.join(PRODUCT, "ward_secure_chain.signed"), SECURE),
                            (os.path.join(PRODUCT, "update.signed"), NS_APP)):
            signed_file = base + ".bin"
            spdx = load(base + ".spdx.json")
            top = next(p for p in spdx["packages"] if p["SPDXID"] == "SPDXRef-SignedImage")
            self.assertEqual(checksum(top, "SHA256"), sha256(signed_file))
            self.assertNotEqual(checksum(top, "SHA256"), sha256(image + ".elf"))
            rels = {(r["spdxElementId"], r["relationshipType"], r["relatedSpdxElement"]) for r in spdx["relationships"]}
            self.assertIn(("SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-SignedImage"), rels)
            self.assertIn(("SPDXRef-SignedImage", "GENERATED_FROM", "SPDXRef-Image"), rels)
            elf = next(p for p in spdx["packages"] if p["SPDXID"] == "SPDXRef-Image")
            self.assertEqual(checksum(elf, "SHA256"), sha256(image + ".elf"))
            cdx = load(base + ".cdx.json")
            self.assertEqual(cdx["metadata"]["component"]["hashes"][0]["content"], sha256(signed_file))
            self.assertIn({"name": "ward:mcuboot:security-counter", "value": "1"},
                          cdx["metadata"]["component"]["properties"])

    def test_device_sbom_says_which_image_contains_what(self):
        spdx = load(os.path.join(PRODUCT, "demo.spdx.json"))
        rels = [(r["spdxElementId"], r["relationshipType"], r["relatedSpdxElement"]) for r in spdx["relationships"]]
        images = [b for a, t, b in rels if a == "SPDXRef-Device" and t == "CONTAINS"]
        self.assertEqual(len(images), 3)
        names = {p["SPDXID"]: p["name"] for p in spdx["packages"]}
        self.assertEqual(sorted(names[i] for i in images),
                         ["bootloader_chain", "update.signed.bin", "ward_secure_chain.signed.bin"])
        # Mbed TLS under the secure image, with the secure side's configuration (the demo's
        # application uses psa/update.h only: no Mbed TLS header reaches it).
        contained = {(a, b) for a, t, b in rels if t == "CONTAINS"}
        mbedtls = [p for p in spdx["packages"] if p["name"] == "mbedtls"]
        self.assertEqual(len(mbedtls), 1)
        self.assertIn("MBEDTLS_PSA_CRYPTO_STORAGE_C", annotations(mbedtls[0]))
        secure_image = next(b for a, b in contained if a == "SPDXRef-Device" and names[b] == "ward_secure_chain.signed.bin")
        inner = {b for a, b in contained if a == secure_image}
        self.assertTrue(any(mbedtls[0]["SPDXID"] in {b for a, b in contained if a == i} for i in inner))
        cdx = load(os.path.join(PRODUCT, "demo.cdx.json"))
        self.assertEqual(cdx["metadata"]["component"]["type"], "device")
        roles = [next(p["value"] for p in c["properties"] if p["name"] == "ward:device:role") for c in cdx["components"]]
        self.assertEqual(roles, ["bootloader", "secure", "non-secure"])

    def test_vex_is_decided_per_image_from_its_own_configuration(self):
        # A flaw in code only the secure image compiles in (Mbed TLS's CCM): affected for the secure
        # image, its signed file and the device; code not present for a non-secure application
        # that uses the PSA Crypto client (secure_demo), whose files do not have it. (The demo's own
        # application contains no Mbed TLS at all: the record names nothing in it.)
        version = pin()["ORIG_VERSION"]
        major, minor, patch = (int(x) for x in version.split("."))
        record = {
            "schema_version": "1.6.0", "id": "x_WARD-TEST-CCM", "modified": "2024-01-01T00:00:00Z",
            "summary": "TEST RECORD: a flaw in Mbed TLS's CCM, which only the secure image compiles in",
            "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
            "affected": [{"package": {"ecosystem": "GIT", "name": "https://github.com/Mbed-TLS/mbedtls",
                                      "purl": "pkg:github/mbed-tls/mbedtls"},
                          "ranges": [{"type": "SEMVER", "events": [{"introduced": "3.0.0"},
                                                                    {"fixed": f"{major}.{minor}.{patch + 1}"}]}]}],
            "database_specific": {"ward": {"features": ["mbedtls-ccm"]}},
        }
        with tempfile.TemporaryDirectory() as db:
            with open(os.path.join(db, "ccm.json"), "w", encoding="utf-8") as f:
                json.dump(record, f)
            for base, affected in ((SECURE, True), (os.path.join(PRODUCT, "ward_secure_chain.signed"), True),
                                   (os.path.join(PRODUCT, "demo"), True), (NS_CRYPTO, False)):
                for fmt in ("cdx", "spdx"):
                    r = self.vuln(f"{base}.{fmt}.json", db=db)
                    line = next((l for l in r.stdout.splitlines() if l.startswith("x_WARD-TEST-CCM")), "")
                    if affected:
                        self.assertEqual(r.returncode, 1, f"{base}.{fmt}.json\n{r.stdout}{r.stderr}")
                        self.assertIn("AFFECTED", line, f"{base}.{fmt}.json\n{r.stdout}")
                    else:
                        self.assertEqual(r.returncode, 0, f"{base}.{fmt}.json\n{r.stdout}{r.stderr}")
                        self.assertIn("code not present", line, f"{base}.{fmt}.json\n{r.stdout}")

    def test_lwip_snmp_cve_is_code_not_present(self):
        # CVE-2026-8836 is in lwIP's SNMPv3 agent, which Ward never compiles: an (imported, unmarked)
        # record for it is not affected in the network sample, by the feature map alone; without
        # the map the same record applies, so the map is what decides.
        record = {
            "schema_version": "1.6.0", "id": "x_WARD-TEST-LWIP-SNMP", "modified": "2026-05-26T00:00:00Z",
            "aliases": ["CVE-2026-8836"],
            "summary": "TEST RECORD: lwIP's SNMPv3 agent does not bound msgAuthenticationParameters",
            "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
            "affected": [{"package": {"ecosystem": "GIT", "name": "lwip", "purl": "pkg:generic/lwip"},
                          "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "2.2.2"}]}]}],
        }
        with tempfile.TemporaryDirectory() as db:
            with open(os.path.join(db, "lwip.json"), "w", encoding="utf-8") as f:
                json.dump(record, f)
            for fmt in ("cdx", "spdx"):
                sbom = f"{NS_NET}.{fmt}.json"
                r = self.vuln(sbom, db=db)
                line = next((l for l in r.stdout.splitlines() if l.startswith("x_WARD-TEST-LWIP-SNMP")), "")
                self.assertEqual(r.returncode, 0, f"{sbom}\n{r.stdout}{r.stderr}")
                self.assertIn("code not present", line, f"{sbom}\n{r.stdout}")
                bare = subprocess.run([VULN, "--sbom", sbom, "--vulndb", db], capture_output=True, text=True)
                self.assertEqual(bare.returncode, 1, f"{sbom} without the feature map\n{bare.stdout}{bare.stderr}")

    # -- contents ----------------------------------------------------------------------------
    def test_ward_package_and_image_file(self):
        with open(os.path.join(BUILD, "generated", "include", "ward", "version.hpp"), encoding="utf-8") as f:
            version = re.search(r'git = "([^"]*)"', f.read()).group(1)
        for image in self.images():
            spdx = load(image + ".spdx.json")
            ward = package(spdx, "ward")
            self.assertEqual(ward["versionInfo"], version)
            self.assertEqual(ward["supplier"], "Organization: Ward project")
            self.assertIn("licenseDeclared", ward)
            img = package(spdx, os.path.basename(image))
            self.assertEqual(img["primaryPackagePurpose"], "FIRMWARE")
            self.assertEqual(checksum(img, "SHA256"), sha256(image + ".elf"))
            files = spdx_files(spdx, os.path.basename(image))
            self.assertEqual(checksum(files[os.path.basename(image) + ".elf"], "SHA256"), sha256(image + ".elf"))
            self.assertEqual(checksum(files[os.path.basename(image) + ".bin"], "SHA256"), sha256(image + ".bin"))
            cdx = load(image + ".cdx.json")
            self.assertEqual(cdx["metadata"]["component"]["hashes"][0]["content"], sha256(image + ".elf"))

    def test_source_files_come_from_the_build(self):
        spdx = load(HELLO + ".spdx.json")
        ward = spdx_files(spdx, "ward")
        for name in ("samples/hello/main.cpp", "kernel/src/scheduler.cpp", "arch/arm/src/reset.cpp",
                     "boards/mps2_an505/src/board.cpp", "lib/base/src/fmt.cpp"):
            self.assertIn(name, ward)
            self.assertEqual(checksum(ward[name], "SHA256"), sha256(os.path.join(SRC, name)), name)
        # Nothing that is not in this image.
        self.assertNotIn("tests/target/crypto/crypto_test.cpp", ward)
        self.assertNotIn("lib/crypto/src/crypto_platform.cpp", ward)
        # Of samples/, only hello's own files and what every sample shares (samples/common: the
        # stack-marks hooks hello's main includes, which compile to nothing without marks).
        self.assertFalse([n for n in ward if n.startswith("samples/")
                          and not n.startswith(("samples/hello/", "samples/common/"))])
        self.assertNotIn("samples/minimal/main.cpp", ward)
        # Every header of main.cpp.obj in Ninja's own dependency log is in the SBOM, with its hash
        # (-n: a dry run never rewrites the log).
        r = subprocess.run(["ninja", "-n", "-C", BUILD, "-t", "deps", "samples/hello/CMakeFiles/hello.dir/main.cpp.obj"],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        deps = [l.strip() for l in r.stdout.splitlines()[1:] if l.strip()]
        self.assertGreater(len(deps), 20)
        hashes = {checksum(f, "SHA256") for f in spdx["files"]}
        names = {f["fileName"] for f in spdx["files"]}
        for d in deps:
            path = os.path.normpath(os.path.join(BUILD, d))
            self.assertIn(sha256(path), hashes, path)
            # Generated files by their place in the build tree, wherever it is (reproducible builds).
            name = ("./$(BUILD)/" + os.path.relpath(path, BUILD)) if path.startswith(BUILD + "/") else None
            self.assertTrue(name in names if name else any(path.endswith(n[1:]) for n in names), path)
        self.assertIn("kernel/include/ward/kernel.hpp", ward)

    def test_generated_files_are_generated_from_their_inputs(self):
        spdx = load(HELLO + ".spdx.json")
        by_id = {f["SPDXID"]: f["fileName"] for f in spdx["files"]}
        origin = {}
        for r in spdx["relationships"]:
            if r["relationshipType"] == "GENERATED_FROM" and r["spdxElementId"] in by_id:
                origin.setdefault(by_id[r["spdxElementId"]], set()).add(by_id[r["relatedSpdxElement"]])
        def closure(name):
            seen, todo = set(), [name]
            while todo:
                for o in origin.get(todo.pop(), ()):
                    if o not in seen:
                        seen.add(o)
                        todo.append(o)
            return seen
        config_hpp = next(n for n in origin if n.endswith("hello.ward/config/include/ward/config.hpp"))
        self.assertIn("./$(BUILD)/samples/hello/hello.ward/config/.config", origin[config_hpp])
        self.assertTrue({"./Kconfig", "./kernel/Kconfig", "./boards/mps2_an505/Kconfig", "./security/Kconfig",
                         "./boards/mps2_an505/board.conf", "./samples/hello/prj.conf"} <= closure(config_hpp))
        version_hpp = next(n for n in origin if n.endswith("generated/include/ward/version.hpp"))
        self.assertEqual(origin[version_hpp], {"./cmake/version.hpp.in"})
        elf = origin["./hello.elf"]
        self.assertIn("./samples/hello/main.cpp", elf)
        # The linker script the image was really linked with: hello runs non-secure.
        self.assertIn("./boards/mps2_an505/image_ns.ld", elf)
        self.assertNotIn("./boards/mps2_an505/image.ld", elf)
        self.assertIn("./arch/arm/cortex_m.ld", elf)
        self.assertEqual(origin["./hello.bin"], {"./hello.elf"})

    def test_toolchain_and_c_library_versions_from_the_tools(self):
        spdx = load(HELLO + ".spdx.json")
        gcc = subprocess.run(["arm-none-eabi-gcc", "-dumpversion"], capture_output=True, text=True).stdout.strip()
        self.assertEqual(package(spdx, "gcc")["versionInfo"], gcc)
        self.assertEqual(package(spdx, "libstdc++")["versionInfo"], gcc)
        newlib = subprocess.run(["arm-none-eabi-gcc", "-E", "-dM", "-x", "c", "-"], input="#include <newlib.h>\n",
                                capture_output=True, text=True).stdout
        self.assertEqual(package(spdx, "newlib")["versionInfo"],
                         re.search(r'_NEWLIB_VERSION "([^"]+)"', newlib).group(1))
        ld = subprocess.run(["arm-none-eabi-ld", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
        self.assertTrue(ld.endswith(package(spdx, "binutils")["versionInfo"]), ld)
        gcc_refs = [r["referenceLocator"] for r in package(spdx, "gcc")["externalRefs"]]
        self.assertIn(f"cpe:2.3:a:gnu:gcc:{gcc}:*:*:*:*:*:*:*", gcc_refs)
        if shutil.which("dpkg-query"):
            deb = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "gcc-arm-none-eabi"],
                                 capture_output=True, text=True).stdout
            self.assertTrue(any(r.startswith("pkg:deb/") and deb.replace(":", "%3A") in r for r in gcc_refs), gcc_refs)
        rels = {(r["spdxElementId"], r["relationshipType"], r["relatedSpdxElement"]) for r in spdx["relationships"]}
        self.assertIn(("SPDXRef-Package-binutils", "BUILD_TOOL_OF", "SPDXRef-Image"), rels)
        self.assertIn(("SPDXRef-Image", "STATIC_LINK", "SPDXRef-Package-newlib"), rels)
        # newlib's linked members are named (memcpy is in every image).
        self.assertIn("libc_nano.a(lib_a-memcpy.o)", package(spdx, "newlib")["comment"])

    def test_mbedtls_only_when_linked(self):
        hello = load(HELLO + ".spdx.json")
        self.assertIsNone(package(hello, "mbedtls"))
        self.assertFalse([f for f in hello["files"] if "/library/" in f["fileName"]])
        self.assertFalse([c for c in load(HELLO + ".cdx.json")["components"] if c["name"] == "mbedtls"])

        pinned = pin()
        version = pinned["ORIG_VERSION"]
        spdx = load(CRYPTO + ".spdx.json")
        mbed = package(spdx, "mbedtls")
        self.assertEqual(mbed["versionInfo"], version)
        self.assertEqual(checksum(mbed, "SHA256"), pinned["ORIG_SHA256"])
        self.assertEqual(mbed["packageFileName"], pinned["ORIG_TARBALL"])
        self.assertEqual(mbed["licenseDeclared"], "Apache-2.0 OR GPL-2.0-or-later")
        self.assertIn(pinned["ORIG_DEBIAN_VERSION"], mbed["sourceInfo"])
        self.assertIn(pinned["ORIG_DEBIAN_SUITE"], mbed["sourceInfo"])
        self.assertTrue(mbed["downloadLocation"] == "NOASSERTION" or
                        mbed["downloadLocation"].endswith(f"/pool/main/m/mbedtls/{pinned['ORIG_TARBALL']}"))
        refs = {r["referenceLocator"] for r in mbed["externalRefs"]}
        self.assertIn(f"cpe:2.3:a:arm:mbed_tls:{version}:*:*:*:*:*:*:*", refs)
        self.assertIn(f"cpe:2.3:a:trustedfirmware:mbed_tls:{version}:*:*:*:*:*:*:*", refs)
        self.assertIn(f"pkg:github/mbed-tls/mbedtls@v{version}", refs)
        config = annotations(mbed)
        for enabled in ("MBEDTLS_SHA256_C", "MBEDTLS_ECDSA_C", "MBEDTLS_GCM_C", "PSA_WANT_ALG_SHA_256"):
            self.assertIn(enabled, config)
        for disabled in ("MBEDTLS_SSL_TLS_C", "MBEDTLS_SSL_PROTO_TLS1_3", "MBEDTLS_RSA_C", "MBEDTLS_X509_USE_C"):
            self.assertNotIn(disabled, config)
        self.assertEqual(config["MBEDTLS_PSA_KEY_SLOT_COUNT"], "8")
        # Exactly the Mbed TLS sources whose archive members the linker kept.
        files = spdx_files(spdx, "mbedtls")
        with open(CRYPTO + ".map", encoding="utf-8") as f:
            members = set(re.findall(r"libward_mbedtls\.a\((\w+)\.c\.obj\)", f.read()))
        sources = {os.path.basename(n)[:-2] for n in files if n.endswith(".c")}
        self.assertIn("sha256", sources)
        self.assertLessEqual(sources, members)
        self.assertNotIn("ssl_tls", sources)
        self.assertNotIn("x509_crt", sources)
        for name, f in files.items():
            self.assertEqual(checksum(f, "SHA256"),
                             sha256(os.path.join(SRC, ".cache", f"mbedtls-{version}", name)), name)
        # The glue in the same archive is Ward's, not Mbed TLS's.
        self.assertIn("lib/crypto/src/crypto_platform.cpp", spdx_files(spdx, "ward"))
        cdx = load(CRYPTO + ".cdx.json")
        comp = next(c for c in cdx["components"] if c["name"] == "mbedtls")
        self.assertEqual(comp["cpe"], f"cpe:2.3:a:arm:mbed_tls:{version}:*:*:*:*:*:*:*")
        self.assertEqual(comp["evidence"]["identity"][0]["concludedValue"],
                         f"cpe:2.3:a:trustedfirmware:mbed_tls:{version}:*:*:*:*:*:*:*")
        self.assertEqual(comp["licenses"], [{"expression": "Apache-2.0 OR GPL-2.0-or-later"}])
        self.assertIn(pinned["ORIG_DEBIAN_VERSION"], comp["pedigree"]["ancestors"][0]["version"])

    def test_ward_security_configuration_recorded(self):
        spdx = load(HELLO + ".spdx.json")
        config = annotations(package(spdx, "hello"))
        self.assertEqual(config["CONFIG_WARD_STACK_PROTECTOR"], "y")
        self.assertEqual(config["CONFIG_WARD_PRODUCTION"], "n")
        props = {p["name"]: p["value"] for p in load(HELLO + ".cdx.json")["metadata"]["component"]["properties"]}
        self.assertEqual(props["ward:config:CONFIG_WARD_HW_STACK_LIMIT"], "y")

    def test_ntia_minimum_elements(self):
        for image in self.images():
            spdx = load(image + ".spdx.json")
            self.assertTrue(spdx["creationInfo"]["creators"])                      # author of SBOM data
            self.assertRegex(spdx["creationInfo"]["created"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")  # timestamp
            related = {r["relatedSpdxElement"] for r in spdx["relationships"]} | {r["spdxElementId"] for r in spdx["relationships"]}
            for p in spdx["packages"]:
                self.assertTrue(p["name"])                                          # component name
                self.assertTrue(p["versionInfo"] and p["versionInfo"] != "NOASSERTION", p["name"])  # version
                self.assertTrue(p["supplier"] and p["supplier"] != "NOASSERTION", p["name"])       # supplier
                self.assertTrue([r for r in p.get("externalRefs", [])
                                 if r["referenceType"] in ("purl", "cpe23Type")], p["name"])     # unique identifier
                self.assertIn(p["SPDXID"], related, p["name"])                      # dependency relationship
            cdx = load(image + ".cdx.json")
            self.assertTrue(cdx["metadata"]["authors"] and cdx["metadata"]["timestamp"])
            deps = {d["ref"] for d in cdx["dependencies"]}
            for c in cdx["components"]:
                self.assertTrue(c["name"] and c["version"] and c["supplier"]["name"], c["name"])
                self.assertTrue(c.get("purl") or c.get("cpe"), c["name"])
                self.assertIn(c["bom-ref"], deps, c["name"])

    # -- reproducibility and robustness of the generator --------------------------------------
    def test_regenerated_sbom_is_identical(self):
        cmd = generate_command(BUILD, "samples/hello/hello")
        with tempfile.TemporaryDirectory() as tmp:
            def run(tag, **env):
                out = with_outputs(cmd, f"{tmp}/{tag}.spdx.json", f"{tmp}/{tag}.cdx.json")
                e = dict(os.environ)
                e.pop("SOURCE_DATE_EPOCH", None)
                e.update(env)
                r = subprocess.run(out, capture_output=True, text=True, env=e, cwd=BUILD)
                self.assertEqual(r.returncode, 0, r.stderr)
                return [read(f"{tmp}/{tag}.{k}.json") for k in ("spdx", "cdx")]
            a = run("a", SOURCE_DATE_EPOCH="1700000000")
            b = run("b", SOURCE_DATE_EPOCH="1700000000")
            self.assertEqual(a, b)  # byte for byte with a fixed time
            self.assertIn('"created": "2023-11-14T22:13:20Z"', a[0])
            c = run("c", SOURCE_DATE_EPOCH="1800000000")
            self.assertNotEqual(json.loads(a[0])["documentNamespace"], json.loads(c[0])["documentNamespace"])
            self.assertNotEqual(json.loads(a[1])["serialNumber"], json.loads(c[1])["serialNumber"])
            for x, y in zip(a, c):
                self.assertEqual(without_time(json.loads(x)), without_time(json.loads(y)))
            # And the same as what the build wrote.
            self.assertEqual(without_time(json.loads(a[0])), without_time(load(HELLO + ".spdx.json")))
            self.assertEqual(without_time(json.loads(a[1])), without_time(load(HELLO + ".cdx.json")))

    def test_sboms_are_dated_by_the_commit(self):
        # Without SOURCE_DATE_EPOCH, the build dates every SBOM at the time of the commit it built,
        # so two builds of one commit agree (docs/supply-chain.md, "Reproducibility").
        cmd = generate_command(BUILD, "samples/hello/hello")
        epoch = cmd[cmd.index("--source-date-epoch") + 1]
        # The commit the build was configured at (its version string, as the boot banner shows it).
        with open(os.path.join(BUILD, "generated", "include", "ward", "version.hpp"), encoding="utf-8") as f:
            described = re.search(r'git = "([^"]*)"', f.read()).group(1)
        commit = re.search(r"(?:^|-g)([0-9a-f]{7,40})(?:-dirty)?$", described).group(1)
        r = subprocess.run(["git", "log", "-1", "--format=%ct", commit], cwd=SRC, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(epoch, r.stdout.strip())
        when = datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        for base in (HELLO, SECURE, os.path.join(PRODUCT, "update.signed"), os.path.join(PRODUCT, "demo")):
            self.assertEqual(load(base + ".spdx.json")["creationInfo"]["created"], when, base)
            self.assertEqual(load(base + ".cdx.json")["metadata"]["timestamp"], when, base)

    def test_generator_errors_are_clear(self):
        cmd = generate_command(BUILD, "samples/hello/hello")
        with tempfile.TemporaryDirectory() as tmp:
            spdx_out, cdx_out = f"{tmp}/x.spdx.json", f"{tmp}/x.cdx.json"
            base = with_outputs(cmd, spdx_out, cdx_out)
            bad_map = f"{tmp}/bad.map"
            with open(bad_map, "w") as f:
                f.write("this is not a linker map\n")
            empty_build = f"{tmp}/build"
            os.makedirs(empty_build)
            with open(f"{empty_build}/compile_commands.json", "w") as f:
                f.write("[]")
            cases = [
                (["--map", bad_map], "not a GNU ld map file"),
                (["--map", f"{tmp}/missing.map"], "cannot read the map file"),
                (["--build-dir", empty_build], "the SBOM needs a build with the Ninja generator"),
                (["--ninja", f"{tmp}/no-ninja"], "cannot run"),
            ]
            for args, message in cases:
                argv = list(base)
                for k in range(0, len(args), 2):
                    argv[argv.index(args[k]) + 1] = args[k + 1]
                with open(spdx_out, "w") as f:
                    f.write("stale")
                r = subprocess.run(argv, capture_output=True, text=True, cwd=BUILD)
                self.assertEqual(r.returncode, 1, args)
                self.assertIn("ward-sbom: error:", r.stderr)
                self.assertIn(message, r.stderr)
                self.assertNotIn("Traceback", r.stderr)
                self.assertFalse(os.path.exists(spdx_out), "a stale SBOM must not survive a failed run")

    def test_changed_source_changes_its_hash(self):
        # A real build in a copy of the tree: build an image, change its main.cpp, rebuild. The same
        # build relinked without a change gives the same SBOM (reproducibility of the build step).
        # minimal_user, secure-only (user mode and the security options at their defaults), is the
        # kernel and a main.cpp: an application image that runs non-secure (hello) would compile the
        # secure image and its Mbed TLS too, which this test does not look at.
        with tempfile.TemporaryDirectory() as tmp:
            src, build = f"{tmp}/src", f"{tmp}/build"
            copy_tree(src)
            r = configure_firmware(src, build)
            self.assertEqual(r.returncode, 0, r.stderr[-3000:])
            r = build_target(build, "minimal_user", SOURCE_DATE_EPOCH="1700000000")
            self.assertEqual(r.returncode, 0, r.stdout[-3000:])
            self.assertEqual(host_tool_files(build), [])
            image = f"{build}/samples/minimal_user/minimal_user"
            first = [read(f"{image}.{k}.json") for k in ("spdx", "cdx")]
            main_cpp = f"{src}/samples/minimal_user/main.cpp"
            before = checksum(spdx_files(json.loads(first[0]), "ward")["samples/minimal_user/main.cpp"], "SHA256")
            self.assertEqual(before, sha256(main_cpp))

            os.utime(f"{src}/boards/mps2_an505/image.ld")  # relink only (a secure-only image's script)
            r = build_target(build, "minimal_user", SOURCE_DATE_EPOCH="1700000000")
            self.assertEqual(r.returncode, 0, r.stdout[-3000:])
            self.assertIn("Linking", r.stdout)
            second = [read(f"{image}.{k}.json") for k in ("spdx", "cdx")]
            self.assertEqual(first, second)

            with open(main_cpp, "a", encoding="utf-8") as f:
                f.write("// a changed line\n")
            r = build_target(build, "minimal_user")
            self.assertEqual(r.returncode, 0, r.stdout[-3000:])
            after_doc = load(f"{image}.spdx.json")
            after = spdx_files(after_doc, "ward")
            self.assertNotEqual(checksum(after["samples/minimal_user/main.cpp"], "SHA256"), before)
            self.assertEqual(checksum(after["samples/minimal_user/main.cpp"], "SHA256"), sha256(main_cpp))
            unchanged = spdx_files(json.loads(first[0]), "ward")
            self.assertEqual(checksum(after["kernel/src/scheduler.cpp"], "SHA256"),
                             checksum(unchanged["kernel/src/scheduler.cpp"], "SHA256"))

    # -- ward-vuln on real images ---------------------------------------------------------------
    def pinned_vulndb(self, tmp):
        """The test records with their upper bounds moved relative to the pinned Mbed TLS version
        (written for 3.6.6: fixed in 3.6.7 / 3.6.8), so the tests stay meaningful after a pin bump."""
        version = pin()["ORIG_VERSION"]
        major, minor, patch = (int(x) for x in version.split("."))
        bump = {"3.6.7": f"{major}.{minor}.{patch + 1}", "3.6.8": f"{major}.{minor}.{patch + 2}"}

        def rewrite(node):
            if isinstance(node, dict):
                return {k: (bump.get(v, v) if k in ("fixed", "versionEndExcluding") and isinstance(v, str)
                            else rewrite(v)) for k, v in node.items()}
            if isinstance(node, list):
                return [rewrite(x) for x in node]
            return node

        db = os.path.join(tmp, "vulndb")
        os.makedirs(db)
        for name in os.listdir(os.path.join(DATA, "vulndb")):
            with open(os.path.join(db, name), "w", encoding="utf-8") as f:
                json.dump(rewrite(load(os.path.join(DATA, "vulndb", name))), f)
        return db, version, bump

    def vuln(self, sbom, *args, vex=None, db=None):
        argv = [VULN, "--sbom", sbom, "--vulndb", db or os.path.join(DATA, "vulndb"),
                "--features", os.path.join(SRC, "security", "features.json"), *args]
        if vex:
            argv += ["--vex", vex]
        return subprocess.run(argv, capture_output=True, text=True)

    def test_vuln_report_and_vex_for_the_crypto_image(self):
        with tempfile.TemporaryDirectory() as tmp:
            db, version, bump = self.pinned_vulndb(tmp)
            for fmt in ("cdx", "spdx"):
                vex_path = f"{tmp}/{fmt}.vex.json"
                r = self.vuln(f"{CRYPTO}.{fmt}.json", vex=vex_path, db=db)
                self.assertEqual(r.returncode, 1, r.stdout + r.stderr)  # applicable vulnerabilities remain
                lines = {l.split()[0]: l for l in r.stdout.splitlines() if l.startswith(("x_", "CVE-"))}
                self.assertRegex(lines["x_WARD-TEST-0001"], rf"mbedtls\s+v{re.escape(version)}\s+critical 9\.8\s+"
                                                            rf"AFFECTED \(fixed in {re.escape(bump['3.6.7'])}\)")
                self.assertRegex(lines["x_WARD-TEST-0002"], r"high 7\.5\s+not affected: fixed in 3\.6\.1")
                self.assertRegex(lines["x_WARD-TEST-0003"], r"not affected: code not present")
                self.assertRegex(lines["CVE-2099-0004"], rf"medium 5\.5\s+AFFECTED \(fixed in {re.escape(bump['3.6.8'])}\)")
                # Fixed only on the 2.28 branch: outside the range, but never "fixed in 2.28.9" (issue 15).
                branch = re.escape(".".join(version.split(".")[:2]))
                self.assertRegex(lines["CVE-2099-0005"], r"critical 10\.0\s+not affected: version \S+ is outside the "
                                                         rf"affected ranges; no fix on the {branch} branch; the "
                                                         r"record's fixes: 2\.28\.9")
                self.assertNotIn("x_WARD-TEST-0006", r.stdout)  # a package not in the image
                self.assertIn("evidence: MBEDTLS_SSL_PROTO_TLS1_3 is not enabled", r.stdout)
                self.assertIn("Summary: 2 applicable", r.stdout)

                vex = load(vex_path)
                self.assertEqual(schema_errors(cdx_validator(), vex), [])
                states = {v["id"]: v for v in vex["vulnerabilities"]}
                self.assertEqual(states["x_WARD-TEST-0001"]["analysis"]["state"], "exploitable")
                self.assertEqual(states["x_WARD-TEST-0002"]["analysis"]["state"], "resolved")
                out = states["x_WARD-TEST-0003"]
                self.assertEqual(out["analysis"]["state"], "not_affected")
                self.assertEqual(out["analysis"]["justification"], "code_not_present")
                self.assertIn({"name": "ward:evidence:config-option", "value": "MBEDTLS_SSL_PROTO_TLS1_3"},
                              out["properties"])
                self.assertEqual(states["CVE-2099-0004"]["analysis"]["state"], "exploitable")
                self.assertEqual(states["CVE-2099-0005"]["analysis"]["state"], "not_affected")
                self.assertEqual(states["x_WARD-TEST-0001"]["ratings"][0]["severity"], "critical")
                self.assertEqual(states["x_WARD-TEST-0001"]["references"][0]["id"], "CVE-2099-0001")
            # Threshold: only the critical one counts at --fail-on critical; --fail-on never reports only.
            self.assertEqual(self.vuln(f"{CRYPTO}.cdx.json", "--fail-on", "critical", db=db).returncode, 1)
            self.assertEqual(self.vuln(f"{CRYPTO}.cdx.json", "--fail-on", "never", db=db).returncode, 0)

    def test_vuln_records_for_mbedtls_do_not_apply_to_the_demo(self):
        r = self.vuln(f"{HELLO}.cdx.json")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("No record names a component of this image.", r.stdout)

    # -- the build's gate ----------------------------------------------------------------------------
    def test_gate_is_off_in_development(self):
        with open(os.path.join(BUILD, "samples", "hello", "hello.ward", "config", ".config"), encoding="utf-8") as f:
            self.assertIn("# CONFIG_WARD_VULN_GATE is not set", f.read())
        self.assertFalse(os.path.exists(HELLO + ".vex.json"))

    def test_gate_fails_a_production_build_on_an_applicable_record(self):
        # A production copy of the tree. The gate's behaviour is shown on the chain's bootloader,
        # which the demo device ships and which compiles no Mbed TLS: an application image runs
        # non-secure beside the secure image, and building one compiles the secure image first.
        with tempfile.TemporaryDirectory() as tmp:
            src, build = f"{tmp}/src", f"{tmp}/build"
            copy_tree(src)
            prod = f"{tmp}/production.conf"
            # Production also needs explicit image signing keys (secure boot refuses the
            # development keys): throwaway ones, for image 0 and the chain's image 1.
            key, ns_key = f"{tmp}/release-key.pem", f"{tmp}/release-ns-key.pem"
            for k in (key, ns_key):
                subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                                "-out", k], check=True, capture_output=True)
            with open(prod, "w") as f:
                f.write(f'CONFIG_WARD_PRODUCTION=y\nCONFIG_WARD_BOOT_SIGNING_KEY="{key}"\n'
                        f'CONFIG_WARD_BOOT_NS_SIGNING_KEY="{ns_key}"\n')
            # One record, first for a package that is in no image, later changed in place to one
            # that applies: a changed record re-runs the gate at the next build.
            db = f"{tmp}/vulndb"
            os.makedirs(db)
            record = f"{db}/record.json"
            shutil.copy(f"{DATA}/vulndb/other-package.json", record)
            r = configure_firmware(src, build, f"-DWARD_EXTRA_CONF={prod}", f"-DWARD_VULNDB_DIRS={db}")
            self.assertEqual(r.returncode, 0, r.stderr[-3000:])
            # Every image a device runs is gated in its link step; building an application image
            # links the secure image, which it runs beside, first, and that one's gate runs first.
            self.assertEqual(gate_steps(build, "hello"), ["secure/firmware/ward_secure", "samples/hello/hello"])
            self.assertEqual(gate_steps(build, "bootloader_chain"), ["boot/bootloader_chain"])
            self.assertEqual(gate_steps(build, "ward_secure_chain"), ["secure/firmware/ward_secure_chain"])
            # Production with no applicable record: builds, and writes the VEX.
            r = build_target(build, "bootloader_chain")
            self.assertEqual(r.returncode, 0, r.stdout[-5000:] + r.stderr[-2000:])
            self.assertEqual(host_tool_files(build), [])
            image = f"{build}/boot/bootloader_chain"
            for made in (image + ".elf", image + ".bin"):
                self.assertTrue(os.path.exists(made), made)
            self.assertEqual(load(image + ".vex.json")["vulnerabilities"], [])
            # A record that applies to the image (Debian 12's newlib, in every image): the build fails
            # and leaves no image behind.
            shutil.copy(f"{DATA}/gate/newlib-debian.json", record)
            r = build_target(build, "bootloader_chain")
            self.assertNotEqual(r.returncode, 0, r.stdout[-3000:])
            self.assertIn("x_WARD-TEST-0100", r.stdout)
            self.assertIn("vulnerability gate", r.stdout + r.stderr)
            for gone in (image + ".elf", image + ".bin"):
                self.assertFalse(os.path.exists(gone), gone)
            vex = load(image + ".vex.json")
            self.assertEqual(vex["vulnerabilities"][0]["analysis"]["state"], "exploitable")
            # Still failing on the next build: the failure is not forgotten.
            self.assertNotEqual(build_target(build, "bootloader_chain").returncode, 0)

if __name__ == "__main__":
    unittest.main()
