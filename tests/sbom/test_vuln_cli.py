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
import time

TOOL, DATA, FEATURES, SCHEMAS = sys.argv[1:5]
MINI_CDX = os.path.join(DATA, "sbom", "mini.cdx.json")
MINI_SPDX = os.path.join(DATA, "sbom", "mini.spdx.json")
PRODUCTS = os.path.join(os.path.dirname(FEATURES), "products.json")  # security/products.json
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
    # issue 15: a bound that cannot be ordered is an error, never "not affected".
    "nvd-garbage-bound.json": "/cve/configurations/0/nodes/0/cpeMatch/0/versionStartIncluding: \"x.0\" is not a version",
    "nvd-garbage-cpe-version.json": "/criteria: \"latest\" is not a version",
    "osv-garbage-semver.json": "/affected/0/ranges/0/events/0: \"x.0\" is not a version this range can order (SemVer)",
    "osv-garbage-debian.json": "/affected/0/ranges/0/events/1: \"deb12u1\" is not a version this range can order (Debian)",
    "duplicate-key.json": "/: duplicate key \"id\"",
    "nvd-1.1-feed.json": "NVD JSON 1.1 feeds are retired",
    "cve5.json": "a CVE JSON 5 record",
    "ambiguous.json": "ambiguous: has OSV's \"modified\" and NVD's \"vulnStatus\"",
    "nvd-version-1.json": "/version: NVD JSON version 1.1",
    "utf16.json": "UTF-16 text (byte order mark); JSON must be UTF-8",
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
        "deep-nesting.json": "nested deeper than 64 levels (the limit)",
        # issue 15: an SBOM ward-vuln cannot read for sure, or one that does not say what it describes.
        "cdx-spec-9.9.json": "/specVersion: CycloneDX 9.9 is not a version ward-vuln reads",
        "cdx-no-spec-version.json": "/: missing \"specVersion\"",
        "cdx-no-image.json": "/metadata: missing \"component\"",
        "spdx-describes-nothing.json": "the document describes no package",
        "spdx-2.9.json": "not an SPDX 2.x document ward-vuln reads (SPDX-2.2, SPDX-2.3): SPDX-2.9",
        "duplicate-key.json": "/components/0: duplicate key \"version\"",
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
        "duplicate-key.json": "/features: duplicate key \"x\"",
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
            if label == "a directory" and ("too large" in r.stderr or "9223372036854775807" in r.stderr):
                problems.append("a directory reported as too large")  # issue 15
            check(f"{label} as the {role}", not problems, problems)
    db = os.path.join(tmp, "hostile-db")
    os.makedirs(db)
    os.mkfifo(os.path.join(db, "record.json"))
    try:
        problems = clean_error(run("--sbom", MINI_CDX, "--vulndb", db), "is a pipe")
    except subprocess.TimeoutExpired:
        problems = ["hung"]
    check("a FIFO in the vulndb", not problems, problems)

    # -- issue 15 -------------------------------------------------------------------------------
    def db_of(name, *files, contents=None):
        d = os.path.join(tmp, name)
        os.makedirs(d)
        for f in files:
            shutil.copy(os.path.join(DATA, f), d)
        for fname, text in (contents or {}).items():
            with open(os.path.join(d, fname), "w") as out:
                out.write(text)
        return d

    # Limits, enforced while parsing: 10 MiB of '[' (under the size limit) stops at depth 65, 50 MB
    # is refused before it is read; each fast and in little memory (was 150 s and 3.9 GB).
    deep = os.path.join(tmp, "deep.json")
    with open(deep, "w") as f:
        f.write("[" * (10 << 20))
    huge = os.path.join(tmp, "huge-brackets.json")
    with open(huge, "w") as f:
        f.write("[" * 50_000_000)
    long_name = os.path.join(tmp, "long-name.json")
    with open(long_name, "w") as f:
        f.write('{"bomFormat": "CycloneDX", "specVersion": "1.6", "metadata": {"component": {"type": "firmware", '
                '"name": "' + "a" * (1 << 20) + '"}}}')
    for label, args, needle in [
        ("10 MiB of [ as the SBOM", ["--sbom", deep, "--vulndb", os.path.join(DATA, "vulndb")], "nested deeper than 64 levels"),
        ("10 MiB of [ as a record", ["--sbom", MINI_CDX, "--vulndb", db_of("deep-db", contents={"r.json": "[" * (10 << 20)})],
         "nested deeper than 64 levels"),
        ("50 MB of [ as the SBOM", ["--sbom", huge, "--vulndb", os.path.join(DATA, "vulndb")], "too large (50000000 bytes, limit 16777216)"),
        ("a 1 MiB name in the SBOM", ["--sbom", long_name, "--vulndb", os.path.join(DATA, "vulndb")],
         "/metadata/component/name: a string of 1048576 bytes, over the limit of 65536"),
    ]:
        start = time.monotonic()
        r = run(*args)
        seconds = time.monotonic() - start
        problems = clean_error(r, needle)
        if seconds > 10:
            problems.append(f"took {seconds:.1f} s")
        check(f"limit: {label} ({seconds:.2f} s)", not problems, f"{problems}\n{r.stderr[:300]}")
    # Peak memory of the deepest case (the file itself is 10 MiB of it). Measured by a fresh small
    # Python as its child's maximum resident set: a child of this process would count this process's
    # memory too (Linux records the pre-exec size of a forked child).
    probe = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], capture_output=True); "
             "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)")
    out = subprocess.run([sys.executable, "-c", probe, TOOL, "--sbom", deep, "--vulndb", os.path.join(DATA, "vulndb")],
                         capture_output=True, text=True, timeout=60).stdout.split()
    check(f"limit: 10 MiB of [ in little memory ({out[1] if len(out) == 2 else '?'} MiB peak)",
          len(out) == 2 and out[0] == "2" and int(out[1]) < 100, out)

    # A UTF-8 byte order mark is accepted (documented): the same report as without.
    bom = os.path.join(tmp, "bom.cdx.json")
    with open(MINI_CDX, "rb") as f, open(bom, "wb") as out:
        out.write(b"\xef\xbb\xbf" + f.read())
    plain, with_bom = (run("--sbom", x, "--vulndb", os.path.join(DATA, "vulndb"), "--features", FEATURES)
                       for x in (MINI_CDX, bom))
    check("a UTF-8 byte order mark is ignored", with_bom.returncode == plain.returncode == 1 and
          with_bom.stdout.replace(bom, MINI_CDX) == plain.stdout, with_bom.stdout + with_bom.stderr)

    # NVD records awaiting analysis (no configurations), as a bare CVE object: "needs review".
    review_db = db_of("review-db", "nvd/CVE-2025-52497.json", "nvd/CVE-2099-0032-rejected.json")
    vex = os.path.join(tmp, "review.vex.json")
    r = run("--sbom", MINI_CDX, "--vulndb", review_db, "--vex", vex)
    line = next((l for l in r.stdout.splitlines() if l.startswith("CVE-2025-52497")), "")
    check("awaiting analysis: needs review, fails by default", r.returncode == 1 and
          "NEEDS REVIEW: NVD status \"Awaiting Analysis\", no product or version data; its description names" in line and
          "Summary: 0 applicable, 1 needs review (1 at or above the threshold 'any'), 0 not affected." in r.stdout and
          "CVE-2099-0032" not in r.stdout, r.stdout + r.stderr)
    with open(vex) as f:
        states = {v["id"]: v["analysis"]["state"] for v in json.load(f)["vulnerabilities"]}
    check("awaiting analysis: in_triage in the VEX", states == {"CVE-2025-52497": "in_triage"}, states)
    r = run("--sbom", MINI_CDX, "--vulndb", review_db, "--fail-on", "medium,no-review")
    check("--fail-on medium,no-review: exit 0 and a warning", r.returncode == 0 and
          "warning: CVE-2025-52497 needs review for mbedtls and does not fail this run" in r.stderr, r.stdout + r.stderr)
    r = run("--sbom", MINI_CDX, "--vulndb", review_db, "--fail-on", "high")
    check("--fail-on high: a medium record that needs review does not fail", r.returncode == 0, r.stdout + r.stderr)
    r = run("--sbom", MINI_CDX, "--vulndb", review_db, "--fail-on", "high,sometimes")
    check("--fail-on with an unknown review word: usage error", r.returncode == 2 and "high,sometimes" in r.stderr, r.stderr)
    # An explicit mapping (the product map) adds a record whose text names no product, and an
    # empty list says a record was reviewed and concerns none of the components.
    mapped_db = db_of("mapped-db", "nvd/CVE-2099-0031.json", "nvd/CVE-2024-28960.json")
    r = run("--sbom", MINI_CDX, "--vulndb", mapped_db)
    check("without the product map: only the record naming Mbed TLS", r.returncode == 1 and "CVE-2024-28960" in r.stdout
          and "CVE-2099-0031" not in r.stdout, r.stdout + r.stderr)
    r = run("--sbom", MINI_CDX, "--vulndb", mapped_db, "--products", os.path.join(DATA, "products", "products.json"))
    check("with the product map: the mapped record, not the reviewed one", r.returncode == 1 and
          "maps CVE-2099-0031 to mbedtls" in r.stdout and "CVE-2024-28960" not in r.stdout, r.stdout + r.stderr)
    r = run("--sbom", MINI_CDX, "--vulndb", review_db, "--products", PRODUCTS)
    check("security/products.json is read", r.returncode == 1 and "NEEDS REVIEW" in r.stdout, r.stdout + r.stderr)
    # A structured record of the same vulnerability settles it.
    settled = db_of("settled-db", "nvd/CVE-2025-52497.json", contents={"x_WARD-T-52497.json": json.dumps({
        "id": "x_WARD-T-52497", "modified": "2025-07-10T00:00:00Z", "aliases": ["CVE-2025-52497"],
        "affected": [{"package": {"purl": "pkg:github/mbed-tls/mbedtls"},
                      "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "3.6.4"}]}]}]})})
    r = run("--sbom", MINI_CDX, "--vulndb", settled)
    check("an OSV record with the CVE as alias settles the review", r.returncode == 0 and "NEEDS REVIEW" not in r.stdout and
          "not affected: fixed in 3.6.4" in r.stdout, r.stdout + r.stderr)

    # "Fixed in" on the component's own branch.
    r = run("--sbom", MINI_CDX, "--vulndb", db_of("branch-db", "nvd/CVE-2099-0030-branches.json", "vulndb/nvd-fixed.json"))
    lines = {l.split()[0]: l for l in r.stdout.splitlines() if l.startswith("CVE-")}
    check("fixed in: the 3.6 fix for a 3.6 component", "not affected: fixed in 3.6.5" in lines.get("CVE-2099-0030", ""),
          r.stdout)
    check("fixed in: no fix on the 3.6 branch is said", "2.28.9" in lines.get("CVE-2099-0005", "") and
          "no fix on the 3.6 branch" in lines.get("CVE-2099-0005", "") and "fixed in 2.28.9" not in r.stdout, r.stdout)

    # Duplicate record ids: two versions of one record are an error; the same version twice is one.
    one = {"id": "x_WARD-T-DUP", "modified": "2024-01-01T00:00:00Z", "affected": []}
    two = dict(one, modified="2024-02-01T00:00:00Z")
    r = run("--sbom", MINI_CDX, "--vulndb", db_of("dup-db", contents={"a.json": json.dumps(one), "b.json": json.dumps(two)}))
    problems = clean_error(r, "OSV record x_WARD-T-DUP is also in", "a.json", "keep only the current one")
    check("duplicate record id with another modification time", not problems, f"{problems}\n{r.stderr}")
    r = run("--sbom", MINI_CDX, "--vulndb", db_of("same-db", contents={"a.json": json.dumps(one), "b.json": json.dumps(one)}))
    check("the same record twice is accepted", r.returncode == 0, r.stdout + r.stderr)

    # -- red team 15: inputs that made ward-vuln fail open, and the defences that held -------------
    # Each case: an SBOM (the mini one with other components, or another document), records, and
    # what must come out: exit status and a text in the report (or the error). Every "fixed" case
    # said "not affected" or named no component (exit 0) before its fix.
    with open(MINI_CDX) as f:
        mini = json.load(f)
    with open(MINI_SPDX) as f:
        mini_spdx = json.load(f)

    def cdx_with(*components, image_components=None):
        doc = json.loads(json.dumps(mini))
        doc["components"] = list(components)
        if image_components is not None:
            doc["metadata"]["component"]["components"] += image_components
        return doc

    def mbed(version="3.6.6", purl=None, **extra):
        c = {"type": "library", "bom-ref": "pkg:mbedtls", "name": "mbedtls", "version": version,
             "purl": purl or f"pkg:github/mbed-tls/mbedtls@v{version}"}
        c.update(extra)
        return c

    def pkg(name, purl):
        return {"type": "library", "bom-ref": f"pkg:{name}", "name": name, "version": "0", "purl": purl}

    def osv_rec(package, ranges=None, versions=None, **extra):
        a = {"package": package}
        if ranges is not None:
            a["ranges"] = ranges
        if versions is not None:
            a["versions"] = versions
        return dict({"id": "x_WARD-RT-1", "modified": "2026-01-01T00:00:00Z", "affected": [a]}, **extra)

    def semver(*events, kind="SEMVER"):
        return [{"type": kind, "events": [dict([e]) for e in events]}]

    def nvd_rec(*matches, descriptions=None, status="Analyzed", nodes=None):
        cve = {"id": "CVE-2099-7001", "lastModified": "2026-01-01T00:00:00.000", "vulnStatus": status,
               "descriptions": descriptions or [{"lang": "en", "value": "A flaw."}]}
        if matches or nodes:
            cve["configurations"] = [{"nodes": nodes or [{"operator": "OR", "negate": False, "cpeMatch": list(matches)}]}]
        return cve

    def cpe_match(criteria, **bounds):
        return dict({"vulnerable": True, "criteria": criteria}, **bounds)

    def metric(vector, score, kind="Primary"):
        data = {"vectorString": vector}
        if score is not None:
            data["baseScore"] = score
        return {"source": "nvd@nist.gov", "type": kind, "cvssData": data}

    def with_metrics(cve, **families):
        cve["metrics"] = families
        return cve

    CRITICAL_VECTOR = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"  # 9.8
    LOW_VECTOR = "CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N"  # 1.6
    MBED = {"purl": "pkg:github/mbed-tls/mbedtls"}
    ANY_MBED = "cpe:2.3:a:arm:mbed_tls:*:*:*:*:*:*:*:*"
    CPE = "cpe:2.3:a:arm:mbed_tls:{}:*:*:*:*:*:*:*"
    fix367 = semver(("introduced", "0"), ("fixed", "3.6.7"))
    deb = "pkg:deb/debian/newlib@3.3.0-1?arch=source&distro={}"
    tls13 = osv_rec(MBED, fix367, database_specific={"ward": {"features": ["mbedtls-tls13"]}})
    tls_config = [{"name": "ward:config:MBEDTLS_SSL_TLS_C", "value": ""},
                  {"name": "ward:config:MBEDTLS_SSL_PROTO_TLS1_3", "value": ""}]
    spdx_reordered = json.loads(json.dumps(mini_spdx))
    spdx_reordered["packages"].reverse()  # mbedtls first in the array, the image first described
    spdx_reordered["documentDescribes"] = ["SPDXRef-Image", "SPDXRef-Package-mbedtls"]
    AFFECTED, TRIAGE, REVIEW = "AFFECTED", "NEEDS TRIAGE", "NEEDS REVIEW"
    rt_cases = [
        # (label, SBOM, records, extra arguments, exit status, text that must be in stdout or stderr)
        # Fixed: versions whose order dpkg's algorithm guesses.
        ("SEMVER range, component 3.6.7rc1 (not SemVer): triage", cdx_with(mbed("3.6.7rc1")), [osv_rec(MBED, fix367)], [], 1,
         'NEEDS TRIAGE: the SBOM\'s version "3.6.7rc1" cannot be ordered'),
        ("NVD, CPE version 3.6.7rc1 against an end 3.6.7: triage",
         cdx_with(mbed(cpe=CPE.format("3.6.7rc1"))), [nvd_rec(cpe_match(ANY_MBED, versionEndExcluding="3.6.7"))], [], 1,
         "have no order all ecosystems agree on"),
        ("NVD, the SBOM's CPE 3.6.6 update rc1 against an end 3.6.6: triage",
         cdx_with(mbed(purl="pkg:generic/x@1", cpe="cpe:2.3:a:arm:mbed_tls:3.6.6:rc1:*:*:*:*:*:*")),
         [nvd_rec(cpe_match(ANY_MBED, versionEndExcluding="3.6.6"))], [], 1, 'update "rc1", which cannot be ordered'),
        ("PyPI 2.0rc1 against fixed 2.0: triage", cdx_with(pkg("foo", "pkg:pypi/foo@2.0rc1")),
         [osv_rec({"ecosystem": "PyPI", "name": "foo"}, semver(("introduced", "0"), ("fixed", "2.0"), kind="ECOSYSTEM"))],
         [], 1, TRIAGE),
        ("PyPI epoch: 1.5 against fixed 1!1.0: triage", cdx_with(pkg("foo", "pkg:pypi/foo@1.5")),
         [osv_rec({"ecosystem": "PyPI", "name": "foo"}, semver(("introduced", "0"), ("fixed", "1!1.0"), kind="ECOSYSTEM"))],
         [], 1, TRIAGE),
        ("versions list 3.6.06 names 3.6.6", cdx_with(mbed()),
         [osv_rec(MBED, semver(("introduced", "0"), ("fixed", "3.0.0")), versions=["3.6.06"])], [], 1, AFFECTED),
        # Fixed: identities that named nothing.
        ("Debian:12 applies to distro=debian-12.4", cdx_with(pkg("newlib", deb.format("debian-12.4"))),
         [osv_rec({"ecosystem": "Debian:12", "name": "newlib"}, semver(("introduced", "0"), ("fixed", "3.3.0-2"), kind="ECOSYSTEM"))],
         [], 1, AFFECTED),
        ("Debian:11 does not apply to distro=debian-12.4", cdx_with(pkg("newlib", deb.format("debian-12.4"))),
         [osv_rec({"ecosystem": "Debian:11", "name": "newlib"}, semver(("introduced", "0"), ("fixed", "3.3.0-2"), kind="ECOSYSTEM"))],
         [], 0, "No record names a component"),
        ("Alpine:v3.18 applies to distro=3.18.4", cdx_with(pkg("musl", "pkg:apk/alpine/musl@1.2.3-r0?distro=3.18.4")),
         [osv_rec({"ecosystem": "Alpine:v3.18", "name": "musl"}, semver(("introduced", "0"), ("fixed", "1.2.3-r1"), kind="ECOSYSTEM"))],
         [], 1, AFFECTED),
        ("ecosystem spelled debian (lower case)", cdx_with(pkg("newlib", deb.format("debian-12"))),
         [osv_rec({"ecosystem": "debian", "name": "newlib"}, semver(("introduced", "0"), ("fixed", "3.3.0-2"), kind="ECOSYSTEM"))],
         [], 1, AFFECTED),
        ("Maven group:artifact", cdx_with(pkg("log4j-core", "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1")),
         [osv_rec({"ecosystem": "Maven", "name": "org.apache.logging.log4j:log4j-core"},
                  semver(("introduced", "2.0"), ("fixed", "2.15.0"), kind="ECOSYSTEM"))], [], 1, AFFECTED),
        ("PyPI typing_extensions is pkg:pypi/typing-extensions", cdx_with(pkg("typing-extensions", "pkg:pypi/typing-extensions@4.0.0")),
         [osv_rec({"ecosystem": "PyPI", "name": "typing_extensions"}, semver(("introduced", "0"), ("fixed", "4.1.0"), kind="ECOSYSTEM"))],
         [], 1, AFFECTED),
        ("OSS-Fuzz record: its GIT range names the repository", cdx_with(mbed()),
         [osv_rec({"ecosystem": "OSS-Fuzz", "name": "mbedtls", "purl": "pkg:generic/mbedtls"},
                  [{"type": "GIT", "repo": "https://github.com/Mbed-TLS/mbedtls", "events": [{"introduced": "a1"}, {"fixed": "b2"}]}])],
         [], 1, "NEEDS TRIAGE: the record gives only GIT commit ranges"),
        ("GIT repo https://www.github.com/...", cdx_with(mbed()),
         [{"id": "x_WARD-RT-1", "modified": "2026-01-01T00:00:00Z",
           "affected": [{"ranges": [{"type": "GIT", "repo": "https://www.github.com/Mbed-TLS/mbedtls/", "events": [{"introduced": "0"}]}]}]}],
         [], 1, TRIAGE),
        ("NVD vendor * matches any vendor", cdx_with(mbed(cpe=CPE.format("3.6.6"))),
         [nvd_rec(cpe_match("cpe:2.3:a:*:mbed_tls:*:*:*:*:*:*:*:*", versionEndExcluding="3.6.7"))], [], 1, AFFECTED),
        ("NVD wildcard inside a product: refused", cdx_with(mbed(cpe=CPE.format("3.6.6"))),
         [nvd_rec(cpe_match("cpe:2.3:a:arm:mbed*:*:*:*:*:*:*:*:*", versionEndExcluding="3.6.7"))], [], 2,
         "a wildcard inside a CPE vendor or product is not supported"),
        ("NVD description in en-US only still names the product", cdx_with(mbed(cpe=CPE.format("3.6.6"))),
         [nvd_rec(descriptions=[{"lang": "en-US", "value": "A flaw in Mbed TLS."}], status="Awaiting Analysis")], [], 1, REVIEW),
        # Fixed: SBOMs whose components were not seen.
        ("a library nested in metadata.component", cdx_with(image_components=[mbed()]), [osv_rec(MBED, fix367)], [], 1, AFFECTED),
        ("a library nested in a file component", cdx_with({"type": "file", "name": "lib.a", "components": [mbed()]}),
         [osv_rec(MBED, fix367)], [], 1, AFFECTED),
        ("the described element itself is the vulnerable library (by its purl)",
         dict(cdx_with(), metadata=dict(mini["metadata"], component=dict(mini["metadata"]["component"],
                                                                          purl="pkg:github/mbed-tls/mbedtls@v3.6.6"))),
         [osv_rec(MBED, fix367)], [], 1, AFFECTED),
        ("the described element's name is not searched in descriptions", cdx_with(),
         [nvd_rec(descriptions=[{"lang": "en", "value": "A mini flaw."}], status="Awaiting Analysis")], [], 0,
         "No record names a component"),
        ("SPDX: a described package before the image in the array", spdx_reordered, [osv_rec(MBED, fix367)], [], 1, AFFECTED),
        ("a CPE 2.2 URI in the SBOM: refused", cdx_with(mbed(purl="pkg:generic/mbedtls@3.6.6", cpe="cpe:/a:arm:mbed_tls:3.6.6")),
         [osv_rec(MBED, fix367)], [], 2, "/components/0/cpe: not a CPE 2.3 name"),
        ("an unreadable purl in the SBOM: refused", cdx_with(mbed(purl="pkg:github/mbed-tls/mbedtls@v3.6.6%zz")),
         [osv_rec(MBED, fix367)], [], 2, "/components/0/purl: not a valid purl"),
        ("a control character in a record's purl: refused", cdx_with(mbed()),
         [osv_rec({"purl": "pkg:github/mbed-tls/mbedtls\u0001x"}, fix367)], [], 2, "/affected/0/package/purl: not a valid purl"),
        # Fixed: "code not present" without proof.
        ("no configuration of its own: the image's CONFIG_* do not compile TLS 1.3 out", cdx_with(mbed()), [tls13],
         ["--features", FEATURES], 1, AFFECTED),
        ("files named below a directory are still the feature's files",
         cdx_with(mbed(properties=tls_config, components=[{"type": "file", "name": "mbedtls-3.6.6/library/ssl_tls13_client.c"}])),
         [tls13], ["--features", FEATURES], 1, AFFECTED),
        ("one option given twice with different values: refused",
         cdx_with(mbed(properties=tls_config + [{"name": "ward:config:MBEDTLS_SSL_PROTO_TLS1_3", "value": "n"}])),
         [tls13], ["--features", FEATURES], 2, "configuration option MBEDTLS_SSL_PROTO_TLS1_3 given twice"),
        ("a feature compiled out by the component's own configuration stays not affected",
         cdx_with(mbed(properties=[{"name": "ward:config:MBEDTLS_SSL_TLS_C", "value": ""}])), [tls13],
         ["--features", FEATURES], 0, "code not present"),
        # Held before (regression tests for the defences).
        ("3.6.10 is after a fix in 3.6.9", cdx_with(mbed("3.6.10")),
         [osv_rec(MBED, semver(("introduced", "0"), ("fixed", "3.6.9")))], [], 0, "not affected: fixed in 3.6.9"),
        ("3.6.9 is before a fix in 3.6.10", cdx_with(mbed("3.6.9")),
         [osv_rec(MBED, semver(("introduced", "0"), ("fixed", "3.6.10")))], [], 1, "AFFECTED (fixed in 3.6.10)"),
        ("3.6.7-rc1 is before 3.6.7", cdx_with(mbed("3.6.7-rc1")), [osv_rec(MBED, fix367)], [], 1, AFFECTED),
        ("unsorted events of two branches", cdx_with(mbed()),
         [osv_rec(MBED, semver(("fixed", "3.6.7"), ("introduced", "3.6.0"), ("fixed", "2.28.9"), ("introduced", "2.0.0")))],
         [], 1, "AFFECTED (fixed in 3.6.7)"),
        ("last_affected is inclusive", cdx_with(mbed()),
         [osv_rec(MBED, semver(("introduced", "0"), ("last_affected", "3.6.6")))], [], 1, AFFECTED),
        ("limit does not cut a range short", cdx_with(mbed()),
         [osv_rec(MBED, semver(("introduced", "0"), ("fixed", "3.6.7"), ("limit", "3.6.0")))], [], 1, AFFECTED),
        ("a version vv3.6.6: triage", cdx_with(mbed(purl="pkg:github/mbed-tls/mbedtls@vv3.6.6")), [osv_rec(MBED, fix367)], [], 1, TRIAGE),
        ("a purl without a version: triage", cdx_with(mbed(purl="pkg:github/mbed-tls/mbedtls")), [osv_rec(MBED, fix367)], [], 1, TRIAGE),
        ("a fullwidth digit in the version: triage", cdx_with(mbed(purl="pkg:github/mbed-tls/mbedtls@v\uff13.6.6")),
         [osv_rec(MBED, fix367)], [], 1, TRIAGE),
        ("NVD escaped and upper-case CPE names match", cdx_with(mbed(cpe=CPE.format("3.6.6"))),
         [nvd_rec(cpe_match("cpe:2.3:a:ARM:Mbed\\_TLS:*:*:*:*:*:*:*:*", versionEndExcluding="3.6.7"))], [], 1, AFFECTED),
        ("NVD a negated AND node with children still reports", cdx_with(mbed(cpe=CPE.format("3.6.6"))),
         [nvd_rec(nodes=[{"operator": "AND", "negate": True,
                          "children": [{"cpeMatch": [cpe_match(ANY_MBED, versionEndExcluding="3.6.7")]}]}])], [], 1, AFFECTED),
        ("NVD CPE version * in the SBOM: triage", cdx_with(mbed(cpe=CPE.format("*"), purl="pkg:generic/x@1")),
         [nvd_rec(cpe_match(ANY_MBED, versionEndExcluding="3.6.7"))], [], 1, TRIAGE),
        ("NVD empty bound: refused", cdx_with(mbed(cpe=CPE.format("3.6.6"))),
         [nvd_rec(cpe_match(ANY_MBED, versionEndExcluding=""))], [], 2, "is not a version that can be ordered"),
        ("NVD only vulnerable:false entries and a description naming it: review", cdx_with(mbed(cpe=CPE.format("3.6.6"))),
         [nvd_rec(dict(cpe_match(ANY_MBED), vulnerable=False), descriptions=[{"lang": "en", "value": "Mbed TLS"}])], [], 1, REVIEW),
        ("withdrawn \"\" (no time): refused", cdx_with(mbed()), [osv_rec(MBED, fix367, withdrawn="")], [], 2,
         '/withdrawn: not an RFC 3339 time: ""'),
        ("withdrawn at a time still to come: still a vulnerability", cdx_with(mbed()),
         [osv_rec(MBED, fix367, withdrawn="2999-01-01T00:00:00Z")], [], 1, AFFECTED),
        ("withdrawn in the past: dropped", cdx_with(mbed()), [osv_rec(MBED, fix367, withdrawn="2024-01-01T00:00:00Z")], [], 0,
         "No record names a component"),
        # Fixed after the red team's report: ratings that passed a gate they should fail.
        ("NVD baseScore -0.0 (would read as none): refused", cdx_with(mbed(cpe=CPE.format("3.6.6"))),
         [with_metrics(nvd_rec(cpe_match(ANY_MBED, versionEndExcluding="3.6.7")),
                       cvssMetricV2=[metric("AV:N/AC:L/Au:N/C:P/I:P/A:P", -0.0)])], [], 2, "baseScore: outside 0-10"),
        ("NVD baseScore that contradicts its v3 vector: refused", cdx_with(mbed(cpe=CPE.format("3.6.6"))),
         [with_metrics(nvd_rec(cpe_match(ANY_MBED, versionEndExcluding="3.6.7")),
                       cvssMetricV31=[metric(CRITICAL_VECTOR, 2.0)])], [], 2, "2.0 contradicts its vector, whose base score is 9.8"),
        ("NVD a low v3.1 rating listed before a critical v4.0 one: the critical decides the gate",
         cdx_with(mbed(cpe=CPE.format("3.6.6"))),
         [with_metrics(nvd_rec(cpe_match(ANY_MBED, versionEndExcluding="3.6.7")),
                       cvssMetricV31=[metric(LOW_VECTOR, None, "Secondary")],
                       cvssMetricV40=[metric("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.3)])],
         ["--fail-on", "critical"], 1, "critical"),
        ("NVD status REJECTED (not NVD's spelling) is not dropped", cdx_with(mbed()),
         [nvd_rec(descriptions=[{"lang": "en", "value": "MbedTLS flaw"}], status="REJECTED")], [], 1, REVIEW),
    ]
    for i, (label, sbom_doc, recs, extra, status, needle) in enumerate(rt_cases):
        sbom_path = os.path.join(tmp, f"rt-{i}.json")
        with open(sbom_path, "w") as f:
            json.dump(sbom_doc, f)
        d = db_of(f"rt-db-{i}", contents={f"r{k}.json": json.dumps(r) for k, r in enumerate(recs)})
        r = run("--sbom", sbom_path, "--vulndb", d, *extra)
        ok = r.returncode == status and needle in r.stdout + r.stderr and "Sanitizer" not in r.stderr
        check(f"red team: {label}", ok, f"exit {r.returncode}, expected {status}, {needle!r}\n{r.stdout}{r.stderr}")
    # A range of 16,000 events (well inside the limits) took 450 s: every introduced against every
    # event. One pass now; 200,000 events in a few seconds.
    events = [{"introduced": f"1.{i}.0"} for i in range(8000)] + [{"fixed": f"1.{i}.1"} for i in range(8000)]
    sbom_path = os.path.join(tmp, "rt-many-events.json")
    with open(sbom_path, "w") as f:
        json.dump(cdx_with(mbed()), f)
    d = db_of("rt-many-events", contents={"r.json": json.dumps(osv_rec(MBED, [{"type": "SEMVER", "events": events}]))})
    start = time.monotonic()
    try:
        r = run("--sbom", sbom_path, "--vulndb", d)
        problems = [] if r.returncode == 0 and "outside the affected ranges" in r.stdout else [r.stdout[:300] + r.stderr]
    except subprocess.TimeoutExpired:
        problems = ["hung (over 60 s)"]
    seconds = time.monotonic() - start
    if seconds > 10:
        problems.append(f"took {seconds:.1f} s")
    check(f"red team: 16,000 events in one range ({seconds:.2f} s)", not problems, problems)
    # Record files that were skipped in silence: "*.JSON", and a compressed feed as NVD serves it.
    import gzip
    sbom_path = os.path.join(tmp, "rt-files.json")
    with open(sbom_path, "w") as f:
        json.dump(cdx_with(mbed()), f)
    upper = db_of("rt-upper", contents={"CVE-2099-7002.JSON": json.dumps(osv_rec(MBED, fix367))})
    r = run("--sbom", sbom_path, "--vulndb", upper)
    check("red team: a record file named *.JSON is read", r.returncode == 1 and AFFECTED in r.stdout, r.stdout + r.stderr)
    gz = db_of("rt-gz")
    with gzip.open(os.path.join(gz, "nvdcve-2.0-2099.json.gz"), "wt") as f:
        f.write(json.dumps(osv_rec(MBED, fix367)))
    problems = clean_error(run("--sbom", sbom_path, "--vulndb", gz), "nvdcve-2.0-2099.json.gz: a compressed record file")
    check("red team: a compressed record file is an error, not skipped", not problems, problems)
    # A linked directory of records was not followed (its records left out in silence); a loop of
    # links is read once and ends.
    real = db_of("rt-real", contents={"r.json": json.dumps(osv_rec(MBED, fix367))})
    linking = db_of("rt-linking")
    os.symlink(real, os.path.join(linking, "linked"))
    os.symlink(linking, os.path.join(real, "loop"))
    for label, d in [("a linked directory of records is read", linking), ("a loop of linked directories ends", real)]:
        try:
            r = run("--sbom", sbom_path, "--vulndb", d)
            ok = r.returncode == 1 and AFFECTED in r.stdout and "1 records from 1 files" in r.stdout
            detail = r.stdout + r.stderr
        except subprocess.TimeoutExpired:
            ok, detail = False, "hung"
        check(f"red team: {label}", ok, detail)
    # Numbers and text the JSON reader refuses.
    for label, text, needle in [
        ("a number past double (1e400)", '{"id": "x", "modified": "x", "database_specific": {"n": 1e400}}', "number overflow"),
        ("a lone surrogate", '{"id": "x", "modified": "x", "summary": "a\\ud800b"}', "surrogate"),
    ]:
        r = run("--sbom", MINI_CDX, "--vulndb", db_of(f"rt-json-{label[:8]}", contents={"r.json": text}))
        check(f"red team: {label}: refused", not clean_error(r, needle), f"{clean_error(r, needle)}\n{r.stderr}")
    for label, raw in [("overlong UTF-8", b"\xc0\xaf"), ("a UTF-8 surrogate", b"\xed\xa0\x80")]:
        d = os.path.join(tmp, f"rt-raw-{len(raw)}-{raw[0]}")
        os.makedirs(d)
        with open(os.path.join(d, "r.json"), "wb") as f:
            f.write(b'{"id": "x", "modified": "x", "summary": "a' + raw + b'b"}')
        r = run("--sbom", MINI_CDX, "--vulndb", d)
        check(f"red team: {label}: refused", not clean_error(r, "ill-formed UTF-8"), f"{clean_error(r, 'ill-formed UTF-8')}\n{r.stderr}")

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
