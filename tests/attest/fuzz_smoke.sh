#!/usr/bin/env bash
# Short libFuzzer run of ward-attest's token decoder, seeded with a real token (written by the host
# test) so that mutations start inside the COSE structure and the claims.
#   fuzz_smoke.sh FUZZER ATTEST_TESTS WORKDIR
set -euo pipefail
fuzzer=$1 tests=$2 work=$3
rm -rf "$work" && mkdir -p "$work/corpus"
WARD_ATTEST_TOKEN_OUT="$work/corpus/token.cbor" "$tests" \
  --gtest_filter=Attestation.TokenVerifiesWithTheEnrolledKeyAndCarriesTheClaims >/dev/null
[[ -s $work/corpus/token.cbor ]] || { echo "no seed token written" >&2; exit 1; }
exec "$fuzzer" -runs=300000 -seed=1 -max_len=2048 -timeout=10 "$work/corpus"
