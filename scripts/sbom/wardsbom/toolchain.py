"""The toolchain an image was built with, asked of the tools themselves: the compiler's and the
linker's versions, the C and C++ libraries' (from their headers' macros), the directories their
headers are in, and, where dpkg exists, the Debian packages that installed them."""
import os
import re
import shutil
import subprocess

from . import SbomError
from .model import Package, purl_encode


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


class Toolchain:
    """The compiler, binutils and C/C++ libraries of one image: where their headers are
    (system_roots, to tell which package a header belongs to), the files that identify them
    (tool_paths) and their versions (tool_versions)."""

    def __init__(self, sources, ward):
        """`sources`: {object: (source, compile argv)} of the image; `ward`: the (source, argv) of
        Ward's own sources among them, sorted. One C++ and one C compile command of those: the
        exact compiler and CPU flags the image was built with."""
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

    def packages(self, files, members):
        """The toolchain's packages, sorted by key: gcc and binutils always (the build tools),
        newlib and libstdc++ when the image has their headers or links their archive members
        (`members`: {archive path: [member]}); `files`: the model's {path: FileEntry}."""
        result = []
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
            has_files = any(f.package == key for f in files.values())
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
            result.append(p)
        return result

    def archive_role(self, archive):
        base = os.path.basename(archive)
        if base.startswith(("libstdc++", "libsupc++")):
            return "libstdc++"
        if base.startswith(("libgcc", "libgcov")):
            return "gcc"
        return "newlib"
