#!/usr/bin/python3
"""`./ward bench-net`: what networking costs the device. Prints figures; not a test (nothing is
asserted beyond the runs working).

The net_bench image is tests/net/tls_mutual/main.cpp with WARD_NET_BENCH: boot 1 provisions the
device's identity exactly as qemu.net.tls_mutual does (its key made in the secure world, a CSR
signed here by a device CA), boot 2 runs under -icount shift=0,align=off,sleep=off (one instruction
= 1 ns of virtual time; bench/METHOD.md) with a spinner at the lowest priority
(samples/common/idle_spinner.hpp), so that

  instructions = (ticks - spins * idle ticks per spin) * instructions per tick

counts only what the rest of the device did in a span (the measuring thread, lwIP's thread, the
receive thread, the secure world's crypto, the kernel), not its idle waits for this host:

  handshake13   TLS 1.3 to `openssl s_server -Verify 1` (client authentication required): ECDHE
                P-256, the server's ECDSA P-256 certificate verified against the image's anchor, the
                device's certificate and CertificateVerify signed with its opaque key. The span is
                client.connect: mbedtls_ssl_handshake plus the TCP connect before it (one round
                trip). Measured twice (a second server): the first and a later connection.
  heap          Mbed TLS's heap high-water (lib/tls/src/platform.cpp heap_peak, the highest byte
                written since init) and the Client's contexts (sizeof ward::tls::Client).
  tcp_tx        256 KiB device -> this host over plain TCP (netconn, 1460-byte writes), connect to close.
  tcp_rx        256 KiB this host -> device, connect until the host's close is seen.
  ROM / RAM     samples/tls_client.elf (arm-none-eabi-size: text+data, data+bss).

  net_bench.py --runner WARD_QEMU_RUN [--secure-image ELF] --ca-dir DIR --provision TOOL --tls-client ELF IMAGE
"""
import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from net_echo_test import Firmware  # noqa: E402
from tls_mutual_test import TO_DEVICE, ProvisioningHost, boot  # noqa: E402
from tls_test import Server, make_key_and_csr, sign  # noqa: E402

BENCH_BYTES = 256 * 1024
CALIBRATION = re.compile(r"bench: calibration (\d+) instructions = (\d+) ticks; idle (\d+) spins in (\d+) ticks")
SPAN = re.compile(r"bench: (\w+) (\d+) bytes in (\d+) ticks, (\d+) spins")


class TcpPeer:
    """One TCP connection from the device: either takes everything it sends (sink) or sends it
    BENCH_BYTES and closes (source)."""

    def __init__(self, source):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.sock.settimeout(600)
        self.port = self.sock.getsockname()[1]
        self.source, self.moved, self.error = source, 0, None
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        try:
            conn, _ = self.sock.accept()
            with conn:
                conn.settimeout(600)
                if self.source:
                    data = bytes((i * 31 + 7) & 0xFF for i in range(BENCH_BYTES))
                    conn.sendall(data)
                    self.moved = len(data)
                else:
                    while True:
                        piece = conn.recv(65536)
                        if not piece:
                            break
                        self.moved += len(piece)
        except Exception as e:  # noqa: BLE001 - reported by the caller
            self.error = e
        finally:
            self.sock.close()


def instructions(cal, ticks, spins):
    cal_insns, cal_ticks, idle_spins, idle_ticks = cal
    return (ticks - spins * idle_ticks / idle_spins) * cal_insns / cal_ticks


