#!/usr/bin/python3
"""Reproducible builds, checked (docs/supply-chain.md, "How to reproduce a release").

Run by CTest in the firmware build tree (tests/repro/CMakeLists.txt) with WARD_SOURCE_DIR and
WARD_BUILD_DIR. `demo_product_is_reproducible` configures a second tree of the same sources in a
temporary directory (another path, another depth), with the first tree's configuration and its
per-tree inputs (the emulated device's HUK and the development signing keys: WARD_DEV_INPUTS_FROM),
builds the demo product there, verifies its signed images' signatures and compares what the demo
device ships with scripts/repro_compare.py.
The second tree is compiled without ccache: a cache hit would hand it the first tree's objects and
could hide an object that depends on where it was built. `comparator_*` show the comparison
failing on real files of the first tree with one difference put in.
"""
import filecmp
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import unittest

SRC = os.environ.get("WARD_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
BUILD = os.environ.get("WARD_BUILD_DIR", os.path.join(SRC, "build", "mps2-an505"))
sys.path.insert(0, os.path.join(SRC, "scripts"))
import repro_compare  # noqa: E402

PRODUCT = "products/demo"
# What the demo device ships (ward_product(demo NS update), cmake/WardBoot.cmake): each image
# unsigned with its SBOMs, and the product directory: the signed images, their SBOMs, the device's.
IMAGES = ("boot/bootloader_chain", "secure/firmware/ward_secure_chain", "samples/update/update")
KINDS = (".elf", ".bin", ".spdx.json", ".cdx.json")
# The cache entries a second tree is configured with: the preset's and Ward's settings, not the
# first tree's own paths or its compiler launcher.
PASSED = ("CMAKE_BUILD_TYPE", "CMAKE_TOOLCHAIN_FILE", "CMAKE_EXPORT_COMPILE_COMMANDS")


def shipped(build):
    product = sorted(os.path.join(PRODUCT, n) for n in os.listdir(os.path.join(build, PRODUCT)))
    return [i + k for i in IMAGES for k in KINDS] + product


def cache_args(build):
    args = []
    with open(os.path.join(build, "CMakeCache.txt"), encoding="utf-8") as f:
        for line in f:
            if line.startswith(("#", "//")) or "=" not in line or ":" not in line.split("=", 1)[0]:
                continue
            key, value = line.rstrip("\n").split("=", 1)
            name, kind = key.split(":", 1)
            if kind in ("INTERNAL", "STATIC") or name == "WARD_DEV_INPUTS_FROM":
                continue
            if name in PASSED or name.startswith("WARD_"):
                args.append(f"-D{name}:{kind}={value}")
    return args


def run(argv, **env):
    return subprocess.run(argv, capture_output=True, text=True, env=dict(os.environ, **env))


def configured_version(build):
    with open(os.path.join(build, "generated", "include", "ward", "version.hpp"), encoding="utf-8") as f:
        return re.search(r'git = "([^"]*)"', f.read()).group(1)


class ReproTest(unittest.TestCase):
    def test_demo_product_is_reproducible(self):
        names = shipped(BUILD)
        # The second tree is configured from the sources as they are now: the first must have been
        # too (its version is `git describe --dirty` at its configure time), or the two differ.
        r = run(["git", "-C", SRC, "describe", "--tags", "--always", "--dirty"])
        if r.returncode == 0:
            self.assertEqual(configured_version(BUILD), r.stdout.strip(),
                             f"{BUILD} was configured at another version of the sources: configure it again")
        tmp = tempfile.mkdtemp(prefix="ward-repro-")
        other = os.path.join(tmp, "elsewhere", "mps2-an505")
        ok = False
        try:
            start = time.monotonic()
            r = run(["cmake", "-S", SRC, "-B", other, "-G", "Ninja", *cache_args(BUILD),
                     f"-DWARD_DEV_INPUTS_FROM={BUILD}"], CCACHE_DISABLE="1")
            self.assertEqual(r.returncode, 0, r.stdout[-2000:] + r.stderr[-3000:])
            r = run(["cmake", "--build", other, "-j", os.environ.get("WARD_REPRO_JOBS", "2"),
                     "--target", "product_demo"], CCACHE_DISABLE="1")
            self.assertEqual(r.returncode, 0, r.stdout[-4000:] + r.stderr[-2000:])
            print(f"second tree {other} built in {time.monotonic() - start:.0f} s", file=sys.stderr)
            self.assertEqual(shipped(other), names, "the two trees ship different files")
            # Each signed image's signature holds (the comparison does not look at its value).
            tool = os.path.join(other, "host-tools", "ward-image", "ward-image")
            for signed, key in ((f"{PRODUCT}/ward_secure_chain.signed.bin", "ward-dev-key.pem"),
                                (f"{PRODUCT}/update.signed.bin", "ward-dev-ns-key.pem")):
                r = run([tool, "verify", "-k", os.path.join(other, "keys", key), os.path.join(other, signed)])
                self.assertEqual(r.returncode, 0, f"{signed}: {r.stdout}{r.stderr}")
            differences = repro_compare.compare(BUILD, other, names)
            self.assertEqual(differences, [], "\n".join(f"{n}: {why}" for n, why in differences))
            # Neither tree's path is in what it ships (an absolute path in both would compare equal
            # only if both trees were in one place).
            for tree in (BUILD, other):
                for n in names:
                    with open(os.path.join(tree, n), "rb") as f:
                        self.assertNotIn(tree.encode(), f.read(), f"{tree}/{n} names its build tree")
            ok = True
        finally:
            if ok or os.environ.get("WARD_REPRO_KEEP") is None:
                shutil.rmtree(tmp, ignore_errors=True)
            else:
                print(f"second tree kept in {other}", file=sys.stderr)


class ComparatorTest(unittest.TestCase):
    """The comparison on copies of the first tree's shipped files, one difference put in."""

    def setUp(self):
        self.names = shipped(BUILD)
        self.tmp = tempfile.mkdtemp(prefix="ward-repro-cmp-")
        self.a, self.b = (os.path.join(self.tmp, x) for x in "ab")
        for d in (self.a, self.b):
            for n in self.names:
                os.makedirs(os.path.dirname(os.path.join(d, n)), exist_ok=True)
                shutil.copyfile(os.path.join(BUILD, n), os.path.join(d, n))
        self.signed = f"{PRODUCT}/update.signed.bin"

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.b, name)

    def edit(self, name, change):
        with open(self.path(name), "rb") as f:
            data = bytearray(f.read())
        data = change(data)
        with open(self.path(name), "wb") as f:
            f.write(data)

    def differences(self):
        return dict(repro_compare.compare(self.a, self.b, self.names))

    def tlv(self, data, wanted):
        """Offset and length of the value of the unprotected TLV `wanted` of a signed image."""
        hdr, prot, size = struct.unpack_from("<HHI", data, 8)
        entries, _ = repro_compare.tlvs(bytes(data), hdr + size + prot, repro_compare.TLV_INFO, "test")
        return next((off, n) for kind, off, n in entries if kind == wanted)

    def test_comparator_accepts_identical_trees_and_a_new_signature(self):
        self.assertEqual(self.differences(), {})

        def resign(data):  # another signature, as the next signing gives: another value and length
            area = self.tlv_area(data)
            off, n = self.tlv(data, repro_compare.TLV_ECDSA_SIG)
            struct.pack_into("<H", data, off - 2, n - 1)
            struct.pack_into("<H", data, area + 2, struct.unpack_from("<H", data, area + 2)[0] - 1)
            return data[:off] + bytes(reversed(data[off:off + n - 1])) + data[off + n:]
        before = repro_compare.digests(self.path(self.signed))
        self.edit(self.signed, resign)
        after = {algorithm: digest for digest, algorithm in repro_compare.digests(self.path(self.signed)).items()}
        # The SBOMs that record the signed file's digests record the new ones.
        for name in (f"{PRODUCT}/update.signed.spdx.json", f"{PRODUCT}/update.signed.cdx.json",
                     f"{PRODUCT}/demo.spdx.json", f"{PRODUCT}/demo.cdx.json"):
            def redate(data):
                for digest, algorithm in before.items():
                    self.assertIn(digest.encode(), data)
                    data = data.replace(digest.encode(), after[algorithm].encode())
                return data
            self.edit(name, redate)
        # The signed file, its SBOMs and the device SBOM still match.
        self.assertEqual(self.differences(), {})
        self.assertEqual(len([n for n in self.names if not filecmp.cmp(os.path.join(self.a, n), self.path(n),
                                                                       shallow=False)]), 5)

    def tlv_area(self, data):
        hdr, prot, size = struct.unpack_from("<HHI", data, 8)
        return hdr + size + prot

    def test_comparator_finds_a_changed_image_in_a_signed_file(self):
        self.edit(self.signed, lambda d: d[:0x300] + bytes([d[0x300] ^ 1]) + d[0x301:])
        self.assertIn("header, image and protected TLVs differ (first at byte 768)",
                      self.differences().get(self.signed, ""))

    def test_comparator_finds_a_changed_hash_or_key_tlv(self):
        def change(data):
            off, _ = self.tlv(data, 0x01)  # the key hash: signed with another key
            data[off] ^= 0x80
            return data
        self.edit(self.signed, change)
        self.assertIn("unprotected TLV #", self.differences().get(self.signed, ""))

    def test_comparator_finds_a_build_path_in_an_sbom(self):
        name = "samples/update/update.spdx.json"
        self.edit(name, lambda d: d.replace(b'"./$(BUILD)/', b'"./build/elsewhere/', 1))
        why = self.differences().get(name, "")
        self.assertIn("line ", why)
        self.assertIn("build/elsewhere", why)

    def test_comparator_finds_a_path_in_a_signed_files_sbom_and_the_device_sbom(self):
        for name in (f"{PRODUCT}/update.signed.cdx.json", f"{PRODUCT}/demo.spdx.json"):
            self.edit(name, lambda d: d.replace(b"samples/update", b"/tmp/x/samples/update", 1))
        found = self.differences()
        self.assertEqual(set(found), {f"{PRODUCT}/update.signed.cdx.json", f"{PRODUCT}/demo.spdx.json"})
        self.assertTrue(all("beyond the signed files' digests" in why for why in found.values()))

    def test_comparator_does_not_normalise_json(self):
        name = "boot/bootloader_chain.cdx.json"
        self.edit(name, lambda d: json.dumps(json.loads(d), indent=1).encode())
        self.assertIn(name, self.differences())

    def test_comparator_finds_a_changed_elf(self):
        name = "secure/firmware/ward_secure_chain.elf"
        self.edit(name, lambda d: d[:-1] + bytes([d[-1] ^ 1]))
        self.assertIn("differs (first at byte", self.differences().get(name, ""))

    def test_comparator_refuses_malformed_signed_files(self):
        def two_signatures(data):
            area = self.tlv_area(data)
            off, n = self.tlv(data, repro_compare.TLV_ECDSA_SIG)
            extra = data[off - 4:off + n]
            total = struct.unpack_from("<H", data, area + 2)[0]
            struct.pack_into("<H", data, area + 2, total + len(extra))
            return data[:area + total] + extra + data[area + total:]
        for change, message in ((lambda d: d[:-3], "runs past"),
                                (two_signatures, "2 ECDSA signature TLVs"),
                                (lambda d: b"\0\0\0\0" + d[4:], "not an MCUboot image")):
            shutil.copyfile(os.path.join(self.a, self.signed), self.path(self.signed))
            self.edit(self.signed, change)
            with self.assertRaisesRegex(repro_compare.Malformed, message):
                repro_compare.compare(self.a, self.b, [self.signed])

    def test_comparator_command_line(self):
        script = os.path.join(SRC, "scripts", "repro_compare.py")
        r = run([sys.executable, script, self.a, self.b, *self.names])
        self.assertEqual((r.returncode, r.stdout.strip().splitlines()[-1]),
                         (0, f"{len(self.names)} of {len(self.names)} files reproduced "
                             "(signed images up to their ECDSA signatures)"))
        self.edit(IMAGES[0] + ".bin", lambda d: d + b"\0")
        r = run([sys.executable, script, self.a, self.b, *self.names])
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"NOT REPRODUCED {IMAGES[0]}.bin: differs (lengths", r.stdout)
        r = run([sys.executable, script, self.a, self.b, "no/such/file"])
        self.assertEqual(r.returncode, 2)


if __name__ == "__main__":
    unittest.main()
