// The exception-entry attack matrix, on QEMU: every way a user thread enters the kernel, with its
// stack pointer put everywhere an attacker can put it, with and without live FPU state.
//
// The cells are generated, never written one by one:
//   entry      every system call of WARD_SYSCALLS (with valid arguments in the attacker's own
//              partition: how to use each call validly is one ValidUse<> per call, and a call
//              without one does not compile), a fault of each kind (MemManage read, execute-never,
//              BusFault, UsageFault undefined and unaligned, SecureFault, a breakpoint (BKPT: a
//              HardFault), a branch to the non-secure state (BXNS)), and an interrupt
//              arriving while the thread spins (SysTick, and TIMER0's line), whose handler wakes
//              a thread of another domain, so the context switch runs too;
//   placement  where the stack pointer is at the entry (kPlacements): well inside its stack, in
//              its lowest 32/16/8 bytes, 8 and 32 bytes below its limit, misaligned, 8 bytes above
//              its top (an FPU frame's lower part inside the stack, the rest not), in kernel
//              RAM, in another thread's stack, in secure RAM, in peripheral space, in code;
//   FPU        none (CONTROL.FPCA=0, the 32-byte frame); live (the thread's FPU values have been
//              through a switch to another FPU thread and back before the entry: the 104-byte
//              frame); lazy (the values were loaded just before the entry, which is taken with
//              their lazy save pending).
// Every cell ends in one of two ways: the thread is contained (exactly one fault report, naming
// it, of a kind that fits the cell: expectation()), or the entry works and the thread goes on
// (its call's result, the call's effect on the kernel object, its FPU registers after the entry
// and after a later switch to another FPU thread).
// After every cell the supervisor (this file's main thread, privileged) goes on and computes with
// the FPU itself, and two user threads of another domain must be unharmed: the witness, which
// never blocks, so it holds FPU values across every switch of the matrix and checks them and a
// computation each round, and must keep going; and the interrupter, which interrupts wake and
// which uses the FPU at once. The memory under a stack pointer aimed at kernel RAM, another
// stack or code must be unchanged. Each entry kind ends with a PSA call (SHA-256 on the
// TrustZone build) that the secure image must answer, and so does the run.
//
// One line is printed before each cell runs and one with its outcome, so a cell that stops the
// system is named by the last "started" line. Firmware arguments (semihosting command line,
// `ward-qemu-run --arg=...`) select cells for debugging:
//   --cell=N       only cell N          --from=N          cells N and later (resuming a run)
//   --entry=NAME   entries whose name contains NAME (e.g. sem_give, fault., irq.)
//   --placement=NAME, --fpu=NAME       the same for the other two dimensions
// tests/attacks/entry_matrix.py (`./ward entry-matrix`) runs the matrix and, when a cell stops the
// system, boots again from the next cell, so one run lists every failing cell.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>

#include "psa/crypto.h"
#include "ward/arch/arm/semihosting.hpp"
#include "ward/board.hpp"
#include "ward/arch/port.hpp"
#include "ward/config.hpp"
#include "ward/isolation.hpp"
#include "ward/kernel.hpp"
#include "ward/kernel/irq.hpp"
#include "ward/print.hpp"
#include "ward/stack_bound.hpp"
#include "ward/test.hpp"

namespace {
using namespace ward;

// The span of a user thread's stack that its own code may use; its lowest address is the limit
// every placement is measured from. One line to switch when Thread gets a user_stack() (the
// kernel is to keep the lowest bytes of each user stack for itself).
std::span<std::byte> user_stack_of(Thread& t) { return t.user_stack(); }

std::uintptr_t address(const void* p) { return reinterpret_cast<std::uintptr_t>(p); }

// ---- Platform facts ----------------------------------------------------------------------------

constexpr bool kTrustZone = config::trustzone_ns;
// Secure RAM (SSRAM2). On the secure-only build it is the kernel's own RAM (its main stack).
constexpr std::uintptr_t kSecureRam = 0x38000400;
// UART0 through the alias of the state the kernel runs in; the offset is past its registers.
constexpr std::uintptr_t kPeripheral = (kTrustZone ? 0x40200000 : 0x50200000) + 0x800;
// The system control space (CPUID): privileged only, an unprivileged read is a bus error.
constexpr std::uintptr_t kSystemControlSpace = 0xE000ED00;
// CMSDK TIMER0 and its interrupt line on the AN505.
constexpr std::uintptr_t kTimer0 = kTrustZone ? 0x40000000 : 0x50000000;
constexpr unsigned kTimer0Irq = 3;

// ---- Layout shared with the assembly below -----------------------------------------------------

enum class Method : std::uint32_t {
  svc = 0,        // svc #0 with the call number in r12 and its words in r0-r3
  read = 1,       // a load from `target`
  execute = 2,    // a jump to `target`
  undefined = 3,  // an undefined instruction
  unaligned = 4,  // a doubleword load from `target`, which is not word-aligned
  spin = 5,       // spins until an interrupt's handler sets `interrupted`
  breakpoint = 6, // bkpt
  nonsecure = 7,  // bxns to `target` (bit 0 clear: a branch to the non-secure state)
};

enum class Fpu : std::uint32_t { none = 0, live = 1, lazy = 2 };

// What the attacker is told to do and what it writes back, in its own partition.
struct Orders {
  Method method;              // 0
  std::uint32_t call;         // 4: r12 for svc
  std::uint32_t words[4];     // 8: r0-r3
  std::uintptr_t sp;          // 24: the stack pointer at the entry
  std::uintptr_t target;      // 28: the address a fault entry touches
  Fpu fpu;                    // 32
  // With FPU values loaded, the attacker spins (`waiting` = 1 before the entry, for live state;
  // 2 after the entry returned) until an interrupt has switched to the FPU interrupter thread and
  // back (`resumed`, set to `waiting` by the handler).
  volatile std::uint32_t waiting;  // 36
  volatile std::uint32_t resumed;  // 40
  std::uint32_t prelude_result;    // 44: what the attacker's own preparation returned (0: fine)
  // Written by the attacker (and `interrupted` by an interrupt's handler).
  volatile std::uint32_t progress;     // 48: 1 started, 2 placing the stack pointer, 3 back, 4 done
  std::uint32_t result[2];             // 52: r0, r1 after the entry
  std::uint32_t control;               // 60: CONTROL just before the entry (FPCA: bit 2)
  std::uintptr_t fault_pc;             // 64: the instruction that must fault
  std::uint32_t fpscr;                 // 68: after the entry
  std::uint32_t fp[32];                // 72: s0-s31 after the entry
  volatile std::uint32_t interrupted;  // 200
  volatile std::uint32_t placed;       // 204: the spin's stack pointer is placed (2)
  // For the C++ side only.
  void (*prelude)(Orders&);   // run by the attacker before the entry (e.g. lock before unlock)
  void (*postlude)(Orders&);  // and after it, when it returns
  std::uint32_t postlude_result;
};
static_assert(offsetof(Orders, call) == 4 && offsetof(Orders, words) == 8 && offsetof(Orders, sp) == 24);
static_assert(offsetof(Orders, target) == 28 && offsetof(Orders, fpu) == 32 && offsetof(Orders, waiting) == 36);
static_assert(offsetof(Orders, resumed) == 40);
static_assert(offsetof(Orders, progress) == 48 && offsetof(Orders, result) == 52);
static_assert(offsetof(Orders, control) == 60 && offsetof(Orders, fault_pc) == 64);
static_assert(offsetof(Orders, fpscr) == 68 && offsetof(Orders, fp) == 72 && offsetof(Orders, interrupted) == 200);
static_assert(offsetof(Orders, placed) == 204);

// FPU values that must survive: what a thread loads into s0-s31 and FPSCR, and what it finds
// there later. (The witness keeps them while it is preempted, the interrupter only uses them.)
struct FpuRound {
  std::uint32_t pattern[32];   // 0
  std::uint32_t fpscr;         // 128
  std::uint32_t after[32];     // 132
  std::uint32_t fpscr_after;   // 260
  std::uint32_t spin;          // 264: how long to hold them (loop iterations)
  volatile std::uint32_t rounds;
  volatile std::uint32_t errors;
  std::uint32_t first_error;   // 1-32 a register, 33 FPSCR, 34 the computation, 35 a system call
  std::uint32_t bad_value;
};
static_assert(offsetof(FpuRound, fpscr) == 128 && offsetof(FpuRound, after) == 132);
static_assert(offsetof(FpuRound, fpscr_after) == 260 && offsetof(FpuRound, spin) == 264);

// What the attacker loads into s0-s31 and FPSCR (readable flash: the image's constants). The
// FPSCR value sets the rounding mode, flush-to-zero and default NaN, and some flags.
constexpr std::uint32_t kFpscrPattern = 0xA3C00000;
constexpr std::array<std::uint32_t, 33> make_fp_pattern() {
  std::array<std::uint32_t, 33> p{};
  for (std::uint32_t i = 0; i < 32; ++i) {
    p[i] = 0x5A000000u + i * 0x00010203u;
  }
  p[32] = kFpscrPattern;
  return p;
}

}  // namespace

