#!/usr/bin/env python3
"""net_sendto, net_recvfrom, net_poll and net_resolve from user threads on QEMU
(tests/net/sockets_dgram/main.cpp), against this host.

The test runs in a private network and mount namespace (it re-runs itself under `unshare` when it
is not in one): its loopback interface is its own, so nothing here reaches a real network, its
ports collide with no other test's, and /etc/resolv.conf can name its own DNS server. slirp
forwards the device's DNS queries (to 10.0.2.3) to the host's resolver, which is then this test's
server on 127.0.0.1:53: it answers NAME with 10.0.2.77 and every other name with NXDOMAIN.

Also started: a UDP echo peer on 127.0.0.1 (10.0.2.2 from the device), and a TCP greeter on the
same port number. Then it requires:
  - every attack on the four calls refused (the firmware checks each refusal's report);
  - three datagrams (1, 200, 1024 bytes) echoed exact through sendto/recvfrom, from the peer;
  - a poll with nothing ready that took its timeout (300 ms), not less, and not far more; a poll
    that woke when the peer's datagram (held back 200 ms here) came in, on that socket alone; on a
    TCP connection to this test: writable once connected, woken by the greeting sent 100 ms later;
  - NAME resolved to 10.0.2.77 through slirp's DNS and this server, which saw the queries;
  - a clean exit. Every wait is bounded.
Usage: net_sockets_dgram_test.py --runner WARD_QEMU_RUN [--secure-image ELF] IMAGE
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

ATTACKS = 17
NAME = "device-peer.ward.test"
ANSWER = "10.0.2.77"
INNER = "WARD_DGRAM_TEST_NETNS"
POLL_DELAY = 0.2


class UdpEcho:
    """Echoes every datagram back to its sender; counts them. The one that starts with b"poll"
    comes back after POLL_DELAY s, so the device's poll is waiting when it arrives."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.5)
        self.port = self.sock.getsockname()[1]
        self.echoed = 0
        self.stop = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while not self.stop:
            try:
                data, peer = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            if data.startswith(b"poll"):
                threading.Timer(POLL_DELAY, self._send, (data, peer)).start()
            else:
                self._send(data, peer)

    def _send(self, data, peer):
        try:
            self.sock.sendto(data, peer)
            self.echoed += 1
        except OSError:
            pass

    def close(self):
        self.stop = True
        self.sock.close()


class TcpGreeter:
    """On `port` (TCP, the UDP peer's number): accepts one connection, sends b"hello" 100 ms
    later, and waits for the device to close it."""

    def __init__(self, port):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(1)
        self.sock.settimeout(100)
        self.greeted = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        try:
            conn, _ = self.sock.accept()
            with conn:
                conn.settimeout(30)
                time.sleep(0.1)
                conn.sendall(b"hello")
                self.greeted = True
                conn.recv(16)
        except OSError:
            pass

    def close(self):
        self.sock.close()


def dns_answer(query, name, address):
    """The reply to one DNS query: `name` IN A -> address; `name` other types: no data;
    any other name: NXDOMAIN. None for what is not a one-question query."""
    if len(query) < 12:
        return None
    ident, flags, qdcount = struct.unpack(">HHH", query[:6])
    if flags & 0x8000 or qdcount != 1:
        return None
    labels, i = [], 12
    while i < len(query) and query[i] != 0:
        n = query[i]
        labels.append(query[i + 1:i + 1 + n].decode("ascii", "replace"))
        i += 1 + n
    if i + 5 > len(query):
        return None
    qtype, qclass = struct.unpack(">HH", query[i + 1:i + 5])
    question = query[12:i + 5]
    asked = ".".join(labels).lower()
    if asked != name:
        return struct.pack(">HHHHHH", ident, 0x8183, 1, 0, 0, 0) + question  # NXDOMAIN
    if qtype != 1 or qclass != 1:
        return struct.pack(">HHHHHH", ident, 0x8180, 1, 0, 0, 0) + question  # no data
    answer = struct.pack(">HHHIH", 0xC00C, 1, 1, 60, 4) + socket.inet_aton(address)
    return struct.pack(">HHHHHH", ident, 0x8180, 1, 1, 0, 0) + question + answer


