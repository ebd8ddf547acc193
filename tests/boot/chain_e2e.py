#!/usr/bin/python3
"""End-to-end tests of the two-image chain on QEMU (mps2-an505; docs/boot.md, "One chain of trust"):
bootloader -> secure image (image 0) -> non-secure image (image 1), each stage verified.

Each scenario signs the secure and the non-secure binary with ward-image (each with its own key),
lays them into the flash file as boot/Kconfig's layout says, boots the chain bootloader under QEMU
and checks the console: what was verified, what was refused and why, what the secure image's
measured boot received, and that the non-secure image ran (or did not).

  chain_e2e.py ARGS run SCENARIO     one scenario (a CTest test each)
  chain_e2e.py ARGS bench            reset -> secure entry with a 256 KiB secure and non-secure image
"""
import argparse
import hashlib
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

MAGIC = struct.pack("<IIII", 0xF395C277, 0x7FEFD260, 0x0F505235, 0x8079B62C)
LOAD = (0x10008000, 0x00200000)  # image 0 (secure), image 1 (non-secure): header addresses
NAMES = ("SPE", "NSPE")


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


class Chain:
    def __init__(self, args, name):
        self.args = args
        self.work = tempfile.mkdtemp(prefix=f"ward-chain-{name}-")
        self.flash = bytearray(b"\xff" * args.flash_size)
        self.failures = []
        self.raw = [open(args.secure_bin, "rb").read(), open(args.ns_bin, "rb").read()]

    def sign(self, i, version="1.0.0", counter=1, key=None, deps=None, pad_to=None, name=None):
        out = os.path.join(self.work, f"img{i}-{version}-{counter}.bin")
        raw = self.raw[i]
        if pad_to:  # a bigger image (the benchmark): zero padding after the code
            raw = raw + bytes(pad_to - len(raw) - self.args.header_size - 512)
        src = os.path.join(self.work, f"raw{i}.bin")
        with open(src, "wb") as f:
            f.write(raw)
        cmd = [self.args.tool, "sign", "-k", key or (self.args.key0, self.args.key1)[i], "--version", version,
               "--header-size", str(self.args.header_size), "--pad-header", "--security-counter", str(counter),
               "--align", str(self.args.align), "--load-addr", hex(LOAD[i]), "--boot-record", name or NAMES[i]]
        if deps:
            cmd += ["--dependencies", deps]
        subprocess.run(cmd + [src, out], check=True)
        with open(out, "rb") as f:
            return bytearray(f.read())

    def layout(self, i):
        return self.args.layout0 if i == 0 else self.args.layout1  # counter, primary, secondary, slot size

    def primary(self, i, image):
        off = self.layout(i)[1]
        self.flash[off:off + len(image)] = image

    def request(self, i, image, permanent=False):
        _, _, secondary, slot = self.layout(i)
        start = secondary + self.args.sector_size
        self.flash[start:start + len(image)] = image
        self.flash[start + slot - 16:start + slot] = MAGIC
        if permanent:
            self.flash[start + slot - 24] = 1

    def counter(self, i, value):
        off = self.layout(i)[0]
        self.flash[off:off + 8] = struct.pack("<II", value, value ^ 0xFFFFFFFF)

    def boot(self, expect_status=0, expect=(), forbid=(), icount=None, timeout=60):
        with open(os.path.join(self.work, self.args.flash_file), "wb") as f:
            f.write(self.flash)
        cmd = ["timeout", str(timeout), "qemu-system-arm", "-M", "mps2-an505", "-display", "none",
               "-monitor", "none", "-chardev", "stdio,id=con,mux=on", "-serial", "chardev:con",
               "-semihosting-config", "enable=on,target=native,chardev=con", "-kernel", self.args.bootloader]
        if icount is not None:
            cmd += ["-icount", f"shift={icount},align=off,sleep=off"]
        p = subprocess.run(cmd, cwd=self.work, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=timeout + 10)
        text = p.stdout.decode("utf-8", errors="replace")
        print(text, end="" if text.endswith("\n") else "\n")
        if expect_status is not None and p.returncode != expect_status:
            self.failures.append(f"exit status {p.returncode}, expected {expect_status}")
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


