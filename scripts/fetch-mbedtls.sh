#!/usr/bin/env bash
# Fetches the pinned Mbed TLS source from Debian's source archive into an ignored cache and verifies it.
#
# - The pin (version, Debian suite, orig tarball name and SHA-256) lives in cmake/mbedtls.pin.
# - The archive's address is read from this machine's own apt sources; none is written in the repo.
# - apt runs with a private sources list, lists directory and cache, so the machine's apt state is
#   untouched.
# - A tarball whose SHA-256 differs from the pin is refused, and nothing is unpacked.
#
# Environment: WARD_CACHE (default <repo>/.cache), WARD_MBEDTLS_PIN (default cmake/mbedtls.pin).
# Prints the unpacked source directory on its last line.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
pin=${WARD_MBEDTLS_PIN:-$root/cmake/mbedtls.pin}
cache=${WARD_CACHE:-$root/.cache}

die() { echo "fetch-mbedtls: error: $*" >&2; exit 1; }

[[ -r $pin ]] || die "pin file $pin not found"
# shellcheck source=../cmake/mbedtls.pin
source "$pin"
for v in MBEDTLS_VERSION MBEDTLS_DEBIAN_VERSION MBEDTLS_DEBIAN_SUITE MBEDTLS_ORIG_TARBALL MBEDTLS_ORIG_SHA256; do
  [[ -n ${!v:-} ]] || die "$pin does not set $v"
done

src="$cache/mbedtls-$MBEDTLS_VERSION"
stamp="$src/.ward-verified-sha256"
downloads="$cache/downloads"
tarball="$downloads/$MBEDTLS_ORIG_TARBALL"

# Already unpacked from a tarball with the pinned checksum: nothing to do.
if [[ -f $stamp && $(cat "$stamp") == "$MBEDTLS_ORIG_SHA256" ]]; then
  echo "$src"
  exit 0
fi

# The machine's Debian archive addresses, from its own apt configuration (deb822 and one-line forms).
apt_uris() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -r $f ]] && awk 'tolower($1)=="uris:" {for (i=2;i<=NF;i++) print $i}' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -r $f ]] && awk '$1=="deb" || $1=="deb-src" {for (i=2;i<=NF;i++) if ($i ~ /^[a-z+]+:\/\//) {print $i; break}}' "$f"
  done
}

fetch() {
  local main_uri security_uri keyring apt_dir
  # The main archive carries dists/<suite>; the security archive's path ends in -security.
  main_uri=$(apt_uris | grep -v -- '-security' | grep -i 'debian' | head -n1 || true)
  security_uri=$(apt_uris | grep -- '-security' | head -n1 || true)
  [[ -n $main_uri ]] || die "no Debian archive found in this machine's apt sources"
  keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  [[ -r $keyring ]] || die "$keyring missing (install debian-archive-keyring)"

  apt_dir="$cache/apt"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$downloads"
  {
    echo "deb-src [signed-by=$keyring] $main_uri $MBEDTLS_DEBIAN_SUITE main"
    echo "deb-src [signed-by=$keyring] $main_uri $MBEDTLS_DEBIAN_SUITE-updates main"
    [[ -n $security_uri ]] && echo "deb-src [signed-by=$keyring] $security_uri $MBEDTLS_DEBIAN_SUITE-security main"
  } >"$apt_dir/sources.list"

  local opts=(-o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o "Dir::Etc::sourceparts=-"
              -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
              -o "APT::Sandbox::User=root" -o "Debug::NoLocking=1" -q)
  echo "fetch-mbedtls: downloading mbedtls $MBEDTLS_DEBIAN_VERSION ($MBEDTLS_DEBIAN_SUITE) from Debian's source archive" >&2
  apt-get "${opts[@]}" update >&2 || die "apt-get update with the private source list failed"
  (cd "$downloads" && apt-get "${opts[@]}" source --download-only "mbedtls=$MBEDTLS_DEBIAN_VERSION" >&2) \
    || die "apt-get source mbedtls=$MBEDTLS_DEBIAN_VERSION failed"
  [[ -f $tarball ]] || die "apt-get source did not produce $MBEDTLS_ORIG_TARBALL"
}

[[ -f $tarball ]] || fetch

actual=$(sha256sum "$tarball" | cut -d' ' -f1)
if [[ $actual != "$MBEDTLS_ORIG_SHA256" ]]; then
  die "checksum mismatch for $MBEDTLS_ORIG_TARBALL
  expected (pinned in $pin): $MBEDTLS_ORIG_SHA256
  actual:                    $actual
refusing to use this source. If the pin was changed on purpose, check the new release and update the pin."
fi

tmp="$src.tmp.$$"
rm -rf "$tmp" "$src"
mkdir -p "$tmp"
tar -xf "$tarball" -C "$tmp" --strip-components=1 || die "could not unpack $tarball"
[[ -f $tmp/include/mbedtls/build_info.h ]] || die "$tarball does not look like Mbed TLS"
echo "$MBEDTLS_ORIG_SHA256" >"$tmp/.ward-verified-sha256"
mv "$tmp" "$src"
echo "fetch-mbedtls: verified $MBEDTLS_ORIG_TARBALL (sha256 $actual), unpacked to $src" >&2
echo "$src"
