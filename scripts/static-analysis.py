#!/usr/bin/env python3
"""Static analysis of Ward's own code: clang-tidy or cppcheck over one build tree's compile database.

    static-analysis.py clang-tidy --build-dir build/host [--jobs N] [--only REGEX] [--list] [--times]
    static-analysis.py cppcheck   --build-dir build/mps2-an505 [--jobs N] [--only REGEX] [--list]

Prints every finding and exits 1 if there is one, or if a tool could not analyse a file (a parse
error, a crash), so the CTest tests over it (tests/static) fail on the first new finding. What is
covered and why: docs/static-analysis.md. The checks: .clang-tidy and scripts/cppcheck-suppressions.txt.

Two more things make a run fail:
  * the self-test: before Ward's files, the tool analyses tests/static/seeded_bad.cpp (with the
    compile command of one of Ward's files) and must report exactly the findings marked in it.
    A run that could not have found anything (the configuration not read, a check family lost,
    a tool that checks nothing) fails there instead of passing with zero findings.
  * a suppression without its reason (check `ward-suppression-reason`): in Ward's own files every
    `NOLINT(check): reason`, `NOLINTNEXTLINE(check): reason`, `NOLINTBEGIN(check): reason` (the
    clang-tidy run) and `cppcheck-suppress id ; reason` (the cppcheck run) names what it silences
    and says why on the same line; each entry of scripts/cppcheck-suppressions.txt follows a
    comment.

What it analyses: each of Ward's translation units in the build's compile_commands.json once, from
the folders that hold Ward's code (OWN_DIRS); the tests are left out. Third-party code (the Mbed TLS
cache, GoogleTest) is never a translation unit here, and findings are reported only in files under
OWN_DIRS. A firmware source compiled for several images (the kernel is built once per image, with
that image's configuration) is analysed once, with the configuration that enables the most options,
so that `#if defined(CONFIG_...)` code is seen.

How the compile commands are made fit for clang-tidy, which parses with clang 16 (cppcheck reads
only the -I/-D of the original commands, with its own parser):
  * -std=c++23 becomes -std=c++2b: clang 16 knows C++23 by its draft name only.
  * -D__cpp_concepts=202002L: libstdc++ 12 offers std::expected (ward::Result is built on it) only
    when __cpp_concepts >= 202002L; clang 14 and 16 implement every concepts feature <expected>
    uses but still report 201907L. The fuzzers (tests/boot, tests/storage, tests/secure_crypto)
    are built by clang with the same definition. Without it no file that includes
    ward/result.hpp parses.
  * firmware (arm-none-eabi-g++): --target=arm-none-eabi with the build's own -mcpu/-mthumb/
    -mfloat-abi/-mfpu flags, -nostdlibinc, and the arm toolchain's C++ and newlib include
    directories as -isystem, asked from arm-none-eabi-g++ itself (so they follow the installed
    GCC); clang keeps its own builtin headers (stddef.h, arm_cmse.h) in place of GCC's.
  * dropped: -Werror (compiler warnings are GCC's job: clang-tidy reports only its checks, and an
    unknown GCC warning option must not become an error), -flto / -fno-lto.
"""
import argparse
import concurrent.futures
import json
import os
import re
import resource
import shlex
import shutil
import signal
import subprocess
import sys
import time

OWN_DIRS = ("kernel", "arch", "boards", "lib", "secure", "boot", "tools", "samples")
CLANG_TIDY = ("clang-tidy-16",)
CPPCHECK = ("cppcheck",)
CONCEPTS_WORKAROUND = ["-D__cpp_concepts=202002L", "-Wno-builtin-macro-redefined"]
DROP_FLAGS = {"-Werror", "-flto", "-fno-lto"}

# Errors of clang's where GCC, which builds Ward, accepts the code: clang bugs. Only these exact
# errors are let through; the rest of the file is still analysed (clang-tidy goes on after them).
CLANG_BUGS = [
    # llvm/llvm-project#135281: clang rejects a consteval constructor that stores a pointer into
    # the object it initialises ("pointer to subobject of temporary"), as ward::Domain does with
    # its partitions; GCC and MSVC accept it. Every `constexpr ward::Domain` declaration hits it.
    re.compile(r"call to consteval function 'ward::Domain<\d+>::Domain<[^']*>' is not a constant expression"),
]

SEEDED = os.path.join("tests", "static", "seeded_bad.cpp")
# The file whose compile command the seeded file borrows (it exists in every tree).
SEEDED_TEMPLATE = os.path.join("kernel", "src", "scheduler.cpp")
SOURCE_SUFFIXES = (".c", ".h", ".cc", ".cpp", ".hpp", ".inc")

