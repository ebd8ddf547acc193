# Images and the pieces they are built from.
#
# Components (kernel, arch port, board, libraries) register their sources with ward_component().
# An image (a firmware ELF for a board, or a host executable) is built by ward_image(): it gets its
# own Kconfig configuration, and links one "core" object library compiled for exactly that
# configuration. Images with identical configurations share the same core, so the kernel is
# compiled once per distinct configuration, not once per image. Every firmware image gets its SBOM
# (WardSbom.cmake).
include(WardSbom)

define_property(GLOBAL PROPERTY WARD_CORE_SOURCES BRIEF_DOCS "Sources of the Ward core" FULL_DOCS "-")
define_property(GLOBAL PROPERTY WARD_CORE_INCLUDES BRIEF_DOCS "Public include dirs of the core" FULL_DOCS "-")
define_property(GLOBAL PROPERTY WARD_CORE_SYSTEM_INCLUDES BRIEF_DOCS "Public system include dirs of the core"
                FULL_DOCS "-")

# ward_component(SOURCES <files...> INCLUDES <dirs...> [SYSTEM_INCLUDES <dirs...>]): adds sources and
# public include directories to the core every image links. Paths are relative to the calling
# directory. SYSTEM_INCLUDES are for C headers whose macros Ward's C++ warnings would reject (the
# PSA headers' status codes are C casts, as the specification spells them).
function(ward_component)
  cmake_parse_arguments(ARG "" "" "SOURCES;INCLUDES;SYSTEM_INCLUDES" ${ARGN})
  foreach(s IN LISTS ARG_SOURCES)
    get_filename_component(abs ${s} ABSOLUTE)
    set_property(GLOBAL APPEND PROPERTY WARD_CORE_SOURCES ${abs})
  endforeach()
  foreach(i IN LISTS ARG_INCLUDES)
    get_filename_component(abs ${i} ABSOLUTE)
    set_property(GLOBAL APPEND PROPERTY WARD_CORE_INCLUDES ${abs})
  endforeach()
  foreach(i IN LISTS ARG_SYSTEM_INCLUDES)
    get_filename_component(abs ${i} ABSOLUTE)
    set_property(GLOBAL APPEND PROPERTY WARD_CORE_SYSTEM_INCLUDES ${abs})
  endforeach()
endfunction()

# Flags that follow from an image's configuration (read from CONFIG_* in the caller's scope).
function(_ward_config_flags out)
  set(flags)
  if(CONFIG_WARD_STACK_PROTECTOR STREQUAL "y")
    list(APPEND flags -fstack-protector-strong)
  else()
    list(APPEND flags -fno-stack-protector)
  endif()
  set(${out} ${flags} PARENT_SCOPE)
endfunction()

# The core for the configuration generated in <config_dir>; created on first use.
function(_ward_core_for out config_dir)
  set(core ward_core_${WARD_CONFIG_HASH})
  if(NOT TARGET ${core})
    get_property(sources GLOBAL PROPERTY WARD_CORE_SOURCES)
    get_property(includes GLOBAL PROPERTY WARD_CORE_INCLUDES)
    get_property(system_includes GLOBAL PROPERTY WARD_CORE_SYSTEM_INCLUDES)
    add_library(${core} OBJECT ${sources})
    target_include_directories(${core} PUBLIC ${config_dir}/include ${includes} ${WARD_GENERATED_INCLUDE})
    if(system_includes)
      target_include_directories(${core} SYSTEM PUBLIC ${system_includes})
    endif()
    _ward_config_flags(flags)
    target_compile_options(${core} PUBLIC ${flags})
    ward_code_flags(${core})
    if(WARD_IS_HOST)
      find_package(Threads REQUIRED)
      target_link_libraries(${core} PUBLIC Threads::Threads)
    endif()
  endif()
  set(${out} ${core} PARENT_SCOPE)
endfunction()

