#!/usr/bin/env bash
# Short libFuzzer run of the image parser, seeded with real signed images (made by ward-image) so
# that mutations start past the magic and the size checks.
#   fuzz_smoke.sh FUZZER WARD_IMAGE WORKDIR
set -euo pipefail
fuzzer=$1 tool=$2 work=$3
rm -rf "$work" && mkdir -p "$work/corpus"
"$tool" keygen -k "$work/key.pem"
head -c 700 /dev/urandom >"$work/payload.bin"
"$tool" sign -k "$work/key.pem" --version 1.2.3+4 --header-size 0x40 --pad-header \
  --security-counter 5 "$work/payload.bin" "$work/corpus/signed.bin"
"$tool" sign -k "$work/key.pem" --version 2.0.0 --header-size 0x20 --pad-header \
  "$work/payload.bin" "$work/corpus/no-counter.bin"
exec "$fuzzer" -runs=1000000 -seed=1 -max_len=4096 -timeout=10 "$work/corpus"
