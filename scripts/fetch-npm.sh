#!/usr/bin/env bash
# Installs the npm packages a test tool needs into the ignored cache, exactly as pinned (today:
# CycloneDX's own strict JSON validator, tests/sbom/cyclonedx). Nothing from npm is committed.
#
# - package.json names exact versions; package-lock.json pins every transitive package by version
#   and SHA-512 integrity, and holds no registry address (written with
#   --omit-lockfile-registry-resolved): npm fetches from the machine's own configuration.
# - `npm ci` installs only what the lock says and refuses a package whose integrity differs.
# - Optional dependencies (the library's XML support) and install scripts are not installed.
# - Idempotent: a stamp holds the SHA-256 of the package files; when it matches, no network.
#
# Usage: fetch-npm.sh DIR (a folder with package.json and package-lock.json).
# Environment: WARD_CACHE (default <repo>/.cache). Prints the node_modules directory on its last line.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
spec=${1:?usage: fetch-npm.sh DIR}
cache=${WARD_CACHE:-$root/.cache}

die() { echo "fetch-npm: error: $*" >&2; exit 1; }

[[ -r $spec/package.json && -r $spec/package-lock.json ]] || die "$spec has no package.json and package-lock.json"
command -v npm >/dev/null || die "npm is not installed (scripts/setup.sh installs it)"
name=$(basename "$spec")
dest="$cache/npm/$name"
stamp="$dest/.ward-lock-sha256"
want=$(cat "$spec/package.json" "$spec/package-lock.json" | sha256sum | cut -d' ' -f1)

if [[ -f $stamp && $(cat "$stamp") == "$want" && -d $dest/node_modules ]]; then
  echo "$dest/node_modules"
  exit 0
fi

rm -rf "$dest"
mkdir -p "$dest"
cp "$spec/package.json" "$spec/package-lock.json" "$dest/"
echo "fetch-npm: installing $name as pinned by $spec/package-lock.json" >&2
(cd "$dest" && npm ci --omit=optional --ignore-scripts --legacy-peer-deps --no-audit --no-fund \
   --loglevel=error >&2) || { rm -rf "$dest"; die "npm ci failed for $name"; }
echo "$want" >"$stamp"
echo "$dest/node_modules"
