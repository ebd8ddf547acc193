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

# ward_boot_crypto: Ward's SHA-256 and ECDSA P-256 verification (lib/p256, shared with the secure
# image) for the bootloader (ward::boot::BootCrypto), built for the host too, so the swap sweep
# runs the same crypto. Always optimised (-O2, even in the host Debug build): the sweep verifies
# thousands of images.
function(ward_add_boot_crypto)
  add_library(ward_boot_crypto STATIC
    ${CMAKE_SOURCE_DIR}/boot/src/sha256.cpp ${CMAKE_SOURCE_DIR}/boot/src/boot_crypto.cpp)
  target_include_directories(ward_boot_crypto PUBLIC ${CMAKE_SOURCE_DIR}/boot/include)
  target_link_libraries(ward_boot_crypto PUBLIC ward_image_format ward_p256)
  ward_lib_flags(ward_boot_crypto)
  target_compile_options(ward_boot_crypto PRIVATE -O2)
  set_source_files_properties(${CMAKE_SOURCE_DIR}/boot/src/sha256.cpp PROPERTIES COMPILE_OPTIONS "-O3")
endfunction()

# --- Firmware presets: the host signing tool, the signing key, signed slot images --------------

# ward-image built for the build machine (the firmware preset's compiler is a cross compiler).
# Sets WARD_IMAGE_TOOL; the target ward_image_host builds it.
function(ward_add_host_image_tool)
  # A tree built inside another (tests/mgmt's production sub-build) is given the outer tree's tool:
  # the same sources, built once.
  if(WARD_HOST_IMAGE_TOOL)
    add_custom_target(ward_image_host)
    set(WARD_IMAGE_TOOL ${WARD_HOST_IMAGE_TOOL} CACHE INTERNAL "ward-image for the build machine")
    return()
  endif()
  include(ExternalProject)
  set(dir ${CMAKE_BINARY_DIR}/host-tools/ward-image)
  ExternalProject_Add(ward_image_host
    SOURCE_DIR ${CMAKE_SOURCE_DIR}/tools/ward-image
    BINARY_DIR ${dir}
    CMAKE_ARGS -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=c++
    INSTALL_COMMAND ""
    BUILD_ALWAYS ON
    USES_TERMINAL_BUILD OFF
    BUILD_BYPRODUCTS ${dir}/ward-image)
  set(WARD_IMAGE_TOOL ${dir}/ward-image CACHE INTERNAL "ward-image for the build machine")
endfunction()

# One image's signing key from its option `option` (e.g. CONFIG_WARD_BOOT_SIGNING_KEY, whose value
# is in the caller's scope): a PEM file or a pkcs11: URI. Empty selects the development key
# `dev_key`, generated once into <build>/keys by the caller. A production build
# (CONFIG_WARD_PRODUCTION=y) refuses a development key -- empty, the build's own, or a file named
# like one -- and requires an explicit one. `what` names the image in the messages. Sets
# <out>_KEY (file or URI) and <out>_KEY_FILE (empty for a URI) in the caller's scope.
function(ward_boot_choose_key option dev_key what out)
  set(key "${${option}}")
  set(key_file "")
  if(key STREQUAL "")
    if(CONFIG_WARD_PRODUCTION STREQUAL "y")
      message(FATAL_ERROR
        "CONFIG_WARD_PRODUCTION=y needs an explicit image signing key${what}: the development key is "
        "for development only. Set ${option} to the release key (a PEM file or a pkcs11: URI for an "
        "HSM), e.g. in a fragment passed with -DWARD_EXTRA_CONF=...")
    endif()
    set(key ${dev_key})
    set(key_file ${dev_key})
  elseif(NOT key MATCHES "^pkcs11:")
    get_filename_component(key ${key} ABSOLUTE BASE_DIR ${CMAKE_SOURCE_DIR})
    get_filename_component(name ${key} NAME)
    if(CONFIG_WARD_PRODUCTION STREQUAL "y" AND (key STREQUAL dev_key OR name MATCHES "^ward-dev-(ns-)?key\\.pem$"))
      message(FATAL_ERROR "CONFIG_WARD_PRODUCTION=y refuses the development key ${key}${what}")
    endif()
    if(NOT EXISTS ${key})
      message(FATAL_ERROR "${option}: no such key file: ${key}")
    endif()
    set(key_file ${key})
  endif()
  set(${out}_KEY "${key}" PARENT_SCOPE)
  set(${out}_KEY_FILE "${key_file}" PARENT_SCOPE)
