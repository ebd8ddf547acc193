// Attack test: a thread runs with its stack pointer 40 bytes above its stack base, then a context
// switch is requested. The hardware's 32-byte exception frame would fit, but the context switch
// saves 36 more bytes through a register, which the hardware does not check. PSPLIM must sit high
// enough that the exception entry itself faults (STKOF): the run must end with a stack-overflow
// UsageFault, never silently write below the stack.
#include <cstddef>
#include <cstdint>

#include "ward/kernel.hpp"
#include "ward/print.hpp"

namespace {
struct Stacks {
  ward::ThreadStack<512> below;  // the memory an unchecked save would overwrite
  ward::ThreadStack<512> victim;
} stacks;
ward::Thread victim;

void victim_entry(void*) {
  const auto base = reinterpret_cast<std::uintptr_t>(stacks.victim.bytes);
  asm volatile(
      "mov r4, sp\n"
      "add r0, %0, #40\n"  // 40 bytes above the stack's lowest address
      "mov sp, r0\n"
      "movw r1, #0xED04\n"  // ICSR.PENDSVSET: request a context switch
      "movt r1, #0xE000\n"
      "mov r2, #0x10000000\n"
      "str r2, [r1]\n"
      "dsb\n"
      "isb\n"
      "mov sp, r4\n" ::"r"(base)
      : "r0", "r1", "r2", "r4", "memory");
}
}  // namespace

int main() {
  for (auto& b : stacks.below.bytes) {
    b = std::byte{0x11};
  }
  (void)victim.start(stacks.victim.span(), &victim_entry, nullptr, ward::Priority{20}, "victim");
  (void)victim.join(ward::Timeout::forever());
  int changed = 0;
  for (auto b : stacks.below.bytes) {
    changed += b != std::byte{0x11} ? 1 : 0;
  }
  ward::print("no fault; bytes below the victim's stack overwritten: ", changed, '\n');
  return 0;  // reaching this is the failure: the runner expects the fault's exit status
}
