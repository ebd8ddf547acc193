#!/usr/bin/python3
"""Runs the exception-entry attack matrix (entry_matrix_test.cpp) to its last cell.

A cell that stops the system (a kernel panic, a CPU fault, a QEMU lockup, the secure image halting,
a hang) ends that boot. This tool then boots the image again from the next cell (the firmware's
--from=N argument), until every cell has run, and lists every failing cell: the ones that stopped
the system, with the lines they printed, and the ones the firmware itself reported as failed.

usage: entry_matrix.py --runner RUNNER [--secure-image ELF] [--timeout S] [--log FILE] IMAGE
                       [-- firmware arguments, e.g. --entry=irq.]
Exit status: 0 when every cell passed, 1 otherwise, 2 for bad usage.
"""
import argparse
import os
import re
import subprocess
import sys

CELL_RE = re.compile(r"^\[cell (\d+)/(\d+)\] (.*?): (.*)$")
VERDICT_RE = re.compile(r"^ward-qemu-run: (PASS|FAIL) .*$")


def boot(args, start, extra):
    cmd = [sys.executable, args.runner, "--timeout", str(args.timeout)]
    if args.secure_image:
        cmd += ["--secure-image", args.secure_image, "--fresh-workdir"]
    for a in [f"--from={start}"] + extra:
        cmd.append(f"--arg={a}")
    cmd.append(args.image)
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, errors="replace")
    return proc.returncode, proc.stdout.splitlines()


def analyse(lines):
    """Cells that ran in one boot: {cell: (name, outcome or None, [lines after its start])}."""
    cells = {}
    order = []
    current = None
    total = None
    for line in lines:
        m = CELL_RE.match(line)
        if m:
            cell, total, name, rest = int(m.group(1)), int(m.group(2)), m.group(3), m.group(4)
            if rest == "started":
                cells[cell] = [name, None, []]
                order.append(cell)
                current = cell
            elif cell in cells:
                cells[cell][1] = rest
                current = None
            continue
        if current is not None:
            cells[current][2].append(line)
        elif order and cells[order[-1]][1] is not None and line.startswith("    "):
            cells[order[-1]][2].append(line)  # detail lines printed after a failed outcome
    return cells, order, total


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runner", required=True, help="tools/qemu-runner/ward-qemu-run")
    p.add_argument("--secure-image", help="Ward's secure image (TrustZone build)")
    p.add_argument("--timeout", type=float, default=120, help="seconds per boot")
    p.add_argument("--log", help="write every boot's whole output here")
    p.add_argument("image")
    p.add_argument("firmware_args", nargs="*", help="after --: arguments for the firmware")
    args = p.parse_args()
    if not os.path.isfile(args.image):
        print(f"entry_matrix: no such image: {args.image}", file=sys.stderr)
        return 2
    log = open(args.log, "w") if args.log else None
    name = os.path.basename(args.image)
    start, boots, ran = 0, 0, 0
    failures = []  # (cell, name, how, excerpt)
    while True:
        boots += 1
        status, lines = boot(args, start, args.firmware_args)
        if log:
            log.write(f"==== boot {boots}: --from={start}\n" + "\n".join(lines) + "\n")
        cells, order, total = analyse(lines)
        ran += len(order)
        verdict = next((l for l in reversed(lines) if VERDICT_RE.match(l)), "ward-qemu-run: FAIL (no verdict)")
        for cell in order:
            cname, outcome, after = cells[cell]
            if outcome is not None and "-- FAIL:" in outcome:
                failures.append((cell, cname, outcome.split("-- FAIL: ", 1)[1], after[:4]))
        stopped = order[-1] if order and cells[order[-1]][1] is None else None
        if status == 0:
            break
        if stopped is None:
            # Every cell that started also ended: the failure is the firmware's own verdict (failed
            # cells, counted above, or something outside the cells).
            if not any(f for f in failures):
                failures.append((-1, name, verdict.split(": ", 1)[-1], lines[-12:]))
            break
        excerpt = [l for l in cells[stopped][2] if l.strip()][:8]
        failures.append((stopped, cells[stopped][0], "stopped the system: " + verdict.split(": ", 2)[-1], excerpt))
        print(f"entry_matrix: {name}: boot {boots} stopped at cell {stopped} ({cells[stopped][0]})", flush=True)
        start = stopped + 1
        if total is not None and start >= int(total):
            break
    print(f"entry_matrix: {name}: {ran} cells run in {boots} boot(s), {len(failures)} failing")
    for cell, cname, how, excerpt in sorted(failures):
        print(f"  FAIL cell {cell}: {cname}: {how}")
        for line in excerpt:
            print(f"        {line}")
    if log:
        log.close()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
