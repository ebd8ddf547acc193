#!/usr/bin/env python3
"""Ward's DTLS 1.2 client attacked from the network (tests/net/dtls_attack/main.cpp; docs/networking.md
"DTLS 1.2 client"). Every peer is on 127.0.0.1 (10.0.2.2 from the device through slirp):

  hvr_loop   this test's UDP server, which answers every ClientHello with a HelloVerifyRequest with a
             new cookie, forever: the device must give up (handshake) after exactly 4 ClientHellos
             (DtlsClient's kMaxClientHellos; before: no end; with only the handshake's deadline,
             4 x handshake_max_ms, 2,506 ClientHellos in 8 s);
  hvr_slow   the same, but each new ClientHello is answered 3.2 s after it came, after its
             retransmissions: each cookie starts the device's retransmission schedule again, so only
             the handshake's own deadline (4 x handshake_max_ms, 8 s here) ends it: timeout at 8 s,
             at most 3 cookies;
  stall      s_server behind a proxy that forwards only s_server's first two datagrams (the
             HelloVerifyRequest, then the ServerHello flight): the device's own flight is never
             answered; timeout, a bounded number of datagrams;
  spoof      s_server behind a proxy that sends s_server's application records to the device only
             from another source port (the device's netconn is connected: it must read nothing,
             timeout), and junk from that port after every datagram;
  flood      s_server behind a proxy that, before each of s_server's encrypted datagrams, sends a
             copy cut in half and a copy with its last byte changed, and after each datagram 24
             junk datagrams, one of 3,000 bytes, and the previous encrypted datagram again
             (reordered, replayed): the handshake completes and 4,000 bytes come out exact;
  dtls10     s_server -dtls1 (DTLS 1.0), security level 0: refused;
  cbc        s_server -dtls1_2 -cipher ECDHE-ECDSA-AES256-SHA384 (CBC only): refused;
  sha1       a P-256 leaf signed by the test CA with SHA-1: refused, BADCERT_BAD_MD;
  md5        the test CA -> an RSA 2048 intermediate -> a P-256 leaf signed with MD5: MD5 is not
             compiled, Mbed TLS skips the leaf it cannot parse and takes the intermediate as the
             server's certificate: refused, CN_MISMATCH (never BAD_MD);
  p521, brainpool  P-521 / brainpoolP256r1 leaves from the test CA: refused; by s_server, which
             does not use an ECDSA certificate on a curve the client's supported_groups lacks in
             TLS 1.2 (handshake_failure alert), so the device's own check is not reached here;
  rsa1024    the test CA -> an RSA 1024 intermediate -> a P-256 leaf: refused, BAD_KEY;
  cn_vs_san  a leaf with CN=ward-tls.test and SAN DNS:other.test: refused, CN_MISMATCH;
  expired, notyet  the valid chain, the device's clock 60 days later / an hour earlier.

The device prints "attack: <case>: held" or "BROKE" per case; this test also checks what its peers
saw. Loopback only; every wait and every process is bounded.
Usage: dtls_attack_test.py --runner WARD_QEMU_RUN [--secure-image ELF] --ca-dir DIR IMAGE
"""
import argparse
import os
import random
import re
import select
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from net_echo_test import Firmware, free_port  # noqa: E402
from tls_test import make_key_and_csr, openssl, pattern  # noqa: E402

HOST = "ward-tls.test"
SERVER_BYTES = 4000
CHUNK = 1000
CASES = ("hvr_loop", "hvr_slow", "stall", "spoof", "flood", "dtls10", "cbc", "sha1", "md5", "p521", "brainpool", "rsa1024",
         "cn_vs_san", "expired", "notyet")
HVR_SLOW_S = 3.2  # just before the device's third retransmission would end the handshake (3.5 s)
HVR_DEADLINE_S = 8  # DtlsClient's deadline for the whole handshake: 4 x handshake_max_ms (2 s here)
MAX_CLIENT_HELLOS = 4  # DtlsClient's kMaxClientHellos (lib/tls/src/dtls_client.cpp)


def is_client_hello(d):
    return len(d) > 25 and d[0] == 22 and d[3:5] == b"\0\0" and d[13] == 1


