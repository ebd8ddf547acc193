# MPS2+ AN505 (Cortex-M33) under QEMU's mps2-an505 machine.
set(WARD_ARCH arm)
set(WARD_QEMU_MACHINE mps2-an505)
set(WARD_LINKER_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/image.ld)
set(WARD_LINKER_DEPENDS ${CMAKE_SOURCE_DIR}/arch/arm/cortex_m.ld)
add_link_options(-L${CMAKE_SOURCE_DIR}/arch/arm)
set(WARD_NS_LINKER_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/image_ns.ld)