extern "C" [[gnu::used]] const std::array<std::uint32_t, 33> entry_matrix_fp_pattern = make_fp_pattern();

// The attacker's entry, in assembly: nothing may touch the stack once the stack pointer is placed,
// and no compiled code may run between loading the FPU values and the entry. r0: the Orders.
// r4-r11 are kept; r5 holds the orders, r11 the thread's real stack pointer.
extern "C" [[gnu::naked, gnu::used]] void entry_matrix_enter(void*) {
  asm volatile(
      "push {r3-r11, lr}\n"        // an even number: the stack stays 8-byte aligned
      "mov r5, r0\n"
      "ldr r1, [r5, #32]\n"        // fpu
      "cbz r1, 2f\n"               // none: no FPU instruction before the entry
      "ldr r2, =entry_matrix_fp_pattern\n"
      "vldmia r2!, {s0-s31}\n"
      "ldr r3, [r2]\n"
      "vmsr fpscr, r3\n"
      "cmp r1, #1\n"
      "bne 2f\n"                   // lazy: straight to the entry, nothing saved yet
      // live: wait, values loaded, until an interrupt has switched to another FPU thread and
      // back: the values are then saved and given back by the context switch before the entry.
      "movs r7, #1\n"
      "str r7, [r5, #36]\n"
      "1: ldr r7, [r5, #40]\n"
      "cmp r7, #1\n"
      "bne 1b\n"
      "2:\n"
      "mrs r1, control\n"
      "str r1, [r5, #60]\n"
      "ldr r6, [r5, #28]\n"        // target
      "ldr r4, [r5, #0]\n"         // method
      "mov r11, sp\n"
      "movs r8, #2\n"
      "ldr r0, [r5, #8]\n"
      "ldr r1, [r5, #12]\n"
      "ldr r2, [r5, #16]\n"
      "ldr r3, [r5, #20]\n"
      "ldr r12, [r5, #4]\n"
      "cmp r4, #0\n"
      "beq 10f\n"
      "cmp r4, #1\n"
      "beq 11f\n"
      "cmp r4, #2\n"
      "beq 12f\n"
      "cmp r4, #3\n"
      "beq 13f\n"
      "cmp r4, #4\n"
      "beq 14f\n"
      "cmp r4, #6\n"
      "beq 16f\n"
      "cmp r4, #7\n"
      "beq 17f\n"
      "b 15f\n"
      // Each entry: `progress` = 2 through r5, then the stack pointer is loaded (ldr: unlike mov,
      // it is not checked against the stack limit), then the entry itself. In that order, an
      // interrupt (the tick, an FPU switch) that finds the placed stack pointer always sees
      // progress 2: the containment is the placement's, not a thread stopped before its entry.
      "10:\n"
      "str r8, [r5, #48]\n"
      "ldr sp, [r5, #24]\n"
      "svc #0\n"
      "b 30f\n"
      "11:\n"
      "adr r7, 21f\n"
      "str r7, [r5, #64]\n"
      "str r8, [r5, #48]\n"
      "ldr sp, [r5, #24]\n"
      "21: ldr r0, [r6]\n"
      "b 30f\n"
      "12:\n"
      "str r6, [r5, #64]\n"
      "orr r6, r6, #1\n"
      "str r8, [r5, #48]\n"
      "ldr sp, [r5, #24]\n"
      "blx r6\n"
      "b 30f\n"
      "13:\n"
      "adr r7, 23f\n"
      "str r7, [r5, #64]\n"
      "str r8, [r5, #48]\n"
      "ldr sp, [r5, #24]\n"
      "23: udf #0\n"
      "b 30f\n"
      "14:\n"
      "adr r7, 24f\n"
      "str r7, [r5, #64]\n"
      "str r8, [r5, #48]\n"
      "ldr sp, [r5, #24]\n"
      "24: ldrd r0, r1, [r6]\n"
      "b 30f\n"
      "16:\n"
      "adr r7, 26f\n"
      "str r7, [r5, #64]\n"
      "str r8, [r5, #48]\n"
      "ldr sp, [r5, #24]\n"
      "26: bkpt #0\n"
      "b 30f\n"
      "17:\n"
      "adr r7, 27f\n"
      "str r7, [r5, #64]\n"
      "str r8, [r5, #48]\n"
      "ldr sp, [r5, #24]\n"
      "27: .inst.n 0x4734\n"      // bxns r6 (the assembler takes it only with -mcmse)
      "b 30f\n"
      "15:\n"
      "str r8, [r5, #48]\n"
      "ldr sp, [r5, #24]\n"
      "str r8, [r5, #204]\n"     // placed: now an interrupt source may end the spin
      "25: ldr r7, [r5, #200]\n"
      "cmp r7, #0\n"
      "beq 25b\n"
      "30:\n"
      "mov sp, r11\n"
      "movs r8, #3\n"
      "str r8, [r5, #48]\n"
      "str r0, [r5, #52]\n"
      "str r1, [r5, #56]\n"
      // With FPU values: another FPU thread runs before they are read back, so values that are
      // no longer part of the thread's context after the entry are lost, not just kept by luck.
      "ldr r1, [r5, #32]\n"
      "cbz r1, 3f\n"
      "movs r7, #2\n"
      "str r7, [r5, #36]\n"
      "4: ldr r7, [r5, #40]\n"
      "cmp r7, #2\n"
      "bne 4b\n"
      "3:\n"
      "add r2, r5, #72\n"
      "vstmia r2, {s0-s31}\n"
      "vmrs r3, fpscr\n"
      "str r3, [r5, #68]\n"
      "pop {r3-r11, pc}\n"
      ".ltorg\n");
}

// Loads a round's FPU values, holds them for `spin` loop iterations (preempted meanwhile, as it
// may be), and stores what the registers hold then. r0: the FpuRound. Touches no stack in between.
extern "C" [[gnu::naked, gnu::used]] void entry_matrix_fpu_hold(void*) {
  asm volatile(
      "vldmia r0, {s0-s31}\n"
      "ldr r2, [r0, #128]\n"
      "vmsr fpscr, r2\n"
      "ldr r1, [r0, #264]\n"
      "1: subs r1, r1, #1\n"
      "bhi 1b\n"
      "add r1, r0, #132\n"
      "vstmia r1, {s0-s31}\n"
      "vmrs r2, fpscr\n"
      "str r2, [r0, #260]\n"
      "bx lr\n");
}

// A plain system call for the attacker's own preparations, with the stack 8-byte aligned at the
// trap (compiled code may trap with it 4-byte aligned: see kRealignedCallsMustWork). r0, r1: the
// first two words; r2: the call number. Returns r0.
extern "C" [[gnu::naked, gnu::used]] std::uint32_t entry_matrix_call(std::uint32_t, std::uint32_t, std::uint32_t) {
  asm volatile(
      "push {r4, lr}\n"
      "mov r12, r2\n"
      "svc #0\n"
      "pop {r4, pc}\n");
}

// Code that never runs: a stack pointer aimed here must not write into it.
extern "C" [[gnu::naked, gnu::used, gnu::noinline]] void entry_matrix_code_target() {
  asm volatile(".rept 96\n nop\n .endr\n bx lr\n");
}

