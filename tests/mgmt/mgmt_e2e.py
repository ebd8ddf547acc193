#!/usr/bin/python3
"""End to end on QEMU: a device managed with SMP over its console UART (docs/device-management.md).

The two-image chain (bootloader -> secure image -> samples/mgmt, the SMP server on UART0) runs
under QEMU with UART0 on a Unix socket; this script is the client, written from Zephyr's SMP
specification with the standard library only (its own small CBOR encoder and decoder, the console
framing, CRC-16/XMODEM). It signs the images with ward-image through tests/boot/chain_e2e.py's
Chain, as the chain tests do, and checks, in one run of the device:

  list -> echo, task statistics -> malformed frames (dropped or answered with an error, the
  server still serving) -> upload of a signed non-secure image 2.0.0, the link lost mid-way and
  resumed (same offset), then a reset mid-way and resumed from the offset the device gives ->
  list (slot 1 with the image's hash) -> test by hash -> reset -> the bootloader test-boots it ->
  list (on trial, not confirmed) -> confirm -> a tampered image uploaded and refused at test, the
  device still running 2.0.0 after a reset -> erase.

  mgmt_e2e.py CHAIN-ARGS --app-bin samples/mgmt/mgmt.bin
"""
import base64
import hashlib
import os
import re
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "boot"))
import chain_e2e  # noqa: E402  (the chain's signing and flash layout)

# --- CBOR (RFC 8949): what SMP uses ---------------------------------------------------------------


def cbor_head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    for info, fmt in ((24, ">B"), (25, ">H"), (26, ">I"), (27, ">Q")):
        if n < 1 << (8 * struct.calcsize(fmt)):
            return bytes([major << 5 | info]) + struct.pack(fmt, n)
    raise ValueError(n)


def cbor(v):
    if isinstance(v, bool):
        return b"\xf5" if v else b"\xf4"
    if isinstance(v, int):
        return cbor_head(0, v) if v >= 0 else cbor_head(1, -1 - v)
    if isinstance(v, (bytes, bytearray)):
        return cbor_head(2, len(v)) + bytes(v)
    if isinstance(v, str):
        b = v.encode()
        return cbor_head(3, len(b)) + b
    if isinstance(v, list):
        return cbor_head(4, len(v)) + b"".join(cbor(x) for x in v)
    if isinstance(v, dict):
        return cbor_head(5, len(v)) + b"".join(cbor(k) + cbor(x) for k, x in v.items())
    raise TypeError(v)


def uncbor(data, pos=0):
    """One item at pos: (value, next pos). Definite and indefinite maps and arrays."""
    ib = data[pos]
    major, info = ib >> 5, ib & 31
    pos += 1
    if major == 7:
        return {20: False, 21: True, 22: None}[info], pos
    if info == 31:
        items = []
        while data[pos] != 0xFF:
            v, pos = uncbor(data, pos)
            items.append(v)
        pos += 1
        if major == 4:
            return items, pos
        return dict(zip(items[::2], items[1::2])), pos
    if info < 24:
        n = info
    else:
        size = 1 << (info - 24)
        n = int.from_bytes(data[pos:pos + size], "big")
        pos += size
    if major == 0:
        return n, pos
    if major == 1:
        return -1 - n, pos
    if major in (2, 3):
        s = data[pos:pos + n]
        return (bytes(s) if major == 2 else s.decode()), pos + n
    if major in (4, 5):
        items = []
        for _ in range(n * (2 if major == 5 else 1)):
            v, pos = uncbor(data, pos)
            items.append(v)
        return (items if major == 4 else dict(zip(items[::2], items[1::2]))), pos
    raise ValueError(f"CBOR major {major}")


# --- SMP and the console framing --------------------------------------------------------------------


def crc16_xmodem(data, crc=0):
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021 if crc & 0x8000 else crc << 1) & 0xFFFF
    return crc


def frame_lines(packet):
    """The console lines of one packet: base64 of length + packet + CRC, cut every 124 characters."""
    raw = struct.pack(">H", len(packet) + 2) + packet + struct.pack(">H", crc16_xmodem(packet))
    text = base64.b64encode(raw)
    return [(b"\x06\x09" if i == 0 else b"\x04\x14") + text[i:i + 124] + b"\n" for i in range(0, len(text), 124)]


def smp_packet(op, group, seq, cmd, payload, version=1):
    return struct.pack(">BBHHBB", version << 3 | op, 0, len(payload), group, seq, cmd) + payload


