"""The build's records made into the model of one image: which objects are linked (the map), what
each was compiled from (compile commands, Ninja's dependency log), which package each file belongs
to, the pinned third-party components, the toolchain, and the inputs of generated files."""
import json
import os
import re
import sys

from . import SbomError
from .buildrecords import (kconfig_sources, load_compile_commands, ninja_archive_members, parse_component,
                           parse_map, read_config, read_ninja_deps, read_pin)
from .elf import symbols_only
from .model import FileEntry, Package, purl_encode, under
from .toolchain import Toolchain, macros, debian_archive_uri

# scripts/sbom/: components.json, the identities of the pinned components.
SBOM_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Collector:
    """The model of one image (its packages and files), from the build's records. collect() fills
    it: packages, files, image_files, toolchain."""

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
        for key, root in self.toolchain.system_roots:
            if under(path, root):
                return key
        return "gcc"  # a system header reached through the compiler's own search path

    # -- the steps ----------------------------------------------------------------------------
    def collect(self):
        a = self.args
        commands = load_compile_commands(self.build_dir)
        deps = read_ninja_deps(a.ninja, self.build_dir)
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

        # One C++ and one C compile command of this image's own (Ward) objects: the exact compiler
        # and CPU flags the image was built with.
        ward = [(s, argv) for s, argv in sorted(sources.values())
                if under(s, self.source_dir) and self.owner(s) == "ward"]
        self.toolchain = Toolchain(sources, ward)
        linked_sources = {src for src, _ in sources.values()}

        compiled = set()
        for obj, (src, _) in sources.items():
            compiled.add(src)
            if obj not in deps:
                raise SbomError(f"no dependency information for {obj} in {self.build_dir}'s Ninja log "
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
        for p in self.toolchain.packages(self.files, toolchain_members):
            self.packages[p.key] = p
        self.link_generated_files()
        return self

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
        with open(os.path.join(SBOM_DIR, "components.json"), encoding="utf-8") as f:
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

    def config_of(self, path):
        """The .config a generated header under <image>.ward/config/include/ was written from."""
        d = os.path.dirname(path)
        while under(d, self.build_dir) and d != self.build_dir:
            if os.path.isfile(os.path.join(d, ".config")) and os.path.isdir(os.path.join(d, "include")):
                return os.path.join(d, ".config")
            d = os.path.dirname(d)
        return None

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

