#!/usr/bin/python3
"""Boots an image under QEMU and compares each stack high-water mark it prints
("stack high-water: <stack> <n> B", or hello's "stack never touched" list) with the bound the
build computed for that stack (<image>.stackbound.txt): the measured use may never exceed it.

With --test-timeout it runs an on-target test image as its qemu.<name> test does (ward_qemu_test
registers every test this way): the run's own verdict first, then its high-water marks."""
import argparse
import re
import subprocess
import sys
from pathlib import Path


def bounds(report: Path) -> dict[str, tuple[int, int]]:
    """stack name -> (declared, checked bound) from the build's report. (A run that reached a path
    which stops the system would have failed anyway.)"""
    out = {}
    for line in report.read_text().splitlines():
        m = re.match(r"\S+: stack (.+?)(?: \((?:user|kernel) part\)| \(\d+ B guard\))?: (\d+) B declared, bound (\d+) B"
                     r"[^;]*(?:; (\d+) B with paths)?", line)
        if m and "kernel part" not in line:
            out[m.group(1)] = (int(m.group(2)), int(m.group(3)))
    return out


def measured_in(output: str) -> dict[str, int]:
    """stack name -> the high-water mark the image printed ("stack high-water: <stack> <n> B")."""
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"stack high-water: (\S+) (\d+) B", output)}


def compare(measured: dict[str, int], report: Path, expect: int = 1) -> list[str]:
    """Each measured mark against the bound in `report` (printed); the failures. A report that says
    its bounds are incomplete fails, as do fewer than `expect` stacks measured."""
    if "incomplete" in report.read_text():
        return [f"{report} says its bounds are incomplete (unannotated problems)"]
    b = bounds(report)
    failures, seen = [], 0
    for name, used in measured.items():
        key = next((k for k in b if k.endswith(name) or k.endswith("::" + name)), None)
        if key is None:
            failures.append(f"{name}: no bound in {report}")
            continue
        declared, bound = b[key]
        seen += 1
        print(f"{key}: measured {used} B, bound {bound} B, declared {declared} B")
        if used > bound:
            failures.append(f"{key}: measured {used} B exceeds the computed bound {bound} B")
    if seen < expect:
        failures.append(f"only {seen} stacks measured, expected {expect}")
    return failures


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--runner", required=True)
    p.add_argument("--report", type=Path, required=True)
    p.add_argument("--expect", type=int, default=1, help="at least this many measured stacks")
    p.add_argument("--never-touched", action="append", default=[],
                   help="thread=stack:size: read hello's 'stack never touched: <thread> <n> B' list")
    p.add_argument("--test-timeout", help="run as the image's test (the runner's verdict counts), this timeout")
    p.add_argument("elf")
    p.add_argument("runner_args", nargs="*")
    a = p.parse_args()
    mode = ["--timeout", a.test_timeout] if a.test_timeout else ["--no-test", "--timeout", "30"]
    r = subprocess.run([sys.executable, a.runner, *mode, *a.runner_args, a.elf], capture_output=True, text=True)
    print(r.stdout, r.stderr)
    if r.returncode != 0:
        print("FAIL: the image did not run to its end")
        return r.returncode if a.test_timeout else 1
    measured = measured_in(r.stdout)
    for spec in a.never_touched:
        thread, _, rest = spec.partition("=")
        stack, _, size = rest.rpartition(":")
        if m := re.search(rf"\b{re.escape(thread)} (\d+) B", r.stdout.split("never touched:")[-1]):
            measured[stack] = int(size) - int(m.group(1))
    failures = compare(measured, a.report, a.expect)
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