RAN = "chain: PSA call to the secure image: ok"


def measured(image):
    """What the secure image must report for an image: the SHA-256 of its signed part."""
    return hashlib.sha256(bytes(image[:tlv_offset(image)])).hexdigest()


def boot_both(c):
    s, ns = c.sign(0), c.sign(1)
    c.primary(0, s)
    c.primary(1, ns)
    c.boot(expect=["boot: image 0 (secure) 1.0.0+0, security counter 1", "verified",
                   "boot: image 1 (non-secure) 1.0.0+0, security counter 1", "verified",
                   "secure: measured boot: image 0 'SPE' 1.0.0+0, security counter 1",
                   "sha256 " + measured(s),
                   "secure: measured boot: image 1 'NSPE' 1.0.0+0", "sha256 " + measured(ns),
                   "SysTick ticks from reset to the non-secure entry",
                   "chain: the non-secure image is running", RAN])


def refused(c, i, image, reason):
    """Image i bad in its primary slot, the other one good: nothing runs, the reason is printed."""
    c.primary(i, image)
    c.primary(1 - i, c.sign(1 - i))
    c.boot(expect_status=10, expect=[f"boot: image {i}", f"primary image REFUSED: {reason}",
                                     "boot: no bootable image: halting"],
           forbid=["secure: measured boot", "chain: the non-secure image"])


def tampered(i):
    def run(c):
        img = c.sign(i)
        img[c.args.header_size + 100] ^= 0x01
        refused(c, i, img, "SHA-256 mismatch")
    return run


