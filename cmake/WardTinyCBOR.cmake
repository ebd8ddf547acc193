# tinycbor, the CBOR encoder of the attestation token (secure/attest), built from the pinned source.
#
# - cmake/tinycbor.pin names the release and the SHA-256 of Debian's orig tarball.
# - scripts/fetch-orig.sh (run by `./ward setup`) verifies it and unpacks it to
#   <cache>/tinycbor-<version> with the verified checksum in .ward-verified-sha256. Configuring fails
#   unless that stamp matches the pin, as for Mbed TLS (cmake/WardMbedTLS.cmake, whose cache rule
#   this follows).
# - ward_tinycbor, the encoder: the secure side writes CBOR and never parses it. (The host verifier
#   decodes with Debian's libcbor, tools/ward-attest.)
# - ward_tinycbor_parser, the parser: the non-secure SMP server (lib/mgmt) reads requests with it.
#   Its nesting bound (CBOR_PARSER_MAX_RECURSIONS, 1024 by default: far too deep for a thread's
#   stack) is set to 8: an SMP request nests two levels at most, deeper input is refused.
include(WardPinnedSource)
set(WARD_TINYCBOR_PIN ${CMAKE_SOURCE_DIR}/cmake/tinycbor.pin)
ward_pinned_source(tinycbor ${WARD_TINYCBOR_PIN} WARD_TINYCBOR_SOURCE_DIR)

# One library of tinycbor's sources, built as Ward builds third-party code: never -Werror (its
# warnings are not ours to fix), and with the firmware's section and stack-protector flags.
function(ward_tinycbor_library name source)
  add_library(${name} STATIC ${WARD_TINYCBOR_SOURCE_DIR}/src/${source})
  target_include_directories(${name} SYSTEM PUBLIC ${WARD_TINYCBOR_SOURCE_DIR}/src)
  target_compile_options(${name} PRIVATE -w)
  if(NOT WARD_IS_HOST)
    target_compile_options(${name} PRIVATE -ffunction-sections -fdata-sections -fstack-protector-strong)
  endif()
  if(WARD_SANITIZER_FLAGS)
    target_compile_options(${name} PRIVATE ${WARD_SANITIZER_FLAGS})
    target_link_options(${name} INTERFACE ${WARD_SANITIZER_FLAGS})
  endif()
endfunction()

ward_tinycbor_library(ward_tinycbor cborencoder.c)
ward_tinycbor_library(ward_tinycbor_parser cborparser.c)
target_compile_definitions(ward_tinycbor_parser PRIVATE CBOR_PARSER_MAX_RECURSIONS=8)
