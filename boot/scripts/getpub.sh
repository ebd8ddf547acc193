#!/bin/sh
# Writes the bootloader's public key include: getpub.sh OUT WARD_IMAGE KEY [--pkcs11-module M]
set -eu
out=$1
shift
tool=$1
shift
key=$1
shift
"$tool" getpub -k "$key" "$@" >"$out.tmp"
mv "$out.tmp" "$out"
