// The early initialisation of every Ward image on Armv8-M (ward/arch/arm/early_init.hpp). Runs
// with no C++ runtime yet: nothing here may rely on initialised data before the copy below.
#include "ward/arch/arm/early_init.hpp"

#include "ward/arch/arm/registers.hpp"
#include "ward/board.hpp"

extern "C" {
// Linker-script symbols (arch/arm/cortex_m.ld, boot/firmware/boot.ld, secure/firmware/secure.ld).
extern std::uint32_t __data_load[], __data_start[], __data_end[], __bss_start[], __bss_end[];
extern void (*__init_array_start[])();
extern void (*__init_array_end[])();

// The guard -fstack-protector-strong compares against, for every image (each image reports a
// smashed stack its own way: __stack_chk_fail). In the application it sits in the one kernel
// region user threads may read (MPU region 2), never write; the compiler reads it from there in
// user code's protected functions too.
[[gnu::used, gnu::section(".ward_user_ro")]] std::uintptr_t __stack_chk_guard = ward::arm::kFixedStackCanary;
}

namespace ward::arm {

static_assert(stack_canary(0x12345678u) == 0x12345600u);
static_assert(stack_canary(0x000000ffu) == kFixedStackCanary);  // nothing left: the fixed one
static_assert((kFixedStackCanary & 0xff) == 0 && kFixedStackCanary != 0);

// No stack protector: the canary changes in this frame.
[[gnu::no_stack_protector, gnu::noinline]] void early_init(const EarlyInit& how) {
  // Nothing may preempt the boot: each image unmasks interrupts itself when it is ready (the
  // kernel's scheduler start, the secure image's entry to the non-secure world).
  asm volatile("cpsid i" ::: "memory");
  if (how.stack_limit != nullptr) {
    asm volatile("msr msplim, %0" ::"r"(how.stack_limit));
  }
  scb::SHCSR::set_bits(scb::kShcsrMemFaultEna | scb::kShcsrBusFaultEna | scb::kShcsrUsgFaultEna |
                       scb::kShcsrSecureFaultEna);
  // Full access to the FPU (CP10, CP11): the compiler may use FPU registers anywhere
  // (-mfloat-abi=hard), e.g. to move data. Lazy state preservation stays at its reset default.
  scb::CPACR::set_bits(0xFu << 20);
  dsb();
  isb();

  for (std::uint32_t *src = __data_load, *dst = __data_start; dst < __data_end;) {
    *dst++ = *src++;
  }
  for (std::uint32_t* dst = __bss_start; dst < __bss_end;) {
    *dst++ = 0;
  }
  // Before any protected function whose frame could outlive the change: only this frame and the
  // reset handler's (both unprotected) are live.
  // Always written: in the application's images the canary's section is not loaded (cortex_m.ld).
  __stack_chk_guard = how.random_canary ? stack_canary(board::entropy32()) : kFixedStackCanary;
  // cppcheck-suppress comparePointers ; the linker script puts both around the one .init_array
  for (auto* ctor = __init_array_start; ctor < __init_array_end; ++ctor) {
    (*ctor)();
  }
}

}  // namespace ward::arm
