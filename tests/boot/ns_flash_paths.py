#!/usr/bin/python3
"""No non-secure image has a Ward path to the boot flash (docs/boot.md, "Who can write the slots and
the counters"): none contains the flash driver, the bootloader's engine (slots, trailers, security
counters), the update control or the FWU service. They stage images through psa/update.h only.

  ns_flash_paths.py --nm NM --list FILE --control ELF

FILE lists the non-secure images of the build (one path per line). ELF is a secure-only image that
does write the slots: the check must find its paths, or the check itself is broken.
"""
import argparse
import re
import subprocess
import sys

# Demangled names of what writes the boot flash.
FORBIDDEN = re.compile(r"ward::flash::SemihostFlash|ward::boot::(Control|Engine|MultiEngine|SecurityCounter|write_magic|"
                       r"write_flag)|ward::secure::fwu::Service")


def paths(nm, elf):
    out = subprocess.run([nm, "-C", elf], check=True, stdout=subprocess.PIPE, text=True).stdout
    return sorted({line.split(" ", 2)[-1] for line in out.splitlines() if FORBIDDEN.search(line)})


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--nm", required=True)
    p.add_argument("--list", required=True)
    p.add_argument("--control", required=True)
    args = p.parse_args()
    if not paths(args.nm, args.control):
        print(f"check broken: found no flash path in {args.control}, which has them")
        return 1
    images = [line.strip() for line in open(args.list) if line.strip()]
    if not images:
        print("no non-secure images listed")
        return 1
    bad = 0
    for elf in images:
        found = paths(args.nm, elf)
        if found:
            bad += 1
            print(f"{elf}: a path to the boot flash: " + ", ".join(found[:5]))
    print(f"{len(images)} non-secure images checked, {bad} with a path to the boot flash")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
