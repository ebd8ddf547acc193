#!/usr/bin/env python3
"""Ward's DTLS 1.2 client (lib/tls DtlsClient, tests/net/dtls/main.cpp) on QEMU against OpenSSL's
`s_server -dtls1_2` here.

Makes the servers' keys and certificates from the build's test CA (--ca-dir, the device's
compiled-in anchor), as tls_test.py: a P-256 leaf for ward-tls.test, and one from a CA the device
does not trust. Starts one `openssl s_server -dtls1_2 -listen -naccept 1 -mtu 1200` per case on
127.0.0.1 (10.0.2.2 from the device through slirp); -listen makes s_server answer the first
ClientHello with a HelloVerifyRequest and take only one that returns its cookie:

  dtls12     the valid chain. Once the device has sent its data, this test writes 8,000 bytes of
             a known pattern into s_server's stdin, 1,000 at a time (one record each); the device's
             16 datagrams of 1,000 bytes must come out of s_server's stdout exact;
  replay     the same, but the device talks to this test's UDP proxy, which forwards to s_server and
             sends every datagram from s_server to the device twice: the device must drop each copy
             (anti-replay) and read the 8,000 bytes exactly once. The proxy also sees the cookie
             exchange: s_server's first answer is a HelloVerifyRequest, the device's second
             ClientHello is taken (ServerHello);
  wronghost  the valid chain; the device asks for other.test;
  untrusted  the other CA's chain;
  silent     a UDP socket of this test that never answers: it must receive the ClientHello and its
             retransmissions, 3 in all (the device's timer: 500 ms doubling to 2 s), and nothing more.

The device is told the time (--time=). It prints one line per case; each must be the outcome
expected. Loopback only; every wait and every process is bounded.
Usage: dtls_test.py --runner WARD_QEMU_RUN [--secure-image ELF] --ca-dir DIR [--stack-report TXT] IMAGE
"""
import argparse
import os
import select
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from net_echo_test import Firmware, free_port  # noqa: E402
from tls_test import check_stack, make_key_and_csr, openssl, pattern, sign  # noqa: E402

CLIENT_BYTES = 16 * 1000
SERVER_BYTES = 8000
CHUNK = 1000
SILENT_HELLOS = 3  # the first ClientHello, then one at 500 ms and one at 1 s; 2 s: no more


class DtlsServer:
    """One `openssl s_server -dtls1_2 -listen -naccept 1`; stdin kept open for the payload.
    `extra`: more s_server arguments (dtls_mutual_test.py: -Verify and the CA it trusts)."""

    def __init__(self, d, cert, key, extra=()):
        self.port = free_port(socket.SOCK_DGRAM)
        self.out_path = os.path.join(d, f"dtls-{self.port}.out")
        self.err_path = os.path.join(d, f"dtls-{self.port}.err")
        self.proc = subprocess.Popen(
            ["openssl", "s_server", "-dtls1_2", "-listen", "-accept", f"127.0.0.1:{self.port}", "-cert", cert,
             "-key", key, "-naccept", "1", "-mtu", "1200", "-quiet", *extra],
            stdin=subprocess.PIPE, stdout=open(self.out_path, "wb"), stderr=open(self.err_path, "wb"),
            start_new_session=True)

    def feed(self, payload):
        """One write per record: s_server sends what one read of its stdin returns as one record."""
        for i in range(0, len(payload), CHUNK):
            try:
                self.proc.stdin.write(payload[i:i + CHUNK])
                self.proc.stdin.flush()
            except BrokenPipeError:
                return  # s_server ended (the device closed early): the device's report says why
            time.sleep(0.15)

    def received(self):
        with open(self.out_path, "rb") as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)


def handshake_type(datagram):
    """The handshake message type of a datagram whose first record is a plaintext handshake
    record (content type 22, epoch 0), else nothing."""
    if len(datagram) > 13 and datagram[0] == 22 and datagram[3:5] == b"\0\0":
        return [datagram[13]]
    return []


class ReplayProxy:
    """The device's peer for the replay case: forwards each way; every datagram from s_server goes
    to the device twice."""

    def __init__(self, server_port):
        self.front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.front.bind(("127.0.0.1", 0))
        self.port = self.front.getsockname()[1]
        self.back = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.back.connect(("127.0.0.1", server_port))
        self.device = None
        self.duplicated = 0
        # The handshake message type of each plaintext (epoch 0) handshake record, each way.
        self.from_device = []
        self.from_server = []
        self.done = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.done:
            ready, _, _ = select.select([self.front, self.back], [], [], 0.2)
            for s in ready:
                if s is self.front:
                    data, self.device = self.front.recvfrom(65536)
                    self.from_device += handshake_type(data)
                    self.back.send(data)
                else:
                    data = self.back.recv(65536)
                    self.from_server += handshake_type(data)
                    if self.device is not None:
                        self.front.sendto(data, self.device)
                        self.front.sendto(data, self.device)
                        self.duplicated += 1

    def stop(self):
        self.done = True
        self.thread.join(timeout=5)
        self.front.close()
        self.back.close()


