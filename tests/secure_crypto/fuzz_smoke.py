#!/usr/bin/env python3
"""Short libFuzzer run over the secure-call boundary and dispatch(), seeded with sequences of
well-formed requests (the input format is described in fuzz_dispatch.cpp) that take every kind of
multi-part operation through setup, its steps and finish or abort, create and destroy keys, and
play several clients against each other's handles and keys and against their limits, so that
mutations start deep inside the handlers rather than at the shape checks. Request types are read
from crypto_wire.h, so the seeds follow the wire protocol; the seeds' numbers (algorithms, key
types, usages, steps) also go into a libFuzzer dictionary.
   fuzz_smoke.py FUZZER WORKDIR CRYPTO_WIRE_H [LIBFUZZER_ARGS...]
   (LIBFUZZER_ARGS replace the smoke run's; e.g. -runs=0 runs the seeds once)"""
import pathlib
import re
import shutil
import struct
import subprocess
import sys

# PSA values (psa/crypto_values.h, Mbed TLS 3.6).
SHA256, SHA224 = 0x02000009, 0x02000008
HMAC256, CMAC = 0x03800009, 0x03c00200
CTR, CBC_PKCS7 = 0x04c01000, 0x04404100
CCM, GCM = 0x05500100, 0x05500200
ECDSA256, DET_ECDSA256 = 0x06000609, 0x06000709
HKDF256, TLS12_PRF256, PBKDF2_HMAC256 = 0x08000109, 0x08000209, 0x08800109
ECDH = 0x09020000
ECDH_HKDF256 = ECDH | HKDF256
AES, HMAC_KEY, DERIVE, PASSWORD, RAW = 0x2400, 0x1100, 0x1200, 0x1203, 0x1001
P256_PAIR, P256_PUBLIC = 0x7112, 0x4112
EXPORT, COPY, ENCRYPT, DECRYPT = 0x1, 0x2, 0x100, 0x200
SIGN_MSG, VERIFY_MSG, SIGN_HASH, VERIFY_HASH, DERIVE_USE = 0x400, 0x800, 0x1000, 0x2000, 0x4000
SECRET, PASSWORD_STEP, LABEL, SALT, INFO, SEED, COST = 0x101, 0x102, 0x201, 0x202, 0x203, 0x204, 0x205
END_CLIENT = 0xFF
UNLIMITED = 0xFFFFFFFF  # PSA_INTERRUPTIBLE_MAX_OPS_UNLIMITED

# The P-256 test vector of RFC 6979, A.2.5: private key and its public point.
P256_PRIVATE = bytes.fromhex("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721")
P256_PUBLIC_POINT = bytes.fromhex(
    "0460fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6"
    "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299")


def wire_types(header):
    """WARD_CRYPTO_<NAME> -> its value, from crypto_wire.h."""
    text = pathlib.Path(header).read_text()
    return {m[1]: int(m[2]) for m in re.finditer(r"#define\s+WARD_CRYPTO_(\w+)\s+\((\d+)\)", text)}


def args(key=0, alg=0, handle=0, step=0, capacity=0):
    return struct.pack("<IIIIQ", key, alg, handle, step, capacity)


def attributes(type_, bits, usage, alg, lifetime=0, id_=0):
    return struct.pack("<IIIIIIII", type_, bits, lifetime, id_, usage, alg, 0, 0)


class Sequence:
    """Builds one input: calls in order, each naming remembered ids by their number (the n-th
    4-byte answer of a successful call, counted from 0, as fuzz_dispatch.cpp keeps them)."""

    def __init__(self, types):
        self.types = types
        self.body = b""

    def call(self, name, ins, outs, client=0, handle=None, key=None, service=1):
        link = (0 if handle is None else handle % 8 + 1) | (0 if key is None else (key % 8 + 1) << 4)
        self.body += bytes([link, client, service, self.types[name] & 0xFF, (len(ins) << 4) | len(outs), 0])
        for vec in ins:
            self.body += struct.pack("<HB", len(vec), 0) + vec
        for cap in outs:
            self.body += struct.pack("<HB", cap, 0)
        return self

    def end_client(self, client):
        self.body += bytes([END_CLIENT, client])
        return self


