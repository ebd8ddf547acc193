"""The data model of one image's SBOM: packages and the files they contain, with what is read from
each file itself (hashes, SPDX-License-Identifier). The writers (spdx, cyclonedx) only read it."""
import hashlib
import re


class FileEntry:
    def __init__(self, path, package, name, kind):
        self.path = path          # absolute, normalised
        self.package = package    # key of the owning package
        self.name = name          # path relative to the package's root (or / for system files)
        self.kind = kind          # "source", "header", "generated", "build-input", "image"
        self.generated_from = []  # absolute paths
        with open(path, "rb") as f:
            data = f.read()
        self.sha1 = hashlib.sha1(data).hexdigest()
        self.sha256 = hashlib.sha256(data).hexdigest()
        self.licenses = []
        m = re.search(rb"SPDX-License-Identifier:\s*([^\r\n*]+)", data[:4096])
        # Only a well-formed expression is recorded; anything else leaves the file's license unknown.
        if m and spdx_license_terms(m.group(1).decode("ascii", "replace")):
            self.licenses = [m.group(1).decode("ascii", "replace").strip()]


class Package:
    def __init__(self, key, name, version, supplier, purpose):
        self.key = key
        self.name = name
        self.version = version
        self.supplier = supplier
        self.purpose = purpose        # SPDX primaryPackagePurpose
        self.cdx_type = "library"
        self.description = ""
        self.purl = None
        self.cpes = []
        self.license = "NOASSERTION"
        self.download = "NOASSERTION"
        self.package_file = None
        self.package_sha256 = None
        self.source_info = None
        self.ancestor_purl = None
        self.ancestor_version = None
        self.relation = None          # to the image: CONTAINS, STATIC_LINK, BUILD_TOOL_OF
        self.properties = []          # (name, value), sorted on output
        self.config = {}              # security-relevant configuration: {option: value}
        self.linked_members = []


SPDX_OPERATORS = ("AND", "OR", "WITH")


def spdx_license_terms(expression):
    """The simple license expressions an SPDX-License-Identifier line names: each license id with its
    exception kept whole ("Apache-2.0 WITH LLVM-exception" is one term; a bare exception id is not a
    license), split at AND and OR. licenseInfoInFiles / licenseInfoFromFiles list such terms. A line
    that is not a well-formed expression gives none (the file's license is then NOASSERTION)."""
    tokens = [t for t in re.findall(r"[()]|[^\s()]+", expression) if t not in "()"]
    terms = []
    expect_term = True
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if expect_term:
            if t.upper() in SPDX_OPERATORS or not re.fullmatch(r"[A-Za-z0-9.+:-]+", t):
                return []
            if i + 1 < len(tokens) and tokens[i + 1].upper() == "WITH":
                if i + 2 >= len(tokens) or tokens[i + 2].upper() in SPDX_OPERATORS:
                    return []
                t = f"{t} WITH {tokens[i + 2]}"
                i += 2
            terms.append(t)
        elif t.upper() not in ("AND", "OR"):
            return []
        expect_term = not expect_term
        i += 1
    return sorted(set(terms)) if not expect_term else []



def purl_encode(s):
    return "".join(c if c.isalnum() or c in ".-_~" else "%%%02X" % ord(c) for c in s)


def under(path, root):
    return path == root or path.startswith(root.rstrip("/") + "/")


def ordered_packages(model):
    order = ["image", "ward", "mbedtls", "tinycbor", "lwip", "gcc", "libstdc++", "newlib", "binutils"]
    return [model.packages[k] for k in order if k in model.packages]


def package_files(model, key):
    return sorted((f for f in model.files.values() if f.package == key), key=lambda f: f.name)
