#!/usr/bin/env bash
# A short libFuzzer run of one of lib/mgmt's targets, seeded with well-formed input written from
# the SMP specification: requests of every command served (as a sequence of u16-length-prefixed
# packets, including an upload in three chunks, a replay and a resume) or the same as console lines.
# (fwu: the server's seeds, and an MCUboot-shaped image uploaded to image 1 with its SHA-256, tested
# by its hash TLV, the device reset (a packet of length 0), confirmed, erased.)
# (stream: the server's packets back to back, as SMP over TLS carries them, behind a byte choosing
# the reads' size; one with a length over the buffer, one with garbage after a packet.)
#   fuzz_smoke.sh FUZZER KIND(server|console|fwu|stream) WORKDIR [LIBFUZZER_ARGS...]
set -euo pipefail
fuzzer=$1 kind=$2 work=$3
shift 3
rm -rf "$work" && mkdir -p "$work/corpus"
"${WARD_PYTHON:-python3}" - "$work/corpus" "$kind" <<'PY'
import base64, os, struct, sys
out, kind = sys.argv[1], sys.argv[2]
def head(major, v):
    if v < 24: return bytes([major << 5 | v])
    if v < 256: return bytes([major << 5 | 24, v])
    if v < 65536: return bytes([major << 5 | 25]) + struct.pack(">H", v)
    return bytes([major << 5 | 26]) + struct.pack(">I", v)
