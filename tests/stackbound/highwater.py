#!/usr/bin/python3
"""Boots an image under QEMU and compares each stack high-water mark it prints with the bound the
build computed for that stack (<image>.stackbound.txt): the measured use may never exceed it.
Marks: "stack high-water: <address> <n> B[, kernel part <k> B]" (a test image: every stack a
thread ran on, named through the report's "stack <name> is at <address>" lines; one the report does
not know is an undeclared stack, a failure), "stack high-water: msp <n> B" (its main stack),
"stack high-water: <stack> <n> B" (a fixture), or hello's "stack never touched" list. A run
beside the secure image (--secure-image X.elf among the runner's arguments) may print the secure
stacks' marks too ("secure stack high-water: service|landing|handler <n> B", ward_spe_stack_report:
samples/common/sample_marks.hpp), compared with the secure image's report (X.stackbound.txt). A mark
printed more than once (each boot of a run that reboots) counts at its deepest.

With --test-timeout it runs an on-target test image as its qemu.<name> test does (ward_qemu_test
registers every test this way): the run's own verdict first, then its high-water marks."""
import argparse
import re
import subprocess
import sys
from pathlib import Path


def bounds(report: Path) -> dict[str, tuple[int, int] | None]:
    """stack name -> (declared, checked bound) from the build's report: a user thread's own part
    under its name, its kernel stack under "<name> (kernel part)", the main stack under "msp". (A
    run that reached a path which stops the system would have failed anyway.) A stack declared
    unchecked (WARD_STACK_BOUND_UNCHECKED) maps to None."""
    out = {}
    for line in report.read_text().splitlines():
        m = re.match(r"\S+: stack (.+?)( \(kernel part\))?(?: \(user part\)| \(\d+ B guard\))?: (\d+) B declared, "
                     r"bound (\d+) B", line)
        if m:
            out[m.group(1) + (m.group(2) or "")] = (int(m.group(3)), int(m.group(4)))
        elif m := re.match(r"\S+: stack (.+): \d+ B declared, not checked", line):
            out[m.group(1)] = None  # WARD_STACK_BOUND_UNCHECKED: known, never compared
        elif m := re.match(r"\S+: main stack \(MSP\): (\d+) B declared, bound (\d+) B", line):
            out["msp"] = (int(m.group(1)), int(m.group(2)))
    return out


def addresses(report: Path) -> dict[int, str]:
    """A declared stack's lowest address -> its name, from the build's report."""
    return {int(m.group(2), 16): m.group(1)
            for m in re.finditer(r"^\S+: stack (.+) is at (0x[0-9a-f]+)$", report.read_text(), re.M)}


def measured_marks(out: str, where: dict[int, str]) -> tuple[dict[str, int], list[str]]:
    """The run's marks, by stack name: a test image's by address (a user thread's kernel part as
    "<name> (kernel part)"), the main stack's as "msp", a fixture's by name. Stacks the report does
    not know (no WARD_STACK_BOUND declaration) are returned apart."""
    measured, undeclared = {}, []
    for m in re.finditer(r"(?<!secure )stack high-water: (\S+) (\d+) B(?:, kernel part (\d+) B)?", out):
        key, used = m.group(1), int(m.group(2))
        if key.startswith("0x"):
            if int(key, 16) not in where:
                undeclared.append(f"the stack at {key} ({used} B used) is not declared (WARD_STACK_BOUND_*)")
                continue
            key = where[int(key, 16)]
        measured[key] = max(used, measured.get(key, 0))
        if m.group(3) is not None:
            kernel = key + " (kernel part)"
            measured[kernel] = max(int(m.group(3)), measured.get(kernel, 0))
    return measured, undeclared


# The secure stacks ward_spe_stack_report measures, by the names the secure image's report gives
# them: the landing is the larger of the two (both have one bound), the handler stack is MSP_S.
SECURE_STACKS = {"service": "::service_stack", "landing": "::landings[0]", "handler": "msp"}


def secure_marks(out: str) -> dict[str, int]:
    """The secure stacks' marks a run printed (the deepest of its boots), by their report names."""
    measured: dict[str, int] = {}
    for m in re.finditer(r"secure stack high-water: (service|landing|handler) (\d+) B", out):
        key = SECURE_STACKS[m.group(1)].removeprefix("::")
        measured[key] = max(int(m.group(2)), measured.get(key, 0))
    return measured


def measured_in(output: str) -> dict[str, int]:
    """Marks printed by stack name ("stack high-water: <stack> <n> B"), an application image's own."""
    return measured_marks(output, {})[0]


