#!/usr/bin/python3
"""ward-vuln's command line on good and malformed input.

  test_vuln_cli.py WARD_VULN DATA_DIR FEATURES_JSON SCHEMAS_DIR

Every malformed record, SBOM, feature map or argument must give exit status 2 and one clear
message naming the file and the problem: no crash, no sanitizer report (the host-asan build runs
this against its ASan/UBSan binary), no partial report. Prints 'N passed, M failed'.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

TOOL, DATA, FEATURES, SCHEMAS = sys.argv[1:5]
MINI_CDX = os.path.join(DATA, "sbom", "mini.cdx.json")
MINI_SPDX = os.path.join(DATA, "sbom", "mini.spdx.json")
passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok: {name}")
    else:
        failed += 1
        print(f"FAIL: {name}\n{detail}")


def run(*args):
    return subprocess.run([TOOL, *args], capture_output=True, text=True, errors="replace", timeout=60)


def clean_error(r, *needles):
    text = r.stderr
    problems = []
    if r.returncode != 2:
        problems.append(f"exit status {r.returncode}, expected 2")
    if not text.startswith("ward-vuln: error: ") and "ward-vuln: error:" not in text:
        problems.append("no 'ward-vuln: error:' message")
    for bad in ("AddressSanitizer", "runtime error", "terminate called", "Segmentation", "LeakSanitizer"):
        if bad in text:
            problems.append(f"sanitizer or crash output: {bad}")
    for n in needles:
        if n not in text:
            problems.append(f"message lacks {n!r}")
    if "Summary:" in r.stdout:
        problems.append("printed a report despite the error")
    return problems


expected_records = {
    "truncated.json": "not valid JSON",
    "array.json": "/: expected an object, found array",
    "no-id.json": "/: missing \"id\"",
    "events-not-array.json": "/affected/0/ranges/0/events: expected an array, found string",
    "no-introduced.json": "/affected/0/ranges/0/events: a range needs an \"introduced\" event",
    "bad-cvss.json": "base metric A missing",
    "bad-purl.json": "/affected/0/package/purl: not a valid purl",
    "nvd-vulnerable-string.json": "/vulnerabilities/0/cve/configurations/0/nodes/0/cpeMatch/0/vulnerable: expected true or false",
    "nvd-bad-cpe.json": "not a CPE 2.3 name",
    "unknown-feature.json": "unknown feature \"no-such-feature\"",
    "not-utf8.json": "not valid JSON",
    "neither.json": "neither an OSV record",
}
records_dir = os.path.join(DATA, "malformed", "records")
check("every malformed record has an expectation", sorted(os.listdir(records_dir)) == sorted(expected_records),
      sorted(os.listdir(records_dir)))
with tempfile.TemporaryDirectory() as tmp:
    for name, message in sorted(expected_records.items()):
        db = os.path.join(tmp, name + ".d")
        os.makedirs(db)
        shutil.copy(os.path.join(records_dir, name), db)
        r = run("--sbom", MINI_CDX, "--vulndb", db, "--features", FEATURES)
        problems = clean_error(r, os.path.join(db, name), message)
        check(f"malformed record {name}", not problems, f"{problems}\n{r.stderr}")

    expected_sboms = {
        "truncated.json": "not valid JSON",
        "wrong-format.json": "/bomFormat: not \"CycloneDX\"",
        "component-without-name.json": "/components/0: missing \"name\"",
        "components-not-array.json": "/components: expected an array, found object",
        "spdx3.json": "not an SPDX 2.x document",
        "spdx-name-number.json": "/packages/0/name: expected a string, found number",
        "neither.json": "neither a CycloneDX SBOM",
        "deep-nesting.json": "nested more than 32 deep",
    }
    sbom_dir = os.path.join(DATA, "malformed", "sbom")
    check("every malformed SBOM has an expectation", sorted(os.listdir(sbom_dir)) == sorted(expected_sboms))
    for name, message in sorted(expected_sboms.items()):
        path = os.path.join(sbom_dir, name)
        r = run("--sbom", path, "--vulndb", os.path.join(DATA, "vulndb"))
        problems = clean_error(r, path, message)
        check(f"malformed SBOM {name}", not problems, f"{problems}\n{r.stderr}")

    expected_features = {
        "empty-feature.json": "/features/x: needs \"requires\"",
        "unknown-feature.json": "/vulnerabilities/CVE-2099-1/0: unknown feature \"missing\"",
        "not-object.json": "/features: expected an object, found array",
    }
    for name, message in sorted(expected_features.items()):
        path = os.path.join(DATA, "malformed", "features", name)
        r = run("--sbom", MINI_CDX, "--vulndb", os.path.join(DATA, "vulndb"), "--features", path)
        problems = clean_error(r, path, message)
        check(f"malformed feature map {name}", not problems, f"{problems}\n{r.stderr}")

    missing = os.path.join(tmp, "no-such-dir")
    for label, args, needle in [
        ("missing --sbom", ["--vulndb", tmp], "--sbom"),
        ("unknown --fail-on", ["--sbom", MINI_CDX, "--vulndb", tmp, "--fail-on", "severe"], "severe"),
        ("missing vulndb directory", ["--sbom", MINI_CDX, "--vulndb", missing], missing),
        ("missing SBOM file", ["--sbom", missing, "--vulndb", tmp], "cannot open"),
    ]:
        r = run(*args)
        ok = r.returncode == 2 and needle in (r.stderr + r.stdout) and "Sanitizer" not in r.stderr
        check(f"usage error: {label}", ok, f"exit {r.returncode}\n{r.stderr}")

    # Inputs that are not files (issue 19): a directory, an endless device, a FIFO with no writer (must
    # not block), an unreadable file, a file over the 256 MiB limit (sparse: no disk used). Each as
    # the SBOM, a feature map and a record in the vulndb: exit status 2 and what it is, promptly.
    hostile = os.path.join(tmp, "hostile")
    os.makedirs(os.path.join(hostile, "adir"))
    os.mkfifo(os.path.join(hostile, "fifo"))
    with open(os.path.join(hostile, "huge.json"), "wb") as f:
        f.truncate(257 << 20)
    for label, path, needle in [
        ("a directory", os.path.join(hostile, "adir"), "is a directory"),
        ("an endless device", "/dev/zero", "is a device"),
        ("a FIFO", os.path.join(hostile, "fifo"), "is a pipe"),
        ("an unreadable file", "/proc/self/mem", "cannot read"),
        ("a file over the limit", os.path.join(hostile, "huge.json"), "too large"),
    ]:
        for role, args in [("SBOM", ["--sbom", path, "--vulndb", os.path.join(DATA, "vulndb")]),
                           ("feature map", ["--sbom", MINI_CDX, "--vulndb", os.path.join(DATA, "vulndb"),
                                            "--features", path])]:
            try:
                r = run(*args)
                problems = clean_error(r, needle)
            except subprocess.TimeoutExpired:
                problems = ["hung"]
            check(f"{label} as the {role}", not problems, problems)
    db = os.path.join(tmp, "hostile-db")
    os.makedirs(db)
    os.mkfifo(os.path.join(db, "record.json"))
    try:
        problems = clean_error(run("--sbom", MINI_CDX, "--vulndb", db), "is a pipe")
    except subprocess.TimeoutExpired:
        problems = ["hung"]
    check("a FIFO in the vulndb", not problems, problems)

    # Good input: both SBOM formats give the same verdicts, exit 1, and a VEX valid against the schema.
    empty = os.path.join(tmp, "empty")
    os.makedirs(empty)
    r = run("--sbom", MINI_CDX, "--vulndb", empty)
    check("no records: exit 0", r.returncode == 0 and "No record names a component" in r.stdout, r.stdout + r.stderr)
    reports = []
    for sbom in (MINI_CDX, MINI_SPDX):
        vex = os.path.join(tmp, os.path.basename(sbom) + ".vex.json")
        r = run("--sbom", sbom, "--vulndb", os.path.join(DATA, "vulndb"), "--features", FEATURES, "--vex", vex)
        check(f"{os.path.basename(sbom)}: applicable vulnerability, exit 1", r.returncode == 1, r.stdout + r.stderr)
        reports.append([l.split()[:4] for l in r.stdout.splitlines() if l.startswith(("x_", "CVE-"))])
        try:
            import jsonschema
            store = {}
            for n in ("bom-1.6.schema.json", "spdx.schema.json", "jsf-0.82.schema.json"):
                with open(os.path.join(SCHEMAS, n)) as f:
                    s = json.load(f)
                store[s["$id"]] = s
            bom = store["http://cyclonedx.org/schema/bom-1.6.schema.json"]
            with open(vex) as f:
                doc = json.load(f)
            errors = list(jsonschema.Draft7Validator(bom, resolver=jsonschema.RefResolver.from_schema(bom, store=store))
                          .iter_errors(doc))
            check(f"{os.path.basename(sbom)}: VEX valid CycloneDX 1.6", not errors, [e.message for e in errors[:3]])
        except ImportError:
            check("python3-jsonschema installed", False)
    check("CycloneDX and SPDX give the same report", reports[0] == reports[1] and len(reports[0]) >= 4, reports)

# The test records are valid OSV (so they exercise the format as published, not a private dialect).
try:
    import jsonschema
    with open(os.path.join(SCHEMAS, "osv.schema.json")) as f:
        osv_schema = jsonschema.Draft202012Validator(json.load(f))
    for sub in ("vulndb", "gate"):
        for name in sorted(os.listdir(os.path.join(DATA, sub))):
            with open(os.path.join(DATA, sub, name)) as f:
                doc = json.load(f)
            if "vulnerabilities" in doc or "cve" in doc:
                continue  # NVD format
            errors = [e.message for e in osv_schema.iter_errors(doc)]
            check(f"{sub}/{name} is valid OSV", not errors, errors[:3])
    with open(os.path.join(DATA, "malformed", "records", "events-not-array.json")) as f:
        check("the OSV schema check can fail", list(osv_schema.iter_errors(json.load(f))) != [])
except ImportError:
    check("python3-jsonschema installed", False)

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
