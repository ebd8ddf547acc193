#!/usr/bin/python3
"""End-to-end tests of Ward's single-image bootloader on QEMU (mps2-an505), and its boot-time
benchmark (the two-image chain's are in chain_e2e.py).

The flash is a host file (semihosting); this script lays slots into it exactly as the flash
layout from boot/Kconfig says (the build passes the numbers), runs the bootloader under QEMU with
the slot application (slot_app/), and checks what the console says and the file holds afterwards.

  boot_e2e.py --build DIR LAYOUT... run SCENARIO      one scenario (a CTest test each)
  boot_e2e.py --build DIR LAYOUT... bench              boot time for a 256 KiB image, upgrade writes
"""
import argparse
import os
import shutil
import struct
import subprocess
import sys
import tempfile

MAGIC = struct.pack("<IIII", 0xF395C277, 0x7FEFD260, 0x0F505235, 0x8079B62C)
BANNER = "*** Booting Ward"


class Layout:
    def __init__(self, a):
        self.sector = a.sector_size
        self.k = a.slot_sectors
        self.counter = a.counter_offset
        self.primary = a.primary_offset
        self.secondary = a.secondary_offset
        self.size = a.flash_size
        self.slot_size = self.k * self.sector
        self.secondary_slot = self.secondary + self.sector  # the new image goes one sector up


class Flash:
    def __init__(self, layout):
        self.l = layout
        self.data = bytearray(b"\xff" * layout.size)

    def put(self, offset, blob):
        self.data[offset:offset + len(blob)] = blob

    def primary(self, image):
        self.put(self.l.primary, image)

    def request(self, image, permanent=False):
        """An image in the secondary slot with its trailer magic: an upgrade request."""
        self.put(self.l.secondary_slot, image)
        end = self.l.secondary_slot + self.l.slot_size
        self.put(end - 16, MAGIC)
        if permanent:
            self.put(end - 24, b"\x01")

    def counter(self, value):
        self.put(self.l.counter, struct.pack("<II", value, value ^ 0xFFFFFFFF))

    def save(self, path):
        with open(path, "wb") as f:
            f.write(self.data)


def read(path):
    with open(path, "rb") as f:
        return bytearray(f.read())


def tlv_offset(image):
    hdr_size, prot = struct.unpack_from("<HH", image, 8)
    img_size = struct.unpack_from("<I", image, 12)[0]
    return hdr_size + img_size + prot


def strip_signature(image):
    """The image with only its SHA-256 TLV left: well-formed, hashed, but unsigned."""
    off = tlv_offset(image)
    total = struct.unpack_from("<H", image, off + 2)[0]
    pos, sha = off + 4, None
    while pos < off + total:
        t, n = struct.unpack_from("<HH", image, pos)
        if t == 0x10:
            sha = image[pos:pos + 4 + n]
        pos += 4 + n
    return image[:off] + struct.pack("<HH", 0x6907, 4 + len(sha)) + sha


def run_qemu(args, workdir, append="", timeout=60):
    cmd = ["timeout", str(timeout), "qemu-system-arm", "-M", "mps2-an505", "-display", "none",
           "-monitor", "none", "-chardev", "stdio,id=con,mux=on", "-serial", "chardev:con",
           "-semihosting-config", "enable=on,target=native,chardev=con",
           "-kernel", args.bootloader]
    if append:
        cmd += ["-append", append]
    if args.icount is not None:
        cmd += ["-icount", f"shift={args.icount},align=off,sleep=off"]
    p = subprocess.run(cmd, cwd=workdir, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=timeout + 10)
    text = p.stdout.decode("utf-8", errors="replace")
    return p.returncode, text


