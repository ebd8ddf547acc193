#!/usr/bin/env python3
"""The secure images' memcpy and memset are arch/arm/src/small_libc.cpp's, as built.

For each ELF: memcpy and memset are defined once, small (small_libc's word loops, not newlib's
236 + 168 B), and leaf functions: no call, and no branch to their own entry or out of their body
(GCC's loop-idiom recognition turns such loops back into calls of themselves: a jump to memcpy
inside memcpy recurses forever). And Mbed TLS's mbedtls_platform_zeroize still reaches that memset
through its volatile pointer (memset_func), so key material is cleared by code that clears it.

usage: libc_copies.py NM OBJDUMP ELF...
"""
import re
import subprocess
import sys


def symbols(nm, elf):
    out = subprocess.run([nm, "-S", "--defined-only", elf], check=True, capture_output=True, text=True).stdout
    syms = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4:
            syms.setdefault(parts[3], []).append((int(parts[0], 16), int(parts[1], 16), parts[2]))
    return syms


def check_leaf(objdump, elf, name, start, size, errors):
    out = subprocess.run([objdump, "-d", "--start-address=%#x" % start, "--stop-address=%#x" % (start + size), elf],
                         check=True, capture_output=True, text=True).stdout
    insns = 0
    for line in out.splitlines():
        m = re.match(r"\s*([0-9a-f]+):\s+(?:[0-9a-f]{4}\s?)+\s+(\S+)\s*(.*)", line)
        if not m:
            continue
        insns += 1
        op, args = m.group(2), m.group(3)
        if op.startswith(("bl", "blx")) and not op.startswith("bls") and not op.startswith("blt"):
            errors.append(f"{elf}: {name} calls: {line.strip()}")
        elif re.fullmatch(r"(b|b\.w|b\.n|b(eq|ne|cs|cc|hs|lo|mi|pl|vs|vc|hi|ls|ge|lt|gt|le)(\.[wn])?|cbn?z)", op):
            t = re.search(r"\b([0-9a-f]+) <", args)
            if t:
                target = int(t.group(1), 16)
                if not start < target < start + size:
                    errors.append(f"{elf}: {name} branches to {target:#x}, its entry or outside it: {line.strip()}")
    if insns == 0:
        errors.append(f"{elf}: {name}: no instructions disassembled")


def word_at(objdump, elf, addr):
    out = subprocess.run([objdump, "-s", "--start-address=%#x" % addr, "--stop-address=%#x" % (addr + 4), elf],
                         check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        m = re.match(r"\s*([0-9a-f]+)\s+([0-9a-f]{8})\b", line)
        if m and int(m.group(1), 16) == addr:
            return int.from_bytes(bytes.fromhex(m.group(2)), "little")
    return None


def main():
    nm, objdump, elves = sys.argv[1], sys.argv[2], sys.argv[3:]
    errors = []
    for elf in elves:
        syms = symbols(nm, elf)
        entry = {}
        for name in ("memcpy", "memset"):
            defs = [s for s in syms.get(name, []) if s[2] in "Tt"]
            if len(defs) != 1:
                errors.append(f"{elf}: {name} defined {len(defs)} times")
                continue
            start, size, _ = defs[0]
            start &= ~1
            entry[name] = start
            if not 0 < size <= 96:
                errors.append(f"{elf}: {name} is {size} B: not small_libc's word loop")
            check_leaf(objdump, elf, name, start, size, errors)
        ptrs = [s for n, v in syms.items() if n.startswith("memset_func") for s in v]
        if len(ptrs) != 1:
            errors.append(f"{elf}: Mbed TLS's memset_func found {len(ptrs)} times")
        elif "memset" in entry:
            value = word_at(objdump, elf, ptrs[0][0])
            if value is None or value & ~1 != entry["memset"]:
                errors.append(f"{elf}: memset_func holds {value!r}, not memset at {entry['memset']:#x}")
        print(f"{elf}: memcpy, memset checked")
    for e in errors:
        print("FAIL:", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