class Device:
    """QEMU with UART0 on a Unix socket; console text and SMP answers read apart."""

    def __init__(self, chain, log):
        self.chain = chain
        self.sock_path = os.path.join(chain.work, "uart.sock")
        with open(os.path.join(chain.work, chain.args.flash_file), "wb") as f:
            f.write(chain.flash)
        self.semi = open(log, "wb")
        self.qemu = subprocess.Popen(
            ["qemu-system-arm", "-M", "mps2-an505", "-display", "none", "-monitor", "none",
             "-chardev", f"socket,id=uart,path={self.sock_path},server=on,wait=on", "-serial", "chardev:uart",
             "-chardev", "stdio,id=semi", "-semihosting-config", "enable=on,target=native,chardev=semi",
             "-kernel", chain.args.bootloader],
            cwd=chain.work, stdin=subprocess.DEVNULL, stdout=self.semi, stderr=subprocess.STDOUT)
        for _ in range(100):
            if os.path.exists(self.sock_path):
                break
            time.sleep(0.05)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.sock_path)
        self.sock.settimeout(0.2)
        self.buf = b""
        self.text = []  # console lines that are not SMP
        self.frames = []  # SMP lines not yet taken
        self.seq = 0
        self.longest_line = 0

    def close(self):
        self.qemu.kill()
        self.qemu.wait()
        self.semi.close()
        self.sock.close()

    def _pump(self, timeout):
        end = time.time() + timeout
        while time.time() < end:
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            if not data:
                raise RuntimeError("the UART socket closed (QEMU ended)")
            self.buf += data
            while b"\n" in self.buf:
                line, self.buf = self.buf.split(b"\n", 1)
                self.longest_line = max(self.longest_line, len(line) + 1)
                if line[:2] in (b"\x06\x09", b"\x04\x14"):
                    self.frames.append(line)
                else:
                    self.text.append(line.rstrip(b"\r").decode("utf-8", "replace"))
                    print("uart| " + self.text[-1])
            return

    def wait_text(self, needle, timeout=60, since=0):
        end = time.time() + timeout
        while time.time() < end:
            for i in range(since, len(self.text)):
                if needle in self.text[i]:
                    return i + 1
            self._pump(0.2)
        raise RuntimeError(f"timed out waiting for {needle!r}")

    def send_raw(self, data):
        self.sock.sendall(data)

    def response(self, timeout=30):
        """The next SMP packet the device sends (None if none came)."""
        end = time.time() + timeout
        raw = b""
        while time.time() < end:
            while self.frames:
                line = self.frames.pop(0)
                if line[:2] == b"\x06\x09":
                    raw = b""
                raw += base64.b64decode(line[2:], validate=True)
                if len(raw) >= 2 and len(raw) == struct.unpack(">H", raw[:2])[0] + 2:
                    body, crc = raw[2:-2], struct.unpack(">H", raw[-2:])[0]
                    if crc16_xmodem(body) != crc:
                        raise RuntimeError("response with a bad CRC")
                    return body
            self._pump(0.2)
        return None

    def request(self, op, group, cmd, payload, version=1, raw_payload=None):
        self.seq = (self.seq + 1) & 0xFF
        body = raw_payload if raw_payload is not None else cbor(payload)
        for line in frame_lines(smp_packet(op, group, self.seq, cmd, body, version)):
            self.send_raw(line)
        resp = self.response()
        if resp is None:
            raise RuntimeError(f"no answer to group {group} command {cmd}")
        hdr = struct.unpack(">BBHHBB", resp[:8])
        if hdr[0] & 7 != op + 1 or hdr[3] != group or hdr[4] != self.seq or hdr[5] != cmd:
            raise RuntimeError(f"answer header {hdr} does not match the request")
        return uncbor(resp, 8)[0] if len(resp) > 8 else {}


def err_of(answer):
    if "err" in answer:
        return answer["err"]["rc"]
    return answer.get("rc", 0)


class Client:
    """The client side of the test, with its checks."""

    CHUNK = 640  # data bytes per upload request (the packet stays under the device's 1024)

    def __init__(self, chain, dev):
        self.c = chain
        self.dev = dev

    def expect(self, cond, what):
        print(("ok:   " if cond else "FAIL: ") + what)
        if not cond:
            self.c.failures.append(what)

    def images(self):
        return self.dev.request(0, 1, 0, {})["images"]

    def slot(self, image, slot):
        for s in self.images():
            if s["image"] == image and s["slot"] == slot:
                return s
        return None

    def upload_from(self, data, image, off, stop_at=None):
        sha = hashlib.sha256(data).digest()
        while off < len(data):
            if stop_at is not None and off >= stop_at:
                return off
            chunk = data[off:off + self.CHUNK]
            req = {"off": off, "data": chunk}
            if off == 0:
                req.update({"image": image, "len": len(data), "sha": sha})
            a = self.dev.request(2, 1, 1, req)
            if err_of(a) != 0:
                raise RuntimeError(f"upload refused at {off}: {a}")
            off = a["off"]
        return off

    def first(self, data, image):
        """The off-0 request of an upload (a resume when the device knows the image)."""
        a = self.dev.request(2, 1, 1, {"off": 0, "data": data[:self.CHUNK], "image": image, "len": len(data),
                                       "sha": hashlib.sha256(data).digest()})
        return a


