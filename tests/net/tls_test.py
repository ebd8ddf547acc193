#!/usr/bin/env python3
"""Ward's TLS client (lib/tls, tests/net/tls/main.cpp) on QEMU against OpenSSL's s_server here.

Makes the servers' keys and certificates with openssl from the build's test CA (the device's
compiled-in trust anchor, --ca-dir): a P-256 leaf for ward-tls.test, the same name from a CA the
device does not trust, and one that expired in 2021 (`openssl ca` with explicit dates). Starts one
`openssl s_server -naccept 1` per case on 127.0.0.1 (10.0.2.2 from the device through slirp):

  tls13      -tls1_3; stdin holds 3 x 16 KiB + 1,000 bytes of a known pattern, which s_server
             sends as 16 KiB records; the device's 20,000 bytes must come out of s_server's stdout
             exact;
  tls12      the same with -tls1_2;
  wronghost  the valid chain; the device asks for other.test;
  untrusted  the other CA's chain;
  tls11      -tls1_1 at security level 0 (OpenSSL 3.0 refuses TLS 1.1 otherwise); first proved to
             work with openssl s_client -tls1_1 from here, so the refusal is the device's;
  expired    the expired chain.

The image's TLS policy (lib/tls/Kconfig) is given to this test as the build chose it
(--min-version, --no-hostname-check): with a TLS 1.3 minimum the tls12 server must be refused (the
device's options allow 1.2: the policy is the floor) and s_server must receive nothing; with the
hostname check off, wronghost must be accepted (untrusted and expired still refused). The device's
printed policy must be the one asked for.

The device is told the time (--time=, this host's clock): Ward has no SNTP yet. It prints one
line per case; this test requires each to be the expected outcome, the data exact both ways, and
a clean exit. Loopback only; every wait and every process is bounded.
Usage: tls_test.py --runner WARD_QEMU_RUN [--secure-image ELF] --ca-dir DIR [--stack-report TXT]
                   [--min-version 1.2|1.3] [--no-hostname-check] IMAGE
(--stack-report: the main thread's printed high-water mark must be within the build's bound.)
"""
import argparse
import os
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
CLIENT_BYTES = 20000
SERVER_BYTES = 3 * 16384 + 1000


def pattern(n, seed):
    return bytes(((i * 131 + (i >> 8) * 7 + seed) & 0xFF) for i in range(n))


def openssl(*args, **kw):
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60, **kw)


def make_key_and_csr(d, name, cn=HOST):
    openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", f"{d}/{name}.key", "-subj", f"/CN={cn}", "-out", f"{d}/{name}.csr")


def leaf_extensions(d):
    path = f"{d}/leaf.ext"
    with open(path, "w") as f:
        f.write(f"subjectAltName=DNS:{HOST}\nbasicConstraints=critical,CA:FALSE\n"
                "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n")
    return path


def sign(d, name, ca_pem, ca_key):
    openssl("x509", "-req", "-in", f"{d}/{name}.csr", "-CA", ca_pem, "-CAkey", ca_key, "-CAcreateserial",
            "-days", "30", "-sha256", "-extfile", leaf_extensions(d), "-out", f"{d}/{name}.pem")


def sign_expired(d, name, ca_pem, ca_key):
    """`openssl ca` takes explicit validity dates, which `openssl x509` (3.0) does not."""
    os.makedirs(f"{d}/ca-db", exist_ok=True)
    open(f"{d}/ca-db/index.txt", "w").close()
    with open(f"{d}/ca-db/serial", "w") as f:
        f.write("1000\n")
    with open(f"{d}/ca.cnf", "w") as f:
        f.write(f"""[ca]
default_ca = test
[test]
database = {d}/ca-db/index.txt
new_certs_dir = {d}/ca-db
serial = {d}/ca-db/serial
default_md = sha256
policy = anything
x509_extensions = leaf
unique_subject = no
[anything]
commonName = supplied
[leaf]
subjectAltName = DNS:{HOST}
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
""")
    openssl("ca", "-batch", "-config", f"{d}/ca.cnf", "-cert", ca_pem, "-keyfile", ca_key, "-in", f"{d}/{name}.csr",
            "-out", f"{d}/{name}.pem", "-startdate", "20200101000000Z", "-enddate", "20210101000000Z", "-notext")


class Server:
    """One `openssl s_server -naccept 1`; stdin kept open (EOF would end the session early)."""

    def __init__(self, d, cert, key, version_args, payload=b"", naccept=1):
        self.port = free_port(socket.SOCK_STREAM)
        self.out_path = os.path.join(d, f"server-{self.port}.out")
        self.err_path = os.path.join(d, f"server-{self.port}.err")
        self.proc = subprocess.Popen(
            ["openssl", "s_server", "-accept", f"127.0.0.1:{self.port}", "-cert", cert, "-key", key, "-naccept", str(naccept),
             "-quiet", *version_args],
            stdin=subprocess.PIPE, stdout=open(self.out_path, "wb"), stderr=open(self.err_path, "wb"),
            start_new_session=True)
        if payload:
            # All of it before the device connects (a pipe holds 64 KiB): s_server then reads 16 KiB
            # at a time and sends each read as one record.
            self.proc.stdin.write(payload)
            self.proc.stdin.flush()

    def received(self):
        with open(self.out_path, "rb") as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)


