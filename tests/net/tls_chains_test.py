#!/usr/bin/env python3
"""Certificate chains signed with ECDSA P-384 and RSA 2048-4096 (docs/networking.md "Certificate
chains"): Ward's TLS client (tests/net/tls_chains/main.cpp) on QEMU against OpenSSL's s_server here.

The image's trust anchors are the build's three roots (--ca-dir: p384, rsa2048, rsa4096, each .pem,
.key). This test makes the servers' intermediates and leaves from them with openssl, all for
ward-tls.test, and starts one `openssl s_server -naccept 1` per case on 127.0.0.1 (10.0.2.2 from
the device), in the order of CASES (the image's kCases):

  p384_13        P-384 root -> P-384 leaf (SHA-384), -tls1_3; 2,000 bytes each way, checked
  p384_12        the same chain, -tls1_2
  p384_mixed     P-384 root -> P-256 intermediate -> P-384 leaf, -tls1_3
  rsa2048_13     RSA 2048 root -> RSA 2048 leaf (SHA-256, PKCS#1 v1.5), -tls1_3 (RSA-PSS
                 CertificateVerify: TLS 1.3 allows nothing else for an RSA key)
  rsa2048_12     the same chain, -tls1_2 -sigalgs RSA+SHA256 (PKCS#1 v1.5 ServerKeyExchange only)
  rsa3072_13     RSA 4096 root -> RSA 3072 intermediate -> RSA 3072 leaf (SHA-384), -tls1_3
  rsa4096_13     RSA 4096 root -> RSA 4096 leaf (SHA-512), -tls1_3
  rsa4096_12     the same chain, -tls1_2, the device offering 1.2 and 1.3 (its default options):
                 s_server signs with the first RSA algorithm of the device's list, which is PKCS#1
                 v1.5 (lib/tls/src/client.cpp)
  rsa_pss_certs  RSA 2048 root -> RSA 2048 leaf signed with RSASSA-PSS (SHA-256, salt 32), -tls1_3
  rsa_pss12      the rsa2048 chain, -tls1_2 -sigalgs rsa_pss_rsae_sha256, the device offering 1.2
                 and 1.3: refused (handshake): the pinned Mbed TLS 3.6.6 offers PSS (for TLS 1.3) but
                 does not accept it in a TLS 1.2 ServerKeyExchange (docs/networking.md)
  rsa_badsig     the rsa2048 leaf with the last byte of its signature changed: refused (not trusted)
  rsa1024        RSA 2048 root -> RSA 1024 leaf, s_server at security level 0, first proved to
                 complete a handshake with openssl s_client from here, so the refusal is the
                 device's: refused (bad key: the 2048-bit minimum)
  p384_wrongca   a P-384 leaf from another P-384 root named like the anchor: refused (not trusted)

A server limited to one signature algorithm (-sigalgs) completes a handshake only if the device
offered and checked that one. The device prints one line per case with the handshake's time; this
test requires each outcome, the data exact both ways, and a clean exit. Loopback only; every wait
and every process is bounded. --icount N runs the device under -icount shift=N (figures: with 0 the
printed milliseconds are virtual, one instruction a nanosecond, plus the idle waits).
Usage: tls_chains_test.py --runner WARD_QEMU_RUN [--secure-image ELF] --ca-dir DIR
                          [--stack-report TXT] [--icount N] IMAGE
"""
import argparse
import base64
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from net_echo_test import Firmware, free_port  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "stackbound"))
import highwater  # noqa: E402
import socket  # noqa: E402

HOST = "ward-tls.test"
BYTES = 2000  # each way: the image's kBytes


def pattern(n, seed):
    return bytes(((i * 131 + (i >> 8) * 7 + seed) & 0xFF) for i in range(n))


def openssl(*args, **kw):
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=120, **kw)


def extensions(d, ca):
    path = f"{d}/{'ca' if ca else 'leaf'}.ext"
    with open(path, "w") as f:
        if ca:
            f.write("basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n"
                    "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n")
        else:
            f.write(f"subjectAltName=DNS:{HOST}\nbasicConstraints=critical,CA:FALSE\n"
                    "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n")
    return path


def new_key(d, name, kind):
    """kind: 'p256', 'p384' or 'rsaN'."""
    if kind.startswith("rsa"):
        args = ["-algorithm", "RSA", "-pkeyopt", f"rsa_keygen_bits:{kind[3:]}"]
    else:
        args = ["-algorithm", "EC", "-pkeyopt", f"ec_paramgen_curve:P-{kind[1:]}"]
    openssl("genpkey", *args, "-out", f"{d}/{name}.key")
    return f"{d}/{name}.key"


