#!/usr/bin/env bash
# Fetches a pinned upstream source (the orig tarball of a Debian source package) from Debian's
# source archive into an ignored cache and verifies it. The one mechanism for every third-party
# source Ward compiles: Mbed TLS (cmake/mbedtls.pin), tinycbor (cmake/tinycbor.pin), lwIP (cmake/lwip.pin).
#
# - The pin file names the package, the Debian version and suite, the orig tarball, its SHA-256 and
#   a file the unpacked source must contain.
# - The archive's address is read from this machine's own apt sources; none is written in the repo.
# - apt runs with a private sources list, lists directory and cache, so the machine's apt state is
#   untouched. apt checks what it downloads against the suite's signed Sources index. A package
#   whose .dsc or Debian tarball the archive does not serve is accepted when the orig tarball came.
# - A tarball whose SHA-256 differs from the pin is refused, and nothing is unpacked.
#
# Usage: fetch-orig.sh PIN. Environment: WARD_CACHE (default <repo>/.cache).
# Prints the unpacked source directory on its last line.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
pin=${1:?usage: fetch-orig.sh PIN}
cache=${WARD_CACHE:-$root/.cache}

die() { echo "fetch-orig: error: $*" >&2; exit 1; }

[[ -r $pin ]] || die "pin file $pin not found"
# shellcheck disable=SC1090
source "$pin"
for v in ORIG_PACKAGE ORIG_VERSION ORIG_DEBIAN_VERSION ORIG_DEBIAN_SUITE ORIG_TARBALL ORIG_SHA256 ORIG_CHECK_FILE; do
  [[ -n ${!v:-} ]] || die "$pin does not set $v"
done

src="$cache/$ORIG_PACKAGE-$ORIG_VERSION"
stamp="$src/.ward-verified-sha256"
downloads="$cache/downloads"
tarball="$downloads/$ORIG_TARBALL"

if [[ -f $stamp && $(cat "$stamp") == "$ORIG_SHA256" ]]; then
  echo "$src"
  exit 0
fi

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
  main_uri=$(apt_uris | grep -v -- '-security' | grep -i 'debian' | head -n1 || true)
  # The suite's updates and security archives too: a point release (Mbed TLS's) may live there.
  security_uri=$(apt_uris | grep -- '-security' | head -n1 || true)
  [[ -n $main_uri ]] || die "no Debian archive found in this machine's apt sources"
  keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  [[ -r $keyring ]] || die "$keyring missing (install debian-archive-keyring)"

  apt_dir="$cache/apt-$ORIG_DEBIAN_SUITE"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$downloads"
  {
    echo "deb-src [signed-by=$keyring] $main_uri $ORIG_DEBIAN_SUITE main"
    echo "deb-src [signed-by=$keyring] $main_uri $ORIG_DEBIAN_SUITE-updates main"
    if [[ -n $security_uri ]]; then
      echo "deb-src [signed-by=$keyring] $security_uri $ORIG_DEBIAN_SUITE-security main"
    fi
  } >"$apt_dir/sources.list"
  local opts=(-o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o "Dir::Etc::sourceparts=-"
              -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
              -o "APT::Sandbox::User=root" -o "Debug::NoLocking=1" -q)
  echo "fetch-orig: downloading $ORIG_PACKAGE $ORIG_DEBIAN_VERSION ($ORIG_DEBIAN_SUITE) from Debian's source archive" >&2
  apt-get "${opts[@]}" update >&2 || die "apt-get update with the private source list failed"
  # The orig tarball is what is pinned; the .dsc and Debian tarball may be missing from the archive.
  (cd "$downloads" && apt-get "${opts[@]}" source --download-only "$ORIG_PACKAGE=$ORIG_DEBIAN_VERSION" >&2) ||
    echo "fetch-orig: apt-get source reported errors; checking the orig tarball alone" >&2
  [[ -f $tarball ]] || die "apt-get source did not produce $ORIG_TARBALL"
}

[[ -f $tarball ]] || fetch

actual=$(sha256sum "$tarball" | cut -d' ' -f1)
if [[ $actual != "$ORIG_SHA256" ]]; then
  die "checksum mismatch for $ORIG_TARBALL
  expected (pinned in $pin): $ORIG_SHA256
  actual:                    $actual
refusing to use this source. If the pin was changed on purpose, check the new release and update the pin."
fi

tmp="$src.tmp.$$"
rm -rf "$tmp" "$src"
mkdir -p "$tmp"
tar -xf "$tarball" -C "$tmp" --strip-components=1 || die "could not unpack $tarball"
[[ -f $tmp/$ORIG_CHECK_FILE ]] || die "$tarball does not contain $ORIG_CHECK_FILE"
echo "$ORIG_SHA256" >"$tmp/.ward-verified-sha256"
mv "$tmp" "$src"
echo "fetch-orig: verified $ORIG_TARBALL (sha256 $actual), unpacked to $src" >&2
echo "$src"