def check_tls11_server_works(port):
    """The TLS 1.1 server must really speak TLS 1.1, or refusing it proves nothing."""
    r = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-tls1_1", "-cipher",
                        "DEFAULT@SECLEVEL=0", "-noservername"],
                       input=b"", capture_output=True, timeout=30)
    out = r.stdout.decode(errors="replace")
    if "Protocol  : TLSv1.1" not in out:
        raise AssertionError(f"the TLS 1.1 server does not complete a TLS 1.1 handshake:\n{out[-2000:]}")


def check_stack(out, report):
    """The main thread's measured high-water mark against the bound the link computed
    (docs/stack-bounds.md), when the build computed one."""
    if report is not None:
        failures = highwater.compare(highwater.measured_in(out), report)
        if failures:
            raise AssertionError("; ".join(failures))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runner", required=True)
    p.add_argument("--secure-image")
    p.add_argument("--ca-dir", required=True)
    p.add_argument("--stack-report", type=Path, help="the build's stack-bound report: the main thread's mark must be within it")
    p.add_argument("--min-version", choices=["1.2", "1.3"], default="1.2", help="the image's CONFIG_WARD_TLS_MIN_VERSION")
    p.add_argument("--no-hostname-check", action="store_true", help="the image has CONFIG_WARD_TLS_HOSTNAME_CHECK off")
    p.add_argument("image")
    args = p.parse_args()
    ca_pem, ca_key = f"{args.ca_dir}/ca.pem", f"{args.ca_dir}/ca.key"

    with tempfile.TemporaryDirectory(prefix="ward-tls-") as d:
        make_key_and_csr(d, "good")
        sign(d, "good", ca_pem, ca_key)
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                f"{d}/rogue-ca.key", "-out", f"{d}/rogue-ca.pem", "-days", "30", "-subj", "/CN=Ward TLS test CA")
        make_key_and_csr(d, "untrusted")
        sign(d, "untrusted", f"{d}/rogue-ca.pem", f"{d}/rogue-ca.key")
        make_key_and_csr(d, "expired")
        sign_expired(d, "expired", ca_pem, ca_key)

        good = (f"{d}/good.pem", f"{d}/good.key")
        payload = pattern(SERVER_BYTES, 2)
        servers = {}
        fw = None
        try:
            servers = {
                "tls13": Server(d, *good, ["-tls1_3"], payload),
                "tls12": Server(d, *good, ["-tls1_2"], payload),
                "wronghost": Server(d, *good, []),
                "untrusted": Server(d, f"{d}/untrusted.pem", f"{d}/untrusted.key", []),
                # Two connections: the check from here, then the device.
                "tls11": Server(d, *good, ["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"], naccept=2),
                "expired": Server(d, f"{d}/expired.pem", f"{d}/expired.key", []),
            }
            time.sleep(1.5)  # each s_server listens within a fraction of a second
            check_tls11_server_works(servers["tls11"].port)

            cmd = [sys.executable, args.runner, "--no-test", "--timeout", "200", "--expect-output",
                   "tls: done, every case held", "--qemu-arg=-nic", "--qemu-arg=user,model=lan9118",
                   f"--arg=--time={int(time.time())}"]
            cmd += [f"--arg=--{name}={s.port}" for name, s in servers.items()]
            if args.secure_image:
                cmd += ["--secure-image", args.secure_image]
            fw = Firmware(cmd + [args.image])
            fw.wait_for("tls: done", 200)
            status = fw.proc.wait(timeout=30)
        finally:
            if fw is not None:
                fw.kill()
            for s in servers.values():
                s.stop()
        out = fw.output()
        if status != 0:
            raise AssertionError(f"the runner failed (status {status})")
        policy = (f"policy: minimum {args.min_version} verify required hostname "
                  + ("unchecked" if args.no_hostname_check else "checked"))
        if policy not in out:
            raise AssertionError(f"the device does not report the policy built for ({policy})")
        exchanges = ["tls13"]
        refusals = ["no_time", "untrusted", "tls11", "expired"]
        if args.min_version == "1.3":
            refusals.append("tls12")
            if servers["tls12"].received():
                raise AssertionError("tls12: s_server received application data under a TLS 1.3 minimum")
        else:
            exchanges.append("tls12")
        if args.no_hostname_check:
            if "tls: wronghost: accepted" not in out:
                raise AssertionError("wronghost: not accepted with the hostname check off")
        else:
            refusals.append("wronghost")
        for case in exchanges:
            if f"tls: {case}: ok" not in out:
                raise AssertionError(f"{case}: no successful exchange")
            got = servers[case].received()
            if got != pattern(CLIENT_BYTES, 1):
                raise AssertionError(f"{case}: s_server received {len(got)} bytes, not the device's {CLIENT_BYTES}")
        for case in refusals:
            if f"tls: {case}: refused" not in out:
                raise AssertionError(f"{case}: not refused as expected")
        check_stack(out, args.stack_report)
    print("tls_test: PASS")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except AssertionError as e:
        print(f"tls_test: FAIL: {e}")
        sys.exit(1)
