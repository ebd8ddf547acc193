#!/usr/bin/env bash
# How deep the libFuzzer targets reach (`./ward fuzz-coverage`): builds them with clang's source
# coverage instead of sanitizers (WARD_FUZZ_COVERAGE, in build/fuzz-coverage), runs each one's
# smoke test (its seeds and the same number of runs as in `./ward test`), and prints the region,
# line and branch coverage of the functions each target exists to reach.
#   fuzz_coverage.sh [FILTER]   FILTER: only targets whose name contains it
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
b=$root/build/fuzz-coverage
filter=${1:-}
cmake --preset host -B "$b" -DWARD_FUZZ_COVERAGE=ON >/dev/null
# name | ctest test | fuzzer (under $b) | sources to report | functions to show (regex, demangled)
targets=(
  "image|host.boot.fuzz_image_smoke|tests/boot/fuzz_image_fuzzer|lib/image/src/format.cpp boot/src/boot_record.cpp|image::(verify|read_manifest|ecdsa_der_to_raw|layout|for_each_tlv|p256_spki_to_raw)|der_integer|record::(decode|component_from_cbor)"
  "storage|host.storage.fuzz_smoke|tests/storage/fuzz_storage_fuzzer|secure/storage/src/service.cpp secure/storage/src/protected_store.cpp secure/storage/src/store.cpp|handle_(its|ps)|ProtectedStore::(create|set_extended|get|get_info|remove)|Store::(mount|set|get|remove)"
  "dispatch|host.secure_crypto.fuzz_dispatch_smoke|tests/secure_crypto/fuzz_dispatch|secure/service/src/dispatch.cpp secure/crypto/src/service.cpp|secure::dispatch|::(hash_step|kdf_step|mac_step|cipher_step|aead_step|interruptible_step|operation_setup|hash_clone|copy_key|asymmetric|raw_key_agreement|import_or_generate|verify_bytes|find|allocate|held_by|release|release_client)\("
  "fwu|host.secure_fwu.fuzz_smoke|tests/secure_fwu/fuzz_fwu_fuzzer|secure/fwu/src/handler.cpp secure/fwu/src/service.cpp|handle|Service::"
  "frame_intake|host.net.fuzz_frame_intake_smoke|tests/net/fuzz_frame_intake_fuzzer|lib/net/src/frame_intake.cpp|net::(classify_status|check_header|IntakeCounters::count)"
  "smp_server|host.mgmt.fuzz_smp_server_smoke|tests/mgmt/fuzz_smp_server_fuzzer|lib/mgmt/src/server.cpp lib/mgmt/src/smp.cpp lib/mgmt/src/cbor.cpp lib/mgmt/src/os_group.cpp lib/mgmt/src/image_group.cpp|mgmt::(parse_header|decode_map|Server::|OsGroup::|ImageGroup::)|decode_entries|read_value|match_key"
  "console_frames|host.mgmt.fuzz_console_frames_smoke|tests/mgmt/fuzz_console_frames_fuzzer|lib/mgmt/src/console_transport.cpp lib/mgmt/include/ward/mgmt/console_transport.hpp|console::(base64_decode|crc16_xmodem|Decoder)"
)
cmake --build "$b" --target ward-image fuzz_image_target fuzz_storage_target fuzz_dispatch_target fuzz_fwu_target \
  fuzz_frame_intake_target fuzz_smp_server_target fuzz_console_frames_target >/dev/null
mkdir -p "$b/profiles"
for t in "${targets[@]}"; do
  IFS='|' read -r name test fuzzer sources functions <<<"$t"
  [[ -n $filter && $name != *"$filter"* ]] && continue
  profile=$b/profiles/$name
  rm -f "$profile".profraw "$profile".profdata
  start=$SECONDS
  LLVM_PROFILE_FILE=$profile.profraw ctest --test-dir "$b" -R "^$test\$" --output-on-failure >/dev/null
  llvm-profdata merge -o "$profile.profdata" "$profile.profraw"
  srcs=()
  for s in $sources; do srcs+=("$root/$s"); done
  echo "== $name ($test, $((SECONDS - start)) s): coverage of the functions it exists to reach"
  printf "  %-90s %7s %8s %8s %8s\n" function regions region line branch
  llvm-cov report "$b/$fuzzer" -instr-profile="$profile.profdata" -show-functions -Xdemangler=c++filt \
      "${srcs[@]}" 2>/dev/null |
    awk -v re="$functions" '$0 ~ re && NF >= 4 {
      n = NF; regions = $(n - 8); cover = $(n - 6); lines = $(n - 3); branches = $(n)
      name = $1; for (i = 2; i <= n - 9; i++) name = name " " $i
      if (length(name) > 90) name = substr(name, 1, 87) "..."
      printf "  %-90s %7d %8s %8s %8s\n", name, regions, cover, lines, branches }'
done
