#!/usr/bin/env python3
"""A sample of every Wycheproof file tests/crypto_vectors runs on the host (the first valid and the
first invalid vector of each that the QEMU test can take as it is), as a C++ table for
qemu.secure_wycheproof_sample (crypto_wycheproof_test.cpp): the same vectors through the real path.
   gen_wycheproof_sample.py WYCHEPROOF_DIR OUTPUT.inc"""
import json
import pathlib
import sys

# file, kind, parameters
FILES = [
    ("aes_gcm_test.json", "aead", "PSA_KEY_TYPE_AES", "PSA_ALG_GCM"),
    ("aes_ccm_test.json", "aead", "PSA_KEY_TYPE_AES", "PSA_ALG_CCM"),
    ("chacha20_poly1305_test.json", "aead", "PSA_KEY_TYPE_CHACHA20", "PSA_ALG_CHACHA20_POLY1305"),
    ("hmac_sha224_test.json", "mac", "PSA_KEY_TYPE_HMAC", "PSA_ALG_HMAC(PSA_ALG_SHA_224)"),
    ("hmac_sha256_test.json", "mac", "PSA_KEY_TYPE_HMAC", "PSA_ALG_HMAC(PSA_ALG_SHA_256)"),
    ("hmac_sha384_test.json", "mac", "PSA_KEY_TYPE_HMAC", "PSA_ALG_HMAC(PSA_ALG_SHA_384)"),
    ("aes_cmac_test.json", "mac", "PSA_KEY_TYPE_AES", "PSA_ALG_CMAC"),
    ("aes_cbc_pkcs5_test.json", "cbc", "PSA_KEY_TYPE_AES", "PSA_ALG_CBC_PKCS7"),
    ("hkdf_sha256_test.json", "hkdf", "0", "PSA_ALG_HKDF(PSA_ALG_SHA_256)"),
    ("hkdf_sha384_test.json", "hkdf", "0", "PSA_ALG_HKDF(PSA_ALG_SHA_384)"),
    ("ecdsa_secp256r1_sha256_p1363_test.json", "ecdsa", "256", "PSA_ALG_ECDSA(PSA_ALG_SHA_256)"),
    ("ecdsa_secp256r1_sha256_test.json", "ecdsa_der", "256", "PSA_ALG_ECDSA(PSA_ALG_SHA_256)"),
    ("ecdsa_secp384r1_sha384_p1363_test.json", "ecdsa", "384", "PSA_ALG_ECDSA(PSA_ALG_SHA_384)"),
    ("ecdsa_secp384r1_sha384_test.json", "ecdsa_der", "384", "PSA_ALG_ECDSA(PSA_ALG_SHA_384)"),
    ("ecdh_secp256r1_test.json", "ecdh", "256", "PSA_ALG_ECDH"),
    ("ecdh_secp384r1_test.json", "ecdh", "384", "PSA_ALG_ECDH"),
    ("rsa_signature_2048_sha256_test.json", "rsa", "2048", "PSA_ALG_RSA_PKCS1V15_SIGN(PSA_ALG_SHA_256)"),
    ("rsa_signature_2048_sha384_test.json", "rsa", "2048", "PSA_ALG_RSA_PKCS1V15_SIGN(PSA_ALG_SHA_384)"),
    ("rsa_signature_3072_sha256_test.json", "rsa", "3072", "PSA_ALG_RSA_PKCS1V15_SIGN(PSA_ALG_SHA_256)"),
    ("rsa_signature_4096_sha256_test.json", "rsa", "4096", "PSA_ALG_RSA_PKCS1V15_SIGN(PSA_ALG_SHA_256)"),
    ("rsa_pss_2048_sha256_mgf1_32_test.json", "rsa", "2048", "PSA_ALG_RSA_PSS(PSA_ALG_SHA_256)"),
    ("rsa_pss_3072_sha256_mgf1_32_test.json", "rsa", "3072", "PSA_ALG_RSA_PSS(PSA_ALG_SHA_256)"),
    ("rsa_pss_4096_sha256_mgf1_32_test.json", "rsa", "4096", "PSA_ALG_RSA_PSS(PSA_ALG_SHA_256)"),
]

# SubjectPublicKeyInfo of an uncompressed point on the named curve, up to and including the 0x04.
SPKI_PREFIX = {"256": "3059301306072a8648ce3d020106082a8648ce3d03010703420004",
               "384": "3076301006072a8648ce3d020106052b8104002203620004"}