def certify(d, name, kind, issuer, digest, ca=False, cn=HOST, sigopts=()):
    """A key of `kind` and its certificate from issuer (pem, key)."""
    key = new_key(d, name, kind)
    openssl("req", "-new", "-key", key, "-subj", f"/CN={cn}", "-out", f"{d}/{name}.csr")
    sig = [a for o in sigopts for a in ("-sigopt", o)]
    openssl("x509", "-req", "-in", f"{d}/{name}.csr", "-CA", issuer[0], "-CAkey", issuer[1], "-CAcreateserial",
            "-days", "30", f"-{digest}", *sig, "-extfile", extensions(d, ca), "-out", f"{d}/{name}.pem")
    return f"{d}/{name}.pem", key


def corrupt_signature(d, name, pem):
    """The certificate with the last byte of its signature (the DER's last byte) changed."""
    der = f"{d}/{name}.der"
    openssl("x509", "-in", pem, "-outform", "DER", "-out", der)
    data = bytearray(Path(der).read_bytes())
    data[-1] ^= 0x5A
    out = f"{d}/{name}.pem"
    body = base64.encodebytes(bytes(data)).decode().replace("\n", "")
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    Path(out).write_text("-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n")
    return out


class Server:
    """One `openssl s_server`; stdin kept open (EOF would end the session early)."""

    def __init__(self, d, name, cert, key, args, chain=None, payload=b"", naccept=1):
        self.port = free_port(socket.SOCK_STREAM)
        self.out_path = os.path.join(d, f"server-{name}.out")
        self.err_path = os.path.join(d, f"server-{name}.err")
        cmd = ["openssl", "s_server", "-accept", f"127.0.0.1:{self.port}", "-cert", cert, "-key", key,
               "-naccept", str(naccept), "-quiet", *args]
        if chain:
            cmd += ["-cert_chain", chain]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=open(self.out_path, "wb"),
                                     stderr=open(self.err_path, "wb"), start_new_session=True)
        if payload:
            self.proc.stdin.write(payload)
            self.proc.stdin.flush()

    def received(self):
        with open(self.out_path, "rb") as f:
            return f.read()

    def errors(self):
        with open(self.err_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)


def check_rsa1024_server_works(port, ca_pem):
    """The RSA 1024 server must really complete a handshake with its 1024-bit key, or the
    device's refusal proves nothing."""
    r = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-tls1_3", "-cipher",
                        "DEFAULT@SECLEVEL=0", "-CAfile", ca_pem, "-servername", HOST],
                       input=b"", capture_output=True, timeout=30)
    out = r.stdout.decode(errors="replace")
    if "Server public key is 1024 bit" not in out or "Verify return code: 0 (ok)" not in out:
        raise AssertionError(f"the RSA 1024 server does not complete a verified handshake:\n{out[-2000:]}")


def check_stack(out, report):
    if report is not None:
        failures = highwater.compare(highwater.measured_in(out), report)
        if failures:
            raise AssertionError("; ".join(failures))


