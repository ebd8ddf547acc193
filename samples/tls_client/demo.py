#!/usr/bin/env python3
"""TLS from an unprivileged thread (samples/tls_client): `./ward demo tls`, and qemu.sample.tls_client.

This machine plays the device's three peers, reached from QEMU's user network at 10.0.2.2:
  - the SNTP server (10.0.2.2:12123, this host's time): the device's calendar for certificate
    validity (the image asks that port, CONFIG_WARD_NET_SNTP_PORT in prj.conf: 123 needs root);
  - the provisioning host (first boot): signs the device's CSR with a device CA made here
    (tools/ward-provision) and answers with the certificate, which the device keeps in PSA PS;
  - the server: `openssl s_server -tls1_3 -Verify 1 -verify_return_error` with a certificate from the
    sample CA compiled into the image, requiring a client certificate from the device CA.
Two boots on one secure flash file: the first provisions the identity and fetches, the second finds
the key and certificate kept and fetches again. Each boot: the device's unprivileged thread must
print the server's answer, s_server must have received its request and verified its certificate.
Usage: demo.py --runner WARD_QEMU_RUN [--secure-image ELF] --ca-dir DIR --provision TOOL [--stack-report TXT] IMAGE
(--stack-report: tls_client_marks, samples/CMakeLists.txt: every stack's printed high-water mark, the
secure image's too, must be within the build's bounds, tests/stackbound/highwater.py.)
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "net"))
from net_echo_test import Firmware  # noqa: E402
from tls_mutual_test import ProvisioningHost, server_stderr  # noqa: E402
from tls_test import Server, make_key_and_csr, sign  # noqa: E402
from sntp_test import Responder  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "stackbound"))
import highwater  # noqa: E402

SNTP_PORT = 12123  # CONFIG_WARD_NET_SNTP_PORT in prj.conf

SUBJECT = "CN = ward-sample-device, O = Ward samples"  # as openssl prints the device's subject
REQUEST = b"GET /status from an unprivileged thread\n"
ANSWER = b"status: ok -- served over TLS 1.3 to a client certified by the Ward device CA\n"


def boot(args, workdir, device_args, timeout=60):
    cmd = [sys.executable, args.runner, "--no-test", "--timeout", str(timeout), "--workdir", workdir,
           "--qemu-arg=-nic", "--qemu-arg=user,model=lan9118"]
    cmd += [f"--arg={a}" for a in device_args]
    if args.secure_image:
        cmd += ["--secure-image", args.secure_image]
    fw = Firmware(cmd + [args.image])
    try:
        fw.wait_for("tls_client: fetcher", timeout)
        status = fw.proc.wait(timeout=20)
    finally:
        fw.kill()
    return status, fw.output()


def fetch(args, d, flash, server, device_ca, provisioning):
    s = Server(d, *server, ["-tls1_3", "-Verify", "1", "-verify_return_error", "-CAfile", f"{device_ca}/ca.pem"], ANSWER)
    host = ProvisioningHost(d, args.provision, device_ca) if provisioning else None
    try:
        time.sleep(1.0)  # s_server listens within a fraction of a second
        device_args = [f"--server={s.port}"] + ([f"--prov={host.port}"] if host else [])
        status, out = boot(args, flash, device_args)
    finally:
        s.stop()
    print(out)
    args.outputs.append(out)
    if host:
        host.check()
    if status != 0 or ANSWER.decode() not in out or "tls_client: fetcher done" not in out:
        raise AssertionError(f"the device's unprivileged thread did not fetch the answer (runner status {status})")
    if s.received() != REQUEST:
        raise AssertionError(f"s_server received {s.received()!r}")
    if f"depth=0 {SUBJECT}" not in server_stderr(s):
        raise AssertionError(f"s_server did not verify the device's certificate:\n{server_stderr(s)}")
    expected = "asking the provisioning host" if provisioning else "from an earlier boot"
    if expected not in out:
        raise AssertionError(f"the device identity was not {'provisioned' if provisioning else 'kept'}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runner", required=True)
    p.add_argument("--secure-image")
    p.add_argument("--ca-dir", required=True, help="the sample CA (the device's trust anchor)")
    p.add_argument("--provision", required=True, help="tools/ward-provision/ward-provision")
    p.add_argument("--stack-report", type=Path,
                   help="tls_client_marks' stack-bound report: every mark of both boots within it")
    p.add_argument("image")
    args = p.parse_args()
    args.outputs = []
    sntp = Responder(["good"], offset=0, port=SNTP_PORT)
    try:
        return demo(args)
    finally:
        sntp.close()


def demo(args):
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ward-tls-client-") as d:
        flash = os.path.join(d, "flash")  # QEMU's working directory: the secure flash file
        os.makedirs(flash)
        device_ca = f"{d}/device-ca"
        subprocess.run([sys.executable, args.provision, "ca", "--out", device_ca, "--subject", "/CN=Ward device CA"],
                       check=True, timeout=60)
        make_key_and_csr(d, "server")
        sign(d, "server", f"{args.ca_dir}/ca.pem", f"{args.ca_dir}/ca.key")
        server = (f"{d}/server.pem", f"{d}/server.key")
        print("== boot 1: the device identity is provisioned, then the unprivileged thread fetches")
        fetch(args, d, flash, server, device_ca, provisioning=True)
        print("== boot 2: the identity kept in the secure world and PSA PS; the thread fetches again")
        fetch(args, d, flash, server, device_ca, provisioning=False)
    if args.stack_report:  # tls_client_marks (samples/CMakeLists.txt): each stack's deepest of both boots
        secure = Path(args.secure_image) if args.secure_image else None
        # main, idle, the tcpip, receive, socket reaper and TLS worker threads, the fetcher's two
        # parts, MSP
        failures = highwater.check_output("\n".join(args.outputs), args.stack_report, 9, secure)
        if failures:
            raise AssertionError("; ".join(failures))
    print(f"tls_client demo: PASS ({time.monotonic() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except AssertionError as e:
        print(f"tls_client demo: FAIL: {e}")
        sys.exit(1)
