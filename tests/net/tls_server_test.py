#!/usr/bin/env python3
"""TLS server mode (ward::tls::Listener; tests/net/tls_server/main.cpp) on QEMU against openssl s_client.

One boot. The device makes its key in the secure world and sends a CSR to this test (TCP through
slirp), which signs it with a device CA made here (tools/ward-provision --server-name
ward-device.test); the device stores the certificate and listens on 4433 (no client certificate)
and 4434 (a client certificate from the build's test CA required), reached through slirp's hostfwd
on 127.0.0.1. Then one `openssl s_client` per case, in the device's order (the device prints a line
per case, which this test waits for before the next):

  tls13, tls12     -verify_return_error -CAfile <device CA> -verify_hostname ward-device.test: the
                   chain verifies (s_client: "Verification: OK"); 20,000 bytes to the device (checked
                   there byte for byte), 20,000 bytes of another pattern back, exact in s_client's
                   output;
  record16k        the same over TLS 1.3 from Python's ssl module (the same libssl): s_client reads
                   its input 8 KiB at a time (BUFSIZZ) and so never sends a record above 8 KiB; this
                   client's one write of 20,000 bytes goes out as a 16 KiB record and a short one,
                   and the device checks that a whole 16 KiB record arrived;
  wrongca13        s_client trusts another CA: it refuses the device (verify error), no data;
  wronghost13      s_client wants other.test: refused (hostname mismatch);
  tls11            -tls1_1 (at security level 0): refused by the device. First proved to connect
                   to an `openssl s_server -tls1_1` here, so the refusal is the device's;
  mutual13/12      a client certificate from the test CA: accepted, a line each way; the device
                   reads the client's common name (management-client; none in the cases above);
  twocn13          a client certificate from the test CA whose subject has two CNs: accepted, but
                   the device reads no common name from it;
  nocert13/12      no client certificate: refused by the device (BADCERT_MISSING), no data;
  untrusted13/12   a client certificate from another CA: refused (BADCERT_NOT_TRUSTED), no data.
  slowloris        (red team) a raw client trickles a ClientHello a byte every 400 ms: the device's
                   handshake deadline (3 s) refuses it (timeout) within 15 s.

Loopback only; every process and wait is bounded. About 15-30 s.
Usage: tls_server_test.py --runner R [--secure-image ELF] --ca-dir DIR --provision TOOL
       [--stack-report TXT] IMAGE
"""
import argparse
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from net_echo_test import Firmware, free_port  # noqa: E402
from tls_mutual_test import ProvisioningHost  # noqa: E402
from tls_test import Server, check_stack, make_key_and_csr, openssl, pattern  # noqa: E402

NAME = "ward-device.test"
BULK = 20000
FROM_CLIENT = b"hello device from the management client\n"
TO_CLIENT = b"hello client from ward-device.test\n"


def sign_client(d, name, ca_pem, ca_key):
    """A client certificate (extendedKeyUsage clientAuth), as a management host would hold."""
    with open(f"{d}/client.ext", "w") as f:
        f.write("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                "extendedKeyUsage=clientAuth\n")
    openssl("x509", "-req", "-in", f"{d}/{name}.csr", "-CA", ca_pem, "-CAkey", ca_key, "-CAcreateserial",
            "-days", "30", "-sha256", "-extfile", f"{d}/client.ext", "-out", f"{d}/{name}.pem")


def s_client(d, port, args, data=b"", timeout=20, ign_eof=True):
    """One s_client run; -ign_eof: it ends when the device closes, not at the end of its input. The
    input is a file: s_client reads it 16 KiB at a time and sends each read as one record (from a
    pipe it gets what the writer wrote last, often 4 or 8 KiB)."""
    path = os.path.join(d, "client-input")
    with open(path, "wb") as f:
        f.write(data)
    with open(path, "rb") as stdin:
        r = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-brief",
                            *(["-ign_eof"] if ign_eof else []), *args],
                           stdin=stdin, capture_output=True, timeout=timeout)
    return r.returncode, r.stdout, r.stderr.decode(errors="replace")


