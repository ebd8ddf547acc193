#!/usr/bin/python3
"""Ward's SBOM generator: what is inside one firmware image, as SPDX 2.3 and CycloneDX 1.6 JSON.

Run by the build after each firmware image is linked (cmake/WardSbom.cmake). Everything in the SBOM
is read from the build, never typed in:

  - which object files and archive members are in the image: the linker's map file (only inputs
    that contribute a non-empty section to a memory region count; --gc-sections leftovers do not);
  - which source files and headers each object was compiled from: Ninja's dependency log
    (.ninja_deps, written from the compiler's depfiles), read without writing to it;
  - which source file an object was compiled from, and with which flags: compile_commands.json;
  - each pinned third-party component (Mbed TLS, tinycbor; --component KEY=PIN=DIR): version and
    checksum from its pin (cmake/*.pin), its configuration where it has one (Mbed TLS: the enabled
    MBEDTLS_* / PSA_WANT_* macros from the preprocessor with the flags the library was compiled
    with), the license from the SPDX-License-Identifier lines of the files compiled in, its identity
    (CPE, purl) from scripts/sbom/components.json;
  - toolchain and C library versions from the tools themselves (gcc -dumpversion, ld --version,
    _NEWLIB_VERSION, __GNUC__...) and, where dpkg exists, the Debian packages that provide them;
  - the image's Kconfig values from its .config.

Subcommands:
  generate   write <name>.spdx.json and <name>.cdx.json for one image.
  signed     the same for a signed update file, from its image's SBOMs (composed.py).
  device     one device SBOM per product, from the SBOMs of the images it runs (composed.py).
  gate       run ward-vuln on an SBOM; on an applicable vulnerability at or above the threshold,
             delete the image files (so nothing shippable is left behind) and fail.

Reproducible: the same inputs give the same documents apart from the creation time and the
document namespace / serial number; with SOURCE_DATE_EPOCH set, those are fixed too.
Standard library only.
"""
import argparse
import datetime
import hashlib
import json
import os
import re
import shlex
import shutil
import struct
import subprocess
import sys
import uuid

import composed

TOOL_NAME = "ward-sbom"
HERE = os.path.dirname(os.path.abspath(__file__))


def symbols_only(path):
    """True when the ELF object at `path` has no section that takes space in an image."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return False
    if data[:4] != b"\x7fELF" or data[4] != 1:  # ELF32 only (the firmware's)
        return False
    e_shoff, = struct.unpack_from("<I", data, 0x20)
    e_shentsize, e_shnum = struct.unpack_from("<HH", data, 0x2e)
    shf_alloc = 0x2
    for i in range(e_shnum):
        _, sh_type, sh_flags, _, _, sh_size = struct.unpack_from("<IIIIII", data, e_shoff + i * e_shentsize)
        if sh_flags & shf_alloc and sh_size > 0:
            return False
    return True


class SbomError(Exception):
    pass


# ------------------------------------------------------------------------------------------------
# Build information
# ------------------------------------------------------------------------------------------------

NINJA_DEPS_SIGNATURE = b"# ninjadeps\n"
NINJA_DEPS_VERSION = 4  # ninja >= 1.10
NINJA_MAX_RECORD = (1 << 19) - 1


def read_ninja_deps(path):
    """{output path: [input paths]} from Ninja's binary dependency log.

    Read-only on purpose: this runs while the same ninja is building, and `ninja -t deps` could
    truncate or recompact the log under it. A trailing partial record (being written right now) is
    ignored; it belongs to an edge this image does not depend on, since ours have all finished.
    """
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise SbomError(f"cannot read Ninja's dependency log {path}: {e.strerror} "
                        "(the SBOM needs a build with the Ninja generator)") from None
    if not data.startswith(NINJA_DEPS_SIGNATURE) or len(data) < len(NINJA_DEPS_SIGNATURE) + 4:
        raise SbomError(f"{path} is not a Ninja dependency log")
    (version,) = struct.unpack_from("=i", data, len(NINJA_DEPS_SIGNATURE))
    if version != NINJA_DEPS_VERSION:
        raise SbomError(f"{path}: Ninja dependency log version {version}, this script reads "
                        f"version {NINJA_DEPS_VERSION} (ninja 1.10 or later)")
    pos = len(NINJA_DEPS_SIGNATURE) + 4
    names = []
    deps = {}
    while pos + 4 <= len(data):
        (header,) = struct.unpack_from("=I", data, pos)
        is_deps = bool(header & 0x80000000)
        size = header & 0x7FFFFFFF
        if size > NINJA_MAX_RECORD or pos + 4 + size > len(data):
            break
        record = data[pos + 4:pos + 4 + size]
        pos += 4 + size
        if is_deps:
            if size < 12 or size % 4:
                break
            out_id = struct.unpack_from("=i", record, 0)[0]
            ids = struct.unpack_from(f"={(size - 12) // 4}i", record, 12)
            deps[out_id] = ids  # a later record for the same output replaces the earlier one
        else:
            if size < 4:
                break
            (checksum,) = struct.unpack_from("=I", record, size - 4)
            if checksum != (~len(names)) & 0xFFFFFFFF:
                break
            names.append(record[:size - 4].rstrip(b"\0").decode("utf-8", "surrogateescape"))
    result = {}
    for out_id, ids in deps.items():
        if 0 <= out_id < len(names) and all(0 <= i < len(names) for i in ids):
            result[names[out_id]] = [names[i] for i in ids]
    return result


MAP_OUT_RE = re.compile(r"^(\S+)\s+0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+)")
MAP_NAME_ONLY_RE = re.compile(r"^( ?)(\S+)\s*$")
MAP_NUMBERS_RE = re.compile(r"^\s+0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+)(?:\s+(\S.*?))?\s*$")
MAP_IN_RE = re.compile(r"^ (\S+)\s+0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+)\s+(\S.*?)\s*$")
MAP_REGION_RE = re.compile(r"^(\S+)\s+0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+)")


LTRANS_RE = re.compile(r"\.ltrans[0-9]*\.ltrans\.o$|\.ltrans\.o$")


def parse_map(path):
    """The input files (objects, or 'archive(member)') that put at least one non-empty section
    into a memory region of the image, according to GNU ld's map file."""
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise SbomError(f"cannot read the map file {path}: {e.strerror}") from None
    regions = []
    i = 0
    while i < len(lines) and lines[i] != "Memory Configuration":
        i += 1
    i += 1
    while i < len(lines) and lines[i] != "Linker script and memory map":
        m = MAP_REGION_RE.match(lines[i])
        if m and m.group(1) not in ("Name", "*default*"):
            regions.append((int(m.group(2), 16), int(m.group(3), 16)))
        i += 1
    if i >= len(lines) or not regions:
        raise SbomError(f"{path}: no memory configuration or memory map (not a GNU ld map file?)")

    def in_region(addr):
        return any(origin <= addr < origin + length for origin, length in regions)

    contributions = set()
    loaded = []
    out_allocated = False
    pending = None  # (is_input_section, name) whose numbers are on the next line
    for line in lines[i + 1:]:
        if line.startswith("LOAD "):
            loaded.append(line[5:].strip())
            continue
        if line.startswith("OUTPUT("):
            continue
        if pending is not None:
            is_input, _ = pending
            pending = None
            m = MAP_NUMBERS_RE.match(line)
            if m:
                addr, size, file = int(m.group(1), 16), int(m.group(2), 16), m.group(3)
                if not is_input:
                    out_allocated = in_region(addr)
                elif out_allocated and size > 0 and file:
                    contributions.add(file)
                continue
        if not line.startswith(" "):
            m = MAP_OUT_RE.match(line)
            if m:
                out_allocated = in_region(int(m.group(2), 16))
                continue
            m = MAP_NAME_ONLY_RE.match(line)
            if m and m.group(2).startswith("."):
                pending = (False, m.group(2))
            continue
        m = MAP_IN_RE.match(line)
        if m:
            if out_allocated and int(m.group(3), 16) > 0 and not m.group(1).startswith("*"):
                contributions.add(m.group(4))
            continue
        m = MAP_NAME_ONLY_RE.match(line)
        if m and m.group(1) == " " and not m.group(2).startswith("*"):
            pending = (True, m.group(2))
    contributions.discard("linker stubs")
    # Link-time optimisation: the code of every LTO input object comes out of the compiler's
    # temporary "ltrans" objects, so the map cannot say which input gave what. Every object of the
    # build that was an input of the link then counts as compiled into the image (a slight
    # over-approximation: an input whose every function was discarded is still listed).
    ltrans = {c for c in contributions if LTRANS_RE.search(c)}
    if ltrans:
        contributions -= ltrans
        contributions |= {f for f in loaded if f.endswith((".o", ".obj")) and not LTRANS_RE.search(f)
                          and not os.path.isabs(f)}
    return contributions