endfunction()

# Chooses the signing keys from the bootloader's configuration (in the caller's scope) and produces
# the bootloader's public key includes: image 0's (the secure image, or the one application image
# of the single-image bootloader) from CONFIG_WARD_BOOT_SIGNING_KEY, image 1's (the chain's
# non-secure image, docs/boot.md "One chain of trust") from CONFIG_WARD_BOOT_NS_SIGNING_KEY. Both
# follow ward_boot_choose_key's rules; a pkcs11: URI of either is served by
# CONFIG_WARD_BOOT_PKCS11_MODULE. The two images' keys must differ: a key of one image must never
# verify the other.
function(ward_boot_setup_keys)
  set(keys ${CMAKE_BINARY_DIR}/keys)
  ward_boot_choose_key(CONFIG_WARD_BOOT_SIGNING_KEY ${keys}/ward-dev-key.pem "" image0)
  ward_boot_choose_key(CONFIG_WARD_BOOT_NS_SIGNING_KEY ${keys}/ward-dev-ns-key.pem
                       " for image 1 (the non-secure image)" image1)
  if(image0_KEY STREQUAL image1_KEY)
    message(FATAL_ERROR "CONFIG_WARD_BOOT_NS_SIGNING_KEY: image 1 (the non-secure image) needs its own "
                        "key, not image 0's ${image0_KEY}: a key of one image must never verify the other")
  endif()
  set(module "${CONFIG_WARD_BOOT_PKCS11_MODULE}")
  set(module_args)
  if(NOT module STREQUAL "")
    set(module_args --pkcs11-module ${module})
  endif()
  # The development keys, generated once per build directory when selected (never in the source
  # tree), or copied from the tree WARD_DEV_INPUTS_FROM names (a reproduced build).
  foreach(dev ward-dev-key.pem ward-dev-ns-key.pem)
    if(NOT (image0_KEY STREQUAL ${keys}/${dev} OR image1_KEY STREQUAL ${keys}/${dev}))
      continue()
    endif()
    if(WARD_DEV_INPUTS_FROM STREQUAL "")
      add_custom_command(OUTPUT ${keys}/${dev}
        COMMAND ${CMAKE_COMMAND} -E make_directory ${keys}
        COMMAND ${WARD_IMAGE_TOOL} keygen -k ${keys}/${dev}
        DEPENDS ward_image_host
        COMMENT "Generating the development signing key ${dev} (build directory only)" VERBATIM)
    else()
      add_custom_command(OUTPUT ${keys}/${dev}
        COMMAND ${CMAKE_COMMAND} -E make_directory ${keys}
        COMMAND ${CMAKE_COMMAND} -E copy ${WARD_DEV_INPUTS_FROM}/keys/${dev} ${keys}/${dev}
        DEPENDS ${WARD_DEV_INPUTS_FROM}/keys/${dev}
        COMMENT "Copying the development signing key ${dev} from ${WARD_DEV_INPUTS_FROM}" VERBATIM)
    endif()
  endforeach()
  set(pub ${keys}/boot_pub_key.inc)
  add_custom_command(OUTPUT ${pub}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${keys}
    COMMAND sh ${CMAKE_SOURCE_DIR}/boot/scripts/getpub.sh ${pub} ${WARD_IMAGE_TOOL} ${image0_KEY} ${module_args}
    DEPENDS ${image0_KEY_FILE} ward_image_host ${CMAKE_SOURCE_DIR}/boot/scripts/getpub.sh
    COMMENT "Public key for the bootloader" VERBATIM)
  set(ns_pub ${keys}/boot_ns_pub_key.inc)
  add_custom_command(OUTPUT ${ns_pub}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${keys}
    COMMAND sh ${CMAKE_SOURCE_DIR}/boot/scripts/getpub.sh ${ns_pub}.raw ${WARD_IMAGE_TOOL} ${image1_KEY} ${module_args}
    COMMAND sed s/ecdsa_pub_key/ecdsa_ns_pub_key/g ${ns_pub}.raw > ${ns_pub}
    DEPENDS ${image1_KEY_FILE} ward_image_host ${CMAKE_SOURCE_DIR}/boot/scripts/getpub.sh
    COMMENT "Non-secure image's public key for the bootloader")
  add_custom_target(ward_boot_pub_key DEPENDS ${pub} ${ns_pub})
  set(WARD_BOOT_KEY "${image0_KEY}" CACHE INTERNAL "image signing key (file or PKCS#11 URI)")
  set(WARD_BOOT_KEY_FILE "${image0_KEY_FILE}" CACHE INTERNAL "image signing key file (empty for PKCS#11)")
  set(WARD_BOOT_NS_KEY "${image1_KEY}" CACHE INTERNAL "image 1 (non-secure) signing key (file or PKCS#11 URI)")
  set(WARD_BOOT_NS_KEY_FILE "${image1_KEY_FILE}" CACHE INTERNAL "image 1 signing key file (empty for PKCS#11)")
  set(WARD_BOOT_KEY_ARGS "${module_args}" CACHE INTERNAL "extra signing arguments")
  set(WARD_BOOT_PUB_KEY_DIR ${keys} CACHE INTERNAL "")
