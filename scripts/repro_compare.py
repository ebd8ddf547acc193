#!/usr/bin/python3
"""Compares what two builds of one commit shipped (docs/supply-chain.md, "How to reproduce a
release"): every file must be byte-identical, except what an ECDSA signature makes differ.

  repro_compare.py DIR_A DIR_B FILE...

FILEs are paths relative to both directories. A signed image (`*.signed.bin`, MCUboot format) must
be identical except the value of its ECDSA signature TLV (0x22): the header, the image, the
protected TLV area and every other unprotected TLV (its SHA-256, the key hash) byte for byte, one
signature TLV in each. ECDSA signatures are randomised (and one made by an HSM cannot be
reproduced), so no two signings agree there. An SBOM that names signed files (their own SBOMs, the
device SBOM) records those files' digests, and its document namespace / serial number are derived
from its content: in it each digest of a signed file of its own tree is replaced by a placeholder
naming the file, and the namespace / serial number masked, before it is compared byte for byte.
Nothing else is masked or normalised (no JSON re-serialisation: an ordering difference is a
difference).

Exit status: 0 when every file matches, 1 when one differs (each named, with where), 2 on a usage
error or a missing or malformed file.
"""
import hashlib
import os
import re
import struct
import sys

MAGIC = 0x96F3B83D
HEADER_SIZE = 32
TLV_INFO = 0x6907
TLV_PROT_INFO = 0x6908
TLV_ECDSA_SIG = 0x22
SIGNED_SUFFIX = ".signed.bin"
SBOM_SUFFIXES = (".spdx.json", ".cdx.json")
# The SBOM fields derived from the whole content (docs/supply-chain.md, "Reproducibility").
DERIVED_ID = re.compile(rb'("documentNamespace": "[^"]*-|"serialNumber": "urn:uuid:)[0-9a-f-]{36}"')


class Malformed(Exception):
    pass


def tlvs(data, start, magic, what):
    """The TLVs (type, offset of the value, length) of the TLV area at `start`, and its end."""
    if start + 4 > len(data):
        raise Malformed(f"{what}: no TLV area at offset {start}")
    info, total = struct.unpack_from("<HH", data, start)
    if info != magic:
        raise Malformed(f"{what}: TLV area at offset {start} has magic {info:#06x}, not {magic:#06x}")
    end = start + total
    if total < 4 or end > len(data):
        raise Malformed(f"{what}: TLV area at offset {start} of {total} bytes runs past the file")
    out, pos = [], start + 4
    while pos < end:
        if pos + 4 > end:
            raise Malformed(f"{what}: truncated TLV header at offset {pos}")
        kind, length = struct.unpack_from("<HH", data, pos)
        if pos + 4 + length > end:
            raise Malformed(f"{what}: TLV {kind:#x} at offset {pos} runs past its area")
        out.append((kind, pos + 4, length))
        pos += 4 + length
    return out, end


def signed_parts(data, what):
    """A signed image cut into what must match: everything up to the unprotected TLV area, each
    unprotected TLV but the signature's value, whatever follows the area; and the signatures."""
    if len(data) < HEADER_SIZE:
        raise Malformed(f"{what}: shorter than an image header")
    magic, _, hdr_size, prot_size, img_size = struct.unpack_from("<IIHHI", data, 0)
    if magic != MAGIC:
        raise Malformed(f"{what}: not an MCUboot image (magic {magic:#010x})")
    body_end = hdr_size + img_size
    if prot_size:
        _, prot_end = tlvs(data, body_end, TLV_PROT_INFO, what)
        if prot_end != body_end + prot_size:
            raise Malformed(f"{what}: protected TLV area is not the {prot_size} bytes the header says")
    entries, end = tlvs(data, body_end + prot_size, TLV_INFO, what)
    kept, signatures = [data[:body_end + prot_size]], []
    for kind, value, length in entries:
        if kind == TLV_ECDSA_SIG:
            signatures.append(data[value:value + length])
            kept.append(struct.pack("<H", kind))  # its type and place, not its length or value
        else:
            kept.append(data[value - 4:value + length])
    kept.append(data[end:])
    if len(signatures) != 1:
        raise Malformed(f"{what}: {len(signatures)} ECDSA signature TLVs, expected one")
    return kept, signatures


