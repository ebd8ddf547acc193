// Thread contexts and the context switch (PendSV) for Armv8-M Mainline.
//
// Threads run in thread mode on the process stack (PSP); the kernel and handlers use the main
// stack (MSP). A switch is requested by pending PendSV, the lowest-priority exception, so it
// happens once every other handler has finished and the kernel lock is released. PendSV saves
// PSP, r4-r11, CONTROL and EXC_RETURN into the outgoing thread's Context (kernel memory) with one
// STM and restores them with one LDM, plus s16-s31 when the
// thread has an active FPU context (lazy stacking: s0-s15 are then saved by the hardware, into
// the thread's own frame, with the thread's own privilege).
//
// On the TrustZone build, a thread the switch leaves or resumes inside the secure image is handed to
// secure_switch.cpp, which has the secure side keep its secure frames apart from everyone else's.
//
// With memory protection on, PendSV also loads the incoming thread's MPU region 1 (its stack for
// a user thread, the 32-byte guard at the bottom of a privileged thread's stack) and CONTROL
// (nPRIV), and reprograms the domain's partition regions only when a user thread of another
// domain comes in. FPU registers left by a thread are cleared before a user thread without FPU
// state runs, so no value crosses from one thread to a user thread.
#include <cstddef>
#include <cstdint>

#include "ward/arch/arm/mpu.hpp"
#include "ward/arch/arm/registers.hpp"
#include "ward/arch/port.hpp"
#include "ward/autoconf.h"
#include "ward/config.hpp"
#include "ward/kernel/scheduler.hpp"