# ward_image(<name> SOURCES <files...> [CONF <fragments...>] [LIBRARIES <targets...>] [CHAIN]
#            [STACK_ANNOTATIONS <files...>] [STACK_CHECK_IN_TEST] [SBOM])
# The link fails when a declared stack is smaller than its bound or a bound cannot be computed
# without an annotation (docs/stack-bounds.md). STACK_ANNOTATIONS: the image's own stack-bound
# annotations (besides a stackbound.conf beside its CMakeLists.txt); STACK_CHECK_IN_TEST: the link
# does not run the check (a fixture whose test runs it and expects a refusal:
# WARD_STACKBOUND_<name>_COMMAND).
# CHAIN (with CONFIG_WARD_TRUSTZONE_NS): the non-secure image of the two-image chain, linked for
# the bootloader's RAM-load (header at the window's start) and against ward_secure_chain's veneers.
# Builds the image <name>: <name>.elf for a board (with a map file, a .bin, a size report and the
# SBOMs <name>.spdx.json and <name>.cdx.json), or
# an executable <name> on the host. Sets WARD_IMAGE_<name>_FILE to the output path and, for a
# firmware image, WARD_IMAGE_<name>_RUNNER_ARGS to what the QEMU runner needs besides the ELF (the
# secure image to run it beside: application images are non-secure by default; a CONF of
# ${WARD_SECURE_ONLY_CONF} makes one secure-only).
function(ward_image name)
  cmake_parse_arguments(ARG "CHAIN;STACK_CHECK_IN_TEST;SBOM" "" "SOURCES;CONF;LIBRARIES;STACK_ANNOTATIONS" ${ARGN})
  set(out_dir ${CMAKE_CURRENT_BINARY_DIR}/${name}.ward)
  set(fragments)
  # A main stack (MSP) for what the image adds to its handlers' nesting (the bound is checked at
  # every link): the LAN9118 driver's interrupt handler (lib/net/isr_stack.conf, enough for a test
  # image too), or the test framework's deeper report path (lib/test/isr_stack.conf). One of them:
  # the configuration refuses a symbol two fragments set differently.
  if(WARD_IS_HOST)
  elseif("ward_lan9118" IN_LIST ARG_LIBRARIES)
    list(APPEND fragments ${CMAKE_SOURCE_DIR}/lib/net/isr_stack.conf)
  elseif("ward_test_main" IN_LIST ARG_LIBRARIES OR "ward_test" IN_LIST ARG_LIBRARIES)
    list(APPEND fragments ${CMAKE_SOURCE_DIR}/lib/test/isr_stack.conf)
  endif()
  # Test images report every thread stack's high-water mark (lib/test/stack_marks.conf).
  if(NOT WARD_IS_HOST AND ("ward_test_main" IN_LIST ARG_LIBRARIES OR "ward_test" IN_LIST ARG_LIBRARIES))
    list(APPEND fragments ${CMAKE_SOURCE_DIR}/lib/test/stack_marks.conf)
  endif()
  foreach(f IN LISTS ARG_CONF)
    get_filename_component(abs ${f} ABSOLUTE)
    list(APPEND fragments ${abs})
  endforeach()
  ward_generate_config(${out_dir}/config ${fragments})
  _ward_core_for(core ${out_dir}/config)
  # DTLS (CONFIG_WARD_TLS_DTLS, lib/tls/Kconfig): lib/tls and Mbed TLS built with DTLS in place of
  # the plain ones, so only images that ask for it carry it (docs/networking.md, "DTLS").
  if(CONFIG_WARD_TLS_DTLS STREQUAL "y")
    if("ward_tls_sockets" IN_LIST ARG_LIBRARIES OR "ward_mgmt_tls" IN_LIST ARG_LIBRARIES)
      message(FATAL_ERROR "${name}: CONFIG_WARD_TLS_DTLS is not available with TLS sockets or ward_mgmt_tls yet")
    endif()
    if(NOT "ward_tls" IN_LIST ARG_LIBRARIES)
      message(FATAL_ERROR "${name}: CONFIG_WARD_TLS_DTLS needs ward_tls in LIBRARIES")
    endif()
    list(TRANSFORM ARG_LIBRARIES REPLACE "^ward_tls$" "ward_dtls")
  endif()

  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${core} ${ARG_LIBRARIES})
  ward_code_flags(${name})
  ward_config_targets(${name} ${out_dir}/config)

  if(WARD_IS_HOST)
    set(file $<TARGET_FILE:${name}>)
  else()
    set_target_properties(${name} PROPERTIES SUFFIX ".elf")
    # A non-secure image runs beside the secure image: it is linked into the non-secure memory and
    # against the secure image's veneers (their import library), and needs it to run.
    set(linker_script ${WARD_LINKER_SCRIPT})
    if(CONFIG_WARD_TRUSTZONE_NS STREQUAL "y")
      if(NOT WARD_NS_LINKER_SCRIPT OR NOT TARGET ward_secure)
        message(FATAL_ERROR "${name}: CONFIG_WARD_TRUSTZONE_NS needs a board with a secure image")
      endif()
      # The non-secure side gets no Ward path to the boot flash (docs/boot.md, "Who can write the
      # slots and the counters"): it stages images through psa/update.h only. ns_flash_paths.py
      # checks every non-secure image's symbols for the same, transitive links included.
      foreach(lib IN ITEMS ward_flash_semihost ward_boot_engine ward_fwu_service)
        if(lib IN_LIST ARG_LIBRARIES)
          message(FATAL_ERROR "${name}: a non-secure image cannot link ${lib} (a path to the boot flash)")
        endif()
      endforeach()
      set_property(GLOBAL APPEND PROPERTY WARD_NS_IMAGES ${CMAKE_CURRENT_BINARY_DIR}/${name}.elf)
      if(ARG_CHAIN)
        set(linker_script ${WARD_NS_CHAIN_LINKER_SCRIPT})
        add_dependencies(${name} ward_secure_chain ward_secure_chain_veneers)
        target_link_libraries(${name} PRIVATE ${WARD_SECURE_CHAIN_VENEERS})
        set_property(TARGET ${name} APPEND PROPERTY LINK_DEPENDS ${WARD_SECURE_CHAIN_VENEERS})
        set(WARD_IMAGE_${name}_SECURE "" PARENT_SCOPE)
        set(WARD_IMAGE_${name}_RUNNER_ARGS "" PARENT_SCOPE)  # the bootloader loads both (chain_e2e.py)
      else()
        set(linker_script ${WARD_NS_LINKER_SCRIPT})
        add_dependencies(${name} ward_secure ward_secure_veneers)
        target_link_libraries(${name} PRIVATE ${WARD_SECURE_VENEERS})
        set_property(TARGET ${name} APPEND PROPERTY LINK_DEPENDS ${WARD_SECURE_VENEERS})
        set(WARD_IMAGE_${name}_SECURE ${WARD_SECURE_ELF} PARENT_SCOPE)
        set(WARD_IMAGE_${name}_RUNNER_ARGS --secure-image ${WARD_SECURE_ELF} PARENT_SCOPE)
      endif()
    else()
      set(WARD_IMAGE_${name}_SECURE "" PARENT_SCOPE)
      set(WARD_IMAGE_${name}_RUNNER_ARGS "" PARENT_SCOPE)
    endif()
    target_link_options(${name} PRIVATE
      -T${linker_script} -Wl,--gc-sections -Wl,--no-warn-rwx-segments
      -Wl,-Map=$<TARGET_FILE_DIR:${name}>/${name}.map -Wl,--print-memory-usage)
    set_property(TARGET ${name} APPEND PROPERTY LINK_DEPENDS ${linker_script} ${WARD_LINKER_DEPENDS})
    add_custom_command(TARGET ${name} POST_BUILD
      COMMAND ${CMAKE_OBJCOPY} -O binary $<TARGET_FILE:${name}> $<TARGET_FILE_DIR:${name}>/${name}.bin
      BYPRODUCTS ${CMAKE_CURRENT_BINARY_DIR}/${name}.bin ${CMAKE_CURRENT_BINARY_DIR}/${name}.map)
    # The SBOMs of every image that can ship (samples, the bootloader, the secure images); an image
    # under tests/ is a test program, never shipped, and gets them only when a test reads them (SBOM):
    # about 4 s of every link, for some hundred test images (docs/sbom.md, "Which images").
    string(FIND "${CMAKE_CURRENT_SOURCE_DIR}/" "${CMAKE_SOURCE_DIR}/tests/" under_tests)
    if(ARG_SBOM OR NOT under_tests EQUAL 0)
      ward_sbom(${name} LINKER_SCRIPTS ${linker_script} ${WARD_LINKER_DEPENDS})
    endif()
    # Its declared stacks against their bounds (docs/stack-bounds.md): the kernel's, the port's and
    # the libraries' annotations (Ward's, Mbed TLS's, lwIP's: lines naming functions an image does
    # not have are not used), the test framework's when it is linked, and the application's own
    # (a stackbound.conf beside its CMakeLists.txt).
    set(stack_notes ${CMAKE_SOURCE_DIR}/kernel/stackbound.conf ${CMAKE_SOURCE_DIR}/arch/arm/stackbound.conf
                    ${WARD_LIB_STACK_ANNOTATIONS} ${ARG_STACK_ANNOTATIONS})
    if("ward_test_main" IN_LIST ARG_LIBRARIES OR "ward_test" IN_LIST ARG_LIBRARIES)
      list(APPEND stack_notes ${CMAKE_SOURCE_DIR}/lib/test/stackbound.conf)
    endif()
    if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/stackbound.conf)
      list(APPEND stack_notes ${CMAKE_CURRENT_SOURCE_DIR}/stackbound.conf)
    endif()
    # The main stack (MSP: boot and nested handlers) is held to its bound like every thread's.
    set(stack_limit CHECK_MAIN_STACK)
    if(CONFIG_WARD_HW_STACK_LIMIT STREQUAL "y")
      list(APPEND stack_limit STACK_LIMIT)
    endif()
    if(CONFIG_WARD_MPU_STACK_GUARD STREQUAL "y")
      set(stack_limit ${stack_limit} GUARD 32)  # arch/arm/src/context_switch.cpp: kGuard
    endif()
    if(ARG_STACK_CHECK_IN_TEST)
      set(stack_limit ${stack_limit} NO_CHECK)  # a fixture its test checks (tests/stackbound)
    endif()
    ward_stack_bound(${name} ANNOTATIONS ${stack_notes} ${stack_limit})
    set(WARD_STACKBOUND_${name}_COMMAND ${WARD_STACKBOUND_${name}_COMMAND} PARENT_SCOPE)
    set(file ${CMAKE_CURRENT_BINARY_DIR}/${name}.elf)
  endif()
  set(WARD_IMAGE_${name}_FILE ${file} PARENT_SCOPE)
