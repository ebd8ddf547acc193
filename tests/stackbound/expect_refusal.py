#!/usr/bin/python3
"""Runs the stack-bound check (the command the link runs) on a fixture and passes only when it
refuses the image: a non-zero exit and every expected pattern in what it printed."""
import re
import subprocess
import sys


def main() -> int:
    sep = sys.argv.index("--")
    patterns, command = sys.argv[1:sep], sys.argv[sep + 1:]
    r = subprocess.run(command, capture_output=True, text=True)
    out = r.stdout + r.stderr
    print(out)
    if r.returncode == 0:
        print("FAIL: the check accepted the image")
        return 1
    missing = [p for p in patterns if not re.search(p, out)]
    for p in missing:
        print(f"FAIL: no match for {p!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
