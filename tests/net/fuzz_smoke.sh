#!/usr/bin/env bash
# A short libFuzzer run of frame intake, seeded with FIFO contents as QEMU's LAN9118 produces
# them (a status word, then the frame and its FCS in words): a full frame, a 46-byte runt,
# frames on either side of each limit, a flagged error and a status no FIFO could hold.
#   fuzz_smoke.sh FUZZER WORKDIR [LIBFUZZER_ARGS...]
set -euo pipefail
fuzzer=$1 work=$2
shift 2
rm -rf "$work" && mkdir -p "$work/corpus"
"${WARD_PYTHON:-python3}" - "$work/corpus" <<'PY'
import struct, sys, os
out = sys.argv[1]
def fifo(n, flags=0, src0=0x02):
    frame = bytearray(b"\xff" * 6 + bytes([src0]) + b"\x00\x00\x00\x00\x01" + b"\x08\x00") + bytes(range(256)) * 6
    frame = frame[:n] + b"\0" * max(0, n - len(frame)) + b"\xde\xad\xbe\xef"
    frame += b"\0" * (-len(frame) % 4)
    return struct.pack("<I", ((n + 4) << 16) | flags) + bytes(frame)
seeds = {"full": fifo(1514), "runt46": fifo(46), "header": fifo(14), "short": fifo(13), "long": fifo(1515),
         "crc": fifo(64, 1 << 1 | 1 << 15), "filtered": fifo(64, 1 << 30), "mcast_src": fifo(64, src0=0x01),
         "malformed": struct.pack("<I", 0x3fff << 16), "two": fifo(60) + fifo(1000)}
for name, data in seeds.items():
    open(os.path.join(out, name), "wb").write(data)
PY
if [[ $# -eq 0 ]]; then
  set -- -runs=300000 -max_total_time=30 -seed=1 -timeout=10
fi
exec "$fuzzer" -max_len=8192 -artifact_prefix="$work/" "$@" "$work/corpus"