endfunction()

# ward_qemu_test(<name> SOURCES <files...> [CONF ...] [LIBRARIES ...] [TIMEOUT s] [RUNNER_ARGS ...]
#                [NO_TEST_MAIN] [SBOM])
# A firmware image built from the on-target test framework, registered with CTest as qemu.<name>:
# the runner boots it under QEMU and fails on a failed assertion, a fault, a reboot or a hang, or a
# stack used beyond its computed bound or a thread stack no declaration names (WARD_STACK_BOUND_*).
function(ward_qemu_test name)
  cmake_parse_arguments(ARG "NO_TEST_MAIN;SBOM" "TIMEOUT" "SOURCES;CONF;LIBRARIES;RUNNER_ARGS;STACK_ANNOTATIONS"
                        ${ARGN})
  if(WARD_IS_HOST)
    return()
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 60)
  endif()
  # The framework's main runs every WARD_TEST; NO_TEST_MAIN images bring their own main.
  if(ARG_NO_TEST_MAIN)
    set(framework ward_test)
  else()
    set(framework ward_test_main)
  endif()
  set(sbom)
  if(ARG_SBOM)
    set(sbom SBOM)
  endif()
  ward_image(${name} SOURCES ${ARG_SOURCES} CONF ${ARG_CONF} LIBRARIES ${framework} ${ARG_LIBRARIES}
             STACK_ANNOTATIONS ${ARG_STACK_ANNOTATIONS} ${sbom})
  set(secure_args)
  if(WARD_IMAGE_${name}_SECURE)
    set(secure_args --secure-image ${WARD_IMAGE_${name}_SECURE})
  endif()
  # The run, then every stack's measured high-water mark against the bound the link computed
  # (docs/stack-bounds.md): the framework's test::finish prints them after the last case (the
  # kernel's record of every stack a thread ran on, lib/test/stack_marks.conf, and the main stack):
  # at least the main and idle threads' and MSP.
  set(expect 3)
  if(WARD_STACK_BOUND)
    set(run ${WARD_PYTHON} ${CMAKE_SOURCE_DIR}/tests/stackbound/highwater.py --runner ${WARD_QEMU_RUNNER}
            --test-timeout ${ARG_TIMEOUT} --expect ${expect} --report ${CMAKE_CURRENT_BINARY_DIR}/${name}.stackbound.txt
            ${CMAKE_CURRENT_BINARY_DIR}/${name}.elf -- ${secure_args} ${ARG_RUNNER_ARGS})
  else()  # no bounds computed (-DWARD_STACK_BOUND=OFF): the run alone
    set(run ${WARD_PYTHON} ${WARD_QEMU_RUNNER} --timeout ${ARG_TIMEOUT} ${secure_args} ${ARG_RUNNER_ARGS}
            ${CMAKE_CURRENT_BINARY_DIR}/${name}.elf)
  endif()
  add_test(NAME qemu.${name} COMMAND ${run} WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
  # CTest's own limit is a backstop behind the runner's, which reports the hang itself.
  math(EXPR ctest_timeout "${ARG_TIMEOUT} + 30")
  set_tests_properties(qemu.${name} PROPERTIES LABELS qemu TIMEOUT ${ctest_timeout})
endfunction()

# ward_host_test(<name> SOURCES <files...> [CONF ...] [LIBRARIES ...] [FILTER <gtest filter>])
# A GoogleTest executable of the host build; each test case is registered with CTest as
# host.<name>.<Suite>.<Name> (asan.<name>.<Suite>.<Name> in the sanitizer build); with FILTER, only
# the cases it selects.
function(ward_host_test name)
  cmake_parse_arguments(ARG "CHAIN" "FILTER" "SOURCES;CONF;LIBRARIES" ${ARGN})
  if(NOT WARD_IS_HOST)
    return()
  endif()
  find_package(GTest REQUIRED)
  ward_image(${name} SOURCES ${ARG_SOURCES} CONF ${ARG_CONF}
             LIBRARIES GTest::gtest GTest::gmock GTest::gtest_main ${ARG_LIBRARIES})
  if(WARD_SANITIZE)
    set(prefix asan.)
  else()
    set(prefix host.)
  endif()
  include(GoogleTest)
  set(filter)
  if(ARG_FILTER)
    set(filter TEST_FILTER ${ARG_FILTER})
  endif()
  gtest_discover_tests(${name} TEST_PREFIX ${prefix}${name}. DISCOVERY_TIMEOUT 60 ${filter}
                       PROPERTIES LABELS host ENVIRONMENT "WARD_SHARED_DIR=${WARD_SHARED_DIR}")
endfunction()