def strip_compile(argv):
    """A compile command without its output, input and dependency-file arguments."""
    out = []
    skip = False
    for a in argv:
        if skip:
            skip = False
            continue
        if a in ("-o", "-MF", "-MT", "-MQ"):
            skip = True
            continue
        if a in ("-c", "-MD", "-MMD") or a.startswith("-o"):
            continue
        out.append(a)
    return out


def load_compile_commands(build_dir):
    """{object path relative to the build dir: (source file, compile argv without -o/-c/source)}."""
    path = os.path.join(build_dir, "compile_commands.json")
    try:
        with open(path, encoding="utf-8") as f:
            entries = json.load(f)
    except (OSError, ValueError) as e:
        raise SbomError(f"cannot read {path} ({e}); configure with CMAKE_EXPORT_COMPILE_COMMANDS=ON") from None
    result = {}
    for e in entries:
        argv = e.get("arguments") or shlex.split(e["command"])
        directory = e["directory"]
        source = os.path.normpath(os.path.join(directory, e["file"]))
        obj = None
        for k, a in enumerate(argv):
            if a == "-o" and k + 1 < len(argv):
                obj = argv[k + 1]
            elif a.startswith("-o") and len(a) > 2:
                obj = a[2:]
        if obj is None:
            continue
        obj = os.path.relpath(os.path.normpath(os.path.join(directory, obj)), build_dir)
        argv = [a for a in strip_compile(argv) if os.path.normpath(os.path.join(directory, a)) != source]
        result[obj] = (source, argv)
    return result


