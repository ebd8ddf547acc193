#!/usr/bin/env bash
# Short libFuzzer run of ward-image's Intel HEX parser, seeded with HEX files ward-image writes
# (above and below 64 KiB, with a trailer far from the image) so mutations start from real records.
#   fuzz_hex_smoke.sh FUZZER WARD_IMAGE WORKDIR
set -euo pipefail
fuzzer=$1 tool=$2 work=$3
rm -rf "$work" && mkdir -p "$work/corpus"
"$tool" keygen -k "$work/key.pem"
head -c 300 /dev/urandom >"$work/payload.bin"
"$tool" sign -k "$work/key.pem" --version 1.0.0 --header-size 0x20 --pad-header --hex-addr 0x10100000 \
  "$work/payload.bin" "$work/corpus/high.hex" 2>/dev/null
"$tool" sign -k "$work/key.pem" --version 1.0.0 --header-size 0x20 --pad-header --hex-addr 0x100 \
  --slot-size 0x1000 --max-sectors 4 --confirm "$work/payload.bin" "$work/corpus/low-trailer.hex"
printf ':020000021000EC\n:0100000042BD\n:0400000510100200D5\n:00000001FF\n' >"$work/corpus/segment.hex"
exec "$fuzzer" -runs=500000 -seed=1 -max_len=2048 -timeout=10 "$work/corpus"