def size_of(elf):
    out = subprocess.run(["arm-none-eabi-size", "-A", elf], check=True, capture_output=True, text=True).stdout
    sections = {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\.\S+)\s+(\d+)\s+\d+", out, re.M)}
    text = subprocess.run(["arm-none-eabi-size", elf], check=True, capture_output=True, text=True).stdout
    t, d, b = map(int, text.splitlines()[1].split()[:3])
    return t, d, b, sections


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runner", required=True)
    p.add_argument("--secure-image")
    p.add_argument("--ca-dir", required=True)
    p.add_argument("--provision", required=True)
    p.add_argument("--tls-client", required=True)
    p.add_argument("image")
    args = p.parse_args()
    args.stack_report = None

    with tempfile.TemporaryDirectory(prefix="ward-bench-net-") as d:
        flash = os.path.join(d, "flash")
        os.makedirs(flash)
        device_ca = f"{d}/device-ca"
        subprocess.run([sys.executable, args.provision, "ca", "--out", device_ca, "--subject", "/CN=Ward device CA"],
                       check=True, timeout=60)
        make_key_and_csr(d, "server")
        sign(d, "server", f"{args.ca_dir}/ca.pem", f"{args.ca_dir}/ca.key")
        host = ProvisioningHost(d, args.provision, device_ca)
        boot(args, flash, ["--phase=1", f"--prov={host.port}"], "provisioning")
        host.check()
        print("bench-net: device provisioned (boot 1)")

        verify = ["-tls1_3", "-Verify", "1", "-verify_return_error", "-CAfile", f"{device_ca}/ca.pem"]
        servers = [Server(d, f"{d}/server.pem", f"{d}/server.key", verify, TO_DEVICE) for _ in range(2)]
        sink, source = TcpPeer(source=False), TcpPeer(source=True)
        time.sleep(1.0)
        cmd = [sys.executable, args.runner, "--no-test", "--timeout", "600", "--workdir", flash, "--icount", "0",
               "--qemu-arg=-nic", "--qemu-arg=user,model=lan9118", f"--arg=--time={int(time.time())}",
               "--arg=--phase=2", f"--arg=--mutual13={servers[0].port}", f"--arg=--again13={servers[1].port}",
               f"--arg=--tcpsink={sink.port}", f"--arg=--tcpsource={source.port}"]
        if args.secure_image:
            cmd += ["--secure-image", args.secure_image]
        started = time.monotonic()
        fw = Firmware(cmd + [args.image])
        try:
            fw.wait_for("phase done", 600)
            status = fw.proc.wait(timeout=30)
        finally:
            fw.kill()
            for s in servers:
                s.stop()
        took = time.monotonic() - started
        out = fw.output()
        if status != 0 or "every case held" not in out:
            print(out[-3000:])
            raise SystemExit(f"bench-net: boot 2 failed (runner status {status})")

    m = CALIBRATION.search(out)
    cal = tuple(map(int, m.groups()))
    spans = {name: (int(b), int(t), int(s)) for name, b, t, s in SPAN.findall(out)}
    print(f"bench-net: boot 2 under -icount shift=0 took {took:.1f} s; calibration: {cal[0]} instructions = "
          f"{cal[1]} ticks, idle {cal[2]} spins in {cal[3]} ticks")
    for name in ("handshake13", "handshake13_again"):
        _, t, s = spans[name]
        insns = instructions(cal, t, s)
        print(f"bench-net: {name:18} {insns / 1e6:6.2f} M instructions (target <= 30 M; "
              f"{t * cal[0] / cal[1] / 1e6:.1f} M of virtual time, idle excluded)")
    for line in re.findall(r"bench: handshake13 suite .*", out):
        print(f"bench-net: {line[len('bench: '):]}")
    heap = re.search(r"handshake13 suite \S+, heap high-water (\d+) of (\d+) bytes, client contexts (\d+) bytes", out)
    if heap:
        peak, size, contexts = map(int, heap.groups())
        print(f"bench-net: RAM per TLS connection (16 KiB input records): heap high-water {peak} B + contexts "
              f"{contexts} B = {peak + contexts} B ({(peak + contexts) / 1024:.1f} KiB; target <= 32 KiB)")
    for name, way in (("tcp_tx", "device -> host"), ("tcp_rx", "host -> device")):
        b, t, s = spans[name]
        insns = instructions(cal, t, s)
        print(f"bench-net: TCP {way}: {b} bytes, {insns / 1e6:.2f} M instructions, {insns / b:.1f} instructions/byte")
    if sink.moved != BENCH_BYTES or source.moved != BENCH_BYTES or sink.error or source.error:
        print(f"bench-net: WARNING: the host moved {sink.moved} / {source.moved} bytes ({sink.error}, {source.error})")

    t, dt, b, sections = size_of(args.tls_client)
    print(f"bench-net: samples/tls_client (non-secure image): ROM {t + dt} B (text {t}, data {dt}), "
          f"RAM {dt + b} B (data {dt}, bss {b})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