namespace {

// ---- The system ------------------------------------------------------------------------------

struct AttackerMemory {
  Orders orders;
  alignas(8) std::uint32_t buffer[8];  // system-call buffers
  SecureCallMessage message;           // psa_call's message
  char text[40];                       // console_write's text
  std::uint32_t code[4];               // "code" in a data partition: never executable
};
// The other domain: the witness's and the interrupter's memory.
struct OtherMemory {
  FpuRound witness;
  FpuRound interrupter;
};
PartitionMemory<((sizeof(AttackerMemory) + 31) / 32) * 32> attacker_memory;
PartitionMemory<((sizeof(OtherMemory) + 31) / 32) * 32> other_memory;

AttackerMemory& mine() { return *static_cast<AttackerMemory*>(static_cast<void*>(attacker_memory.bytes)); }
Orders& orders() { return mine().orders; }
OtherMemory& others() { return *static_cast<OtherMemory*>(static_cast<void*>(other_memory.bytes)); }

constexpr Domain<1> attacker_domain{Partition::of(attacker_memory, Access::read_write)};
constexpr Domain<1> other_domain{Partition::of(other_memory, Access::read_write)};

// Priorities: the supervisor first (its timeouts always run), then the interrupter (it preempts
// the attacker whenever an interrupt wakes it), the attacker, and last the witness, which never
// blocks: it runs whenever the others wait, and every switch to and from it carries its FPU values.
constexpr Priority kSupervisorPriority{28};
constexpr Priority kInterrupterPriority{24};
constexpr Priority kAttackerPriority{12};
constexpr Priority kWitnessPriority{4};

ThreadStack<2048> attacker_stack;
// Not bounded: every cell enters with the stack pointer placed off this stack or at its edges on
// purpose (entry_matrix_enter), which the checks must refuse (docs/stack-bounds.md).
WARD_STACK_BOUND_UNCHECKED(attacker_stack);
Thread attacker;
ThreadStack<1024> witness_stack;
Thread witness;
ThreadStack<1024> interrupter_stack;
Thread interrupter;

// Kernel objects the attacker's calls use (granted to it), and the interrupter's wake-up.
Semaphore sem{0, 10};
Mutex mutex;
Queue<std::uint32_t, 4> queue;
EventFlags events;
Semaphore interrupter_go{0, 1000};

// Kernel RAM that a stack pointer is aimed at (it must never be written). Placed after .bss,
// above every thread stack, so the stack limit does not catch it first: the MPU must.
[[gnu::section(".noinit.entry_matrix")]] alignas(32) std::uint32_t kernel_target[64];

// ---- The witness and the interrupter (user threads of the other domain) ---------------------------

// Exact in single precision whether or not the compiler fuses the operations: every value is a
// small integer. 3 * (0 + 1 + ... + 255) = 97920.
[[gnu::noinline]] float fpu_sum() {
  volatile float acc = 0.0f;
  for (int i = 0; i < 256; ++i) {
    acc = acc * 1.0f + static_cast<float>(i) * 3.0f;
  }
  return acc;
}
constexpr float kFpuSum = 97920.0f;

void fpu_error(FpuRound& f, std::uint32_t what, std::uint32_t value) {
  if (f.errors == 0) {
    f.first_error = what;
    f.bad_value = value;
  }
  f.errors = f.errors + 1;
}

// One round: values that depend on the round (a stale value from an earlier round is wrong too),
// held, checked; then a computation checked against its exact result.
void fpu_round(FpuRound& f, std::uint32_t round, std::uint32_t seed) {
  for (std::uint32_t i = 0; i < 32; ++i) {
    f.pattern[i] = seed + (round << 8) + i * 0x00020001u;
  }
  f.fpscr = 0x60400000u;  // Z and C, round towards +infinity
  entry_matrix_fpu_hold(&f);
  for (std::uint32_t i = 0; i < 32; ++i) {
    if (f.after[i] != f.pattern[i]) {
      fpu_error(f, i + 1, f.after[i]);
    }
  }
  if (f.fpscr_after != f.fpscr) {
    fpu_error(f, 33, f.fpscr_after);
  }
  asm volatile("vmsr fpscr, %0" ::"r"(0u));  // round to nearest again for the computation
  const float sum = fpu_sum();
  if (sum != kFpuSum) {
    std::uint32_t bits;
    std::memcpy(&bits, &sum, sizeof bits);
    fpu_error(f, 34, bits);
  }
  f.rounds = round;
}

// The witness never blocks and never calls the kernel: it is preempted by everything, so its FPU
// values cross every context switch of the matrix.
void witness_main(void* p) {
  auto& f = *static_cast<FpuRound*>(p);
  f.spin = 2000;
  for (std::uint32_t round = 1;; ++round) {
    fpu_round(f, round, 0x3C000000u);
  }
}

// The interrupter waits for an interrupt's handler, then uses the FPU at once: it preempts the
// attacker (the switch path with the attacker's stack pointer where the cell put it) and is the
// "next FPU instruction" after whatever the entry left behind.
void interrupter_main(void* p) {
  auto& f = *static_cast<FpuRound*>(p);
  f.spin = 10;
  for (std::uint32_t round = 1;; ++round) {
    if (!sys::sem_take(interrupter_go, UserTimeout::forever())) {
      fpu_error(f, 35, 0);
    }
    fpu_round(f, round, 0x3E000000u);
  }
}

// ---- Placements ------------------------------------------------------------------------------------

enum class Where : std::uint8_t {
  inside,      // well inside the stack
  misaligned,  // inside, 4- but not 8-byte aligned
  low,         // in the stack's lowest bytes (above_limit of them left)
  below,       // under the stack's limit
  elsewhere,   // memory that is not the thread's
};

struct Placement {
  const char* name;
  Where where;
  std::uint32_t above_limit;  // for `low`
  std::uintptr_t (*sp)(std::span<std::byte> stack);
  bool unchanged;  // the memory under this stack pointer must stay as it was
};

std::uintptr_t base_of(std::span<std::byte> s) { return address(s.data()); }
std::uintptr_t top_of(std::span<std::byte> s) { return address(s.data() + s.size()); }
std::uintptr_t middle_of(std::span<std::byte> s) { return (base_of(s) + s.size() / 2) & ~std::uintptr_t{7}; }

constexpr Placement kPlacements[] = {
    {"inside", Where::inside, 0, [](std::span<std::byte> s) { return middle_of(s); }, false},
    {"limit+32", Where::low, 32, [](std::span<std::byte> s) { return base_of(s) + 32; }, false},
    {"limit+16", Where::low, 16, [](std::span<std::byte> s) { return base_of(s) + 16; }, false},
    {"limit+8", Where::low, 8, [](std::span<std::byte> s) { return base_of(s) + 8; }, false},
    {"limit-8", Where::below, 0, [](std::span<std::byte> s) { return base_of(s) - 8; }, false},
    {"limit-32", Where::below, 0, [](std::span<std::byte> s) { return base_of(s) - 32; }, false},
    {"misaligned", Where::misaligned, 0, [](std::span<std::byte> s) { return middle_of(s) + 4; }, false},
    // A basic frame straddles the top; an FPU frame's lower 32 bytes (what the entry writes when
    // the FPU part is left to the lazy save) lie inside, its FPU part above.
    {"top+8", Where::elsewhere, 0, [](std::span<std::byte> s) { return top_of(s) + 8; }, false},
    {"kernel-ram", Where::elsewhere, 0, [](std::span<std::byte>) { return address(&kernel_target[48]); }, true},
    {"other-stack", Where::elsewhere, 0, [](std::span<std::byte>) { return address(interrupter_stack.bytes) + 256; },
     true},
    {"secure-ram", Where::elsewhere, 0, [](std::span<std::byte>) { return kSecureRam; }, false},
    {"peripheral", Where::elsewhere, 0, [](std::span<std::byte>) { return kPeripheral; }, false},
    {"code", Where::elsewhere, 0,
     [](std::span<std::byte>) { return (address(reinterpret_cast<const void*>(&entry_matrix_code_target)) & ~std::uintptr_t{7}) + 144; },
     true},
};

constexpr Fpu kFpuStates[] = {Fpu::none, Fpu::live, Fpu::lazy};
const char* name_of(Fpu f) { return f == Fpu::none ? "none" : f == Fpu::live ? "live" : "lazy"; }

// ---- Valid use of every system call ----------------------------------------------------------------

// One valid call: its argument words, what it must return, and what the attacker does around it.
struct Use {
  std::uint32_t words[4] = {};
  std::uint32_t r0 = 0;                // the status word (0: success)
  std::optional<std::uint32_t> r1;     // the value, for calls that return one
  bool returns = true;                 // thread_exit does not
  void (*prelude)(Orders&) = nullptr;  // unprivileged, before the entry
  void (*postlude)(Orders&) = nullptr; // unprivileged, after it returned
};

// Per call: prepare(Use&) sets up the kernel objects (privileged) and the words; check(returned)
// checks the call's effect and puts the objects back; it returns what is wrong, or nullptr. A
// call of WARD_SYSCALLS without its ValidUse does not compile.
template <const auto& Call>
struct ValidUse;

std::uint32_t word(const void* p) { return static_cast<std::uint32_t>(address(p)); }

void drain_sem() {
  while (sem.try_take()) {
  }
}
void drain_queue() {
  while (queue.try_receive()) {
  }
}

template <>
struct ValidUse<sys::yield> {
  static void prepare(Use&) {}
  static const char* check(bool) { return nullptr; }
};
template <>
struct ValidUse<sys::sleep_for> {
  static void prepare(Use& u) { u.words[0] = UserTimeout::after(Duration::us(200)).raw(); }
  static const char* check(bool) { return nullptr; }
};
template <>
struct ValidUse<sys::thread_exit> {
  static void prepare(Use& u) { u.returns = false; }
  static const char* check(bool) { return nullptr; }
};
template <>
struct ValidUse<sys::time_now> {
  static void prepare(Use& u) {
    mine().buffer[0] = mine().buffer[1] = 0;
    u.words[0] = word(mine().buffer);
    u.words[1] = 1;
  }
  static const char* check(bool returned) {
    std::uint64_t t;
    std::memcpy(&t, mine().buffer, sizeof t);
    return returned && (t == 0 || t > now().ticks()) ? "time_now wrote no sensible time" : nullptr;
  }
};
template <>
struct ValidUse<sys::console_write> {
  static constexpr std::string_view kText = "  console_write from the attacker\n";
  static void prepare(Use& u) {
    std::memcpy(mine().text, kText.data(), kText.size());
    u.words[0] = word(mine().text);
    u.words[1] = kText.size();
  }
  static const char* check(bool) { return nullptr; }
};
template <>
struct ValidUse<sys::sem_give> {
  static void prepare(Use& u) {
    drain_sem();
    u.words[0] = word(&sem);
  }
  static const char* check(bool returned) {
    const char* problem = returned && sem.count() != 1 ? "sem_give did not count" : nullptr;
    drain_sem();
    return problem;
  }
};
template <>
struct ValidUse<sys::sem_take> {
  static void prepare(Use& u) {
    drain_sem();
    (void)sem.give();
    u.words[0] = word(&sem);
    u.words[1] = UserTimeout::none().raw();
  }
  static const char* check(bool returned) {
    const char* problem = returned && sem.count() != 0 ? "sem_take did not take" : nullptr;
    drain_sem();
    return problem;
  }
};
// The mutex must be free after the cell: unlocked by the attacker, or released when the kernel
// stopped it.
const char* mutex_free(const char* what) {
  if (!mutex.try_lock()) {
    return what;
  }
  (void)mutex.unlock();
  return nullptr;
}
template <>
struct ValidUse<sys::mutex_lock> {
  static void prepare(Use& u) {
    u.words[0] = word(&mutex);
    u.words[1] = UserTimeout::none().raw();
    u.postlude = [](Orders& o) { o.postlude_result = entry_matrix_call(word(&mutex), 0, sys::mutex_unlock.kId); };
  }
  static const char* check(bool) { return mutex_free("the mutex stayed locked"); }
};
template <>
struct ValidUse<sys::mutex_unlock> {
  static void prepare(Use& u) {
    u.words[0] = word(&mutex);
    u.prelude = [](Orders& o) {
      o.prelude_result = entry_matrix_call(word(&mutex), UserTimeout::none().raw(), sys::mutex_lock.kId);
    };
  }
  static const char* check(bool) { return mutex_free("the mutex stayed locked"); }
};
template <>
struct ValidUse<sys::queue_send> {
  static void prepare(Use& u) {
    drain_queue();
    mine().buffer[0] = 0xC0FFEE;
    u.words[0] = word(&queue.core());
    u.words[1] = word(mine().buffer);
    u.words[2] = sizeof(std::uint32_t);
    u.words[3] = UserTimeout::none().raw();
  }
  static const char* check(bool returned) {
    auto item = queue.try_receive();
    const char* problem = returned && (!item || *item != 0xC0FFEE) ? "queue_send: the item did not arrive" : nullptr;
    drain_queue();
    return problem;
  }
};
template <>
struct ValidUse<sys::queue_receive> {
  static void prepare(Use& u) {
    drain_queue();
    (void)queue.try_send(0xBEEF);
    mine().buffer[0] = 0;
    u.words[0] = word(&queue.core());
    u.words[1] = word(mine().buffer);
    u.words[2] = sizeof(std::uint32_t);
    u.words[3] = UserTimeout::none().raw();
  }
  static const char* check(bool returned) {
    const char* problem = returned && (mine().buffer[0] != 0xBEEF || queue.size() != 0)
                              ? "queue_receive: wrong item"
                              : nullptr;
    drain_queue();
    return problem;
  }
};
template <>
struct ValidUse<sys::event_set> {
  static void prepare(Use& u) {
    (void)events.clear(0xFFFFFFFF);
    u.words[0] = word(&events);
    u.words[1] = 0x10;
  }
  static const char* check(bool returned) {
    const char* problem = returned && events.get() != 0x10 ? "event_set: the flag is not set" : nullptr;
    (void)events.clear(0xFFFFFFFF);
    return problem;
  }
};
template <>
struct ValidUse<sys::event_wait> {
  static void prepare(Use& u) {
    (void)events.clear(0xFFFFFFFF);
    (void)events.set(0x4);
    u.words[0] = word(&events);
    u.words[1] = 0x4;
    u.words[2] = sys::kClearOnExit;
    u.words[3] = UserTimeout::none().raw();
    u.r1 = 0x4;
  }
  static const char* check(bool returned) {
    const char* problem = returned && events.get() != 0 ? "event_wait did not clear on exit" : nullptr;
    (void)events.clear(0xFFFFFFFF);
    return problem;
  }
};
template <>
struct ValidUse<sys::psa_call> {
  // A request for a service the secure image does not have: it crosses the kernel's checks, the
  // gateway and the dispatcher, and comes back refused. (No secure image: not supported.)
  static constexpr std::int32_t kExpected = kTrustZone ? -130 : -134;
  static void prepare(Use& u) {
    mine().message = SecureCallMessage{0x7777, 0, 0, 0, 0, 0};
    u.words[0] = word(&mine().message);
    u.words[1] = 1;
    u.r1 = static_cast<std::uint32_t>(kExpected);
  }
  static const char* check(bool) { return nullptr; }
};

// The socket calls. This image has no network stack: each call crosses the entry's checks and
// reaches the kernel's part (net_open: not_permitted, the attacker has no network grant; net_close
// withdraws it). The socket is a kernel word registered as one, so the kernel's socket layer has
// no record of it (no net_open made it): it answers connection, as for a socket closed under the
// call, before the stack is asked.
std::uint32_t fake_socket;
// r0 carries the failure as the kernel encodes it (ward::base::Result's one word).
constexpr std::uint32_t refused(Error e) { return Status{fail(e)}.raw(); }
constexpr auto kNoSuchSocket = refused(Error::connection);
struct RefusedUse {
  static const char* check(bool) { return nullptr; }
};
template <>
struct ValidUse<sys::net_open> : RefusedUse {
  static void prepare(Use& u) {
    u.words[0] = word(mine().buffer);
    u.words[1] = 1;
    u.words[2] = kSocketStream;
    u.r0 = refused(Error::not_permitted);
  }
};
template <>
struct ValidUse<sys::net_bind> : RefusedUse {
  static void prepare(Use& u) {
    u.words[0] = word(&fake_socket);
    u.words[1] = word(mine().buffer);
    u.words[2] = 1;
    u.r0 = kNoSuchSocket;
  }
};
template <>
struct ValidUse<sys::net_connect> : ValidUse<sys::net_bind> {};
template <>
struct ValidUse<sys::net_listen> : RefusedUse {
  static void prepare(Use& u) {
    u.words[0] = word(&fake_socket);
    u.words[1] = 1;
    u.r0 = kNoSuchSocket;
  }
};
template <>
struct ValidUse<sys::net_accept> : ValidUse<sys::net_bind> {};
template <>
struct ValidUse<sys::net_send> : RefusedUse {
  static void prepare(Use& u) {
    u.words[0] = word(&fake_socket);
    u.words[1] = word(mine().buffer);
    u.words[2] = sizeof mine().buffer;
    u.r0 = kNoSuchSocket;
  }
};
template <>
struct ValidUse<sys::net_recv> : ValidUse<sys::net_send> {};
// net_close works without a stack (it withdraws the socket); the check registers it again.
template <>
struct ValidUse<sys::net_close> {
  static void prepare(Use& u) { u.words[0] = word(&fake_socket); }
  static const char* check(bool returned) {
    const bool gone = !kernel::objects().lookup(word(&fake_socket), ObjectType::socket, attacker.user_id());
    (void)kernel::objects().add(&fake_socket, ObjectType::socket);
    (void)kernel::objects().grant(&fake_socket, attacker.user_id());
    return returned && !gone ? "net_close left the socket a kernel object" : nullptr;
  }
};
template <>
struct ValidUse<sys::net_setopt> : RefusedUse {
  static void prepare(Use& u) {
    u.words[0] = word(&fake_socket);
    u.words[1] = kSocketReceiveTimeout;
    u.words[2] = 1000;
    u.r0 = kNoSuchSocket;
  }
};

// net_sendto and net_recvfrom: one buffer, the peer's address then the payload (a valid family:
// the kernel checks it before it looks the socket up).
template <>
struct ValidUse<sys::net_sendto> : RefusedUse {
  static void prepare(Use& u) {
    SocketAddress to;
    to.family = SocketAddress::kIpv4;
    to.port = 7;
    std::memcpy(mine().buffer, &to, sizeof to);
    u.words[0] = word(&fake_socket);
    u.words[1] = word(mine().buffer);
    u.words[2] = sizeof mine().buffer;
    u.r0 = kNoSuchSocket;
  }
};
template <>
struct ValidUse<sys::net_recvfrom> : ValidUse<sys::net_send> {};
// net_poll on the registered word: the kernel has no socket of the attacker's by that handle, so
// the one entry comes back kPollInvalid, counted (no wait).
template <>
struct ValidUse<sys::net_poll> {
  static void prepare(Use& u) {
    const PollEntry e{word(&fake_socket), kPollIn, 0};
    std::memcpy(mine().buffer, &e, sizeof e);
    u.words[0] = word(mine().buffer);
    u.words[1] = 1;
    u.words[2] = UserTimeout::none().raw();
    u.r1 = 1;
  }
  static const char* check(bool returned) {
    PollEntry e;
    std::memcpy(&e, mine().buffer, sizeof e);
    return returned && e.revents != kPollInvalid ? "net_poll: the entry is not kPollInvalid" : nullptr;
  }
};
// net_resolve: the attacker has no network grant.
template <>
struct ValidUse<sys::net_resolve> : RefusedUse {
  static void prepare(Use& u) {
    std::memcpy(mine().text, "example", 7);
    u.words[0] = word(mine().text);
    u.words[1] = 7;
    u.words[2] = word(mine().buffer);
    u.words[3] = 1;
    u.r0 = refused(Error::not_permitted);
  }
};

// net_tls_hostname on the registered word: a valid name, and the kernel has no socket by that handle.
template <>
struct ValidUse<sys::net_tls_hostname> : RefusedUse {
  static void prepare(Use& u) {
    std::memcpy(mine().text, "example", 7);
    u.words[0] = word(&fake_socket);
    u.words[1] = word(mine().text);
    u.words[2] = 7;
    u.r0 = kNoSuchSocket;
  }
};

// ---- Entries ---------------------------------------------------------------------------------------

enum class Source : std::uint8_t { none, systick, timer0 };

struct EntryKind {
  const char* name;
  Method method;
  std::uint32_t call;                 // svc
  void (*prepare)(Use&);              // svc
  const char* (*check)(bool returned);  // svc
  FaultKind fault;                    // a fault entry: the kind its report must have
  std::uintptr_t (*target)();         // a fault entry: what it touches
  Source source;                      // an interrupt entry: what interrupts it
  // A fault entry whose report can name the faulting instruction (a frame of it was stacked where
  // the kernel reads it). BXNS on the secure-only build stacks its frame in the non-secure state.
  bool names_pc = true;
  bool is_call() const { return method == Method::svc; }
  bool is_interrupt() const { return method == Method::spin; }
  bool is_fault() const { return !is_call() && !is_interrupt(); }
};

#define WARD_MATRIX_CALL(number, name, signature, implementation) \
  EntryKind{#name, Method::svc, number, &ValidUse<sys::name>::prepare, &ValidUse<sys::name>::check, FaultKind{}, nullptr, Source::none},

constexpr EntryKind kEntries[] = {
    WARD_SYSCALLS(WARD_MATRIX_CALL)
    {"fault.read", Method::read, 0, nullptr, nullptr, FaultKind::memory_access,
     [] { return address(&kernel_target[8]); }, Source::none},
    {"fault.xn", Method::execute, 0, nullptr, nullptr, FaultKind::memory_access,
     [] { return address(mine().code); }, Source::none},
    {"fault.bus", Method::read, 0, nullptr, nullptr, FaultKind::bus, [] { return kSystemControlSpace; },
     Source::none},
    {"fault.undefined", Method::undefined, 0, nullptr, nullptr, FaultKind::usage, [] { return std::uintptr_t{0}; },
     Source::none},
    {"fault.unaligned", Method::unaligned, 0, nullptr, nullptr, FaultKind::usage,
     [] { return address(mine().buffer) + 2; }, Source::none},
    // Secure RAM: a SecureFault on the TrustZone build; kernel RAM (MemManage) on the other.
    {"fault.secure", Method::read, 0, nullptr, nullptr, kTrustZone ? FaultKind::secure_access : FaultKind::memory_access,
     [] { return kSecureRam + 0x100; }, Source::none},
    {"fault.breakpoint", Method::breakpoint, 0, nullptr, nullptr, FaultKind::breakpoint,
     [] { return std::uintptr_t{0}; }, Source::none},
    // Undefined in the non-secure state (beside the secure image); a SecureFault where the kernel
    // runs secure.
    {"fault.nonsecure", Method::nonsecure, 0, nullptr, nullptr,
     kTrustZone ? FaultKind::usage : FaultKind::security_state, [] { return std::uintptr_t{0}; }, Source::none,
     kTrustZone},
    {"irq.systick", Method::spin, 0, nullptr, nullptr, FaultKind{}, nullptr, Source::systick},
    {"irq.timer0", Method::spin, 0, nullptr, nullptr, FaultKind{}, nullptr, Source::timer0},
};
#undef WARD_MATRIX_CALL

constexpr std::size_t kEntryCount = std::size(kEntries);
constexpr std::size_t kPlacementCount = std::size(kPlacements);
constexpr std::size_t kFpuCount = std::size(kFpuStates);
constexpr std::size_t kCells = kEntryCount * kPlacementCount * kFpuCount;
static_assert(kEntryCount == sys::kCount + 10, "every system call, eight faults, two interrupts");

// ---- What each cell may end in ---------------------------------------------------------------------

using KindSet = std::uint32_t;
constexpr KindSet bit(FaultKind k) { return KindSet{1} << static_cast<unsigned>(k); }

struct Expectation {
  bool may_work;  // the entry may work and the thread go on
  KindSet kinds;  // the report kinds that fit when it is contained (none: it must work)
  bool exact_pc;  // a contained fault's report must name the faulting instruction
};

// A valid call made with the stack pointer 4- but not 8-byte aligned must work. AAPCS promises
// 8-byte alignment only at calls: inside a function GCC keeps 4, and it traps there: with -Os, a
// function whose only work is ward::sys::mutex_unlock(m) compiles to `push {lr}; ...; svc 0`. So
// refusing realigned frames (as the SVC fast path does) kills correct programs. (If the user-side
// call is changed to align the stack itself, a raw misaligned trap may be refused: set false.)
constexpr bool kRealignedCallsMustWork = true;

Expectation expectation(const EntryKind& e, const Placement& p, Fpu fpu) {
  const std::uint32_t frame = fpu == Fpu::none ? 32 : 104;  // the exception frame's size
  const KindSet own = e.is_fault() ? bit(e.fault) : 0;
  // Stacking that fails: the limit (UsageFault STKOF) or the MPU (MemManage MSTKERR) report a
  // stack overflow; the bus or the secure image their own kinds.
  const KindSet stacking = bit(FaultKind::stack_overflow);
  const KindSet elsewhere = stacking | bit(FaultKind::bus) | bit(FaultKind::secure_access);
  // The SVC fast path may refuse a frame it does not like; a refused call is a bad system call.
  const KindSet refused = e.is_call() ? bit(FaultKind::bad_syscall) : 0;
  switch (p.where) {
    case Where::inside:
      return {!e.is_fault(), own, true};
    case Where::misaligned:
      // The hardware realigns the frame (and says so in xPSR bit 9).
      return {!e.is_fault(), own | (kRealignedCallsMustWork ? 0 : refused), true};
    case Where::low:
      if (p.above_limit >= frame) {
        // The frame fits exactly: nothing is left under it for the kernel.
        return {!e.is_fault(), own | refused | (e.is_call() ? stacking : 0), true};
      }
      return {false, own | stacking, false};
    case Where::below:
      return {false, own | stacking, false};
    case Where::elsewhere:
      return {false, own | elsewhere | refused, false};
  }
  return {false, 0, false};
}

// ---- Running cells ---------------------------------------------------------------------------------

struct Selection {
  std::optional<std::size_t> cell;
  std::size_t from = 0;
  std::string_view entry, placement, fpu;
  bool matches(std::size_t index, const EntryKind& e, const Placement& p, Fpu f) const {
    auto contains = [](std::string_view haystack, std::string_view needle) {
      return needle.empty() || haystack.find(needle) != std::string_view::npos;
    };
    return (!cell || *cell == index) && index >= from && contains(e.name, entry) && contains(p.name, placement) &&
           contains(name_of(f), fpu);
  }
};
Selection selection;

struct Tally {
  std::size_t cells = 0, worked = 0, contained = 0, failed = 0;
};
Tally tally;

std::size_t cell_index(std::size_t e, std::size_t p, std::size_t f) {
  return (e * kPlacementCount + p) * kFpuCount + f;
}

// A copy of the memory under a stack pointer aimed where the thread may not write.
struct Snapshot {
  std::uintptr_t from = 0;
  std::array<std::byte, 128> bytes{};
  void take(std::uintptr_t sp) {
    from = sp - bytes.size();
    std::memcpy(bytes.data(), reinterpret_cast<const void*>(from), bytes.size());
  }
  bool same() const { return std::memcmp(bytes.data(), reinterpret_cast<const void*>(from), bytes.size()) == 0; }
};

// ---- Interrupt sources: each marks the spin interrupted once the stack pointer is placed, and
// wakes the interrupter (a switch to an FPU thread on the way out of the interrupt).

void interrupted_while_placed() {
  Orders& o = orders();
  if (o.placed == 2 && o.interrupted == 0) {
    o.interrupted = 1;
    (void)interrupter_go.give();
  }
}

// FPU values: whenever the attacker waits with its values loaded (before the entry, live state;
// after it), switch to the interrupter, and let the attacker go on when it is back.
constexpr auto on_timer_921 = +[](Timer&, void*) {
                   Orders& o = orders();
                   if (o.waiting != o.resumed) {
                     o.resumed = o.waiting;
                     (void)interrupter_go.give();
                   }
                 };
WARD_STACK_BOUND_TIMER(on_timer_921);
Timer fpu_switch{on_timer_921,
                 nullptr};

constexpr auto on_timer_930 = +[](Timer& self, void*) {
             interrupted_while_placed();
             if (orders().interrupted != 0) {
               self.stop();
             }
           };
WARD_STACK_BOUND_TIMER(on_timer_930);
Timer tick{on_timer_930,
           nullptr};

struct CmsdkTimer {
  volatile std::uint32_t ctrl, value, reload, intstatus;
};
CmsdkTimer& timer0() { return *reinterpret_cast<CmsdkTimer*>(kTimer0); }

void timer0_interrupt(void*) {
  timer0().intstatus = 1;  // clear
  interrupted_while_placed();
  if (orders().interrupted != 0) {
    timer0().ctrl = 0;
  }
}
WARD_STACK_BOUND_IRQ(timer0_interrupt);

void start_source(Source s) {
  switch (s) {
    case Source::none: break;
    case Source::systick: (void)tick.start(Duration::us(100), Duration::us(100)); break;
    case Source::timer0:
      timer0().ctrl = 0;
      timer0().reload = 2000;  // 100 us at 20 MHz
      timer0().value = 2000;
      timer0().ctrl = 1 | 8;   // enable, interrupt
      break;
  }
}

void stop_source(Source s) {
  switch (s) {
    case Source::none: break;
    case Source::systick: tick.stop(); break;
    case Source::timer0:
      timer0().ctrl = 0;
      timer0().intstatus = 1;
      break;
  }
}

// ---- The attacker (user mode) ----------------------------------------------------------------------

void attacker_main(void* p) {
  auto& o = *static_cast<Orders*>(p);
  o.progress = 1;
  if (o.prelude != nullptr) {
    o.prelude(o);
  }
  entry_matrix_enter(&o);
  if (o.postlude != nullptr) {
    o.postlude(o);
  }
  o.progress = 4;
}

// ---- The checks after every cell ------------------------------------------------------------------

// A thread of the other domain must be alive and unharmed.
const char* fpu_thread_problem(const Thread& t, const FpuRound& f, const char* killed, const char* wrong) {
  if (t.state() == ThreadState::dead || t.faults() != 0) {
    return killed;
  }
  if (f.errors != 0) {
    // Which value (1-32: s0-s31, 33: FPSCR, 34: the computation, 35: a system call) and what it was.
    print("    ", t.name(), ": ", f.errors, " error(s), first: check ", f.first_error, " value ", fmt::hex(f.bad_value),
          '\n');
    return wrong;
  }
  return nullptr;
}

// The witness and the interrupter are unharmed, and the witness still goes on: two more rounds
// (the second started after the cell) while the supervisor sleeps.
const char* others_problem() {
  if (auto p = fpu_thread_problem(interrupter, others().interrupter, "the interrupter was killed",
                                  "the interrupter saw a wrong value")) {
    return p;
  }
  const std::uint32_t before = others().witness.rounds;
  for (int i = 0; i < 2000 && others().witness.rounds < before + 2; ++i) {
    (void)this_thread::sleep_for(Duration::us(500));
  }
  if (auto p = fpu_thread_problem(witness, others().witness, "the witness was killed", "the witness saw a wrong value")) {
    return p;
  }
  return others().witness.rounds < before + 2 ? "the witness does not run any more" : nullptr;
}

// The secure image answers a PSA call: SHA-256 of "abc". (A template, so that the secure-only
// build, which has no PSA client, never names psa_hash_compute.)
template <bool TrustZone = kTrustZone>
bool secure_image_answers() {
  if constexpr (!TrustZone) {
    // No secure image: the kernel's psa_call says so, and that is all there is to check.
    SecureCallMessage m{0x7777, 0, 0, 0, 0, 0};
    auto r = sys::psa_call(UserSpan<SecureCallMessage>{address(&m), 1});
    return r && *r == static_cast<std::uint32_t>(kernel::kPsaErrorNotSupported);
  } else {
    static constexpr std::uint8_t kAbc[3] = {'a', 'b', 'c'};
    static constexpr std::uint8_t kSha256Abc[32] = {
        0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
        0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    std::uint8_t hash[32] = {};
    std::size_t length = 0;
    if (psa_crypto_init() != PSA_SUCCESS) {  // idempotent
      return false;
    }
    const psa_status_t s = psa_hash_compute(PSA_ALG_SHA_256, kAbc, sizeof kAbc, hash, sizeof hash, &length);
    return s == PSA_SUCCESS && length == sizeof hash && std::memcmp(hash, kSha256Abc, sizeof hash) == 0;
  }
}

// What a cell came to.
struct Observed {
  bool ended = false;                 // the thread ended within its time
  std::optional<FaultReport> report;  // the attacker's one report, when it was contained
  const char* problem = nullptr;      // a report that should not exist
  bool returned = false;              // the entry returned and the thread finished
  bool exited = false;                // it ended through thread_exit
};

// Starts the attacker on its orders and waits for it; collects the fault reports it caused.
Observed run_attacker(const EntryKind& e, Fpu fpu, const Use& use) {
  Observed seen;
  const std::uint32_t faults_before = faults::count();
  start_source(e.source);
  if (fpu != Fpu::none) {
    (void)fpu_switch.start(Duration::us(100), Duration::us(100));
  }
  if (!attacker.start()) {
    seen.problem = "the attacker did not start";
    return seen;
  }
  seen.ended = attacker.join(Timeout::after(Duration::s(2))).has_value();
  fpu_switch.stop();
  stop_source(e.source);
  if (!seen.ended) {
    (void)attacker.abort();
  }
  const std::uint32_t reports = faults::count() - faults_before;
  for (std::uint32_t i = 0; i < reports; ++i) {
    auto r = faults::wait(Timeout::none());
    if (!r) {
      seen.problem = "a fault report was lost";
      break;
    }
    if (r->thread != &attacker) {
      seen.problem = r->thread == &witness       ? "the witness was killed"
                     : r->thread == &interrupter ? "the interrupter was killed"
                                                 : "a fault report names another thread";
    } else if (seen.report) {
      seen.problem = "more than one fault report";
    } else {
      seen.report = *r;
    }
  }
  const Orders& o = orders();
  seen.returned = o.progress == 4;
  seen.exited = !use.returns && o.progress == 2 && !seen.report && seen.ended;
  return seen;
}

// Whether the cell ended as it may; what is wrong, or nullptr.
const char* judge(const EntryKind& e, Fpu fpu, const Use& use, const Expectation& expect, const Observed& seen) {
  const Orders& o = orders();
  if (seen.problem != nullptr) {
    return seen.problem;
  }
  if (o.prelude_result != 0 || o.postlude_result != 0) {
    return "the attacker's own calls around the entry failed";
  }
  if (!seen.ended) {
    return "the thread hung (aborted after 2 s)";
  }
  if (o.progress >= 2 && ((o.control & 4u) != 0) != (fpu != Fpu::none)) {
    return "the thread's FPU state at the entry is not the cell's";
  }
  if (o.progress >= 2 && fpu == Fpu::live && o.resumed == 0) {
    return "the switch before the entry did not happen";
  }
  if (seen.report) {
    const FaultReport& r = *seen.report;
    if (o.progress != 2) {
      return "contained, but not at its entry";
    }
    if ((expect.kinds & bit(r.kind)) == 0) {
      return expect.kinds == 0 ? "contained, but this entry must work" : "contained with a kind that does not fit";
    }
    if (r.thread_name != std::string_view{"attacker"}) {
      return "the report does not name the thread";
    }
    if (r.kind == FaultKind::bad_syscall && r.syscall != static_cast<int>(e.call)) {
      return "the report names another system call";
    }
    if (e.is_fault() && e.names_pc && expect.exact_pc && r.pc != o.fault_pc) {
      return "the report does not name the faulting instruction";
    }
    return nullptr;
  }
  if (!seen.returned && !seen.exited) {
    return "the thread ended without a report";
  }
  if (!expect.may_work) {
    return "the entry worked, but it must be refused";
  }
  if (seen.returned && e.is_call() && (o.result[0] != use.r0 || (use.r1 && o.result[1] != *use.r1))) {
    return "the call returned a wrong result";
  }
  if (seen.returned && e.is_interrupt() && o.interrupted == 0) {
    return "the spin ended without the interrupt";
  }
  if (seen.returned && fpu != Fpu::none && o.resumed != 2) {
    return "the switch after the entry did not happen";
  }
  if (seen.returned && fpu != Fpu::none &&
      (std::memcmp(o.fp, entry_matrix_fp_pattern.data(), sizeof o.fp) != 0 || o.fpscr != kFpscrPattern)) {
    return "the thread's FPU registers changed across the entry and a switch";
  }
  return nullptr;
}

// What a failed cell's thread had after the entry, to see what went wrong.
void print_details(const EntryKind& e, Fpu fpu, const Observed& seen) {
  const Orders& o = orders();
  if (!seen.returned) {
    return;
  }
  if (fpu != Fpu::none) {
    for (std::size_t i = 0; i < 32; ++i) {
      if (o.fp[i] != entry_matrix_fp_pattern[i]) {
        print("    s", static_cast<unsigned>(i), " = ", fmt::hex(o.fp[i]), ", was ", fmt::hex(entry_matrix_fp_pattern[i]),
              '\n');
        break;
      }
    }
    if (o.fpscr != kFpscrPattern) {
      print("    FPSCR = ", fmt::hex(o.fpscr), ", was ", fmt::hex(kFpscrPattern), '\n');
    }
  }
  if (e.is_call()) {
    print("    r0 = ", fmt::hex(o.result[0]), " r1 = ", fmt::hex(o.result[1]), "; CONTROL at the entry ",
          fmt::hex(o.control), '\n');
  }
}

void print_cell(std::size_t index, const EntryKind& e, const Placement& p, Fpu fpu) {
  print("[cell ", static_cast<unsigned>(index), '/', static_cast<unsigned>(kCells), "] ", e.name, " @ ", p.name,
        " fpu=", name_of(fpu), ": ");
}

void run_cell(std::size_t index, const EntryKind& e, const Placement& p, Fpu fpu) {
  print_cell(index, e, p, fpu);
  print("started\n");  // before anything can stop the system: this line names the cell that did
  ++tally.cells;
  Orders& o = orders();
  o = Orders{};
  o.method = e.method;
  o.fpu = fpu;
  Use use;
  if (e.is_call()) {
    e.prepare(use);
    o.call = e.call;
    std::memcpy(o.words, use.words, sizeof o.words);
    o.prelude = use.prelude;
    o.postlude = use.postlude;
  } else if (e.is_fault()) {
    o.target = e.target();
  }
  WARD_ASSERT_TRUE(attacker.create_user(attacker_stack.span(), &attacker_main, &o, kAttackerPriority, "attacker",
                                        attacker_domain));
  o.sp = p.sp(user_stack_of(attacker));
  Snapshot under;
  if (p.unchanged) {
    under.take(o.sp);
  }

  const Observed seen = run_attacker(e, fpu, use);
  const char* problem = judge(e, fpu, use, expectation(e, p, fpu), seen);
  if (e.is_call()) {
    // The call's effect (when it returned), and the kernel objects put back either way.
    const char* effect = e.check(seen.returned);
    problem = problem != nullptr ? problem : effect;
  }
  if (problem == nullptr && p.unchanged && !under.same()) {
    problem = "the memory under the stack pointer was written";
  }
  // The kernel and the supervisor go on; the supervisor's own FPU still works.
  if (problem == nullptr && fpu_sum() != kFpuSum) {
    problem = "the supervisor's FPU computation is wrong";
  }
  if (problem == nullptr) {
    problem = others_problem();
  }

  print_cell(index, e, p, fpu);
  if (seen.report) {
    print("contained (", to_string(seen.report->kind), ")");
    ++tally.contained;
  } else if (seen.returned || seen.exited) {
    print(seen.exited ? "worked (the thread exited)" : "worked");
    ++tally.worked;
  } else {
    print("neither worked nor contained");
  }
  if (problem == nullptr) {
    print('\n');
    return;
  }
  ++tally.failed;
  print(" -- FAIL: ", problem, '\n');
  print_details(e, fpu, seen);
  WARD_EXPECT_TRUE(problem == nullptr);
}

// ---- The matrix as test cases: one per entry kind, then the summary -------------------------------

std::size_t current_entry = 0;
std::size_t selected_cells = 0;  // the cells the selection names: every one of them must run

void run_entry() {
  const EntryKind& e = kEntries[current_entry];
  for (std::size_t p = 0; p < kPlacementCount; ++p) {
    for (std::size_t f = 0; f < kFpuCount; ++f) {
      const std::size_t index = cell_index(current_entry, p, f);
      if (selection.matches(index, e, kPlacements[p], kFpuStates[f])) {
        run_cell(index, e, kPlacements[p], kFpuStates[f]);
      }
    }
  }
  // The secure image still answers after this entry's cells.
  WARD_EXPECT_TRUE(secure_image_answers());
}

bool entry_selected(std::size_t e) {
  for (std::size_t p = 0; p < kPlacementCount; ++p) {
    for (std::size_t f = 0; f < kFpuCount; ++f) {
      if (selection.matches(cell_index(e, p, f), kEntries[e], kPlacements[p], kFpuStates[f])) {
        return true;
      }
    }
  }
  return false;
}


std::optional<std::size_t> number(std::string_view s) {
  if (s.empty()) {
    return std::nullopt;
  }
  std::size_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    n = n * 10 + static_cast<std::size_t>(c - '0');
  }
  return n;
}

bool parse_arguments(std::string_view line) {
  while (!line.empty()) {
    const std::size_t space = line.find(' ');
    const std::string_view arg = line.substr(0, space);
    line = space == std::string_view::npos ? std::string_view{} : line.substr(space + 1);
    auto value = [&](std::string_view key) -> std::optional<std::string_view> {
      if (arg.starts_with(key)) {
        return arg.substr(key.size());
      }
      return std::nullopt;
    };
    if (auto v = value("--cell=")) {
      selection.cell = number(*v);
      if (!selection.cell) return false;
    } else if (auto f = value("--from=")) {
      auto n = number(*f);
      if (!n) return false;
      selection.from = *n;
    } else if (auto en = value("--entry=")) {
      selection.entry = *en;
    } else if (auto pl = value("--placement=")) {
      selection.placement = *pl;
    } else if (auto fp = value("--fpu=")) {
      selection.fpu = *fp;
    } else if (arg.starts_with("--")) {
      print("entry matrix: unknown argument '", arg, "'\n");
      return false;
    }  // anything else: the program's name
  }
  return true;
}

void set_up() {
  // Where things are: a placement under the attacker's stack meets its stack limit first; one
  // above meets the MPU (or the SAU).
  print("  attacker stack ", fmt::hex(address(attacker_stack.bytes)), ", other stack ",
        fmt::hex(address(interrupter_stack.bytes)), ", kernel RAM ", fmt::hex(address(kernel_target)), ", code ",
        fmt::hex(address(reinterpret_cast<const void*>(&entry_matrix_code_target))), ", secure RAM ",
        fmt::hex(kSecureRam), ", peripheral ", fmt::hex(kPeripheral), '\n');
  for (std::size_t i = 0; i < std::size(kernel_target); ++i) {
    kernel_target[i] = 0x6B000000u + static_cast<std::uint32_t>(i);
  }
  mine().code[0] = 0xbf00bf00;  // nop; nop: executable if the partition were
  // The attacker's first creation gives it its user id, which its grants need.
  constexpr auto entry_1338 = +[](void*) {};
  WARD_ASSERT_TRUE(attacker.create_user(attacker_stack.span(), entry_1338, nullptr, kAttackerPriority, "attacker",
                                        attacker_domain));
  WARD_ASSERT_TRUE(attacker.start());
  WARD_ASSERT_TRUE(attacker.join(Timeout::after(Duration::s(1))));
  WARD_ASSERT_TRUE(grant(sem, attacker));
  WARD_ASSERT_TRUE(grant(mutex, attacker));
  WARD_ASSERT_TRUE(grant(queue, attacker));
  WARD_ASSERT_TRUE(grant(events, attacker));
  WARD_ASSERT_TRUE(kernel::objects().add(&fake_socket, ObjectType::socket));
  WARD_ASSERT_TRUE(kernel::objects().grant(&fake_socket, attacker.user_id()));
  // The other domain: the witness (never blocks) and the interrupter (woken by interrupts).
  WARD_STACK_BOUND_USER_THREAD(interrupter_stack, &interrupter_main);
  WARD_ASSERT_TRUE(interrupter.create_user(interrupter_stack.span(), &interrupter_main, &others().interrupter,
                                           kInterrupterPriority, "interrupter", other_domain));
  WARD_ASSERT_TRUE(grant(interrupter_go, interrupter));
  WARD_ASSERT_TRUE(interrupter.start());
  WARD_STACK_BOUND_USER_THREAD(witness_stack, &witness_main);
  WARD_ASSERT_TRUE(witness.create_user(witness_stack.span(), &witness_main, &others().witness, kWitnessPriority,
                                       "witness", other_domain));
  WARD_ASSERT_TRUE(witness.start());
  // The interrupt line of the hardware timer.
  WARD_ASSERT_TRUE(irq::connect(kTimer0Irq, &timer0_interrupt, nullptr));
  WARD_ASSERT_TRUE(irq::enable(kTimer0Irq));
  (void)interrupter_go.give();  // one round, to see it work
  WARD_ASSERT_TRUE(others_problem() == nullptr);
  WARD_ASSERT_EQ(others().interrupter.rounds, 1u);
}

}  // namespace

int main() {
  using namespace ward;
  (void)this_thread::current().set_priority(kSupervisorPriority);
  const bool arguments_ok = parse_arguments(board::command_line());
  test::Summary summary;
  std::size_t selected = 0;
  for (std::size_t e = 0; e < kEntryCount; ++e) {
    selected += entry_selected(e) ? 1 : 0;
    for (std::size_t p = 0; p < kPlacementCount; ++p) {
      for (std::size_t f = 0; f < kFpuCount; ++f) {
        selected_cells += selection.matches(cell_index(e, p, f), kEntries[e], kPlacements[p], kFpuStates[f]) ? 1 : 0;
      }
    }
  }
  test::begin(static_cast<int>(selected) + 2);
  const test::Case setup_case{"EntryMatrix", "SetUp", [] {
                                print("entry matrix: ", static_cast<unsigned>(kCells), " cells = ",
                                      static_cast<unsigned>(kEntryCount), " entries x ",
                                      static_cast<unsigned>(kPlacementCount), " stack-pointer placements x ",
                                      static_cast<unsigned>(kFpuCount), " FPU states\n");
                                set_up();
                              }};
  test::run_case(setup_case, summary);
  if (!arguments_ok) {
    ++summary.failed;  // a mistyped selection must not pass by running nothing
    return test::finish(summary);
  }
  for (std::size_t e = 0; e < kEntryCount; ++e) {
    if (!entry_selected(e)) {
      continue;
    }
    current_entry = e;
    test::run_case(test::Case{"EntryMatrix", kEntries[e].name, &run_entry}, summary);
  }
  const test::Case summary_case{"EntryMatrix", "Summary", [] {
                                  print("entry matrix: ", static_cast<unsigned>(tally.cells), " cells run: ",
                                        static_cast<unsigned>(tally.worked), " worked, ",
                                        static_cast<unsigned>(tally.contained), " contained, ",
                                        static_cast<unsigned>(tally.failed), " failed\n");
                                  WARD_EXPECT_GT(tally.cells, 0u);
                                  WARD_EXPECT_EQ(tally.cells, selected_cells);
                                  WARD_EXPECT_EQ(tally.failed, 0u);
                                  WARD_EXPECT_TRUE(secure_image_answers());
                                  WARD_EXPECT_TRUE(others_problem() == nullptr);
                                }};
  test::run_case(summary_case, summary);
  return test::finish(summary);
}
