#!/usr/bin/env python3
"""Sockets from user threads on QEMU (tests/net/sockets/main.cpp), against this host.

Starts a TCP echo server on 127.0.0.1 (the device reaches it as 10.0.2.2 through slirp), boots the
firmware with a hostfwd to its port 7 and the server's port as --peer=, then requires:
  - every attack on the socket calls refused (the firmware checks each refusal's report);
  - the user thread's TCP echo, byte for byte, on two connections from here;
  - the user thread's client data echoed back exact by the server here;
  - a clean exit. Loopback only; every wait is bounded.
Usage: net_sockets_test.py --runner WARD_QEMU_RUN [--secure-image ELF] IMAGE
"""
import argparse
import os
import socket
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from net_echo_test import Firmware, free_port, tcp_echo  # noqa: E402

ATTACKS = 10


class EchoServer:
    """One connection at a time, each echoed until the peer closes; bounded by timeouts."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(2)
        self.sock.settimeout(120)
        self.port = self.sock.getsockname()[1]
        self.echoed = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        try:
            conn, _ = self.sock.accept()
        except OSError:
            return
        with conn:
            conn.settimeout(30)
            try:
                while True:
                    data = conn.recv(65536)
                    if not data:
                        break
                    conn.sendall(data)
                    self.echoed += len(data)
            except OSError:
                pass

    def close(self):
        self.sock.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runner", required=True)
    p.add_argument("--secure-image")
    p.add_argument("image")
    args = p.parse_args()

    server = EchoServer()
    tcp_port = free_port(socket.SOCK_STREAM)
    nic = f"user,model=lan9118,hostfwd=tcp:127.0.0.1:{tcp_port}-:7"
    cmd = [sys.executable, args.runner, "--no-test", "--timeout", "130",
           "--expect-output", "net_sockets: done", "--qemu-arg=-nic", f"--qemu-arg={nic}",
           f"--arg=--peer={server.port}"]
    if args.secure_image:
        cmd += ["--secure-image", args.secure_image]
    fw = Firmware(cmd + [args.image])
    try:
        line = fw.wait_for("net_sockets: attacks refused", 60)
        if line.split()[3:6] != [str(ATTACKS), "of", str(ATTACKS)]:
            raise AssertionError(f"not every attack was refused: {line}")
        fw.wait_for("net_sockets: ready", 30)
        tcp_echo(tcp_port, 100 * 1024)
        tcp_echo(tcp_port, 3000)
        status = fw.proc.wait(timeout=90)
    finally:
        fw.kill()
        server.close()
    out = fw.output()
    if status != 0:
        raise AssertionError(f"the runner failed (status {status})")
    expected = f"served 2 connections, {100 * 1024 + 3000} bytes; client echo 65536 bytes exact"
    if expected not in out:
        raise AssertionError("the user thread's counts do not match what was sent")
    if server.echoed != 65536:
        raise AssertionError(f"the host's server echoed {server.echoed} bytes, not 65536")
    print("net_sockets_test: PASS")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except AssertionError as e:
        print(f"net_sockets_test: FAIL: {e}")
        sys.exit(1)
