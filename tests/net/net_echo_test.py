#!/usr/bin/env python3
"""The network sample (samples/net_echo) on QEMU with user-mode networking, against this host.

Boots the sample through ward-qemu-run with the LAN9118 on slirp and two port forwards
(127.0.0.1:<free port> -> guest port 7, UDP and TCP), then checks, byte for byte:
  - the DHCP lease (10.0.2.15 from slirp, gateway 10.0.2.2, DNS 10.0.2.3) and that a DNS query
    through slirp's resolver came back (answered or refused, never hung);
  - UDP echo of datagrams from 1 byte to the largest unfragmented one;
  - TCP echo of a few hundred KB of random data, sent and read concurrently, and a second
    connection after the first closed;
then sends "quit" and requires the firmware to exit cleanly with frame intake's counters printed.
Everything stays on the loopback interface; every wait is bounded.
Usage: net_echo_test.py --runner WARD_QEMU_RUN [--secure-image ELF] [--stack-report TXT] IMAGE
(--stack-report: net_echo_marks, samples/CMakeLists.txt: every stack's printed high-water mark, the
secure image's too, must be within the build's bounds, tests/stackbound/highwater.py.)
"""
import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "stackbound"))
import highwater  # noqa: E402

READY = "net_echo: ready"
TCP_BYTES = 400 * 1024


def free_port(kind):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Firmware:
    """The runner's output, read on a thread so the test never blocks on it."""

    def __init__(self, cmd):
        # A session of its own: kill() ends the runner and the QEMU it started, never one alone.
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, errors="replace",
                                     start_new_session=True)
        self.lines = []
        self.cond = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            with self.cond:
                self.lines.append(line.rstrip("\n"))
                self.cond.notify_all()
            sys.stdout.write(line)
            sys.stdout.flush()
        with self.cond:
            self.cond.notify_all()

    def wait_for(self, text, timeout):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for line in self.lines:
                    if text in line:
                        return line
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None and not self._pending():
                    raise AssertionError(f"firmware never printed {text!r}")
                self.cond.wait(min(left, 0.5))

    def kill(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        else:  # the runner ended: a QEMU it left behind goes too
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def _pending(self):
        return not self.proc.stdout.closed

    def output(self):
        # Once the runner has ended, everything it wrote: the reader drains the pipe to its end first
        # (a check made as the runner exits must not miss its last lines; bounded).
        if self.proc.poll() is not None:
            self.reader.join(timeout=10)
        with self.cond:
            return "\n".join(self.lines)


def udp_echo(port):
    sizes = [1, 2, 3, 46, 64, 512, 1000, 1400, 1472]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(2.0)
        for size in sizes:
            data = os.urandom(size)
            for attempt in range(5):  # UDP may drop a datagram; never more than 5 tries
                s.sendto(data, ("127.0.0.1", port))
                try:
                    back, _ = s.recvfrom(4096)
                except socket.timeout:
                    continue
                if back != data:
                    raise AssertionError(f"UDP echo of {size} bytes came back different")
                break
            else:
                raise AssertionError(f"no UDP echo of {size} bytes after 5 tries")
    print(f"net_echo_test: UDP echo of {len(sizes)} datagrams ({min(sizes)}..{max(sizes)} bytes) exact")


def tcp_echo(port, total):
    data = os.urandom(total)
    received = bytearray()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        errors = []

        def reader():
            try:
                while len(received) < total:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    received.extend(chunk)
            except OSError as e:  # noqa: PERF203 - the reader reports, the main thread decides
                errors.append(e)

        t = threading.Thread(target=reader, daemon=True)
        start = time.monotonic()
        t.start()
        s.sendall(data)
        t.join(60)
        elapsed = time.monotonic() - start
        if t.is_alive() or errors:
            raise AssertionError(f"TCP echo stalled after {len(received)} of {total} bytes {errors}")
    if bytes(received) != data:
        raise AssertionError(f"TCP echo: {len(received)} bytes back, not the {total} sent")
    print(f"net_echo_test: TCP echo of {total} bytes exact in {elapsed:.2f} s "
          f"({total / elapsed / 1024:.0f} KiB/s each way, QEMU without -icount)")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runner", required=True)
    p.add_argument("--secure-image")
    p.add_argument("--stack-report", type=Path, help="the build's stack-bound report: every mark must be within it")
    p.add_argument("image")
    args = p.parse_args()

    udp_port, tcp_port = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_STREAM)
    nic = (f"user,model=lan9118,hostfwd=udp:127.0.0.1:{udp_port}-:7,"
           f"hostfwd=tcp:127.0.0.1:{tcp_port}-:7")
    cmd = [sys.executable, args.runner, "--no-test", "--timeout", "100",
           "--expect-output", "net_echo: done", f"--qemu-arg=-nic", f"--qemu-arg={nic}"]
    if args.secure_image:
        cmd += ["--secure-image", args.secure_image]
    fw = Firmware(cmd + [args.image])
    try:
        lease = fw.wait_for("net_echo: dhcp ", 60)
        if lease.split()[2:] != ["10.0.2.15", "gw", "10.0.2.2", "dns", "10.0.2.3"]:
            raise AssertionError(f"unexpected lease: {lease}")
        fw.wait_for("net_echo: dns ", 30)
        fw.wait_for(READY, 30)
        udp_echo(udp_port)
        tcp_echo(tcp_port, TCP_BYTES)
        tcp_echo(tcp_port, 4096)  # the server takes a second connection after the first closed
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(b"quit", ("127.0.0.1", udp_port))
        status = fw.proc.wait(timeout=60)
    finally:
        fw.kill()
    out = fw.output()
    if status != 0:
        raise AssertionError(f"the runner failed (status {status})")
    m = re.search(r"tcp connections (\d+), tcp bytes (\d+)", out)
    if not m or int(m.group(1)) != 2 or int(m.group(2)) != TCP_BYTES + 4096:
        raise AssertionError("the firmware's TCP count does not match what was sent")
    m = re.search(r"intake accepted (\d+) dropped (\d+)", out)
    if not m or int(m.group(1)) == 0:
        raise AssertionError("frame intake accepted no frame")
    if args.stack_report:
        secure = Path(args.secure_image) if args.secure_image else None
        # main, idle, the tcpip, receive and TCP echo threads, MSP
        failures = highwater.check_output(out, args.stack_report, 6, secure)
        if failures:
            raise AssertionError("; ".join(failures))
    print("net_echo_test: PASS")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except AssertionError as e:
        print(f"net_echo_test: FAIL: {e}")
        sys.exit(1)