def seeds(types):
    def seq():
        return Sequence(types)

    # Ids: each comment says which number a call's answer gets.
    out = []
    # Hash: setup (0), update twice, clone (1), finish the clone, verify the original; another
    # setup (2) aborted; one (3) updated after its finish (refused).
    out.append(seq().call("HASH_SETUP", [args(alg=SHA256)], [4])
               .call("HASH_UPDATE", [args(), b"ab"], [], handle=0)
               .call("HASH_UPDATE", [args(), b"c"], [], handle=0)
               .call("HASH_CLONE", [args()], [4], handle=0)
               .call("HASH_FINISH", [args()], [32], handle=1)
               .call("HASH_VERIFY", [args(), bytes(32)], [], handle=0)
               .call("HASH_SETUP", [args(alg=SHA224)], [4])
               .call("HASH_ABORT", [args()], [], handle=2)
               .call("HASH_SETUP", [args(alg=SHA256)], [4])
               .call("HASH_FINISH", [args()], [16], handle=3)
               .call("HASH_UPDATE", [args(), b"late"], [], handle=3))
    # Ownership: client 1 uses, clones, finishes and aborts client 0's operation (all refused),
    # then client 0 finishes it.
    out.append(seq().call("HASH_SETUP", [args(alg=SHA256)], [4])
               .call("HASH_UPDATE", [args(), b"x"], [], client=1, handle=0)
               .call("HASH_CLONE", [args()], [4], client=1, handle=0)
               .call("HASH_FINISH", [args()], [32], client=1, handle=0)
               .call("HASH_ABORT", [args()], [], client=1, handle=0)
               .call("HASH_FINISH", [args()], [32], handle=0))
    # Limits: client 0 takes its four operations (0-3), a fifth is refused; client 1 takes four
    # (4-7); client 2 finds the table full; client 0 ends, and client 2 gets a slot (8).
    s = seq()
    for c in (0, 1):
        for _ in range(5 if c == 0 else 4):
            s.call("HASH_SETUP", [args(alg=SHA256)], [4], client=c)
    s.call("KDF_SETUP", [args(alg=HKDF256)], [4], client=2).end_client(0)
    s.call("HASH_SETUP", [args(alg=SHA256)], [4], client=2).call("HASH_CLONE", [args()], [4], client=1, handle=4)
    out.append(s)
    # MAC: key (0), sign (1) and verify (2) operations; another client's try with the key.
    hmac_key = attributes(HMAC_KEY, 0, SIGN_MSG | VERIFY_MSG | SIGN_HASH | VERIFY_HASH, HMAC256)
    out.append(seq().call("IMPORT_KEY", [args(), hmac_key, bytes(range(32))], [4])
               .call("MAC_SIGN_SETUP", [args(alg=HMAC256)], [4], key=0)
               .call("MAC_UPDATE", [args(), b"data"], [], handle=1)
               .call("MAC_SIGN_FINISH", [args()], [32], handle=1)
               .call("MAC_VERIFY_SETUP", [args(alg=HMAC256)], [4], key=0)
               .call("MAC_UPDATE", [args(), b"data"], [], handle=2)
               .call("MAC_VERIFY_FINISH", [args(), bytes(32)], [], handle=2)
               .call("MAC_SIGN_SETUP", [args(alg=HMAC256)], [4], client=1, key=0)
               .call("MAC_COMPUTE", [args(alg=HMAC256), b"data"], [32], key=0)
               .call("MAC_SIGN_SETUP", [args(alg=HMAC256)], [4], key=0)
               .call("MAC_ABORT", [args()], [], handle=3))
    aes = attributes(AES, 0, ENCRYPT | DECRYPT | EXPORT | COPY, CTR)
    # Cipher: key (0), encrypt (1): IV, update, finish; decrypt (2): set IV, update, finish; abort (3).
    out.append(seq().call("IMPORT_KEY", [args(), aes, bytes(16)], [4])
               .call("CIPHER_ENCRYPT_SETUP", [args(alg=CTR)], [4], key=0)
               .call("CIPHER_GENERATE_IV", [args()], [16], handle=1)
               .call("CIPHER_UPDATE", [args(), b"plaintext"], [64], handle=1)
               .call("CIPHER_FINISH", [args()], [16], handle=1)
               .call("CIPHER_DECRYPT_SETUP", [args(alg=CTR)], [4], key=0)
               .call("CIPHER_SET_IV", [args(), bytes(16)], [], handle=2)
               .call("CIPHER_UPDATE", [args(), b"ciphertext"], [64], handle=2)
               .call("CIPHER_FINISH", [args()], [16], handle=2)
               .call("CIPHER_ENCRYPT_SETUP", [args(alg=CTR)], [4], key=0)
               .call("CIPHER_UPDATE", [args(), b"no iv"], [64], handle=3)
               .call("CIPHER_ABORT", [args()], [], handle=3))
    cbc = attributes(AES, 0, ENCRYPT | DECRYPT, CBC_PKCS7)
    out.append(seq().call("IMPORT_KEY", [args(), cbc, bytes(32)], [4])
               .call("CIPHER_DECRYPT_SETUP", [args(alg=CBC_PKCS7)], [4], key=0)
               .call("CIPHER_SET_IV", [args(), bytes(16)], [], handle=1)
               .call("CIPHER_UPDATE", [args(), bytes(32)], [64], handle=1)
               .call("CIPHER_FINISH", [args()], [16], handle=1)
               .call("CIPHER_ENCRYPT", [args(alg=CBC_PKCS7), b"one shot"], [64], key=0))
    # AEAD: key (0); encrypt (1): lengths, nonce, AD, update, finish; decrypt (2): nonce, AD,
    # update, verify.
    for alg in (GCM, CCM):
        key = attributes(AES, 0, ENCRYPT | DECRYPT, alg)
        out.append(seq().call("IMPORT_KEY", [args(), key, bytes(16)], [4])
                   .call("AEAD_ENCRYPT_SETUP", [args(alg=alg)], [4], key=0)
                   .call("AEAD_SET_LENGTHS", [args(), struct.pack("<QQ", 2, 9)], [], handle=1)
                   .call("AEAD_GENERATE_NONCE", [args()], [16], handle=1)
                   .call("AEAD_UPDATE_AD", [args(), b"ad"], [], handle=1)
                   .call("AEAD_UPDATE", [args(), b"plaintext"], [64], handle=1)
                   .call("AEAD_FINISH", [args()], [64, 16], handle=1)
                   .call("AEAD_DECRYPT_SETUP", [args(alg=alg)], [4], key=0)
                   .call("AEAD_SET_LENGTHS", [args(), struct.pack("<QQ", 2, 9)], [], handle=2)
                   .call("AEAD_SET_NONCE", [args(), bytes(12)], [], handle=2)
                   .call("AEAD_UPDATE_AD", [args(), b"ad"], [], handle=2)
                   .call("AEAD_UPDATE", [args(), b"ciphertex"], [64], handle=2)
                   .call("AEAD_VERIFY", [args(), bytes(16)], [64], handle=2)
                   .call("AEAD_ENCRYPT", [args(alg=alg), bytes(12), b"ad", b"plaintext"], [64], key=0))
    # Key derivation, HKDF: secret key (0), operation (1): capacity, salt, secret, info, bytes out,
    # a key out (2), capacity read, verify bytes, abort.
    derive = attributes(DERIVE, 0, DERIVE_USE, HKDF256)
    out.append(seq().call("IMPORT_KEY", [args(), derive, bytes(32)], [4])
               .call("KDF_SETUP", [args(alg=HKDF256)], [4])
               .call("KDF_SET_CAPACITY", [args(capacity=200)], [], handle=1)
               .call("KDF_INPUT_BYTES", [args(step=SALT), b"salt"], [], handle=1)
               .call("KDF_INPUT_KEY", [args(step=SECRET)], [], handle=1, key=0)
               .call("KDF_INPUT_BYTES", [args(step=INFO), b"info"], [], handle=1)
               .call("KDF_OUTPUT_BYTES", [args()], [16], handle=1)
               .call("KDF_OUTPUT_KEY", [args(), attributes(AES, 128, ENCRYPT | EXPORT, CTR)], [4], handle=1)
               .call("KDF_GET_CAPACITY", [args()], [8], handle=1)
               .call("KDF_VERIFY_BYTES", [args(), bytes(8)], [], handle=1)
               .call("KDF_VERIFY_KEY", [args()], [], handle=1, key=2)
               .call("KDF_OUTPUT_KEY_CUSTOM", [args(), attributes(AES, 128, ENCRYPT, CTR), struct.pack("<II", 0, 0),
                                               b""], [4], handle=1)
               .call("EXPORT_KEY", [args()], [16], key=2)
               .call("KDF_ABORT", [args()], [], handle=1)
               .call("KDF_INPUT_BYTES", [args(step=INFO), b"late"], [], handle=1))
    # Ownership in key derivation: client 1 cannot feed client 0's key (0) into its operation (1),
    # nor client 0 use client 1's operation; client 0 derives an HMAC key (3) in its own (2), which
    # client 1 can neither use nor destroy.
    out.append(seq().call("IMPORT_KEY", [args(), derive, bytes(32)], [4])
               .call("KDF_SETUP", [args(alg=HKDF256)], [4], client=1)
               .call("KDF_INPUT_BYTES", [args(step=SECRET), b"secret"], [], client=1, handle=1)
               .call("KDF_INPUT_BYTES", [args(step=INFO), b"info"], [], handle=1)
               .call("KDF_INPUT_BYTES", [args(step=INFO), b"info"], [], client=1, handle=1)
               .call("KDF_OUTPUT_BYTES", [args()], [32], client=1, handle=1)
               .call("KDF_INPUT_KEY", [args(step=SECRET)], [], client=1, handle=1, key=0)
               .call("KDF_SETUP", [args(alg=HKDF256)], [4])
               .call("KDF_INPUT_KEY", [args(step=SECRET)], [], handle=2, key=0)
               .call("KDF_INPUT_BYTES", [args(step=INFO), b"info"], [], handle=2)
               .call("KDF_OUTPUT_KEY", [args(), attributes(HMAC_KEY, 256, SIGN_MSG, HMAC256)], [4], handle=2)
               .call("MAC_COMPUTE", [args(alg=HMAC256), b"data"], [32], client=1, key=3)
               .call("MAC_COMPUTE", [args(alg=HMAC256), b"data"], [32], key=3)
               .call("DESTROY_KEY", [args()], [], client=1, key=3)
               .call("KDF_ABORT", [args()], [], client=1, handle=2)
               .call("DESTROY_KEY", [args()], [], key=3)
               .call("KDF_OUTPUT_BYTES", [args()], [32], handle=2))
    # TLS 1.2 PRF (seed, secret, label); PBKDF2 is not built, so its integer input reaches the
    # handler only to be refused by Mbed TLS.
    out.append(seq().call("KDF_SETUP", [args(alg=TLS12_PRF256)], [4])
               .call("KDF_INPUT_BYTES", [args(step=SEED), b"seed"], [], handle=0)
               .call("KDF_INPUT_BYTES", [args(step=SECRET), b"secret"], [], handle=0)
               .call("KDF_INPUT_BYTES", [args(step=LABEL), b"label"], [], handle=0)
               .call("KDF_OUTPUT_BYTES", [args()], [48], handle=0)
               .call("KDF_INPUT_INTEGER", [args(step=COST, capacity=2)], [], handle=0)
               .call("KDF_SETUP", [args(alg=PBKDF2_HMAC256)], [4]))
    # Key agreement into a derivation: key pair (0), ECDH+HKDF (1) with the peer's point.
    pair = attributes(P256_PAIR, 256, DERIVE_USE | EXPORT, ECDH)
    out.append(seq().call("IMPORT_KEY", [args(), attributes(P256_PAIR, 256, DERIVE_USE, ECDH_HKDF256), P256_PRIVATE],
                          [4])
               .call("KDF_SETUP", [args(alg=ECDH_HKDF256)], [4])
               .call("KDF_KEY_AGREEMENT", [args(step=SECRET), P256_PUBLIC_POINT], [], handle=1, key=0)
               .call("KDF_INPUT_BYTES", [args(step=INFO), b"info"], [], handle=1)
               .call("KDF_OUTPUT_BYTES", [args()], [32], handle=1)
               .call("IMPORT_KEY", [args(), pair, P256_PRIVATE], [4])
               .call("RAW_KEY_AGREEMENT", [args(alg=ECDH), P256_PUBLIC_POINT], [32], key=2))
    # Interruptible sign: key (0), sign (1) a few operations at a time, its op count (2, a number),
    # then to the end; verify (3) with a wrong signature, its op count (4); another sign (5) aborted
    # after its op count (6); a verify (7) the other client tries to complete.
    signer = attributes(P256_PAIR, 256, SIGN_HASH | VERIFY_HASH | SIGN_MSG | VERIFY_MSG | EXPORT, ECDSA256)
    out.append(seq().call("IMPORT_KEY", [args(), signer, P256_PRIVATE], [4])
               .call("SIGN_HASH_START", [args(alg=ECDSA256), bytes(32)], [4], key=0)
               .call("SIGN_HASH_COMPLETE", [args(capacity=1)], [64], handle=1)
               .call("SIGN_HASH_NUM_OPS", [args()], [4], handle=1)
               .call("SIGN_HASH_COMPLETE", [args(capacity=UNLIMITED)], [64], handle=1)
               .call("VERIFY_HASH_START", [args(alg=ECDSA256), bytes(32), bytes([1] * 64)], [4], key=0)
               .call("VERIFY_HASH_COMPLETE", [args(capacity=1)], [], handle=3)
               .call("VERIFY_HASH_NUM_OPS", [args()], [4], handle=3)
               .call("VERIFY_HASH_COMPLETE", [args(capacity=UNLIMITED)], [], handle=3)
               .call("SIGN_HASH_START", [args(alg=ECDSA256), bytes(32)], [4], key=0)
               .call("SIGN_HASH_NUM_OPS", [args()], [4], handle=5)
               .call("SIGN_HASH_ABORT", [args()], [], handle=5)
               .call("VERIFY_HASH_START", [args(alg=ECDSA256), bytes(32), bytes(64)], [4], key=0)
               .call("VERIFY_HASH_COMPLETE", [args(capacity=1000)], [], handle=7, client=1)
               .call("VERIFY_HASH_ABORT", [args()], [], handle=7)
               .call("SIGN_MESSAGE", [args(alg=ECDSA256), b"message"], [64], key=0)
               .call("EXPORT_PUBLIC_KEY", [args()], [65], key=0))
    # Keys: generate (0), its attributes, copy (1), export the copy; three imports (2, 3; the
    # third is over client 0's quota), destroy one and import again (4); client 1 can neither
    # destroy nor export client 0's key; purge; client 1's persistent key (5), client 2 cannot copy
    # it; client 0 ends (its keys go).
    s = (seq().call("GENERATE_KEY", [args(), attributes(AES, 128, ENCRYPT | COPY | EXPORT, CTR)], [4])
         .call("GET_KEY_ATTRIBUTES", [args()], [32], key=0)
         .call("COPY_KEY", [args(), attributes(0, 0, ENCRYPT | EXPORT, CTR)], [4], key=0)
         .call("EXPORT_KEY", [args()], [16], key=1))
    for i in range(3):
        s.call("IMPORT_KEY", [args(), attributes(RAW, 0, EXPORT, 0), bytes([i] * 8)], [4])
    s.call("DESTROY_KEY", [args()], [], key=2)
    s.call("IMPORT_KEY", [args(), attributes(RAW, 0, EXPORT, 0), bytes(8)], [4])
    s.call("DESTROY_KEY", [args()], [], key=3, client=1)
    s.call("PURGE_KEY", [args()], [], key=3)
    s.call("EXPORT_KEY", [args()], [8], key=3, client=1)
    s.call("GENERATE_KEY", [args(), attributes(AES, 128, ENCRYPT | COPY, CTR, lifetime=1, id_=7)], [4], client=1)
    s.call("COPY_KEY", [args(), attributes(0, 0, ENCRYPT, CTR)], [4], key=5, client=2)
    s.call("DESTROY_KEY", [args()], [], key=5, client=1)
    s.end_client(0).call("EXPORT_KEY", [args()], [16], key=1)
    s.call("GENERATE_KEY_CUSTOM", [args(), attributes(P256_PAIR, 256, SIGN_HASH, ECDSA256), struct.pack("<II", 0, 0),
                                   b""], [4], client=2)
    out.append(s)
    # The kernel's calls made for a client (caller byte | 0x80, dispatch's account): the kernel takes
    # client 0's four operations (0-3) and a key for it (4); client 0's own setup is refused; client 0
    # tries the kernel's handle and key (refused) and ends; the kernel still finishes its operation
    # and destroys its key, for client 1 now, which gives client 0 its share back.
    s = seq()
    for _ in range(5):
        s.call("HASH_SETUP", [args(alg=SHA256)], [4], client=0x80)
    s.call("IMPORT_KEY", [args(), hmac_key, bytes(range(32))], [4], client=0x80)
    s.call("HASH_SETUP", [args(alg=SHA256)], [4], client=0)
    s.call("HASH_UPDATE", [args(), b"x"], [], client=0, handle=0)
    s.call("MAC_COMPUTE", [args(alg=HMAC256), b"data"], [32], client=0, key=4)
    s.end_client(0)
    s.call("HASH_FINISH", [args()], [32], client=0x81, handle=0)
    s.call("DESTROY_KEY", [args()], [], client=0x81, key=4)
    s.call("HASH_SETUP", [args(alg=SHA256)], [4], client=0)
    out.append(s)
    # One-shot requests, one sequence each (as the earlier single-request seeds).
    out.append(seq().call("GENERATE_RANDOM", [args()], [32]).call("GENERATE_RANDOM", [args()], [3000, 3000]))
    out.append(seq().call("HASH_COMPUTE", [args(alg=SHA256), b"abc"], [32])
               .call("HASH_COMPARE", [args(alg=SHA256), b"abc", bytes(32)], [])
               .call("HASH_COMPUTE", [args(alg=SHA256), b"abc"], [5000]))
    out.append(seq().call("IMPORT_KEY", [args(), attributes(P256_PUBLIC, 256, VERIFY_HASH | ENCRYPT, ECDSA256),
                                         P256_PUBLIC_POINT], [4])
               .call("VERIFY_HASH", [args(alg=ECDSA256), bytes(32), bytes(64)], [], key=0)
               .call("VERIFY_MESSAGE", [args(alg=ECDSA256), b"m", bytes(64)], [], key=0)
               .call("ASYMMETRIC_ENCRYPT", [args(alg=ECDSA256), b"m", b""], [64], key=0)
               .call("SIGN_HASH", [args(alg=ECDSA256), bytes(32)], [64], key=0))
    return [s.body for s in out]