endfunction()

# ward_slot_image(<name> SOURCES ... [CONF ...] [LIBRARIES ...] VERSION <x.y.z+b>
#                 [SECURITY_COUNTER <n>])
# An application built to run from the bootloader: linked at the load window (after the header
# space), then signed by ward-image into <name>.signed.bin (MCUboot format, RAM-load) for the
# secondary (or primary) slot.
function(ward_slot_image name)
  cmake_parse_arguments(ARG "" "VERSION;SECURITY_COUNTER" "SOURCES;CONF;LIBRARIES" ${ARGN})
  if(WARD_IS_HOST)
    return()
  endif()
  set(WARD_LINKER_SCRIPT ${WARD_SLOT_LINKER_SCRIPT})
  # Secure-only for now: the bootloader RAM-loads its one application image into secure memory
  # and does not yet boot the secure image first (issue 13, the chain of trust, changes that).
  # SBOM: its signed file's SBOM is made from the image's, wherever the image is (tests/boot/slot_app).
  ward_image(${name} SOURCES ${ARG_SOURCES} CONF ${ARG_CONF} ${WARD_SECURE_ONLY_CONF} LIBRARIES ${ARG_LIBRARIES} SBOM)
  if(NOT ARG_SECURITY_COUNTER)
    set(ARG_SECURITY_COUNTER 0)
  endif()
  set(dir ${CMAKE_CURRENT_BINARY_DIR})
  add_custom_command(OUTPUT ${dir}/${name}.signed.bin ${dir}/${name}.signed.spdx.json ${dir}/${name}.signed.cdx.json
    COMMAND ${WARD_IMAGE_TOOL} sign -k ${WARD_BOOT_KEY} ${WARD_BOOT_KEY_ARGS}
            --version ${ARG_VERSION} --header-size ${WARD_BOOT_HEADER_SIZE} --pad-header
            --slot-size ${WARD_BOOT_SLOT_SIZE} --max-sectors ${WARD_BOOT_SLOT_SECTORS}
            --security-counter ${ARG_SECURITY_COUNTER}
            --align ${WARD_BOOT_WRITE_ALIGN} --load-addr ${WARD_BOOT_LOAD_ADDR}
            ${dir}/${name}.bin ${dir}/${name}.signed.bin
    # The signed file's own SBOMs (docs/supply-chain.md, "Signed update files").
    COMMAND ${WARD_PYTHON} ${WARD_SBOM_SCRIPT} signed --name ${name} --image-spdx ${dir}/${name}.spdx.json
            --image-cdx ${dir}/${name}.cdx.json --signed ${dir}/${name}.signed.bin
            --mcuboot-version ${ARG_VERSION} --security-counter ${ARG_SECURITY_COUNTER}
            --out-spdx ${dir}/${name}.signed.spdx.json --out-cdx ${dir}/${name}.signed.cdx.json
            ${WARD_SBOM_EPOCH_ARGS}
    DEPENDS ${name} ${WARD_BOOT_KEY_FILE} ward_image_host ${WARD_SBOM_SOURCES}
    COMMENT "Signing ${name} (version ${ARG_VERSION}, security counter ${ARG_SECURITY_COUNTER})" VERBATIM)
  add_custom_target(${name}_signed ALL DEPENDS ${dir}/${name}.signed.bin)
  # The key is generated by a custom command in boot/: order it explicitly.
  add_dependencies(${name}_signed ward_boot_pub_key)
endfunction()