namespace ward::arch {

static_assert(offsetof(Context, sp) == 0 && offsetof(Context, r4_r11) == 4);
static_assert(offsetof(Context, control) == 36 && offsetof(Context, exc_return) == 40);
static_assert(offsetof(Context, psplim) == 44 && offsetof(Context, domain) == 48);
static_assert(offsetof(Context, mpu_rbar) == 52 && offsetof(Context, mpu_rlar) == 56);
static_assert(offsetof(Context, s16_s31) == 60 && offsetof(Context, user_base) == 124);
static_assert(offsetof(Context, syscall_frame_span) == 128 && offsetof(Context, kernel_frame) == 132);
static_assert(offsetof(WardSwitchState, domain) == 8 && offsetof(WardSwitchState, fpu_dirty) == 12);

namespace {
// EXC_RETURN for a thread on PSP with a basic (integer-only) frame, in the state Ward runs in:
// secure (ES=1, S=1), or non-secure beside the secure image (ES=0, S=0; DCRS=1: no secure callee
// registers were stacked).
constexpr std::uint32_t kExcReturnThreadPsp = ward::config::trustzone_ns ? 0xFFFFFFBC : 0xFFFFFFFD;
constexpr std::uint32_t kInitialXpsr = 1u << 24;  // Thumb state
constexpr std::uint32_t kControlPrivileged = 2;   // SPSEL: thread mode on PSP
constexpr std::uint32_t kControlUser = 3;         // and nPRIV

struct HardwareFrame {
  std::uint32_t r0, r1, r2, r3, r12, lr, pc, xpsr;
};

constexpr bool kMpu = config::userspace || config::mpu_stack_guard;
constexpr std::uint32_t kGuard = config::mpu_stack_guard ? 32 : 0;

[[noreturn]] void thread_returned() {
  // Thread::run never returns; reaching this means a corrupted stack.
  for (;;) {
    asm volatile("udf #1");
  }
}

HardwareFrame* initial_frame(Context& ctx, std::byte* stack, std::size_t size, void (*entry)(void*), void* arg) {
  auto top = reinterpret_cast<std::uintptr_t>(stack + size) & ~std::uintptr_t{7};
  auto* hw = reinterpret_cast<HardwareFrame*>(top) - 1;
  // Registers a new thread starts with: zero, except what the frame below sets. (Word loops, not
  // assignments of empty aggregates: those would pull memset into every image.)
  for (auto* w = reinterpret_cast<volatile std::uint32_t*>(&ctx); w < reinterpret_cast<std::uint32_t*>(&ctx + 1); ++w) {
    *w = 0;
  }
  for (auto* w = reinterpret_cast<volatile std::uint32_t*>(hw); w < reinterpret_cast<std::uint32_t*>(hw + 1); ++w) {
    *w = 0;
  }
  hw->r0 = reinterpret_cast<std::uintptr_t>(arg);
  hw->pc = reinterpret_cast<std::uintptr_t>(entry) & ~std::uintptr_t{1};
  hw->lr = reinterpret_cast<std::uintptr_t>(&thread_returned);
  hw->xpsr = kInitialXpsr;
  ctx.exc_return = kExcReturnThreadPsp;
  ctx.sp = reinterpret_cast<std::uintptr_t>(hw);
  return hw;
}
}  // namespace

void init_context(Context& ctx, std::byte* stack, std::size_t size, void (*entry)(void*), void* arg) {
  initial_frame(ctx, stack, size, entry, arg);
  const auto base = reinterpret_cast<std::uintptr_t>(stack);
  // The guard is the stack's lowest 32 bytes: read-only, and below the hardware limit.
  ctx.psplim = config::hw_stack_limit ? base + kGuard : 0;
  ctx.control = kControlPrivileged;
  if constexpr (config::mpu_stack_guard) {
    ctx.mpu_rbar = mpu::rbar(base, mpu::kApPrivilegedReadOnly, true);
    ctx.mpu_rlar = mpu::rlar(base + mpu::kGranule, mpu::kAttrNormal);
  } else if constexpr (kMpu) {
    ctx.mpu_rbar = 0;
    ctx.mpu_rlar = 0;  // region 1 disabled
  }
}

void init_user_context(Context& ctx, std::byte* stack, std::size_t size, void (*entry)(void*), void* arg,
                       const void* domain) {
  // [stack, stack + K): the thread's kernel stack, where its system calls run (privileged only: no
  // MPU region covers it for the thread); [stack + K, stack + size): the thread's own, region 1.
  constexpr std::size_t kKernel = kKernelStackReserve;
  const auto base = reinterpret_cast<std::uintptr_t>(stack);
  const auto user_base = base + kKernel;
  auto* hw = initial_frame(ctx, stack + kKernel, size - kKernel, entry, arg);
  hw->lr = reinterpret_cast<std::uintptr_t>(&ward_user_thread_return);
  // The hardware limit guards the kernel stack (the thread's own code cannot reach the kernel stack
  // anyway: an overflow of its own stack is an MPU fault, reported as a stack overflow).
  ctx.psplim = base;
  ctx.control = kControlUser;
  ctx.domain = domain;
  ctx.mpu_rbar = mpu::rbar(user_base, mpu::kApReadWriteAny, true);
  ctx.mpu_rlar = mpu::rlar(base + size, mpu::kAttrNormal);
  ctx.user_base = user_base;
  ctx.syscall_frame_span = size - kKernel - 32;  // its own stack is >= 256 bytes (Isolation::create_user)
  ctx.kernel_frame = user_base - 32;
}

void forget_running_thread() {
  ward_switch_state.current = nullptr;
  // Called from a handler that interrupted the thread (a fault that contains it, an abort): a lazy
  // save of its FPU registers may still be due, into its frame. The thread will never be resumed
  // (its stack may be reused at once), so the save is cancelled rather than left for whoever next
  // touches the FPU, under the dead thread's MPU rights. (Until here the handler has used no FPU
  // register -- the kernel's code uses none -- so nothing has triggered the save yet.)
  arm::scb::FPCCR::write(arm::scb::FPCCR::read() & ~arm::scb::kFpccrLspact);
  if constexpr (kMpu) {
    arm::Reg32<0xE000EDA0>::write(0);  // MPU_RLAR of region 1 (RNR is 1): disabled
  }
}

void start_scheduler() {
  // Every exception's priority, explicitly (reset leaves them all at 0, the highest):
  //   - the faults above everything else the kernel handles, and above SVCall: when the stacking
  //     of an SVC's frame faults, the fault is taken first and contains the thread, and the SVC it
  //     leaves pending is then cancelled (see ward_fault_entry), never run for a thread that is gone;
  //   - SVCall at the kernel's mask level: below the zero-latency interrupts, which it must not
  //     delay (user code, the only caller of svc, never runs with the mask raised);
  //   - PendSV and SysTick at the lowest; no current thread yet, so the first PendSV only restores
  //     ward_switch_state.next.
  auto* const shpr = reinterpret_cast<volatile std::uint32_t*>(0xE000ED18);  // SHPR1, SHPR2, SHPR3
  // cppcheck-suppress badBitmaskCheck ; all three faults at kFaultPriority, whatever its value
  shpr[0] = kFaultPriority | (kFaultPriority << 8) | (kFaultPriority << 16);
  shpr[1] = kSvcPriority << 24;
  shpr[2] = (kLowestPriority << 16) | (kLowestPriority << 24);
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

#if defined(CONFIG_WARD_USERSPACE)
// Zeros loaded into s0-s31 when FPU values must not reach the incoming user thread.
extern "C" [[gnu::used]] const std::uint32_t ward_fpu_zeros[32] = {};
#endif

#define WARD_STR2(x) #x
#define WARD_STR(x) WARD_STR2(x)

extern "C" [[gnu::naked]] void ward_pendsv_handler() {
  asm volatile(
      "ldr r3, =ward_switch_state\n"
      // current (null before the first switch, or when it died) and next. Reading next this early
      // is as good as later: not masked either way, an interrupt that changes `next` after this
      // read also pends PendSV again (see Scheduler::reschedule), so the newer decision wins.
      "ldrd r1, r2, [r3]\n"
#if defined(CONFIG_WARD_TRUSTZONE_NS)
      "tst lr, #0x40\n"            // EXC_RETURN.S: the thread it leaves is inside the secure image
      "bne 20f\n"
      "19:\n"
#endif
      "cbz r1, 1f\n"
      // PSP, r4-r11, CONTROL (its privilege: a user thread changes it itself on the way into and
      // out of a system call) and EXC_RETURN, with one store (Context's first 11 words).
      "mrs r0, psp\n"
      "mrs r12, control\n"
      "stmia r1, {r0, r4-r11, r12, lr}\n"
      "tst lr, #0x10\n"            // EXC_RETURN.FType == 0: the thread has FPU context
      "bne 1f\n"
      "add r0, r1, #60\n"
      "vstmia r0, {s16-s31}\n"
#if defined(CONFIG_WARD_USERSPACE)
      "str r3, [r3, #12]\n"        // fpu_dirty: some thread's values are in the FPU registers
#endif
      "1:\n"
      "str r2, [r3]\n"             // current = next
#if defined(CONFIG_WARD_USERSPACE) || defined(CONFIG_WARD_MPU_STACK_GUARD)
      "ldrd r4, r5, [r2, #52]\n"   // region 1 (RNR stays 1 outside of domain loads)
      "ldr r6, =0xE000ED9C\n"      // MPU_RBAR
      "strd r4, r5, [r6]\n"
#endif
      "ldrd r0, r7, [r2, #44]\n"   // psplim, domain
      "msr psplim, r0\n"           // (PSP is not in use in handler mode: no limit check yet)
#if defined(CONFIG_WARD_USERSPACE)
      "cbz r7, 2f\n"               // privileged: any domain's regions may stay
      "ldr r8, [r3, #8]\n"
      "cmp r7, r8\n"
      "beq 3f\n"
      "mov r4, r2\n"
      "mov r0, r7\n"
      "bl ward_mpu_load_domain\n"  // C++: keeps r4-r11
      "mov r2, r4\n"
      "ldr r3, =ward_switch_state\n"
      "3:\n"
      // A user thread: clear FPU values another thread left, unless it brings its own state.
      "ldr r0, [r3, #12]\n"
      "cbz r0, 2f\n"
      "ldr r0, [r2, #40]\n"        // its EXC_RETURN
      "tst r0, #0x10\n"
      "beq 2f\n"
      "ldr r0, =ward_fpu_zeros\n"
      "vldmia r0, {s0-s31}\n"
      "movs r0, #0\n"
      "vmsr fpscr, r0\n"
      "str r0, [r3, #12]\n"
      "2:\n"
#endif
      "ldmia r2, {r0, r4-r11, r12, lr}\n"  // PSP, r4-r11, CONTROL, EXC_RETURN
      "msr psp, r0\n"
#if defined(CONFIG_WARD_USERSPACE)
      "msr control, r12\n"
#endif
#if defined(CONFIG_WARD_TRUSTZONE_NS)
      "tst lr, #0x40\n"            // the thread it resumes is inside the secure image
      "bne 22f\n"
      "23:\n"
#endif
      "tst lr, #0x10\n"
      "bne 4f\n"
      "add r0, r2, #60\n"
      "vldmia r0, {s16-s31}\n"
      "4:\n"
      "bx lr\n"
#if defined(CONFIG_WARD_TRUSTZONE_NS)
      // The secure side keeps each thread's secure frames apart (secure_switch.cpp).
      "20:\n"
      "push {r4, lr}\n"            // lr: the leaving thread's EXC_RETURN
      "mov r0, r1\n"
      "mrs r1, control\n"          // its privilege
      "bl ward_secure_switch_out\n" // the thread to save, or null if it was stopped
      "pop {r4, lr}\n"
      "ldr r3, =ward_switch_state\n"
      "ldr r2, [r3, #4]\n"         // next, again (the call used r2)
      "mov r1, r0\n"
      "b 19b\n"
      "22:\n"
      "push {r2, lr}\n"
      "mov r0, r2\n"
      "bl ward_secure_switch_in\n"
      "pop {r2, lr}\n"
      "b 23b\n"
#endif
      ".ltorg\n");
}
