#!/usr/bin/env python3
"""Seeds for the storage fuzz target (fuzz_storage.cpp): one program per path, each a sequence of
well-formed requests, so that mutations start inside every operation instead of at the argument
checks (from an empty corpus the fuzzer never created a PS object and then extended it).

The program format is fuzz_storage.cpp's: per step an op byte (0-15 flip a flash bit, 16-23
reboot, 24 and up a request: odd PS, even ITS), then caller, type, in count, out count, each
in vector as a length byte and its bytes, each out vector as a length byte (x 4).

  fuzz_seeds.py DIR
"""
import os
import struct
import sys

SET, GET, GET_INFO, REMOVE, CREATE, SET_EXTENDED, GET_SUPPORT = range(1, 8)
WRITE_ONCE, NO_CONFIDENTIALITY = 1, 2
ITS, PS = 24, 25


def args(uid, offset=0, length=0, flags=0):
    return struct.pack("<QQQII", uid, offset, length, flags, 0)


def req(service, type_, ins=(), outs=(), caller=1):
    b = bytes([service, caller, type_, len(ins), len(outs)])
    for v in ins:
        assert len(v) < 64
        b += bytes([len(v)]) + v
    for n in outs:
        assert n % 4 == 0
        b += bytes([n // 4])
    return b


REBOOT = bytes([16])
INFO = 12  # sizeof(ward_storage_info_wire)


def its_roundtrip(s):
    return (req(s, SET, [args(1), b"hello, storage"]) + req(s, GET, [args(1)], [16]) +
            req(s, GET, [args(1, offset=7)], [8]) + req(s, GET_INFO, [args(1)], [INFO]) +
            req(s, SET, [args(1), b"replaced"]) + req(s, REMOVE, [args(1)]) + req(s, GET, [args(1)], [16]))


SEEDS = {
    "its-roundtrip": its_roundtrip(ITS),
    "ps-roundtrip": its_roundtrip(PS),
    "ps-create-extend": (req(PS, CREATE, [args(2, length=48)]) +
                         req(PS, SET_EXTENDED, [args(2, offset=0), bytes(range(16))]) +
                         req(PS, SET_EXTENDED, [args(2, offset=16), bytes(range(16, 48))]) +
                         req(PS, GET_INFO, [args(2)], [INFO]) + req(PS, GET, [args(2, offset=8)], [40]) +
                         req(PS, SET_EXTENDED, [args(2, offset=40), bytes(16)]) +  # past the capacity
                         req(PS, REMOVE, [args(2)])),
    "ps-create-empty": req(PS, CREATE, [args(3, length=0)]) + req(PS, GET_INFO, [args(3)], [INFO]) +
                       req(PS, SET_EXTENDED, [args(3), b"x"]),
    "ps-support": req(PS, GET_SUPPORT, outs=[4]),
    "write-once": (req(ITS, SET, [args(4, flags=WRITE_ONCE), b"forever"]) + req(ITS, SET, [args(4), b"again"]) +
                   req(ITS, REMOVE, [args(4)]) + req(PS, SET, [args(5, flags=WRITE_ONCE | NO_CONFIDENTIALITY), b"p"]) +
                   req(PS, REMOVE, [args(5)])),
    "owners": (req(ITS, SET, [args(6), b"mine"], caller=1) + req(ITS, GET, [args(6)], [8], caller=2) +
               req(ITS, REMOVE, [args(6)], caller=2) + req(ITS, GET, [args(6)], [8], caller=1)),
    "reboot": (req(PS, SET, [args(7), b"kept across a reboot"]) + req(ITS, SET, [args(7), b"its too"]) + REBOOT +
               req(PS, GET, [args(7)], [20]) + req(ITS, GET, [args(7)], [8])),
    "flip-then-reboot": req(ITS, SET, [args(8), b"damaged"]) + bytes([0, 0x00, 0x40, 0x10]) + REBOOT +
                        req(ITS, GET, [args(8)], [8]),
}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, program in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(program)


if __name__ == "__main__":
    main()
