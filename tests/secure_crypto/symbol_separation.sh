#!/usr/bin/env bash
# The client library and the secure side's Mbed TLS share no PSA symbol: every psa_* function the
# client defines is absent from the SPE archive (there it is ward_spe_psa_*), so linking both into
# one program (the host tests, a future single-image build) can never silently bind a client call
# to the secure implementation.
#   symbol_separation.sh NM CLIENT_ARCHIVE SPE_ARCHIVE
set -euo pipefail
nm=$1 client=$2 spe=$3
defined() { "$nm" -g --defined-only "$1" 2>/dev/null | awk 'NF == 3 && $2 ~ /[TDBR]/ { print $3 }' | sort -u; }
client_syms=$(defined "$client" | grep '^psa_' || true)
spe_syms=$(defined "$spe")
[ -n "$client_syms" ] || { echo "no psa_* symbols in $client"; exit 1; }
clash=$(comm -12 <(echo "$client_syms") <(echo "$spe_syms"))
if [ -n "$clash" ]; then
  echo "defined by both the client library and the SPE Mbed TLS:"; echo "$clash"; exit 1
fi
echo "$spe_syms" | grep -qx 'ward_spe_psa_crypto_init' || { echo "SPE archive lacks ward_spe_psa_crypto_init"; exit 1; }
echo "$spe_syms" | grep -qx 'ward_crypto_its_set' || { echo "SPE archive lacks ward_crypto_its_set"; exit 1; }
if echo "$spe_syms" | grep -qx 'psa_its_set'; then echo "SPE archive defines psa_its_set"; exit 1; fi
echo "ok: $(echo "$client_syms" | wc -l) client psa_* symbols, none in the SPE archive"
