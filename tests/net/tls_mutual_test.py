#!/usr/bin/env python3
"""Mutual TLS with the device's opaque key (tests/net/tls_mutual/main.cpp) on QEMU against this host.

Two boots of the image on one secure flash file (a fresh QEMU working directory kept across both):

  boot 1 (--phase=1)  the device creates its key in the secure world and sends a CSR signed with it
                      over TCP (10.0.2.2:P through slirp); this test signs it with a device CA made
                      here, through tools/ward-provision, and sends the DER certificate back; the
                      device stores it in PSA PS. The CSR is checked here too: its subject, and that
                      the certificate's key is the CSR's (openssl).
  boot 2 (--phase=2)  the key is found (not created again), the certificate loaded; then one
                      `openssl s_server -naccept 1 -Verify 1` per case on 127.0.0.1:
                        mutual13/12   -CAfile the device CA, TLS 1.3 / 1.2: a line each way, and
                                      s_server's verify trace names the device's subject;
                        nocert13      the same server, the device sends no certificate: refused;
                        otherca13/12  -CAfile another CA: refused by the server (its verify error).
                      Every server has -verify_return_error: without it s_server only prints a
                      failed verification and carries on (the test proved that it can fail).
                        user13        -CAfile the device CA, TLS 1.3, serving a 4,000-byte resource to
                                      an unprivileged thread on a TLS socket (ward/tls/sockets.hpp):
                                      the device checks the bytes, this test its request line and
                                      that s_server verified the device's certificate.
                        revoked13     the same server; the thread's identity grant is revoked after
                                      it set the identity option: no certificate may reach it.
                      Then the device's own refusals (a certificate/key pair that does not match, a
                      stored certificate of another key), which need no server.

Each boot is bounded (the runner's timeout), every process and socket too.
Usage: tls_mutual_test.py --runner WARD_QEMU_RUN [--secure-image ELF] --ca-dir DIR --provision TOOL
       [--stack-report TXT] IMAGE
"""
import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from net_echo_test import Firmware  # noqa: E402
from tls_test import Server, check_stack, make_key_and_csr, openssl, sign  # noqa: E402

SUBJECT = "CN = ward-device-0001, O = Ward test devices"  # as openssl prints the device's subject
TO_DEVICE = b"hello device\n"
FROM_DEVICE = b"hello server from ward-device-0001\n"
USER_REQUEST = b"GET /resource from an unprivileged thread\n"


