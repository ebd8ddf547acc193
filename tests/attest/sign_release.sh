#!/bin/sh
# The attestation test's release step, run by the build: signs the chain's secure image and the
# attestation application as a release would (ward-image, each with its own key, the boot record's
# component names), and writes the reference values of both signed images with ward-attest
# (docs/attestation.md, "Verifying"). attest_e2e.py boots these images and verifies the device's
# token against these reference values.
#   sign_release.sh WARD_IMAGE WARD_ATTEST KEY0 KEY1 HEADER_SIZE ALIGN SECURE.bin NS.bin OUTDIR
set -eu
image=$1 attest=$2 key0=$3 key1=$4 header=$5 align=$6 secure=$7 ns=$8 out=$9
mkdir -p "$out"
"$image" sign -k "$key0" --version 1.2.3+4 --header-size "$header" --pad-header --security-counter 1 \
  --align "$align" --load-addr 0x10008000 --boot-record SPE "$secure" "$out/secure.signed.bin"
"$image" sign -k "$key1" --version 2.0.0+7 --header-size "$header" --pad-header --security-counter 1 \
  --align "$align" --load-addr 0x00200000 --boot-record NSPE "$ns" "$out/attest_ns.signed.bin"
"$attest" reference --type SPE "$out/secure.signed.bin" >"$out/refs.txt.tmp"
"$attest" reference --type NSPE "$out/attest_ns.signed.bin" >>"$out/refs.txt.tmp"
mv "$out/refs.txt.tmp" "$out/refs.txt"
