#!/usr/bin/python3
"""The signing-key rule of production builds, through a real firmware configure: with
CONFIG_WARD_PRODUCTION=y the development key is refused and an explicit key is required."""
import os
import shutil
import subprocess
import tempfile
import unittest

SRC = os.environ.get("WARD_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))


class ProductionKeyTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="ward-prodkey-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def configure(self, fragment):
        conf = os.path.join(self.dir, "prod.conf")
        with open(conf, "w") as f:
            f.write(fragment)
        return subprocess.run(
            ["cmake", "-S", SRC, "-B", os.path.join(self.dir, "build"), "-G", "Ninja",
             f"-DCMAKE_TOOLCHAIN_FILE={SRC}/cmake/toolchain/arm-none-eabi.cmake",
             "-DWARD_BOARD=mps2_an505", "-DCMAKE_BUILD_TYPE=MinSizeRel", f"-DWARD_EXTRA_CONF={conf}"],
            capture_output=True, text=True)

    def make_key(self, name):
        path = os.path.join(self.dir, name)
        subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                        "-out", path], check=True, capture_output=True)
        return path

    def test_production_without_a_key_fails(self):
        r = self.configure("CONFIG_WARD_PRODUCTION=y\n")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("needs an explicit image signing key", r.stderr)

    def test_production_refuses_the_development_key(self):
        key = self.make_key("ward-dev-key.pem")
        r = self.configure(f'CONFIG_WARD_PRODUCTION=y\nCONFIG_WARD_BOOT_SIGNING_KEY="{key}"\n')
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("refuses the development key", r.stderr)

    def test_production_with_an_explicit_key_configures(self):
        key = self.make_key("release.pem")
        r = self.configure(f'CONFIG_WARD_PRODUCTION=y\nCONFIG_WARD_BOOT_SIGNING_KEY="{key}"\n')
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        with open(os.path.join(self.dir, "build", "CMakeCache.txt")) as f:
            self.assertIn(f"WARD_BOOT_KEY:INTERNAL={key}", f.read())

    def test_missing_key_file_fails(self):
        r = self.configure(f'CONFIG_WARD_BOOT_SIGNING_KEY="{self.dir}/nope.pem"\n')
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("no such key file", r.stderr)


if __name__ == "__main__":
    unittest.main()
