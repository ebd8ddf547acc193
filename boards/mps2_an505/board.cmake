# MPS2+ AN505 (Cortex-M33) under QEMU's mps2-an505 machine.
set(WARD_ARCH arm)
set(WARD_QEMU_MACHINE mps2-an505)
set(WARD_LINKER_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/image.ld)
set(WARD_LINKER_DEPENDS ${CMAKE_SOURCE_DIR}/arch/arm/cortex_m.ld)
add_link_options(-L${CMAKE_SOURCE_DIR}/arch/arm)
set(WARD_NS_LINKER_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/image_ns.ld)
# A non-secure image of the two-image chain (ward_image(... CHAIN)): loaded by the bootloader.
set(WARD_NS_CHAIN_LINKER_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/image_ns_chain.ld)
# The board's entropy32() for the images built without Ward's core (bootloader, secure image): their
# stack canaries come from the same source as applications' (arch/arm/src/early_init.cpp).
set(WARD_BOARD_ENTROPY_SOURCES ${CMAKE_CURRENT_LIST_DIR}/src/entropy.cpp)
# The configuration fragment of images that are secure-only on purpose (every other application
# image runs non-secure beside the secure image: WARD_TRUSTZONE_NS defaults to y). A production
# tree refuses secure-only images (Hardening: y (production)): there they run non-secure too.
ward_production_requested(_ward_production)
if(_ward_production)
  set(WARD_SECURE_ONLY_CONF "")
else()
  set(WARD_SECURE_ONLY_CONF ${CMAKE_CURRENT_LIST_DIR}/secure_only.conf)
endif()