def ext(d, name, text):
    path = f"{d}/{name}.ext"
    with open(path, "w") as f:
        f.write(text)
    return path


LEAF = "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
CA = "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n"


def sign(d, name, ca_pem, ca_key, md="sha256", extensions=None):
    extensions = extensions or ext(d, f"{name}-leaf", f"subjectAltName=DNS:{HOST}\n" + LEAF)
    openssl("x509", "-req", "-in", f"{d}/{name}.csr", "-CA", ca_pem, "-CAkey", ca_key, "-CAcreateserial", "-days",
            "30", f"-{md}", "-extfile", extensions, "-out", f"{d}/{name}.pem")


def csr(d, name, key_args, cn=HOST):
    openssl("req", "-new", "-newkey", *key_args, "-nodes", "-keyout", f"{d}/{name}.key", "-subj", f"/CN={cn}", "-out",
            f"{d}/{name}.csr")


def chain(d, name, *pems):
    path = f"{d}/{name}-chain.pem"
    with open(path, "w") as out:
        for p in pems:
            with open(p) as f:
                out.write(f.read())
    return path


class DtlsServer:
    def __init__(self, d, cert, key, extra=(), chain_file=None, version="-dtls1_2"):
        self.port = free_port(socket.SOCK_DGRAM)
        self.out_path = os.path.join(d, f"s-{self.port}.out")
        cmd = ["openssl", "s_server", version, "-listen", "-accept", f"127.0.0.1:{self.port}", "-cert", cert, "-key",
               key, "-naccept", "1", "-mtu", "1200", "-quiet", *extra]
        if chain_file:
            cmd += ["-cert_chain", chain_file]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=open(self.out_path, "wb"),
                                     stderr=subprocess.STDOUT, start_new_session=True)

    def feed(self, payload):
        for i in range(0, len(payload), CHUNK):
            try:
                self.proc.stdin.write(payload[i:i + CHUNK])
                self.proc.stdin.flush()
            except BrokenPipeError:
                return
            time.sleep(0.2)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)


class HvrForever:
    """Answers every ClientHello with a HelloVerifyRequest carrying a new cookie; with `delay`, only
    the first ClientHello of each message_seq, `delay` seconds after it came (its retransmissions
    meanwhile unanswered)."""

    def __init__(self, delay=0.0):
        self.delay = delay
        self.pending = []  # (when, message_seq bytes, peer)
        self.answered = set()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.hellos = []
        self.done = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        seq = 0
        while not self.done:
            ready, _, _ = select.select([self.sock], [], [], 0.02)
            if ready:
                data, peer = self.sock.recvfrom(65536)
                if is_client_hello(data):
                    self.hellos.append((time.monotonic(), data[17:19]))
                    if data[17:19] not in self.answered:
                        self.answered.add(data[17:19])
                        self.pending.append((time.monotonic() + self.delay, data[17:19], peer))
            due = [p for p in self.pending if p[0] <= time.monotonic()]
            self.pending = [p for p in self.pending if p[0] > time.monotonic()]
            for _, message_seq, peer in due:
                cookie = os.urandom(32)
                body = b"\xfe\xff" + bytes([len(cookie)]) + cookie
                # type 3, length, message_seq (the ClientHello's), fragment offset 0, fragment length.
                hs = bytes([3]) + len(body).to_bytes(3, "big") + message_seq + b"\0\0\0" + len(body).to_bytes(3, "big")
                record = bytes([22, 0xfe, 0xff]) + b"\0\0" + seq.to_bytes(6, "big") + len(hs + body).to_bytes(2, "big")
                self.sock.sendto(record + hs + body, peer)
                seq += 1

    def stop(self):
        self.done = True
        self.thread.join(timeout=5)
        self.sock.close()


