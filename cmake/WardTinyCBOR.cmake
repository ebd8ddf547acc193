# tinycbor, the CBOR encoder of the attestation token (secure/attest), built from the pinned source.
#
# - cmake/tinycbor.pin names the release and the SHA-256 of Debian's orig tarball.
# - scripts/fetch-orig.sh (run by `./ward setup`) verifies it and unpacks it to
#   <cache>/tinycbor-<version> with the verified checksum in .ward-verified-sha256. Configuring fails
#   unless that stamp matches the pin, as for Mbed TLS (cmake/WardMbedTLS.cmake, whose cache rule
#   this follows).
# - Only the encoder is built: the secure side writes CBOR and never parses it. (The host verifier
#   decodes with Debian's libcbor, tools/ward-attest.)
set(WARD_TINYCBOR_PIN ${CMAKE_SOURCE_DIR}/cmake/tinycbor.pin)
set_property(DIRECTORY ${CMAKE_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${WARD_TINYCBOR_PIN})
file(STRINGS ${WARD_TINYCBOR_PIN} _ward_tc_lines REGEX "^[A-Z0-9_]+=")
foreach(_line IN LISTS _ward_tc_lines)
  if(_line MATCHES "^([A-Z0-9_]+)=(.*)$")
    set(_ward_tc_${CMAKE_MATCH_1} "${CMAKE_MATCH_2}")
  endif()
endforeach()
if(DEFINED WARD_CACHE AND NOT WARD_CACHE STREQUAL "")
  set(_ward_tc_cache ${WARD_CACHE})
elseif(DEFINED ENV{WARD_CACHE} AND NOT "$ENV{WARD_CACHE}" STREQUAL "")
  set(_ward_tc_cache $ENV{WARD_CACHE})
else()
  set(_ward_tc_cache ${CMAKE_SOURCE_DIR}/.cache)
endif()
set(WARD_TINYCBOR_SOURCE_DIR ${_ward_tc_cache}/tinycbor-${_ward_tc_ORIG_VERSION})
set(_ward_tc_stamp ${WARD_TINYCBOR_SOURCE_DIR}/.ward-verified-sha256)
set(_ward_tc_verified "")
if(EXISTS ${_ward_tc_stamp})
  file(READ ${_ward_tc_stamp} _ward_tc_verified)
  string(STRIP "${_ward_tc_verified}" _ward_tc_verified)
  set_property(DIRECTORY ${CMAKE_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_ward_tc_stamp})
endif()
if(NOT _ward_tc_ORIG_SHA256 OR NOT _ward_tc_verified STREQUAL _ward_tc_ORIG_SHA256)
  message(FATAL_ERROR
    "tinycbor ${_ward_tc_ORIG_VERSION}: no source verified against cmake/tinycbor.pin at ${WARD_TINYCBOR_SOURCE_DIR}.\n"
    "Run `./ward setup` (or scripts/fetch-orig.sh cmake/tinycbor.pin) to fetch and verify it, then configure again.")
endif()

add_library(ward_tinycbor STATIC ${WARD_TINYCBOR_SOURCE_DIR}/src/cborencoder.c)
target_include_directories(ward_tinycbor SYSTEM PUBLIC ${WARD_TINYCBOR_SOURCE_DIR}/src)
# Third-party code: never -Werror, and its warnings are not ours to fix.
target_compile_options(ward_tinycbor PRIVATE -w)
if(NOT WARD_IS_HOST)
  target_compile_options(ward_tinycbor PRIVATE -ffunction-sections -fdata-sections -fstack-protector-strong)
endif()
if(WARD_SANITIZER_FLAGS)
  target_compile_options(ward_tinycbor PRIVATE ${WARD_SANITIZER_FLAGS})
  target_link_options(ward_tinycbor INTERFACE ${WARD_SANITIZER_FLAGS})
endif()
