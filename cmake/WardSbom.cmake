# Supply chain: an SBOM next to every firmware image that can ship, and the optional vulnerability gate.
#
# ward_sbom(<image>) is called by ward_image() for firmware images (not test programs under tests/:
# docs/supply-chain.md, "Which images"). After the link (and the .bin), scripts/sbom/ward_sbom.py
# writes <image>.spdx.json (SPDX 2.3) and <image>.cdx.json (CycloneDX 1.6) from the build's own
# records: the link map, Ninja's dependency log and compile_commands.json (see the script and
# docs/supply-chain.md). The SBOM is part of the image's link step, so an image never exists
# without its up-to-date SBOM, and a failed SBOM fails the build.
#
# With CONFIG_WARD_VULN_GATE=y (forced on by CONFIG_WARD_PRODUCTION=y, see security/Kconfig), the
# same step then runs ward-vuln on the SBOM against WARD_VULNDB_DIRS and fails the build (deleting
# the image) on an applicable vulnerability at or above CONFIG_WARD_VULN_GATE_SEVERITY. ward-vuln is
# a host tool: firmware build trees build it with the host compiler as an external project.

set(CMAKE_EXPORT_COMPILE_COMMANDS ON)  # the SBOM reads each object's source and flags from it
set(WARD_SBOM_SCRIPT ${CMAKE_SOURCE_DIR}/scripts/sbom/ward_sbom.py)
# The generator's code (the entry point above runs the package wardsbom/): a change to any of it
# re-runs every SBOM step, and a module added to the package is picked up at the next build.
file(GLOB WARD_SBOM_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/scripts/sbom/wardsbom/*.py)
list(APPEND WARD_SBOM_SOURCES ${WARD_SBOM_SCRIPT})
set(WARD_SBOM_DATA ${CMAKE_SOURCE_DIR}/scripts/sbom/components.json)
# Firmware trees write SBOMs: say now, not at the first link, when a package the generator imports
# is missing.
if(NOT WARD_IS_HOST)
  execute_process(COMMAND ${WARD_PYTHON} -c "import elftools.elf.elffile"
                  RESULT_VARIABLE _ward_elftools OUTPUT_QUIET ERROR_QUIET)
  if(NOT _ward_elftools EQUAL 0)
    message(FATAL_ERROR "${WARD_PYTHON} cannot import elftools, which the SBOM generator reads objects "
                        "with: install Debian's python3-pyelftools (scripts/setup.sh)")
  endif()
endif()
set(WARD_SUPPLIER "Ward project" CACHE STRING "Supplier and SBOM author named in every SBOM")
set(WARD_LICENSE "NOASSERTION" CACHE STRING "SPDX license expression of Ward's own code, for SBOMs")
set(WARD_VULNDB_DIRS ${CMAKE_SOURCE_DIR}/security/vulndb CACHE STRING
    "Directories (;-separated) of vulnerability records (OSV or NVD 2.0 JSON) the build's gate checks")
set(WARD_VULN_FEATURES ${CMAKE_SOURCE_DIR}/security/features.json CACHE FILEPATH
    "Map of vulnerabilities to the configuration options and files of the feature they are in")
set(WARD_VULN_PRODUCTS ${CMAKE_SOURCE_DIR}/security/products.json CACHE FILEPATH
    "Map of product names and vulnerability ids to components, for records NVD has not analysed yet")
set(WARD_VULN_SEVERITIES low medium high critical)
# Every SBOM is dated SOURCE_DATE_EPOCH when the build's environment sets it, else the commit's time
# (WardCommon.cmake): two builds of one commit give identical SBOMs.
set(WARD_SBOM_EPOCH_ARGS)
if(NOT WARD_SOURCE_DATE_EPOCH STREQUAL "")
  set(WARD_SBOM_EPOCH_ARGS --source-date-epoch ${WARD_SOURCE_DATE_EPOCH})
endif()

# The host-built ward-vuln for a firmware tree (an external project: a separate CMake build with the
# machine's own compiler, not the cross toolchain). Sets <out> to its path.
function(_ward_vuln_host_tool out)
  # Given by an outer tree (tests/mgmt's production sub-build): built once, there.
  if(WARD_HOST_VULN_TOOL)
    if(NOT TARGET ward_vuln_host)
      add_custom_target(ward_vuln_host)
    endif()
    set(${out} ${WARD_HOST_VULN_TOOL} PARENT_SCOPE)
    return()
  endif()
  set(dir ${CMAKE_BINARY_DIR}/host-tools/ward-vuln)
  if(NOT TARGET ward_vuln_host)
    include(ExternalProject)
    ExternalProject_Add(ward_vuln_host
      SOURCE_DIR ${CMAKE_SOURCE_DIR}/tools/ward-vuln
      BINARY_DIR ${dir}
      CMAKE_ARGS -DCMAKE_BUILD_TYPE=Release
      INSTALL_COMMAND ""
      BUILD_ALWAYS ON  # a no-op ninja run when nothing changed; picks up edits to the tool
      BUILD_BYPRODUCTS ${dir}/ward-vuln
      LOG_CONFIGURE ON LOG_OUTPUT_ON_FAILURE ON)
  endif()
  set(${out} ${dir}/ward-vuln PARENT_SCOPE)
endfunction()

# ward_sbom(<image> [CONFIG_DIR <dir>] [LINKER_SCRIPTS <files...>] [NO_BIN])
# Called in ward_image()'s scope (CONFIG_* of the image and WARD_IMAGE_FRAGMENT_ARGS are visible),
# and for the images that are not ward_images (the secure image, the bootloader) in the scope of
# their ward_generate_config(), with their Kconfig output directory and linker script named.
function(ward_sbom name)
  if(WARD_IS_HOST)
    return()  # host executables are test programs, not shipped images
  endif()
  cmake_parse_arguments(ARG "NO_BIN" "CONFIG_DIR" "LINKER_SCRIPTS" ${ARGN})
  set(dir ${CMAKE_CURRENT_BINARY_DIR})
  set(elf ${dir}/${name}.elf)
  if(NOT ARG_CONFIG_DIR)
    set(ARG_CONFIG_DIR ${dir}/${name}.ward/config)
  endif()
  if(NOT ARG_LINKER_SCRIPTS)
    set(ARG_LINKER_SCRIPTS ${WARD_LINKER_SCRIPT} ${WARD_LINKER_DEPENDS})
  endif()
  set(bin_args --bin ${dir}/${name}.bin)
  if(ARG_NO_BIN)
    set(bin_args)
  endif()
  set(generate
    ${WARD_PYTHON} ${WARD_SBOM_SCRIPT} generate --name ${name} --elf ${elf} ${bin_args}
    --map ${dir}/${name}.map --board ${WARD_BOARD} --source-dir ${CMAKE_SOURCE_DIR}
    --build-dir ${CMAKE_BINARY_DIR} --config-dir ${ARG_CONFIG_DIR} --kconfig ${WARD_KCONFIG_ROOT}
    ${WARD_IMAGE_FRAGMENT_ARGS} --version ${WARD_GIT_DESCRIBE} --supplier ${WARD_SUPPLIER}
    --license ${WARD_LICENSE}
    --component mbedtls=${WARD_MBEDTLS_PIN}=${WARD_MBEDTLS_SOURCE_DIR}
    --component tinycbor=${WARD_TINYCBOR_PIN}=${WARD_TINYCBOR_SOURCE_DIR}
    --component lwip=${WARD_LWIP_PIN}=${WARD_LWIP_SOURCE_DIR}
    --ninja ${CMAKE_MAKE_PROGRAM} --out-spdx ${dir}/${name}.spdx.json --out-cdx ${dir}/${name}.cdx.json
    ${WARD_SBOM_EPOCH_ARGS})
  foreach(script IN LISTS ARG_LINKER_SCRIPTS)
    list(APPEND generate --linker-script ${script})
  endforeach()
  add_custom_command(TARGET ${name} POST_BUILD COMMAND ${generate}
    BYPRODUCTS ${dir}/${name}.spdx.json ${dir}/${name}.cdx.json VERBATIM)
  # A changed generator or pin re-runs the link step, and with it the SBOM.
  set_property(TARGET ${name} APPEND PROPERTY LINK_DEPENDS ${WARD_SBOM_SOURCES} ${WARD_SBOM_DATA}
               ${WARD_MBEDTLS_PIN} ${WARD_TINYCBOR_PIN} ${WARD_LWIP_PIN})

  if(NOT CONFIG_WARD_VULN_GATE STREQUAL "y")
    return()
  endif()
  if(NOT CONFIG_WARD_VULN_GATE_SEVERITY IN_LIST WARD_VULN_SEVERITIES)
    message(FATAL_ERROR "${name}: CONFIG_WARD_VULN_GATE_SEVERITY=\"${CONFIG_WARD_VULN_GATE_SEVERITY}\" "
                        "is not one of: ${WARD_VULN_SEVERITIES}")
  endif()
  _ward_vuln_host_tool(tool)
  add_dependencies(${name} ward_vuln_host)
  set(gate ${WARD_PYTHON} ${WARD_SBOM_SCRIPT} gate --tool ${tool} --sbom ${dir}/${name}.cdx.json
    --fail-on ${CONFIG_WARD_VULN_GATE_SEVERITY} --vex ${dir}/${name}.vex.json
    --remove ${elf} --remove ${dir}/${name}.bin)  # (a missing file is skipped)
  set(records)
  foreach(db IN LISTS WARD_VULNDB_DIRS)
    list(APPEND gate --vulndb ${db})
    file(GLOB_RECURSE db_files CONFIGURE_DEPENDS ${db}/*.json)
    list(APPEND records ${db_files})
  endforeach()
  if(WARD_VULN_FEATURES)
    list(APPEND gate --features ${WARD_VULN_FEATURES})
    list(APPEND records ${WARD_VULN_FEATURES})
  endif()
  if(WARD_VULN_PRODUCTS)
    list(APPEND gate --products ${WARD_VULN_PRODUCTS})
    list(APPEND records ${WARD_VULN_PRODUCTS})
  endif()
  add_custom_command(TARGET ${name} POST_BUILD COMMAND ${gate}
    BYPRODUCTS ${dir}/${name}.vex.json VERBATIM)
  # New or changed vulnerability records re-run the gate.
  set_property(TARGET ${name} APPEND PROPERTY LINK_DEPENDS ${records})
endfunction()