class Scenario:
    def __init__(self, args, name):
        self.args = args
        self.layout = Layout(args)
        self.work = tempfile.mkdtemp(prefix=f"ward-boot-{name}-")
        self.flash = Flash(self.layout)
        self.failures = []
        self.image = {n: read(os.path.join(args.images, f"update_{n}.signed.bin"))
                      for n in ("v1", "v2", "v3_rollback")}
        self.image["v2_otherkey"] = read(os.path.join(args.other_key_image))
        self.image["v2_fullkey"] = read(os.path.join(args.full_key_image))
        self.image["v2_otherkey_full"] = read(os.path.join(args.other_full_key_image))

    def update_bin(self, blob):
        with open(os.path.join(self.work, "update.bin"), "wb") as f:
            f.write(blob)

    def boot(self, append="", expect_status=0, boots=None, expect=(), forbid=()):
        self.flash.save(os.path.join(self.work, self.args.flash_file)) if self.flash else None
        self.flash = None  # from now on the file is the truth
        status, text = run_qemu(self.args, self.work, append)
        print(text, end="" if text.endswith("\n") else "\n")
        if status != expect_status:
            self.failures.append(f"exit status {status}, expected {expect_status}")
        if boots is not None and text.count(BANNER) != boots:
            self.failures.append(f"{text.count(BANNER)} application boots, expected {boots}")
        pos = 0
        for e in expect:  # in this order
            i = text.find(e, pos)
            if i < 0:
                self.failures.append(f"missing (in order): {e!r}")
            else:
                pos = i + len(e)
        for f in forbid:
            if f in text:
                self.failures.append(f"unexpected: {f!r}")
        return text

    def flash_file(self):
        return read(os.path.join(self.work, self.args.flash_file))

    def check(self, what, ok):
        if not ok:
            self.failures.append(what)

    def finish(self):
        if self.failures:
            print("boot_e2e: FAILED:\n  " + "\n  ".join(self.failures))
            print(f"boot_e2e: work directory kept: {self.work}")
            return 1
        shutil.rmtree(self.work, ignore_errors=True)
        print("boot_e2e: PASS")
        return 0


def refused(s, blob, reason, primary="v1"):
    """The bootloader refuses the requested image with `reason` and keeps booting the old one."""
    s.flash.primary(s.image[primary])
    s.flash.request(blob)
    s.boot(boots=1, expect=["boot: upgrade REFUSED: secondary image " + reason,
                            "boot: starting image 1.0.0", "app: version 1.0.0", "app: no update offered"],
           forbid=["upgrade requested (test)"])
    f = s.flash_file()
    end = s.layout.secondary_slot + s.layout.slot_size
    s.check("the refused request must be cancelled", f[end - 16:end] == b"\xff" * 16)


def sc_upgrade_confirm(s):
    s.flash.primary(s.image["v1"])
    s.update_bin(s.image["v2"])
    s.boot(boots=2, expect=["*** Ward bootloader", "security counter raised to 1", "boot: starting image 1.0.0",
                            "app: version 1.0.0+0 running, confirmed", "app: downloading update 2.0.0",
                            "app: test upgrade requested", "app: rebooting", "*** Ward bootloader",
                            "boot: upgrade requested (test)", "boot: upgrade done",
                            "boot: starting image 2.0.0+0 on trial", "app: version 2.0.0+0 running ON TRIAL",
                            "app: image confirmed", "is not newer"])
    # Next power-up: the confirmed image stays, and only now the counter moves to its value.
    s.boot(boots=1, expect=["boot: security counter raised to 2", "boot: starting image 2.0.0",
                            "app: version 2.0.0+0 running, confirmed"],
           forbid=["upgrade requested", "reverting"])
    f = s.flash_file()
    s.check("primary holds v2", f[s.layout.primary:s.layout.primary + len(s.image["v2"])] == s.image["v2"])
    s.check("old image kept one sector lower in the secondary partition",
            f[s.layout.secondary:s.layout.secondary + len(s.image["v1"])] == s.image["v1"])


def sc_revert(s):
    s.flash.primary(s.image["v1"])
    s.update_bin(s.image["v2"])
    s.boot(append="--no-confirm", boots=3,
           expect=["app: version 1.0.0", "app: test upgrade requested", "boot: upgrade requested (test)",
                   "app: version 2.0.0+0 running ON TRIAL", "not confirming", "app: rebooting",
                   "boot: test image not confirmed: reverting", "boot: revert done",
                   "boot: starting image 1.0.0", "app: version 1.0.0+0 running, confirmed",
                   "was already tried"])
    f = s.flash_file()
    s.check("primary holds v1 again", f[s.layout.primary:s.layout.primary + len(s.image["v1"])] == s.image["v1"])


def sc_permanent(s):
    s.flash.primary(s.image["v1"])
    s.update_bin(s.image["v2"])
    s.boot(append="--permanent --no-confirm", boots=2,
           expect=["app: permanent upgrade requested", "boot: upgrade requested (permanent)",
                   "boot: security counter raised to 2", "boot: starting image 2.0.0",
                   "app: version 2.0.0+0 running, confirmed"], forbid=["reverting", "ON TRIAL"])


def sc_rollback(s):
    # v2 runs and has raised the counter to 2; a "newer" 3.0.0 with security counter 1 is offered.
    s.flash.primary(s.image["v2"])
    s.flash.counter(2)
    s.update_bin(s.image["v3_rollback"])
    s.boot(boots=2, expect=["app: version 2.0.0", "app: downloading update 3.0.0", "app: test upgrade requested",
                            "boot: image REFUSED: security counter 1 is below 2 (rollback)",
                            "boot: starting image 2.0.0", "was already tried"],
           forbid=["upgrade requested (test)"])


