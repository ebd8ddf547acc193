#!/usr/bin/env bash
# Installs everything Ward needs on a Debian 12 machine, then fetches the pinned third-party source.
# Idempotent: when every package is present it touches neither apt nor the network, so both README
# commands can call it on every run. Must run as root (or with sudo available) the first time.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

# One list, grouped by purpose. Keep it in step with docs and the README.
packages=(
  # Firmware toolchain and C/C++ runtime for Cortex-M33
  gcc-arm-none-eabi binutils-arm-none-eabi libnewlib-arm-none-eabi
  libstdc++-arm-none-eabi-newlib libstdc++-arm-none-eabi-dev
  # Emulator the firmware runs on
  qemu-system-arm
  # Build system, host compiler, unit tests
  cmake ninja-build g++ libgtest-dev libgmock-dev
  # Configuration (Kconfig) and build scripts: Debian's python, not any other python on PATH;
  # the SBOM generator reads ELF section headers with pyelftools
  python3 python3-kconfiglib python3-pyelftools
  # Fetching and unpacking the pinned Mbed TLS source package
  apt ca-certificates bzip2 xz-utils
  # Supply chain: ward-vuln (JSON, command line), its libFuzzer target, SBOM schema validation
  nlohmann-json3-dev libcli11-dev clang libclang-rt-14-dev python3-jsonschema
  # SBOM validity beyond the schemas: SPDX license expressions over the SPDX project's own lists
  nodejs node-spdx-expression-parse node-spdx-license-ids node-spdx-exceptions
  # Secure boot: the ward-image signing tool (OpenSSL 3, CLI11, PKCS#11 header), HSM signing tests
  # (SoftHSM2), the image parser's libFuzzer target (clang with its runtime)
  libssl-dev libp11-kit-dev softhsm2 openssl   # (and CLI11, clang, nlohmann-json, listed above)
  # Static analysis in ./ward test (docs/static-analysis.md): cppcheck, and clang-tidy 16 (14, the
  # default, cannot parse std::expected of a non-trivial type, which the host tools use)
  clang-tidy-16 cppcheck
  # Attestation: the host verifier ward-attest decodes tokens with libcbor (and OpenSSL, above)
  libcbor-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "ward setup: installing ${missing[*]}"
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "ward setup: run as root (or install sudo) to install packages" >&2; exit 1; }
    sudo_cmd=(sudo)
  fi
  "${sudo_cmd[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# npm (CycloneDX's strict validator, below): Debian's package where the machine has no npm yet
# (a Node.js build that bundles npm needs nothing more).
if ! command -v npm >/dev/null; then
  echo "ward setup: installing npm"
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
  "${sudo_cmd[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends npm
fi

# Pinned third-party source, one mechanism: Mbed TLS; tinycbor, the secure side's CBOR encoder; lwIP, the non-secure IP stack
"$root/scripts/fetch-orig.sh" "$root/cmake/mbedtls.pin" >/dev/null
"$root/scripts/fetch-orig.sh" "$root/cmake/tinycbor.pin" >/dev/null
"$root/scripts/fetch-orig.sh" "$root/cmake/lwip.pin" >/dev/null
# CycloneDX's own strict validator for the SBOM tests, pinned with integrity (tests/sbom/cyclonedx)
"$root/scripts/fetch-npm.sh" "$root/tests/sbom/cyclonedx" >/dev/null
