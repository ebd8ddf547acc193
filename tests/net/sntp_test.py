#!/usr/bin/env python3
"""The calendar time from SNTP feeding Ward's TLS client (lib/net/src/sntp.cpp, tests/net/sntp/main.cpp).

slirp offers no NTP server, so this test answers SNTP itself: it runs in a private network
namespace (it re-runs itself under `unshare`, as net_sockets_dgram_test.py does) where it may bind
127.0.0.1:123, which is 10.0.2.2:123 from the device (CONFIG_WARD_NET_SNTP_SERVER in the image).
Each boot also has `openssl s_server` for ward-tls.test with a leaf from the test CA.

  served     the responder serves this host's time plus OFFSET (a known time, not this host's):
             the device must take it (the TLS calendar within a few seconds of it) and the chain
             must verify (TLS ok);
  refused    the responder answers, in turn: a zero transmit timestamp, a time before the build's
             floor (2020-01-01), a good time with a wrong originate timestamp (what an off-path
             spoofer would send), and kiss-of-death (stratum 0, "RATE"): the device must take none
             (refused_zero and refused_floor counted, no time), and TLS must refuse with no_time.

Loopback only; every wait and every process is bounded.
Usage: sntp_test.py --runner WARD_QEMU_RUN [--secure-image ELF] --ca-dir DIR IMAGE
"""
import argparse
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from net_echo_test import Firmware  # noqa: E402
from tls_test import Server, make_key_and_csr, sign  # noqa: E402

INNER = "WARD_SNTP_TEST_INNER"
NTP_TO_UNIX = 2208988800
OFFSET = 3 * 86400          # the served time: this host's plus three days (the leaf is valid 30)
BEFORE_FLOOR = 1577836800   # 2020-01-01: before any build's floor
SLACK = 5                   # seconds between the served time and the device's calendar


def ntp_timestamp(unix_seconds):
    s = int(unix_seconds)
    return struct.pack("!II", (s + NTP_TO_UNIX) & 0xFFFFFFFF, int((unix_seconds - s) * 2**32) & 0xFFFFFFFF)


class Responder:
    """An SNTP server on 127.0.0.1:`port` answering every request by `modes` in turn."""

    def __init__(self, modes, offset=OFFSET, port=123):
        self.modes = modes
        self.offset = offset
        self.answered = []
        self.times = []
        self.started = time.monotonic()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", port))
        self.sock.settimeout(0.2)
        self.stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _answer(self, request, mode):
        origin = request[40:48]  # the request's transmit timestamp (the device's nonce)
        stratum, xmit = 2, ntp_timestamp(time.time() + self.offset)
        if mode == "kod":
            stratum, xmit = 0, ntp_timestamp(time.time() + self.offset)
        elif mode == "floor":
            xmit = ntp_timestamp(BEFORE_FLOOR)
        elif mode == "zero":
            xmit = b"\0" * 8
        elif mode == "origin":
            origin = bytes(b ^ 0x5A for b in origin)
        li_vn_mode = (0 << 6) | (4 << 3) | 4  # no warning, version 4, server
        ref_id = b"RATE" if mode == "kod" else b"WARD"
        return (struct.pack("!BBbb", li_vn_mode, stratum, 6, -20) + struct.pack("!II", 0, 0) + ref_id
                + xmit + origin + xmit + xmit)

    def _serve(self):
        while not self.stop:
            try:
                request, peer = self.sock.recvfrom(512)
            except (socket.timeout, OSError):
                continue
            if len(request) != 48 or request[0] & 7 != 3:  # client mode only
                continue
            mode = self.modes[len(self.answered) % len(self.modes)]
            self.answered.append(mode)
            self.times.append(round(time.monotonic() - self.started, 1))
            self.sock.sendto(self._answer(request, mode), peer)

    def close(self):
        self.stop = True
        self.thread.join(timeout=5)
        self.sock.close()


