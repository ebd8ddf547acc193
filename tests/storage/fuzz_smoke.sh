#!/usr/bin/env bash
# A 45-second libFuzzer run of the storage handlers and flash parser, seeded with a program per
# operation (fuzz_seeds.py: set, get, info, remove, PS create and set_extended, write-once, two
# owners, reboots, a damaged flash) so that mutations start inside each of them.
#   fuzz_smoke.sh FUZZER WORKDIR [RUNS]
set -euo pipefail
fuzzer=$1 work=$2 runs=${3:-1000000}
rm -rf "$work" && mkdir -p "$work/corpus"
python3 "$(cd "$(dirname "$0")" && pwd)/fuzz_seeds.py" "$work/corpus"
exec "$fuzzer" -runs="$runs" -max_total_time=45 -seed=1 -max_len=1024 -timeout=10 "$work/corpus"