def libssl_client(port, ca, data, timeout=20):
    """TLS 1.3 through Python's ssl module: one sendall of `data` (16 KiB records), then everything
    the device sends until its close_notify."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_verify_locations(ca)  # check_hostname and CERT_REQUIRED are PROTOCOL_TLS_CLIENT's defaults
    got = b""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as raw:
        with ctx.wrap_socket(raw, server_hostname=NAME) as s:
            s.sendall(data)
            for _ in range(1000):
                piece = s.recv(65536)
                if not piece:
                    break
                got += piece
    return got


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runner", required=True)
    p.add_argument("--secure-image")
    p.add_argument("--ca-dir", required=True, help="the build's test CA: the device's anchor for clients")
    p.add_argument("--provision", required=True)
    p.add_argument("--stack-report", type=Path)
    p.add_argument("image")
    args = p.parse_args()
    started = time.monotonic()
    failures = []

    def expect(cond, what):
        if not cond:
            failures.append(what)
            print(f"tls_server_test: MISMATCH: {what}")

    with tempfile.TemporaryDirectory(prefix="ward-tls-server-") as d:
        device_ca, other_ca = f"{d}/device-ca", f"{d}/other-ca"
        for ca, subject in ((device_ca, "/CN=Ward device CA"), (other_ca, "/CN=Another CA")):
            subprocess.run([sys.executable, args.provision, "ca", "--out", ca, "--subject", subject], check=True,
                           timeout=60)
        make_key_and_csr(d, "client", "management-client")
        sign_client(d, "client", f"{args.ca_dir}/ca.pem", f"{args.ca_dir}/ca.key")
        openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                f"{d}/twocn.key", "-subj", "/CN=management-client/CN=admin", "-out", f"{d}/twocn.csr")
        sign_client(d, "twocn", f"{args.ca_dir}/ca.pem", f"{args.ca_dir}/ca.key")
        make_key_and_csr(d, "rogue", "management-client")
        sign_client(d, "rogue", f"{other_ca}/ca.pem", f"{other_ca}/ca.key")
        tls11 = ["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"]

        # The TLS 1.1 client works against a server that speaks TLS 1.1, so its refusal below is the device's.
        make_key_and_csr(d, "old", NAME)
        openssl("req", "-x509", "-in", f"{d}/old.csr", "-key", f"{d}/old.key", "-days", "2", "-out", f"{d}/old.pem")
        old = Server(d, f"{d}/old.pem", f"{d}/old.key", tls11)
        try:
            time.sleep(0.5)
            rc, _, err = s_client(d, old.port, tls11, b"", ign_eof=False)
        finally:
            old.stop()
        if "Protocol version: TLSv1.1" not in err:
            raise AssertionError(f"s_client -tls1_1 cannot connect even to a TLS 1.1 server:\n{err}")

        plain_port, mutual_port = free_port(socket.SOCK_STREAM), free_port(socket.SOCK_STREAM)
        host = ProvisioningHost(d, args.provision, device_ca, ["--server-name", NAME])
        flash = os.path.join(d, "flash")  # QEMU's working directory: a fresh secure flash, so a new key
        os.makedirs(flash)
        cmd = [sys.executable, args.runner, "--no-test", "--timeout", "100", "--workdir", flash, "--qemu-arg=-nic",
               f"--qemu-arg=user,model=lan9118,hostfwd=tcp:127.0.0.1:{plain_port}-:4433,"
               f"hostfwd=tcp:127.0.0.1:{mutual_port}-:4434",
               f"--arg=--time={int(time.time())}", f"--arg=--prov={host.port}"]
        if args.secure_image:
            cmd += ["--secure-image", args.secure_image]
        fw = Firmware(cmd + [args.image])
        try:
            fw.wait_for("tls_server: listening", 60)
            host.check()
            verify = ["-verify_return_error", "-CAfile", f"{device_ca}/ca.pem", "-verify_hostname", NAME]

            def case(name, port, client_args, data=b""):
                rc, outp, err = s_client(d, port, client_args, data)
                line = fw.wait_for(f"tls_server: {name}: ", 30)
                return rc, outp, err, line

            for name, version in (("tls13", "-tls1_3"), ("tls12", "-tls1_2")):
                rc, outp, err, line = case(name, plain_port, [version, *verify], pattern(BULK, 1))
                expect(": ok " in line and "received 20000 exact" in line, f"{name}: device: {line}")
                expect("Verification: OK" in err, f"{name}: s_client did not verify the device's chain:\n{err}")
                expect(f"Protocol version: TLSv1.{version[-1]}" in err, f"{name}: version:\n{err}")
                expect(outp == pattern(BULK, 2), f"{name}: s_client received {len(outp)} bytes, not the pattern")

            got = libssl_client(plain_port, f"{device_ca}/ca.pem", pattern(BULK, 1))
            line = fw.wait_for("tls_server: record16k: ", 30)
            expect(": ok " in line and "largest record 16384" in line, f"record16k: device: {line}")
            expect(got == pattern(BULK, 2), f"record16k: received {len(got)} bytes, not the pattern")

            refusals = (
                ("wrongca13", plain_port, ["-tls1_3", "-verify_return_error", "-CAfile", f"{other_ca}/ca.pem",
                                           "-verify_hostname", NAME], "verify error"),
                ("wronghost13", plain_port, ["-tls1_3", "-verify_return_error", "-CAfile", f"{device_ca}/ca.pem",
                                             "-verify_hostname", "other.test"], "hostname mismatch"),
                ("tls11", plain_port, tls11, ""),
            )
            for name, port, client_args, said in refusals:
                rc, outp, err, line = case(name, port, client_args, FROM_CLIENT)
                expect(": refused " in line, f"{name}: device: {line}")
                # TLS 1.1: the device's own refusal, MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION (-0x6E80).
                expect(name != "tls11" or "mbedtls -28288" in line, f"{name}: not refused for its version: {line}")
                expect(rc != 0 and not outp and "Verification: OK" not in err and said in err,
                       f"{name}: s_client (status {rc}, {len(outp)} bytes):\n{err}")

            client = ["-cert", f"{d}/client.pem", "-key", f"{d}/client.key", *verify]
            rogue = ["-cert", f"{d}/rogue.pem", "-key", f"{d}/rogue.key", *verify]
            for name, version in (("mutual13", "-tls1_3"), ("mutual12", "-tls1_2")):
                rc, outp, err, line = case(name, mutual_port, [version, *client], FROM_CLIENT)
                expect(": ok " in line and "peer CN [management-client]" in line, f"{name}: device: {line}")
                expect(outp == TO_CLIENT and "Verification: OK" in err, f"{name}: s_client got {outp!r}:\n{err}")
            twocn = ["-cert", f"{d}/twocn.pem", "-key", f"{d}/twocn.key", *verify]
            rc, outp, err, line = case("twocn13", mutual_port, ["-tls1_3", *twocn], FROM_CLIENT)
            expect("twocn13: refused (certificate)" in line and "Verification: OK" in err, f"twocn13: device: {line}")
            for name, port, client_args in (("nocert13", mutual_port, ["-tls1_3", *verify]),
                                             ("nocert12", mutual_port, ["-tls1_2", *verify]),
                                             ("untrusted13", mutual_port, ["-tls1_3", *rogue]),
                                             ("untrusted12", mutual_port, ["-tls1_2", *rogue])):
                rc, outp, err, line = case(name, port, client_args, FROM_CLIENT)
                expect(": refused " in line, f"{name}: device: {line}")
                expect(not outp, f"{name}: s_client received {outp!r}")

            # slowloris (red team): a ClientHello record header and body, a byte every 400 ms, each
            # within the device's 2 s read timeout, for up to 40 s; the handshake's 3 s deadline must
            # end it (the device refuses with timeout) long before.
            fw.wait_for("tls_server: listening for slowloris", 30)
            started_slow = time.monotonic()
            with socket.create_connection(("127.0.0.1", plain_port), timeout=5) as slow:
                hello = bytes([22, 3, 1, 0, 200, 1, 0, 0, 196]) + bytes(range(191))
                for b in hello[:100]:
                    if any("tls_server: slowloris: " in l for l in fw.lines):
                        break
                    try:
                        slow.sendall(bytes([b]))
                    except OSError:
                        break  # the device closed the connection
                    time.sleep(0.4)
            line = fw.wait_for("tls_server: slowloris: ", 30)
            took = time.monotonic() - started_slow
            expect("slowloris: refused (timeout" in line and took < 15, f"slowloris: device after {took:.1f} s: {line}")
            fw.wait_for("tls_server: done", 30)
            status = fw.proc.wait(timeout=20)
        finally:
            fw.kill()
        out = fw.output()
        expect(status == 0 and "every case held" in out, f"the device did not hold every case (status {status})")
        for line in ("key: ok created", "provision: ok stored", "load: ok", "no_identity: refused",
                     "required_without_anchors: refused", "anchors_not_required: refused", "pair_mismatch: refused",
                     "nothing_listening: ok", "no_time: refused", "accept_timeout: refused",
                     "no_peer_name: refused", "peer_name_small: refused"):
            expect(f"tls_server: {line}" in out, f"the device never printed {line!r}")
        check_stack(out, args.stack_report)
    if failures:
        raise AssertionError(f"{len(failures)} check(s) failed")
    print(f"tls_server_test: PASS ({time.monotonic() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (AssertionError, subprocess.TimeoutExpired) as e:
        print(f"tls_server_test: FAIL: {e}")
        sys.exit(1)
