#!/usr/bin/python3
"""Unit tests of the SBOM generator's readers of build records (scripts/sbom/wardsbom/): Ninja's
dependency log as `ninja -t deps` prints it, and the ELF reader. Each on well-formed input, on a
real tool's output, and on malformed input (an error or a safe answer, never an exception or a
wrong answer).

Needs no build tree: run by CTest in every tree (tests/sbom/CMakeLists.txt), or by hand:
    /usr/bin/python3 tests/sbom/test_sbom_units.py -v
"""
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

SRC = os.environ.get("WARD_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
sys.path.insert(0, os.path.join(SRC, "scripts", "sbom"))
sys.dont_write_bytecode = True

from wardsbom import SbomError  # noqa: E402 (after the path is set)
from wardsbom.buildrecords import parse_ninja_deps, read_ninja_deps  # noqa: E402
from wardsbom.elf import symbols_only  # noqa: E402

NINJA = shutil.which("ninja") or "ninja"

DEPS_OUTPUT = """\
lib/CMakeFiles/a.dir/a.cpp.obj: #deps 3, deps mtime 1700000000123456789 (VALID)
    /src/lib/a.cpp
    /src/lib/include/a.hpp
    lib/generated/config.h

b.c.obj: #deps 0, deps mtime 17 (STALE)

dir with space/c.o: #deps 1, deps mtime 5 (VALID)
    /src/with space.h

missing.o: deps not found
"""


class NinjaDepsParserTest(unittest.TestCase):
    def test_parses_each_output_and_its_inputs_in_order(self):
        deps = parse_ninja_deps(DEPS_OUTPUT)
        self.assertEqual(deps, {
            "lib/CMakeFiles/a.dir/a.cpp.obj": ["/src/lib/a.cpp", "/src/lib/include/a.hpp", "lib/generated/config.h"],
            "b.c.obj": [],
            "dir with space/c.o": ["/src/with space.h"],
        })

    def test_empty_output_is_no_records(self):
        self.assertEqual(parse_ninja_deps(""), {})

    def test_last_record_without_trailing_blank_line(self):
        self.assertEqual(parse_ninja_deps("x.o: #deps 1, deps mtime 1 (VALID)\n    x.c"), {"x.o": ["x.c"]})

    def test_malformed_output_is_an_error(self):
        cases = {
            "fewer inputs than the header says": "x.o: #deps 2, deps mtime 1 (VALID)\n    x.c\n\n",
            "more inputs than the header says": "x.o: #deps 1, deps mtime 1 (VALID)\n    x.c\n    y.h\n\n",
            "cut short at the end": "x.o: #deps 3, deps mtime 1 (VALID)\n    x.c\n",
            "an input before any output": "    x.c\n",
            "an input after a blank line": "x.o: #deps 1, deps mtime 1 (VALID)\n    x.c\n\n    y.h\n",
            "a line that is not ninja's": "x.o: #deps 1, deps mtime 1 (VALID)\n    x.c\n\nninja: warning: something\n",
            "a header without its state": "x.o: #deps 1, deps mtime 1\n    x.c\n",
            "a count that is not a number": "x.o: #deps one, deps mtime 1 (VALID)\n    x.c\n",
            "an input indented by a tab": "x.o: #deps 1, deps mtime 1 (VALID)\n\tx.c\n",
        }
        for what, text in cases.items():
            with self.subTest(what):
                with self.assertRaises(SbomError) as e:
                    parse_ninja_deps(text, "test")
                self.assertIn("test", str(e.exception))


class NinjaDepsFromNinjaTest(unittest.TestCase):
    """The parser on what the real ninja prints for a real dependency log."""

    def setUp(self):
        if not shutil.which(NINJA):
            self.skipTest("no ninja")
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp)

    def write(self, name, text):
        with open(os.path.join(self.tmp, name), "w", encoding="utf-8") as f:
            f.write(text)

    def test_reads_the_log_ninja_wrote_without_changing_it(self):
        # A "compiler" that writes a depfile naming its source and two headers, as gcc -MD does.
        self.write("a.c", "")
        self.write("a.h", "")
        self.write("b.h", "")
        self.write("build.ninja", """\
rule cc
  command = printf '$out: $in a.h b.h\\n' > $out.d && touch $out
  depfile = $out.d
  deps = gcc
build a.o: cc a.c
build b.o: cc a.c
""")
        r = subprocess.run([NINJA, "-C", self.tmp], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        with open(os.path.join(self.tmp, ".ninja_deps"), "rb") as f:
            log = f.read()
        deps = read_ninja_deps(NINJA, self.tmp)
        self.assertEqual(deps, {"a.o": ["a.c", "a.h", "b.h"], "b.o": ["a.c", "a.h", "b.h"]})
        with open(os.path.join(self.tmp, ".ninja_deps"), "rb") as f:
            self.assertEqual(f.read(), log, "reading the log must not rewrite it")

    def test_no_ninja_build_is_a_clear_error(self):
        with self.assertRaises(SbomError) as e:
            read_ninja_deps(NINJA, self.tmp)
        self.assertIn("Ninja generator", str(e.exception))

    def test_no_ninja_executable_is_a_clear_error(self):
        with self.assertRaises(SbomError) as e:
            read_ninja_deps(os.path.join(self.tmp, "no-ninja"), self.tmp)
        self.assertIn("cannot run", str(e.exception))


SHT_PROGBITS, SHT_STRTAB, SHT_NOBITS = 1, 3, 8
SHF_WRITE, SHF_ALLOC, SHF_EXECINSTR = 0x1, 0x2, 0x4


def elf32(sections, elf_class=1, machine=40):
    """A little-endian ELF32 relocatable object (ARM by default) with `sections`, a list of
    (name, type, flags, size); section data first, then the section header table at the end (as
    gcc lays objects out), so any truncation cuts into the headers."""
    names = b"\0" + b"".join(n.encode() + b"\0" for n, _, _, _ in sections) + b".shstrtab\0"
    body = b""
    headers = [b"\0" * 40]
    name_offset = 1
    data_offset = 52
    for name, sh_type, flags, size in sections:
        data = b"" if sh_type == SHT_NOBITS else b"\xaa" * size
        headers.append(struct.pack("<10I", name_offset, sh_type, flags, 0, data_offset + len(body), size, 0, 0, 4, 0))
        body += data
        name_offset += len(name) + 1
    headers.append(struct.pack("<10I", name_offset, SHT_STRTAB, 0, 0, data_offset + len(body), len(names), 0, 0, 1, 0))
    body += names
    shoff = data_offset + len(body)
    ident = b"\x7fELF" + bytes([elf_class, 1, 1, 0]) + b"\0" * 8
    header = ident + struct.pack("<HHIIIIIHHHHHH", 1, machine, 1, 0, 0, shoff, 0x05000000, 52, 0, 0, 40,
                                 len(headers), len(headers) - 1)
    return header + body + b"".join(headers)


TEXT, BSS = (".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR), (".bss", SHT_NOBITS, SHF_ALLOC | SHF_WRITE)
# (A symbol table with entry size 0 is invalid: only the section headers may be read.)
SYMBOLS_ONLY = elf32([TEXT + (0,), BSS + (0,), (".symtab", 2, 0, 32), (".comment", SHT_PROGBITS, 0, 12)])
WITH_CODE = elf32([TEXT + (8,), (".symtab", 2, 0, 32)])
WITH_BSS = elf32([TEXT + (0,), BSS + (4,)])


class ElfReaderTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp)

    def file(self, data, name="x.o"):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def test_an_object_of_symbols_only(self):
        self.assertTrue(symbols_only(self.file(SYMBOLS_ONLY)))

    def test_an_object_that_takes_space(self):
        self.assertFalse(symbols_only(self.file(WITH_CODE)))
        self.assertFalse(symbols_only(self.file(WITH_BSS)), "zero-initialised data takes space too")

    def test_not_an_elf32_object(self):
        self.assertFalse(symbols_only(os.path.join(self.tmp, "missing.o")))
        self.assertFalse(symbols_only(self.file(b"")))
        self.assertFalse(symbols_only(self.file(b"!<arch>\n" + b"\0" * 64)))
        self.assertFalse(symbols_only(self.file(b"#!/bin/sh\n")))
        self.assertFalse(symbols_only(self.file(self.elf64_symbols_only())), "ELF64 is not the firmware's")

    @staticmethod
    def elf64_symbols_only():
        ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + b"\0" * 8
        header = ident + struct.pack("<HHIQQQIHHHHHH", 1, 62, 1, 0, 0, 64, 0, 64, 0, 0, 64, 1, 0)
        return header + b"\0" * 64

    def test_malformed_object_is_never_symbols_only(self):
        # Cut short anywhere (the section headers are at the end, so every cut damages them).
        for n in range(len(SYMBOLS_ONLY)):
            with self.subTest(length=n):
                self.assertFalse(symbols_only(self.file(SYMBOLS_ONLY[:n])))
        # Section header table beyond the end of the file, or a section count that overruns it.
        bad_offset = bytearray(SYMBOLS_ONLY)
        struct.pack_into("<I", bad_offset, 0x20, len(SYMBOLS_ONLY) + 4096)
        self.assertFalse(symbols_only(self.file(bytes(bad_offset))))
        bad_count = bytearray(SYMBOLS_ONLY)
        struct.pack_into("<H", bad_count, 0x30, 0xFFFF)
        self.assertFalse(symbols_only(self.file(bytes(bad_count))))

    def test_random_damage_gives_an_answer_not_an_exception(self):
        rng = random.Random(15)
        for i in range(1500):
            data = bytearray(rng.choice((SYMBOLS_ONLY, WITH_CODE, WITH_BSS)))
            for _ in range(rng.randint(1, 8)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            with self.subTest(i=i):
                self.assertIn(symbols_only(self.file(bytes(data))), (True, False))

    def test_objects_from_the_firmware_toolchain(self):
        gcc = shutil.which("arm-none-eabi-gcc")
        if not gcc:
            self.skipTest("no arm-none-eabi-gcc")
        # An import library's shape: symbols at fixed addresses, no section with contents.
        self.file(b".global veneer\n.set veneer, 0x10000001\n", "symbols.s")
        self.file(b"int f(int x) { return x + 1; }\n", "code.c")
        for src, expected in (("symbols.s", True), ("code.c", False)):
            obj = os.path.join(self.tmp, src + ".o")
            r = subprocess.run([gcc, "-mcpu=cortex-m33", "-mthumb", "-c", os.path.join(self.tmp, src), "-o", obj],
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(symbols_only(obj), expected, src)


if __name__ == "__main__":
    unittest.main()