def resource():
    """tests/net/tls_mutual/main.cpp's resource_byte(): printable lines of 64."""
    return bytes(ord("\n") if i % 64 == 63 else ord("a") + (i * 7 + i // 64) % 26 for i in range(4000))
CSR_END = b"-----END CERTIFICATE REQUEST-----"


class ProvisioningHost:
    """Accepts one connection: reads the device's CSR (PEM), signs it with ward-provision, answers
    with a 2-byte big-endian length and the DER certificate. With `answer` (a DER file) it answers
    with that certificate instead, whatever the CSR (dtls_mutual_test.py: one of another key)."""

    def __init__(self, d, tool, device_ca, extra=(), answer=None):
        self.d, self.tool, self.device_ca, self.extra, self.answer = d, tool, device_ca, list(extra), answer
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.sock.settimeout(60)
        self.port = self.sock.getsockname()[1]
        self.error = None
        self.csr = b""
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        try:
            conn, _ = self.sock.accept()
            with conn:
                conn.settimeout(30)
                while CSR_END not in self.csr and len(self.csr) < 4096:
                    piece = conn.recv(4096)
                    if not piece:
                        break
                    self.csr += piece
                if CSR_END not in self.csr:
                    raise AssertionError(f"no whole CSR from the device ({len(self.csr)} bytes)")
                if self.answer is not None:
                    with open(self.answer, "rb") as f:
                        der = f.read()
                    conn.sendall(len(der).to_bytes(2, "big") + der)
                    return
                csr_path, der_path = f"{self.d}/device.csr", f"{self.d}/device.der"
                with open(csr_path, "wb") as f:
                    f.write(self.csr)
                subprocess.run([sys.executable, self.tool, "sign", "--ca", self.device_ca, "--csr", csr_path,
                                "--out", der_path, "--der", "--days", "30", *self.extra], check=True, timeout=60)
                with open(der_path, "rb") as f:
                    der = f.read()
                conn.sendall(len(der).to_bytes(2, "big") + der)
        except Exception as e:  # reported by check()
            self.error = e
        finally:
            self.sock.close()

    def check(self):
        self.thread.join(timeout=60)
        if self.error is not None:
            raise AssertionError(f"provisioning host: {self.error!r}")
        if CSR_END not in self.csr or self.answer is None and not os.path.exists(f"{self.d}/device.der"):
            raise AssertionError("provisioning host: the device never sent a CSR")


def boot(args, workdir, device_args, expect, timeout=40, icount=None):
    cmd = [sys.executable, args.runner, "--no-test", "--timeout", str(timeout), "--workdir", workdir,
           "--qemu-arg=-nic", "--qemu-arg=user,model=lan9118", f"--arg=--time={int(time.time())}"]
    cmd += [f"--arg={a}" for a in device_args]
    if args.secure_image:
        cmd += ["--secure-image", args.secure_image]
    if icount is not None:
        # sleep=on: while the device waits for the network, virtual time runs at real time (with
        # sleep=off it would jump to the next timer and the waits would time out).
        cmd += ["--qemu-arg=-icount", f"--qemu-arg=shift={icount},align=off,sleep=on"]
    fw = Firmware(cmd + [args.image])
    try:
        fw.wait_for("phase done", timeout)
        status = fw.proc.wait(timeout=20)
    finally:
        fw.kill()
    out = fw.output()
    if status != 0 or "every case held" not in out:
        raise AssertionError(f"{expect}: the device did not hold every case (runner status {status})")
    check_stack(out, args.stack_report)
    return out


def require(out, *lines):
    for line in lines:
        if line not in out:
            raise AssertionError(f"the device never printed {line!r}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runner", required=True)
    p.add_argument("--secure-image")
    p.add_argument("--ca-dir", required=True, help="the server CA (the device's trust anchor)")
    p.add_argument("--provision", required=True, help="tools/ward-provision/ward-provision")
    p.add_argument("--stack-report", type=Path, help="the build's stack-bound report: each boot's mark must be within it")
    p.add_argument("--icount", type=int, help="boot 2 under -icount shift=N,sleep=on (figures, not the test)")
    p.add_argument("image")
    args = p.parse_args()
    started = time.monotonic()

    with tempfile.TemporaryDirectory(prefix="ward-tls-mutual-") as d:
        flash = os.path.join(d, "flash")  # QEMU's working directory: the secure flash file
        os.makedirs(flash)
        device_ca, other_ca = f"{d}/device-ca", f"{d}/other-ca"
        for ca, subject in ((device_ca, "/CN=Ward device CA"), (other_ca, "/CN=Another device CA")):
            subprocess.run([sys.executable, args.provision, "ca", "--out", ca, "--subject", subject], check=True,
                           timeout=60)
        make_key_and_csr(d, "server")
        sign(d, "server", f"{args.ca_dir}/ca.pem", f"{args.ca_dir}/ca.key")
        server = (f"{d}/server.pem", f"{d}/server.key")

        # Boot 1: key, CSR, certificate.
        host = ProvisioningHost(d, args.provision, device_ca)
        out = boot(args, flash, ["--phase=1", f"--prov={host.port}"], "provisioning")
        host.check()
        require(out, "tls_mutual: not_provisioned: refused", "tls_mutual: key: ok created",
                "tls_mutual: store_mismatch: refused", "tls_mutual: provision: ok stored")
        subject = openssl_out("req", "-in", f"{d}/device.csr", "-noout", "-subject")
        if SUBJECT not in subject:
            raise AssertionError(f"the CSR's subject is {subject!r}")
        # The certificate certifies the key that signed the CSR (the device key).
        csr_key = openssl_out("req", "-in", f"{d}/device.csr", "-noout", "-pubkey")
        cert_key = openssl_out("x509", "-inform", "DER", "-in", f"{d}/device.der", "-noout", "-pubkey")
        if csr_key != cert_key or "BEGIN PUBLIC KEY" not in csr_key:
            raise AssertionError("the certificate's key is not the CSR's")

        # Boot 2: mutual TLS.
        # -verify_return_error: without it s_server prints a failed verification and goes on.
        verify = ["-Verify", "1", "-verify_return_error", "-CAfile"]
        servers = {}
        try:
            servers = {
                "mutual13": Server(d, *server, ["-tls1_3", *verify, f"{device_ca}/ca.pem"], TO_DEVICE),
                "mutual12": Server(d, *server, ["-tls1_2", *verify, f"{device_ca}/ca.pem"], TO_DEVICE),
                "nocert13": Server(d, *server, ["-tls1_3", *verify, f"{device_ca}/ca.pem"], TO_DEVICE),
                "otherca13": Server(d, *server, ["-tls1_3", *verify, f"{other_ca}/ca.pem"], TO_DEVICE),
                "otherca12": Server(d, *server, ["-tls1_2", *verify, f"{other_ca}/ca.pem"], TO_DEVICE),
                "user13": Server(d, *server, ["-tls1_3", *verify, f"{device_ca}/ca.pem"], resource()),
                "revoked13": Server(d, *server, ["-tls1_3", *verify, f"{device_ca}/ca.pem"], resource()),
            }
            time.sleep(1.0)  # each s_server listens within a fraction of a second
            out = boot(args, flash, ["--phase=2", *[f"--{n}={s.port}" for n, s in servers.items()]], "mutual TLS",
                       icount=args.icount)
        finally:
            for s in servers.values():
                s.stop()
        require(out, "tls_mutual: key: ok exists", "tls_mutual: load: ok", "tls_mutual: mutual13: ok",
                "tls_mutual: mutual12: ok", "tls_mutual: nocert13: refused", "tls_mutual: otherca13: refused",
                "tls_mutual: otherca12: refused", "tls_mutual: pair_mismatch: refused",
                "tls_mutual: stored_mismatch: refused", "tls_mutual: user_refusals: ok", "tls_mutual: user13: ok",
                "tls_mutual: user_revoked: ok")
        if "refusals 10 " not in out:
            raise AssertionError("user_refusals: not every refusal was seen")
        got, err = servers["user13"].received(), server_stderr(servers["user13"])
        if got != USER_REQUEST:
            raise AssertionError(f"user13: s_server received {got!r}")
        if f"depth=0 {SUBJECT}" not in err:
            raise AssertionError(f"user13: s_server did not verify the device's certificate:\n{err}")
        for case in ("mutual13", "mutual12"):
            got, err = servers[case].received(), server_stderr(servers[case])
            if got != FROM_DEVICE:
                raise AssertionError(f"{case}: s_server received {got!r}")
            if f"depth=0 {SUBJECT}" not in err:
                raise AssertionError(f"{case}: s_server did not verify the device's certificate:\n{err}")
        # The refusals are the servers': they saw no certificate, or one they could not verify.
        # revoked13: a grant revoked before the connection withdrew the identity already set.
        for case in ("nocert13", "revoked13"):
            if "peer did not return a certificate" not in server_stderr(servers[case]):
                raise AssertionError(f"{case}: s_server did not refuse for a missing certificate:\n"
                                     f"{server_stderr(servers[case])}")
        for case in ("otherca13", "otherca12"):
            err = server_stderr(servers[case])
            if "verify error" not in err or servers[case].received():
                raise AssertionError(f"{case}: s_server did not refuse the device's certificate:\n{err}")
    print(f"tls_mutual_test: PASS ({time.monotonic() - started:.1f} s)")
    return 0


def openssl_out(*args):
    return subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60).stdout.decode()


def server_stderr(server):
    with open(server.err_path, "rb") as f:
        return f.read().decode(errors="replace")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except AssertionError as e:
        print(f"tls_mutual_test: FAIL: {e}")
        sys.exit(1)
