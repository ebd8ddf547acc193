#!/usr/bin/env bash
# A 45-second libFuzzer run of the FWU handler and service from an empty corpus (the request format
# is small enough for libFuzzer to find on its own).
#   fuzz_smoke.sh FUZZER WORKDIR
set -euo pipefail
fuzzer=$1 work=$2
rm -rf "$work" && mkdir -p "$work/corpus"
exec "$fuzzer" -runs=1000000 -max_total_time=45 -seed=1 -max_len=4096 -timeout=10 -artifact_prefix="$work/" "$work/corpus"