class DnsServer:
    """The host's resolver inside the namespace: 127.0.0.1:53 (UDP)."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 53))
        self.sock.settimeout(0.5)
        self.asked = []
        self.stop = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while not self.stop:
            try:
                query, peer = self.sock.recvfrom(1500)
            except socket.timeout:
                continue
            except OSError:
                return
            reply = dns_answer(query, NAME, ANSWER)
            if reply is not None:
                self.asked.append(query)
                self.sock.sendto(reply, peer)

    def close(self):
        self.stop = True
        self.sock.close()


def enter_namespace():
    """Re-runs this script in a new network and mount namespace; returns its exit status."""
    unshare = shutil.which("unshare")
    if unshare is None:
        raise AssertionError("needs unshare(1) for a private network namespace")
    env = dict(os.environ, **{INNER: "1"})
    return subprocess.run([unshare, "--net", "--mount", "--", sys.executable] + sys.argv,
                          env=env, timeout=140).returncode


def set_up_namespace(tmp):
    """Inside the namespace: loopback up, /etc/resolv.conf naming 127.0.0.1 (a bind mount
    private to this namespace)."""
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True, timeout=10)
    resolv = os.path.join(tmp, "resolv.conf")
    with open(resolv, "w") as f:
        f.write("nameserver 127.0.0.1\n")
    subprocess.run(["mount", "--make-rprivate", "/"], check=True, timeout=10)
    subprocess.run(["mount", "--bind", resolv, "/etc/resolv.conf"], check=True, timeout=10)


def run(args):
    with tempfile.TemporaryDirectory() as tmp:
        set_up_namespace(tmp)
        dns = DnsServer()
        peer = UdpEcho()
        greeter = TcpGreeter(peer.port)
        cmd = [sys.executable, args.runner, "--no-test", "--timeout", "120",
               "--expect-output", "net_dgram: done", "--qemu-arg=-nic", "--qemu-arg=user,model=lan9118",
               f"--arg=--peer={peer.port}", f"--arg=--name={NAME}"]
        if args.secure_image:
            cmd += ["--secure-image", args.secure_image]
        fw = Firmware(cmd + [args.image])
        try:
            line = fw.wait_for("net_dgram: attacks refused", 60)
            if line.split()[3:6] != [str(ATTACKS), "of", str(ATTACKS)]:
                raise AssertionError(f"not every attack was refused: {line}")
            status = fw.proc.wait(timeout=100)
        finally:
            fw.kill()
            peer.close()
            greeter.close()
            dns.close()
        out = fw.output()
    if status != 0:
        raise AssertionError(f"the runner failed (status {status})")
    m = re.search(r"udp echo (\d+) datagrams exact; poll idle (\d+) us, ready (\d+) us; "
                  r"resolved (\S+); failed step (\d+)", out)
    if m is None:
        raise AssertionError("no results line")
    datagrams, idle, ready, resolved, step = m.groups()
    if step != "0" or datagrams != "3":
        raise AssertionError(f"the worker failed at step {step} ({datagrams} datagrams)")
    if not 300_000 <= int(idle) < 1_000_000:
        raise AssertionError(f"the idle poll took {idle} us, not its 300 ms timeout")
    # The device's clock is QEMU's, not this host's: the poll waited (more than a few of its 2 ms
    # rounds), and woke long before its 10 s timeout.
    if not 20_000 <= int(ready) < 5_000_000:
        raise AssertionError(f"the poll for the delayed datagram took {ready} us")
    if resolved != ANSWER:
        raise AssertionError(f"{NAME} resolved to {resolved}, not {ANSWER}")
    if peer.echoed != 4:
        raise AssertionError(f"the peer echoed {peer.echoed} datagrams, not 4")
    if not greeter.greeted:
        raise AssertionError("the device never connected to the TCP greeter")
    if not dns.asked:
        raise AssertionError("no DNS query reached the test's server")
    print(f"net_sockets_dgram_test: poll idle {idle} us, ready {ready} us; "
          f"{len(dns.asked)} DNS queries answered")
    print("net_sockets_dgram_test: PASS")
    return 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runner", required=True)
    p.add_argument("--secure-image")
    p.add_argument("image")
    args = p.parse_args()
    if os.environ.get(INNER) != "1":
        return enter_namespace()
    return run(args)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except AssertionError as e:
        print(f"net_sockets_dgram_test: FAIL: {e}")
        sys.exit(1)
