#!/usr/bin/env bash
# ward-image end to end: every command, the imgtool-style options, rejection of tampered,
# truncated, unsigned and wrong-key images, and signing with a key held in a PKCS#11 token
# (SoftHSM2 with a throwaway token in the work directory).
#   tool_test.sh WARD_IMAGE WORKDIR
set -euo pipefail
tool=$1 work=$2
rm -rf "$work" && mkdir -p "$work"
cd "$work"
fails=0
pass() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
expect_ok() { local what=$1; shift; if "$@" >out.txt 2>&1; then pass "$what"; else bad "$what"; cat out.txt; fi; }
# Must fail with status 1 and the given reason in the output.
expect_reject() {
  local what=$1 reason=$2; shift 2
  local rc=0
  "$@" >out.txt 2>&1 || rc=$?
  if [[ $rc -eq 1 ]] && grep -q -- "$reason" out.txt; then pass "$what"; else bad "$what (status $rc)"; cat out.txt; fi
}

"$tool" keygen -k dev.pem
"$tool" keygen -k other.pem
expect_reject "keygen refuses to overwrite a key" "must not exist" "$tool" keygen -k dev.pem
[[ $(stat -c %a dev.pem) == 600 ]] && pass "private key is owner-only" || bad "key mode $(stat -c %a dev.pem)"
grep -q "BEGIN PRIVATE KEY" dev.pem && pass "PKCS#8 PEM" || bad "not PKCS#8"

head -c 3000 /dev/urandom >app.bin
expect_ok "sign" "$tool" sign -k dev.pem --version 1.2.3+4 --header-size 0x200 --pad-header \
  --security-counter 7 --align 8 --load-addr 0x10100000 app.bin signed.bin
expect_ok "verify" "$tool" verify -k dev.pem signed.bin
grep -q "version 1.2.3+4, security counter 7" out.txt && pass "verify reports version/counter" || bad "verify output"
expect_ok "info" "$tool" info signed.bin
for field in "magic            0x96f3b83d" "load address     0x10100000" "header size      512" \
             "image size       3000" "(RAM_LOAD)" "1.2.3+4" "SEC_CNT" "SHA256" "KEYHASH" "ECDSASIG"; do
  grep -qF -- "$field" out.txt && pass "info shows $field" || { bad "info lacks $field"; cat out.txt; }
done
expect_ok "getpub (C)" "$tool" getpub -k dev.pem
grep -q "ecdsa_pub_key_len = 91" out.txt && pass "getpub C array" || bad "getpub C"
"$tool" getpub -k dev.pem --lang pem >dev.pub.pem
expect_ok "verify with the public key only" "$tool" verify -k dev.pub.pem signed.bin
expect_reject "a public key cannot sign" "private key" "$tool" sign -k dev.pub.pem --header-size 0x200 \
  --pad-header app.bin x.bin

# Attacker's side.
expect_reject "wrong key" "unknown key" "$tool" verify -k other.pem signed.bin
cp signed.bin tampered.bin
printf '\x55' | dd of=tampered.bin bs=1 seek=1000 conv=notrunc status=none
expect_reject "tampered payload" "SHA-256 mismatch" "$tool" verify -k dev.pem tampered.bin
cp signed.bin tampered-hdr.bin
printf '\x09' | dd of=tampered-hdr.bin bs=1 seek=20 conv=notrunc status=none  # version major
expect_reject "tampered header" "SHA-256 mismatch" "$tool" verify -k dev.pem tampered-hdr.bin
head -c 2000 signed.bin >truncated.bin
expect_reject "truncated" "truncated" "$tool" verify -k dev.pem truncated.bin
cp signed.bin badmagic.bin
printf '\x00' | dd of=badmagic.bin bs=1 seek=0 conv=notrunc status=none
expect_reject "wrong magic" "wrong magic" "$tool" verify -k dev.pem badmagic.bin
size=$(stat -c %s signed.bin)
cp signed.bin tampered-sig.bin
printf '\x01' | dd of=tampered-sig.bin bs=1 seek=$((size - 3)) conv=notrunc status=none
expect_reject "tampered signature" "REJECTED" "$tool" verify -k dev.pem tampered-sig.bin

# imgtool options: --pad / --confirm / --slot-size, header padding rules, version parsing.
expect_ok "sign --pad" "$tool" sign -k dev.pem --version 2.0.0 --header-size 0x200 --pad-header \
  --slot-size 0x10000 --pad app.bin padded.bin
[[ $(stat -c %s padded.bin) == 65536 ]] && pass "padded to the slot size" || bad "pad size"
[[ $(od -An -tx1 -j $((65536 - 16)) -N 4 padded.bin | tr -d ' ') == 77c295f3 ]] && pass "trailer magic" || bad "magic"
[[ $(od -An -tx1 -j $((65536 - 24)) -N 1 padded.bin | tr -d ' ') == ff ]] && pass "--pad leaves image_ok unset" || bad "image_ok"
expect_ok "sign --confirm" "$tool" sign -k dev.pem --version 2.0.0 --header-size 0x200 --pad-header \
  --slot-size 0x10000 --confirm app.bin confirmed.bin