# clang-tidy 16's dataflow solver (bugprone-unchecked-optional-access) sometimes does not finish:
# its order of work follows heap addresses, so one run of a file in ten or so (tools/ward-vuln's
# parse_purl) searches on for many minutes while the next is done in seconds. LLVM 17 bounds the
# search; 16 does not. A file gets this much processor time (the slowest needs 17 s),
# then it is analysed again, up to ATTEMPTS times in all; the run says when that happened.
CPU_SECONDS = 60
ATTEMPTS = 3
RUNAWAY = re.compile(r"ASTMatcher: Processing '(?P<check>[^']+)' against:\s*\n\s*(?P<node>.*)")

FINDING = re.compile(r"^(?P<file>/[^:]*):(?P<line>\d+):(?P<col>\d+): (?P<kind>warning|error): (?P<msg>.*)$")


def own_relpath(path, source_dir):
    """The path relative to the source tree if it is Ward's own (non-test) code, else None."""
    rel = os.path.relpath(os.path.realpath(path), source_dir)
    return rel if rel.split(os.sep, 1)[0] in OWN_DIRS else None


def arguments(entry):
    return entry["arguments"] if "arguments" in entry else shlex.split(entry["command"])


def config_score(args):
    """How many options the entry's image configuration enables (its ward/autoconf.h)."""
    for a in args:
        if a.startswith("-I") and a.endswith("/config/include"):
            try:
                with open(os.path.join(a[2:], "ward", "autoconf.h")) as f:
                    return sum(1 for line in f if line.startswith("#define CONFIG_"))
            except OSError:
                return 0
    return 0


def load_units(build_dir, source_dir):
    """Ward's translation units of the build, each once, as {relative path: database entry}."""
    with open(os.path.join(build_dir, "compile_commands.json")) as f:
        db = json.load(f)
    chosen = {}
    for entry in db:
        rel = own_relpath(os.path.join(entry["directory"], entry["file"]), source_dir)
        if rel is None:
            continue
        args = arguments(entry)
        key = (-config_score(args), entry.get("output", ""), " ".join(args))
        if rel not in chosen or key < chosen[rel][0]:
            chosen[rel] = (key, entry)
    return {rel: e for rel, (_, e) in sorted(chosen.items())}


def arm_include_dirs(compiler, target_flags):
    """The arm toolchain's C++ and C library include directories, from the compiler itself."""
    out = subprocess.run([compiler, *target_flags, "-E", "-v", "-x", "c++", os.devnull],
                         capture_output=True, text=True, check=True).stderr
    dirs, inside = [], False
    for line in out.splitlines():
        if line.startswith("#include <...> search starts here"):
            inside = True
        elif line.startswith("End of search list"):
            break
        elif inside:
            d = os.path.normpath(line.strip())
            # GCC's own headers (stddef.h, arm_acle.h, ...) use GCC's builtins: clang has its own.
            if not re.search(r"/lib/gcc/arm-none-eabi/[^/]+/include(-fixed)?$", d):
                dirs.append(d)
    return dirs


def clang_command(entry, arm_cache):
    """The database entry's command as clang should see it (see the module docstring)."""
    args = arguments(entry)
    compiler, out, skip = args[0], [], False
    for a in args[1:]:
        if skip:
            skip = False
        elif a == "-o":
            skip = True
        elif a not in DROP_FLAGS:
            out.append("-std=c++2b" if a == "-std=c++23" else a)
    is_cxx = any(a.startswith("-std=c++") for a in out)
    extra = []
    if "arm-none-eabi" in os.path.basename(compiler):
        target = [a for a in out if a.startswith(("-mcpu=", "-mfloat-abi=", "-mfpu=")) or a == "-mthumb"]
        if tuple(target) not in arm_cache:
            arm_cache[tuple(target)] = arm_include_dirs(compiler, target)
        extra = ["--target=arm-none-eabi", "-nostdlibinc"]
        for d in arm_cache[tuple(target)]:
            if is_cxx or "/c++/" not in d:
                extra += ["-isystem", d]
    if is_cxx:
        extra += CONCEPTS_WORKAROUND
    return ["clang++" if is_cxx else "clang", *extra, *out]


def write_database(units, out_dir, source_dir, transform):
    os.makedirs(out_dir, exist_ok=True)
    db = [{"directory": e["directory"], "file": os.path.join(source_dir, rel), "arguments": transform(e)}
          for rel, e in units.items()]
    with open(os.path.join(out_dir, "compile_commands.json"), "w") as f:
        json.dump(db, f, indent=1)


