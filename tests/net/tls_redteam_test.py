#!/usr/bin/env python3
"""Red team on TLS sockets from user threads (tests/net/tls_redteam/main.cpp) on QEMU.

The peers, all on 127.0.0.1 (10.0.2.2 from the device through slirp), started here:

  stall      TCP: accepts every connection and never sends a byte (held open until the end);
  trickle    TCP: accepts, then sends a TLS handshake record header and its body one byte every
             400 ms (each byte well within the device's 1 s timeout), for at most 40 s;
  oversize   TCP: accepts, sends a record header claiming 65,535 bytes and 1,000 bytes of junk;
  quiet1/2   openssl s_server (the build's test CA's chain for ward-tls.test): completes the
             handshake, then sends nothing;
  good/2/3   openssl s_server sending a 3,000-byte pattern the device checks byte for byte;
  quiet3     as quiet1, the session the heap case keeps open.

The device prints one line per case ("held" or "BROKE"); every case must hold, starve (a stalled
peer must not hold another thread's TLS: a worker per TLS socket slot), heap (a second handshake
while a session is open is not refused for want of TLS heap: a heap per slot) and concurrent (that
second session is served: the non-secure kernel's share in the secure world holds two handshakes)
included -- all three were expected failures once.
Loopback only; every wait, socket and process is bounded.
Usage: tls_redteam_test.py --runner WARD_QEMU_RUN [--secure-image ELF] --ca-dir DIR IMAGE
"""
import argparse
import os
import socket
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from net_echo_test import Firmware  # noqa: E402
from tls_test import Server, make_key_and_csr, sign  # noqa: E402

CASES = ["abort_handshake", "close_recv", "abort_recv", "trickle", "oversize", "foreign", "pool", "reuse", "starve",
         "heap"]
FETCH = bytes(ord("a") + (i * 7 + i // 26) % 26 for i in range(3000))  # main.cpp's fetch_byte()


class RawPeer:
    """A TCP listener on 127.0.0.1 whose connections `behaviour(conn, stop)` serves, each on a thread."""

    def __init__(self, behaviour):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.5)
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.behaviour = behaviour
        self.conns = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        try:
            self.behaviour(conn, self.stop)
        except OSError:
            pass

    def close(self):
        self.stop.set()
        self.sock.close()
        self.thread.join(timeout=5)
        for c in self.conns:
            try:
                c.close()
            except OSError:
                pass


def stall(conn, stop):
    stop.wait(300)


def trickle(conn, stop):
    # A handshake record (22), TLS 1.2, 200 bytes: a ServerHello that never completes.
    data = bytes([22, 3, 3, 0, 200, 2, 0, 0, 196]) + bytes(range(191))
    for b in data[:100]:  # at most 40 s
        if stop.wait(0.4):
            return
        conn.sendall(bytes([b]))
    stop.wait(60)


def oversize(conn, stop):
    conn.sendall(bytes([22, 3, 3, 0xFF, 0xFF]) + b"\x41" * 1000)
    stop.wait(60)


def run_device(args, name, raw, make_servers, settle, timeout):
    """The image against its peers on 127.0.0.1: the servers make_servers() starts and the raw peers,
    each given to the device as --NAME=PORT, until it prints "NAME: done" (at most `timeout` s). Every
    peer and the runner are stopped whatever happens. Returns (the device's output, the runner's status)."""
    servers = {}
    fw = None
    status = None
    try:
        servers = make_servers()
        time.sleep(settle)
        cmd = [sys.executable, args.runner, "--no-test", "--timeout", str(timeout), "--qemu-arg=-nic",
               "--qemu-arg=user,model=lan9118", f"--arg=--time={int(time.time())}"]
        cmd += [f"--arg=--{peer_name}={peer.port}" for peer_name, peer in {**raw, **servers}.items()]
        if args.secure_image:
            cmd += ["--secure-image", args.secure_image]
        fw = Firmware(cmd + [args.image])
        fw.wait_for(f"{name}: done", timeout)
        status = fw.proc.wait(timeout=30)
    finally:
        if fw is not None:
            fw.kill()
        for s in servers.values():
            s.stop()
        for r in raw.values():
            r.close()
    return fw.output(), status


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runner", required=True)
    p.add_argument("--secure-image")
    p.add_argument("--ca-dir", required=True)
    p.add_argument("image")
    args = p.parse_args()
    ca_pem, ca_key = f"{args.ca_dir}/ca.pem", f"{args.ca_dir}/ca.key"
    with tempfile.TemporaryDirectory(prefix="ward-tls-redteam-") as d:
        make_key_and_csr(d, "good")
        sign(d, "good", ca_pem, ca_key)
        good = (f"{d}/good.pem", f"{d}/good.key")
        raw = {"stall": RawPeer(stall), "trickle": RawPeer(trickle), "oversize": RawPeer(oversize)}
        out, status = run_device(args, "tls_redteam", raw, lambda: {
            "quiet1": Server(d, *good, []),
            "quiet2": Server(d, *good, []),
            "good": Server(d, *good, [], FETCH),
            "good2": Server(d, *good, [], FETCH),
            "quiet3": Server(d, *good, []),
            "good3": Server(d, *good, [], FETCH),
        }, settle=1.5, timeout=220)
        broke = [c for c in CASES if f"tls_redteam: {c}: held" not in out]
        if broke:
            raise AssertionError(f"cases that broke: {', '.join(broke)}")
        for case in ("starve", "heap"):
            if f"tls_redteam: concurrent ({case}): served" not in out:
                raise AssertionError(f"concurrent ({case}): the second session was not served")
        if status != 0:
            raise AssertionError(f"the runner failed (status {status})")
    print("tls_redteam_test: PASS")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except AssertionError as e:
        print(f"tls_redteam_test: FAIL: {e}")
        sys.exit(1)
