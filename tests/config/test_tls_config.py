#!/usr/bin/python3
"""Ward's TLS configuration never compiles renegotiation, static-RSA key exchange, CBC suites (CBC-SHA1
among them) or NULL suites: lib/tls/config/ward_tls_config_check.h refuses a configuration that has
one, after Mbed TLS's own adjustments (mbedtls/build_info.h). lib/tls/src/client.cpp includes it, so
lib/tls does not build with such a configuration.

Each test preprocesses the check with the firmware's C compiler and exactly lib/tls's Mbed TLS
include path (WARD_TLS_CC, WARD_TLS_INCLUDES from tests/config/CMakeLists.txt): Ward's configuration
passes; the same configuration with one weak option added (MBEDTLS_USER_CONFIG_FILE, which Mbed TLS
reads after the configuration file) is refused with that option's message.
"""
import os
import subprocess
import tempfile
import unittest

SRC = os.environ.get("WARD_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
CC = os.environ.get("WARD_TLS_CC", "arm-none-eabi-gcc")
INCLUDES = [d for d in os.environ.get("WARD_TLS_INCLUDES", "").split(":") if d]
CONFIG_FILE = '"ward_tls_mbedtls_config.h"'  # lib/tls/CMakeLists.txt: ward_tls_mbedtls_api


DTLS_CONFIG_FILE = '"ward_dtls_mbedtls_config.h"'  # the DTLS build (CONFIG_WARD_TLS_DTLS): ward_dtls_mbedtls_api


def check(user_config=None, config_file=CONFIG_FILE, probe=None):
    """Compiles the check (it includes build_info.h) under lib/tls's configuration (plus user_config);
    `probe`: C lines appended after it (#error to prove what the configuration compiles)."""
    with tempfile.TemporaryDirectory() as d:
        source = os.path.join(d, "check.c")
        with open(source, "w") as f:
            f.write('#include "ward_tls_config_check.h"\n')
            if probe is not None:
                f.write(probe)
        args = [CC, "-fsyntax-only", "-x", "c", source, f"-DMBEDTLS_CONFIG_FILE={config_file}"]
        args += [f"-I{i}" for i in INCLUDES]
        if user_config is not None:
            user = os.path.join(d, "weak_user_config.h")
            with open(user, "w") as f:
                f.write(user_config)
            args.append(f'-DMBEDTLS_USER_CONFIG_FILE="{user}"')
        return subprocess.run(args, capture_output=True, text=True)


class TlsConfigTest(unittest.TestCase):
    def setUp(self):
        self.assertTrue(INCLUDES, "WARD_TLS_INCLUDES is not set (run through ctest)")

    def refused(self, user_config, message):
        r = check(user_config)
        self.assertNotEqual(r.returncode, 0, "the weakened configuration was accepted")
        self.assertIn(message, r.stderr)

    def test_ward_tls_config_passes_the_check(self):
        r = check()
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_dtls_config_passes_the_check(self):
        # The DTLS build is checked like the TLS one, and really has DTLS and anti-replay, and no
        # server-side cookie code (Ward has no DTLS server).
        r = check(config_file=DTLS_CONFIG_FILE, probe=(
            "#if !defined(MBEDTLS_SSL_PROTO_DTLS) || !defined(MBEDTLS_SSL_DTLS_ANTI_REPLAY)\n#error no DTLS\n#endif\n"
            "#if defined(MBEDTLS_SSL_DTLS_HELLO_VERIFY)\n#error server cookies\n#endif\n"))
        self.assertEqual(r.returncode, 0, r.stderr)
        # The TLS build has none of it: images without DTLS carry no datagram code.
        r = check(probe="#if defined(MBEDTLS_SSL_PROTO_DTLS)\n#error DTLS in the TLS build\n#endif\n")
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_dtls_config_refuses_weak_options(self):
        for weak, message in (("#define MBEDTLS_SSL_RENEGOTIATION\n", "renegotiation is compiled"),
                              ("#define PSA_WANT_ALG_CBC_NO_PADDING 1\n", "CBC cipher suites are compiled")):
            r = check(weak, config_file=DTLS_CONFIG_FILE)
            self.assertNotEqual(r.returncode, 0, "the weakened DTLS configuration was accepted")
            self.assertIn(message, r.stderr)

    def test_client_includes_the_check(self):
        # The check guards the real build only if lib/tls's own source includes it.
        with open(os.path.join(SRC, "lib", "tls", "src", "client.cpp")) as f:
            self.assertIn('#include "ward_tls_config_check.h"', f.read())
        with open(os.path.join(SRC, "lib", "tls", "src", "dtls_client.cpp")) as f:
            self.assertIn('#include "ward_tls_config_check.h"', f.read())

    def test_renegotiation_is_refused(self):
        self.refused("#define MBEDTLS_SSL_RENEGOTIATION\n", "renegotiation is compiled")

    def test_static_rsa_key_exchange_is_refused(self):
        self.refused("#define MBEDTLS_KEY_EXCHANGE_RSA_ENABLED\n", "static-RSA key exchange is compiled")

    def test_cbc_suites_are_refused(self):
        # Through PSA (MBEDTLS_USE_PSA_CRYPTO): the secure world's CBC would give TLS its CBC suites.
        self.refused("#define PSA_WANT_ALG_CBC_NO_PADDING 1\n", "CBC cipher suites are compiled")
        # Through the legacy cipher module.
        self.refused("#define MBEDTLS_CIPHER_MODE_CBC\n", "CBC cipher suites are compiled")

    def test_null_suites_are_refused(self):
        self.refused("#define MBEDTLS_CIPHER_NULL_CIPHER\n", "NULL (unencrypted) cipher suites are compiled")


if __name__ == "__main__":
    unittest.main()