def find_tool(names):
    for n in names:
        if shutil.which(n):
            return shutil.which(n)
    sys.exit(f"static-analysis: {' or '.join(names)} not found (scripts/setup.sh installs it)")


def check_ids(msg):
    """The check names a finding's message ends with: `... [bugprone-x,cert-y]`."""
    m = re.search(r"\[([\w.,-]+)\]$", msg)
    return m[1].split(",") if m else []


def load_times(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def run_clang_tidy(args, units, source_dir, out_name="clang-tidy"):
    """Findings {(file, line, col, kind, message): the tool's text}, failures [(file, why)], times."""
    tool = find_tool(CLANG_TIDY)
    out_dir = os.path.join(args.build_dir, "static-analysis", out_name)
    arm_cache = {}
    write_database(units, out_dir, source_dir, lambda e: clang_command(e, arm_cache))
    # Findings in headers count only in Ward's own; .clang-tidy is found next to each source.
    header_filter = "^" + re.escape(source_dir + os.sep) + "(" + "|".join(OWN_DIRS) + ")/"
    cmd = [tool, "-p", out_dir, "--quiet", f"--header-filter={header_filter}"]

    def attempt(rel):
        with subprocess.Popen([*cmd, os.path.join(source_dir, rel)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) as proc:
            resource.prlimit(proc.pid, resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS + 10))
            out, err = proc.communicate()
        return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)

    def one(rel):
        t0 = time.monotonic()
        for n in range(1, ATTEMPTS + 1):
            p = attempt(rel)
            if p.returncode not in (-signal.SIGXCPU, -signal.SIGKILL) or n == ATTEMPTS:
                break
            m = RUNAWAY.search(p.stderr)
            where = f" ({m['check']} on {m['node'].split(' <')[0].strip()})" if m else ""
            print(f"static-analysis: {rel}: clang-tidy ran out of its {CPU_SECONDS} s{where}: "
                  f"attempt {n + 1} of {ATTEMPTS}", flush=True)
        return rel, p, time.monotonic() - t0

    # The slowest files first (the last run's times; the host tools, which parse the largest
    # third-party headers, when there is none), so that no long file starts last.
    times_file = os.path.join(out_dir, "times.json")
    last = load_times(times_file)
    order = sorted(units, key=lambda rel: -last.get(rel, 60.0 if rel.startswith("tools" + os.sep) else 30.0))
    findings, failures, times = {}, [], []
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for rel, p, dt in pool.map(one, order):
            times.append((dt, rel))
            current = None
            for line in p.stdout.splitlines():
                m = FINDING.match(line)
                if m and m["kind"] == "error" and any(b.search(m["msg"]) for b in CLANG_BUGS):
                    current = None
                elif m:
                    current = (os.path.relpath(m["file"], source_dir), int(m["line"]), int(m["col"]),
                               m["kind"], m["msg"])
                    findings.setdefault(current, [])
                    current = current if not findings[current] else None  # keep the first text only
                    if current:
                        findings[current].append(line)
                elif current:
                    findings[current].append(line)
            found = any(FINDING.match(line) for line in p.stdout.splitlines())
            if p.returncode < 0 or (p.returncode != 0 and not found):
                failures.append((rel, f"clang-tidy exit {p.returncode}: {p.stderr.strip()[-3000:]}"))
    with open(times_file, "w") as f:
        json.dump({rel: round(dt, 1) for dt, rel in times}, f, indent=1, sort_keys=True)
    return findings, failures, times


CPPCHECK_FINDING = re.compile(r"^(?P<file>[^:\s][^:]*):(?P<line>\d+):(?P<col>\d+): (?P<kind>\w+): (?P<msg>.*)$")


