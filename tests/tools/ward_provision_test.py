#!/usr/bin/env python3
"""tools/ward-provision: a request from an EC P-256 key becomes a client certificate for its subject
and key; a request whose signature does not verify, and one from an RSA or P-384 key (whatever its subject
says), are refused (exit 1, no certificate written). openssl CLI only; every call bounded.
Usage: ward_provision_test.py TOOL"""
import base64
import os
import subprocess
import sys
import tempfile


def run(*args, ok=True):
    r = subprocess.run(list(args), capture_output=True, timeout=60)
    if ok and r.returncode != 0:
        raise AssertionError(f"{args[:3]} failed: {r.stderr.decode(errors='replace')}")
    return r


def main(tool):
    with tempfile.TemporaryDirectory(prefix="ward-provision-test-") as d:
        run(sys.executable, tool, "ca", "--out", f"{d}/ca")
        run("openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
            f"{d}/dev.key", "-subj", "/CN=ward-device-7/O=Ward", "-out", f"{d}/dev.csr")
        run(sys.executable, tool, "sign", "--ca", f"{d}/ca", "--csr", f"{d}/dev.csr", "--out", f"{d}/dev.der", "--der")
        text = run("openssl", "x509", "-inform", "DER", "-in", f"{d}/dev.der", "-noout", "-text").stdout.decode()
        for want in ("Subject: CN = ward-device-7, O = Ward", "TLS Web Client Authentication", "CA:FALSE",
                     "Digital Signature", "Issuer: CN = Ward device CA"):
            if want not in text:
                raise AssertionError(f"the certificate lacks {want!r}")
        if (run("openssl", "req", "-in", f"{d}/dev.csr", "-noout", "-pubkey").stdout !=
                run("openssl", "x509", "-inform", "DER", "-in", f"{d}/dev.der", "-noout", "-pubkey").stdout):
            raise AssertionError("the certificate's key is not the request's")
        if "DNS:" in text or "TLS Web Server Authentication" in text:
            raise AssertionError("a client certificate names a server")

        # --server-name: also a server certificate for that name; a name that is not a DNS name
        # (a ',' would add names of the caller's choosing to openssl's extension line) is refused.
        run(sys.executable, tool, "sign", "--ca", f"{d}/ca", "--csr", f"{d}/dev.csr", "--out", f"{d}/srv.der", "--der",
            "--server-name", "ward-device.test")
        text = run("openssl", "x509", "-inform", "DER", "-in", f"{d}/srv.der", "-noout", "-text").stdout.decode()
        for want in ("DNS:ward-device.test", "TLS Web Server Authentication", "TLS Web Client Authentication"):
            if want not in text:
                raise AssertionError(f"the server certificate lacks {want!r}")
        for name in ("a.test,DNS:evil.test", "a.test\nbasicConstraints=CA:TRUE", "-a.test", "a..test", ""):
            r = run(sys.executable, tool, "sign", "--ca", f"{d}/ca", "--csr", f"{d}/dev.csr", "--out", f"{d}/x.der",
                    "--der", f"--server-name={name}", ok=False)
            if r.returncode != 1 or "not a DNS name" not in r.stderr.decode() or os.path.exists(f"{d}/x.der"):
                raise AssertionError(f"server name {name!r}: not refused ({r.returncode})")

        # One bit of the signature flipped: the request no longer proves possession of the key.
        lines = open(f"{d}/dev.csr").read().splitlines()
        der = bytearray(base64.b64decode("".join(lines[1:-1])))
        der[-5] ^= 1
        with open(f"{d}/bad.csr", "w") as f:
            f.write("-----BEGIN CERTIFICATE REQUEST-----\n" + base64.encodebytes(bytes(der)).decode() +
                    "-----END CERTIFICATE REQUEST-----\n")
        run("openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{d}/rsa.key", "-subj", "/CN=r",
            "-out", f"{d}/rsa.csr")
        # The key's type read from the key, not from text the requester writes: an RSA key whose
        # subject names the EC words, and a P-384 key (a red-team review's attacks).
        run("openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{d}/liar.key",
            "-subj", "/CN=id-ecPublicKey prime256v1 NIST CURVE: P-256/O=ASN1 OID: prime256v1", "-out", f"{d}/liar.csr")
        run("openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384", "-nodes", "-keyout",
            f"{d}/p384.key", "-subj", "/CN=prime256v1", "-out", f"{d}/p384.csr")
        for name, why in (("bad", "signature does not verify"), ("rsa", "not an EC P-256 key"),
                          ("liar", "not an EC P-256 key"), ("p384", "not an EC P-256 key")):
            r = run(sys.executable, tool, "sign", "--ca", f"{d}/ca", "--csr", f"{d}/{name}.csr", "--out",
                    f"{d}/{name}.der", "--der", ok=False)
            if r.returncode != 1 or why not in r.stderr.decode() or os.path.exists(f"{d}/{name}.der"):
                raise AssertionError(f"{name}: not refused ({r.returncode}): {r.stderr.decode(errors='replace')}")
    print("ward_provision_test: PASS")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1]))
    except AssertionError as e:
        print(f"ward_provision_test: FAIL: {e}")
        sys.exit(1)
