# Settings shared by every Ward build: the Python that runs our scripts, the version, and the
# compiler flags for Ward's own code.

# Debian's python3, which has python3-kconfiglib; another python3 earlier on PATH would not.
find_program(WARD_PYTHON NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH REQUIRED)

# The version shown in the boot banner and the SBOM: `git describe`, or the project version
# outside a git checkout.
execute_process(
  COMMAND git describe --tags --always --dirty
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
  OUTPUT_VARIABLE WARD_GIT_DESCRIBE OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE _git_rc)
if(NOT _git_rc EQUAL 0 OR WARD_GIT_DESCRIBE STREQUAL "")
  set(WARD_GIT_DESCRIBE "unknown")
endif()
set(WARD_VERSION "${PROJECT_VERSION}")

# The time every SBOM of this build is dated (reproducible builds): SOURCE_DATE_EPOCH from the
# environment, else the time of the commit built, else (outside a git checkout) empty: the time of
# generation.
if(DEFINED ENV{SOURCE_DATE_EPOCH} AND NOT "$ENV{SOURCE_DATE_EPOCH}" STREQUAL "")
  set(WARD_SOURCE_DATE_EPOCH "$ENV{SOURCE_DATE_EPOCH}")
else()
  execute_process(
    COMMAND git log -1 --format=%ct
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
    OUTPUT_VARIABLE WARD_SOURCE_DATE_EPOCH OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE _git_rc)
  if(NOT _git_rc EQUAL 0)
    set(WARD_SOURCE_DATE_EPOCH "")
  endif()
endif()

# A development tree's per-tree secrets -- the emulated device's hardware-unique key
# (secure/firmware/device/huk.bin) and the development signing keys (keys/ward-dev-key.pem,
# keys/ward-dev-ns-key.pem) -- are generated at random in each build tree. A second tree that must
# reproduce another's images byte for byte (tests/repro, docs/supply-chain.md "How to reproduce a
# release") takes them from that tree instead. Empty (the default): generated here. A production
# build refuses the development keys whatever this says (ward_boot_choose_key).
set(WARD_DEV_INPUTS_FROM "" CACHE PATH
    "Build tree whose emulated-device HUK and development signing keys this tree uses (empty: generate its own)")
if(NOT WARD_DEV_INPUTS_FROM STREQUAL "" AND NOT IS_DIRECTORY "${WARD_DEV_INPUTS_FROM}")
  message(FATAL_ERROR "WARD_DEV_INPUTS_FROM: no such build tree: ${WARD_DEV_INPUTS_FROM}")
endif()

set(CMAKE_CXX_STANDARD 23)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
set(CMAKE_C_STANDARD 11)

# Warnings are errors on Ward's own code (not on third-party code such as Mbed TLS).
set(WARD_WARNING_FLAGS
  -Wall -Wextra -Werror -Wshadow -Wundef -Wcast-align -Wnull-dereference
  -Wimplicit-fallthrough -Wformat=2 $<$<COMPILE_LANGUAGE:CXX>:-Wold-style-cast>
  $<$<COMPILE_LANGUAGE:CXX>:-Wnon-virtual-dtor>)

if(WARD_BOARD STREQUAL "host")
  set(WARD_IS_HOST TRUE)
  set(WARD_LANGUAGE_FLAGS $<$<COMPILE_LANGUAGE:CXX>:-fno-exceptions -fno-rtti>)
else()
  set(WARD_IS_HOST FALSE)
  # Freestanding firmware: no exceptions, no RTTI, no thread-safe statics (the kernel has no
  # libc locks), every function and object in its own section so --gc-sections drops what is unused.
  set(WARD_LANGUAGE_FLAGS
    -ffreestanding -fno-common -ffunction-sections -fdata-sections
    -fno-unwind-tables -fno-asynchronous-unwind-tables
    $<$<COMPILE_LANGUAGE:CXX>:-fno-exceptions -fno-rtti -fno-threadsafe-statics -fno-use-cxa-atexit>)
  # Link-time optimisation across the kernel, port, board and application: the kernel's small
  # functions inline into their callers across files. Measured on samples/minimal and kernel_bench:
  # about 25% less ROM and every benchmark faster. Symbols used only from assembly carry [[gnu::used]].
  option(WARD_LTO "Link-time optimisation of firmware images" ON)
  if(WARD_LTO)
    set(WARD_LTO_FLAGS -flto)
  endif()
endif()

if(WARD_SANITIZE)
  set(WARD_SANITIZER_FLAGS -fsanitize=${WARD_SANITIZE} -fno-sanitize-recover=all -fno-omit-frame-pointer)
endif()

# The libFuzzer targets (clang, host preset): under ASan+UBSan, or with WARD_FUZZ_COVERAGE (the
# `./ward fuzz-coverage` build) with clang's source coverage instead, to show how deep their
# seeds and runs reach.
option(WARD_FUZZ_COVERAGE "Build the libFuzzer targets with source coverage instead of sanitizers" OFF)
if(WARD_FUZZ_COVERAGE)
  set(WARD_FUZZ_INSTRUMENT -fprofile-instr-generate -fcoverage-mapping)
else()
  set(WARD_FUZZ_INSTRUMENT -fsanitize=address,undefined -fno-sanitize-recover=all)
endif()

# Source paths in images (assertion messages, debug info) relative to the tree: no build machine's
# paths in the firmware, and the same image from the same sources wherever it is built. Files the
# build generates (configuration headers) relative to the build tree: the later map wins when the
# build tree is inside the source tree.
add_compile_options(-ffile-prefix-map=${CMAKE_SOURCE_DIR}/= -ffile-prefix-map=${CMAKE_BINARY_DIR}/=)

# Applies Ward's flags to one of Ward's own targets.
function(ward_code_flags target)
  target_compile_options(${target} PRIVATE ${WARD_WARNING_FLAGS} ${WARD_LANGUAGE_FLAGS} ${WARD_SANITIZER_FLAGS}
                                           ${WARD_LTO_FLAGS})
  if(WARD_SANITIZER_FLAGS OR WARD_LTO_FLAGS)
    target_link_options(${target} PRIVATE ${WARD_SANITIZER_FLAGS} ${WARD_LTO_FLAGS})
  endif()
endfunction()