class Proxy:
    """The device's peer in front of one s_server; `mode` is stall, spoof or flood."""

    def __init__(self, server_port, mode):
        self.mode = mode
        self.front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.front.bind(("127.0.0.1", 0))
        self.port = self.front.getsockname()[1]
        self.spoof = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # another source port
        self.spoof.bind(("127.0.0.1", 0))
        self.back = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.back.connect(("127.0.0.1", server_port))
        self.device = None
        self.from_device = 0
        self.from_server = 0
        self.spoofed = 0
        self.previous = None
        self.rng = random.Random(7)
        self.done = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _junk(self):
        n = self.rng.randrange(1, 200)
        junk = bytes(self.rng.randrange(256) for _ in range(n))
        if self.rng.random() < 0.5 and n > 13:  # a plausible DTLS header: application data, epoch 1
            junk = bytes([23, 0xfe, 0xfd, 0, 1]) + junk[5:11] + (n - 13).to_bytes(2, "big") + junk[13:]
        return junk

    def _to_device(self, data):
        encrypted = data[3:5] != b"\0\0"
        if self.mode == "stall":
            if self.from_server <= 2:
                self.front.sendto(data, self.device)
            return
        if self.mode == "spoof":
            if data[0] == 23:
                self.spoof.sendto(data, self.device)
                self.spoofed += 1
            else:
                self.front.sendto(data, self.device)
            self.spoof.sendto(self._junk(), self.device)
            return
        # flood
        if encrypted:
            self.front.sendto(data[:len(data) // 2], self.device)
            self.front.sendto(data[:-1] + bytes([data[-1] ^ 0x5A]), self.device)
        self.front.sendto(data, self.device)
        for _ in range(24):
            self.front.sendto(self._junk(), self.device)
        self.front.sendto(bytes([23, 0xfe, 0xfd, 0, 1]) + bytes(8) + (2987).to_bytes(2, "big") + bytes(2987),
                          self.device)
        if encrypted and self.previous is not None:
            self.front.sendto(self.previous, self.device)
        if encrypted:
            self.previous = data
        time.sleep(0.05)  # the junk drains from the device's 8-datagram mailbox before the next one

    def _run(self):
        while not self.done:
            ready, _, _ = select.select([self.front, self.back], [], [], 0.2)
            for s in ready:
                if s is self.front:
                    data, self.device = self.front.recvfrom(65536)
                    self.from_device += 1
                    self.back.send(data)
                else:
                    data = self.back.recv(65536)
                    self.from_server += 1
                    if self.device is not None:
                        self._to_device(data)

    def stop(self):
        self.done = True
        self.thread.join(timeout=5)
        for s in (self.front, self.back, self.spoof):
            s.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runner", required=True)
    p.add_argument("--secure-image")
    p.add_argument("--ca-dir", required=True)
    p.add_argument("image")
    args = p.parse_args()
    ca_pem, ca_key = f"{args.ca_dir}/ca.pem", f"{args.ca_dir}/ca.key"
    p256 = ["ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
    level0 = ["-cipher", "ALL:@SECLEVEL=0"]

    with tempfile.TemporaryDirectory(prefix="ward-dtls-attack-") as d:
        make_key_and_csr(d, "good")
        sign(d, "good", ca_pem, ca_key)
        good = (f"{d}/good.pem", f"{d}/good.key")
        csr(d, "sha1", p256)
        sign(d, "sha1", ca_pem, ca_key, md="sha1")
        for name, bits in (("rsa2048int", 2048), ("rsa1024int", 1024)):
            csr(d, name, ["rsa:%d" % bits], cn=f"Ward {name}")
            sign(d, name, ca_pem, ca_key, extensions=ext(d, "ca", CA))
        csr(d, "md5", p256)
        sign(d, "md5", f"{d}/rsa2048int.pem", f"{d}/rsa2048int.key", md="md5")
        csr(d, "rsa1024", p256)
        sign(d, "rsa1024", f"{d}/rsa1024int.pem", f"{d}/rsa1024int.key")
        csr(d, "p521", ["ec", "-pkeyopt", "ec_paramgen_curve:P-521"])
        sign(d, "p521", ca_pem, ca_key, md="sha512")
        csr(d, "brainpool", ["ec", "-pkeyopt", "ec_paramgen_curve:brainpoolP256r1"])
        sign(d, "brainpool", ca_pem, ca_key)
        csr(d, "cn_vs_san", p256)
        sign(d, "cn_vs_san", ca_pem, ca_key, extensions=ext(d, "other", "subjectAltName=DNS:other.test\n" + LEAF))

        servers, proxies = {}, {}
        hvr = hvr_slow = fw = None
        try:
            for name in ("stall", "spoof", "flood", "expired", "notyet"):
                servers[name] = DtlsServer(d, *good)
            servers["dtls10"] = DtlsServer(d, *good, extra=level0, version="-dtls1")
            servers["cbc"] = DtlsServer(d, *good, extra=["-cipher", "ECDHE-ECDSA-AES256-SHA384"])
            for name in ("sha1", "p521", "brainpool", "cn_vs_san"):
                servers[name] = DtlsServer(d, f"{d}/{name}.pem", f"{d}/{name}.key", extra=level0)
            servers["md5"] = DtlsServer(d, f"{d}/md5.pem", f"{d}/md5.key", extra=level0,
                                        chain_file=f"{d}/rsa2048int.pem")
            servers["rsa1024"] = DtlsServer(d, f"{d}/rsa1024.pem", f"{d}/rsa1024.key", extra=level0,
                                            chain_file=f"{d}/rsa1024int.pem")
            for mode in ("stall", "spoof", "flood"):
                proxies[mode] = Proxy(servers[mode].port, mode)
            hvr = HvrForever()
            hvr_slow = HvrForever(delay=HVR_SLOW_S)
            time.sleep(1.5)
            ports = {name: s.port for name, s in servers.items()}
            ports.update({mode: proxy.port for mode, proxy in proxies.items()})
            ports["hvr_loop"] = hvr.port
            ports["hvr_slow"] = hvr_slow.port
            cmd = [sys.executable, args.runner, "--no-test", "--timeout", "100", "--expect-output",
                   "attack: done, every case held", "--qemu-arg=-nic", "--qemu-arg=user,model=lan9118",
                   f"--arg=--time={int(time.time())}"]
            cmd.append("--arg=--ports=" + ",".join(str(ports[c]) for c in CASES))  # kCases' order
            if args.secure_image:
                cmd += ["--secure-image", args.secure_image]
            fw = Firmware(cmd + [args.image])
            for case in ("spoof", "flood"):
                fw.wait_for(f"attack: {case}: sent, reading", 60)
                servers[case].feed(pattern(SERVER_BYTES, 2))
            fw.wait_for("attack: done", 60)
            status = fw.proc.wait(timeout=30)
        finally:
            if fw is not None:
                fw.kill()
            for s in servers.values():
                s.stop()
            for proxy in proxies.values():
                proxy.stop()
            for h in (hvr, hvr_slow):
                if h is not None:
                    h.stop()
        out = fw.output()
        broke = [c for c in CASES if f"attack: {c}: held" not in out]
        if broke:
            raise AssertionError(f"broke or missing: {', '.join(broke)}")
        if status != 0:
            raise AssertionError(f"the runner failed (status {status})")
        span = hvr.hellos[-1][0] - hvr.hellos[0][0] if hvr.hellos else 0
        if len(hvr.hellos) != MAX_CLIENT_HELLOS or span > 2:
            raise AssertionError(f"hvr_loop: {len(hvr.hellos)} ClientHellos over {span:.1f} s: not bounded")
        slow = re.search(r"attack: hvr_slow: held .* after (\d+) ms", out)
        slow_ms = int(slow.group(1)) if slow else 0
        if not HVR_DEADLINE_S * 1000 - 200 <= slow_ms <= HVR_DEADLINE_S * 1000 + 1000 or len(hvr_slow.answered) > 3:
            raise AssertionError(f"hvr_slow: ended after {slow_ms} ms, {len(hvr_slow.answered)} new ClientHellos: "
                                 f"not at the handshake's deadline")
        if proxies["stall"].from_device > 12:
            raise AssertionError(f"stall: {proxies['stall'].from_device} datagrams from the device: not bounded")
        if proxies["spoof"].spoofed < SERVER_BYTES // CHUNK:
            raise AssertionError(f"spoof: only {proxies['spoof'].spoofed} records sent from the other port")
        print(f"dtls_attack_test: hvr_loop {len(hvr.hellos)} ClientHellos over {span:.1f} s; stall "
              f"{proxies['stall'].from_device} datagrams from the device; spoof {proxies['spoof'].spoofed} records "
              f"from another port; flood {proxies['flood'].from_server} server datagrams flooded")
    print("dtls_attack_test: PASS")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except AssertionError as e:
        print(f"dtls_attack_test: FAIL: {e}")
        sys.exit(1)
