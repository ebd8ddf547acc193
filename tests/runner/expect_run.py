#!/usr/bin/python3
"""Runs the QEMU runner on an image and checks its verdict: used to prove the runner fails a run for
each kind of misbehaviour (and passes a good one).

usage: expect_run.py --runner R --status N --verdict REGEX [--shows REGEX ...] -- IMAGE [runner args]
"""
import argparse
import re
import subprocess
import sys


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runner", required=True)
    p.add_argument("--status", type=int, required=True, help="expected exit status of the runner")
    p.add_argument("--verdict", required=True, help="regex the runner's verdict line must match")
    p.add_argument("--shows", action="append", default=[],
                   help="regex the echoed firmware output must match")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    args = p.parse_args()
    rest = args.rest[1:] if args.rest[:1] == ["--"] else args.rest
    proc = subprocess.run([sys.executable, args.runner] + rest, capture_output=True, text=True,
                          timeout=120)
    out = proc.stdout + proc.stderr
    print(out)
    problems = []
    if proc.returncode != args.status:
        problems.append(f"runner exit status {proc.returncode}, expected {args.status}")
    verdicts = [l for l in out.splitlines() if l.startswith("ward-qemu-run: ")]
    if not verdicts or not re.search(args.verdict, verdicts[-1]):
        problems.append(f"verdict {verdicts[-1:]!r} does not match {args.verdict!r}")
    for pattern in args.shows:
        if not re.search(pattern, out):
            problems.append(f"the firmware's output {pattern!r} is not shown")
    for problem in problems:
        print("expect_run: FAIL:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
