#!/usr/bin/env python3
"""Short libFuzzer run over the secure-call boundary and dispatch(), seeded with well-formed
requests of several types so that mutations start inside the handlers rather than at the shape
checks (the input format is described in fuzz_dispatch.cpp).
   fuzz_smoke.py FUZZER WORKDIR"""
import pathlib
import shutil
import struct
import subprocess
import sys

TYPES = [1, 2, 10, 11, 12, 13, 14, 15, 16, 20, 21, 22, 23, 24, 25, 26, 30, 31, 40, 41, 50, 51, 52, 53, 60,
         70, 71, 72, 73, 74, 75, 76, 77,
         17, 18, 27, 32, 33, 34, 35, 36, 37, 45, 46, 78, 79, 68, 69, 67, 80, 81, 82, 83, 84, 85, 86, 87, 88,
         90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107]
CTR, CMAC = 0x04c01000, 0x03c00200
SHA256, HMAC256, GCM, ECDSA256, HKDF256 = 0x02000009, 0x03800009, 0x05500100, 0x06000609, 0x08000109


def args(key=0, alg=0, handle=0, step=0, capacity=0):
    return struct.pack("<IIIIQ", key, alg, handle, step, capacity)


def attributes(type_, bits, usage, alg, lifetime=0, id_=0):
    return struct.pack("<IIIIIIII", type_, bits, lifetime, id_, usage, alg, 0, 0)


def request(type_, ins, outs, caller=0, service=1, array_flags=0):
    body = bytes([caller, service, TYPES.index(type_), (len(ins) << 4) | len(outs), array_flags])
    for vec in ins:
        body += struct.pack("<HB", len(vec), 0) + vec
    for cap in outs:
        body += struct.pack("<HB", cap, 0)
    return body


def main() -> int:
    fuzzer, work = sys.argv[1], pathlib.Path(sys.argv[2])
    shutil.rmtree(work, ignore_errors=True)
    corpus = work / "corpus"
    corpus.mkdir(parents=True)
    seeds = [
        request(1, [args()], []),
        request(2, [args()], [32]),
        request(20, [args(alg=SHA256), b"abc"], [32]),
        request(21, [args(alg=SHA256), b"abc", bytes(32)], []),
        request(22, [args(alg=SHA256)], [4]),
        request(23, [args(handle=0x01), b"abc"], []),
        request(10, [args(), attributes(0x1100, 0, 0x1c00, HMAC256), bytes(32)], [4]),
        request(30, [args(key=0x40000000, alg=HMAC256), b"data"], [32]),
        request(10, [args(), attributes(0x2400, 0, 0x0300, GCM), bytes(16)], [4]),
        request(40, [args(key=0x40000000, alg=GCM), bytes(12), b"ad", b"plaintext"], [64]),
        request(11, [args(), attributes(0x7112, 256, 0x3c00, ECDSA256)], [4]),
        request(52, [args(key=0x40000000, alg=ECDSA256), b"message"], [64]),
        request(11, [args(), attributes(0x7112, 256, 0x3c00, ECDSA256, lifetime=1, id_=7)], [4]),
        request(70, [args(alg=HKDF256)], [4]),
        request(71, [args(handle=0x01, step=0x0101), b"secret"], []),
        request(12, [args(key=0x40000000)], [64]),
        request(16, [args(key=0x40000000)], [32]),
        request(20, [args(alg=SHA256), b"abc"], [5000]),  # an output larger than a call carries
        request(2, [args()], [3000, 3000]),               # clamped in order
        # Multi-part operations and the other requests of the whole API.
        request(32, [args(key=0x40000000, alg=HMAC256)], [4]),
        request(34, [args(handle=0x01), b"data"], []),
        request(35, [args(handle=0x01)], [32]),
        request(27, [args(handle=0x01)], [4]),
        request(17, [args(key=0x40000000), attributes(0, 0, 0x0c00, HMAC256)], [4]),
        request(10, [args(), attributes(0x2400, 0, 0x0f00, CTR), bytes(16)], [4]),
        request(80, [args(key=0x40000000, alg=CTR), b"plaintext"], [64]),
        request(82, [args(key=0x40000000, alg=CTR)], [4]),
        request(84, [args(handle=0x01)], [16]),
        request(86, [args(handle=0x01), b"plaintext"], [64]),
        request(90, [args(key=0x40000000, alg=GCM)], [4]),
        request(93, [args(handle=0x01), bytes(12)], []),
        request(94, [args(handle=0x01), struct.pack("<QQ", 2, 9)], []),
        request(96, [args(handle=0x01), b"plaintext"], [64]),
        request(97, [args(handle=0x01)], [64, 16]),
        request(100, [args(key=0x40000000, alg=ECDSA256), bytes(32)], [4]),
        request(101, [args(handle=0x01, capacity=1)], [64]),
        request(68, [args(handle=0x01), bytes(16)], []),
        request(18, [args(), attributes(0x7112, 256, 0x3c00, ECDSA256), struct.pack("<II", 0, 0), b""], [4]),
    ]
    for i, seed in enumerate(seeds):
        (corpus / f"seed{i:02}").write_bytes(seed)
    return subprocess.call([fuzzer, "-runs=300000", "-max_total_time=120", "-seed=1", "-max_len=1024",
                            "-timeout=20", str(corpus)])


if __name__ == "__main__":
    sys.exit(main())
