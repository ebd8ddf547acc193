#!/usr/bin/python3
"""Compile-time layout rules: compiles one case file and checks the compiler's verdict.

A case under layout/rejected/ starts with a line
    // expect-error: <text of the rule's message>
and passes only if the compiler refuses it AND prints that text (so the refusal is for the rule
the case breaks, not for a typo or a missing include). A case under layout/accepted/ starts with
    // expect: compiles
and passes only if it compiles without a diagnostic. A line
    // flags: <compiler options>
adds options for that case (Ward's warning flags, for instance).

usage: layout_check.py --compiler CXX [--include DIR]... CASE.cpp
"""
import argparse
import re
import subprocess
import sys


def read_case(path):
    """Returns (the expected message or None for "compiles", extra compiler options)."""
    expected, flags, found = None, [], False
    with open(path, encoding="utf-8") as f:
        for line in f:
            if m := re.match(r"\s*//\s*expect-error:\s*(.+?)\s*$", line):
                expected, found = m.group(1), True
            elif re.match(r"\s*//\s*expect:\s*compiles\s*$", line):
                expected, found = None, True
            elif m := re.match(r"\s*//\s*flags:\s*(.+?)\s*$", line):
                flags += m.group(1).split()
    if not found:
        sys.exit(f"{path}: no '// expect-error: <message>' or '// expect: compiles' line")
    return expected, flags


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--compiler", required=True)
    parser.add_argument("--include", action="append", default=[])
    parser.add_argument("case")
    args = parser.parse_args()

    message, flags = read_case(args.case)
    command = [args.compiler, "-std=c++23", "-fsyntax-only", "-fdiagnostics-color=never",
               "-fdiagnostics-show-caret"] + flags
    command += [f"-I{d}" for d in args.include]
    command.append(args.case)
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    output = result.stdout + result.stderr

    if message is None:
        if result.returncode != 0 or output.strip():
            print(output)
            sys.exit(f"FAIL: {args.case} should compile cleanly (exit {result.returncode})")
        print(f"ok: {args.case} compiles")
        return
    if result.returncode == 0:
        print(output)
        sys.exit(f"FAIL: {args.case} compiled, but the layout breaks the rule: {message}")
    if message not in output:
        print(output)
        sys.exit(f"FAIL: {args.case} was rejected, but the compiler's output does not say: {message}")
    print(f"ok: {args.case} rejected with: {message}")


if __name__ == "__main__":
    main()