def sc_rollback_primary(s):
    # An old image put straight into the primary slot (e.g. by flash tools) does not boot either.
    s.flash.primary(s.image["v1"])
    s.flash.counter(2)
    s.boot(expect_status=10, boots=0, expect=["boot: image REFUSED: security counter 1 is below 2 (rollback)",
                                              "boot: no bootable image: halting"])


def sc_tampered(s):
    blob = bytearray(s.image["v2"])
    blob[0x200 + 100] ^= 0x01
    refused(s, blob, "SHA-256 mismatch")


def sc_tampered_primary(s):
    blob = bytearray(s.image["v1"])
    blob[0x200 + 100] ^= 0x01
    s.flash.primary(blob)
    s.boot(expect_status=10, boots=0, expect=["boot: primary image REFUSED: SHA-256 mismatch",
                                              "boot: no bootable image: halting"])


def sc_wrong_key(s):
    refused(s, s.image["v2_otherkey"], "signed with an unknown key")


def sc_unsigned(s):
    refused(s, strip_signature(s.image["v2"]), "unsigned")


def sc_truncated(s):
    blob = s.image["v2"]
    refused(s, blob[:len(blob) // 2], "truncated")


def sc_wrong_magic(s):
    blob = bytearray(s.image["v2"])
    blob[0:4] = b"\x3d\xb8\xf3\x97"
    refused(s, blob, "wrong magic")


def sc_full_key(s):
    # imgtool --public-key-format full: the key itself (TLV 0x02) instead of its hash.
    s.flash.primary(s.image["v1"])
    s.flash.request(s.image["v2_fullkey"], permanent=True)
    s.boot(boots=1, expect=["boot: upgrade requested (permanent)", "boot: upgrade done",
                            "boot: starting image 2.0.0", "app: version 2.0.0+0 running, confirmed"],
           forbid=["REFUSED"])


def sc_full_key_unknown(s):
    refused(s, s.image["v2_otherkey_full"], "signed with an unknown key")


def sc_wrong_align(s):
    # A request padded for a 32-byte write unit (imgtool --align 32: the alignment and the other
    # magic, image_ok 64 bytes from the end) on this flash with 8-byte writes.
    s.flash.primary(s.image["v1"])
    s.flash.put(s.layout.secondary_slot, s.image["v2"])
    end = s.layout.secondary_slot + s.layout.slot_size
    s.flash.put(end - 16, struct.pack("<H", 32) + bytes.fromhex("2de15d29410b8d77679c110f1f8a"))
    s.flash.put(end - 64, b"\x01")
    s.boot(boots=1, expect=["boot: upgrade REFUSED: trailer written for 32-byte alignment, this flash needs 8",
                            "boot: starting image 1.0.0", "app: version 1.0.0"],
           forbid=["upgrade requested"])
    f = s.flash_file()
    s.check("the refused request must be cancelled", f[end - 16:end] == b"\xff" * 16)


def ram_load_refused(s, patch, reason):
    """The primary image with a header field changed: refused by the RAM loader, before any copy,
    with its own reason."""
    blob = bytearray(s.image["v1"])
    patch(blob)
    s.flash.primary(blob)
    s.boot(expect_status=10, boots=0, expect=["boot: primary image REFUSED: " + reason,
                                              "boot: no bootable image: halting"])


def sc_not_ram_load(s):
    ram_load_refused(s, lambda b: struct.pack_into("<I", b, 16, 0), "not a RAM-load image")


def sc_load_outside_window(s):
    ram_load_refused(s, lambda b: struct.pack_into("<I", b, 4, 0x38000000), "load address outside executable memory")


def sc_vectors_misaligned(s):
    ram_load_refused(s, lambda b: struct.pack_into("<I", b, 4, 0x10100100), "vector table not 512-byte aligned")


def sc_empty(s):
    s.boot(expect_status=10, boots=0, expect=["boot: primary image REFUSED: wrong magic",
                                              "boot: no bootable image: halting"])


def with_extra_tlv(image, fill, length):
    """The image with a TLV of a type Ward does not know appended to its unprotected area: outside
    the hash, so anyone can do it to a signed image without breaking the signature."""
    off = tlv_offset(image)
    total = struct.unpack_from("<H", image, off + 2)[0]
    out = bytearray(image[:off + total]) + struct.pack("<HH", 0x7F7F, length) + bytes([fill]) * length
    struct.pack_into("<H", out, off + 2, total + 4 + length)
    return out


def sc_unknown_unprotected_tlv(s):
    # An unknown TLV in the unprotected area carries anything past the signature (even a whole
    # nested TLV area): refused, as MCUboot's TLV allow list does.
    refused(s, with_extra_tlv(s.image["v2"], 0xCC, 64), "malformed or misplaced TLV")


def sc_unknown_unprotected_tlv_primary(s):
    s.flash.primary(with_extra_tlv(s.image["v1"], 0xCC, 64))
    s.boot(expect_status=10, boots=0, expect=["boot: primary image REFUSED: malformed or misplaced TLV",
                                              "boot: no bootable image: halting"])


def sc_unsigned_tlv_not_executable(s):
    # Read through QEMU's debugger when the bootloader has handed over (the application's reset
    # handler): the signed part must be at the load address, and nothing of the unprotected TLV
    # area (hash, key hash, signature: bytes anyone can change) after it.
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "qemu-runner"))
    from qemu_gdb import QemuGdb, elf_symbol
    blob = s.image["v1"]
    s.flash.primary(blob)
    s.flash.save(os.path.join(s.work, s.args.flash_file))
    s.flash = None
    load_addr = struct.unpack_from("<I", blob, 4)[0]
    hashed = tlv_offset(blob)
    with QemuGdb(["-kernel", s.args.bootloader], cwd=s.work) as q:
        q.run_to(elf_symbol(os.path.join(s.args.images, "update_v1.elf"), "ward_reset_handler"))
        signed = q.read(load_addr, hashed)
        after = q.read(load_addr + hashed, len(blob) - hashed)
        print(q.output(), end="")
    s.check("the signed part must be at the load address", signed == blob[:hashed])
    s.check(f"the unprotected TLV area ({len(after)} bytes) must not follow the image in executable memory "
            f"(at {load_addr + hashed:#x}); the window after the signed part must be zeroed", after == bytes(len(after)))


