#!/usr/bin/env python3
"""TLS sockets from user threads against the secure world's quotas (tests/net/tls_quota/main.cpp) on QEMU.

The peers, all on 127.0.0.1 (10.0.2.2 from the device through slirp), started here:

  stall   TCP: accepts every connection and never sends a byte (held open until the end);
  rst     TCP: reads what the device sends (its ClientHello) and closes;
  good    openssl s_server (the build's test CA's chain for ward-tls.test), three sessions one after another;
  q1..q5  openssl s_server, one quiet session each (idle keeps q5's open, sessions all four others).

The device prints one line per case ("held" or "BROKE"); every case must hold. Loopback only; every wait,
socket and process is bounded.
Usage: tls_quota_test.py --runner WARD_QEMU_RUN [--secure-image ELF] --ca-dir DIR IMAGE
"""
import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tls_redteam_test import RawPeer, run_device, stall  # noqa: E402
from tls_test import Server, make_key_and_csr, sign  # noqa: E402

CASES = ["baseline", "rst", "full", "abort", "hog", "kernel", "idle", "sessions", "owners", "orphan", "orphan_abort",
         "partial", "restart", "burn", "heap0", "kernel_client"]


def rst(conn, stop):
    conn.settimeout(5)
    try:
        conn.recv(4096)
    except OSError:
        pass
    conn.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runner", required=True)
    p.add_argument("--secure-image")
    p.add_argument("--ca-dir", required=True)
    p.add_argument("image")
    args = p.parse_args()
    ca_pem, ca_key = f"{args.ca_dir}/ca.pem", f"{args.ca_dir}/ca.key"
    with tempfile.TemporaryDirectory(prefix="ward-tls-quota-") as d:
        make_key_and_csr(d, "good")
        sign(d, "good", ca_pem, ca_key)
        raw = {"stall": RawPeer(stall), "rst": RawPeer(rst)}
        good = (f"{d}/good.pem", f"{d}/good.key")

        def servers():
            started = {"good": Server(d, *good, [], naccept=3), "good2": Server(d, *good, [], naccept=12),
                       "good12": Server(d, *good, ["-tls1_2"], naccept=12),
                       "good3": Server(d, *good, [], naccept=30),
                       "good4": Server(d, *good, [], naccept=4)}
            for q in ("q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8"):
                started[q] = Server(d, *good, [])
            return started

        out, status = run_device(args, "tls_quota", raw, servers, settle=1.0, timeout=150)
        broke = [c for c in CASES if f"tls_quota: {c}: held" not in out]
        if broke:
            raise AssertionError(f"cases that broke: {', '.join(broke)}")
        if status != 0:
            raise AssertionError(f"the runner failed (status {status})")
    print("tls_quota_test: PASS")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except AssertionError as e:
        print(f"tls_quota_test: FAIL: {e}")
        sys.exit(1)
