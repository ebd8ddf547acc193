#!/usr/bin/python3
"""Tests of Ward's Kconfig step (scripts/kconfig/ward_config.py) and of the production-build rule."""
import os
import subprocess
import sys
import tempfile
import unittest

SRC = os.environ.get("WARD_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
SCRIPT = os.path.join(SRC, "scripts", "kconfig", "ward_config.py")
BOARD = "mps2_an505"


def run_config(command, *fragments, out_dir=None):
    args = [sys.executable, SCRIPT, command, "--kconfig", os.path.join(SRC, "Kconfig"), "--board", BOARD]
    for f in fragments:
        args += ["--fragment", f]
    if out_dir:
        args += ["--out-dir", out_dir]
    return subprocess.run(args, capture_output=True, text=True, cwd=SRC)


class KconfigTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def fragment(self, text, name="frag.conf"):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_defaults_are_hardened(self):
        r = run_config("hardening")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("security options checked", r.stdout)
        self.assertIn("All security options are at their recommended values", r.stdout)

    def test_hardening_lists_weakened_options(self):
        weak = self.fragment("# CONFIG_WARD_HW_STACK_LIMIT is not set\n# CONFIG_WARD_ASSERTS is not set\n")
        r = run_config("hardening", weak)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"CONFIG_WARD_HW_STACK_LIMIT\s+n\s+y")
        self.assertRegex(r.stdout, r"CONFIG_WARD_ASSERTS\s+n\s+y")
        self.assertIn("2 option(s) weaker than recommended", r.stdout)

    def test_production_refuses_weakened_option(self):
        weak = self.fragment("CONFIG_WARD_PRODUCTION=y\n# CONFIG_WARD_STACK_PROTECTOR is not set\n")
        r = run_config("generate", weak, out_dir=os.path.join(self.dir, "out"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("CONFIG_WARD_PRODUCTION=y, but these security options are weaker than recommended", r.stderr)
        self.assertIn("CONFIG_WARD_STACK_PROTECTOR=n  (recommended: y)", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "out", "include", "ward", "config.hpp")))

    def test_production_with_defaults_is_accepted(self):
        prod = self.fragment("CONFIG_WARD_PRODUCTION=y\n")
        r = run_config("generate", prod, out_dir=os.path.join(self.dir, "out"))
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(self.dir, "out", "include", "ward", "config.hpp")) as f:
            self.assertIn("inline constexpr bool production = true;", f.read())

    def test_unknown_option_is_an_error(self):
        bad = self.fragment("CONFIG_WARD_NO_SUCH_OPTION=y\n")
        r = run_config("generate", bad, out_dir=os.path.join(self.dir, "out"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("undefined symbol WARD_NO_SUCH_OPTION", r.stderr)

    def test_refused_dependency_is_an_error(self):
        # The random canary depends on the stack protector: asking for it without is an error,
        # not a silently different configuration.
        bad = self.fragment("# CONFIG_WARD_STACK_PROTECTOR is not set\nCONFIG_WARD_STACK_CANARY_RANDOM=y\n")
        r = run_config("generate", bad, out_dir=os.path.join(self.dir, "out"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("CONFIG_WARD_STACK_CANARY_RANDOM=y was requested", r.stderr)

    def test_generated_header_has_every_option(self):
        r = run_config("generate", out_dir=os.path.join(self.dir, "out"))
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(self.dir, "out", "include", "ward", "config.hpp")) as f:
            hpp = f.read()
        with open(os.path.join(self.dir, "out", ".config")) as f:
            names = [l.split("=")[0][len("CONFIG_WARD_"):].lower() for l in f if l.startswith("CONFIG_WARD_")]
        self.assertGreater(len(names), 5)
        for n in names:
            self.assertIn(f" {n} = ", hpp)

    def test_number_without_its_dependencies_is_undefined(self):
        # With user mode off, the number of user threads has no value: the C header must not
        # define it (empty, it would break every `#if defined(...)` guard that uses it).
        off = self.fragment("# CONFIG_WARD_USERSPACE is not set\n# CONFIG_WARD_MPU_STACK_GUARD is not set\n")
        r = run_config("generate", off, out_dir=os.path.join(self.dir, "out"))
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(self.dir, "out", "include", "ward", "autoconf.h")) as f:
            autoconf = f.read()
        self.assertNotIn("CONFIG_WARD_MAX_USER_THREADS", autoconf)
        self.assertNotRegex(autoconf, r"(?m)^#define CONFIG_\w+ *$")
        r = run_config("generate", out_dir=os.path.join(self.dir, "on"))
        with open(os.path.join(self.dir, "on", "include", "ward", "autoconf.h")) as f:
            self.assertRegex(f.read(), r"(?m)^#define CONFIG_WARD_MAX_USER_THREADS \d+$")

    def test_trustzone_is_the_default(self):
        # Applications run non-secure beside the secure image unless they are secure-only on
        # purpose (the board's secure_only.conf), which the hardening report then lists.
        r = run_config("generate", out_dir=os.path.join(self.dir, "out"))
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(self.dir, "out", ".config")) as f:
            self.assertIn("CONFIG_WARD_TRUSTZONE_NS=y", f.read())
        secure_only = os.path.join(SRC, "boards", BOARD, "secure_only.conf")
        r = run_config("hardening", secure_only)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Production builds require CONFIG_WARD_TRUSTZONE_NS=y (now n).", r.stdout)
        prod = self.fragment("CONFIG_WARD_PRODUCTION=y\n")
        r = run_config("generate", prod, secure_only, out_dir=os.path.join(self.dir, "prod"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("CONFIG_WARD_TRUSTZONE_NS=n  (recommended: y)", r.stderr)

    def test_production_turns_the_vulnerability_gate_on(self):
        prod = self.fragment("CONFIG_WARD_PRODUCTION=y\n")
        r = run_config("generate", prod, out_dir=os.path.join(self.dir, "out"))
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(self.dir, "out", ".config")) as f:
            config = f.read()
        self.assertIn("CONFIG_WARD_VULN_GATE=y", config)
        self.assertIn('CONFIG_WARD_VULN_GATE_SEVERITY="medium"', config)

    def test_production_refuses_to_turn_the_vulnerability_gate_off(self):
        weak = self.fragment("CONFIG_WARD_PRODUCTION=y\n# CONFIG_WARD_VULN_GATE is not set\n")
        r = run_config("generate", weak, out_dir=os.path.join(self.dir, "out"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("CONFIG_WARD_VULN_GATE=n  (recommended: y)", r.stderr)

    def test_development_leaves_the_vulnerability_gate_off(self):
        # A production-only rule: not a weakness in development, but the report mentions it.
        r = run_config("hardening")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Production builds require CONFIG_WARD_VULN_GATE=y (now n).", r.stdout)
        self.assertIn("All security options are at their recommended values", r.stdout)
        r = run_config("generate", out_dir=os.path.join(self.dir, "out"))
        with open(os.path.join(self.dir, "out", ".config")) as f:
            self.assertIn("# CONFIG_WARD_VULN_GATE is not set", f.read())

    def test_production_takes_smp_over_tls_not_udp(self):
        # SMP over mutually authenticated TLS (lib/mgmt's TlsService) is the network transport a
        # production build may carry; turning it on does not let plain UDP SMP back in.
        tls = self.fragment("CONFIG_WARD_MGMT_TLS=y\n", name="tls.conf")
        prod = self.fragment("CONFIG_WARD_PRODUCTION=y\n", name="prod.conf")
        r = run_config("generate", prod, tls, out_dir=os.path.join(self.dir, "prod"))
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(self.dir, "prod", "include", "ward", "autoconf.h")) as f:
            text = f.read()
        self.assertRegex(text, r"(?m)^#define CONFIG_WARD_MGMT_TLS 1$")
        self.assertNotIn("CONFIG_WARD_MGMT_UDP", text)
        udp = self.fragment("CONFIG_WARD_MGMT_UDP=y\n", name="udp.conf")
        r = run_config("generate", prod, tls, udp, out_dir=os.path.join(self.dir, "both"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("CONFIG_WARD_MGMT_UDP=y  (recommended: n)", r.stderr)

    def test_production_refuses_smp_over_udp(self):
        # SMP over plain UDP (lib/mgmt's UdpService) has no authentication: development builds may
        # have it (the report lists it), a production build refuses it.
        udp = self.fragment("CONFIG_WARD_MGMT_UDP=y\n", name="udp.conf")
        r = run_config("generate", udp, out_dir=os.path.join(self.dir, "dev"))
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(self.dir, "dev", "include", "ward", "autoconf.h")) as f:
            self.assertRegex(f.read(), r"(?m)^#define CONFIG_WARD_MGMT_UDP 1$")
        r = run_config("hardening", udp)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"CONFIG_WARD_MGMT_UDP\s+y\s+n")
        prod = self.fragment("CONFIG_WARD_PRODUCTION=y\n", name="prod.conf")
        r = run_config("generate", prod, udp, out_dir=os.path.join(self.dir, "prod"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("CONFIG_WARD_MGMT_UDP=y  (recommended: n)", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "prod", "include", "ward", "config.hpp")))
        # Off by default: a production build without the fragment is accepted and has no UDP SMP.
        r = run_config("generate", prod, out_dir=os.path.join(self.dir, "prod2"))
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(self.dir, "prod2", "include", "ward", "autoconf.h")) as f:
            self.assertNotIn("CONFIG_WARD_MGMT_UDP", f.read())

    # ---- TLS policy (lib/tls/Kconfig) -------------------------------------------------------------

    def generated(self, name, *fragments):
        """(autoconf.h, config.hpp) of a generated configuration; asserts that it was accepted."""
        out = os.path.join(self.dir, name)
        r = run_config("generate", *fragments, out_dir=out)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(out, "include", "ward", "autoconf.h")) as f:
            autoconf = f.read()
        with open(os.path.join(out, "include", "ward", "config.hpp")) as f:
            return autoconf, f.read()

    def test_tls_defaults_are_hardened(self):
        autoconf, hpp = self.generated("out")
        self.assertRegex(autoconf, r"(?m)^#define CONFIG_WARD_TLS_MIN_VERSION 12$")
        self.assertRegex(autoconf, r"(?m)^#define CONFIG_WARD_TLS_VERIFY_PEER 1$")
        self.assertRegex(autoconf, r"(?m)^#define CONFIG_WARD_TLS_HOSTNAME_CHECK 1$")
        self.assertIn("inline constexpr long long tls_min_version = 12;", hpp)
        self.assertIn("inline constexpr bool tls_verify_peer = true;", hpp)
        self.assertIn("inline constexpr bool tls_hostname_check = true;", hpp)
        # The report lists the TLS settings whatever their values, none of them weak.
        r = run_config("hardening")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("TLS settings:", r.stdout)
        self.assertRegex(r.stdout, r"(?m)^  CONFIG_WARD_TLS_MIN_VERSION\s+12$")
        self.assertRegex(r.stdout, r"(?m)^  CONFIG_WARD_TLS_VERIFY_PEER\s+y$")
        self.assertRegex(r.stdout, r"(?m)^  CONFIG_WARD_TLS_HOSTNAME_CHECK\s+y$")
        self.assertNotIn("WEAK", r.stdout)

    def test_tls_minimum_1_3_is_generated(self):
        tls13 = self.fragment("CONFIG_WARD_TLS_MIN_TLS1_3=y\n")
        autoconf, hpp = self.generated("out", tls13)
        self.assertRegex(autoconf, r"(?m)^#define CONFIG_WARD_TLS_MIN_VERSION 13$")
        self.assertIn("inline constexpr long long tls_min_version = 13;", hpp)
        self.assertRegex(autoconf, r"(?m)^#define CONFIG_WARD_TLS_MIN_TLS1_3 1$")
        self.assertNotIn("CONFIG_WARD_TLS_MIN_TLS1_2", autoconf)
        # Stronger than the default: reported, not flagged; a production build takes it.
        r = run_config("hardening", tls13)
        self.assertRegex(r.stdout, r"(?m)^  CONFIG_WARD_TLS_MIN_VERSION\s+13$")
        self.assertIn("All security options are at their recommended values", r.stdout)
        self.generated("prod", self.fragment("CONFIG_WARD_PRODUCTION=y\n", name="prod.conf"), tls13)

    def test_tls_nothing_below_1_2(self):
        # The version is a choice of 1.2 or 1.3; the number follows from it and cannot be set.
        for text, message in (("CONFIG_WARD_TLS_MIN_VERSION=11\n", "CONFIG_WARD_TLS_MIN_VERSION=11 was requested"),
                              ("CONFIG_WARD_TLS_MIN_TLS1_1=y\n", "undefined symbol WARD_TLS_MIN_TLS1_1")):
            r = run_config("generate", self.fragment(text), out_dir=os.path.join(self.dir, "out"))
            self.assertNotEqual(r.returncode, 0, text)
            self.assertIn(message, r.stderr)

    def weak_tls_option(self, option):
        weak = self.fragment(f"# CONFIG_{option} is not set\n", name="weak.conf")
        # Development: accepted, generated as off, and reported as weak (in the TLS settings too).
        autoconf, hpp = self.generated("dev", weak)
        self.assertNotIn(f"CONFIG_{option} ", autoconf)
        self.assertIn(f"inline constexpr bool {option[len('WARD_'):].lower()} = false;", hpp)
        r = run_config("hardening", weak)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, rf"(?m)^  CONFIG_{option}\s+n  WEAK \(recommended: y\)$")
        self.assertRegex(r.stdout, rf"(?m)^CONFIG_{option}\s+n\s+y$")
        self.assertIn("1 option(s) weaker than recommended", r.stdout)
        # Production: refused with the option named, nothing generated.
        prod = self.fragment("CONFIG_WARD_PRODUCTION=y\n", name="prod.conf")
        r = run_config("generate", prod, weak, out_dir=os.path.join(self.dir, "prod"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("CONFIG_WARD_PRODUCTION=y, but these security options are weaker than recommended", r.stderr)
        self.assertIn(f"CONFIG_{option}=n  (recommended: y)", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "prod", "include", "ward", "config.hpp")))

    def test_tls_verification_off_is_reported_and_refused_in_production(self):
        self.weak_tls_option("WARD_TLS_VERIFY_PEER")

    def test_tls_hostname_check_off_is_reported_and_refused_in_production(self):
        self.weak_tls_option("WARD_TLS_HOSTNAME_CHECK")

    def test_production_firmware_configure_fails(self):
        # A real firmware configure with a weakened option under CONFIG_WARD_PRODUCTION=y must stop.
        weak = self.fragment("CONFIG_WARD_PRODUCTION=y\n# CONFIG_WARD_HW_STACK_LIMIT is not set\n")
        build = os.path.join(self.dir, "build")
        r = subprocess.run(
            ["cmake", "-S", SRC, "-B", build, "-G", "Ninja",
             f"-DCMAKE_TOOLCHAIN_FILE={SRC}/cmake/toolchain/arm-none-eabi.cmake",
             "-DWARD_BOARD=mps2_an505", f"-DWARD_EXTRA_CONF={weak}"],
            capture_output=True, text=True)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("CONFIG_WARD_HW_STACK_LIMIT=n  (recommended: y)", r.stderr)


if __name__ == "__main__":
    unittest.main()
