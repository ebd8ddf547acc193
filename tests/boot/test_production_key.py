#!/usr/bin/python3
"""The signing-key rule of production builds, through a real firmware configure: with
CONFIG_WARD_PRODUCTION=y the development keys are refused and an explicit key is required, for
image 0 (CONFIG_WARD_BOOT_SIGNING_KEY) and for the chain's image 1, the non-secure image
(CONFIG_WARD_BOOT_NS_SIGNING_KEY), which must not be image 0's."""
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

    @staticmethod
    def said(r):
        """CMake's message, with its line wrapping undone."""
        return " ".join(r.stderr.split())

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
        ns_key = self.make_key("release-ns.pem")
        r = self.configure(f'CONFIG_WARD_PRODUCTION=y\nCONFIG_WARD_BOOT_SIGNING_KEY="{key}"\n'
                           f'CONFIG_WARD_BOOT_NS_SIGNING_KEY="{ns_key}"\n')
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("refuses the development key", r.stderr)

    def test_production_with_an_explicit_key_configures(self):
        key = self.make_key("release.pem")
        ns_key = self.make_key("release-ns.pem")
        r = self.configure(f'CONFIG_WARD_PRODUCTION=y\nCONFIG_WARD_BOOT_SIGNING_KEY="{key}"\n'
                           f'CONFIG_WARD_BOOT_NS_SIGNING_KEY="{ns_key}"\n')
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        with open(os.path.join(self.dir, "build", "CMakeCache.txt")) as f:
            cache = f.read()
        self.assertIn(f"WARD_BOOT_KEY:INTERNAL={key}", cache)
        self.assertIn(f"WARD_BOOT_NS_KEY:INTERNAL={ns_key}", cache)

    def test_missing_key_file_fails(self):
        r = self.configure(f'CONFIG_WARD_BOOT_SIGNING_KEY="{self.dir}/nope.pem"\n')
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("no such key file", r.stderr)

    # Image 1, the non-secure image: the same rules with its own option.
    def test_production_without_an_ns_key_fails(self):
        key = self.make_key("release.pem")
        r = self.configure(f'CONFIG_WARD_PRODUCTION=y\nCONFIG_WARD_BOOT_SIGNING_KEY="{key}"\n')
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("needs an explicit image signing key for image 1 (the non-secure image)", self.said(r))
        self.assertIn("CONFIG_WARD_BOOT_NS_SIGNING_KEY", r.stderr)

    def test_production_refuses_the_ns_development_key(self):
        key = self.make_key("release.pem")
        ns_key = self.make_key("ward-dev-ns-key.pem")
        r = self.configure(f'CONFIG_WARD_PRODUCTION=y\nCONFIG_WARD_BOOT_SIGNING_KEY="{key}"\n'
                           f'CONFIG_WARD_BOOT_NS_SIGNING_KEY="{ns_key}"\n')
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(f"refuses the development key {ns_key} for image 1", self.said(r))

    def test_ns_key_must_not_be_image_0s(self):
        key = self.make_key("release.pem")
        r = self.configure(f'CONFIG_WARD_PRODUCTION=y\nCONFIG_WARD_BOOT_SIGNING_KEY="{key}"\n'
                           f'CONFIG_WARD_BOOT_NS_SIGNING_KEY="{key}"\n')
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("image 1 (the non-secure image) needs its own key", self.said(r))

    def test_missing_ns_key_file_fails(self):
        r = self.configure(f'CONFIG_WARD_BOOT_NS_SIGNING_KEY="{self.dir}/nope-ns.pem"\n')
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("CONFIG_WARD_BOOT_NS_SIGNING_KEY: no such key file", r.stderr)


if __name__ == "__main__":
    unittest.main()
