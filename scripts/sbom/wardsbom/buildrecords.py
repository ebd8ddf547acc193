"""The build's own records, read without writing to any of them: Ninja's dependency log, the linker's
map file, compile_commands.json, the members of the build's static libraries, the Kconfig files
and .config, and the pins of third-party components."""
import json
import os
import re
import shlex
import subprocess

from . import SbomError

# `ninja -t deps` prints, for each output with a dependency record:
#     <output>: #deps <count>, deps mtime <mtime> (VALID|STALE)
#         <input>
#         ...
#     <blank line>
# and "<output>: deps not found" for a target named on its command line that has none.
NINJA_DEPS_HEADER_RE = re.compile(r"^(.+): #deps (\d+), deps mtime (-?\d+) \((?:VALID|STALE)\)$")
NINJA_DEPS_NOT_FOUND_RE = re.compile(r"^(.+): deps not found$")
NINJA_DEPS_INDENT = "    "


def parse_ninja_deps(text, origin="ninja -t deps"):
    """{output path: [input paths]} from the output of `ninja -t deps`. Anything that is not that
    output (a line out of place, a count that does not match its list) is an error: a dependency
    list cut short would leave headers out of the SBOM without a word."""
    deps = {}
    current = None   # the output whose inputs are being read
    expected = 0
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith(NINJA_DEPS_INDENT) and current is not None:
            deps[current].append(line[len(NINJA_DEPS_INDENT):])
            continue
        if current is not None and len(deps[current]) != expected:
            raise SbomError(f"{origin}, line {number}: {current} lists {len(deps[current])} inputs, "
                            f"its header says {expected}")
        current = None
        if not line or NINJA_DEPS_NOT_FOUND_RE.match(line):
            continue
        m = NINJA_DEPS_HEADER_RE.match(line)
        if not m:
            raise SbomError(f"{origin}, line {number}: not a line of `ninja -t deps` output: {line!r}")
        current, expected = m.group(1), int(m.group(2))
        deps[current] = []  # a later record for the same output replaces the earlier one
    if current is not None and len(deps[current]) != expected:
        raise SbomError(f"{origin}: {current} lists {len(deps[current])} inputs, its header says {expected}")
    return deps


def read_ninja_deps(ninja, build_dir):
    """{output path: [input paths]} from Ninja's dependency log, as `ninja -t deps` reads it.

    This runs while the same ninja is building. -n (a dry run, before -t) keeps the tool from
    opening the logs for writing, which would recompact them under the running build. The records
    of this image's objects are complete: ninja writes an edge's dependency record when the edge
    finishes, and the link that runs this depends on them all. (Loading the log, the tool cuts off
    a torn last record; that can only be a record another edge is writing at that instant, never
    one of this image's, and costs at most that edge's rebuild next time.)
    """
    try:
        r = subprocess.run([ninja, "-C", build_dir, "-n", "-t", "deps"], capture_output=True)
    except OSError as e:
        raise SbomError(f"cannot run {ninja}: {e.strerror} (the SBOM needs a build with the Ninja generator)") from None
    if r.returncode != 0:
        message = r.stderr.decode("utf-8", "replace").strip()
        raise SbomError(f"ninja -t deps in {build_dir} failed: {message} "
                        "(the SBOM needs a build with the Ninja generator)")
    return parse_ninja_deps(r.stdout.decode("utf-8", "surrogateescape"), f"ninja -t deps in {build_dir}")


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

