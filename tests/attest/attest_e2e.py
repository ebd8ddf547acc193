#!/usr/bin/python3
"""PSA Initial Attestation end to end on QEMU (docs/attestation.md): the chain bootloader verifies
and starts the secure image and the attestation application (attest_ns.cpp, image 1); the
application asks for a token with the verifier's challenge; the token, captured from the console,
is verified on the host by ward-attest against the key enrolment derives from the device's HUK and
the reference values the build wrote for the two signed images (sign_release.sh). Then the negatives: a wrong
nonce, a tampered payload, a wrong key, a component whose measurement does not match, and (on the
device) a buffer too small.

  attest_e2e.py --attest-tool ward-attest --huk huk.bin CHAIN-ARGS (as tests/boot/chain_e2e.py)
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "boot"))
from chain_e2e import Chain, NAMES  # noqa: E402


def run(cmd, expect_rc, expect_text, failures, what):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    print(f"$ {' '.join(os.path.basename(c) if i == 0 else c for i, c in enumerate(cmd))}\n{p.stdout}", end="")
    if p.returncode != expect_rc or expect_text not in p.stdout:
        failures.append(f"{what}: exit {p.returncode} (expected {expect_rc}), {expect_text!r} "
                        f"{'missing' if expect_text not in p.stdout else 'present'}")
    return p.stdout


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--attest-tool", required=True)
    p.add_argument("--huk", required=True)
    p.add_argument("--signed", nargs=2, required=True, help="the signed secure and non-secure images")
    p.add_argument("--refs", required=True, help="their reference values, as the build wrote them")
    p.add_argument("--implementation-id", required=True, help="the configured implementation id (hex)")
    p.add_argument("--tool", required=True)
    p.add_argument("--bootloader", required=True)
    p.add_argument("--secure-bin", required=True)
    p.add_argument("--ns-bin", required=True)
    p.add_argument("--key0", required=True)
    p.add_argument("--key1", required=True)
    p.add_argument("--flash-file", default="ward-flash.img")
    num = lambda v: int(v, 0)  # noqa: E731
    p.add_argument("--header-size", type=num, required=True)
    p.add_argument("--align", type=num, required=True)
    p.add_argument("--layout0", type=num, nargs=4, required=True)
    p.add_argument("--layout1", type=num, nargs=4, required=True)
    p.add_argument("--sector-size", type=num, required=True)
    p.add_argument("--flash-size", type=num, required=True)
    args = p.parse_args()
    tool = args.attest_tool

    c = Chain(args, "attest")
    w = lambda name: os.path.join(c.work, name)  # noqa: E731
    # The images the build signed (its release step), and the reference values it wrote for them.
    for i, path in enumerate(args.signed):
        with open(path, "rb") as f:
            c.primary(i, bytearray(f.read()))
    shutil.copy(args.refs, w("refs.txt"))
    refs = open(w("refs.txt")).read().split()
    if refs[0::4] != list(NAMES) or refs[1::4] != ["1.2.3+4", "2.0.0+7"]:
        c.failures.append(f"the build's reference values are not the two images': {refs}")

    # The enrolment from the device's HUK.
    enrol = subprocess.run([tool, "enrol", "--huk", args.huk, "--out", w("iak.pem")], check=True,
                           stdout=subprocess.PIPE, text=True).stdout
    instance = enrol.split()[-1]

    nonce = os.urandom(48)
    with open(w("nonce.bin"), "wb") as f:
        f.write(nonce)
    text = c.boot(expect=["secure: measured boot: image 0 'SPE' 1.2.3+4",
                          "sha256 " + refs[2],
                          "secure: measured boot: image 1 'NSPE' 2.0.0+7",
                          "sha256 " + refs[6],
                          "attest: token size for a 48-byte challenge: ",
                          "attest: a buffer one byte short: refused (buffer too small)",
                          "attest: a 47-byte challenge: refused (invalid argument)",
                          "attest: token of ", "attest: token end", "attest: secure service stack "],
                  forbid=["NOT REFUSED", "FAILED", "margin below", "no secure stack report"])
    hex_lines = re.findall(r"attest: token-hex ([0-9a-f]+)", text)
    token = bytes.fromhex("".join(hex_lines))
    m = re.search(r"attest: token of (\d+) bytes", text)
    if not m or int(m.group(1)) != len(token) or not token:
        c.failures.append("no token captured from the console")
    print(f"attest: token of {len(token)} bytes captured")
    with open(w("token.cbor"), "wb") as f:
        f.write(token)

    verify = [tool, "verify", w("token.cbor"), "--key", w("iak.pem"), "--refs", w("refs.txt")]
    impl = ["--implementation-id", args.implementation_id]
    good = run(verify + ["--nonce", nonce.hex()] + impl, 0, "ward-attest: token verified", c.failures, "the token")
    if f"instance id {instance}" not in good:
        c.failures.append("the token's instance id is not the enrolled one")
    if "security lifecycle 0x2000" not in good or "client id -" not in good:
        c.failures.append("development lifecycle or non-secure client id missing")

    # Negatives: each must be refused, for its own reason.
    wrong_nonce = bytes([nonce[0] ^ 1]) + nonce[1:]
    run(verify + ["--nonce", wrong_nonce.hex()], 1, "REFUSED: nonce mismatch", c.failures, "wrong nonce")

    tampered = bytearray(token)
    pos = tampered.find(b"https://")  # the verification service's URI, inside the signed payload
    tampered[pos + 8] ^= 0x01
    with open(w("tampered.cbor"), "wb") as f:
        f.write(tampered)
    run([tool, "verify", w("tampered.cbor"), "--key", w("iak.pem"), "--refs", w("refs.txt"), "--nonce", nonce.hex()],
        1, "REFUSED: signature does not verify", c.failures, "tampered payload")

    subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", w("other.key")],
                   check=True)
    subprocess.run(["openssl", "pkey", "-in", w("other.key"), "-pubout", "-out", w("other.pem")], check=True)
    run([tool, "verify", w("token.cbor"), "--key", w("other.pem"), "--refs", w("refs.txt"), "--nonce", nonce.hex()],
        1, "REFUSED: signature does not verify", c.failures, "wrong key")

    lines = open(w("refs.txt")).read().splitlines()
    fields = lines[1].split()
    fields[2] = fields[2][:-1] + ("0" if fields[2][-1] != "0" else "1")  # the non-secure image's measurement
    with open(w("refs-bad.txt"), "w") as f:
        f.write(lines[0] + "\n" + " ".join(fields) + "\n")
    run([tool, "verify", w("token.cbor"), "--key", w("iak.pem"), "--refs", w("refs-bad.txt"), "--nonce", nonce.hex()],
        1, "REFUSED: a software component does not match its reference value", c.failures, "measurement mismatch")
    other_impl = args.implementation_id[:-1] + ("0" if args.implementation_id[-1] != "0" else "1")
    run(verify + ["--nonce", nonce.hex(), "--implementation-id", other_impl], 1, "implementation id mismatch",
        c.failures, "another implementation id")
    run(verify + ["--nonce", nonce.hex(), "--require-secured"], 1, "REFUSED: security lifecycle is not secured",
        c.failures, "development lifecycle where secured is required")

    if c.failures:
        print("FAILED: " + "; ".join(c.failures))
        return 1
    shutil.rmtree(c.work, ignore_errors=True)
    print("attestation end to end: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