def compare_signed(a, b, name):
    """None when the two signed images match up to their signatures, else why not."""
    parts_a, _ = signed_parts(a, f"A/{name}")
    parts_b, _ = signed_parts(b, f"B/{name}")
    labels = ["header, image and protected TLVs"] + [f"unprotected TLV #{i}" for i in range(len(parts_a) - 2)] + \
             ["bytes after the TLV area"]
    if len(parts_a) != len(parts_b):
        return f"{len(parts_a) - 2} unprotected TLVs in A, {len(parts_b) - 2} in B"
    for label, x, y in zip(labels, parts_a, parts_b):
        if x != y:
            return f"{label} differ ({first_difference(x, y)})"
    return None


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return f"first at byte {i}"
    return f"lengths {len(a)} and {len(b)}"


def digests(path):
    with open(path, "rb") as f:
        data = f.read()
    return {hashlib.sha1(data).hexdigest(): "sha1", hashlib.sha256(data).hexdigest(): "sha256"}


def masked_sbom(data, signed_files):
    """The SBOM with the digests of the signed files (name -> path in this SBOM's tree) replaced by
    placeholders and its content-derived namespace / serial number masked."""
    for name, path in sorted(signed_files.items()):
        for digest, algorithm in digests(path).items():
            data = data.replace(digest.encode(), f"<{algorithm} of {name}>".encode())
    return DERIVED_ID.sub(rb'\1<derived>"', data)


def line_difference(a, b):
    la, lb = a.splitlines(), b.splitlines()
    for i, (x, y) in enumerate(zip(la, lb)):
        if x != y:
            return f"line {i + 1}: A {x.strip()[:160]!r}, B {y.strip()[:160]!r}"
    return f"{len(la)} lines in A, {len(lb)} in B"


def compare_file(dir_a, dir_b, name, signed):
    """None when `name` matches in both trees, else why not. `signed`: the signed images compared
    (relative paths), whose digests SBOMs may name."""
    paths = [os.path.join(d, name) for d in (dir_a, dir_b)]
    data = []
    for p in paths:
        try:
            with open(p, "rb") as f:
                data.append(f.read())
        except OSError as e:
            raise Malformed(f"{p}: {e.strerror}") from e
    a, b = data
    if a == b:
        return None
    if name.endswith(SIGNED_SUFFIX):
        return compare_signed(a, b, name)
    if name.endswith(SBOM_SUFFIXES) and signed:
        a = masked_sbom(a, {s: os.path.join(dir_a, s) for s in signed})
        b = masked_sbom(b, {s: os.path.join(dir_b, s) for s in signed})
        if a == b:
            return None
        return f"differs beyond the signed files' digests: {line_difference(a, b)}"
    if name.endswith(SBOM_SUFFIXES):
        return f"differs: {line_difference(a, b)}"
    return f"differs ({first_difference(a, b)})"


def compare(dir_a, dir_b, names):
    """[(name, why)] for every file that does not match."""
    signed = [n for n in names if n.endswith(SIGNED_SUFFIX)]
    out = []
    for name in names:
        why = compare_file(dir_a, dir_b, name, signed)
        if why:
            out.append((name, why))
    return out


def main(argv):
    if len(argv) < 4:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    dir_a, dir_b, names = argv[1], argv[2], argv[3:]
    try:
        differences = compare(dir_a, dir_b, names)
    except Malformed as e:
        print(f"repro_compare: {e}", file=sys.stderr)
        return 2
    for name, why in differences:
        print(f"NOT REPRODUCED {name}: {why}")
    print(f"{len(names) - len(differences)} of {len(names)} files reproduced"
          + ("" if differences else " (signed images up to their ECDSA signatures)"))
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
