#!/usr/bin/env bash
# A short libFuzzer run of ward-mgmt's reply parser and console framing (tools/ward-mgmt/fuzz),
# seeded with well-formed replies written from the SMP specification: each one as a raw packet (a
# UDP datagram) and as console lines with text around them.
#   fuzz_smoke.sh FUZZER WORKDIR [LIBFUZZER_ARGS...]
set -euo pipefail
fuzzer=$1 work=$2
shift 2
rm -rf "$work" && mkdir -p "$work/corpus"
"${WARD_PYTHON:-python3}" - "$work/corpus" <<'PY'
import base64, os, struct, sys
out = sys.argv[1]
def head(major, v):
    if v < 24: return bytes([major << 5 | v])
    if v < 256: return bytes([major << 5 | 24, v])
    if v < 65536: return bytes([major << 5 | 25]) + struct.pack(">H", v)
    return bytes([major << 5 | 26]) + struct.pack(">I", v)
u = lambda v: head(0, v)
t = lambda s: head(3, len(s)) + s.encode()
b = lambda s: head(2, len(s)) + s
T, F = b"\xf5", b"\xf4"
def m(*kv): return head(5, len(kv) // 2) + b"".join(kv)
def im(*kv): return b"\xbf" + b"".join(kv) + b"\xff"   # indefinite-length map, as Zephyr and Ward send
def pkt(ver, op, group, seq, cid, payload):
    return bytes([ver << 3 | op, 0]) + struct.pack(">HHBB", len(payload), group, seq, cid) + payload
slot = lambda n, flags: im(t("image"), u(0), t("slot"), u(n), t("version"), t("1.2.3"), t("hash"), b(bytes(32)),
                           *[x for k, v in flags.items() for x in (t(k), v)])
replies = {
  "echo": pkt(1, 3, 0, 7, 0, im(t("r"), t("hello"))),
  "state": pkt(1, 1, 1, 8, 0, im(t("images"), b"\x9f" + slot(0, {"active": T, "confirmed": T}) +
                                  slot(1, {"pending": T, "bootable": F}) + b"\xff", t("splitStatus"), u(0))),
  # A flag sent as a half-precision float (found by this smoke run): libcbor's cbor_is_bool asserts
  # on a float, so ward-mgmt aborted; it must refuse the reply instead.
  "state_float_flag": pkt(1, 1, 1, 8, 0, im(t("images"), b"\x9f" + slot(0, {"active": T, "confirmed": b"\xf9\x3c\x00"}) +
                                  b"\xff")),
  "upload": pkt(1, 3, 1, 9, 1, m(t("off"), u(4096))),
  "upload_err": pkt(1, 3, 1, 10, 1, m(t("err"), m(t("group"), u(1), t("rc"), u(20)), t("off"), u(100))),
  "rc": pkt(0, 3, 1, 11, 1, m(t("rc"), u(3))),
  "taskstat": pkt(1, 1, 0, 12, 2, m(t("tasks"), m(t("main"), m(t("prio"), u(10), t("stkuse"), u(300)),
                                                  t("idle"), m(t("prio"), u(255))))),
  "params": pkt(1, 1, 0, 13, 6, m(t("buf_size"), u(1024), t("buf_count"), u(2))),
  "slot_info": pkt(1, 1, 1, 14, 6, im(t("images"), b"\x9f" + im(t("image"), u(0), t("slots"),
                   b"\x9f" + im(t("slot"), u(0), t("size"), u(327680)) +
                   im(t("slot"), u(1), t("size"), u(327680), t("upload_image_id"), u(0)) + b"\xff",
                   t("max_image_size"), u(323584)) + b"\xff")),
}
def crc16(d):
    c = 0
    for x in d:
        c ^= x << 8
        for _ in range(8):
            c = ((c << 1) ^ 0x1021) & 0xffff if c & 0x8000 else (c << 1) & 0xffff
    return c
def lines(p):
    raw = struct.pack(">H", len(p) + 2) + p + struct.pack(">H", crc16(p))
    o = b""
    for i in range(0, len(raw), 93):
        o += (b"\x06\x09" if i == 0 else b"\x04\x14") + base64.b64encode(raw[i:i + 93]) + b"\n"
    return o
for name, p in replies.items():
    open(os.path.join(out, name), "wb").write(p)
    open(os.path.join(out, name + "_serial"), "wb").write(b"[00:00] <inf> log\r\n" + lines(p) + b"more text\n")
PY
if [[ $# -eq 0 ]]; then
  set -- -runs=300000 -max_total_time=30 -seed=1 -timeout=10
fi
exec "$fuzzer" -max_len=4096 -artifact_prefix="$work/" "$@" "$work/corpus"