def der_to_raw(der: bytes, n: int):
    """Strict DER ECDSA-Sig-Value -> r || s, or None."""
    if len(der) < 8 or der[0] != 0x30 or der[1] != len(der) - 2 or der[1] >= 0x80:
        return None
    out, pos = b"", 2
    for _ in range(2):
        if pos + 2 > len(der) or der[pos] != 0x02 or der[pos + 1] >= 0x80:
            return None
        length = der[pos + 1]
        value = der[pos + 2:pos + 2 + length]
        if len(value) != length or length == 0 or (value[0] & 0x80) or (length > 1 and value[0] == 0 and not value[1] & 0x80):
            return None
        value = value.lstrip(b"\0")
        if len(value) > n:
            return None
        out += value.rjust(n, b"\0")
        pos += 2 + length
    return out if pos == len(der) else None


def entry(kind, t, group, key_type, alg, param):
    """The fields of one vector: key, a, b, c, expected, number; or None when not usable as is."""
    h = bytes.fromhex
    if kind == "aead":
        if len(h(t["iv"])) != 12 or len(h(t["tag"])) != 16:
            return None
        return dict(key=h(t["key"]), a=h(t["iv"]), b=h(t["aad"]), c=h(t["ct"]) + h(t["tag"]), out=h(t["msg"]), n=0)
    if kind == "mac":
        # Full-length tags of keys the algorithm takes (the QEMU test uses the algorithm as it is).
        if len(h(t["tag"])) * 8 != group["tagSize"] or "InvalidKeySize" in t["flags"]:
            return None
        return dict(key=h(t["key"]), a=h(t["msg"]), b=b"", c=h(t["tag"]), out=b"", n=0)
    if kind == "cbc":
        if not h(t["ct"]) or len(h(t["ct"])) % 16:  # whole blocks: else no padding at all
            return None
        return dict(key=h(t["key"]), a=h(t["iv"]) + h(t["ct"]), b=b"", c=b"", out=h(t["msg"]), n=0)
    if kind == "hkdf":
        if t["size"] > 255 * 32:
            return None
        return dict(key=h(t["ikm"]), a=h(t["salt"]), b=h(t["info"]), c=b"", out=h(t["okm"]), n=t["size"])
    if kind in ("ecdsa", "ecdsa_der"):
        n = int(param) // 8 + (1 if param == "521" else 0)
        sig = h(t["sig"])
        if kind == "ecdsa_der":
            sig = der_to_raw(sig, n)
            if sig is None:
                return None
        key = h(group["publicKey"]["uncompressed"]) if "publicKey" in group else h(group["key"]["uncompressed"])
        return dict(key=key, a=h(t["msg"]), b=b"", c=sig, out=b"", n=0)
    if kind == "ecdh":
        spki = h(t["public"])
        prefix = h(SPKI_PREFIX[param])
        if not spki.startswith(prefix) or len(spki) != len(prefix) + 2 * (int(param) // 8):
            return None
        scalar = h(t["private"]).lstrip(b"\0")
        n = int(param) // 8
        if len(scalar) > n:
            return None
        return dict(key=scalar.rjust(n, b"\0"), a=b"\x04" + spki[len(prefix):], b=b"", c=b"", out=h(t["shared"]), n=0)
    if kind == "rsa":
        return dict(key=h(group["publicKeyAsn"]), a=h(t["msg"]), b=b"", c=h(t["sig"]), out=b"", n=0)
    raise ValueError(kind)


def c_bytes(name, data):
    if not data:
        return f"const std::uint8_t {name}[1] = {{0}};"
    body = ", ".join(f"0x{b:02x}" for b in data)
    return f"const std::uint8_t {name}[{len(data)}] = {{{body}}};"


def main() -> int:
    src, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    decls, rows = [], []
    for name, kind, key_type, alg in FILES:
        doc = json.loads((src / name).read_text())
        picked = {}
        for group in doc["testGroups"]:
            for t in group["tests"]:
                if t["result"] not in ("valid", "invalid") or t["result"] in picked:
                    continue
                e = entry(kind, t, group, key_type, alg, key_type)
                if e is None:
                    continue
                picked[t["result"]] = (t["tcId"], e)
            if len(picked) == 2:
                break
        if "valid" not in picked:
            raise SystemExit(f"{name}: no usable valid vector")
        for result, (tc, e) in sorted(picked.items()):
            v = f"v{len(rows)}"
            for field in ("key", "a", "b", "c", "out"):
                decls.append(c_bytes(f"{v}_{field}", e[field]))
            fields = ", ".join(f"{{{v}_{f}, {len(e[f])}}}" for f in ("key", "a", "b", "c", "out"))
            rows.append(f'  {{"{name}", {tc}, Kind::{kind}, {key_type if kind in ("aead", "mac", "cbc") else 0}, '
                        f'{key_type if kind not in ("aead", "mac", "cbc") else 0}, {alg}, {fields}, {e["n"]}, '
                        f'{"true" if result == "valid" else "false"}}},')
    out.write_text("// Generated by tests/secure/gen_wycheproof_sample.py from the Wycheproof files: do not edit.\n" +
                   "\n".join(decls) + "\nconst Vector kVectors[] = {\n" + "\n".join(rows) + "\n};\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