def dictionary():
    """libFuzzer dictionary: the numbers a request carries, as they appear on the wire."""
    words = [SHA256, SHA224, HMAC256, CMAC, CTR, CBC_PKCS7, CCM, GCM, ECDSA256, DET_ECDSA256, HKDF256,
             TLS12_PRF256, PBKDF2_HMAC256, ECDH, ECDH_HKDF256]
    halves = [AES, HMAC_KEY, DERIVE, PASSWORD, RAW, P256_PAIR, P256_PUBLIC, SECRET, PASSWORD_STEP, LABEL, SALT,
              INFO, SEED, COST, ENCRYPT | DECRYPT, SIGN_HASH | VERIFY_HASH, DERIVE_USE]
    def word(data):
        return '"' + "".join("\\x%02x" % b for b in data) + '"'
    lines = [word(struct.pack("<I", w)) for w in words]
    lines += [word(struct.pack("<H", w)) for w in halves]
    return "\n".join(lines) + "\n"


def main() -> int:
    fuzzer, work, header = sys.argv[1], pathlib.Path(sys.argv[2]), sys.argv[3]
    types = wire_types(header)
    shutil.rmtree(work, ignore_errors=True)
    corpus = work / "corpus"
    corpus.mkdir(parents=True)
    for i, seed in enumerate(seeds(types)):
        (corpus / f"seed{i:02}").write_bytes(seed)
    (work / "dispatch.dict").write_text(dictionary())
    options = sys.argv[4:] or ["-runs=50000", "-max_total_time=60", "-seed=1", "-timeout=20"]
    return subprocess.call([fuzzer, "-max_len=4096", f"-dict={work / 'dispatch.dict'}",
                            f"-artifact_prefix={work}/", *options, str(corpus)])


if __name__ == "__main__":
    sys.exit(main())