def run_cppcheck(args, units, source_dir, out_name="cppcheck", firmware=None):
    tool = find_tool(CPPCHECK)
    out_dir = os.path.join(args.build_dir, "static-analysis", out_name)
    write_database(units, out_dir, source_dir, arguments)
    if firmware is None:
        firmware = any("arm-none-eabi" in arguments(e)[0] for e in units.values())
    cmd = [tool, f"--project={os.path.join(out_dir, 'compile_commands.json')}",
           "--enable=warning,style,performance,portability", "--inline-suppr", "--std=c++20",
           # the types' sizes of the target: ILP32 on the Cortex-M33, LP64 on the host
           f"--platform={'arm32-wchar_t4' if firmware else 'unix64'}",
           f"--suppressions-list={os.path.join(source_dir, 'scripts', 'cppcheck-suppressions.txt')}",
           # findings in third-party headers (Mbed TLS through -I) are not Ward's
           f"--suppress=*:{os.path.realpath(os.path.join(source_dir, '.cache'))}/*",
           f"--suppress=*:{os.path.join(source_dir, '.cache')}/*",
           "--error-exitcode=1", "--quiet", f"-j{args.jobs}",
           "--template={file}:{line}:{column}: {severity}: {message} [{id}]\\n{code}"]
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=source_dir)
    findings, current = {}, None
    for line in p.stderr.splitlines():
        m = CPPCHECK_FINDING.match(line)
        if m:
            path = os.path.relpath(os.path.join(source_dir, m["file"]), source_dir)
            current = (path, int(m["line"]), int(m["col"]), m["kind"], m["msg"])
            findings[current] = [f"{path}:{m['line']}:{m['col']}: {m['kind']}: {m['msg']}"]
        elif current:
            findings[current].append(line)
    failures = []
    if p.returncode != 0 and not findings:
        failures.append(("cppcheck", f"exit {p.returncode}: {p.stderr.strip()[-3000:]}"))
    return findings, failures, [(time.monotonic() - t0, "(all files)")]


# --- Suppressions carry their reason --------------------------------------------------------------
NOLINT = re.compile(r"\bNOLINT(?P<kind>NEXTLINE|BEGIN|END)?\b(?P<rest>.*)")
NOLINT_OK = re.compile(r"^\((?P<checks>[^()*]+)\)(?P<after>.*)")
CPPCHECK_SUPPRESS = re.compile(r"\bcppcheck-suppress(?P<kind>-file|-begin|-end|-macro)?(?P<rest>.*)")
CPPCHECK_OK = re.compile(r"^(\s+[\w:*./-]+|\[[\w,]+\])\s*(?P<after>.*)")
REASON = re.compile(r"\S.*\S.*\S")  # three characters at least, not only blanks


def suppression_problem(tool, line):
    """What is wrong with the line's suppression comment for `tool`, or None."""
    if tool == "clang-tidy":
        m = NOLINT.search(line)
        if not m:
            return None
        ok = NOLINT_OK.match(m["rest"])
        if not ok:
            return f"NOLINT{m['kind'] or ''} without the check(s) it silences: NOLINT{m['kind'] or ''}(check): reason"
        if m["kind"] != "END":
            after = re.match(r"^\s*:\s*(?P<reason>.*?)\s*(\*/.*)?$", ok["after"])
            if not after or not REASON.search(after["reason"]):
                return f"NOLINT{m['kind'] or ''}({ok['checks']}) without its reason: add `: why` on the same line"
        return None
    m = CPPCHECK_SUPPRESS.search(line)
    if not m:
        return None
    ok = CPPCHECK_OK.match(m["rest"])
    if not ok:
        return "cppcheck-suppress without the id it silences: cppcheck-suppress id ; reason"
    if m["kind"] != "-end":
        after = re.match(r"^;\s*(?P<reason>.*?)\s*(\*/.*)?$", ok["after"])
        if not after or not REASON.search(after["reason"]):
            return "cppcheck-suppress without its reason: add ` ; why` on the same line"
    return None


def own_sources(source_dir):
    for top in OWN_DIRS:
        for d, subdirs, files in os.walk(os.path.join(source_dir, top)):
            subdirs.sort()
            for name in sorted(files):
                if name.endswith(SOURCE_SUFFIXES):
                    yield os.path.relpath(os.path.join(d, name), source_dir)


def check_suppressions(tool, source_dir, files):
    """Findings (as the tools' are) for every suppression of `tool` without its reason."""
    findings = {}
    for rel in files:
        with open(os.path.join(source_dir, rel), errors="replace") as f:
            for n, line in enumerate(f, 1):
                why = suppression_problem(tool, line)
                if why:
                    key = (rel, n, 1, "warning", f"{why} [ward-suppression-reason]")
                    findings[key] = [f"{rel}:{n}:1: warning: {key[4]}", line.rstrip("\n")]
    if tool == "cppcheck" and SEEDED not in files:
        rel = os.path.join("scripts", "cppcheck-suppressions.txt")
        with open(os.path.join(source_dir, rel)) as f:
            previous = ""
            for n, line in enumerate(f, 1):
                text = line.strip()
                if text and not text.startswith("#") and not previous.startswith("#"):
                    msg = "a suppression without the comment above it that says why [ward-suppression-reason]"
                    findings[(rel, n, 1, "warning", msg)] = [f"{rel}:{n}:1: warning: {msg}", text]
                previous = text
    return findings


