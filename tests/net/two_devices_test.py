#!/usr/bin/env python3
"""Two Ward devices talking to each other on one host, without root (tests/net/two_devices/main.cpp).

Two QEMU instances of one image, each through ward-qemu-run, joined by `-netdev dgram` over UDP on
127.0.0.1 (each instance sends its Ethernet frames to the other's port: a two-node link, no switch,
no tap), with distinct MAC addresses and static IPv4 addresses (10.0.9.1 for A, 10.0.9.2 for B):

  run 1  B echoes; A sends 9 datagrams (1..1472 bytes) and a 128 KiB TCP stream to B and checks
         every byte that comes back; then "quit". Both must exit 0, and their counts must agree:
         B echoed exactly what A sent, from A's address.
  run 2  the same, B flipping one byte of the stream (--corrupt-tcp): A must report that byte and
         fail (the check can fail).

B starts first; A when B says it is ready. Every QEMU run has the runner's timeout, every wait here
is bounded. Usage: two_devices_test.py --runner WARD_QEMU_RUN [--secure-image ELF] IMAGE
"""
import argparse
import os
import re
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from net_echo_test import Firmware  # noqa: E402

MAC_A, MAC_B = "52:54:00:00:09:01", "52:54:00:00:09:02"
UDP_SIZES = [1, 2, 3, 46, 64, 512, 1000, 1400, 1472]
TCP_BYTES = 128 * 1024
CORRUPT_AT = 50_000  # the stream offset B flips in run 2
QEMU_TIMEOUT = 40


def free_udp_ports(n):
    """n distinct free UDP ports on 127.0.0.1 (held open together, so they differ)."""
    socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def device(args, role, mac, local, remote, extra=()):
    netdev = (f"dgram,id=n0,local.type=inet,local.host=127.0.0.1,local.port={local},"
              f"remote.type=inet,remote.host=127.0.0.1,remote.port={remote}")
    cmd = [sys.executable, args.runner, "--no-test", "--timeout", str(QEMU_TIMEOUT),
           "--qemu-arg=-netdev", f"--qemu-arg={netdev}",
           "--qemu-arg=-net", f"--qemu-arg=nic,netdev=n0,model=lan9118,macaddr={mac}",
           f"--arg=--role={role}"] + [f"--arg={a}" for a in extra]
    if args.secure_image:
        cmd += ["--secure-image", args.secure_image]
    return Firmware(cmd + [args.image])


def run(args, corrupt):
    port_a, port_b = free_udp_ports(2)
    b = device(args, "b", MAC_B, port_b, port_a, [f"--corrupt-tcp={CORRUPT_AT + 1}"] if corrupt else [])
    a = None
    try:
        b.wait_for("two_devices: b: ready", 30)
        a = device(args, "a", MAC_A, port_a, port_b)
        a.wait_for("two_devices: a: done", QEMU_TIMEOUT + 5)
        status_a = a.proc.wait(timeout=20)
        b.wait_for("two_devices: b: done", 20)
        status_b = b.proc.wait(timeout=20)
    finally:
        b.kill()
        if a is not None:
            a.kill()
    return status_a, a.output(), status_b, b.output()


def need(out, pattern, what):
    m = re.search(pattern, out)
    if not m:
        raise AssertionError(f"{what}: no line matching {pattern!r}")
    return m


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runner", required=True)
    p.add_argument("--secure-image")
    p.add_argument("image")
    args = p.parse_args()
    started = time.monotonic()

    # Run 1: everything comes back.
    status_a, out_a, status_b, out_b = run(args, corrupt=False)
    if status_a != 0 or status_b != 0:
        raise AssertionError(f"run 1: runner status A {status_a}, B {status_b}")
    need(out_a, rf"two_devices: a: MAC {MAC_A} address 10\.0\.9\.1\b", "A's MAC and address")
    need(out_b, rf"two_devices: b: MAC {MAC_B} address 10\.0\.9\.2\b", "B's MAC and address")
    need(out_b, r"two_devices: b: first datagram from 10\.0\.9\.1\n", "B's first datagram's sender")
    need(out_a, rf"two_devices: a: udp {len(UDP_SIZES)} of {len(UDP_SIZES)} datagrams \({sum(UDP_SIZES)} bytes\) "
                r"echoed exact", "A's UDP")
    need(out_a, rf"two_devices: a: tcp {TCP_BYTES} of {TCP_BYTES} bytes echoed exact", "A's TCP")
    need(out_a, r"two_devices: a: done, every byte came back", "A's verdict")
    m = need(out_b, r"udp echoed (\d+) datagrams (\d+) bytes, tcp connections (\d+) closed (\d+) bytes (\d+)",
             "B's counts")
    udp_n, udp_bytes, conns, closed, tcp_bytes = map(int, m.groups())
    # A datagram lost on the way back is sent again: B may have echoed a few more, never fewer.
    if not (len(UDP_SIZES) <= udp_n <= len(UDP_SIZES) * 5) or udp_bytes < sum(UDP_SIZES):
        raise AssertionError(f"B echoed {udp_n} datagrams, {udp_bytes} bytes")
    if (conns, closed, tcp_bytes) != (1, 1, TCP_BYTES):
        raise AssertionError(f"B's TCP: {conns} connections, {closed} closed, {tcp_bytes} bytes")
    first = time.monotonic() - started
    print(f"two_devices_test: run 1: UDP {len(UDP_SIZES)} datagrams and TCP {TCP_BYTES} bytes exact "
          f"({first:.1f} s)")

    # Run 2: B flips one byte; A must see exactly that one.
    status_a, out_a, status_b, out_b = run(args, corrupt=True)
    need(out_a, rf"two_devices: a: tcp byte {CORRUPT_AT} came back different", "A's check of the flipped byte")
    need(out_a, r"two_devices: a: done, SOMETHING FAILED", "A's verdict on the flipped byte")
    if status_a == 0:
        raise AssertionError("run 2: A's run passed although B flipped a byte")
    if status_b != 0:
        raise AssertionError(f"run 2: B's runner status {status_b}")
    print(f"two_devices_test: run 2: the flipped byte {CORRUPT_AT} was caught ({time.monotonic() - started - first:.1f} s)")
    print(f"two_devices_test: PASS ({time.monotonic() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except AssertionError as e:
        print(f"two_devices_test: FAIL: {e}")
        sys.exit(1)