class SilentPeer:
    """A UDP port that counts what arrives and never answers."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.datagrams = []
        self.done = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.done:
            ready, _, _ = select.select([self.sock], [], [], 0.2)
            if ready:
                self.datagrams.append((time.monotonic(), self.sock.recv(65536)))

    def stop(self):
        self.done = True
        self.thread.join(timeout=5)
        self.sock.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runner", required=True)
    p.add_argument("--secure-image")
    p.add_argument("--ca-dir", required=True)
    p.add_argument("--stack-report", type=Path, help="the build's stack-bound report: the main thread's mark must be within it")
    p.add_argument("image")
    args = p.parse_args()
    ca_pem, ca_key = f"{args.ca_dir}/ca.pem", f"{args.ca_dir}/ca.key"

    with tempfile.TemporaryDirectory(prefix="ward-dtls-") as d:
        make_key_and_csr(d, "good")
        sign(d, "good", ca_pem, ca_key)
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                f"{d}/rogue-ca.key", "-out", f"{d}/rogue-ca.pem", "-days", "30", "-subj", "/CN=Ward TLS test CA")
        make_key_and_csr(d, "untrusted")
        sign(d, "untrusted", f"{d}/rogue-ca.pem", f"{d}/rogue-ca.key")
        good = (f"{d}/good.pem", f"{d}/good.key")
        payload = pattern(SERVER_BYTES, 2)
        servers = {}
        proxy = silent = fw = None
        try:
            servers = {
                "dtls12": DtlsServer(d, *good),
                "replay": DtlsServer(d, *good),
                "wronghost": DtlsServer(d, *good),
                "untrusted": DtlsServer(d, f"{d}/untrusted.pem", f"{d}/untrusted.key"),
            }
            proxy = ReplayProxy(servers["replay"].port)
            silent = SilentPeer()
            time.sleep(1.5)  # each s_server is bound within a fraction of a second
            ports = {"dtls12": servers["dtls12"].port, "replay": proxy.port, "wronghost": servers["wronghost"].port,
                     "untrusted": servers["untrusted"].port, "silent": silent.port}
            cmd = [sys.executable, args.runner, "--no-test", "--timeout", "200", "--expect-output",
                   "dtls: done, every case held", "--qemu-arg=-nic", "--qemu-arg=user,model=lan9118",
                   f"--arg=--time={int(time.time())}"]
            cmd += [f"--arg=--{name}={port}" for name, port in ports.items()]
            if args.secure_image:
                cmd += ["--secure-image", args.secure_image]
            fw = Firmware(cmd + [args.image])
            for case in ("dtls12", "replay"):
                # The device's datagrams first; then it reads, and s_server's records come one by one
                # (the device's UDP mailbox holds 8 datagrams; the replay case sends 16).
                fw.wait_for(f"dtls: {case}: sent, reading", 120)
                servers[case].feed(payload)
            fw.wait_for("dtls: done", 200)
            status = fw.proc.wait(timeout=30)
        finally:
            if fw is not None:
                fw.kill()
            for s in servers.values():
                s.stop()
            if proxy is not None:
                proxy.stop()
            if silent is not None:
                silent.stop()
        out = fw.output()
        if status != 0:
            raise AssertionError(f"the runner failed (status {status})")
        for case in ("dtls12", "replay"):
            if f"dtls: {case}: ok" not in out:
                raise AssertionError(f"{case}: no successful exchange")
            got = servers[case].received()
            if got != pattern(CLIENT_BYTES, 1):
                raise AssertionError(f"{case}: s_server received {len(got)} bytes, not the device's {CLIENT_BYTES}")
        # The cookie: s_server -listen answered the first ClientHello (1) with a HelloVerifyRequest
        # (3), and the device sent a second ClientHello (with the cookie), which s_server took.
        if proxy.from_server[:1] != [3] or proxy.from_device[:2] != [1, 1] or 2 not in proxy.from_server:
            raise AssertionError(f"replay: no cookie exchange seen (device {proxy.from_device}, "
                                 f"server {proxy.from_server})")
        if proxy.duplicated < SERVER_BYTES // CHUNK:
            raise AssertionError(f"replay: the proxy duplicated only {proxy.duplicated} datagrams")
        for case in ("no_time", "wronghost", "untrusted", "silent"):
            if f"dtls: {case}: refused" not in out:
                raise AssertionError(f"{case}: not refused as expected")
        hellos = [t for t, data in silent.datagrams if len(data) > 13 and data[0] == 22 and data[13] == 1]
        if len(silent.datagrams) != SILENT_HELLOS or len(hellos) != SILENT_HELLOS:
            raise AssertionError(f"silent: {len(silent.datagrams)} datagrams ({len(hellos)} ClientHellos), "
                                 f"not {SILENT_HELLOS}: the retransmissions are not as bounded")
        gaps = [round(b - a, 2) for a, b in zip(hellos, hellos[1:])]
        if not (0.3 <= gaps[0] <= 1.5 and 0.7 <= gaps[1] <= 2.5):
            raise AssertionError(f"silent: retransmission gaps {gaps} s, not about 0.5 and 1")
        print(f"dtls_test: silent peer: {len(hellos)} ClientHellos, gaps {gaps} s; "
              f"replay proxy: {proxy.duplicated} datagrams sent twice; handshake types "
              f"device {proxy.from_device}, server {proxy.from_server}")
        check_stack(out, args.stack_report)
    print("dtls_test: PASS")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except AssertionError as e:
        print(f"dtls_test: FAIL: {e}")
        sys.exit(1)