u = lambda v: head(0, v)
t = lambda s: head(3, len(s)) + s.encode()
b = lambda s: head(2, len(s)) + s
def m(*kv): return head(5, len(kv) // 2) + b"".join(kv)
def pkt(ver, op, group, seq, cid, payload=b""):
    return bytes([ver << 3 | op, 0]) + struct.pack(">HHBB", len(payload), group, seq, cid) + payload
img = bytes(range(256)) * 2
seqs = {
  "echo": [pkt(0, 2, 0, 1, 0, m(t("d"), t("hello"))), pkt(1, 0, 0, 2, 0, m(t("d"), t("")))],
  "os": [pkt(0, 0, 0, 1, 6), pkt(1, 0, 0, 2, 7, m(t("format"), t("a"))), pkt(1, 0, 0, 3, 7, m(t("format"), t("q"))),
         pkt(0, 0, 0, 4, 8), pkt(1, 0, 0, 5, 8, m(t("query"), t("mode")))],
  "errors": [pkt(2, 0, 0, 1, 0), pkt(0, 0, 64, 2, 0), pkt(0, 0, 0, 3, 99), pkt(0, 1, 0, 4, 0)],
  "state": [pkt(0, 0, 1, 1, 0), pkt(1, 2, 1, 2, 0, m(t("confirm"), b"\xf5"))],
  "slot_info": [pkt(1, 0, 1, 1, 6), pkt(0, 0, 1, 2, 6, m(t("future"), u(1))), pkt(1, 2, 1, 3, 6)],
  "upload": [pkt(1, 2, 1, 1, 1, m(t("image"), u(0), t("len"), u(len(img)), t("off"), u(0), t("sha"), b(b"\x11" * 32),
                                t("data"), b(img[:100]))),
             pkt(1, 2, 1, 2, 1, m(t("off"), u(100), t("data"), b(img[100:200]))),
             pkt(1, 2, 1, 3, 1, m(t("off"), u(100), t("data"), b(img[100:200]))),
             pkt(1, 2, 1, 4, 1, m(t("image"), u(0), t("len"), u(len(img)), t("off"), u(0), t("sha"), b(b"\x11" * 32),
                                t("data"), b(img[:100]))),
             pkt(1, 2, 1, 5, 1, m(t("off"), u(200), t("data"), b(img[200:])))],
}
import hashlib
payload = bytes((i * 13 + 1) & 0xff for i in range(1000))
hdr = struct.pack("<IIHHII", 0x96f3b83d, 0, 32, 0, len(payload), 0) + bytes([2, 1, 3, 0]) + bytes(8)
tlv_hash = hashlib.sha256(hdr + payload).digest()
mcu = hdr + payload + struct.pack("<HH", 0x6907, 76) + struct.pack("<HH", 1, 32) + b"\x5a" * 32 + \
      struct.pack("<HH", 0x10, 32) + tlv_hash
RESET = b""
seqs["fwu_upload"] = [
    pkt(1, 2, 1, 1, 1, m(t("image"), u(1), t("len"), u(len(mcu)), t("off"), u(0), t("sha"),
                         b(hashlib.sha256(mcu).digest()), t("data"), b(mcu[:301]))),
    pkt(1, 2, 1, 2, 1, m(t("off"), u(301), t("data"), b(mcu[301:700]))),
    RESET,
    pkt(1, 2, 1, 3, 1, m(t("image"), u(1), t("len"), u(len(mcu)), t("off"), u(0), t("sha"),
                         b(hashlib.sha256(mcu).digest()), t("data"), b(mcu[:301]))),
    pkt(1, 2, 1, 4, 1, m(t("off"), u(301), t("data"), b(mcu[301:]))),
    pkt(1, 0, 1, 5, 0),
    pkt(1, 2, 1, 6, 0, m(t("hash"), b(tlv_hash), t("confirm"), b"\xf4")),
    RESET,
    pkt(1, 2, 1, 7, 0, m(t("confirm"), b"\xf5")),
    pkt(1, 2, 1, 8, 5, m(t("slot"), u(3))),
]
def crc16(d):
    c = 0
    for x in d:
        c ^= x << 8
        for _ in range(8):
            c = ((c << 1) ^ 0x1021) & 0xffff if c & 0x8000 else (c << 1) & 0xffff
    return c
def lines(p):
    raw = struct.pack(">H", len(p) + 2) + p + struct.pack(">H", crc16(p))
    out = b""
    for i in range(0, len(raw), 93):
        out += (b"\x06\x09" if i == 0 else b"\x04\x14") + base64.b64encode(raw[i:i + 93]) + b"\n"
    return out
# The server target takes each packet as a UDP datagram: a length with its top bit set is a
# datagram larger than what was received (truncated), one over 2,048 bytes larger than a packet.
if kind == "server":
    echo = pkt(1, 2, 0, 9, 0, m(t("d"), t("udp")))
    big = pkt(1, 2, 0, 10, 0, m(t("d"), t("x" * 2100)))
    open(os.path.join(out, "udp"), "wb").write(struct.pack(">H", 0x8000 | len(echo)) + echo +
                                               struct.pack(">H", len(big)) + big +
                                               struct.pack(">H", len(echo)) + echo)
if kind == "stream":
    echo = pkt(1, 2, 0, 9, 0, m(t("d"), t("tls")))
    open(os.path.join(out, "over"), "wb").write(b"\x07" + echo + pkt(1, 2, 0, 10, 0, m(t("d"), t("x" * 400))))
    open(os.path.join(out, "garbage"), "wb").write(b"\x20" + echo + b"\x16\x03\x01\x02\x00\x01")
for name, packets in seqs.items():
    if kind == "stream":
        if not name.startswith("fwu"):
            open(os.path.join(out, name), "wb").write(bytes([len(name)]) + b"".join(packets))
        continue
    if kind == "server" or kind == "fwu":
        if kind == "server" and name.startswith("fwu"):
            continue
        data = b"".join(struct.pack(">H", len(p)) + p for p in packets)
    else:
        data = b"console text\n".join(lines(p) for p in packets)
    open(os.path.join(out, name), "wb").write(data)
PY
if [[ $# -eq 0 ]]; then
  set -- -runs=300000 -max_total_time=30 -seed=1 -timeout=10
fi
exec "$fuzzer" -max_len=4096 -artifact_prefix="$work/" "$@" "$work/corpus"