# ward_product(<name> NS <target> [SECURE_VERSION <v>] [NS_VERSION <v>] [SECURITY_COUNTER <n>])
# What one device of the two-image chain ships (docs/supply-chain.md, "The device SBOM"), in
# <build>/products/<name>/: the secure image and the non-secure application <target> (a
# ward_image(... CHAIN)) signed as a release signs them (each with its own key, its boot-record
# name and its load address: the windows of docs/boot.md, as tests/boot/chain_e2e.py signs them),
# the SBOMs of each signed file, and the device SBOM <name>.spdx.json / <name>.cdx.json:
# bootloader_chain, then the signed secure image, then the signed application.
function(ward_product name)
  cmake_parse_arguments(ARG "" "NS;SECURE_VERSION;NS_VERSION;SECURITY_COUNTER" "" ${ARGN})
  if(WARD_IS_HOST OR NOT ARG_NS)
    return()
  endif()
  foreach(v SECURE_VERSION NS_VERSION)
    if(NOT ARG_${v})
      set(ARG_${v} 1.0.0+0)
    endif()
  endforeach()
  if(NOT ARG_SECURITY_COUNTER)
    set(ARG_SECURITY_COUNTER 1)
  endif()
  set(out ${CMAKE_BINARY_DIR}/products/${name})
  get_target_property(ns_dir ${ARG_NS} BINARY_DIR)
  set(secure_dir ${CMAKE_BINARY_DIR}/secure/firmware)
  set(boot_dir ${CMAKE_BINARY_DIR}/boot)
  set(sign ${WARD_IMAGE_TOOL} sign ${WARD_BOOT_KEY_ARGS} --header-size ${WARD_BOOT_HEADER_SIZE} --pad-header
           --security-counter ${ARG_SECURITY_COUNTER} --align ${WARD_BOOT_WRITE_ALIGN})
  set(sbom ${WARD_PYTHON} ${WARD_SBOM_SCRIPT})
  set(outputs)
  foreach(image secure ns)
    if(image STREQUAL "secure")
      set(target ward_secure_chain)
      set(dir ${secure_dir})
      set(key ${WARD_BOOT_KEY})
      set(version ${ARG_SECURE_VERSION})
      set(extra --load-addr 0x10008000 --boot-record SPE)
    else()
      set(target ${ARG_NS})
      set(dir ${ns_dir})
      set(key ${WARD_BOOT_NS_KEY})
      set(version ${ARG_NS_VERSION})
      set(extra --load-addr 0x00200000 --boot-record NSPE)
    endif()
    set(signed ${out}/${target}.signed.bin)
    add_custom_command(OUTPUT ${signed} ${out}/${target}.signed.spdx.json ${out}/${target}.signed.cdx.json
      COMMAND ${CMAKE_COMMAND} -E make_directory ${out}
      COMMAND ${sign} -k ${key} --version ${version} ${extra} ${dir}/${target}.bin ${signed}
      COMMAND ${sbom} signed --name ${target} --image-spdx ${dir}/${target}.spdx.json
              --image-cdx ${dir}/${target}.cdx.json --signed ${signed} --mcuboot-version ${version}
              --security-counter ${ARG_SECURITY_COUNTER}
              --out-spdx ${out}/${target}.signed.spdx.json --out-cdx ${out}/${target}.signed.cdx.json
              ${WARD_SBOM_EPOCH_ARGS}
      DEPENDS ${target} ${dir}/${target}.bin ${dir}/${target}.spdx.json ${dir}/${target}.cdx.json
              ward_image_host ward_boot_pub_key ${WARD_SBOM_SOURCES}
      COMMENT "Product ${name}: signing ${target} ${version} and writing its SBOMs" VERBATIM)
    list(APPEND outputs ${signed})
  endforeach()
  add_custom_command(OUTPUT ${out}/${name}.spdx.json ${out}/${name}.cdx.json
    COMMAND ${sbom} device --name ${name} --version ${WARD_GIT_DESCRIBE} --supplier ${WARD_SUPPLIER}
            --image bootloader=${boot_dir}/bootloader_chain
            --image secure=${out}/ward_secure_chain.signed --image non-secure=${out}/${ARG_NS}.signed
            --out-spdx ${out}/${name}.spdx.json --out-cdx ${out}/${name}.cdx.json ${WARD_SBOM_EPOCH_ARGS}
    DEPENDS ${outputs} ${out}/ward_secure_chain.signed.spdx.json ${out}/${ARG_NS}.signed.spdx.json
            bootloader_chain ${boot_dir}/bootloader_chain.spdx.json ${WARD_SBOM_SOURCES}
    COMMENT "Product ${name}: the device SBOM" VERBATIM)
  add_custom_target(product_${name} ALL DEPENDS ${out}/${name}.spdx.json)
endfunction()
