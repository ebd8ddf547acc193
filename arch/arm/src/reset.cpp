// Reset and the vector table for Armv8-M Mainline (Cortex-M33).
//
// The core fetches the initial main stack pointer and the reset handler from the vector table.
// ward_reset_handler runs with no C++ runtime yet: the early initialisation every Ward image
// shares (ward/arch/arm/early_init.hpp: stack limit, faults, FPU, .data and .bss, the stack
// canary, static constructors), then the MPU, then it hands over to the portable kernel.
#include <array>
#include <cstddef>
#include <cstdint>

#include "ward/arch/arm/early_init.hpp"
#include "ward/arch/arm/registers.hpp"
#include "ward/arch/port.hpp"
#include "ward/config.hpp"
#include "ward/kernel/boot.hpp"

extern "C" {
int ward_call_main();  // C shim: calls the application's main().
[[noreturn]] void ward_reset_handler();
void ward_fault_entry();
void ward_default_handler();
void ward_svc_handler() __attribute__((weak, alias("ward_default_handler")));
void ward_pendsv_handler() __attribute__((weak, alias("ward_default_handler")));
void ward_systick_handler() __attribute__((weak, alias("ward_default_handler")));
void ward_irq_handler() __attribute__((weak, alias("ward_default_handler")));
}

namespace {

// The main (handler-mode) stack. It sits first in RAM so that an overflow runs off the start of
// RAM: with MSPLIM armed it faults at once instead of corrupting anything.
alignas(8) [[gnu::section(".main_stack")]] std::byte main_stack[ward::config::isr_stack_size];

using Handler = void (*)();
constexpr std::size_t kSystemVectors = 16;

struct VectorTable {
  void* initial_sp;
  std::array<Handler, kSystemVectors - 1 + ward::config::num_irqs> handlers;
};

constexpr auto make_handlers() {
  decltype(VectorTable::handlers) h{};
  h[0] = ward_reset_handler;     // 1 Reset
  h[1] = ward_fault_entry;       // 2 NMI
  h[2] = ward_fault_entry;       // 3 HardFault
  h[3] = ward_fault_entry;       // 4 MemManage
  h[4] = ward_fault_entry;       // 5 BusFault
  h[5] = ward_fault_entry;       // 6 UsageFault
  h[6] = ward_fault_entry;       // 7 SecureFault
  h[10] = ward_svc_handler;      // 11 SVCall
  h[11] = ward_fault_entry;      // 12 DebugMonitor
  h[13] = ward_pendsv_handler;   // 14 PendSV
  h[14] = ward_systick_handler;  // 15 SysTick
  for (std::size_t i = kSystemVectors - 1; i < h.size(); ++i) {
    h[i] = ward_irq_handler;
  }
  return h;
}

}  // namespace

[[gnu::section(".vectors"), gnu::used]] constinit const VectorTable ward_vector_table{
    main_stack + sizeof main_stack, make_handlers()};

extern "C" void ward_default_handler() { ward_fault_entry(); }

// No stack protector: the canary is chosen during early_init, and this frame never returns.
extern "C" [[noreturn, gnu::no_stack_protector]] void ward_reset_handler() {
  // Boot runs with interrupts masked: nothing may switch away before the scheduler starts
  // (start_scheduler unmasks them).
  ward::arm::early_init({.stack_limit = ward::config::hw_stack_limit ? main_stack : nullptr,
                         .random_canary = ward::config::stack_canary_random});
  // cppcheck-suppress oppositeExpression ; two Kconfig options: cppcheck takes constants of equal value for one expression
  if constexpr (ward::config::userspace && !ward::config::trustzone_ns) {
    // User threads run in the secure state here, where VLSTM is not a privileged instruction:
    // with lazy preservation on, it only arms a lazy save of s0-s15 to any address the thread
    // names, made with its (unprivileged) rights under whatever MPU view holds when the next FPU
    // instruction runs -- after a switch, another thread's: a write into memory of another domain.
    // Without lazy preservation VLSTM stores at once, as the thread, and exception entries stack
    // the FPU registers at once too, into the thread's frame with its rights: no save is ever
    // left pending for someone else's instruction. (Beside the secure image the kernel and its
    // threads run non-secure, where VLSTM is undefined, and keep lazy preservation.)
    ward::arm::scb::FPCCR::write(ward::arm::scb::FPCCR::read() & ~ward::arm::scb::kFpccrLspen);
  }
  ward::arch::mpu_init();  // before any thread: privileged stacks' guards and user domains need it
  ward::kernel::boot(&ward_call_main);
}