def compare(measured: dict[str, int], report: Path, expect: int = 1) -> list[str]:
    """Each measured mark against the bound in `report` (printed); the failures. A report that says
    its bounds are incomplete fails, as do fewer than `expect` stacks compared."""
    if "incomplete" in report.read_text():
        return [f"{report} says its bounds are incomplete (unannotated problems)"]
    b = bounds(report)
    failures, seen = [], 0
    for name, used in measured.items():
        if name.endswith(" (kernel part)") and b.get(name.removesuffix(" (kernel part)"), ()) is None:
            continue  # an unchecked stack's kernel part: not compared either
        key = name if name in b else next((k for k in b if k.endswith("::" + name)), None)
        if key is None:
            failures.append(f"{name}: no bound in {report}")
            continue
        if b[key] is None:
            print(f"{key}: measured {used} B, not checked (WARD_STACK_BOUND_UNCHECKED)")
            continue
        declared, bound = b[key]
        seen += 1
        print(f"{key}: measured {used} B, bound {bound} B, declared {declared} B")
        if used > bound:
            failures.append(f"{key}: measured {used} B exceeds the computed bound {bound} B")
    if seen < expect:
        failures.append(f"only {seen} stacks measured, expected {expect}")
    return failures


def secure_image(runner_args: list[str]) -> Path | None:
    """The secure image a run is beside (the runner's --secure-image, the last one given: a test
    image's own RUNNER_ARGS may name the medium profile's after ward_qemu_test's default), if any."""
    given = [runner_args[i + 1] for i, arg in enumerate(runner_args[:-1]) if arg == "--secure-image"]
    return Path(given[-1]) if given else None


def check_run(out: str, measured: dict[str, int], report: Path, expect: int, secure: Path | None,
              secure_report: Path | None = None) -> list[str]:
    """A run's marks (`measured`, from its output `out`) against `report`, and the secure stacks'
    it printed against the secure image's report (`secure_report`, else the one beside the secure
    image `secure`); the failures."""
    failures = []
    if "stack high-water: incomplete" in out:
        failures.append("the image recorded fewer stacks than its threads used")
    failures += compare(measured, report, expect)
    if "secure stack high-water:" in out:
        if "secure stack high-water: refused" in out or secure is None:
            failures.append("the secure stacks' marks were refused, or no secure image is known")
        else:
            failures += compare(secure_marks(out), secure_report or secure.with_suffix(".stackbound.txt"), 3)
    return failures


def check_output(out: str, report: Path, expect: int, secure: Path | None) -> list[str]:
    """An application image's printed marks (samples/common/sample_marks.hpp), every stack by its
    address, against `report` and the secure image's: the failures (an undeclared stack is one)."""
    measured, undeclared = measured_marks(out, addresses(report))
    return undeclared + check_run(out, measured, report, expect, secure)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--runner", required=True)
    p.add_argument("--report", type=Path, required=True)
    p.add_argument("--expect", type=int, default=1, help="at least this many measured stacks")
    p.add_argument("--never-touched", action="append", default=[],
                   help="thread=stack:size: read hello's 'stack never touched: <thread> <n> B' list")
    p.add_argument("--test-timeout", help="run as the image's test (the runner's verdict counts), this timeout")
    p.add_argument("--secure-report", type=Path, help="the secure image's stack-bound report (default: beside it)")
    p.add_argument("--run-timeout", default="30", help="an application image's run: the runner's timeout")
    p.add_argument("elf")
    p.add_argument("runner_args", nargs="*")
    a = p.parse_args()
    if "incomplete" in a.report.read_text():
        print(f"FAIL: {a.report} says its bounds are incomplete (unannotated problems)")
        return 1
    mode = ["--timeout", a.test_timeout] if a.test_timeout else ["--no-test", "--timeout", a.run_timeout]
    r = subprocess.run([sys.executable, a.runner, *mode, *a.runner_args, a.elf], capture_output=True, text=True)
    print(r.stdout, r.stderr)
    if r.returncode != 0:
        print("FAIL: the image did not run to its end")
        return r.returncode if a.test_timeout else 1
    measured, undeclared = measured_marks(r.stdout, addresses(a.report))
    for spec in a.never_touched:
        thread, _, rest = spec.partition("=")
        stack, _, size = rest.rpartition(":")
        if m := re.search(rf"\b{re.escape(thread)} (\d+) B", r.stdout.split("never touched:")[-1]):
            measured[stack] = int(size) - int(m.group(1))
    failures = undeclared + check_run(r.stdout, measured, a.report, a.expect, secure_image(a.runner_args),
                                        a.secure_report)
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
