// Thread contexts and the context switch (PendSV) for Armv8-M Mainline.
//
// Threads run in thread mode on the process stack (PSP); the kernel and handlers use the main
// stack (MSP). A switch is requested by pending PendSV, the lowest-priority exception, so it
// happens once every other handler has finished and the kernel lock is released. PendSV saves
// r4-r11 and EXC_RETURN below the frame the hardware pushed, plus s16-s31 when the thread has an
// active FPU context (lazy stacking: s0-s15 are then saved by the hardware on demand).
#include <cstdint>

#include "ward/arch/arm/registers.hpp"
#include "ward/arch/port.hpp"
#include "ward/config.hpp"
#include "ward/kernel/scheduler.hpp"

namespace ward::arch {
namespace {
// EXC_RETURN for a secure thread on PSP with a basic (integer-only) frame.
constexpr std::uint32_t kExcReturnThreadPsp = 0xFFFFFFFD;
constexpr std::uint32_t kInitialXpsr = 1u << 24;  // Thumb state

struct HardwareFrame {
  std::uint32_t r0, r1, r2, r3, r12, lr, pc, xpsr;
};
struct SoftwareFrame {
  std::uint32_t r4, r5, r6, r7, r8, r9, r10, r11, exc_return;
};

// PendSV saves r4-r11, EXC_RETURN and, for a thread with FPU state, s16-s31 below the hardware's
// frame, through a register: the hardware does not check those stores against PSPLIM. The limit
// therefore sits this far above the stack's real base, so that whenever the hardware's own
// (checked) stacking succeeds, the software save still fits inside the stack.
constexpr std::uint32_t kSoftwareSaveMax = (sizeof(SoftwareFrame) + 16 * 4 + 7) & ~7u;

[[noreturn]] void thread_returned() {
  // Thread::run never returns; reaching this means a corrupted stack.
  for (;;) {
    asm volatile("udf #1");
  }
}
}  // namespace

void init_context(Context& ctx, std::byte* stack, std::size_t size, void (*entry)(void*), void* arg) {
  auto top = reinterpret_cast<std::uintptr_t>(stack + size) & ~std::uintptr_t{7};
  auto* hw = reinterpret_cast<HardwareFrame*>(top) - 1;
  auto* sw = reinterpret_cast<SoftwareFrame*>(hw) - 1;
  // Registers a new thread starts with: zero, except what the frames below set.
  for (auto* word = reinterpret_cast<volatile std::uint32_t*>(sw); word < reinterpret_cast<std::uint32_t*>(top); ++word) {
    *word = 0;
  }
  hw->r0 = reinterpret_cast<std::uintptr_t>(arg);
  hw->pc = reinterpret_cast<std::uintptr_t>(entry) & ~std::uintptr_t{1};
  hw->lr = reinterpret_cast<std::uintptr_t>(&thread_returned);
  hw->xpsr = kInitialXpsr;
  sw->exc_return = kExcReturnThreadPsp;
  ctx.sp = reinterpret_cast<std::uintptr_t>(sw);
  ctx.psplim = config::hw_stack_limit ? reinterpret_cast<std::uintptr_t>(stack) + kSoftwareSaveMax : 0;
}

void start_scheduler() {
  // PendSV and SysTick at the lowest priority; no current thread yet, so the first PendSV only
  // restores ward_switch_state.next.
  arm::Reg32<0xE000ED20>::write((kLowestPriority << 16) | (kLowestPriority << 24));  // SHPR3
  request_switch();
  asm volatile(
      // The boot code's frames are no longer needed: give handlers the whole main stack.
      "movw r0, #0xED08\n"  // VTOR: the initial MSP is the vector table's first word
      "movt r0, #0xE000\n"
      "ldr r0, [r0]\n"
      "ldr r0, [r0]\n"
      "msr msp, r0\n"
      "movs r0, #0\n"
      "msr basepri, r0\n"
      "cpsie i\n"
      "isb\n" ::
          : "r0", "memory");
  for (;;) {
  }
}

void exit_current_thread() {
  // The scheduler has already chosen another thread; letting the switch happen never comes back.
  irq_unlock(0);
  for (;;) {
  }
}

}  // namespace ward::arch

extern "C" [[gnu::naked]] void ward_pendsv_handler() {
  asm volatile(
      // movw/movt rather than a literal pool: with LTO the pool could land out of reach.
      "movw r3, #:lower16:ward_switch_state\n"
      "movt r3, #:upper16:ward_switch_state\n"
      "ldr r1, [r3]\n"           // current (null before the first switch)
      "cbz r1, 1f\n"
      "mrs r0, psp\n"
      "tst lr, #0x10\n"          // EXC_RETURN.FType == 0: the thread has FPU context
      "it eq\n"
      "vstmdbeq r0!, {s16-s31}\n"
      "stmdb r0!, {r4-r11, lr}\n"
      "str r0, [r1]\n"           // current->context.sp
      "1:\n"
      // current = next. Not masked: an interrupt that changes `next` after this read also pends
      // PendSV again (see Scheduler::reschedule), so the newer decision wins right after.
      "ldr r1, [r3, #4]\n"
      "str r1, [r3]\n"
      "ldrd r0, r2, [r1]\n"      // next->context.sp, next->context.psplim
      "ldmia r0!, {r4-r11, lr}\n"
      "tst lr, #0x10\n"
      "it eq\n"
      "vldmiaeq r0!, {s16-s31}\n"
      "msr psplim, r2\n"
      "msr psp, r0\n"
      "bx lr\n");
}