def run(c):
    c.raw[1] = open(c.args.app_bin, "rb").read()
    c.primary(0, c.sign(0))
    c.primary(1, c.sign(1))
    update = bytes(c.sign(1, "2.0.0", counter=2))
    tampered = bytearray(c.sign(1, "3.0.0", counter=3))
    tampered[c.args.header_size + 0x100] ^= 0x01  # a payload byte: the SHA-256 TLV no longer matches
    tampered = bytes(tampered)
    dev = Device(c, os.path.join(c.work, "semihosting.log"))
    cl = Client(c, dev)
    try:
        at = dev.wait_text("mgmt: SMP server ready")
        # --- list, echo, task statistics, parameters ---
        imgs = cl.images()
        s0, s1 = cl.slot(0, 0), cl.slot(1, 0)
        cl.expect(s0 is not None and s0["version"] == "1.0.0" and s0["active"] and s0["confirmed"],
                  f"image 0 (secure) 1.0.0 active and confirmed: {s0}")
        cl.expect(s1 is not None and s1["version"] == "1.0.0" and s1["active"] and s1["confirmed"],
                  f"image 1 (non-secure) 1.0.0 active and confirmed: {s1}")
        cl.expect(len(imgs) == 2, f"two slots listed: {len(imgs)}")
        cl.expect(dev.request(2, 0, 0, {"d": "hello ward"}) == {"r": "hello ward"}, "echo")
        tasks = dev.request(0, 0, 2, {}).get("tasks", {})
        cl.expect("smp" in tasks and "main" in tasks and tasks["smp"]["stksiz"] == 2016 // 4,  # samples/mgmt: ThreadStack<2016>
                  f"task statistics list main and smp: {sorted(tasks)}")
        cl.expect(dev.request(0, 0, 6, {}).get("buf_size") == 1024, "mcumgr parameters: buf_size 1024")

        # --- malformed frames and packets ---
        lines = frame_lines(smp_packet(2, 0, 77, 0, cbor({"d": "x"})))
        bad = bytearray(lines[0])
        bad[6] = ord("A") if bad[6] != ord("A") else ord("B")  # a base64 character: the CRC fails
        dev.send_raw(bytes(bad))
        dev.send_raw(b"\x04\x14AAAA\n")  # a continuation with no packet open
        dev.send_raw(b"\x06\x09" + b"A" * 200 + b"\n")  # a line over 127 bytes
        dev.send_raw(b"\x06\x09!!!!\n")  # not base64
        cl.expect(dev.response(timeout=3) is None, "broken frames are dropped without an answer")
        cl.expect(dev.request(2, 0, 0, {"d": "still here"}) == {"r": "still here"},
                  "the server answers after the broken frames")
        cl.expect(err_of(dev.request(2, 0, 0, None, raw_payload=b"\xa1\x61")) == 3, "truncated CBOR: rc 3")
        cl.expect(err_of(dev.request(0, 64, 0, {})) == 8, "unknown group: rc 8")
        cl.expect(err_of(dev.request(2, 1, 1, {"off": 64, "data": b"x" * 8})) == 20,
                  "a chunk with no upload open: invalid offset (20)")
        cl.expect(err_of(dev.request(2, 1, 1, {"off": 0, "data": b"x", "len": 1, "image": 7})) == 14,
                  "upload to image 7: invalid slot (14)")
        cl.expect(err_of(dev.request(2, 1, 0, {"hash": b"\x11" * 32, "confirm": False})) == 8,
                  "test with an unknown hash: hash not found (8)")

        # --- upload, the link lost, resumed; a reset mid-way, resumed ---
        n = len(update)
        stop = cl.upload_from(update, 1, 0, stop_at=n // 4)
        a = cl.first(update, 1)
        cl.expect(err_of(a) == 0 and a.get("off") == stop, f"after a lost link, the device says where to go on: {a}, sent {stop}")
        stop = cl.upload_from(update, 1, stop, stop_at=n // 2)
        mark = len(dev.text)
        cl.expect(dev.request(2, 0, 5, {}) == {}, "reset answered before the device resets")
        at = dev.wait_text("mgmt: SMP server ready", since=mark)
        a = cl.first(update, 1)
        resumed = a.get("off", 0)
        cl.expect(err_of(a) == 0 and 0 < resumed <= stop,
                  f"after a reset, the upload resumes from the device's offset {resumed} (sent {stop})")
        cl.upload_from(update, 1, resumed)
        s = cl.slot(1, 1)
        want = bytes.fromhex(chain_e2e.measured(update))
        cl.expect(s is not None and s["version"] == "2.0.0" and s["hash"] == want and not s["pending"],
                  f"slot 1 of image 1 holds 2.0.0 with its SHA-256 TLV: {s}")

        # --- test, reset, trial boot, confirm ---
        a = dev.request(2, 1, 0, {"hash": want, "confirm": False})
        staged = [x for x in a.get("images", []) if x["image"] == 1 and x["slot"] == 1]
        cl.expect(err_of(a) == 0 and staged and staged[0]["pending"], f"test by hash: pending {a}")
        mark = len(dev.text)
        dev.request(2, 0, 5, {})
        dev.wait_text("upgrade requested (test)", since=mark)
        dev.wait_text("boot: image 1 (non-secure) 2.0.0+0 on trial", since=mark)
        dev.wait_text("mgmt: SMP server ready", since=mark)
        s = cl.slot(1, 0)
        cl.expect(s is not None and s["version"] == "2.0.0" and not s["confirmed"] and s["hash"] == want,
                  f"the new image runs on trial, not confirmed: {s}")
        a = dev.request(2, 1, 0, {"confirm": True})
        s = cl.slot(1, 0)
        cl.expect(err_of(a) == 0 and s["version"] == "2.0.0" and s["confirmed"], f"confirmed: {s}")

        # --- a tampered image: uploaded (its transfer SHA-256 matches), refused at test ---
        cl.upload_from(tampered, 1, 0)
        bad_hash = bytes.fromhex(chain_e2e.measured(tampered))  # the TLV it claims
        s = cl.slot(1, 1)
        claimed = s["hash"] if s else None
        a = dev.request(2, 1, 0, {"hash": claimed or bad_hash, "confirm": False})
        cl.expect(err_of(a) == 22, f"the tampered image is refused when it would be installed: {a}")
        mark = len(dev.text)
        dev.request(2, 0, 5, {})
        dev.wait_text("mgmt: SMP server ready", since=mark)
        booted = "\n".join(dev.text[mark:])
        cl.expect("upgrade requested" not in booted and "boot: image 1 (non-secure) 2.0.0+0" in booted,
                  "after a reset the device still runs 2.0.0: no upgrade was requested")
        cl.expect(err_of(dev.request(2, 1, 5, {"slot": 3})) == 0, "erase of image 1's staging slot")
        cl.expect(cl.slot(1, 1) is None, "nothing staged after the erase")
        cl.expect(err_of(dev.request(2, 1, 5, {"slot": 2})) == 14, "erase of a running slot: invalid slot (14)")
        tasks = dev.request(0, 0, 2, {}).get("tasks", {})
        smp = tasks.get("smp", {})
        print(f"smp thread stack: {smp.get('stkuse', 0) * 4} of {smp.get('stksiz', 0) * 4} bytes used (high-water mark)")
        cl.expect(0 < smp.get("stkuse", 0) < smp.get("stksiz", 0), "the SMP thread's stack high-water mark is below its size")
        if STACK_REPORT is not None:  # the measured use never above the bound the link computed
            bound = smp_bound(STACK_REPORT)
            cl.expect(bound is not None and smp.get("stkuse", 0) * 4 <= bound,
                      f"the SMP thread's high-water mark ({smp.get('stkuse', 0) * 4} B) within its computed bound "
                      f"({bound} B, {STACK_REPORT})")
        cl.expect(dev.longest_line <= 127, f"every console line at most 127 bytes (longest {dev.longest_line})")
        ticks = [t for t in dev.text if t.startswith("mgmt: tick")]
        cl.expect(len(ticks) > 0, f"console output interleaved with SMP ({len(ticks)} tick lines)")
    except Exception as e:  # noqa: BLE001  (a failure of the run: report it as one)
        c.failures.append(f"{type(e).__name__}: {e}")
    finally:
        dev.close()
        with open(os.path.join(c.work, "semihosting.log"), "rb") as f:
            print(f.read().decode("utf-8", "replace"))


STACK_REPORT = None  # the image's stack-bound report (--stack-report), for the SMP thread's bound


def smp_bound(report):
    """The bound the build computed for samples/mgmt's smp_stack, or None."""
    with open(report, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"\S+: stack .*smp_stack(?: \(\d+ B guard\))?: \d+ B declared, bound (\d+) B", line)
            if m:
                return int(m.group(1))
    return None


def main():
    global STACK_REPORT
    argv = sys.argv[1:]
    if "--stack-report" in argv:
        i = argv.index("--stack-report")
        STACK_REPORT = argv[i + 1]
        del argv[i:i + 2]
    # The chain's own argument parser, with this test as its scenario.
    chain_e2e.SCENARIOS["mgmt_uart"] = run
    sys.argv = [sys.argv[0]] + argv + ["run", "mgmt_uart"]
    return chain_e2e.main()


if __name__ == "__main__":
    sys.exit(main())
