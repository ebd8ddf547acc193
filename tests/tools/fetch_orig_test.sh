#!/usr/bin/env bash
# scripts/fetch-orig.sh must refuse a tarball whose SHA-256 differs from the pin and unpack
# nothing, and must accept the pinned one. Usage: fetch_orig_test.sh PIN (each pin is tested). Runs offline: the real, already verified tarball is
# copied from the repository's cache into a temporary WARD_CACHE, so the script never downloads.
#
# Cases:
#   1. pin with a wrong ORIG_SHA256, genuine tarball      -> refused, nothing unpacked
#   2. correct pin, tarball with one byte appended                 -> refused, nothing unpacked
#   3. correct pin, genuine tarball                                -> unpacked and stamped
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
fetch=$root/scripts/fetch-orig.sh
real_pin=${1:?usage: fetch_orig_test.sh PIN}
real_cache=${WARD_CACHE:-$root/.cache}

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }

# shellcheck disable=SC1090
source "$real_pin"
real_tarball=$real_cache/downloads/$ORIG_TARBALL
if [[ ! -f $real_tarball ]]; then
  echo "FAIL: $real_tarball not found; run ./ward setup first" >&2
  exit 1
fi
if [[ $(sha256sum "$real_tarball" | cut -d' ' -f1) != "$ORIG_SHA256" ]]; then
  echo "FAIL: $real_tarball does not match the pin itself" >&2
  exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ward-fetch-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# A pin identical to the real one except for the last hex digit of the checksum.
wrong_sha=${ORIG_SHA256%?}
if [[ ${ORIG_SHA256: -1} == 0 ]]; then wrong_sha+=1; else wrong_sha+=0; fi
wrong_pin=$tmp/wrong.pin
sed "s/^ORIG_SHA256=.*/ORIG_SHA256=$wrong_sha/" "$real_pin" >"$wrong_pin"
grep -q "^ORIG_SHA256=$wrong_sha\$" "$wrong_pin" || { echo "FAIL: could not write $wrong_pin" >&2; exit 1; }
[[ $(grep -v '^ORIG_SHA256=' "$wrong_pin") == $(grep -v '^ORIG_SHA256=' "$real_pin") ]] \
  || { echo "FAIL: $wrong_pin differs from the pin in more than the checksum" >&2; exit 1; }

# A fresh cache holding only downloads/<tarball>.
new_cache() {
  local cache=$tmp/$1
  mkdir -p "$cache/downloads"
  cp "$real_tarball" "$cache/downloads/"
  echo "$cache"
}

# Runs the fetch script with WARD_CACHE=$1 on the pin $2; sets rc, out, err.
run_fetch() {
  rc=0
  WARD_CACHE=$1 "$fetch" "$2" >"$tmp/stdout" 2>"$tmp/stderr" </dev/null || rc=$?
  out=$(cat "$tmp/stdout")
  err=$(cat "$tmp/stderr")
}

# The script must have left nothing but downloads/ behind (no source, no half-unpacked temp dir).
expect_nothing_unpacked() {
  local cache=$1 what=$2 extra
  extra=$(find "$cache" -mindepth 1 -maxdepth 1 ! -name downloads)
  if [[ -n $extra ]]; then
    fail "$what: left behind: $extra"
  else
    pass "$what: nothing unpacked"
  fi
}

expect_refused() {
  local cache=$1 what=$2
  if [[ $rc -eq 0 ]]; then
    fail "$what: fetch-orig.sh exited 0"
  else
    pass "$what: exit status $rc"
  fi
  if grep -q "checksum mismatch" <<<"$err"; then
    pass "$what: reports the checksum mismatch"
  else
    fail "$what: no 'checksum mismatch' in its output:"$'\n'"$err"
  fi
  expect_nothing_unpacked "$cache" "$what"
}

# 1. Wrong checksum in the pin.
cache=$(new_cache wrong-pin)
run_fetch "$cache" "$wrong_pin"
expect_refused "$cache" "wrong pin"
grep -q "$wrong_sha" <<<"$err" || fail "wrong pin: the expected (pinned) checksum is not shown"

# 2. Tampered tarball, correct pin.
cache=$(new_cache tampered)
printf 'x' >>"$cache/downloads/$ORIG_TARBALL"
run_fetch "$cache" "$real_pin"
expect_refused "$cache" "tampered tarball"

# 3. The genuine tarball with the real pin is accepted.
cache=$(new_cache good)
run_fetch "$cache" "$real_pin"
src=$cache/$ORIG_PACKAGE-$ORIG_VERSION
if [[ $rc -ne 0 ]]; then
  fail "correct pin: fetch-orig.sh failed with status $rc:"$'\n'"$err"
else
  pass "correct pin: exit status 0"
  [[ $(tail -n1 <<<"$out") == "$src" ]] || fail "correct pin: last line is '$(tail -n1 <<<"$out")', not $src"
  [[ -f $src/$ORIG_CHECK_FILE ]] || fail "correct pin: $src/$ORIG_CHECK_FILE missing"
  [[ $(cat "$src/.ward-verified-sha256" 2>/dev/null) == "$ORIG_SHA256" ]] \
    || fail "correct pin: $src/.ward-verified-sha256 does not hold the pinned checksum"
  [[ -z $(find "$cache" -maxdepth 1 -name '*.tmp.*') ]] || fail "correct pin: a temporary directory was left"
fi

if ((failures)); then
  echo "fetch_orig_test: $failures failure(s)" >&2
  exit 1
fi
echo "fetch_orig_test: all checks passed"