SCENARIOS = {n[3:]: f for n, f in globals().items() if n.startswith("sc_")}


def bench(args):
    """Boot time to the application for a 256 KiB image, in instructions (-icount shift=0), and the
    flash writes of an upgrade to it."""
    import re
    layout = Layout(args)
    work = os.path.join(args.build, "bench-boot")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    big = read(os.path.join(args.images, "update_big.signed.bin"))
    flash = Flash(layout)
    flash.primary(big)
    flash.counter(1)
    flash.save(os.path.join(work, args.flash_file))
    args.icount = 0
    status, text = run_qemu(args, work, timeout=300)
    m = re.search(r"boot: (\d+) SysTick ticks to hand-over", text)
    if status != 0 or not m:
        print(text)
        print("bench: the boot failed")
        return 1
    print(f"boot time to the application, {len(big)} byte image: {int(m.group(1)) * 50} instructions "
          f"(reset to hand-over, QEMU -icount shift=0)")
    # An upgrade between two images of this size: the bytes the bootloader programs.
    flash = Flash(layout)
    flash.primary(big)
    flash.counter(1)
    flash.request(big)  # same size (and signature): the swap work does not depend on contents
    flash.save(os.path.join(work, args.flash_file))
    status, text = run_qemu(args, work, timeout=300)
    m = re.search(r"(\d+) sectors erased, (\d+) bytes programmed", text)
    if status != 0 or not m:
        print(text)
        print("bench: the upgrade failed")
        return 1
    erased, written = int(m.group(1)), int(m.group(2))
    print(f"upgrade of a {len(big)} byte image: {written} bytes programmed = {written / len(big):.3f} per byte "
          f"of update, {erased} sector erases ({layout.sector} byte sectors)")
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", required=True, help="firmware build directory")
    p.add_argument("--bootloader", required=True)
    p.add_argument("--images", required=True, help="folder with update_*.signed.bin")
    p.add_argument("--other-key-image", required=True, help="v2 signed with a key the bootloader does not know")
    p.add_argument("--full-key-image", required=True, help="v2 signed with --public-key-format full")
    p.add_argument("--other-full-key-image", required=True, help="the same with a key the bootloader does not know")
    p.add_argument("--flash-file", default="ward-flash.img")
    p.add_argument("--icount", type=int, default=None)
    for opt in ("sector-size", "slot-sectors", "counter-offset", "primary-offset", "secondary-offset", "flash-size"):
        p.add_argument("--" + opt, type=lambda v: int(v, 0), required=True)
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("scenario", choices=sorted(SCENARIOS))
    sub.add_parser("bench")
    args = p.parse_args()
    if args.cmd == "bench":
        return bench(args)
    s = Scenario(args, args.scenario)
    SCENARIOS[args.scenario](s)
    return s.finish()


if __name__ == "__main__":
    sys.exit(main())
