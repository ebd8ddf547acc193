// High-water marks of every stack a thread was prepared on (CONFIG_WARD_STACK_MARKS: the test
// images, whose runs compare them with the build's bounds, docs/stack-bounds.md).
//
// Thread::prepare fills a stack with a pattern (CONFIG_WARD_STACK_USAGE), so what a run used shows
// as the bytes no longer holding it. A stack is filled again whenever a thread is prepared on it
// (a restart, a reused stack): the use of the run that ends is kept here first, so the mark of a
// stack is the deepest of all its runs, whichever Thread object ran on it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

namespace ward::kernel::stack_marks {

struct Mark {
  std::byte* base = nullptr;
  std::uint32_t size = 0;
  std::uint32_t reserve = 0;      // a user thread's kernel stack at the low end (0: privileged)
  std::uint32_t used = 0;         // deepest use of the ended runs (a user thread: its own part)
  std::uint32_t kernel_used = 0;  // ... of a user thread's kernel stack
};

inline constexpr std::size_t kCapacity = 24;

// The pattern Thread::prepare fills a stack with.
inline constexpr std::byte kFill{0xa5};

// Thread::prepare, before it fills `stack` for a run with a kernel stack of `reserve` bytes.
void refilling(std::span<std::byte> stack, std::size_t reserve);

// Bytes used of [lo, hi): from the first byte above the untouched fill at its low end.
std::uint32_t used(const std::byte* lo, const std::byte* hi);

// The stacks recorded, each with the use of its ended runs (a running thread's stack: measure it
// too, `used`). `complete` is false when more stacks were prepared than there is room for.
std::span<const Mark> all();
bool complete();

}  // namespace ward::kernel::stack_marks
