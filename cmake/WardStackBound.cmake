# The build-time stack bound (docs/stack-bounds.md): every firmware image is linked with the
# compiler's call graph and stack usage (-fcallgraph-info=su; with LTO, the link-time compilation
# writes one .ci file per partition), and scripts/stackbound checks each declared stack
# (ward/stack_bound.hpp) against the deepest call chain from its entry plus an exception frame.
# The link fails, naming the stack and the chain, when one is too small or a bound cannot be
# computed without an annotation. About half a second per image.

set(WARD_STACKBOUND_SCRIPT ${CMAKE_SOURCE_DIR}/scripts/stackbound/stackbound.py)
# The libraries' annotations, for every image that may link them (application images, the
# bootloader, the secure image): Ward's interfaces, Mbed TLS's, lwIP's and the TLS client's calls
# through pointers.
set(WARD_LIB_STACK_ANNOTATIONS ${CMAKE_SOURCE_DIR}/lib/stackbound.conf ${CMAKE_SOURCE_DIR}/lib/crypto/stackbound.conf
    ${CMAKE_SOURCE_DIR}/lib/net/stackbound.conf ${CMAKE_SOURCE_DIR}/lib/tls/stackbound.conf)
option(WARD_STACK_BOUND "Check every declared stack against its computed bound at link time" ON)

# ward_stack_bound(<target> [ANNOTATIONS <files...>] [MAIN_STACK <symbol>] [SECURE] [STACK_LIMIT]
#                  [GUARD <bytes>] [CHECK_MAIN_STACK] [NO_CHECK])
# STACK_LIMIT: the image programs the hardware stack limits (paths that stop the system are then
# reported beside the bound, not checked: an overflow there faults and stops the system anyway).
function(ward_stack_bound target)
  cmake_parse_arguments(ARG "SECURE;STACK_LIMIT;CHECK_MAIN_STACK;NO_CHECK" "MAIN_STACK;GUARD" "ANNOTATIONS" ${ARGN})
  if(WARD_IS_HOST OR NOT WARD_STACK_BOUND)
    return()
  endif()
  set(dir ${CMAKE_CURRENT_BINARY_DIR}/${target}.stackbound)
  # A fresh directory per link: no .ci file of an earlier partitioning is read.
  add_custom_command(TARGET ${target} PRE_LINK
    COMMAND ${CMAKE_COMMAND} -E rm -rf ${dir}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${dir})
  target_link_options(${target} PRIVATE -fcallgraph-info=su -dumpdir ${dir}/)
  set(args)
  foreach(f IN LISTS ARG_ANNOTATIONS)
    get_filename_component(abs ${f} ABSOLUTE)
    list(APPEND args --annotations ${abs})
    set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS ${abs})
  endforeach()
  if(ARG_MAIN_STACK)
    list(APPEND args --main-stack ${ARG_MAIN_STACK})
  endif()
  if(ARG_SECURE)
    list(APPEND args --secure)
  endif()
  if(ARG_STACK_LIMIT)
    list(APPEND args --stack-limit)
  endif()
  if(ARG_GUARD)
    list(APPEND args --guard ${ARG_GUARD})
  endif()
  if(ARG_CHECK_MAIN_STACK)
    list(APPEND args --check-main-stack)
  endif()
  if(CMAKE_CXX_FLAGS MATCHES "-mfloat-abi=hard")
    list(APPEND args --fp)  # threads may carry FP state: the 104-byte exception frame
  endif()
  set(command ${WARD_PYTHON} ${WARD_STACKBOUND_SCRIPT} ${CMAKE_CURRENT_BINARY_DIR}/${target}.elf --ci-dir ${dir}
      --objdump ${CMAKE_OBJDUMP} --name ${target} ${args})
  set(WARD_STACKBOUND_${target}_COMMAND ${command} PARENT_SCOPE)
  if(ARG_NO_CHECK)
    return()
  endif()
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS ${WARD_STACKBOUND_SCRIPT})
  add_custom_command(TARGET ${target} POST_BUILD
    COMMAND ${command} --report ${CMAKE_CURRENT_BINARY_DIR}/${target}.stackbound.txt
    BYPRODUCTS ${CMAKE_CURRENT_BINARY_DIR}/${target}.stackbound.txt
    VERBATIM)
endfunction()