[[ $(od -An -tx1 -j $((65536 - 24)) -N 1 confirmed.bin | tr -d ' ') == 01 ]] && pass "--confirm sets image_ok" || bad "confirm"
expect_ok "padded image verifies" "$tool" verify -k dev.pem confirmed.bin
expect_reject "slot too small" "do not fit" "$tool" sign -k dev.pem --header-size 0x200 --pad-header \
  --slot-size 0x800 --pad app.bin x.bin
expect_reject "header space must be zero without --pad-header" "zero bytes" "$tool" sign -k dev.pem \
  --header-size 0x200 app.bin x.bin
expect_reject "bad version" "bad version" "$tool" sign -k dev.pem --version 1.x --header-size 0x200 \
  --pad-header app.bin x.bin
expect_ok "security counter auto" "$tool" sign -k dev.pem --version 1.2.3 --security-counter auto \
  --header-size 0x200 --pad-header app.bin auto.bin
"$tool" verify -k dev.pem auto.bin | grep -q "security counter 16908291" && pass "auto counter = 1<<24|2<<16|3" || bad "auto"
rc=0; "$tool" sign --nonsense >/dev/null 2>&1 || rc=$?
[[ $rc == 2 ]] && pass "bad usage is status 2" || bad "usage status $rc"
# Dependencies in imgtool's syntax: protected TLVs 0x40 {image id, 3 pad, major, minor, revision, build}.
expect_ok "sign with dependencies" "$tool" sign -k dev.pem --version 2.0.0 --header-size 0x200 --pad-header \
  --security-counter 2 --dependencies "(0, 1.2.3+4), (1,2.0)" app.bin deps.bin
expect_ok "info (dependencies)" "$tool" info deps.bin
grep -qF "prot   0x40 DEPENDENCY len  12  000000000102030004000000" out.txt &&
  grep -qF "prot   0x40 DEPENDENCY len  12  010000000200000000000000" out.txt &&
  pass "dependency TLVs as imgtool writes them" || { bad "dependency TLVs"; cat out.txt; }
expect_ok "verify (dependencies)" "$tool" verify -k dev.pem deps.bin
rc=0; "$tool" sign -k dev.pem --header-size 0x200 --pad-header --dependencies "(0 1.0)" app.bin x.bin \
  >out.txt 2>&1 || rc=$?
[[ $rc == 2 ]] && grep -q "bad --dependencies" out.txt && pass "bad --dependencies is status 2" ||
  { bad "bad --dependencies status $rc"; cat out.txt; }

# PKCS#11: a throwaway SoftHSM2 token holding a key pair; the private key never leaves it.
module=/usr/lib/softhsm/libsofthsm2.so
mkdir -p tokens
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$work" >softhsm2.conf
export SOFTHSM2_CONF=$work/softhsm2.conf
softhsm2-util --init-token --free --label ward --pin 1234 --so-pin 5678 >/dev/null
"$tool" keygen -k hsm.pem
softhsm2-util --import hsm.pem --token ward --label release --id 01 --pin 1234 >/dev/null
uri="pkcs11:token=ward;object=release;pin-value=1234"
expect_ok "sign with the HSM key" "$tool" sign -k "$uri" --pkcs11-module "$module" --version 3.0.0 \
  --header-size 0x200 --pad-header --security-counter 3 app.bin hsm-signed.bin
expect_ok "HSM signature verifies with the PEM key" "$tool" verify -k hsm.pem hsm-signed.bin
expect_ok "HSM signature verifies with the token's public key" "$tool" verify -k "$uri" \
  --pkcs11-module "$module" hsm-signed.bin
expect_reject "HSM-signed image is not the dev key's" "unknown key" "$tool" verify -k dev.pem hsm-signed.bin
expect_ok "getpub from the HSM" "$tool" getpub -k "$uri" --pkcs11-module "$module"
expect_reject "wrong PIN" "login failed" "$tool" sign -k "pkcs11:token=ward;object=release;pin-value=0000" \
  --pkcs11-module "$module" --header-size 0x200 --pad-header app.bin x.bin
expect_reject "unknown token" "no PKCS#11 token" "$tool" sign -k "pkcs11:token=nope;object=release;pin-value=1234" \
  --pkcs11-module "$module" --header-size 0x200 --pad-header app.bin x.bin
WARD_PKCS11_PIN=1234 PKCS11_MODULE_PATH=$module expect_ok "PIN and module from the environment" \
  "$tool" sign -k "pkcs11:token=ward;object=release" --header-size 0x200 --pad-header app.bin env.bin

if ((fails)); then
  echo "tool_test: $fails check(s) failed"
  exit 1
fi
echo "tool_test: all checks passed"