# name, refused (else data both ways)
CASES = [("p384_13", False), ("p384_12", False), ("p384_mixed", False), ("rsa2048_13", False),
         ("rsa2048_12", False), ("rsa3072_13", False), ("rsa4096_13", False), ("rsa4096_12", False),
         ("rsa_pss_certs", False), ("rsa_pss12", True), ("rsa_badsig", True), ("rsa1024", True), ("p384_wrongca", True)]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runner", required=True)
    p.add_argument("--secure-image")
    p.add_argument("--ca-dir", required=True)
    p.add_argument("--stack-report", type=Path, help="the build's stack-bound report: the main thread's mark must be within it")
    p.add_argument("--icount", type=int, help="run the device under -icount shift=N (figures)")
    p.add_argument("image")
    args = p.parse_args()
    root = {k: (f"{args.ca_dir}/{k}.pem", f"{args.ca_dir}/{k}.key") for k in ("p384", "rsa2048", "rsa4096")}

    with tempfile.TemporaryDirectory(prefix="ward-chains-") as d:
        started = time.monotonic()
        p384 = certify(d, "p384-leaf", "p384", root["p384"], "sha384")
        p256_int = certify(d, "p256-int", "p256", root["p384"], "sha384", ca=True, cn="Ward chains P-256 intermediate")
        mixed = certify(d, "mixed-leaf", "p384", p256_int, "sha256")
        rsa2048 = certify(d, "rsa2048-leaf", "rsa2048", root["rsa2048"], "sha256")
        rsa3072_int = certify(d, "rsa3072-int", "rsa3072", root["rsa4096"], "sha384", ca=True,
                              cn="Ward chains RSA 3072 intermediate")
        rsa3072 = certify(d, "rsa3072-leaf", "rsa3072", rsa3072_int, "sha384")
        rsa4096 = certify(d, "rsa4096-leaf", "rsa4096", root["rsa4096"], "sha512")
        pss = certify(d, "pss-leaf", "rsa2048", root["rsa2048"], "sha256",
                      sigopts=("rsa_padding_mode:pss", "rsa_pss_saltlen:32"))
        badsig = (corrupt_signature(d, "badsig-leaf", rsa2048[0]), rsa2048[1])
        rsa1024 = certify(d, "rsa1024-leaf", "rsa1024", root["rsa2048"], "sha256")
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384", "-sha384", "-nodes", "-keyout",
                f"{d}/rogue.key", "-out", f"{d}/rogue.pem", "-days", "30", "-subj", "/CN=Ward chains P-384 root")
        wrongca = certify(d, "wrongca-leaf", "p384", (f"{d}/rogue.pem", f"{d}/rogue.key"), "sha384")
        print(f"tls_chains_test: chains made in {time.monotonic() - started:.1f} s")

        payload = pattern(BYTES, 2)
        servers = {}
        fw = None
        try:
            servers = {
                "p384_13": Server(d, "p384_13", *p384, ["-tls1_3"], payload=payload),
                "p384_12": Server(d, "p384_12", *p384, ["-tls1_2"], payload=payload),
                "p384_mixed": Server(d, "p384_mixed", *mixed, ["-tls1_3"], chain=p256_int[0], payload=payload),
                "rsa2048_13": Server(d, "rsa2048_13", *rsa2048, ["-tls1_3"], payload=payload),
                "rsa2048_12": Server(d, "rsa2048_12", *rsa2048, ["-tls1_2", "-sigalgs", "RSA+SHA256"], payload=payload),
                "rsa3072_13": Server(d, "rsa3072_13", *rsa3072, ["-tls1_3"], chain=rsa3072_int[0], payload=payload),
                "rsa4096_13": Server(d, "rsa4096_13", *rsa4096, ["-tls1_3"], payload=payload),
                "rsa4096_12": Server(d, "rsa4096_12", *rsa4096, ["-tls1_2"], payload=payload),
                "rsa_pss_certs": Server(d, "rsa_pss_certs", *pss, ["-tls1_3"], payload=payload),
                "rsa_pss12": Server(d, "rsa_pss12", *rsa2048, ["-tls1_2", "-sigalgs", "rsa_pss_rsae_sha256"]),
                "rsa_badsig": Server(d, "rsa_badsig", *badsig, ["-tls1_2"]),
                # Two connections: the check from here, then the device.
                "rsa1024": Server(d, "rsa1024", *rsa1024, ["-tls1_3", "-cipher", "DEFAULT@SECLEVEL=0"], naccept=2),
                "p384_wrongca": Server(d, "p384_wrongca", *wrongca, ["-tls1_3"]),
            }
            time.sleep(1.5)  # each s_server listens within a fraction of a second
            for name, s in servers.items():
                if s.proc.poll() is not None:
                    raise AssertionError(f"{name}: s_server ended at once: {s.errors()[-1000:]}")
            check_rsa1024_server_works(servers["rsa1024"].port, root["rsa2048"][0])

            ports = ",".join(str(servers[name].port) for name, _ in CASES)
            cmd = [sys.executable, args.runner, "--no-test", "--timeout", "150", "--expect-output",
                   "chains: done, every case held", "--qemu-arg=-nic", "--qemu-arg=user,model=lan9118",
                   f"--arg=--time={int(time.time())}", f"--arg=--ports={ports}"]
            if args.icount is not None:
                cmd += ["--qemu-arg=-icount", f"--qemu-arg=shift={args.icount},align=off,sleep=on"]
            if args.secure_image:
                cmd += ["--secure-image", args.secure_image]
            started = time.monotonic()
            fw = Firmware(cmd + [args.image])
            fw.wait_for("chains: done", 150)
            status = fw.proc.wait(timeout=30)
            print(f"tls_chains_test: device ran {time.monotonic() - started:.1f} s")
        finally:
            if fw is not None:
                fw.kill()
            for s in servers.values():
                s.stop()
        out = fw.output()
        for line in out.splitlines():
            if line.startswith("chains:"):
                print(line)
        if status != 0:
            raise AssertionError(f"the runner failed (status {status})")
        for name, refused in CASES:
            if refused:
                if f"chains: {name}: refused" not in out:
                    raise AssertionError(f"{name}: not refused as expected")
                if servers[name].received():
                    raise AssertionError(f"{name}: s_server received application data")
                continue
            if not re.search(rf"chains: {name}: ok version ", out):
                raise AssertionError(f"{name}: no successful exchange ({servers[name].errors()[-500:]})")
            got = servers[name].received()
            if got != pattern(BYTES, 1):
                raise AssertionError(f"{name}: s_server received {len(got)} bytes, not the device's {BYTES}")
        check_stack(out, args.stack_report)
    print("tls_chains_test: PASS")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except AssertionError as e:
        print(f"tls_chains_test: FAIL: {e}")
        sys.exit(1)
