#!/usr/bin/env python3
"""Seeds for the FWU fuzz target (fuzz_fwu.cpp) that take an image through the whole update: staged
in blocks, finished, installed (it verifies: signed with the target's test key, RFC 6979's P-256
key of A.2.5), the bootloader's trial, accept or reject, clean; and the refusals deep in install
(an unmet dependency, a rolled-back security counter), a retransmitted and a changed block, a
cancel, a reject of a staged image. Images are signed by ward-image with the test key.
  fuzz_seeds.py WARD_IMAGE WORKDIR   (writes WORKDIR/corpus/seed*)"""
import base64
import pathlib
import struct
import subprocess
import sys

# RFC 6979, A.2.5: the private key and its public point; as SEC1 DER (RFC 5915) for ward-image.
PRIVATE = bytes.fromhex("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721")
POINT = bytes.fromhex("0460fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6"
                      "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299")
P256_OID = bytes.fromhex("06082a8648ce3d030107")

QUERY, START, WRITE, FINISH, CANCEL, CLEAN, INSTALL, REBOOT, REJECT, ACCEPT = range(1, 11)
NONSECURE = 1
BOOT, RESET = 0xFF, 0xFE  # the service restarts; the bootloader runs first
BLOCK = 512               # staged in blocks of this size (PSA_FWU_MAX_WRITE_SIZE is 2048)


def pem_key():
    der = (b"\x30\x77\x02\x01\x01\x04\x20" + PRIVATE + b"\xa0\x0a" + P256_OID + b"\xa1\x44\x03\x42\x00" + POINT)
    body = base64.encodebytes(der).decode()
    return f"-----BEGIN EC PRIVATE KEY-----\n{body}-----END EC PRIVATE KEY-----\n"


def sign(tool, work, name, version, counter, payload_size, dependencies=None):
    payload = bytes((i * 7 + version.count(".") + counter) & 0xFF for i in range(payload_size))
    src, out = work / f"{name}.bin", work / f"{name}.signed.bin"
    src.write_bytes(payload)
    cmd = [tool, "sign", "-k", str(work / "test-key.pem"), "--version", version, "--header-size", "0x100",
           "--pad-header", "--security-counter", str(counter), "--align", "8"]
    if dependencies:
        cmd += ["--dependencies", dependencies]
    subprocess.run(cmd + [str(src), str(out)], check=True, stdout=subprocess.DEVNULL)
    return out.read_bytes()


def request(type_, component=NONSECURE, offset=0, data=None, outs=0, error=None):
    """One request in fuzz_fwu.cpp's format: args vector plus, for WRITE, the data vector."""
    ins = 0 if type_ in (INSTALL, REBOOT, ACCEPT) else (2 if type_ == WRITE else 1)
    counts = ins << 4 | 0x08 | outs | (0x04 if error is None else 0)
    body = bytes([type_, counts, component]) + struct.pack("<I", offset)
    if error is not None:
        body += struct.pack("<H", error & 0xFFFF)
    data = data or b""
    return body + bytes([0]) + struct.pack("<H", len(data)) + data + struct.pack("<H", 1 if outs else 0)


def stage(image, finish=True):
    seq = request(START)
    for off in range(0, len(image), BLOCK):
        seq += request(WRITE, offset=off, data=image[off:off + BLOCK])
    return seq + (request(FINISH) if finish else b"")


def main():
    tool, work = sys.argv[1], pathlib.Path(sys.argv[2])
    corpus = work / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    (work / "test-key.pem").write_text(pem_key())
    v1 = sign(tool, work, "v1", "1.0.0", 1, 1000)
    v2 = sign(tool, work, "v2", "2.0.0", 2, 300)
    v0 = sign(tool, work, "v0", "0.9.0", 0, 200)  # below v1's counter: rolled back
    # The component is image 0: a dependency on itself is met by the candidate; none provides image 1.
    dep_met = sign(tool, work, "dep_met", "1.1.0", 1, 200, "(0, 1.0.0)")
    dep_unmet = sign(tool, work, "dep_unmet", "1.1.0", 1, 200, "(1, 1.0.0)")
    query = request(QUERY, outs=1)
    accepted_v1 = stage(v1) + request(INSTALL) + bytes([RESET]) + request(ACCEPT) + bytes([RESET]) + request(CLEAN)
    seeds = {
        # Staged, installed (STAGED), then the bootloader's trial, accepted, UPDATED, cleaned.
        "accept": stage(v1) + request(INSTALL) + query + bytes([RESET]) + query + request(ACCEPT) +
                  bytes([RESET]) + query + request(CLEAN) + query,
        # v1 accepted (the device starts empty: a trial with nothing to revert to stays), then a
        # trial of v2 rejected: the bootloader reverts it; FAILED with the reason, cleaned.
        "reject_trial": accepted_v1 + stage(v2) + request(INSTALL) + bytes([RESET]) +
                        request(REJECT, component=0, error=-151) + bytes([RESET]) + query + request(CLEAN) + query,
        # v1 accepted, then a trial of v2 never accepted: reverted at the next reset.
        "revert": accepted_v1 + stage(v2) + request(INSTALL) + bytes([RESET]) + query + bytes([RESET]) + query +
                  request(CLEAN) + query,
        # A staged request withdrawn before any reboot.
        "reject_staged": stage(v1) + request(INSTALL) + request(REJECT, component=0, error=-151) + query +
                         request(CLEAN) + query,
        # v1 accepted, then v2 over it, then v0 (its counter rolled back) refused at install.
        "second": accepted_v1 + stage(v2) + request(INSTALL) + bytes([RESET]) + request(ACCEPT) + bytes([RESET]) +
                  request(CLEAN) + stage(v0) + request(INSTALL) + query,
        # Dependencies: met, and one no component provides.
        "dependency": stage(dep_met) + request(INSTALL) + request(REJECT, component=0, error=-151) +
                      request(CLEAN) + stage(dep_unmet) + request(INSTALL) + query,
        # A download cut short (reboot, resumed from the unit the scan reports last), a block
        # retransmitted, one changed, a cancel and a clean.
        "resume": stage(v1[:1024], finish=False) + bytes([BOOT]) + query +
                  request(WRITE, offset=512, data=v1[512:1024]) + request(WRITE, offset=512, data=bytes(512)) +
                  request(WRITE, offset=1016, data=v1[1016:]) + request(FINISH) + request(CANCEL) + query +
                  request(CLEAN),
        # Installed, then the service restarts between install and the bootloader.
        "restart": stage(v1) + request(INSTALL) + bytes([BOOT]) + query + bytes([RESET]) + bytes([BOOT]) + query +
                   request(ACCEPT),
    }
    for name, body in seeds.items():
        (corpus / f"seed_{name}").write_bytes(body)


if __name__ == "__main__":
    main()
