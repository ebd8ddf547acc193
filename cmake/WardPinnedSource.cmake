# Third-party source fetched from Debian's archive by scripts/fetch-orig.sh (run by `./ward setup`),
# which verifies the orig tarball against its pin file (cmake/<name>.pin: ORIG_VERSION,
# ORIG_SHA256, ...) and unpacks it to <cache>/<name>-<version> with the verified checksum in
# .ward-verified-sha256. ward_pinned_source() finds that directory and fails the configuration
# unless the stamp matches the pin. The cache is WARD_CACHE (CMake or environment), else .cache.
function(ward_pinned_source display_name pin out_source_dir)
  set_property(DIRECTORY ${CMAKE_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${pin})
  file(STRINGS ${pin} lines REGEX "^[A-Z0-9_]+=")
  foreach(line IN LISTS lines)
    if(line MATCHES "^([A-Z0-9_]+)=(.*)$")
      set(pin_${CMAKE_MATCH_1} "${CMAKE_MATCH_2}")
    endif()
  endforeach()
  if(DEFINED WARD_CACHE AND NOT WARD_CACHE STREQUAL "")
    set(cache ${WARD_CACHE})
  elseif(DEFINED ENV{WARD_CACHE} AND NOT "$ENV{WARD_CACHE}" STREQUAL "")
    set(cache $ENV{WARD_CACHE})
  else()
    set(cache ${CMAKE_SOURCE_DIR}/.cache)
  endif()
  get_filename_component(pin_name ${pin} NAME_WE)
  set(source_dir ${cache}/${pin_name}-${pin_ORIG_VERSION})
  set(stamp ${source_dir}/.ward-verified-sha256)
  set(verified "")
  if(EXISTS ${stamp})
    file(READ ${stamp} verified)
    string(STRIP "${verified}" verified)
    set_property(DIRECTORY ${CMAKE_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${stamp})
  endif()
  file(RELATIVE_PATH pin_relative ${CMAKE_SOURCE_DIR} ${pin})
  if(NOT pin_ORIG_SHA256 OR NOT verified STREQUAL pin_ORIG_SHA256)
    message(FATAL_ERROR
      "${display_name} ${pin_ORIG_VERSION}: no source verified against ${pin_relative} at ${source_dir}.\n"
      "Run `./ward setup` (or scripts/fetch-orig.sh ${pin_relative}) to fetch and verify it, then configure again.")
  endif()
  set(${out_source_dir} ${source_dir} PARENT_SCOPE)
endfunction()