# --- The self-test: the seeded file's findings, exactly -------------------------------------------
EXPECT = re.compile(r"expect(?P<next>-next-line)?: (?P<list>[\w .,-]+?)\s*$")


def expected_findings(path):
    """{(line, tool, check)} marked in the seeded file."""
    out = set()
    with open(path) as f:
        for n, line in enumerate(f, 1):
            m = EXPECT.search(line)
            if m:
                for item in m["list"].split(","):
                    tool, check = item.split()
                    out.add((n + 1 if m["next"] else n, tool, check))
    return out


def self_test(args, units, source_dir):
    """Analyses the seeded file as one of Ward's own; problems (an empty list if it passed)."""
    template = units.get(SEEDED_TEMPLATE)
    if template is None:
        return [f"no compile command for {SEEDED_TEMPLATE} to analyse {SEEDED} with"]
    entry = dict(template)
    original = os.path.join(entry["directory"], entry["file"])
    seeded = os.path.join(source_dir, SEEDED)
    entry["arguments"] = [seeded if os.path.join(entry["directory"], a) == original else a
                          for a in arguments(template)]
    entry.pop("command", None)
    entry["file"] = seeded
    if args.tool == "clang-tidy":
        findings, failures, _ = run_clang_tidy(args, {SEEDED: entry}, source_dir, "clang-tidy-self-test")
    else:
        firmware = any("arm-none-eabi" in arguments(e)[0] for e in units.values())
        findings, failures, _ = run_cppcheck(args, {SEEDED: entry}, source_dir, "cppcheck-self-test", firmware)
    findings.update(check_suppressions(args.tool, source_dir, [SEEDED]))
    found = {(line, args.tool, c) for (path, line, _, _, msg) in findings if path == SEEDED
             for c in check_ids(msg)}
    wanted = {e for e in expected_findings(seeded) if e[1] == args.tool}
    problems = [f"{rel}: not analysed: {why}" for rel, why in failures]
    problems += [f"{SEEDED}:{line}: {tool} did not report {check}" for line, tool, check in sorted(wanted - found)]
    problems += [f"{SEEDED}:{line}: {tool} reported {check}, which is not marked `expect`"
                 for line, tool, check in sorted(found - wanted)]
    if problems:
        problems += ["", "what the tool reported on the seeded file:"] + \
                    ["\n".join(text) for _, text in sorted(findings.items())]
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("tool", choices=["clang-tidy", "cppcheck"])
    ap.add_argument("--build-dir", required=True, help="a configured and built tree (compile_commands.json)")
    ap.add_argument("--source-dir", default=os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--only", help="analyse only the files whose path (from the source tree) matches")
    ap.add_argument("--list", action="store_true", help="list the files it would analyse, and stop")
    ap.add_argument("--times", action="store_true", help="also print the slowest files")
    ap.add_argument("--self-test-only", action="store_true", help="analyse only the seeded file")
    args = ap.parse_args()
    args.build_dir = os.path.realpath(args.build_dir)
    source_dir = os.path.realpath(args.source_dir)
    units = load_units(args.build_dir, source_dir)
    if not units:
        print(f"static-analysis: no file of Ward's in {args.build_dir}/compile_commands.json")
        return 1
    chosen = {k: v for k, v in units.items() if re.search(args.only, k)} if args.only else units
    if args.list:
        print("\n".join(chosen))
        return 0
    t0 = time.monotonic()
    problems = self_test(args, units, source_dir)
    if problems:
        print("\n".join(problems))
        print(f"static-analysis {args.tool}: the self-test failed ({SEEDED}): the analysis cannot be trusted")
        return 1
    print(f"static-analysis {args.tool}: self-test passed: every finding seeded in {SEEDED} reported "
          f"({time.monotonic() - t0:.0f} s)")
    if args.self_test_only:
        return 0
    units = chosen
    t0 = time.monotonic()
    run = run_clang_tidy if args.tool == "clang-tidy" else run_cppcheck
    findings, failures, times = run(args, units, source_dir)
    findings.update(check_suppressions(args.tool, source_dir, list(own_sources(source_dir))))
    for key in sorted(findings):
        print("\n".join(findings[key]))
    for rel, why in failures:
        print(f"{rel}: not analysed: {why}")
    if args.times:
        for dt, rel in sorted(times, reverse=True)[:15]:
            print(f"  {dt:6.1f} s  {rel}")
    print(f"static-analysis {args.tool}: {len(units)} files, {len(findings)} findings, "
          f"{len(failures)} not analysed, {time.monotonic() - t0:.0f} s with {args.jobs} jobs")
    return 1 if findings or failures else 0


if __name__ == "__main__":
    sys.exit(main())
