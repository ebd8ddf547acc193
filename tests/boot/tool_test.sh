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

# Inputs that are not files (issue 19): a directory, an endless device, a FIFO with no writer (must
# not block: `timeout` turns a hang into status 124), an unreadable file, one over the 64 MiB limit
# (sparse). Every command that reads an input: status 1 and what it is.
mkdir -p adir && rm -f afifo && mkfifo afifo && truncate -s 65M huge.bin
for c in "adir:is a directory" "/dev/zero:is a device" "afifo:is a pipe" "/proc/self/mem:cannot read" \
         "huge.bin:too large"; do
  p=${c%%:*} reason=${c#*:}
  expect_reject "info on $p" "$reason" timeout 10 "$tool" info "$p"
  expect_reject "verify on $p" "$reason" timeout 10 "$tool" verify -k dev.pem "$p"
  expect_reject "sign from $p" "$reason" timeout 10 "$tool" sign -k dev.pem --version 1.0.0 --header-size 0x200 \
    --pad-header --align 8 "$p" hostile-out.bin
done
rm -f huge.bin
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
# --align 16 / 32 (and 8, 1) --pad / --confirm, byte for byte against imgtool 2.4's algorithm,
# re-implemented here from scripts/imgtool/image.py (read, not copied): max_align = max(8, align);
# above 8 the magic is the u16 alignment and 2d e1 5d 29 41 0b 8d 77 67 9c 11 0f 1f 8a; pad_to()
# fills the slot with 0xff and puts the magic in its last 16 bytes; --confirm writes 0x01 at
# -(align_up(16, max_align) + max_align) from the end. The image part is taken from ward-image's
# own output (signatures are randomised), so every byte after it is what imgtool would write.
cat >imgtool_ref.py <<'PY'
import struct, sys
path, slot, align, confirm = sys.argv[1], int(sys.argv[2], 0), int(sys.argv[3]), sys.argv[4] == "1"
data = open(path, "rb").read()
hdr, prot, size = struct.unpack_from("<HHI", data, 8)
tlv = hdr + size + prot
image = data[:tlv + struct.unpack_from("<H", data, tlv + 2)[0]]
max_align = max(8, align)
magic = (bytes([0x77, 0xc2, 0x95, 0xf3, 0x60, 0xd2, 0xef, 0x7f, 0x35, 0x52, 0x50, 0x0f, 0x2c, 0xb6, 0x79, 0x80])
         if max_align == 8 else struct.pack("<H", max_align) +
         bytes([0x2d, 0xe1, 0x5d, 0x29, 0x41, 0x0b, 0x8d, 0x77, 0x67, 0x9c, 0x11, 0x0f, 0x1f, 0x8a]))
ref = bytearray(image + b"\xff" * (slot - len(image) - 16) + magic)
if confirm:
    magic_align_size = (16 + max_align - 1) // max_align * max_align
    ref[-(magic_align_size + max_align)] = 0x01
sys.exit(0 if bytes(ref) == data else 1)
PY
for align in 1 8 16 32; do
  for mode in pad confirm; do
    expect_ok "sign --align $align --$mode" "$tool" sign -k dev.pem --version 2.0.0 --header-size 0x200 \
      --pad-header --slot-size 0x10000 --max-sectors 16 --align $align --$mode app.bin a$align-$mode.bin
    expect_ok "--align $align --$mode is what imgtool writes" python3 imgtool_ref.py a$align-$mode.bin 0x10000 $align \
      $([[ $mode == confirm ]] && echo 1 || echo 0)
  done
done
"$tool" info a32-confirm.bin >out.txt
grep -q "magic for 32-byte alignment, image_ok 0x01" out.txt && pass "info reads a 32-byte trailer" || { bad "info align 32"; cat out.txt; }
expect_reject "--align 64 refused" "--align must be" "$tool" sign -k dev.pem --header-size 0x200 --pad-header \
  --align 64 app.bin x.bin
# A reference that can fail: the 8-byte magic where a 16-byte trailer belongs.
python3 imgtool_ref.py a8-pad.bin 0x10000 16 0 && bad "reference accepts a wrong trailer" || pass "reference tells trailers apart"

# --max-sectors: the image may not reach into the slot's last sector (the bootloader's rule).
head -c $((0x3000 - 0x200 - 300)) /dev/urandom >big.bin
expect_ok "fits 4 sectors of 4 KiB" "$tool" sign -k dev.pem --header-size 0x200 --pad-header --slot-size 0x4000 \
  --max-sectors 4 --align 8 big.bin x.bin
head -c $((0x3000 - 0x200)) /dev/urandom >big.bin
expect_reject "image reaching into the trailer sector" "reaches into the last of 4 sectors" "$tool" sign -k dev.pem \
  --header-size 0x200 --pad-header --slot-size 0x4000 --max-sectors 4 big.bin x.bin
expect_reject "--max-sectors that does not divide the slot" "equal sectors" "$tool" sign -k dev.pem \
  --header-size 0x200 --pad-header --slot-size 0x4000 --max-sectors 3 app.bin x.bin
expect_reject "imgtool's trailer room (128 sectors by default)" "do not fit" "$tool" sign -k dev.pem \
  --header-size 0x200 --pad-header --slot-size 0x1000 --align 8 app.bin x.bin

# --public-key-format full: TLV 0x02 with the DER SubjectPublicKeyInfo.
expect_ok "sign --public-key-format full" "$tool" sign -k dev.pem --version 1.0.0 --header-size 0x200 \
  --pad-header --public-key-format full app.bin full.bin
expect_ok "full key verifies" "$tool" verify -k dev.pem full.bin
expect_reject "full key of another key" "unknown key" "$tool" verify -k other.pem full.bin
"$tool" info full.bin >out.txt
grep -q "PUBKEY   len  91  3059301306072a8648ce3d0201" out.txt && pass "info shows the PUBKEY TLV" || { bad "PUBKEY"; cat out.txt; }
grep -q "KEYHASH" out.txt && bad "full key image also has a key hash" || pass "no key hash beside the full key"

# Intel HEX out (at --hex-addr, as imgtool) and in (the address comes from the file).
expect_ok "sign to .hex" "$tool" sign -k dev.pem --version 1.0.0 --header-size 0x200 --pad-header \
  --hex-addr 0x10100000 app.bin out.hex
head -1 out.hex | grep -qx ":020000041010DA" && pass "HEX starts with the upper address" || bad "hex 04"
tail -1 out.hex | grep -qx ":00000001FF" && pass "HEX ends with EOF" || bad "hex eof"
expect_reject "HEX output needs an address" "needs an address" "$tool" sign -k dev.pem --header-size 0x200 \
  --pad-header app.bin x.hex
cat >hex2bin.py <<'PY'
import sys
# An independent reader (python, not ward-image's): address -> byte, then the image from its base.
mem, upper = {}, 0
for line in open(sys.argv[1]):
    b = bytes.fromhex(line.strip()[1:])
    assert sum(b) & 0xFF == 0
    n, off, typ = b[0], b[1] << 8 | b[2], b[3]
    if typ == 4: upper = (b[4] << 8 | b[5]) << 16
    elif typ == 0:
        for i in range(n): mem[upper + off + i] = b[4 + i]
base = int(sys.argv[2], 0)
end = int(sys.argv[4], 0) if len(sys.argv) > 4 else max(mem) + 1
open(sys.argv[3], "wb").write(bytes(mem.get(a, 0xFF) for a in range(base, end)))
PY
python3 hex2bin.py out.hex 0x10100000 out-from-hex.bin
expect_ok "the HEX holds a verifying image" "$tool" verify -k dev.pem out-from-hex.bin
expect_ok "HEX in" "$tool" sign -k dev.pem --version 1.0.0 --header-size 0x200 --pad-header out-from-hex.bin \
  plain.bin
python3 - <<'PY'
# app.bin as HEX at 0x20000: records of 16 bytes with an 04 record first.
data = open("app.bin", "rb").read()
lines = [":020000040002F8"]
for off in range(0, len(data), 16):
    chunk = data[off:off + 16]
    rec = bytes([len(chunk), off >> 8, off & 0xFF, 0]) + chunk
    lines.append(":" + (rec + bytes([-sum(rec) & 0xFF])).hex().upper())
lines.append(":00000001FF")
open("app.hex", "w").write("\n".join(lines) + "\n")
PY
expect_ok "sign a HEX input" "$tool" sign -k dev.pem --version 1.0.0 --header-size 0x200 --pad-header \
  --slot-size 0x10000 --max-sectors 16 --confirm app.hex app-signed.hex
python3 hex2bin.py app-signed.hex $((0x20000 - 0x200)) app-signed.bin $((0x20000 - 0x200 + 0x10000))
expect_ok "HEX in, HEX out: the image at the input's address minus the header" "$tool" verify -k dev.pem app-signed.bin
cmp -s <(tail -c +513 app-signed.bin | head -c 3000) app.bin && pass "payload from the HEX input" || bad "payload"
python3 imgtool_ref.py app-signed.bin 0x10000 8 1 && pass "HEX trailer: magic and image_ok at the slot's end" || bad "hex trailer"
printf ':0100000042BD\n:0100000042BD\n:00000001FF\n' >overlap.hex
expect_reject "HEX input with overlapping data" "line 2: data at 0x00000000 overlaps" "$tool" sign -k dev.pem \
  --header-size 0x20 --pad-header overlap.hex x.bin
printf ':0100000042BC\n:00000001FF\n' >badsum.hex
expect_reject "HEX input with a bad checksum" "line 1: checksum mismatch" "$tool" sign -k dev.pem \
  --header-size 0x20 --pad-header badsum.hex x.bin

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
