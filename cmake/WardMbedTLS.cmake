# Mbed TLS 3.6 LTS, built from the pinned, checksum-verified source in the cache (never from the
# repository) as one static library per preset: `ward_mbedtls`.
#
# - cmake/mbedtls.pin names the release and the SHA-256 of Debian's orig tarball.
# - scripts/fetch-orig.sh cmake/mbedtls.pin (run by `./ward setup` and every `./ward` command) downloads it,
#   verifies it and unpacks it to <cache>/mbedtls-<version>, writing the verified checksum to
#   <cache>/mbedtls-<version>/.ward-verified-sha256. Configuring fails unless that stamp matches
#   the pin, so a build never uses unverified or stale source.
# - Only the crypto part is compiled (no TLS, X.509, networking, file system, timing), configured
#   by lib/crypto/config/ward_mbedtls_config.h; Ward's glue (lib/crypto/src) is linked in.
#
# Sets WARD_MBEDTLS_VERSION and WARD_MBEDTLS_SOURCE_DIR (for the SBOM).

set(WARD_MBEDTLS_PIN ${CMAKE_SOURCE_DIR}/cmake/mbedtls.pin)
set_property(DIRECTORY ${CMAKE_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${WARD_MBEDTLS_PIN})

# The pin: KEY=VALUE lines (the same file the fetch script sources).
file(STRINGS ${WARD_MBEDTLS_PIN} _ward_pin_lines REGEX "^[A-Z0-9_]+=")
foreach(_line IN LISTS _ward_pin_lines)
  if(_line MATCHES "^([A-Z0-9_]+)=(.*)$")
    set(_ward_pin_${CMAKE_MATCH_1} "${CMAKE_MATCH_2}")
  endif()
endforeach()
foreach(_key ORIG_VERSION ORIG_SHA256)
  if(NOT _ward_pin_${_key})
    message(FATAL_ERROR "${WARD_MBEDTLS_PIN} does not set ${_key}")
  endif()
endforeach()

# The cache directory: WARD_CACHE (CMake variable or environment, as for the fetch script), else
# <repo>/.cache.
if(DEFINED WARD_CACHE AND NOT WARD_CACHE STREQUAL "")
  set(_ward_cache ${WARD_CACHE})
elseif(DEFINED ENV{WARD_CACHE} AND NOT "$ENV{WARD_CACHE}" STREQUAL "")
  set(_ward_cache $ENV{WARD_CACHE})
else()
  set(_ward_cache ${CMAKE_SOURCE_DIR}/.cache)
endif()

set(WARD_MBEDTLS_VERSION ${_ward_pin_ORIG_VERSION})
set(WARD_MBEDTLS_SOURCE_DIR ${_ward_cache}/mbedtls-${WARD_MBEDTLS_VERSION})
set(_ward_stamp ${WARD_MBEDTLS_SOURCE_DIR}/.ward-verified-sha256)

set(_ward_verified "")
if(EXISTS ${_ward_stamp})
  file(READ ${_ward_stamp} _ward_verified)
  string(STRIP "${_ward_verified}" _ward_verified)
  # Re-configure when the source is re-fetched.
  set_property(DIRECTORY ${CMAKE_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_ward_stamp})
endif()
if(NOT _ward_verified STREQUAL _ward_pin_ORIG_SHA256)
  if(_ward_verified STREQUAL "")
    set(_ward_why "no verified source at ${WARD_MBEDTLS_SOURCE_DIR} (missing ${_ward_stamp})")
  else()
    set(_ward_why "the source at ${WARD_MBEDTLS_SOURCE_DIR} was verified against SHA-256 "
                  "${_ward_verified}, but cmake/mbedtls.pin expects ${_ward_pin_ORIG_SHA256}")
  endif()
  string(JOIN "" _ward_why ${_ward_why})
  message(FATAL_ERROR
    "Mbed TLS ${WARD_MBEDTLS_VERSION}: ${_ward_why}.\n"
    "Run `./ward setup` (or scripts/fetch-orig.sh cmake/mbedtls.pin) to fetch and verify the pinned source, "
    "then configure again.")
endif()

# The crypto part of library/*.c. Everything TLS, X.509, networking, file-system or timing related
# is left out; modules switched off in the config compile to nothing.
file(GLOB _ward_mbedtls_sources ${WARD_MBEDTLS_SOURCE_DIR}/library/*.c)
list(FILTER _ward_mbedtls_sources EXCLUDE REGEX
     "/library/(ssl_[^/]*|x509[^/]*|net_sockets|debug|mps_[^/]*|pkcs7|psa_its_file|timing)\\.c$")
if(NOT _ward_mbedtls_sources)
  message(FATAL_ERROR "No Mbed TLS sources found in ${WARD_MBEDTLS_SOURCE_DIR}/library")
endif()

# The API seen by users and by Ward's glue: headers, Ward's config, and the build flavour. The
# config changes with WARD_HOST_BUILD, so users must see the same definition as the library.
# Mbed TLS's headers are SYSTEM includes: their macros (C casts, etc.) would otherwise trip Ward's
# -Werror warnings in the code that uses them.
add_library(ward_mbedtls_api INTERFACE)
target_include_directories(ward_mbedtls_api SYSTEM INTERFACE ${WARD_MBEDTLS_SOURCE_DIR}/include)
target_include_directories(ward_mbedtls_api INTERFACE
  ${CMAKE_SOURCE_DIR}/lib/crypto/config ${CMAKE_SOURCE_DIR}/lib/crypto/include)
target_compile_definitions(ward_mbedtls_api INTERFACE MBEDTLS_CONFIG_FILE="ward_mbedtls_config.h")
if(WARD_IS_HOST)
  target_compile_definitions(ward_mbedtls_api INTERFACE WARD_HOST_BUILD)
endif()

# Ward's glue (entropy hook, heap, init), with Ward's own warning flags. It is built once per
# preset, so it must not see an image's configuration (ward/config.hpp); it only needs the board
# contract and the console (ward/board.hpp, ward/print.hpp, ward/fmt.hpp), which every image's core
# provides.
add_library(ward_mbedtls_glue OBJECT ${CMAKE_SOURCE_DIR}/lib/crypto/src/crypto_platform.cpp)
target_link_libraries(ward_mbedtls_glue PRIVATE ward_mbedtls_api)
target_include_directories(ward_mbedtls_glue PRIVATE
  ${CMAKE_SOURCE_DIR}/kernel/include ${CMAKE_SOURCE_DIR}/lib/base/include)
ward_code_flags(ward_mbedtls_glue)
# Its objects go into a plain static archive, whose index cannot list LTO bytecode symbols.
target_compile_options(ward_mbedtls_glue PRIVATE -fno-lto)

add_library(ward_mbedtls STATIC ${_ward_mbedtls_sources} $<TARGET_OBJECTS:ward_mbedtls_glue>)
target_link_libraries(ward_mbedtls PUBLIC ward_mbedtls_api)
target_include_directories(ward_mbedtls PRIVATE ${WARD_MBEDTLS_SOURCE_DIR}/library)
# Third-party code: never -Werror, and its warnings are not ours to fix.
target_compile_options(ward_mbedtls PRIVATE -w)
if(NOT WARD_IS_HOST)
  # CPU flags and -Os come from the toolchain file and MinSizeRel; let --gc-sections drop every
  # function and object an image does not use.
  # Stack canaries too: Mbed TLS parses attacker-supplied data (signatures, keys, images). The
  # library is built once per preset, so it is protected whatever an image's Kconfig says; the
  # guard symbol (Ward's own, chosen at boot) is in every image.
  target_compile_options(ward_mbedtls PRIVATE -ffunction-sections -fdata-sections -fstack-protector-strong)
endif()
if(WARD_SANITIZER_FLAGS)
  target_compile_options(ward_mbedtls PRIVATE ${WARD_SANITIZER_FLAGS})
  target_link_options(ward_mbedtls INTERFACE ${WARD_SANITIZER_FLAGS})
endif()

# --- The secure side's variant: ward_mbedtls_spe ---------------------------------------------------
# The same pinned sources, configured by secure/crypto/config/ward_spe_mbedtls_config.h (the general
# algorithm set plus key owners, MBEDTLS_PSA_CRYPTO_SPM, persistent keys and the NV seed), with the
# secure side's platform glue (secure/crypto/src/spe_platform.cpp). Its PSA functions are renamed
# ward_spe_psa_* by crypto_spe.h, generated here from the pinned headers, so it never clashes with
# the client library's psa_* in one host process. Only secure/crypto's code may use
# ward_mbedtls_spe_api: the client side sees psa/crypto.h through ward_psa_client instead.
set(_ward_spe_dir ${CMAKE_BINARY_DIR}/generated/spe)
set(_ward_spe_gen ${CMAKE_SOURCE_DIR}/secure/crypto/gen_crypto_spe.py)
execute_process(
  COMMAND ${WARD_PYTHON} ${_ward_spe_gen} ${WARD_MBEDTLS_SOURCE_DIR}/include ${_ward_spe_dir}/crypto_spe.h
  RESULT_VARIABLE _ward_spe_rc)
if(NOT _ward_spe_rc EQUAL 0)
  message(FATAL_ERROR "gen_crypto_spe.py failed (${_ward_spe_rc})")
endif()
set_property(DIRECTORY ${CMAKE_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_ward_spe_gen})

# The secure image's profiles (docs/secure-world.md, "Profiles"; CONFIG_WARD_SECURE_PROFILE_*):
# `full`, the default, and `medium`, TF-M Profile Medium's algorithms (WARD_SPE_PROFILE_MEDIUM,
# secure/crypto/config/ward_spe_medium_config.h). Every library compiled against the SPE
# configuration exists once per profile, the medium one with the suffix _medium (ward_spe_suffix):
# Mbed TLS's structures differ between the two, so no object may mix them.
set(WARD_SPE_PROFILES full medium)
function(ward_spe_suffix out profile)
  if(profile STREQUAL "full")
    set(${out} "" PARENT_SCOPE)
  else()
    set(${out} "_${profile}" PARENT_SCOPE)
  endif()
endfunction()

# The medium profile's size flags for its Mbed TLS and glue (below).
set(WARD_SPE_MEDIUM_SIZE_FLAGS --param=max-jump-thread-duplication-stmts=0)

function(_ward_mbedtls_spe_profile profile)
  ward_spe_suffix(s ${profile})
  add_library(ward_mbedtls_spe_api${s} INTERFACE)
  target_include_directories(ward_mbedtls_spe_api${s} SYSTEM INTERFACE ${WARD_MBEDTLS_SOURCE_DIR}/include ${_ward_spe_dir})
  target_include_directories(ward_mbedtls_spe_api${s} INTERFACE
    ${CMAKE_SOURCE_DIR}/secure/crypto/config ${CMAKE_SOURCE_DIR}/lib/crypto/config)
  target_compile_definitions(ward_mbedtls_spe_api${s} INTERFACE MBEDTLS_CONFIG_FILE="ward_spe_mbedtls_config.h")
  if(profile STREQUAL "medium")
    target_compile_definitions(ward_mbedtls_spe_api${s} INTERFACE WARD_SPE_PROFILE_MEDIUM)
  endif()
  if(WARD_IS_HOST)
    target_compile_definitions(ward_mbedtls_spe_api${s} INTERFACE WARD_HOST_BUILD)
  endif()

  # With it, the secure side's own HMAC/HKDF-SHA-256 (secure/crypto/src/kdf.cpp), PSA's random
  # generator on that HMAC (drbg.cpp, seeded in spe_platform.cpp), and Ward's P-256 as the PSA driver for secp256r1 (secure/crypto/src/p256_driver.cpp: the
  # entry points Mbed TLS's dispatch calls when MBEDTLS_PSA_P256M_DRIVER_ENABLED; their
  # declarations are in its 3rdparty/p256-m, whose code is not compiled).
  add_library(ward_mbedtls_spe_glue${s} OBJECT ${CMAKE_SOURCE_DIR}/secure/crypto/src/spe_platform.cpp
                                               ${CMAKE_SOURCE_DIR}/secure/crypto/src/p256_driver.cpp
                                               ${CMAKE_SOURCE_DIR}/secure/crypto/src/kdf.cpp
                                               ${CMAKE_SOURCE_DIR}/secure/crypto/src/drbg.cpp)
  target_link_libraries(ward_mbedtls_spe_glue${s} PRIVATE ward_mbedtls_spe_api${s} ward_p256_secure)
  target_include_directories(ward_mbedtls_spe_glue${s} SYSTEM PRIVATE ${WARD_MBEDTLS_SOURCE_DIR}/3rdparty/p256-m)
  target_include_directories(ward_mbedtls_spe_glue${s} PRIVATE ${CMAKE_SOURCE_DIR}/secure/crypto/include)
  target_include_directories(ward_mbedtls_spe_glue${s} SYSTEM PRIVATE
    ${CMAKE_SOURCE_DIR}/secure/include ${WARD_MBEDTLS_SOURCE_DIR}/library)
  ward_code_flags(ward_mbedtls_spe_glue${s})
  # The medium profile's glue is LTO bytecode like its Mbed TLS, which the archive already holds
  # (the HMAC/HKDF, DRBG and P-256 driver inline into their callers: docs/secure-world.md, "Profiles").
  if(NOT profile STREQUAL "medium")
    target_compile_options(ward_mbedtls_spe_glue${s} PRIVATE -fno-lto)
  elseif(NOT WARD_IS_HOST)
    target_compile_options(ward_mbedtls_spe_glue${s} PRIVATE ${WARD_SPE_MEDIUM_SIZE_FLAGS})
  endif()
  if(NOT WARD_IS_HOST)
    target_compile_options(ward_mbedtls_spe_glue${s} PRIVATE -fstack-protector-strong)
  endif()

  add_library(ward_mbedtls_spe${s} STATIC ${_ward_mbedtls_sources} $<TARGET_OBJECTS:ward_mbedtls_spe_glue${s}>)
  target_link_libraries(ward_mbedtls_spe${s} PUBLIC ward_mbedtls_spe_api${s} ward_p256_secure)
  # The ITS shim first (see secure/crypto/its_shim), then Mbed TLS's library/ and Ward's psa/error.h.
  target_include_directories(ward_mbedtls_spe${s} BEFORE PRIVATE ${CMAKE_SOURCE_DIR}/secure/crypto/its_shim)
  target_include_directories(ward_mbedtls_spe${s} PRIVATE ${WARD_MBEDTLS_SOURCE_DIR}/library ${CMAKE_SOURCE_DIR}/secure/include)
  target_compile_options(ward_mbedtls_spe${s} PRIVATE -w)
  if(NOT WARD_IS_HOST)
    target_compile_options(ward_mbedtls_spe${s} PRIVATE -ffunction-sections -fdata-sections -fstack-protector-strong)
    if(profile STREQUAL "medium")
      # Link-time optimisation with the service that calls it, and no jump threading that copies
      # statements (the PSA core's many status checks in a row invite it: -868 B): for the medium
      # profile's ROM budget (docs/secure-world.md, "Profiles", has the measured effects).
      target_compile_options(ward_mbedtls_spe${s} PRIVATE ${WARD_LTO_FLAGS} ${WARD_SPE_MEDIUM_SIZE_FLAGS})
    endif()
  endif()
  if(WARD_SANITIZER_FLAGS)
    target_compile_options(ward_mbedtls_spe${s} PRIVATE ${WARD_SANITIZER_FLAGS})
    target_link_options(ward_mbedtls_spe${s} INTERFACE ${WARD_SANITIZER_FLAGS})
  endif()
endfunction()
foreach(_ward_profile IN LISTS WARD_SPE_PROFILES)
  _ward_mbedtls_spe_profile(${_ward_profile})
endforeach()
unset(_ward_profile)
unset(_ward_spe_dir)
unset(_ward_spe_gen)
unset(_ward_spe_rc)

unset(_ward_pin_lines)
unset(_ward_cache)
unset(_ward_stamp)
unset(_ward_verified)
unset(_ward_why)
unset(_ward_mbedtls_sources)
