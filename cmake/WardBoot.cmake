# Secure boot and firmware update: shared flags for Ward's standalone libraries, the bootloader's
# crypto library, the host signing tool for the firmware preset, the development key, and signed
# slot images (ward_slot_image). See docs/boot.md.

# Flags for a Ward library that is built once per preset (not per image): Ward's warnings and
# language flags, and on firmware stack canaries whatever an image's Kconfig says (like Mbed TLS).
function(ward_lib_flags target)
  ward_code_flags(${target})
  if(NOT WARD_IS_HOST)
    target_compile_options(${target} PRIVATE -fstack-protector-strong)
  endif()
endfunction()

# ward_boot_crypto: SHA-256 (Mbed TLS) and ECDSA P-256 verification (p256-m, shipped with Mbed TLS
# 3.6) from the pinned source, with the bootloader's verify-only configuration, and Ward's wrapper
# (ward::boot::BootCrypto). Built for the host too, so the swap sweep runs the same crypto.
function(ward_add_boot_crypto)
  set(src ${WARD_MBEDTLS_SOURCE_DIR})
  add_library(ward_boot_crypto STATIC
    ${src}/library/sha256.c ${src}/library/platform_util.c ${src}/3rdparty/p256-m/p256-m/p256-m.c
    ${CMAKE_SOURCE_DIR}/boot/src/boot_crypto.cpp)
  target_include_directories(ward_boot_crypto SYSTEM PRIVATE ${src}/include ${src}/library ${src}/3rdparty/p256-m/p256-m)
  target_include_directories(ward_boot_crypto PRIVATE ${CMAKE_SOURCE_DIR}/boot/config)
  target_include_directories(ward_boot_crypto PUBLIC ${CMAKE_SOURCE_DIR}/boot/include)
  target_compile_definitions(ward_boot_crypto PRIVATE MBEDTLS_CONFIG_FILE="ward_boot_mbedtls_config.h")
  target_link_libraries(ward_boot_crypto PUBLIC ward_image_format)
  # Third-party C: no -Werror; Ward's own wrapper gets the usual flags.
  set_source_files_properties(${src}/library/sha256.c ${src}/library/platform_util.c
    ${src}/3rdparty/p256-m/p256-m/p256-m.c PROPERTIES COMPILE_OPTIONS "-w;-O2")
  target_compile_options(ward_boot_crypto PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:${WARD_WARNING_FLAGS}> ${WARD_LANGUAGE_FLAGS} ${WARD_SANITIZER_FLAGS})
  if(NOT WARD_IS_HOST)
    # Speed over size for the verify path: the bootloader's boot time is dominated by these two.
    target_compile_options(ward_boot_crypto PRIVATE -O2 -ffunction-sections -fdata-sections -fstack-protector-strong)
  endif()
  if(WARD_SANITIZER_FLAGS)
    target_link_options(ward_boot_crypto INTERFACE ${WARD_SANITIZER_FLAGS})
  endif()
endfunction()