def ninja_archive_members(ninja, build_dir, archive):
    """{member name: object path} for a static library built by this build (`ninja -t query`
    only reads the manifest, never the logs)."""
    r = subprocess.run([ninja, "-C", build_dir, "-t", "query", archive],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise SbomError(f"ninja -t query {archive} failed: {r.stderr.strip() or r.stdout.strip()}")
    members = {}
    section = None
    for line in r.stdout.splitlines():
        s = line.strip()
        if s.startswith("input:"):
            section = "input"
            continue
        if s.startswith("outputs:"):
            section = None
            continue
        if section == "input" and s and not s.startswith("|"):
            name = os.path.basename(s)
            if name in members:
                raise SbomError(f"{archive}: two inputs named {name}; cannot tell which one is linked")
            members[name] = s
    return members


# ------------------------------------------------------------------------------------------------
# Tools and packages
# ------------------------------------------------------------------------------------------------

def run(argv, stdin=None):
    try:
        r = subprocess.run(argv, input=stdin, capture_output=True, text=True)
    except OSError as e:
        raise SbomError(f"cannot run {argv[0]}: {e.strerror}") from None
    if r.returncode != 0:
        raise SbomError(f"{' '.join(argv[:3])}... failed: {r.stderr.strip()}")
    return r.stdout


def macros(argv, lang, text):
    """{name: value} of every macro defined after preprocessing `text` with this compile command."""
    out = run(argv + ["-x", lang, "-E", "-dM", "-"], stdin=text)
    result = {}
    for line in out.splitlines():
        m = re.match(r"#define (\w+)(?:\s+(.*))?$", line)
        if m:
            result[m.group(1)] = (m.group(2) or "").strip()
    return result


def header_paths(argv, lang, text):
    out = run(argv + ["-x", lang, "-M", "-"], stdin=text)
    return [p for p in out.replace("\\\n", " ").split() if p.startswith("/")]


def dpkg_info(paths):
    """{path: (binary package, version, source package, source version, arch)} where dpkg knows."""
    try:
        r = subprocess.run(["dpkg-query", "-S"] + sorted(set(paths)), capture_output=True, text=True)
    except OSError:
        return {}
    owner = {}
    for line in r.stdout.splitlines():
        if ": " in line:
            pkgs, path = line.split(": ", 1)
            if "," not in pkgs and "diversion" not in pkgs:
                owner[path] = pkgs.split(":")[0]
    result = {}
    for path, pkg in owner.items():
        q = subprocess.run(["dpkg-query", "-W", "-f=${Version}\t${source:Package}\t${source:Version}\t${Architecture}", pkg],
                           capture_output=True, text=True)
        if q.returncode == 0 and q.stdout.count("\t") == 3:
            version, src, src_version, arch = q.stdout.split("\t")
            result[path] = (pkg, version, src, src_version, arch)
    return result


def os_release():
    info = {}
    try:
        with open("/etc/os-release", encoding="utf-8") as f:
            for line in f:
                k, _, v = line.strip().partition("=")
                info[k] = v.strip('"')
    except OSError:
        pass
    return info


def purl_encode(s):
    return "".join(c if c.isalnum() or c in ".-_~" else "%%%02X" % ord(c) for c in s)


def debian_archive_uri():
    """The machine's Debian archive address from its apt sources (as scripts/fetch-orig.sh finds
    it), or None."""
    uris = []
    d = "/etc/apt/sources.list.d"
    names = sorted(os.listdir(d)) if os.path.isdir(d) else []
    for n in names:
        if n.endswith(".sources"):
            with open(os.path.join(d, n), encoding="utf-8", errors="replace") as f:
                for line in f:
                    if line.lower().startswith("uris:"):
                        uris += line.split()[1:]
    for path in ["/etc/apt/sources.list"] + [os.path.join(d, n) for n in names if n.endswith(".list")]:
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                for line in f:
                    words = line.split()
                    if words and words[0] in ("deb", "deb-src"):
                        uris += [w for w in words[1:] if re.match(r"^[a-z+]+://", w)][:1]
        except OSError:
            pass
    for u in uris:
        if "-security" not in u and "debian" in u.lower():
            return u.rstrip("/")
    return None


# ------------------------------------------------------------------------------------------------
# The model: packages and files
# ------------------------------------------------------------------------------------------------

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


def kconfig_sources(root_kconfig, source_dir, board):
    """Every Kconfig file the configuration is read from (root and the `source` tree)."""
    seen = []

    def visit(path):
        if path in seen or not os.path.exists(path):
            return
        seen.append(path)
        with open(path, encoding="utf-8") as f:
            for line in f:
                m = re.match(r'^\s*[orc]?source\s+"([^"]+)"', line)
                if m:
                    target = m.group(1).replace("$(WARD_BOARD)", board)
                    visit(os.path.normpath(os.path.join(source_dir, target)))

    visit(os.path.normpath(root_kconfig))
    return seen


def read_config(path):
    values = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            m = re.match(r"^(CONFIG_\w+)=(.*)$", line)
            if m:
                values[m.group(1)] = m.group(2).strip('"')
                continue
            m = re.match(r"^# (CONFIG_\w+) is not set$", line)
            if m:
                values[m.group(1)] = "n"
    return values


PIN_KEYS = ("VERSION", "DEBIAN_VERSION", "DEBIAN_SUITE", "TARBALL", "SHA256")


def read_pin(path):
    """A pin file (cmake/*.pin) with its keys normalised: cmake/mbedtls.pin spells them MBEDTLS_*,
    the pins scripts/fetch-orig.sh reads ORIG_* (MBEDTLS_ORIG_TARBALL and ORIG_TARBALL: TARBALL)."""
    values = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^([A-Z0-9_]+)=(.*)$", line.strip())
            if m:
                values[m.group(1).removeprefix("MBEDTLS_").removeprefix("ORIG_")] = m.group(2)
    for key in PIN_KEYS:
        if not values.get(key):
            raise SbomError(f"{path} does not set its {key.lower().replace('_', ' ')}")
    return values


def parse_component(text):
    """--component KEY=PIN=SOURCE_DIR: a pinned third-party component, its pin and its unpacked source."""
    parts = text.split("=", 2)
    if len(parts) != 3 or not all(parts):
        raise SbomError(f"--component '{text}' is not KEY=PIN=SOURCE_DIR")
    return parts[0], os.path.normpath(os.path.abspath(parts[1])), os.path.normpath(os.path.abspath(parts[2]))


def under(path, root):
    return path == root or path.startswith(root.rstrip("/") + "/")


class Collector:
    def __init__(self, args):
        self.args = args
        self.source_dir = os.path.normpath(os.path.abspath(args.source_dir))
        self.build_dir = os.path.normpath(os.path.abspath(args.build_dir))
        self.config_dir = os.path.normpath(os.path.abspath(args.config_dir))
        # Pinned third-party components: key -> (pin file, unpacked source directory).
        self.components = {key: (pin, d) for key, pin, d in map(parse_component, args.component)}
        self.packages = {}
        self.files = {}
        self.compiled = []      # files the image was compiled from (sources and headers)
        self.build_inputs = []  # linker scripts

    # -- files --------------------------------------------------------------------------------
    def add_file(self, path, kind, package=None):
        path = os.path.normpath(path)
        if path in self.files:
            return self.files[path]
        if not os.path.isfile(path):
            raise SbomError(f"{path} is listed by the build but does not exist")
        if package is None:
            package = self.owner(path)
        if package in self.components:
            name = os.path.relpath(path, self.components[package][1])
        elif package == "ward" and under(path, self.build_dir):
            # Generated files by their place in the build tree, wherever the tree is (reproducible).
            name = "$(BUILD)/" + os.path.relpath(path, self.build_dir)
        elif package == "ward":
            name = os.path.relpath(path, self.source_dir)
        elif package == "image":
            name = os.path.basename(path)
        else:
            name = path
        if package == "ward" and under(path, self.build_dir):
            kind = "generated"
        entry = FileEntry(path, package, name, kind)
        self.files[path] = entry
        return entry

    def owner(self, path):
        for key, (_, root) in self.components.items():
            if under(path, root):
                return key
        if under(path, self.build_dir):
            return "ward"
        if under(path, self.source_dir):
            if under(path, os.path.join(self.source_dir, ".cache")):
                raise SbomError(f"{path}: third-party file from an unknown component in the cache; "
                                "describe the component in scripts/sbom/ before linking it")
            return "ward"
        for key, root in self.system_roots:
            if under(path, root):
                return key
        return "gcc"  # a system header reached through the compiler's own search path

    # -- the steps ----------------------------------------------------------------------------
    def collect(self):
        a = self.args
        commands = load_compile_commands(self.build_dir)
        deps = read_ninja_deps(os.path.join(self.build_dir, ".ninja_deps"))
        contributions = parse_map(a.map)

        objects = set()
        toolchain_members = {}  # archive path -> [members]
        member_cache = {}
        for item in sorted(contributions):
            m = re.match(r"^(.*)\(([^()]+)\)$", item)
            if not m:
                objects.add(os.path.normpath(item))
                continue
            archive, member = m.group(1), m.group(2)
            archive_abs = os.path.normpath(os.path.join(self.build_dir, archive))
            if under(archive_abs, self.build_dir):
                if archive not in member_cache:
                    member_cache[archive] = ninja_archive_members(a.ninja, self.build_dir, archive)
                if member not in member_cache[archive]:
                    raise SbomError(f"{archive}({member}) is linked but not an input of {archive}")
                objects.add(os.path.normpath(member_cache[archive][member]))
            else:
                toolchain_members.setdefault(os.path.realpath(archive_abs), []).append(member)

        sources = {}
        for obj in sorted(objects):
            if obj not in commands and symbols_only(os.path.join(self.build_dir, obj)):
                # An import library of symbols only (the secure image's veneer addresses): it adds
                # no code or data to the image, so it is no component of it.
                continue
            if obj not in commands:
                raise SbomError(f"{obj} is linked into {a.name} but not in compile_commands.json")
            sources[obj] = commands[obj]
        if not sources:
            raise SbomError(f"{a.map}: no object of this build is linked into {a.name}")

        self.setup_toolchain(sources)
        linked_sources = {src for src, _ in sources.values()}

        compiled = set()
        for obj, (src, _) in sources.items():
            compiled.add(src)
            if obj not in deps:
                raise SbomError(f"no dependency information for {obj} in {self.build_dir}/.ninja_deps "
                                "(was it compiled by this build tree's ninja?)")
            for d in deps[obj]:
                compiled.add(os.path.normpath(os.path.join(self.build_dir, d)))
        for path in sorted(compiled):
            entry = self.add_file(path, "source" if path in linked_sources else "header")
            self.compiled.append(entry)
        for script in a.linker_script:
            self.build_inputs.append(self.add_file(os.path.abspath(script), "build-input", "ward"))

        self.make_ward_package()
        self.make_image_package()
        # A non-secure image uses Mbed TLS's PSA headers (the client API, with their inline
        # functions) without linking the library: it contains Mbed TLS code all the same.
        for key in sorted(self.components):
            linked = any(self.owner(s) == key for s in linked_sources)
            if linked or any(self.owner(p) == key for p in compiled):
                self.make_pinned_package(key, sources, headers_only=not linked)
        self.make_toolchain_packages(toolchain_members)
        self.link_generated_files()
        return self

    def setup_toolchain(self, sources):
        # One C++ and one C compile command of this image's own (Ward) objects: the exact compiler
        # and CPU flags the image was built with.
        ward = [(s, argv) for s, argv in sorted(sources.values())
                if under(s, self.source_dir) and self.owner(s) == "ward"]
        cxx = next((argv for s, argv in ward if s.endswith((".cpp", ".cc", ".cxx"))), None)
        cc = next((argv for s, argv in ward if s.endswith(".c")), None)
        # An image with no C source of Ward's own (the secure image): a third-party C source's
        # command has the same compiler and CPU flags; with none at all, the C++ command probes the
        # C library as C++ (C++-only warning flags are errors in a C compile under -Werror).
        cc = cc or next((argv for s, argv in sorted(sources.values()) if s.endswith(".c")), None)
        any_cmd = cxx or cc or sorted(sources.values())[0][1]
        self.cxx_cmd = [x for x in (cxx or any_cmd) if not x.startswith("-std=")]
        self.cc_cmd = [x for x in (cc or any_cmd) if not x.startswith("-std=")]
        self.cc_lang = "c" if cc else "c++"
        compiler = self.cc_cmd[0]
        newlib_h = next(p for p in header_paths(self.cc_cmd, self.cc_lang, "#include <newlib.h>\n")
                        if p.endswith("/newlib.h"))
        cxx_config = next((p for p in header_paths(self.cxx_cmd, "c++", "#include <cstddef>\n")
                           if p.endswith("/bits/c++config.h")), None)
        gcc_include = run([compiler, "-print-file-name=include"]).strip()
        self.system_roots = []
        if cxx_config and "/c++/" in cxx_config:
            head, tail = cxx_config.split("/c++/", 1)
            self.system_roots.append(("libstdc++", head + "/c++/" + tail.split("/", 1)[0]))
        self.system_roots.append(("gcc", os.path.dirname(os.path.normpath(gcc_include))))
        self.system_roots.append(("newlib", os.path.dirname(newlib_h)))
        self.tool_paths = {
            "gcc": os.path.realpath(compiler if "/" in compiler else (shutil.which(compiler) or compiler)),
            "binutils": os.path.realpath(run([compiler, "-print-prog-name=ld"]).strip()),
            "newlib": os.path.realpath(newlib_h),
        }
        if cxx_config:
            self.tool_paths["libstdc++"] = os.path.realpath(cxx_config)
        c_macros = macros(self.cc_cmd, self.cc_lang, "#include <newlib.h>\n")
        cxx_macros = macros(self.cxx_cmd, "c++", "#include <cstddef>\n") if cxx_config else {}
        ld_version = run([self.tool_paths["binutils"], "--version"]).splitlines()[0]
        m = re.search(r"(\d+\.\d+(?:\.\d+)*)\s*$", ld_version)
        self.tool_versions = {
            "gcc": (run([compiler, "-dumpversion"]).strip(), run([compiler, "--version"]).splitlines()[0]),
            "binutils": (m.group(1) if m else "NOASSERTION", ld_version),
            "newlib": (c_macros.get("_NEWLIB_VERSION", "NOASSERTION").strip('"'), "newlib C library"),
        }
        if cxx_macros:
            gnuc = ".".join(cxx_macros.get(k, "0") for k in ("__GNUC__", "__GNUC_MINOR__", "__GNUC_PATCHLEVEL__"))
            self.tool_versions["libstdc++"] = (gnuc, f"GNU C++ library, __GLIBCXX__ {cxx_macros.get('__GLIBCXX__', '?')}")

    def make_ward_package(self):
        a = self.args
        p = Package("ward", "ward", a.version, f"Organization: {a.supplier}", "OPERATING_SYSTEM")
        p.cdx_type = "operating-system"
        p.description = "Ward RTOS: kernel, ports, board support and libraries, as compiled into this image"
        p.license = a.license
        p.purl = f"pkg:generic/ward@{purl_encode(a.version)}"
        p.relation = "CONTAINS"
        self.packages["ward"] = p

    def make_image_package(self):
        a = self.args
        p = Package("image", a.name, a.version, f"Organization: {a.supplier}", "FIRMWARE")
        p.cdx_type = "firmware"
        p.description = f"Ward firmware image {a.name} for board {a.board}"
        p.license = a.license
        p.package_file = os.path.basename(a.elf)
        p.purl = f"pkg:generic/ward-image-{a.name}@{purl_encode(a.version)}?board={a.board}"
        self.image_files = [self.add_file(os.path.abspath(a.elf), "image", "image")]
        if a.bin:
            binary = self.add_file(os.path.abspath(a.bin), "image", "image")
            binary.generated_from = [self.image_files[0].path]
            self.image_files.append(binary)
        self.image_files[0].generated_from = [f.path for f in self.compiled + self.build_inputs]
        p.package_sha256 = self.image_files[0].sha256
        config = read_config(os.path.join(self.config_dir, ".config"))
        p.config = config
        p.properties.append(("ward:board", a.board))
        self.packages["image"] = p

    def make_pinned_package(self, key, sources, headers_only=False):
        """A third-party component from its pin (version, Debian source, tarball checksum), its
        identity in components.json, the licenses of the files compiled in and, where the component
        has one, the configuration it was really compiled with."""
        pin_path, root = self.components[key]
        pin = read_pin(pin_path)
        with open(os.path.join(HERE, "components.json"), encoding="utf-8") as f:
            ident = json.load(f).get(key)
        if ident is None:
            raise SbomError(f"component '{key}' is not described in scripts/sbom/components.json")
        version = pin["VERSION"]
        pin_name = os.path.relpath(pin_path, self.source_dir)
        p = Package(key, ident["name"], version, ident["supplier"], "LIBRARY")
        p.description = ident["description"]
        p.purl = ident["purl"].format(version=version)
        p.cpes = [c.format(version=version) for c in ident["cpes"]]
        p.package_file = pin["TARBALL"]
        p.package_sha256 = pin["SHA256"]
        src = ident["debian_source"]
        pool = (src[:4] if src.startswith("lib") else src[0]) + "/" + src
        archive = debian_archive_uri()
        if archive:
            p.download = f"{archive}/pool/main/{pool}/{pin['TARBALL']}"
        p.source_info = (f"Debian source package {src} {pin['DEBIAN_VERSION']} "
                         f"({pin['DEBIAN_SUITE']}): the upstream orig tarball only, without "
                         f"Debian's patches, verified against the SHA-256 pinned in {pin_name}")
        p.ancestor_purl = (f"pkg:deb/debian/{src}@{purl_encode(pin['DEBIAN_VERSION'])}"
                           f"?arch=source&distro={pin['DEBIAN_SUITE']}")
        p.ancestor_version = pin["DEBIAN_VERSION"]
        licenses = sorted({lic for f in self.files.values() if f.package == key for lic in f.licenses})
        if len(licenses) == 1:
            p.license = licenses[0]
        elif licenses:
            p.license = " AND ".join(f"({x})" for x in licenses)
        elif ident.get("license"):
            p.license = ident["license"]  # its files carry no SPDX line: the project's declared license
        if "config_header" in ident:
            p.config = self.compiled_configuration(key, ident, sources, headers_only, version, pin_name)
        p.properties += [("ward:debian:source", src), ("ward:debian:version", pin["DEBIAN_VERSION"]),
                         ("ward:debian:suite", pin["DEBIAN_SUITE"])]
        if headers_only:
            p.properties.append((f"ward:{key}:use", ident.get("headers_only_use", "headers only")))
        p.relation = "CONTAINS"
        self.packages[key] = p

    def compiled_configuration(self, key, ident, sources, headers_only, version, pin_name):
        """What the library was really compiled with: its own compile command, preprocessing the
        header that includes the configuration and the library's adjustments of it. Headers only: the
        compile command of an image source that sees the component's include directory."""
        include_dir = os.path.join(self.components[key][1], "include")
        if headers_only:
            src, argv = next((src, argv) for src, argv in sorted(sources.values())
                             if any(include_dir in arg for arg in argv))
            lang = "c" if src.endswith(".c") else "c++"
        else:
            argv = next(argv for src, argv in sorted(sources.values()) if self.owner(src) == key)
            lang = "c"
        defined = macros(argv, lang, f"#include <{ident['config_header']}>\n")
        header_version = defined.get(ident["version_macro"], "").strip('"')
        if header_version != version:
            raise SbomError(f"{ident['name']} headers say version '{header_version}', {pin_name} says {version}")
        pattern = re.compile(ident["config_macros"])
        exclude = re.compile(ident["config_exclude"])
        return {k: v for k, v in defined.items() if pattern.match(k) and not exclude.match(k)}

    def make_toolchain_packages(self, members):
        deb = dpkg_info(self.tool_paths.values())
        rel = os_release()
        distro = f"{rel.get('ID', 'debian')}-{rel.get('VERSION_ID', '')}".rstrip("-")
        names = {"gcc": "gcc", "binutils": "binutils", "newlib": "newlib", "libstdc++": "libstdc++"}
        describe = {"gcc": "GNU C/C++ compiler and its runtime support library (libgcc)",
                    "binutils": "GNU assembler, linker and objcopy",
                    "newlib": "newlib C library (nano variant) and its headers",
                    "libstdc++": "GNU C++ standard library headers and runtime (nano variant)"}
        cpe_vendor = {"gcc": "gnu:gcc", "binutils": "gnu:binutils"}
        for key, path in sorted(self.tool_paths.items()):
            version, detail = self.tool_versions.get(key, ("NOASSERTION", ""))
            has_files = any(f.package == key for f in self.files.values())
            linked = sorted(f"{os.path.basename(ar)}({m})" for ar, ms in members.items()
                            for m in ms if self.archive_role(ar) == key)
            if not has_files and not linked and key not in ("gcc", "binutils"):
                continue
            p = Package(key, names[key], version, "NOASSERTION", "LIBRARY" if key in ("newlib", "libstdc++") else "APPLICATION")
            p.cdx_type = "library" if key in ("newlib", "libstdc++") else "application"
            p.description = f"{describe[key]} ({detail})" if detail else describe[key]
            if key in cpe_vendor and version != "NOASSERTION":
                p.cpes = [f"cpe:2.3:a:{cpe_vendor[key]}:{version}:*:*:*:*:*:*:*"]
            if path in deb:
                pkg, pkg_version, src, src_version, arch = deb[path]
                p.supplier = "Organization: Debian"
                p.purl = f"pkg:deb/{rel.get('ID', 'debian')}/{src}@{purl_encode(src_version)}?arch=source&distro={distro}"
                p.properties += [("ward:debian:package", f"{pkg} {pkg_version} {arch}"),
                                 ("ward:debian:source", f"{src} {src_version}")]
                p.source_info = f"Debian package {pkg} {pkg_version} (source {src} {src_version}) as installed on the build machine"
            p.properties.append(("ward:tool", path))
            p.linked_members = linked
            if linked:
                p.relation = "STATIC_LINK"
            elif key in ("gcc", "binutils"):
                p.relation = "BUILD_TOOL_OF"
            else:
                p.relation = "CONTAINS"  # headers only: compiled in
            self.packages[key] = p

    def config_of(self, path):
        """The .config a generated header under <image>.ward/config/include/ was written from."""
        d = os.path.dirname(path)
        while under(d, self.build_dir) and d != self.build_dir:
            if os.path.isfile(os.path.join(d, ".config")) and os.path.isdir(os.path.join(d, "include")):
                return os.path.join(d, ".config")
            d = os.path.dirname(d)
        return None

    def archive_role(self, archive):
        base = os.path.basename(archive)
        if base.startswith(("libstdc++", "libsupc++")):
            return "libstdc++"
        if base.startswith(("libgcc", "libgcov")):
            return "gcc"
        return "newlib"

    def link_generated_files(self):
        a = self.args
        kconfig = [self.add_file(p, "build-input", "ward") for p in kconfig_sources(a.kconfig, self.source_dir, a.board)]
        fragments = [self.add_file(os.path.abspath(f), "build-input", "ward") for f in a.fragment if os.path.isfile(f)]
        kconfig_paths = [f.path for f in kconfig]
        version_in = os.path.join(self.source_dir, "cmake", "version.hpp.in")
        for f in list(self.files.values()):
            if f.kind != "generated" or f.path.endswith("/.config"):
                continue
            config = self.config_of(f.path)
            if config:
                # Images with identical configurations share one core, compiled against the first
                # image's headers: those come from that image's .config (identical to this one's).
                dot_config = self.add_file(config, "generated", "ward")
                f.generated_from = [dot_config.path] + kconfig_paths
                dot_config.generated_from = kconfig_paths + (
                    [x.path for x in fragments] if os.path.dirname(config) == self.config_dir else [])
            elif os.path.basename(f.path) == "version.hpp" and os.path.isfile(version_in):
                f.generated_from = [self.add_file(version_in, "build-input", "ward").path]
            else:
                print(f"ward-sbom: warning: {f.path} is generated but its inputs are unknown", file=sys.stderr)


# ------------------------------------------------------------------------------------------------
# Documents
# ------------------------------------------------------------------------------------------------

def spdx_id(prefix, text):
    clean = re.sub(r"[^A-Za-z0-9.-]+", "-", text).strip("-")[-60:]
    return f"SPDXRef-{prefix}-{clean}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"


def ordered_packages(model):
    order = ["image", "ward", "mbedtls", "tinycbor", "gcc", "libstdc++", "newlib", "binutils"]
    return [model.packages[k] for k in order if k in model.packages]


def package_files(model, key):
    return sorted((f for f in model.files.values() if f.package == key), key=lambda f: f.name)


def spdx_document(model, created, namespace):
    a = model.args
    pid = {p.key: f"SPDXRef-Package-{p.key.replace('+', 'p')}" for p in model.packages.values()}
    pid["image"] = "SPDXRef-Image"
    fid = {f.path: spdx_id("File", f"{f.package}/{f.name}") for f in model.files.values()}
    tool = f"Tool: {TOOL_NAME}-{a.version}"
    packages = []
    for p in ordered_packages(model):
        files = package_files(model, p.key)
        entry = {
            "SPDXID": pid[p.key],
            "name": p.name,
            "versionInfo": p.version,
            "supplier": p.supplier,
            "downloadLocation": p.download,
            "filesAnalyzed": bool(files),
            "licenseConcluded": "NOASSERTION",
            "licenseDeclared": p.license,
            "copyrightText": "NOASSERTION",
            "primaryPackagePurpose": p.purpose,
        }
        if p.description:
            entry["description"] = p.description
        if files:
            code = hashlib.sha1("".join(sorted(f.sha1 for f in files)).encode()).hexdigest()
            entry["packageVerificationCode"] = {"packageVerificationCodeValue": code}
            entry["licenseInfoFromFiles"] = sorted({i for f in files for lic in f.licenses for i in spdx_license_terms(lic)}) or ["NOASSERTION"]
        if p.package_file:
            entry["packageFileName"] = p.package_file
        if p.package_sha256:
            entry["checksums"] = [{"algorithm": "SHA256", "checksumValue": p.package_sha256}]
        if p.source_info:
            # The Debian package is provenance only, not an identity to match vulnerabilities by:
            # Debian's patches are not applied, so Debian's "fixed" versions do not apply.
            entry["sourceInfo"] = p.source_info + (f" ({p.ancestor_purl})" if p.ancestor_purl else "")
        refs = [{"referenceCategory": "SECURITY", "referenceType": "cpe23Type", "referenceLocator": c} for c in p.cpes]
        if p.purl:
            refs.append({"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": p.purl})
        if refs:
            entry["externalRefs"] = refs
        comments = [f"{k}: {v}" for k, v in sorted(p.properties)]
        if p.linked_members:
            comments.append("linked archive members: " + " ".join(p.linked_members))
        if comments:
            entry["comment"] = "\n".join(comments)
        if p.config:
            entry["annotations"] = [{"annotationDate": created, "annotationType": "OTHER", "annotator": tool,
                                     "comment": f"ward:config {k}={v}"} for k, v in sorted(p.config.items())]
        packages.append(entry)

    files = []
    kinds = {"source": "SOURCE", "header": "SOURCE", "generated": "SOURCE", "build-input": "TEXT", "image": "BINARY"}
    for f in sorted(model.files.values(), key=lambda f: (f.package, f.name)):
        ids = sorted({i for lic in f.licenses for i in spdx_license_terms(lic)})
        entry = {
            "SPDXID": fid[f.path],
            "fileName": "./" + f.name.lstrip("/"),
            "checksums": [{"algorithm": "SHA1", "checksumValue": f.sha1},
                          {"algorithm": "SHA256", "checksumValue": f.sha256}],
            "fileTypes": [kinds[f.kind]],
            "licenseConcluded": "NOASSERTION",
            "licenseInfoInFiles": ids or ["NOASSERTION"],
            "copyrightText": "NOASSERTION",
        }
        if f.kind == "generated":
            entry["comment"] = "generated by the build"
        elif f.kind == "build-input":
            entry["comment"] = "build input (not compiled): configuration or linker script"
        files.append(entry)

    rels = [("SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-Image")]
    for p in ordered_packages(model):
        if p.key == "image":
            continue
        if p.relation == "BUILD_TOOL_OF":
            rels.append((pid[p.key], "BUILD_TOOL_OF", "SPDXRef-Image"))
        else:
            rels.append(("SPDXRef-Image", p.relation, pid[p.key]))
    for f in model.files.values():
        rels.append((pid[f.package], "CONTAINS", fid[f.path]))
        for src in f.generated_from:
            rels.append((fid[f.path], "GENERATED_FROM", fid[src]))
    rels = sorted(set(rels), key=lambda r: (r[0] != "SPDXRef-DOCUMENT", r))
    return {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": f"ward-{a.name}",
        "documentNamespace": namespace,
        "creationInfo": {
            "created": created,
            "creators": [tool, f"Organization: {a.supplier}"],
            "comment": f"SBOM of the Ward firmware image {a.name} ({a.board}), generated by the build from "
                       "its link map, Ninja's dependency log and compile commands.",
        },
        "packages": packages,
        "files": files,
        "relationships": [{"spdxElementId": x, "relationshipType": t, "relatedSpdxElement": y} for x, t, y in rels],
    }


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


def stable_json(doc):
    return json.dumps(doc, indent=2, sort_keys=False, ensure_ascii=False) + "\n"


def write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def creation_time(default_epoch=None):
    """SOURCE_DATE_EPOCH from the environment, else the build's default (the commit's time, from
    --source-date-epoch), else now."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH") or default_epoch
    if epoch:
        if not epoch.isdigit():
            raise SbomError(f"SOURCE_DATE_EPOCH must be a number of seconds, not '{epoch}'")
        t = datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc)
    else:
        t = datetime.datetime.now(datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def generate(args):
    model = Collector(args).collect()
    created = creation_time(args.source_date_epoch)
    # The namespace and serial number must be unique per document, yet the same inputs at the same
    # time give the same documents: derive them from the content and the time.
    spdx = spdx_document(model, created, "urn:placeholder")
    cdx = cyclonedx_document(model, created, "urn:uuid:00000000-0000-0000-0000-000000000000")
    digest = hashlib.sha256((stable_json(spdx) + stable_json(cdx)).encode()).hexdigest()
    unique = uuid.uuid5(uuid.NAMESPACE_URL, f"ward-sbom:{args.name}:{digest}:{created}")
    spdx["documentNamespace"] = f"https://spdx.org/spdxdocs/ward-{args.name}-{unique}"
    cdx["serialNumber"] = f"urn:uuid:{unique}"
    write_atomic(args.out_spdx, stable_json(spdx))
    write_atomic(args.out_cdx, stable_json(cdx))
    return 0


def load_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        raise SbomError(f"{path}: {e}") from e


def signed(args):
    mcuboot = {"version": args.mcuboot_version, "security-counter": args.security_counter}
    try:
        spdx, cdx = composed.signed_documents(load_json(args.image_spdx), load_json(args.image_cdx), args.signed,
                                              args.name, mcuboot, creation_time(args.source_date_epoch))
    except (OSError, ValueError, KeyError, StopIteration) as e:
        raise SbomError(f"cannot compose the SBOM of {args.signed}: {e!r}") from e
    write_atomic(args.out_spdx, stable_json(spdx))
    write_atomic(args.out_cdx, stable_json(cdx))
    return 0


def device(args):
    images = []
    for item in args.image:
        role, _, base = item.partition("=")
        if not role or not base:
            raise SbomError(f"--image '{item}' is not ROLE=PATH (PATH.spdx.json and PATH.cdx.json)")
        images.append((role, load_json(base + ".spdx.json"), load_json(base + ".cdx.json")))
    try:
        spdx, cdx = composed.device_documents(args.name, images, args.supplier, args.version,
                                              creation_time(args.source_date_epoch),
                                              f"Tool: {TOOL_NAME}-{args.version}")
    except (ValueError, KeyError, StopIteration) as e:
        raise SbomError(f"cannot compose the device SBOM of {args.name}: {e!r}") from e
    write_atomic(args.out_spdx, stable_json(spdx))
    write_atomic(args.out_cdx, stable_json(cdx))
    return 0


# ------------------------------------------------------------------------------------------------
# The build's vulnerability gate
# ------------------------------------------------------------------------------------------------

def gate(args):
    argv = [args.tool, "--sbom", args.sbom, "--fail-on", args.fail_on]
    for d in args.vulndb:
        argv += ["--vulndb", d]
    if args.features:
        argv += ["--features", args.features]
    if args.products:
        argv += ["--products", args.products]
    if args.vex:
        argv += ["--vex", args.vex]
    r = subprocess.run(argv)
    if r.returncode == 0:
        return 0
    for f in args.remove:
        if os.path.exists(f):
            os.remove(f)
    if r.returncode == 1:
        print(f"ward: vulnerability gate: {os.path.basename(args.sbom)} has a known applicable vulnerability "
              f"of severity {args.fail_on} or higher (CONFIG_WARD_VULN_GATE); the image was deleted. "
              "See docs/supply-chain.md.", file=sys.stderr)
    else:
        print(f"ward: vulnerability gate: ward-vuln could not check {args.sbom} (exit {r.returncode}); "
              "the image was deleted.", file=sys.stderr)
    return 1


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate", help="write the SBOMs of one image")
    g.add_argument("--name", required=True)
    g.add_argument("--elf", required=True)
    g.add_argument("--bin")
    g.add_argument("--map", required=True)
    g.add_argument("--board", required=True)
    g.add_argument("--source-dir", required=True)
    g.add_argument("--build-dir", required=True)
    g.add_argument("--config-dir", required=True, help="the image's Kconfig output (.config, include/)")
    g.add_argument("--kconfig", required=True, help="the root Kconfig file")
    g.add_argument("--fragment", action="append", default=[], help="Kconfig fragment (missing ones are skipped)")
    g.add_argument("--linker-script", action="append", default=[])
    g.add_argument("--version", required=True)
    g.add_argument("--supplier", required=True)
    g.add_argument("--license", default="NOASSERTION")
    g.add_argument("--component", action="append", default=[],
                   help="KEY=PIN=SOURCE_DIR: a pinned third-party component (described in components.json)")
    g.add_argument("--ninja", default="ninja")
    g.add_argument("--out-spdx", required=True)
    g.add_argument("--out-cdx", required=True)
    sg = sub.add_parser("signed", help="write the SBOMs of a signed update file from its image's SBOMs")
    sg.add_argument("--name", required=True, help="the image's name")
    sg.add_argument("--image-spdx", required=True)
    sg.add_argument("--image-cdx", required=True)
    sg.add_argument("--signed", required=True, help="the signed file (ward-image sign's output)")
    sg.add_argument("--mcuboot-version", required=True, help="the version it was signed with")
    sg.add_argument("--security-counter", required=True)
    sg.add_argument("--out-spdx", required=True)
    sg.add_argument("--out-cdx", required=True)
    d = sub.add_parser("device", help="write the device SBOM of a product from its images' SBOMs")
    d.add_argument("--name", required=True, help="the product")
    d.add_argument("--image", action="append", required=True,
                   help="ROLE=PATH: an image of the device and its SBOMs PATH.spdx.json, PATH.cdx.json")
    d.add_argument("--version", required=True)
    d.add_argument("--supplier", required=True)
    d.add_argument("--out-spdx", required=True)
    d.add_argument("--out-cdx", required=True)
    k = sub.add_parser("gate", help="fail (and delete the image) on an applicable vulnerability")
    k.add_argument("--tool", required=True, help="the ward-vuln executable")
    k.add_argument("--sbom", required=True)
    k.add_argument("--vulndb", action="append", default=[])
    k.add_argument("--features")
    k.add_argument("--products", help="names and ids that tie unanalysed records to components")
    k.add_argument("--fail-on", required=True)
    k.add_argument("--vex")
    k.add_argument("--remove", action="append", default=[], help="files to delete when the gate fails")
    for sp in (g, sg, d):
        sp.add_argument("--source-date-epoch", default=None,
                        help="the time to date the documents when SOURCE_DATE_EPOCH is not set (the commit's)")
    args = p.parse_args()
    try:
        return {"generate": generate, "signed": signed, "device": device, "gate": gate}[args.command](args)
    except SbomError as e:
        print(f"ward-sbom: error: {e}", file=sys.stderr)
        for out in (getattr(args, "out_spdx", None), getattr(args, "out_cdx", None)):
            if out and os.path.exists(out):
                os.remove(out)  # never leave an SBOM that no longer matches the image
        return 1


if __name__ == "__main__":
    sys.exit(main())
