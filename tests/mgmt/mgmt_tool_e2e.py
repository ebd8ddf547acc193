#!/usr/bin/python3
"""End to end on QEMU with the host tool: ward-mgmt manages samples/mgmt (docs/device-management.md).

The two-image chain (bootloader -> secure image -> samples/mgmt: the SMP server on UART0; or its
mgmt_udp build: on UDP port 1337 too, a development build) runs under QEMU. ward-mgmt, the real binary, is the client, over one
transport per run:
  serial: UART0 on a TCP server chardev (ward-mgmt --conntype serial --connstring tcp=127.0.0.1:P);
  udp:    the LAN9118 on QEMU's user networking, hostfwd udp 127.0.0.1:P -> guest port 1337
          (ward-mgmt --conntype udp --connstring 127.0.0.1:P).
  tls:    samples/mgmt_tls, SMP over mutually authenticated TLS: hostfwd tcp 127.0.0.1:P -> guest
          port 1338 (ward-mgmt --conntype tls --connstring 127.0.0.1:P --tls-cert/--tls-key: an
          operator's certificate issued here by the build's management CA (--mgmt-ca-dir);
          --tls-ca: a device CA made here with tools/ward-provision (--provision), which signs the
          device's CSR at its first boot (slirp's 10.0.2.2, --prov=P on its command line)). Before
          the update scenario, four clients are refused before any SMP byte is parsed, each seen in the
          device's log ("mgmt-tls: refused") with no SMP reply and the slots unchanged: one without
          a client certificate, one with a certificate from another CA, one speaking plain TCP, and
          one with the management CA's certificate for a common name not on the image's authorised
          list (CONFIG_WARD_MGMT_TLS_AUTHORISED).
          With --production-config (an image built with CONFIG_WARD_PRODUCTION=y, the production
          sub-build of tests/mgmt/CMakeLists.txt): its configuration is checked to be production,
          with TLS and without UDP, and an SMP echo to UDP port 1337 gets no answer.
Ports are chosen free at run time, on the loopback interface. Everything the device prints on
UART0 is logged by QEMU (the chardev's logfile) and read from there.

Scenarios (one device each, every wait bounded):
  update: image list -> image upload of a signed non-secure 2.0.0 -> image test HASH -> reset ->
          the bootloader test-boots it (on trial, listed active, not confirmed) -> image confirm ->
          a signed 1.5.0 with a lower security counter (a 4 KiB payload) uploaded and refused at test
          (rollback, group error 27),
          the device still running 2.0.0 after a reset.
  revert: an upload of 2.0.0 cut past the device's first checkpoint (16 KiB) -> ward-mgmt reset
          mid-upload (1.0.0 boots again, nothing requested) -> the upload resumes at the kept
          checkpoint -> test -> reset -> on trial -> no confirm, reset again -> the bootloader
          reverts: 1.0.0 runs, confirmed.
  resume: the link cut: an upload of 2.0.0 killed (ward-mgmt's process group) once its progress
          shows 30 % -> image upload of the same file resumes at the device's offset (at least
          where the progress was; fewer bytes sent than the image) -> test -> reset -> on trial ->
          confirm; then the power cut: an upload of 3.0.0 killed past the device's first
          checkpoint (16 KiB), QEMU killed and started again on the same flash file (2.0.0 boots)
          -> image upload resumes at the offset the device kept across the reboot -> the device's
          whole-image SHA-256 check passes (the upload ends without error) and the slot lists
          3.0.0 with its hash -> test -> reset -> on trial -> confirm.
  attack: (tls only) an authorised, hostile client on the TLS transport's 512-byte packets: six
          requests pipelined in one TLS record (an echo of exactly 512 bytes among them: its answer
          is 513 bytes, whole), that packet split over four records (a 3-byte header fragment),
          a header announcing 505 and 65,535 bytes after a packet at the limit (that one answered,
          then the session ends, logged); the device still answers afterwards.

  mgmt_tool_e2e.py CHAIN-ARGS --app-bin mgmt.bin|mgmt_udp.bin|mgmt_tls.bin --ward-mgmt PATH
                   --conntype serial|udp|tls --scenario update|revert|resume|attack
                   [--mgmt-ca-dir DIR --provision TOOL]   (tls)
                   [--production-config IMAGE/config/.config]   (a production image: checked)
"""
import os
import pty
import re
import select
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "boot"))
import chain_e2e  # noqa: E402  (the chain's signing and flash layout)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "net"))
from tls_mutual_test import ProvisioningHost  # noqa: E402  (signs the device's CSR at its first boot)

