// Fixtures of the build-time stack bound (docs/stack-bounds.md): each image declares one thread
// that the check must refuse (tests/stackbound/CMakeLists.txt says how), or, for `highwater`,
// threads it must accept and whose measured use never exceeds the bound.
#include <cstddef>
#include <cstdint>

#include "ward/kernel.hpp"
#include "ward/print.hpp"
#include "ward/stack_bound.hpp"

namespace {
using namespace ward;

volatile std::uint32_t sink;

// Fills `n` bytes of a frame the compiler cannot drop.
[[gnu::noinline, maybe_unused]] void use_frame(volatile std::uint8_t* p, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    p[i] = static_cast<std::uint8_t>(i);
  }
  sink = p[n - 1];
}

#if defined(STACKBOUND_TOO_SMALL)
// 600 bytes of locals on a 256-byte stack.
[[gnu::noinline]] void deep_worker_frame() {
  volatile std::uint8_t buffer[600];
  use_frame(buffer, sizeof buffer);
}
void worker(void*) { deep_worker_frame(); }
ThreadStack<256> small_worker_stack;
WARD_STACK_BOUND_THREAD(small_worker_stack, worker);
ThreadStack<256>& stack = small_worker_stack;
#elif defined(STACKBOUND_RECURSION)
[[gnu::noinline]] std::uint32_t walk(std::uint32_t n) {
  volatile std::uint8_t frame[32];
  use_frame(frame, sizeof frame);
  return n == 0 ? 0 : 1 + walk(n - 1);  // as deep as the caller says: unbounded for the tool
}
void worker(void*) { sink = walk(sink); }
ThreadStack<1024> recursive_worker_stack;
WARD_STACK_BOUND_THREAD(recursive_worker_stack, worker);
ThreadStack<1024>& stack = recursive_worker_stack;
#elif defined(STACKBOUND_INDIRECT)
[[gnu::noinline]] void small_job() { sink = 1; }
void (*volatile job)() = &small_job;  // any function at all, as far as the tool can tell
void worker(void*) { job(); }
ThreadStack<1024> indirect_worker_stack;
WARD_STACK_BOUND_THREAD(indirect_worker_stack, worker);
ThreadStack<1024>& stack = indirect_worker_stack;
#elif defined(STACKBOUND_MSP_TOO_SMALL)
// An interrupt handler with 1,100 bytes of locals: it runs on the main stack (1,024 B), which the
// check must refuse, naming the handler's chain.
[[gnu::noinline]] void deep_isr_frame() {
  volatile std::uint8_t buffer[1100];
  use_frame(buffer, sizeof buffer);
}
void deep_isr(void*) { deep_isr_frame(); }
WARD_STACK_BOUND_IRQ(deep_isr);
#elif defined(STACKBOUND_HIDDEN_DATA)
// Instructions emitted as data (h/sbholes): `.short 0xb0c0` is `sub sp, #256`, `.short 0xb040`
// `add sp, #256`; objdump shows them as data and the tool reads no instruction there. Data control
// can reach is refused (stackbound.refuses_instructions_as_data); the image is never run.
[[gnu::noinline, gnu::noipa]] void hidden_data_fall(std::uint32_t n) {  // falls into the data past cbz
  asm volatile("cbz %0, 1f\n .short 0xb0c0\n str r0, [sp]\n .short 0xb040\n 1:" ::"r"(n) : "memory");
}
[[gnu::noinline, gnu::noipa]] void hidden_data_branch() {  // data after a branch, but a branch lands in it
  asm volatile("b 1f\n 2: .short 0xb0c0\n .short 0xb040\n b 3f\n 1: b 2b\n 3:" ::: "memory");
}
void hidden(void* arg) {
  if (arg == nullptr) {
    hidden_data_fall(sink);
  } else {
    hidden_data_branch();
  }
}
constexpr int kHidden = 2;
ThreadStack<1024> hidden_stacks[kHidden];
WARD_STACK_BOUND_THREAD(hidden_stacks, hidden);
Thread hidden_threads[kHidden];
#elif defined(STACKBOUND_HIDDEN) || defined(STACKBOUND_HIDDEN_DYNAMIC)
// Stack-pointer moves the disassembly reader once neither counted nor refused (h/sbattack): each
// worker moves its sp 512 bytes down, writes there, and moves back. The link passed with a bound of
// 192 B; the run measured 520-528 B on each stack. `hidden`'s three are now counted (the link's
// bound holds the run's measure: qemu.stackbound.hidden_sp_moves_within_bound); `hidden_dynamic`'s
// two are refused (stackbound.refuses_hidden_dynamic_sp_moves). Each in a function of its own:
// nothing else branches past a label.
#if defined(STACKBOUND_HIDDEN)
[[gnu::noinline, gnu::noipa]] void hidden_subs() {  // subs.w: a flag-setting sub (was: `sub`/`subw` only)
  asm volatile("subs.w sp, sp, #512\n str r0, [sp]\n add.w sp, sp, #512" ::: "memory", "cc");
}
[[gnu::noinline, gnu::noipa]] void hidden_load_writeback() {  // a load with sp written back (was: str/strd)
  // (the store writes 0: a store of the fill pattern's own value would not be measured)
  asm volatile("ldr.w r0, [sp, #-252]!\n ldr.w r0, [sp, #-252]!\n ldr.w r0, [sp, #-16]!\n movs r0, #0\n str r0, [sp]\n"
               " add.w sp, sp, #520" ::: "r0", "memory");
}
[[gnu::noinline, gnu::noipa]] void hidden_label() {  // code under a label no function symbol names, fallen
  // into (was: every instruction objdump heads with it dropped)
  asm volatile("nop\n hidden_moves_label:\n sub.w sp, sp, #512\n str r0, [sp]\n add.w sp, sp, #512" ::: "memory");
}
void hidden(void* arg) {
  switch (reinterpret_cast<std::uintptr_t>(arg)) {
    case 0: hidden_subs(); break;
    case 1: hidden_load_writeback(); break;
    default: hidden_label(); break;
  }
}
constexpr int kHidden = 3;
#else
[[gnu::noinline, gnu::noipa]] void hidden_push_loop() {  // pushes in a loop (was: each decrement once)
  asm volatile("movs r1, #130\n 1: push {r0}\n subs r1, #1\n bne 1b\n add.w sp, sp, #520" ::: "r1", "memory", "cc");
}
[[gnu::noinline, gnu::noipa]] void hidden_psp() {  // PSP written in thread mode moves the thread's own sp
  // (was: `msr msp` only, in lower case where objdump prints MSP)
  asm volatile("mrs r0, psp\n sub.w r0, r0, #512\n msr psp, r0\n isb\n str r0, [sp]\n add.w r0, r0, #512\n"
               " msr psp, r0\n isb" ::: "r0", "memory");
}
void hidden(void* arg) {
  if (arg == nullptr) {
    hidden_push_loop();
  } else {
    hidden_psp();
  }
}
constexpr int kHidden = 2;
#endif
ThreadStack<1024> hidden_stacks[kHidden];
WARD_STACK_BOUND_THREAD(hidden_stacks, hidden);
Thread hidden_threads[kHidden];
#else  // highwater: two workers with frames of known depth, accepted
[[gnu::noinline]] void deep(std::size_t n) {
  volatile std::uint8_t buffer[400];
  use_frame(buffer, n);
}
void worker(void* arg) { deep(static_cast<std::size_t>(reinterpret_cast<std::uintptr_t>(arg))); }
ThreadStack<1024> highwater_stacks[2];
WARD_STACK_BOUND_THREAD(highwater_stacks, worker);
Thread threads[2];
#endif
}  // namespace

