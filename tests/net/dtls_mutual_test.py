#!/usr/bin/env python3
"""DTLS 1.2 with mutual authentication by the device's opaque key (tests/net/dtls_mutual/main.cpp) on
QEMU against OpenSSL's `s_server -dtls1_2` here.

One boot on a fresh secure flash file (QEMU's working directory, made here):

  provision  the device creates its key in the secure world and sends a CSR (TCP to 10.0.2.2:P);
             this test signs it with a device CA made here (tools/ward-provision), as tls_mutual's
             first boot (tls_mutual_test.ProvisioningHost); the device stores and loads it;
  mutual     `s_server -dtls1_2 -listen -Verify 1 -verify_return_error -CAfile <device CA>`: the
             device's 4 datagrams of 1,000 bytes must come out of s_server exact, s_server's 2,000
             bytes (two records, written once the device reads) are checked by the device, and
             s_server's verify trace must name the device's subject;
  nocert     the same server; the device has no identity configured: s_server refuses ("peer did
             not return a certificate"), the device's handshake fails with the server's alert;
  otherca    -CAfile another device CA: s_server refuses the device's certificate ("verify error"),
             the device's handshake fails with the server's alert, nothing is exchanged;
  mismatch   the device's key with a certificate that is not its own, towards a UDP port of this
             test that never answers: refused (identity) before any datagram; the port must have
             received none;
  foreign    a second provisioning host answers the device's CSR with a certificate the device CA
             issued for the device's subject and another key (checked here: it verifies against the
             device CA, its key is not the device's): the device refuses to store it, keeps its own,
             and refuses to connect with it (identity, no datagram to the silent port).

Every server has -verify_return_error: without it s_server prints a failed verification and goes
on (tls_mutual_test.py). The servers' chains are for ward-tls.test from the build's test CA (the
device's compiled-in anchor). Loopback only; every wait and every process is bounded.
Usage: dtls_mutual_test.py --runner WARD_QEMU_RUN [--secure-image ELF] --ca-dir DIR --provision TOOL
       [--stack-report TXT] IMAGE
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dtls_test import DtlsServer, SilentPeer  # noqa: E402
from net_echo_test import Firmware  # noqa: E402
from tls_mutual_test import SUBJECT, ProvisioningHost, openssl_out, server_stderr  # noqa: E402
from tls_test import check_stack, make_key_and_csr, openssl, pattern, sign  # noqa: E402

CLIENT_BYTES = 4 * 1000
SERVER_BYTES = 2000
DONE = "dtls_mutual: done"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runner", required=True)
    p.add_argument("--secure-image")
    p.add_argument("--ca-dir", required=True, help="the servers' CA (the device's trust anchor)")
    p.add_argument("--provision", required=True, help="tools/ward-provision/ward-provision")
    p.add_argument("--stack-report", type=Path, help="the build's stack-bound report: the main thread's mark must be within it")
    p.add_argument("image")
    args = p.parse_args()
    started = time.monotonic()

    with tempfile.TemporaryDirectory(prefix="ward-dtls-mutual-") as d:
        flash = os.path.join(d, "flash")  # QEMU's working directory: a fresh secure flash file
        os.makedirs(flash)
        device_ca, other_ca = f"{d}/device-ca", f"{d}/other-ca"
        for ca, subject in ((device_ca, "/CN=Ward device CA"), (other_ca, "/CN=Another device CA")):
            subprocess.run([sys.executable, args.provision, "ca", "--out", ca, "--subject", subject], check=True,
                           timeout=60)
        make_key_and_csr(d, "server")
        sign(d, "server", f"{args.ca_dir}/ca.pem", f"{args.ca_dir}/ca.key")
        server = (f"{d}/server.pem", f"{d}/server.key")
        # The device CA's certificate for the device's subject and a key made here.
        openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                f"{d}/foreign.key", "-subj", "/CN=ward-device-0001/O=Ward test devices", "-out", f"{d}/foreign.csr")
        subprocess.run([sys.executable, args.provision, "sign", "--ca", device_ca, "--csr", f"{d}/foreign.csr",
                        "--out", f"{d}/foreign.der", "--der", "--days", "30"], check=True, timeout=60)
        verify = ["-Verify", "1", "-verify_return_error", "-CAfile"]
        servers = {}
        host = foreign = silent = fw = None
        try:
            host = ProvisioningHost(d, args.provision, device_ca)
            foreign = ProvisioningHost(d, args.provision, device_ca, answer=f"{d}/foreign.der")
            servers = {
                "mutual": DtlsServer(d, *server, [*verify, f"{device_ca}/ca.pem"]),
                "nocert": DtlsServer(d, *server, [*verify, f"{device_ca}/ca.pem"]),
                "otherca": DtlsServer(d, *server, [*verify, f"{other_ca}/ca.pem"]),
            }
            silent = SilentPeer()
            time.sleep(1.0)  # each s_server is bound within a fraction of a second
            ports = {"prov": host.port, **{n: s.port for n, s in servers.items()}, "mismatch": silent.port,
                     "foreign": foreign.port}
            cmd = [sys.executable, args.runner, "--no-test", "--timeout", "60", "--workdir", flash,
                   "--expect-output", f"{DONE}, every case held", "--qemu-arg=-nic", "--qemu-arg=user,model=lan9118",
                   f"--arg=--time={int(time.time())}"]
            cmd += [f"--arg=--{name}={port}" for name, port in ports.items()]
            if args.secure_image:
                cmd += ["--secure-image", args.secure_image]
            fw = Firmware(cmd + [args.image])
            # The device's datagrams first; then it reads, and s_server's records come one by one.
            # A failed handshake goes on to the next cases: no wait for a line that will not come.
            deadline = time.monotonic() + 45
            while time.monotonic() < deadline and fw.proc.poll() is None:
                out = fw.output()
                if "dtls_mutual: mutual: sent, reading" in out:
                    servers["mutual"].feed(pattern(SERVER_BYTES, 2))
                    break
                if "dtls_mutual: mutual: FAILED" in out or DONE in out:
                    break
                time.sleep(0.1)
            fw.wait_for(DONE, 50)
            status = fw.proc.wait(timeout=20)
        finally:
            if fw is not None:
                fw.kill()
            for s in servers.values():
                s.stop()
            if silent is not None:
                silent.stop()
        out = fw.output()
        host.check()
        foreign.check()
        if silent.datagrams:
            raise AssertionError(f"mismatch, foreign: {len(silent.datagrams)} datagrams sent with a certificate "
                                 "not the key's")
        if status != 0:
            raise AssertionError(f"the runner failed (status {status})")
        for line in ("dtls_mutual: key: ok created", "dtls_mutual: provision: ok stored and loaded",
                     "dtls_mutual: mutual: ok", "dtls_mutual: nocert: refused", "dtls_mutual: otherca: refused",
                     "dtls_mutual: mismatch: refused", "dtls_mutual: foreign_store: refused",
                     "dtls_mutual: foreign_kept: ok", "dtls_mutual: foreign: refused"):
            if line not in out:
                raise AssertionError(f"the device never printed {line!r}")
        got, err = servers["mutual"].received(), server_stderr(servers["mutual"])
        if got != pattern(CLIENT_BYTES, 1):
            raise AssertionError(f"mutual: s_server received {len(got)} bytes, not the device's {CLIENT_BYTES}")
        if f"depth=0 {SUBJECT}" not in err:
            raise AssertionError(f"mutual: s_server did not verify the device's certificate:\n{err}")
        # The refusals are the servers': they saw no certificate, or one they could not verify.
        err = server_stderr(servers["nocert"])
        if "peer did not return a certificate" not in err or servers["nocert"].received():
            raise AssertionError(f"nocert: s_server did not refuse for a missing certificate:\n{err}")
        err = server_stderr(servers["otherca"])
        if "verify error" not in err or f"depth=0 {SUBJECT}" not in err or servers["otherca"].received():
            raise AssertionError(f"otherca: s_server did not refuse the device's certificate:\n{err}")
        # foreign's certificate is one the servers would take but for its key.
        foreign_pem = openssl_out("x509", "-inform", "DER", "-in", f"{d}/foreign.der")
        with open(f"{d}/foreign.pem", "w") as f:
            f.write(foreign_pem)
        verified = openssl_out("verify", "-CAfile", f"{device_ca}/ca.pem", f"{d}/foreign.pem")
        subject = openssl_out("x509", "-in", f"{d}/foreign.pem", "-noout", "-subject")
        keys = [openssl_out("x509", "-inform", "DER", "-in", f"{d}/{n}.der", "-noout", "-pubkey")
                for n in ("foreign", "device")]
        if f"{d}/foreign.pem: OK" not in verified or SUBJECT not in subject or keys[0] == keys[1]:
            raise AssertionError(f"foreign: not the device CA's certificate for the subject and another key: "
                                 f"{verified!r} {subject!r}")
        check_stack(out, args.stack_report)
        for case in ("nocert", "otherca"):
            reason = [line for line in server_stderr(servers[case]).splitlines()
                      if "verify error" in line or "did not return" in line]
            print(f"dtls_mutual_test: {case}: s_server: {reason[0] if reason else '?'}")
    print(f"dtls_mutual_test: PASS ({time.monotonic() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except AssertionError as e:
        print(f"dtls_mutual_test: FAIL: {e}")
        sys.exit(1)