READY = "mgmt: SMP server ready on the console"
UDP_READY = "mgmt: SMP over UDP on port 1337"
TLS_READY = "mgmt: SMP over TLS on port 1338"
TLS_REFUSED = "mgmt-tls: refused"
DEVICE_NAME = "ward-device.test"
NET_READY = {"udp": UDP_READY, "tls": TLS_READY}


def free_port(kind):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Device:
    """QEMU running the chain; UART0 on a TCP chardev logged to a file; the LAN9118 on slirp.
    `qemu_args`: more of QEMU's options (the benchmark's -icount); `lifetime`: seconds QEMU may run."""

    def __init__(self, chain, lifetime=170, qemu_args=(), device_args=()):
        self.chain = chain
        self.device_args = tuple(device_args)  # the firmware's command line (semihosting)
        self.tls_port = free_port(socket.SOCK_STREAM)
        self.qemu_args = tuple(qemu_args)
        self.lifetime = lifetime  # QEMU's own bound, under the test's TIMEOUT: none outlives the run
        self.log = os.path.join(chain.work, "uart.log")
        self.serial_port = free_port(socket.SOCK_STREAM)
        self.udp_port = free_port(socket.SOCK_DGRAM)
        with open(os.path.join(chain.work, chain.args.flash_file), "wb") as f:
            f.write(chain.flash)
        self.semi = open(os.path.join(chain.work, "semihosting.log"), "wb")
        self.start()

    def start(self):
        # The UART log is appended to: positions in it stay valid across a restart (power_cut).
        self.qemu = subprocess.Popen(
            ["timeout", str(self.lifetime), "qemu-system-arm", "-M", "mps2-an505", "-display", "none", "-monitor", "none",
             "-chardev", f"socket,id=uart,host=127.0.0.1,port={self.serial_port},server=on,wait=off,"
                         f"logfile={self.log},logappend=on",
             "-serial", "chardev:uart",
             "-nic", f"user,model=lan9118,hostfwd=udp:127.0.0.1:{self.udp_port}-:1337,"
                     f"hostfwd=tcp:127.0.0.1:{self.tls_port}-:1338",
             "-chardev", "stdio,id=semi", "-semihosting-config", "enable=on,target=native,chardev=semi"
             + "".join(",arg=" + a.replace(",", ",,") for a in ("mgmt",) + self.device_args),
             *self.qemu_args, "-kernel", self.chain.args.bootloader],
            cwd=self.chain.work, stdin=subprocess.DEVNULL, stdout=self.semi, stderr=subprocess.STDOUT,
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

    def kill(self):
        # The whole process group: `timeout` and the QEMU under it (killing `timeout` alone would
        # leave QEMU running with nothing left to end it).
        try:
            os.killpg(self.qemu.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.qemu.wait()

    def power_cut(self):
        """QEMU killed and started again on the same flash file: what the flash holds survives, RAM not."""
        self.kill()
        self.start()

    def close(self):
        self.kill()
        self.semi.close()


class Tool:
    """ward-mgmt, the real binary, over one transport."""

    def __init__(self, path, conntype, dev, tls_args=()):
        self.path = path
        self.conntype = conntype
        self.dev = dev
        self.tls_args = list(tls_args)  # --tls-cert, --tls-key, --tls-ca, --tls-name
        self.calls = []  # (arguments, seconds)

    def command(self, args, tries=3, reply_timeout=None):
        if reply_timeout is None:
            # A 1 KiB request crosses QEMU's emulated UART at under 1 KB/s, slower on a loaded
            # machine: give each reply 15 s there (ward-mgmt's default of 3 s is for real links).
            reply_timeout = 15 if self.conntype == "serial" else 3
        if self.conntype == "serial":
            conn = ["--conntype", "serial", "--connstring", f"tcp=127.0.0.1:{self.dev.serial_port}"]
        elif self.conntype == "tls":
            conn = ["--conntype", "tls", "--connstring", f"127.0.0.1:{self.dev.tls_port}", *self.tls_args]
        else:
            conn = ["--conntype", "udp", "--connstring", f"127.0.0.1:{self.dev.udp_port}"]
        return conn, [self.path] + conn + ["-t", str(reply_timeout), "-r", str(tries)] + list(args)

    def run(self, *args, timeout=140, tries=3, reply_timeout=None):
        conn, cmd = self.command(args, tries, reply_timeout)
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

    def upload_cut(self, path, at_percent, timeout=120):
        """image upload of `path` killed (its process group) once its progress bar shows at least
        `at_percent`: the link lost mid-way. The bar is drawn only on a terminal: stderr is a pty.
        The percentage shown, or None if the upload ended before it showed that much."""
        _, cmd = self.command(["image", "upload", "-e", "1", path])
        master, slave = pty.openpty()
        start = time.monotonic()
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave,
                             start_new_session=True)
        os.close(slave)
        shown, seen = b"", None
        try:
            while time.monotonic() < start + timeout and seen is None:
                if not select.select([master], [], [], 0.5)[0]:
                    if p.poll() is not None:
                        break
                    continue
                try:
                    got = os.read(master, 4096)
                except OSError:  # EIO: the child's side is closed, it has ended
                    break
                if not got:
                    break
                shown += got
                pcts = [int(x) for x in re.findall(rb"\]\s*(\d+)%", shown)]
                if pcts and pcts[-1] >= at_percent:
                    seen = pcts[-1]
        finally:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()
            os.close(master)
        took = time.monotonic() - start
        self.calls.append((f"image upload {os.path.basename(path)} (cut)", took))
        last = shown.decode("utf-8", "replace").split("\r")[-1].strip()
        print(f"$ ward-mgmt image upload -e 1 {path}  -> killed at {seen}% after {took:.1f} s (status {p.returncode})")
        print(f"  | {last}")
        return seen


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
    if tool.conntype in NET_READY:
        dev.wait_text(NET_READY[tool.conntype], since=mark)
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


def upload_resumed(c, tool, path, image_bytes, version, at_least):
    """image upload again of a file whose upload was cut: ward-mgmt resumes at the device's offset
    (its "Resuming at offset N of M" line), at least `at_least`, and sends fewer bytes than the
    image (its "Done: M bytes (S sent in this run" line). The upload's end is the device's check
    of the whole image's SHA-256: an error there fails the run. The image's SHA-256 TLV."""
    p = tool.run("image", "upload", "-e", "1", "--no-progress", path)
    out = p.stdout + p.stderr
    m = re.search(r"Resuming at offset (\d+) of (\d+)", out)
    done = re.search(r"Done: (\d+) bytes \((\d+) sent in this run", out)
    check(c, p.returncode == 0 and done is not None and int(done.group(1)) == len(image_bytes),
          f"the resumed upload of {version} ends, verified by the device (exit {p.returncode})")
    resumed = int(m.group(1)) if m else 0
    check(c, m is not None and at_least <= resumed < len(image_bytes) and int(m.group(2)) == len(image_bytes),
          f"it resumed at the device's offset {resumed} (at least {at_least}), not at 0")
    sent = int(done.group(2)) if done else len(image_bytes)
    check(c, sent < len(image_bytes) and sent <= len(image_bytes) - resumed + 4096,
          f"{sent} of {len(image_bytes)} bytes sent in the resumed run")
    want = chain_e2e.measured(image_bytes)
    s = tool.slots().get((1, 1))
    check(c, s is not None and s.get("version") == version and s.get("hash") == want,
          f"slot 1 of image 1 holds {version} with the image's SHA-256 TLV: {s}")
    return want


def trial_and_confirm(c, dev, tool, want, version):
    """image test HASH -> reset -> `version` on trial -> image confirm."""
    p = tool.run("image", "test", want)
    check(c, p.returncode == 0, f"image test {want[:16]}... (exit {p.returncode})")
    reset_and_wait(c, dev, tool, expect=("upgrade requested (test)", f"boot: image 1 (non-secure) {version}+0 on trial"))
    s = tool.slots().get((1, 0))
    check(c, s is not None and s["version"] == version and "active" in s["flags"] and "confirmed" not in s["flags"],
          f"{version} runs on trial, not confirmed: {s}")
    p = tool.run("image", "confirm")
    s = tool.slots().get((1, 0))
    check(c, p.returncode == 0 and s is not None and s["version"] == version and "confirmed" in s["flags"],
          f"image confirm: {version} confirmed (exit {p.returncode}): {s}")


# The FWU binding's checkpoint (lib/mgmt/src/fwu_binding.cpp, kCheckpoint): what survives a reset.
CHECKPOINT = 16384


def resume(c, dev, tool, paths, images):
    """The resume scenario on a running device (1.0.0 confirmed)."""
    (v2_path, v3_path), (v2, v3) = paths, images
    # --- the link cut mid-way, resumed ---
    seen = tool.upload_cut(v2_path, 30)
    check(c, seen is not None, f"the upload of 2.0.0 was cut at {seen}% (at least 30%)")
    want = upload_resumed(c, tool, v2_path, v2, "2.0.0", (seen or 0) * len(v2) // 100)
    trial_and_confirm(c, dev, tool, want, "2.0.0")
    # --- a power cut mid-way (past the first checkpoint), resumed after the reboot ---
    at = max(30, -(-(CHECKPOINT + 4096) * 100 // len(v3)))
    seen = tool.upload_cut(v3_path, at)
    check(c, seen is not None, f"the upload of 3.0.0 was cut at {seen}% (at least {at}%, past {CHECKPOINT} bytes)")
    mark = len(dev.text())
    dev.power_cut()
    after = dev.wait_text(READY, since=mark)
    check(c, "boot: image 1 (non-secure) 2.0.0+0" in dev.text()[mark:after] and "upgrade requested" not in dev.text()[mark:after],
          "after the power cut the device boots 2.0.0, nothing requested")
    if tool.conntype in NET_READY:
        dev.wait_text(NET_READY[tool.conntype], since=mark)
    tool.wait_answering()
    # The device had at least what the progress showed; of it, every whole checkpoint survives.
    kept = (seen or 0) * len(v3) // 100 // CHECKPOINT * CHECKPOINT
    want = upload_resumed(c, tool, v3_path, v3, "3.0.0", max(kept, CHECKPOINT))
    trial_and_confirm(c, dev, tool, want, "3.0.0")


def upload_reset_resumed(c, dev, tool, path, image_bytes, version):
    """A reset mid-way: an upload cut past the device's first checkpoint, then `ward-mgmt reset`
    (the device's own reset, as an operator would after a stalled upload): the running image boots
    again, nothing requested, and the upload resumes at the checkpoint the device kept."""
    at = max(30, -(-(CHECKPOINT + 4096) * 100 // len(image_bytes)))
    seen = tool.upload_cut(path, at)
    check(c, seen is not None, f"the upload of {version} was cut at {seen}% (at least {at}%, past {CHECKPOINT} bytes)")
    booted = reset_and_wait(c, dev, tool, expect=("boot: image 1 (non-secure) 1.0.0+0",))
    check(c, "upgrade requested" not in booted, "after the reset mid-upload nothing is requested")
    kept = (seen or 0) * len(image_bytes) // 100 // CHECKPOINT * CHECKPOINT
    return upload_resumed(c, tool, path, image_bytes, version, max(kept, CHECKPOINT))


def smp_echo_packet():
    """An SMP 2 echo request: {"d": "x"}, the 8-byte header first."""
    body = bytes([0xa1, 0x61, 0x64, 0x61, 0x78])
    return bytes([1 << 3 | 2, 0]) + len(body).to_bytes(2, "big") + bytes([0, 0, 7, 0]) + body


def refused_client(c, dev, tool, what, connect, reason):
    """A client that must not get in: it sends an SMP echo; the device logs one more refusal, sends
    no SMP reply, and the slots are as they were."""
    before = tool.slots()
    refusals = dev.text().count(TLS_REFUSED)
    got = b""
    try:
        got = connect(smp_echo_packet())
    except (OSError, ssl.SSLError) as e:
        got = b""
        print(f"      {what}: {type(e).__name__}: {e}")
    end = time.monotonic() + 20
    while dev.text().count(TLS_REFUSED) <= refusals and time.monotonic() < end:
        time.sleep(0.2)
    text = dev.text()
    line = text[text.rfind(TLS_REFUSED):].split("\n", 1)[0] if text.count(TLS_REFUSED) > refusals else ""
    check(c, text.count(TLS_REFUSED) == refusals + 1 and reason in line,
          f"{what}: the device logged its refusal ({reason}): {line!r}")
    check(c, len(got) < 8 or got[0] & 0x07 != 3, f"{what}: no SMP reply ({len(got)} bytes back)")
    check(c, tool.slots() == before, f"{what}: the slots are untouched")


def tls_client(port, ca, cert=None, key=None):
    """A TLS client to the device that sends `packet` after the handshake and reads what comes back."""
    def connect(packet):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_verify_locations(ca)
        if cert:
            ctx.load_cert_chain(cert, key)
        with socket.create_connection(("127.0.0.1", port), timeout=15) as raw:
            with ctx.wrap_socket(raw, server_hostname=DEVICE_NAME) as s:
                s.sendall(packet)
                got = b""
                # Until one whole SMP packet (its header's length) or the end of the session.
                while len(got) < 8 or len(got) < 8 + int.from_bytes(got[2:4], "big"):
                    piece = s.recv(64)
                    if not piece:
                        break
                    got += piece
                return got
    return connect


def plain_client(port):
    def connect(packet):
        with socket.create_connection(("127.0.0.1", port), timeout=15) as s:
            s.sendall(packet)
            got = b""
            while len(got) < 64:
                piece = s.recv(64)
                if not piece:
                    break
                got += piece
            return got
    return connect


def make_tls_material(c, tls):
    """The device CA (ward-provision), the operator's certificate from the management CA, a rogue
    one from another CA. Returns (ward-mgmt's TLS arguments, the provisioning host, paths)."""
    d = os.path.join(c.work, "tls")
    os.makedirs(d, exist_ok=True)
    device_ca, other_ca = f"{d}/device-ca", f"{d}/other-ca"
    for ca, subject in ((device_ca, "/CN=Ward device CA"), (other_ca, "/CN=Another CA")):
        subprocess.run([sys.executable, tls["provision"], "ca", "--out", ca, "--subject", subject], check=True, timeout=60)
    ext = f"{d}/client.ext"
    with open(ext, "w") as f:
        f.write("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n")
    mgmt_ca = (f"{tls['mgmt_ca_dir']}/ca.pem", f"{tls['mgmt_ca_dir']}/ca.key")
    for name, (ca_pem, ca_key) in (("operator", mgmt_ca), ("stranger", mgmt_ca),
                                   ("rogue", (f"{other_ca}/ca.pem", f"{other_ca}/ca.key"))):
        subprocess.run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-keyout", f"{d}/{name}.key", "-subj", f"/CN={name}", "-out", f"{d}/{name}.csr"],
                       check=True, timeout=30, capture_output=True)
        subprocess.run(["openssl", "x509", "-req", "-in", f"{d}/{name}.csr", "-CA", ca_pem, "-CAkey", ca_key,
                        "-CAcreateserial", "-days", "30", "-sha256", "-extfile", ext, "-out", f"{d}/{name}.pem"],
                       check=True, timeout=30, capture_output=True)
    host = ProvisioningHost(d, tls["provision"], device_ca, ["--server-name", DEVICE_NAME])
    args = ["--tls-cert", f"{d}/operator.pem", "--tls-key", f"{d}/operator.key", "--tls-ca", f"{device_ca}/ca.pem",
            "--tls-name", DEVICE_NAME]
    return args, host, {"ca": f"{device_ca}/ca.pem", "rogue": (f"{d}/rogue.pem", f"{d}/rogue.key"),
                        "operator": (f"{d}/operator.pem", f"{d}/operator.key"),
                        "stranger": (f"{d}/stranger.pem", f"{d}/stranger.key")}


def refusals(c, dev, tool, paths):
    port = dev.tls_port
    # The control: the same client with the operator's certificate gets its SMP reply (op 3, the
    # echo's sequence number), so "no SMP reply" below is the device's refusal, not the client's.
    got = tls_client(port, paths["ca"], *paths["operator"])(smp_echo_packet())
    check(c, len(got) >= 8 and got[0] & 0x07 == 3 and got[6] == 7,
          f"the operator's certificate from the same client: an SMP reply ({len(got)} bytes)")
    refused_client(c, dev, tool, "a TLS client without a certificate", tls_client(port, paths["ca"]),
                   "(certificate")
    refused_client(c, dev, tool, "a TLS client with another CA's certificate",
                   tls_client(port, paths["ca"], *paths["rogue"]), "(certificate")
    refused_client(c, dev, tool, "a plain TCP client", plain_client(port), "(handshake")
    # The management CA's certificate for a common name not on the image's authorised list
    # (CONFIG_WARD_MGMT_TLS_AUTHORISED in samples/mgmt/tls.conf: "operator" is, "stranger" not):
    # the handshake succeeds, the session is closed before any SMP byte is read.
    refused_client(c, dev, tool, "a TLS client with the management CA's certificate for CN=stranger",
                   tls_client(port, paths["ca"], *paths["stranger"]), "(client not authorised)")
    # mcumgr parameters over TLS answer the TLS transport's own packet limit, 512 bytes (the
    # console's and UDP's are 1,024): ward-mgmt sizes its upload chunks from it (the uploads of
    # these scenarios go through it).
    params = bytes([1 << 3 | 0, 0, 0, 0, 0, 0, 9, 6])
    got = tls_client(port, paths["ca"], *paths["operator"])(params)
    check(c, len(got) >= 8 and got[0] & 0x07 == 1 and got[6] == 9 and b"buf_size\x19\x02\x00" in got,
          f"mcumgr parameters over TLS: buf_size 512, the TLS transport's packet limit ({got[8:].hex()})")
    # An authorised client whose stream breaks the framing: a header announcing more than the TLS
    # transport's 512-byte packet buffer (600: within the console's 1,024, so it is the TLS
    # transport's own limit that ends it). The session ends without an answer; the slots stay.
    before = tool.slots()
    mark = len(dev.text())
    over = bytes([1 << 3 | 2, 0]) + (600).to_bytes(2, "big") + bytes([0, 0, 8, 0]) + b"\xa0" * 16
    try:
        got = tls_client(port, paths["ca"], *paths["operator"])(over)
    except (OSError, ssl.SSLError):
        got = b""
    try:
        dev.wait_text("mgmt-tls: framing broken", since=mark, timeout=10)
        broken = True
    except RuntimeError:
        broken = False
    check(c, broken and got == b"" and tool.slots() == before,
          f"an over-long SMP header from an authorised client ends its session: no reply ({len(got)} bytes), "
          "logged, slots untouched")


def tls_session(port, ca, cert, key, rcvbuf=None):
    """An authorised TLS session to the device, open (the caller closes it); `rcvbuf`: the socket's
    receive buffer, set before connecting (no autotuning)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_verify_locations(ca)
    ctx.load_cert_chain(cert, key)
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    raw.settimeout(15)
    raw.connect(("127.0.0.1", port))
    return ctx.wrap_socket(raw, server_hostname=DEVICE_NAME)


def read_smp(s, count):
    """Up to `count` whole SMP packets from the session (fewer when it ends or times out)."""
    got, packets = b"", []
    try:
        while len(packets) < count:
            while len(got) >= 8 and len(got) >= 8 + int.from_bytes(got[2:4], "big"):
                n = 8 + int.from_bytes(got[2:4], "big")
                packets.append(got[:n])
                got = got[n:]
            if len(packets) >= count:
                break
            piece = s.recv(4096)
            if not piece:
                break
            got += piece
    except (OSError, ssl.SSLError):
        pass
    return packets


def smp(op, group, seq, cmd, body=b"", version=1):
    return bytes([version << 3 | op, 0]) + len(body).to_bytes(2, "big") + group.to_bytes(2, "big") + bytes([seq, cmd]) + body


def echo_body(n):
    """{"d": n letters} (n < 65536)."""
    head = bytes([0x78, n]) if n < 256 else bytes([0x79]) + n.to_bytes(2, "big")
    return bytes([0xa1, 0x61, 0x64]) + head + b"e" * n


def attacks(c, dev, tool, paths):
    """An authorised but hostile client on the TLS transport (512-byte packets): packets at the limit,
    pipelined, split over TLS records, one byte over and far over; the device answers every packet
    it takes, whole, and ends the session at the first it cannot take; it still serves afterwards."""
    port = dev.tls_port
    at_limit = smp(2, 0, 2, 0, echo_body(498))
    check(c, len(at_limit) == 512, f"an echo request of exactly 512 bytes ({len(at_limit)})")
    # Six requests in one TLS write (pipelined), the echo at the limit among them.
    batch = [smp(0, 0, 1, 6), at_limit, smp(0, 0, 3, 7, bytes([0xa1, 0x66]) + b"format" + bytes([0x61, 0x61])),
             smp(0, 1, 4, 0), smp(0, 0, 5, 2), smp(2, 0, 6, 0, echo_body(1))]
    with tls_session(port, paths["ca"], *paths["operator"]) as s:
        s.sendall(b"".join(batch))
        answers = read_smp(s, len(batch))
    sizes = [len(a) for a in answers]
    check(c, len(answers) == len(batch) and [a[6] for a in answers] == [1, 2, 3, 4, 5, 6]
          and all(a[0] & 0x07 in (1, 3) and a[-1] == 0xff for a in answers),
          f"six pipelined requests in one TLS record: six whole answers in order (sizes {sizes})")
    check(c, len(answers) > 1 and len(answers[1]) == 513 and answers[1][-499:-1] == b"e" * 498,
          f"the echo of a 512-byte request: 513 bytes back, whole (over buf_size 512: from the 1,024-byte buffer)")
    print(f"      answers over TLS: {sizes} bytes (params, echo at the limit, os info a, image state, task statistics, echo)")
    # The packet at the limit split over TLS records: 3 bytes of header, 5, then its data in two.
    with tls_session(port, paths["ca"], *paths["operator"]) as s:
        for piece in (at_limit[:3], at_limit[3:8], at_limit[8:300], at_limit[300:]):
            s.sendall(piece)
            time.sleep(0.05)
        answers = read_smp(s, 1)
    check(c, len(answers) == 1 and len(answers[0]) == 513 and answers[0][6] == 2,
          f"a 512-byte request split over four TLS records (header 3 + 5): answered whole ({[len(a) for a in answers]})")
    # One byte over, and far over (the header's length field at its largest): the first packet
    # is answered, the session ends at the next header, nothing of it is read or answered.
    for data in (505, 0xffff):
        mark = len(dev.text())
        over = smp(2, 0, 9, 0, echo_body(data - 5)[:16])  # the header announces data bytes; 16 follow
        over = over[:2] + data.to_bytes(2, "big") + over[4:]
        with tls_session(port, paths["ca"], *paths["operator"]) as s:
            s.sendall(at_limit + over + at_limit)
            answers = read_smp(s, 3)
        try:
            dev.wait_text("mgmt-tls: framing broken", since=mark, timeout=10)
            broken = True
        except RuntimeError:
            broken = False
        check(c, broken and len(answers) == 1 and answers[0][6] == 2,
              f"a header announcing {data} bytes after a packet at the limit: that one answered, then the session "
              f"ends, logged ({len(answers)} answers)")
    # A client that pipelines answers it never reads: the device's writes stall once slirp's and
    # the host socket's buffers are full, with the turn the console shares held (the answer is
    # written out of the shared response buffer under it). How long the console waits meanwhile.
    flood_mark = len(dev.text())
    stalled = tls_session(port, paths["ca"], *paths["operator"], rcvbuf=4096)
    stalled.settimeout(30)
    stop = threading.Event()
    sent = [0]

    def flood():
        try:
            for _ in range(2000):
                if stop.is_set():
                    break
                stalled.sendall(at_limit)
                sent[0] += 1
        except (OSError, ssl.SSLError):
            pass

    flooder = threading.Thread(target=flood, daemon=True)
    flooder.start()
    serial = Tool(tool.path, "serial", dev)
    waits = []
    until = time.monotonic() + 12
    while time.monotonic() < until:
        time.sleep(1)
        start = time.monotonic()
        p = serial.run("echo", "console", tries=1, reply_timeout=40, timeout=60)
        waits.append((round(time.monotonic() - start, 1), p.returncode, sent[0]))
    stop.set()
    stalled.close()
    flooder.join(timeout=20)
    worst = max(w for w, _, _ in waits)
    print("      device meanwhile: " + " | ".join(l for l in dev.text()[flood_mark:].splitlines() if "mgmt" in l))
    print(f"      the console's echo while a TLS client never reads (seconds, exit, requests sent): {waits}")
    check(c, all(rc == 0 for _, rc, _ in waits),
          f"the console still answers while a TLS client never reads its answers (worst {worst} s)")
    # Still serving: the tool's own session, and the console transport's answer unchanged.
    s = tool.slots().get((1, 0))
    check(c, s is not None and s["version"] == "1.0.0", f"after the attacks the device still answers: {s}")


def production_checks(c, dev, config_path):
    """The image under test was built in a production configuration (its Kconfig output), without
    SMP over plain UDP: nothing answers an SMP request on UDP port 1337 (slirp forwards it there)."""
    with open(config_path) as f:
        config = f.read().splitlines()
    check(c, "CONFIG_WARD_PRODUCTION=y" in config and "CONFIG_WARD_MGMT_TLS=y" in config
          and "# CONFIG_WARD_MGMT_UDP is not set" in config,
          f"the image's configuration is a production one, TLS without UDP ({config_path})")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
        u.settimeout(3)
        u.sendto(smp_echo_packet(), ("127.0.0.1", dev.udp_port))
        try:
            got = u.recv(2048)
        except (socket.timeout, ConnectionRefusedError):
            got = b""
    check(c, got == b"", f"an SMP echo over UDP port 1337 gets no answer ({len(got)} bytes)")


def run(c, tool_path, conntype, scenario, tls=None):
    c.raw[1] = open(c.args.app_bin, "rb").read()
    c.primary(0, c.sign(0))
    c.primary(1, c.sign(1))
    update = bytes(c.sign(1, "2.0.0", counter=2))
    update_path = os.path.join(c.work, "update-2.0.0.bin")
    third = bytes(c.sign(1, "3.0.0", counter=3))
    third_path = os.path.join(c.work, "update-3.0.0.bin")
    # The rolled-back image: signed with a lower version and security counter; its payload is the
    # application's first 4 KiB, as the device refuses it before anything could run it (and a
    # short upload keeps the serial run within its time).
    full = c.raw[1]
    c.raw[1] = full[:4096]
    older = bytes(c.sign(1, "1.5.0", counter=1))
    c.raw[1] = full
    older_path = os.path.join(c.work, "older-1.5.0.bin")
    for path, data in ((update_path, update), (older_path, older), (third_path, third)):
        with open(path, "wb") as f:
            f.write(data)
    # resume: two uploads and a partial one on the first QEMU (about 70 s over the UART on an
    # idle machine, twice that loaded).
    tls_args, host, tls_paths, device_args = [], None, None, []
    if conntype == "tls":
        tls_args, host, tls_paths = make_tls_material(c, tls)
        device_args = [f"--time={int(time.time())}", f"--prov={host.port}"]
    dev = Device(c, lifetime={"resume": 300, "revert": 230}.get(scenario, 170), device_args=device_args)
    tool = Tool(tool_path, conntype, dev, tls_args)
    started = time.monotonic()
    try:
        dev.wait_text(READY, timeout=30)
        if conntype in NET_READY:
            dev.wait_text(NET_READY[conntype], timeout=60)
        if host is not None:
            host.check()
        tool.wait_answering()
        slots = tool.slots()
        s = slots.get((1, 0))
        check(c, s is not None and s["version"] == "1.0.0" and {"active", "confirmed"} <= s["flags"],
              f"image list: image 1 runs 1.0.0, active and confirmed: {s}")
        if tls and tls.get("production_config"):
            production_checks(c, dev, tls["production_config"])
        if conntype == "tls" and scenario == "update":
            refusals(c, dev, tool, tls_paths)
        if scenario == "attack":
            attacks(c, dev, tool, tls_paths)
            return
        if scenario == "resume":
            resume(c, dev, tool, (update_path, third_path), (update, third))
            return
        if scenario == "revert":
            want = upload_reset_resumed(c, dev, tool, update_path, update, "2.0.0")
        else:
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
    for name in ("--ward-mgmt", "--conntype", "--scenario", "--mgmt-ca-dir", "--provision", "--production-config"):
        if name not in argv:
            continue
        i = argv.index(name)
        opts[name] = argv[i + 1]
        del argv[i:i + 2]
    if opts.get("--conntype") not in ("serial", "udp", "tls") or opts.get("--scenario") not in ("update", "revert", "resume", "attack") \
            or (opts["--scenario"] == "attack" and opts["--conntype"] != "tls") \
            or (opts["--conntype"] == "tls" and not ("--mgmt-ca-dir" in opts and "--provision" in opts)):
        print("usage: --conntype serial|udp|tls --scenario update|revert|resume|attack [--mgmt-ca-dir DIR --provision TOOL]")
        return 2
    tls = {"mgmt_ca_dir": opts.get("--mgmt-ca-dir"), "provision": opts.get("--provision"),
           "production_config": opts.get("--production-config")}
    name = f"mgmt_tool_{opts['--conntype']}_{opts['--scenario']}"
    chain_e2e.SCENARIOS[name] = lambda c: run(c, opts["--ward-mgmt"], opts["--conntype"], opts["--scenario"], tls)
    sys.argv = [sys.argv[0]] + argv + ["run", name]
    return chain_e2e.main()


if __name__ == "__main__":
    sys.exit(main())
