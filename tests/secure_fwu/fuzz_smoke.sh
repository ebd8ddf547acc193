#!/usr/bin/env bash
# A 45-second libFuzzer run of the FWU handler and service, from seeds that take a signed image
# through the whole update (fuzz_seeds.py) so that mutations start deep in install and the trial.
#   fuzz_smoke.sh FUZZER WARD_IMAGE WORKDIR [LIBFUZZER_ARGS...]
#   (LIBFUZZER_ARGS replace the smoke run's; e.g. -runs=0 runs the seeds once)
set -euo pipefail
fuzzer=$1 tool=$2 work=$3
shift 3
rm -rf "$work" && mkdir -p "$work/corpus"
"${WARD_PYTHON:-python3}" "$(dirname "$0")/fuzz_seeds.py" "$tool" "$work"
if [[ $# -eq 0 ]]; then
  set -- -runs=1000000 -max_total_time=45 -seed=1 -timeout=10
fi
exec "$fuzzer" -max_len=4096 -artifact_prefix="$work/" "$@" "$work/corpus"
