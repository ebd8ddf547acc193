#!/usr/bin/python3
"""End to end on QEMU with the host tool: ward-mgmt manages samples/mgmt (docs/device-management.md).

The two-image chain (bootloader -> secure image -> samples/mgmt: the SMP server on UART0; or its
mgmt_udp build: on UDP port 1337 too, a development build) runs under QEMU. ward-mgmt, the real binary, is the client, over one
transport per run:
  serial: UART0 on a TCP server chardev (ward-mgmt --conntype serial --connstring tcp=127.0.0.1:P);
  udp:    the LAN9118 on QEMU's user networking, hostfwd udp 127.0.0.1:P -> guest port 1337
          (ward-mgmt --conntype udp --connstring 127.0.0.1:P).
Ports are chosen free at run time, on the loopback interface. Everything the device prints on
UART0 is logged by QEMU (the chardev's logfile) and read from there.

Scenarios (one device each, every wait bounded):
  update: image list -> image upload of a signed non-secure 2.0.0 -> image test HASH -> reset ->
          the bootloader test-boots it (on trial, listed active, not confirmed) -> image confirm ->
          a signed 1.5.0 with a lower security counter (a 4 KiB payload) uploaded and refused at test
          (rollback, group error 27),
          the device still running 2.0.0 after a reset.
  revert: upload 2.0.0 -> test -> reset -> on trial -> no confirm, reset again -> the bootloader
          reverts: 1.0.0 runs, confirmed.

  mgmt_tool_e2e.py CHAIN-ARGS --app-bin mgmt.bin|mgmt_udp.bin --ward-mgmt PATH --conntype serial|udp --scenario update|revert
"""
import os
import re
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "boot"))
import chain_e2e  # noqa: E402  (the chain's signing and flash layout)

READY = "mgmt: SMP server ready on the console"
UDP_READY = "mgmt: SMP over UDP on port 1337"