def truncated(i):
    # The first half of a signed image: its TLV area lies past what the slot holds (erased bytes).
    def run(c):
        img = c.sign(i)
        refused(c, i, img[:len(img) // 2], "truncated")
    return run


def unsigned(i):
    return lambda c: refused(c, i, strip_signature(c.sign(i)), "unsigned")


def wrong_key(i):
    # Signed with the other image's key: each image has its own.
    return lambda c: refused(c, i, c.sign(i, key=(c.args.key1, c.args.key0)[i]), "signed with an unknown key")


def rollback(i):
    def run(c):
        c.counter(i, 3)
        c.primary(i, c.sign(i, "2.0.0", counter=2))
        c.primary(1 - i, c.sign(1 - i))
        c.boot(expect_status=10, expect=[f"boot: image {i}", "security counter 2 is below 3 (rollback)",
                                         "boot: no bootable image: halting"],
               forbid=["chain: the non-secure image"])
    return run


def dependency_unmet(c):
    c.primary(0, c.sign(0))
    c.primary(1, c.sign(1))
    c.request(1, c.sign(1, "2.0.0", counter=2, deps="(0, 2.0.0)"))
    c.boot(expect=["boot: image 1", "upgrade REFUSED: dependency unmet: needs image 0 >= 2.0.0",
                   "boot: image 1 (non-secure) 1.0.0+0", RAN], forbid=["on trial"])


def upgrade_both(c):
    c.primary(0, c.sign(0))
    c.primary(1, c.sign(1))
    c.request(0, c.sign(0, "2.0.0", counter=2))
    c.request(1, c.sign(1, "2.0.0", counter=2, deps="(0, 2.0.0)"))
    c.boot(expect=["boot: image 0", "upgrade requested (test)", "upgrade done",
                   "boot: image 1", "upgrade requested (test)", "upgrade done",
                   "boot: image 0 (secure) 2.0.0+0 on trial", "boot: image 1 (non-secure) 2.0.0+0 on trial",
                   "secure: measured boot: image 0 'SPE' 2.0.0+0, security counter 2, on trial", RAN])
    # Neither confirmed itself: the next boot brings both back.
    c.flash = bytearray(open(os.path.join(c.work, c.args.flash_file), "rb").read())
    c.boot(expect=["reverting", "revert done", "boot: image 0 (secure) 1.0.0+0",
                   "boot: image 1 (non-secure) 1.0.0+0", RAN])


# --- Red team (issue 13): attacks on the chain that must fail --------------------------------------

def downgrade_breaks_dependency(c):
    """A signed image 0 1.9.0 with image 0's counter (no rollback by the counter), while the confirmed
    image 1 needs image 0 >= 2.0.0: the request is refused and both keep running. It used to be
    swapped in, then image 1 was refused: no bootable image, the device halted."""
    c.counter(0, 2)
    c.counter(1, 2)
    c.primary(0, c.sign(0, "2.0.0", counter=2))
    c.primary(1, c.sign(1, "2.0.0", counter=2, deps="(0, 2.0.0)"))
    c.request(0, c.sign(0, "1.9.0", counter=2))
    c.boot(expect=["boot: image 0", "upgrade REFUSED: image 1 needs this image >= 2.0.0",
                   "boot: image 0 (secure) 2.0.0+0, security counter 2", "boot: image 1 (non-secure) 2.0.0+0",
                   RAN], forbid=["on trial", "no bootable image"])


def rollback_below_confirmed(c):
    """The stored counter lags a confirmed image until it boots (after psa_fwu_accept): a request with
    a counter between the stored one and the confirmed image's is a rollback all the same."""
    c.counter(1, 1)
    c.primary(0, c.sign(0))
    c.primary(1, c.sign(1, "2.0.0", counter=2))
    c.request(1, c.sign(1, "3.0.0", counter=1))
    c.boot(expect=["boot: image 1", "security counter 1 is below 2 (rollback)",
                   "boot: image 1 (non-secure) 2.0.0+0, security counter 2", RAN], forbid=["on trial"])


def ns_image_in_secure_window(c):
    """Image 1 signed with its own key but loaded where the secure image lives: the non-secure
    image's window is [0x00200000, 0x00400000) only, so nothing signed with the non-secure key can
    be placed in secure memory."""
    c.primary(0, c.sign(0))
    c.sign(1)  # writes raw1.bin, the non-secure binary
    # Signed with the load address of the secure image: the tool writes it into the header.
    out = os.path.join(c.work, "ns-at-secure.bin")
    src = os.path.join(c.work, "raw1.bin")
    subprocess.run([c.args.tool, "sign", "-k", c.args.key1, "--version", "1.0.0", "--header-size",
                    str(c.args.header_size), "--pad-header", "--security-counter", "1", "--align", str(c.args.align),
                    "--load-addr", hex(0x10100000), src, out], check=True)
    c.primary(1, bytearray(open(out, "rb").read()))
    c.boot(expect_status=10, expect=["boot: image 1", "primary image REFUSED: load address outside executable memory",
                                     "boot: no bootable image: halting"], forbid=["secure: measured boot"])


def secure_key_for_ns_request(c):
    """An image 1 upgrade signed with image 0's (the secure image's) key, and an image 0 upgrade
    signed with image 1's key: both requests refused, both images keep running."""
    c.primary(0, c.sign(0))
    c.primary(1, c.sign(1))
    c.request(0, c.sign(0, "2.0.0", counter=2, key=c.args.key1))
    c.request(1, c.sign(1, "2.0.0", counter=2, key=c.args.key0))
    c.boot(expect=["boot: image 0", "upgrade REFUSED: secondary image signed with an unknown key",
                   "boot: image 1", "upgrade REFUSED: secondary image signed with an unknown key",
                   "boot: image 0 (secure) 1.0.0+0", "boot: image 1 (non-secure) 1.0.0+0", RAN], forbid=["on trial"])


def accept_cut_between_images(c):
    """Both images on trial, image 0 (needing image 1 >= 2.0.0) confirmed, image 1 not: what a power
    cut between psa_fwu_accept()'s two image_ok writes leaves. Image 1's trial is kept; before, it
    was reverted and image 0 refused at every boot ('no bootable image')."""
    c.primary(0, c.sign(0))
    c.primary(1, c.sign(1))
    c.request(0, c.sign(0, "2.0.0", counter=2, deps="(1, 2.0.0)"))
    c.request(1, c.sign(1, "2.0.0", counter=2))
    c.boot(expect=["boot: image 0 (secure) 2.0.0+0 on trial", "boot: image 1 (non-secure) 2.0.0+0 on trial", RAN])
    c.flash = bytearray(open(os.path.join(c.work, c.args.flash_file), "rb").read())
    _, primary, _, slot = c.layout(0)
    c.flash[primary + slot - 24] = 1  # image 0's image_ok; the power went before image 1's
    c.boot(expect=["boot: image 1", "trial kept: image 0 (confirmed) needs this image >= 2.0.0",
                   "boot: image 0 (secure) 2.0.0+0", "boot: image 1 (non-secure) 2.0.0+0", RAN],
           forbid=["no bootable image", "reverting"])
    # And from then on: both confirmed, both counters at 2.
    c.flash = bytearray(open(os.path.join(c.work, c.args.flash_file), "rb").read())
    c.boot(expect=["boot: image 0 (secure) 2.0.0+0, security counter 2 (stored 2)",
                   "boot: image 1 (non-secure) 2.0.0+0, security counter 2 (stored 2)", RAN],
           forbid=["no bootable image", "reverting", "on trial"])


def single_image_app_as_secure_image(c):
    """The single-image bootloader's applications (tests/boot/slot_app: update_v1/v2/v3_rollback,
    signed by every build with the same key as the chain's image 0, RAM-load at 0x10100000) lie
    inside image 0's window [0x10008000, 0x10200000): the chain bootloader verified one as the
    secure image, raised image 0's counter and handed over to it (any non-secure caller could stage
    it through FWU component 0). Now each chain image loads only at its window's start."""
    if not c.args.single_image_app:
        c.failures.append("--single-image-app (a ward_slot_image .signed.bin) is required")
        return
    c.primary(0, bytearray(open(c.args.single_image_app, "rb").read()))
    c.primary(1, c.sign(1))
    c.boot(expect_status=10, expect=["boot: image 0", "primary image REFUSED: load address is not its window's start",
                                     "boot: no bootable image: halting"],
           forbid=["boot: image 0 (secure) 2.0.0+0, security counter 2", "security counter raised"], timeout=20)


def single_image_app_as_secure_upgrade(c):
    """The same application staged as image 0's upgrade (what FWU component 0 accepts: key 0, counter
    2): swapped in, refused at load, the trial reverted, the secure image 1.0.0 runs again with its
    counter unchanged."""
    if not c.args.single_image_app:
        c.failures.append("--single-image-app (a ward_slot_image .signed.bin) is required")
        return
    c.primary(0, c.sign(0))
    c.primary(1, c.sign(1))
    c.request(0, bytearray(open(c.args.single_image_app, "rb").read()))
    c.boot(expect=["boot: image 0", "upgrade requested (test)", "primary image REFUSED: load address is not its window's start",
                   "reverting", "revert done", "boot: image 0 (secure) 1.0.0+0, security counter 1 (stored 1)", RAN],
           forbid=["security counter raised to 2"])


# --- Red team 13: lib/p256's edges on the target (the bootloader's verifier, UMAAL path) -------------

N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def der_signature(r, s):
    """DER ECDSA-Sig-Value of r, s (minimal positive INTEGERs, as the bootloader requires)."""
    def integer(v):
        b = v.to_bytes(32, "big").lstrip(b"\0") or b"\0"
        if b[0] & 0x80:
            b = b"\0" + b
        return bytes([0x02, len(b)]) + b
    body = integer(r) + integer(s)
    return bytes([0x30, len(body)]) + body


def tlvs(image):
    """The unprotected TLVs of a signed image: [(type, value)]."""
    off = tlv_offset(image)
    total = struct.unpack_from("<H", image, off + 2)[0]
    out, pos = [], off + 4
    while pos < off + total:
        t, n = struct.unpack_from("<HH", image, pos)
        out.append((t, bytes(image[pos + 4:pos + 4 + n])))
        pos += 4 + n
    return out


def with_signature(image, der):
    """The image with its signature TLV's value replaced (hash and key hash unchanged)."""
    off = tlv_offset(image)
    area = b"".join(struct.pack("<HH", t, len(der if t == 0x22 else v)) + (der if t == 0x22 else v)
                    for t, v in tlvs(image))
    return bytearray(image[:off] + struct.pack("<HH", 0x6907, 4 + len(area)) + area)


def private_scalar(pem_path):
    from cryptography.hazmat.primitives.serialization import load_pem_private_key
    with open(pem_path, "rb") as f:
        return load_pem_private_key(f.read(), None).private_numbers().private_value


def signature_at_infinity(c, i, image):
    """A signature of image i's digest e under its key Q = dG that makes u1 G + u2 Q the point at
    infinity: r = -e / d (mod n), any s. Its Jacobian 'x' is 0 with Z = 0, which the inversion-free
    final check X == r Z^2 accepts for every r: only lib/p256's explicit infinity check refuses it."""
    d = private_scalar((c.args.key0, c.args.key1)[i])
    e = int.from_bytes(dict(tlvs(image))[0x10], "big") % N
    r = (N - e) * pow(d, -1, N) % N
    return with_signature(image, der_signature(r, 0x1234567))


def signature_edges(c):
    """Signatures built on lib/p256's edges, each refused by the bootloader on the target, the
    reason printed, nothing run: the point at infinity as the verify sum (image 0, and as image 1's
    upgrade request, which is cancelled while both 1.0.0 images keep running), r = n and s = n
    (outside [1, n-1]: one residue past a valid range check), and r = 0 (DER INTEGER 0)."""
    refused(c, 0, signature_at_infinity(c, 0, c.sign(0)), "signature does not verify")
    if c.failures:
        c.failures.append("(the sum at infinity, image 0)")
    c.flash = bytearray(b"\xff" * c.args.flash_size)
    c.counter(0, 1)
    c.counter(1, 1)
    c.primary(0, c.sign(0))
    c.primary(1, c.sign(1))
    c.request(1, signature_at_infinity(c, 1, c.sign(1, "2.0.0", counter=2)))
    c.boot(expect=["boot: image 1", "upgrade REFUSED: secondary image signature does not verify",
                   "boot: image 0 (secure) 1.0.0+0", "boot: image 1 (non-secure) 1.0.0+0", RAN],
           forbid=["on trial", "security counter raised"])
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
    for i, (what, edit, reason) in enumerate((
            ("r = n", lambda r, s: (N, s), "signature does not verify"),
            ("s = n", lambda r, s: (r, N), "signature does not verify"),
            ("r = 0", lambda r, s: (0, s), "malformed DER"))):
        img = c.sign(i % 2)
        r, s = decode_dss_signature(dict(tlvs(img))[0x22])
        c.flash = bytearray(b"\xff" * c.args.flash_size)
        before = len(c.failures)
        refused(c, i % 2, with_signature(img, der_signature(*edit(r, s))), reason)
        if len(c.failures) > before:
            c.failures.append(f"({what}, image {i % 2})")


def signer_id(pem_path):
    """SHA-256 of the DER SubjectPublicKeyInfo of a key: the boot record's signer id."""
    from cryptography.hazmat.primitives import serialization
    with open(pem_path, "rb") as f:
        key = serialization.load_pem_private_key(f.read(), None)
    return hashlib.sha256(key.public_key().public_bytes(serialization.Encoding.DER,
                                                        serialization.PublicFormat.SubjectPublicKeyInfo)).hexdigest()


def component_name_spoof(c):
    """The component name in a measurement is the signer's word (imgtool's --boot-record): the
    non-secure image signed as 'SPE', the secure image's name. The boot record still says which
    image it is, what it measured and which key verified it: image 1, its own SHA-256, image 1's
    key as signer, never image 0's."""
    s, ns = c.sign(0), c.sign(1, name="SPE")
    c.primary(0, s)
    c.primary(1, ns)
    c.boot(expect=["secure: measured boot: image 0 'SPE' 1.0.0+0", "sha256 " + measured(s),
                   "signer " + signer_id(c.args.key0),
                   "secure: measured boot: image 1 'SPE' 1.0.0+0", "sha256 " + measured(ns),
                   "signer " + signer_id(c.args.key1), RAN])


def load_outside_windows(c):
    """Headers rewritten (after signing: the load is refused before the hash is read) to load each
    image over what it must not touch: the bootloader's own ROM (0x10000000-0x10007fff, just below
    image 0's window), the boot record and the bootloader's RAM (0x38000000), the secure window
    from image 1, across either window's end, and a size that wraps. Each is refused at load with
    its reason, the bootloader runs on to print it (it did not overwrite itself), nothing runs."""
    cases = (
        (0, 0x10007E00, None, "load address outside executable memory"),       # over the bootloader
        (0, 0x38000000, None, "load address outside executable memory"),       # boot record, boot RAM
        (0, 0x101FFE00, None, "load address outside executable memory"),       # across the window's end
        (0, 0x10008200, None, "load address is not its window's start"),       # inside, not at the start
        (1, 0x10008000, None, "load address outside executable memory"),       # image 1 in the secure window
        (1, 0x003FFE00, None, "load address outside executable memory"),       # across image 1's window's end
        (1, 0x001FFE00, None, "load address outside executable memory"),       # just below image 1's window
        (0, None, 0xFFFFFF00, "truncated"),                                    # img_size that wraps 32 bits
    )
    for i, load, img_size, reason in cases:
        img = c.sign(i)
        if load is not None:
            struct.pack_into("<I", img, 4, load)
        if img_size is not None:
            struct.pack_into("<I", img, 12, img_size)
        c.flash = bytearray(b"\xff" * c.args.flash_size)
        before = len(c.failures)
        refused(c, i, img, reason)
        if len(c.failures) > before:
            c.failures.append(f"(image {i}, load {load}, img_size {img_size})")


def demo(c):
    """`./ward demo`: one device, bootloader -> secure -> non-secure with each stage verified, then
    the update sample (samples/update) updates the non-secure image and the secure image through
    psa/update.h, each test-booted and accepted, and the secure side refuses a rolled-back image."""
    if not c.args.app_bin:
        c.failures.append("demo: --app-bin (the update sample) is required")
        return
    c.raw[1] = open(c.args.app_bin, "rb").read()
    c.primary(0, c.sign(0))
    c.primary(1, c.sign(1))
    # The downloads the device finds (host files in its working directory).
    for name, image in (("update-ns.bin", c.sign(1, "2.0.0", counter=2)),
                        ("update-s.bin", c.sign(0, "2.0.0", counter=2)),
                        ("update-ns-rollback.bin", c.sign(1, "3.0.0", counter=1))):
        with open(os.path.join(c.work, name), "wb") as f:
            f.write(image)
    c.boot(timeout=180, expect=[
        # Boot 1: both images verified, the secure image measured them, the application runs.
        "boot: image 0 (secure) 1.0.0+0, security counter 1", "verified",
        "boot: image 1 (non-secure) 1.0.0+0, security counter 1", "verified",
        "secure: measured boot: image 0 'SPE' 1.0.0+0", "secure: measured boot: image 1 'NSPE' 1.0.0+0",
        "device: secure image 1.0.0+0, state READY", "device: non-secure image 1.0.0+0, state READY",
        "device: downloading update-ns.bin", "device: non-secure image staged",
        # Boot 2: the bootloader verifies the new non-secure image and test-boots it.
        "boot: image 1", "upgrade requested (test)", "upgrade done",
        "boot: image 1 (non-secure) 2.0.0+0 on trial, security counter 2", "verified",
        "device: non-secure image 2.0.0+0, state TRIAL", "trial accepted: success",
        "device: downloading update-s.bin", "device: secure image staged",
        # Boot 3: the same for the secure image.
        "boot: image 0", "upgrade requested (test)", "upgrade done",
        "boot: image 1 (non-secure):", "security counter raised to 2",
        "boot: image 0 (secure) 2.0.0+0 on trial, security counter 2", "verified",
        "secure: measured boot: image 0 'SPE' 2.0.0+0, security counter 2, on trial",
        "device: secure image 2.0.0+0, state TRIAL", "trial accepted: success",
        "device: secure image 2.0.0+0, state READY", "device: non-secure image 2.0.0+0, state READY",
        # The rolled-back image: a higher version, a lower security counter.
        "device: downloading update-ns-rollback.bin",
        "REFUSED by the secure side: not permitted (rollback",
        "device: up to date"], forbid=["REFUSED: ", "FAILED"])


PAINT = 0x5AC3E1F0  # not a value the bootloader's stack holds by chance


def stack_peak(c):
    """The chain bootloader's deepest stack use, read through QEMU's debugger at the hand-over to
    the secure image: the stack is painted before the first instruction, and the lowest word that
    no longer holds the paint is the high-water mark. Measured for a plain boot of both images,
    an upgrade of both (both requests verified, both swapped, both primaries loaded and verified)
    and the revert of both on the next boot; boot/firmware/startup.cpp sizes the stack from it."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "qemu-runner"))
    from qemu_gdb import QemuGdb, elf_symbol
    lo = elf_symbol(c.args.bootloader, "__boot_stack_start")
    hi = elf_symbol(c.args.bootloader, "__boot_stack_end")
    entry = struct.unpack_from("<I", c.raw[0], 4)[0] & ~1  # the secure image's reset handler

    def peak():
        with open(os.path.join(c.work, c.args.flash_file), "wb") as f:
            f.write(c.flash)
        with QemuGdb(["-kernel", c.args.bootloader], cwd=c.work) as q:
            q.write(lo, struct.pack("<I", PAINT) * ((hi - lo) // 4))
            q.run_to(entry)
            stack = q.read(lo, hi - lo)
            print(q.output(), end="")
        words = struct.unpack(f"<{(hi - lo) // 4}I", stack)
        untouched = next((i for i, w in enumerate(words) if w != PAINT), len(words))
        return hi - (lo + 4 * untouched)

    c.primary(0, c.sign(0))
    c.primary(1, c.sign(1))
    peaks = {"boot of both images": peak()}
    c.request(0, c.sign(0, "2.0.0", counter=2))
    c.request(1, c.sign(1, "2.0.0", counter=2, deps="(0, 2.0.0)"))
    peaks["upgrade of both"] = peak()
    c.flash = bytearray(open(os.path.join(c.work, c.args.flash_file), "rb").read())
    peaks["revert of both"] = peak()
    for what, n in peaks.items():
        print(f"chain bootloader stack peak, {what}: {n} bytes of {hi - lo}")
    deepest = max(peaks.values())
    # The rule boot/firmware/startup.cpp states: the peak plus 2 KiB fits the stack. Fails when a
    # change makes the boot deeper than the margin allows (then measure and resize).
    if deepest + 2048 > hi - lo:
        c.failures.append(f"stack peak {deepest} bytes leaves less than the 2 KiB margin of the {hi - lo}-byte stack")
    if deepest < 1024:
        c.failures.append(f"stack peak {deepest} bytes: implausibly small, the paint was not read back")


SCENARIOS = {
    "boot_both": boot_both,
    "secure_tampered": tampered(0), "secure_truncated": truncated(0), "secure_unsigned": unsigned(0),
    "secure_wrong_key": wrong_key(0), "secure_rollback": rollback(0),
    "ns_tampered": tampered(1), "ns_truncated": truncated(1), "ns_unsigned": unsigned(1),
    "ns_wrong_key": wrong_key(1), "ns_rollback": rollback(1),
    "dependency_unmet": dependency_unmet,
    "upgrade_both": upgrade_both,
    "redteam_downgrade_breaks_dependency": downgrade_breaks_dependency,
    "redteam_rollback_below_confirmed": rollback_below_confirmed,
    "redteam_ns_image_in_secure_window": ns_image_in_secure_window,
    "redteam_secure_key_for_ns_request": secure_key_for_ns_request,
    "redteam_accept_cut_between_images": accept_cut_between_images,
    "redteam_single_image_app_as_secure_image": single_image_app_as_secure_image,
    "redteam_single_image_app_as_secure_upgrade": single_image_app_as_secure_upgrade,
    "redteam13_signature_edges": signature_edges,
    "redteam13_component_name_spoof": component_name_spoof,
    "redteam13_load_outside_windows": load_outside_windows,
    "demo": demo,
    "stack_peak": stack_peak,
}


def bench(args):
    """Instructions from reset to the secure image's entry with a 256 KiB secure and a 256 KiB
    non-secure image (QEMU -icount shift=0: SysTick at 20 MHz = 50 instructions per tick)."""
    c = Chain(args, "bench")
    size = 256 * 1024
    s, ns_img = c.sign(0, pad_to=size), c.sign(1, pad_to=size)
    c.primary(0, s)
    c.primary(1, ns_img)
    text = c.boot(icount=0, timeout=300)
    m = re.search(r"boot: (\d+) SysTick ticks to hand-over", text)
    ns = re.search(r"secure: (\d+) SysTick ticks from reset to the non-secure entry", text)
    if c.failures or not m or not ns or RAN not in text:
        print("bench: the chain did not boot")
        return 1
    print(f"chain boot, {len(s)} + {len(ns_img)} byte images (QEMU -icount shift=0): reset -> secure image "
          f"entry {int(m.group(1)) * 50} instructions, reset -> non-secure reset handler "
          f"{int(ns.group(1)) * 50} instructions")
    shutil.rmtree(c.work, ignore_errors=True)
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tool", required=True)
    p.add_argument("--bootloader", required=True)
    p.add_argument("--secure-bin", required=True)
    p.add_argument("--ns-bin", required=True)
    p.add_argument("--key0", required=True)
    p.add_argument("--key1", required=True)
    p.add_argument("--app-bin", help="the update sample's binary (the demo)")
    p.add_argument("--single-image-app", help="a single-image slot application, signed (red team)")
    p.add_argument("--flash-file", default="ward-flash.img")
    num = lambda v: int(v, 0)  # noqa: E731
    p.add_argument("--header-size", type=num, required=True)
    p.add_argument("--align", type=num, required=True)
    p.add_argument("--layout0", type=num, nargs=4, required=True)
    p.add_argument("--layout1", type=num, nargs=4, required=True)
    p.add_argument("--sector-size", type=num, required=True)
    p.add_argument("--flash-size", type=num, required=True)
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("scenario", choices=sorted(SCENARIOS))
    sub.add_parser("bench")
    args = p.parse_args()
    if args.cmd == "bench":
        return bench(args)
    c = Chain(args, args.scenario)
    SCENARIOS[args.scenario](c)
    if c.failures:
        print("FAILED: " + "; ".join(c.failures))
        return 1
    shutil.rmtree(c.work, ignore_errors=True)
    print(f"chain scenario {args.scenario}: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
