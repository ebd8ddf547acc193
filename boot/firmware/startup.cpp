// The bootloader's reset path: a minimal vector table, memory initialisation, a stack guard,
// and a fault handler that reports and stops. No kernel: the bootloader runs to completion on the
// main stack with interrupts masked, then hands over (handover.cpp).
#include <cstddef>
#include <cstdint>

#include "ward/arch/arm/registers.hpp"
#include "ward/arch/arm/semihosting.hpp"
#include "boot_console.hpp"

extern "C" {
extern std::uint32_t __data_load[], __data_start[], __data_end[], __bss_start[], __bss_end[];
[[noreturn]] void ward_boot_reset();
void ward_boot_fault();
[[gnu::used]] std::uintptr_t __stack_chk_guard = 0x3fb1c6d7;  // replaced at reset (see below)
[[noreturn]] void __stack_chk_fail();
}

namespace ward::bootloader {
int main();
}

namespace {

constexpr std::size_t kStackSize = 8 * 1024;
alignas(8) [[gnu::section(".boot_stack")]] std::byte stack[kStackSize];

using Handler = void (*)();
struct VectorTable {
  void* initial_sp;
  Handler handlers[15];
};

}  // namespace

[[gnu::section(".vectors"), gnu::used]] constinit const VectorTable ward_boot_vectors{
    stack + sizeof stack,
    {ward_boot_reset, ward_boot_fault, ward_boot_fault, ward_boot_fault, ward_boot_fault, ward_boot_fault,
     ward_boot_fault, nullptr, nullptr, nullptr, ward_boot_fault, ward_boot_fault, nullptr, ward_boot_fault,
     ward_boot_fault}};

// Any exception in the bootloader is fatal: report it and stop (status 3, a CPU fault, as for
// Ward images). Runs on whatever stack is left: keep it small.
extern "C" void ward_boot_fault() {
  ward::bootloader::say("boot: FAULT (CFSR ", ward::fmt::hex(ward::arm::scb::CFSR::read()), "): halting\n");
  ward::bootloader::stop(3);
}

extern "C" [[noreturn, gnu::used]] void __stack_chk_fail() {
  ward::bootloader::say("boot: stack smashing detected: halting\n");
  ward::bootloader::stop(4);
}

// No stack protector here: the guard is chosen in this frame, which never returns.
extern "C" [[noreturn, gnu::no_stack_protector]] void ward_boot_reset() {
  asm volatile("cpsid i" ::: "memory");
  asm volatile("msr msplim, %0" ::"r"(stack));
  // The compiler may use FPU registers (-mfloat-abi=hard), e.g. to move data: CP10/CP11 on.
  ward::arm::scb::CPACR::set_bits(0xFu << 20);
  ward::arm::dsb();
  ward::arm::isb();
  for (std::uint32_t *src = __data_load, *dst = __data_start; dst < __data_end;) {
    *dst++ = *src++;
  }
  for (std::uint32_t* dst = __bss_start; dst < __bss_end;) {
    *dst++ = 0;
  }
  // Under QEMU the only varying input is the host clock (see the board's entropy32()).
  const std::uint64_t t = ward::arm::semihost::elapsed();
  __stack_chk_guard ^= static_cast<std::uint32_t>(t) * 0x9e3779b9u ^ static_cast<std::uint32_t>(t >> 32);
  ward::bootloader::stop(ward::bootloader::main());
}
