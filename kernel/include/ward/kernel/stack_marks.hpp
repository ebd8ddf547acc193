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

#include "ward/fmt.hpp"

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

// Fills the free part of the main stack (MSP; thread mode, so all of it is free) with the pattern,
// so that its high-water mark shows at the end of the run: the test framework's test::begin, and a
// sample's image built with marks (samples/marks.conf) at the start of its main.
void paint_main_stack();

// Writes every stack's high-water mark to `sink`, for tests/stackbound/highwater.py to compare with
// the build's bounds: "stack high-water: <address> <n> B[, kernel part <k> B]" for each recorded
// stack (the deepest of its ended runs and of what is on it now; a user thread's own part, then its
// kernel stack's), "stack high-water: incomplete (...)" when there was no room for one, and
// "stack high-water: msp <n> B" (since paint_main_stack). The test framework's test::finish, and a
// sample built with marks at the end of its scenario.
void report(fmt::Sink sink);

}  // namespace ward::kernel::stack_marks
