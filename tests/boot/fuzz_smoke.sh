#!/usr/bin/env bash
# Short libFuzzer run of the image parser, seeded with real signed images (made by ward-image) so
# that mutations start past the magic and the size checks, and with copies whose SHA-256 and key
# hash TLVs match the target's stand-in crypto (fuzz_seeds.py), so that they also start past the
# hash and key checks, at the signature.
#   fuzz_smoke.sh FUZZER WARD_IMAGE WORKDIR [RUNS]
set -euo pipefail
fuzzer=$1 tool=$2 work=$3 runs=${4:-1000000}
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work" && mkdir -p "$work/corpus"
"$tool" keygen -k "$work/key.pem"
head -c 700 /dev/urandom >"$work/payload.bin"
sign() { "$tool" sign -k "$work/key.pem" --pad-header "$@"; }
sign --version 1.2.3+4 --header-size 0x40 --security-counter 5 "$work/payload.bin" "$work/corpus/signed.bin"
sign --version 2.0.0 --header-size 0x20 "$work/payload.bin" "$work/corpus/no-counter.bin"
sign --version 2.1.0 --header-size 0x20 --public-key-format full "$work/payload.bin" "$work/corpus/full-key.bin"
sign --version 3.0.0 --header-size 0x20 --security-counter 7 --dependencies "(1, 2.0.0)" --boot-record NSPE \
  "$work/payload.bin" "$work/corpus/dependency.bin"
for seed in signed no-counter full-key dependency; do
  python3 "$here/fuzz_seeds.py" "$work/corpus/$seed.bin" "$work/corpus/$seed-past-hash.bin"
done
exec "$fuzzer" -runs="$runs" -seed=1 -max_len=4096 -timeout=10 "$work/corpus"
