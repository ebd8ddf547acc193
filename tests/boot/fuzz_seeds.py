#!/usr/bin/env python3
"""Seeds for the image fuzz target (fuzz_image.cpp) that get past its checks.

The target's stand-in crypto hashes everything to 32 zero bytes and its built-in key's hash is
zero too. A real signed image carries the real SHA-256 and key hash, which a constant-time
compare gives the fuzzer nothing to steer by: no mutation gets past the hash check. This writes,
beside each signed image IN, a copy OUT with the SHA-256 and key hash TLVs zeroed: the stand-in's
hash and key checks pass, so mutations start at the DER signature and the verifier call.

  fuzz_seeds.py IN OUT
"""
import struct
import sys

TLV_INFO_MAGIC, PROT_TLV_INFO_MAGIC = 0x6907, 0x6908
ZEROED = {0x01, 0x10}  # key hash, SHA-256


def main():
    src, dst = sys.argv[1], sys.argv[2]
    image = bytearray(open(src, "rb").read())
    hdr_size = struct.unpack_from("<H", image, 8)[0]
    prot_size = struct.unpack_from("<H", image, 10)[0]
    img_size = struct.unpack_from("<I", image, 12)[0]
    off = hdr_size + img_size + prot_size  # the unprotected area's info
    magic, total = struct.unpack_from("<HH", image, off)
    if magic != TLV_INFO_MAGIC:
        sys.exit(f"{src}: no unprotected TLV area at {off:#x}")
    pos, end, zeroed = off + 4, off + total, 0
    while pos + 4 <= end:
        kind, length = struct.unpack_from("<HH", image, pos)
        if kind in ZEROED:
            image[pos + 4:pos + 4 + length] = bytes(length)
            zeroed += 1
        pos += 4 + length
    if zeroed == 0:
        sys.exit(f"{src}: no SHA-256 or key hash TLV")
    open(dst, "wb").write(image)


if __name__ == "__main__":
    main()
