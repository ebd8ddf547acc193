# Kconfig for each image.
#
# Every image (sample, test, benchmark) has its own configuration: the Kconfig defaults, then the
# board's defaults, then the image's fragments (prj.conf style), then WARD_EXTRA_CONF from the cache,
# then the changes saved by `menuconfig` in the image's build directory. The result is generated at
# configure time into <image build dir>/config and exposed to code as ward/config.hpp (constexpr) and
# ward/autoconf.h (C macros). Images whose resulting configuration is identical share one compiled
# copy of the kernel (see WardImage.cmake).

set(WARD_KCONFIG_ROOT ${CMAKE_SOURCE_DIR}/Kconfig)
set(WARD_CONFIG_SCRIPT ${CMAKE_SOURCE_DIR}/scripts/kconfig/ward_config.py)
set(WARD_EXTRA_CONF "" CACHE STRING "Extra Kconfig fragments (;-separated) merged into every image")
file(GLOB_RECURSE WARD_KCONFIG_FILES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/*/Kconfig)
list(FILTER WARD_KCONFIG_FILES EXCLUDE REGEX "/(build|\\.cache)/")
list(APPEND WARD_KCONFIG_FILES ${WARD_KCONFIG_ROOT})

# ward_generate_config(<out_dir> <fragments...>): runs the Kconfig step now (configure time) and
# loads the resulting CONFIG_* values and WARD_CONFIG_HASH into the caller's scope.
function(ward_generate_config out_dir)
  set(fragments ${CMAKE_SOURCE_DIR}/boards/${WARD_BOARD}/board.conf ${ARGN} ${WARD_EXTRA_CONF}
                ${out_dir}/menuconfig.conf)
  set(fragment_args)
  foreach(f IN LISTS fragments)
    list(APPEND fragment_args --fragment ${f})
    if(EXISTS ${f})
      set_property(DIRECTORY ${CMAKE_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${f})
    endif()
  endforeach()
  set_property(DIRECTORY ${CMAKE_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${WARD_KCONFIG_FILES})
  execute_process(
    COMMAND ${WARD_PYTHON} ${WARD_CONFIG_SCRIPT} generate --kconfig ${WARD_KCONFIG_ROOT}
            --board ${WARD_BOARD} --out-dir ${out_dir} ${fragment_args}
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
    RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "Kconfig for ${out_dir} failed:\n${err}")
  endif()
  include(${out_dir}/config.cmake)
  file(STRINGS ${out_dir}/config.cmake lines REGEX "^set\\(")
  foreach(line IN LISTS lines)
    if(line MATCHES "^set\\(([A-Z0-9_]+) ")
      set(${CMAKE_MATCH_1} "${${CMAKE_MATCH_1}}" PARENT_SCOPE)
    endif()
  endforeach()
  set(WARD_IMAGE_FRAGMENT_ARGS ${fragment_args} PARENT_SCOPE)
endfunction()

# Targets that work on one image's configuration: hardening-<image>, menuconfig-<image>. The image
# named by WARD_DEFAULT_APP also gets the short names `hardening` and `menuconfig`.
function(ward_config_targets image out_dir)
  set(common --kconfig ${WARD_KCONFIG_ROOT} --board ${WARD_BOARD} ${WARD_IMAGE_FRAGMENT_ARGS})
  add_custom_target(hardening-${image}
    COMMAND ${WARD_PYTHON} ${WARD_CONFIG_SCRIPT} hardening ${common}
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR} USES_TERMINAL
    COMMENT "Hardening report for ${image}")
  add_custom_target(menuconfig-${image}
    COMMAND ${WARD_PYTHON} ${WARD_CONFIG_SCRIPT} menuconfig ${common} --out-dir ${out_dir}
            --user-fragment ${out_dir}/menuconfig.conf
    COMMAND ${CMAKE_COMMAND} ${CMAKE_BINARY_DIR}
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR} USES_TERMINAL
    COMMENT "menuconfig for ${image}")
  if(image STREQUAL WARD_DEFAULT_APP)
    add_custom_target(hardening)
    add_dependencies(hardening hardening-${image})
    add_custom_target(menuconfig)
    add_dependencies(menuconfig menuconfig-${image})
  endif()
endfunction()

# ward_production_requested(<out>): whether the extra fragments (WARD_EXTRA_CONF) ask for
# CONFIG_WARD_PRODUCTION=y, for images that deliberately weaken a security option (a measurement)
# and so cannot exist in a production tree.
function(ward_production_requested out)
  set(result FALSE)
  foreach(f IN LISTS WARD_EXTRA_CONF)
    if(EXISTS ${f})
      file(STRINGS ${f} lines REGEX "^CONFIG_WARD_PRODUCTION=y")
      if(lines)
        set(result TRUE)
      endif()
    endif()
  endforeach()
  set(${out} ${result} PARENT_SCOPE)
endfunction()