def boot(args, d, modes, wait_s):
    responder = Responder(modes)
    server = Server(d, f"{d}/leaf.pem", f"{d}/leaf.key", ["-tls1_3"], b"")
    try:
        time.sleep(0.5)  # s_server listens within a fraction of a second
        cmd = [sys.executable, args.runner, "--no-test", "--timeout", str(wait_s + 40),
               "--expect-output", "sntp: done", "--qemu-arg=-nic", "--qemu-arg=user,model=lan9118",
               f"--arg=--server={server.port}", f"--arg=--wait={wait_s}"]
        if args.secure_image:
            cmd += ["--secure-image", args.secure_image]
        fw = Firmware(cmd + [args.image])
        try:
            line = fw.wait_for("sntp: accepted", wait_s + 30)
            now = time.time()
            status = fw.proc.wait(timeout=40)
        finally:
            fw.kill()
    finally:
        server.stop()
        responder.close()
    out = fw.output()
    print(out)
    if status != 0:
        raise AssertionError(f"the runner failed (status {status})")
    m = re.search(r"sntp: accepted (\d+) refused_zero (\d+) refused_floor (\d+) last (\d+) floor (\d+) "
                  r"tls_time (\d+)", line)
    t = re.search(r"sntp: tls (\S+) flags (\d+)", out)
    if m is None or t is None:
        raise AssertionError("no results lines")
    accepted, zero, floor_refused, last, floor, tls_time = map(int, m.groups())
    return dict(accepted=accepted, zero=zero, floor_refused=floor_refused, last=last, floor=floor,
                tls_time=tls_time, tls=t.group(1), now=now, answered=responder.answered, times=responder.times)


def run(args):
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True, timeout=10)
    with tempfile.TemporaryDirectory(prefix="ward-sntp-") as d:
        make_key_and_csr(d, "leaf")
        sign(d, "leaf", f"{args.ca_dir}/ca.pem", f"{args.ca_dir}/ca.key")

        r = boot(args, d, ["good"], 10)
        expected = r["now"] + OFFSET
        if r["accepted"] < 1 or r["zero"] or r["floor_refused"]:
            raise AssertionError(f"served: the device did not take the served time: {r}")
        if abs(r["tls_time"] - expected) > SLACK:
            raise AssertionError(f"served: TLS calendar {r['tls_time']}, expected {int(expected)} +- {SLACK}")
        if r["tls"] != "ok":
            raise AssertionError(f"served: TLS failed with {r['tls']} after SNTP")
        print(f"sntp_test: served: TLS calendar {r['tls_time']} = served {int(expected)} "
              f"({r['tls_time'] - int(expected):+d} s), floor {r['floor']}, chain verified")

        r = boot(args, d, ["zero", "floor", "origin", "kod"], 16)
        if r["accepted"] or r["tls_time"] or r["last"]:
            raise AssertionError(f"refused: the device took a time: {r}")
        if r["tls"] != "no_time":
            raise AssertionError(f"refused: TLS answered {r['tls']}, not no_time")
        if set(r["answered"]) != {"kod", "floor", "zero", "origin"}:
            raise AssertionError(f"refused: the device did not ask often enough: answered {r['answered']}")
        if r["zero"] < 1 or r["floor_refused"] < 1:
            raise AssertionError(f"refused: the zero and early times were not refused by Ward's check: {r}")
        if r["floor"] <= BEFORE_FLOOR:
            raise AssertionError(f"refused: the floor {r['floor']} is not after {BEFORE_FLOOR}")
        print(f"sntp_test: refused: answered {r['answered']} at {r['times']} s; refused zero {r['zero']}, "
              f"before the floor {r['floor_refused']}; TLS no_time")
    print("sntp_test: PASS")
    return 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runner", required=True)
    p.add_argument("--secure-image")
    p.add_argument("--ca-dir", required=True)
    p.add_argument("image")
    args = p.parse_args()
    if os.environ.get(INNER) != "1":
        unshare = shutil.which("unshare")
        if unshare is None:
            raise AssertionError("needs unshare(1) for a private network namespace")
        env = dict(os.environ, **{INNER: "1"})
        return subprocess.run([unshare, "--net", "--", sys.executable] + sys.argv, env=env, timeout=85).returncode
    return run(args)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except AssertionError as e:
        print(f"sntp_test: FAIL: {e}")
        sys.exit(1)
