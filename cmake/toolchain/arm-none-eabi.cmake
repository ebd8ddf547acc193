# Cross toolchain for Cortex-M33 (Armv8-M Mainline with the single-precision FPU), from Debian's
# gcc-arm-none-eabi. Selected by the mps2-an505 preset.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR cortex-m33)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_CXX_COMPILER arm-none-eabi-g++)
set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)
set(CMAKE_OBJCOPY arm-none-eabi-objcopy CACHE FILEPATH "")
set(CMAKE_SIZE arm-none-eabi-size CACHE FILEPATH "")
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(WARD_CPU_FLAGS "-mcpu=cortex-m33 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16")
set(CMAKE_C_FLAGS_INIT "${WARD_CPU_FLAGS}")
set(CMAKE_CXX_FLAGS_INIT "${WARD_CPU_FLAGS}")
set(CMAKE_ASM_FLAGS_INIT "${WARD_CPU_FLAGS}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "${WARD_CPU_FLAGS} --specs=nano.specs -nostartfiles")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