int main() {
#if defined(STACKBOUND_MSP_TOO_SMALL)
  return irq::connect(0, &deep_isr, nullptr) ? 0 : 1;
#elif defined(STACKBOUND_HIDDEN) || defined(STACKBOUND_HIDDEN_DYNAMIC) || defined(STACKBOUND_HIDDEN_DATA)
  for (int i = 0; i < kHidden; ++i) {
    if (!hidden_threads[i].start(hidden_stacks[i].span(), &hidden, reinterpret_cast<void*>(i), Priority{5},
                                 "hidden")) {
      return 1;
    }
    (void)hidden_threads[i].join(Timeout::forever());
    print("stack high-water: hidden_stacks[", i, "] ",
          hidden_stacks[i].span().size() - hidden_threads[i].stack_unused(), " B\n");
  }
  return 0;
#elif defined(STACKBOUND_TOO_SMALL) || defined(STACKBOUND_RECURSION) || defined(STACKBOUND_INDIRECT)
  Thread t;
  (void)t.start(stack.span(), &worker, nullptr, Priority{5}, "worker");
  (void)t.join(Timeout::forever());
  return 0;
#else
  const std::uintptr_t depth[2] = {64, 400};
  for (int i = 0; i < 2; ++i) {
    if (!threads[i].start(highwater_stacks[i].span(), &worker, reinterpret_cast<void*>(depth[i]), Priority{5},
                          i == 0 ? "shallow" : "deep")) {
      return 1;
    }
  }
  for (int i = 0; i < 2; ++i) {
    (void)threads[i].join(Timeout::forever());
    // What the QEMU test compares with the bound (highwater.py): bytes ever used.
    print("stack high-water: highwater_stacks[", i, "] ",
          highwater_stacks[i].span().size() - threads[i].stack_unused(), " B\n");
  }
  return 0;
#endif
}