def free_port(kind):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Device:
    """QEMU running the chain; UART0 on a TCP chardev logged to a file; the LAN9118 on slirp.
    `qemu_args`: more of QEMU's options (the benchmark's -icount); `limit`: seconds QEMU may run."""

    def __init__(self, chain, qemu_args=(), limit=170):
        self.chain = chain
        self.log = os.path.join(chain.work, "uart.log")
        self.serial_port = free_port(socket.SOCK_STREAM)
        self.udp_port = free_port(socket.SOCK_DGRAM)
        with open(os.path.join(chain.work, chain.args.flash_file), "wb") as f:
            f.write(chain.flash)
        self.semi = open(os.path.join(chain.work, "semihosting.log"), "wb")
        self.qemu = subprocess.Popen(
            ["timeout", str(limit), "qemu-system-arm", "-M", "mps2-an505", "-display", "none", "-monitor", "none",
             "-chardev", f"socket,id=uart,host=127.0.0.1,port={self.serial_port},server=on,wait=off,logfile={self.log}",
             "-serial", "chardev:uart",
             "-nic", f"user,model=lan9118,hostfwd=udp:127.0.0.1:{self.udp_port}-:1337",
             "-chardev", "stdio,id=semi", "-semihosting-config", "enable=on,target=native,chardev=semi",
             *qemu_args, "-kernel", chain.args.bootloader],
            cwd=chain.work, stdin=subprocess.DEVNULL, stdout=self.semi, stderr=subprocess.STDOUT,
            start_new_session=True)

    def text(self):
        try:
            with open(self.log, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def wait_text(self, needle, since=0, timeout=30):
        """The position after `needle`'s first occurrence at or after `since` in the UART log."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.qemu.poll() is not None:
                raise RuntimeError(f"QEMU ended (status {self.qemu.returncode}) waiting for {needle!r}")
            i = self.text().find(needle, since)
            if i >= 0:
                return i + len(needle)
            time.sleep(0.1)
        raise RuntimeError(f"timed out waiting for {needle!r}")

    def close(self):
        # The whole process group: `timeout` and the QEMU under it (killing `timeout` alone would
        # leave QEMU running with nothing left to end it).
        try:
            os.killpg(self.qemu.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.qemu.wait()
        self.semi.close()


class Tool:
    """ward-mgmt, the real binary, over one transport."""

    def __init__(self, path, conntype, dev):
        self.path = path
        self.conntype = conntype
        self.dev = dev
        self.calls = []  # (arguments, seconds)

    def run(self, *args, timeout=140, tries=3, reply_timeout=None):
        if reply_timeout is None:
            # A 1 KiB request crosses QEMU's emulated UART at under 1 KB/s, slower on a loaded
            # machine: give each reply 15 s there (ward-mgmt's default of 3 s is for real links).
            reply_timeout = 15 if self.conntype == "serial" else 3
        if self.conntype == "serial":
            conn = ["--conntype", "serial", "--connstring", f"tcp=127.0.0.1:{self.dev.serial_port}"]
        else:
            conn = ["--conntype", "udp", "--connstring", f"127.0.0.1:{self.dev.udp_port}"]
        cmd = [self.path] + conn + ["-t", str(reply_timeout), "-r", str(tries)] + list(args)
        start = time.monotonic()
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)
        took = time.monotonic() - start
        self.calls.append((" ".join(args), took))
        print(f"$ ward-mgmt {' '.join(conn + list(args))}  -> exit {p.returncode} in {took:.1f} s")
        for line in (p.stdout + p.stderr).splitlines():
            print("  | " + line)
        return p

    def slots(self):
        """image list, parsed: {(image, slot): {"version", "flags", "hash"}}."""
        p = self.run("image", "list")
        if p.returncode != 0:
            raise RuntimeError(f"image list failed: exit {p.returncode}")
        out, cur = {}, None
        for line in p.stdout.splitlines():
            m = re.match(r"\s*image=(\d+) slot=(\d+)$", line)
            if m:
                cur = out.setdefault((int(m.group(1)), int(m.group(2))), {"flags": set()})
                continue
            m = re.match(r"\s*(version|flags|hash):\s*(.*)$", line)
            if m and cur is not None:
                cur[m.group(1)] = set(m.group(2).split()) if m.group(1) == "flags" else m.group(2).strip()
        return out

    def wait_answering(self, timeout=30):
        """Until the device answers an echo again (after a reset), bounded."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.run("echo", "up", tries=1, reply_timeout=1).returncode == 0:
                return
            time.sleep(0.3)
        raise RuntimeError("the device did not answer after the reset")


def check(c, cond, what):
    print(("ok:   " if cond else "FAIL: ") + what)
    if not cond:
        c.failures.append(what)


def reset_and_wait(c, dev, tool, expect=()):
    """ward-mgmt reset, then the UART log shows the boot (each of `expect` in it) and SMP answers."""
    mark = len(dev.text())
    p = tool.run("reset")
    check(c, p.returncode == 0, f"reset answered (exit {p.returncode})")
    after = dev.wait_text(READY, since=mark)
    booted = dev.text()[mark:after]
    for e in expect:
        check(c, e in booted, f"the boot after the reset shows {e!r}")
    if tool.conntype == "udp":
        dev.wait_text(UDP_READY, since=mark)
    tool.wait_answering()
    return booted


def upload_and_test(c, dev, tool, path, image_bytes, version):
    p = tool.run("image", "upload", "-e", "1", "--no-progress", path)
    check(c, p.returncode == 0, f"image upload of {version} (exit {p.returncode})")
    want = chain_e2e.measured(image_bytes)
    s = tool.slots().get((1, 1))
    check(c, s is not None and s.get("version") == version and s.get("hash") == want,
          f"slot 1 of image 1 holds {version} with the image's SHA-256 TLV: {s}")
    return want


def run(c, tool_path, conntype, scenario):
    c.raw[1] = open(c.args.app_bin, "rb").read()
    c.primary(0, c.sign(0))
    c.primary(1, c.sign(1))
    update = bytes(c.sign(1, "2.0.0", counter=2))
    update_path = os.path.join(c.work, "update-2.0.0.bin")
    # The rolled-back image: signed with a lower version and security counter; its payload is the
    # application's first 4 KiB, as the device refuses it before anything could run it (and a
    # short upload keeps the serial run within its time).
    full = c.raw[1]
    c.raw[1] = full[:4096]
    older = bytes(c.sign(1, "1.5.0", counter=1))
    c.raw[1] = full
    older_path = os.path.join(c.work, "older-1.5.0.bin")
    for path, data in ((update_path, update), (older_path, older)):
        with open(path, "wb") as f:
            f.write(data)
    dev = Device(c)
    tool = Tool(tool_path, conntype, dev)
    started = time.monotonic()
    try:
        dev.wait_text(READY, timeout=30)
        if conntype == "udp":
            dev.wait_text(UDP_READY, timeout=30)
        tool.wait_answering()
        slots = tool.slots()
        s = slots.get((1, 0))
        check(c, s is not None and s["version"] == "1.0.0" and {"active", "confirmed"} <= s["flags"],
              f"image list: image 1 runs 1.0.0, active and confirmed: {s}")
        want = upload_and_test(c, dev, tool, update_path, update, "2.0.0")
        p = tool.run("image", "test", want)
        check(c, p.returncode == 0, f"image test {want[:16]}... (exit {p.returncode})")
        s = tool.slots().get((1, 1))
        check(c, s is not None and "pending" in s["flags"], f"slot 1 pending after the test: {s}")
        reset_and_wait(c, dev, tool, expect=("upgrade requested (test)", "boot: image 1 (non-secure) 2.0.0+0 on trial"))
        s = tool.slots().get((1, 0))
        check(c, s is not None and s["version"] == "2.0.0" and "active" in s["flags"] and "confirmed" not in s["flags"],
              f"2.0.0 runs on trial, not confirmed: {s}")
        if scenario == "update":
            p = tool.run("image", "confirm")
            s = tool.slots().get((1, 0))
            check(c, p.returncode == 0 and s is not None and s["version"] == "2.0.0" and "confirmed" in s["flags"],
                  f"image confirm: 2.0.0 confirmed (exit {p.returncode}): {s}")
            # A lower version with a lower security counter: uploaded, refused when it would be installed.
            older_hash = upload_and_test(c, dev, tool, older_path, older, "1.5.0")
            p = tool.run("image", "test", older_hash)
            check(c, p.returncode == 1 and "27" in (p.stdout + p.stderr),
                  f"image test of the rolled-back 1.5.0 refused by the device, group error 27 (exit {p.returncode})")
            booted = reset_and_wait(c, dev, tool)
            check(c, "upgrade requested" not in booted and "boot: image 1 (non-secure) 2.0.0+0" in booted,
                  "after a reset the device still runs 2.0.0: no upgrade was requested")
            s = tool.slots().get((1, 0))
            check(c, s is not None and s["version"] == "2.0.0" and "confirmed" in s["flags"], f"2.0.0 still confirmed: {s}")
        else:
            booted = reset_and_wait(c, dev, tool, expect=("boot: image 1 (non-secure) 1.0.0+0",))
            check(c, "2.0.0+0 on trial" not in booted, "the unconfirmed 2.0.0 is not booted again")
            s = tool.slots().get((1, 0))
            check(c, s is not None and s["version"] == "1.0.0" and {"active", "confirmed"} <= s["flags"],
                  f"reverted: 1.0.0 runs, confirmed: {s}")
    except Exception as e:  # noqa: BLE001  (a failure of the run: report it as one)
        c.failures.append(f"{type(e).__name__}: {e}")
    finally:
        dev.close()
        print(f"{len(tool.calls)} ward-mgmt runs, {time.monotonic() - started:.1f} s with the device; the longest:")
        for args, took in sorted(tool.calls, key=lambda x: -x[1])[:3]:
            print(f"  {took:5.1f} s  {args}")
        if c.failures:
            print("--- UART0 ---\n" + dev.text())


def main():
    argv = sys.argv[1:]
    opts = {}
    for name in ("--ward-mgmt", "--conntype", "--scenario"):
        i = argv.index(name)
        opts[name] = argv[i + 1]
        del argv[i:i + 2]
    if opts["--conntype"] not in ("serial", "udp") or opts["--scenario"] not in ("update", "revert"):
        print("usage: --conntype serial|udp --scenario update|revert")
        return 2
    name = f"mgmt_tool_{opts['--conntype']}_{opts['--scenario']}"
    chain_e2e.SCENARIOS[name] = lambda c: run(c, opts["--ward-mgmt"], opts["--conntype"], opts["--scenario"])
    sys.argv = [sys.argv[0]] + argv + ["run", name]
    return chain_e2e.main()


if __name__ == "__main__":
    sys.exit(main())
