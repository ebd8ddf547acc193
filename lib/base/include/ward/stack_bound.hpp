// Declares which code runs on a stack, for the build-time stack bound (docs/stack-bounds.md).
//
//   ward::ThreadStack<1024> worker_stack;
//   void work(void*);
//   WARD_STACK_BOUND_THREAD(worker_stack, work);
//
// Each declaration (at namespace or block scope) is a small record in the section .ward_stack_bound, which the linker scripts
// keep out of the image's memory (INFO): the build's check (scripts/stackbound) reads the stack's
// size and the entry's address from the ELF, computes the deepest call chain from the entry, and
// fails the build when the stack is smaller than that plus an exception frame. A stack several
// threads take turns on gets one declaration per entry; an array of stacks counts as one stack
// per element. Taking the stack's and the entry's address keeps neither alive nor costs any ROM.
#pragma once
#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace ward::stack_bound {

enum Kind : std::uint32_t {
  privileged_thread = 0,  // runs its entry from ward::Thread::run
  user_thread = 1,        // a user thread's stack: its own part above the kernel stack (reserve)
  direct = 2,             // the entry runs on the stack itself (a reset handler, a secure landing)
  irq_handler = 3,        // no stack: a handler ward::irq::connect may be given (runs on MSP)
  timer_callback = 4,     // no stack: a ward::Timer callback (runs from SysTick, on MSP)
  unchecked = 5,          // a stack whose thread moves its stack pointer on purpose (an attack test)
};

// Five words, as scripts/stackbound/stackbound.py reads them. Entry is the entry's function
// pointer type, whatever it is (a pointer to function is one word on every Ward target).
// The entry is a function or a constant pointer to one: a captureless lambda named where it is
// used (`constexpr auto on_tick = +[](Timer&, void*) {...};`), so that a declaration inside a
// function names the same code the function hands to Thread, Timer or irq::connect.
template <typename Entry>
struct Record {
  const void* stack;
  std::uint32_t element_size;
  std::uint32_t count;
  Entry entry;
  std::uint32_t kind_and_reserve;  // Kind | kernel-stack reserve << 8
};

template <typename T>
constexpr std::uint32_t element_size(const T&) {
  return sizeof(T);
}
template <typename T, std::size_t N>
constexpr std::uint32_t element_size(const T (&)[N]) {
  return sizeof(T);
}
// A plain byte array is one stack, not N of one byte.
template <std::size_t N>
constexpr std::uint32_t element_size(const std::byte (&)[N]) {
  return N;
}
template <typename T>
constexpr std::uint32_t element_count(const T&) {
  return 1;
}
template <typename T, std::size_t N>
constexpr std::uint32_t element_count(const T (&)[N]) {
  return N;
}
template <std::size_t N>
constexpr std::uint32_t element_count(const std::byte (&)[N]) {
  return 1;
}

}  // namespace ward::stack_bound

#define WARD_STACK_BOUND_CAT2_(a, b) a##b
#define WARD_STACK_BOUND_CAT_(a, b) WARD_STACK_BOUND_CAT2_(a, b)
#define WARD_STACK_BOUND_ENTRY_TYPE_(entry) ::ward::stack_bound::Record<::std::decay_t<decltype(entry)>>
#define WARD_STACK_BOUND_RECORD_(stack, entry, kind)                                                          \
  [[gnu::used, gnu::section(".ward_stack_bound")]] static constinit const WARD_STACK_BOUND_ENTRY_TYPE_(entry) \
  WARD_STACK_BOUND_CAT_(ward_stack_bound_record_, __COUNTER__) {                                             \
    &(stack), ::ward::stack_bound::element_size(stack), ::ward::stack_bound::element_count(stack), entry, kind \
  }

// A privileged thread on `stack` (a ThreadStack, or an array of them) starting at `entry`.
#define WARD_STACK_BOUND_THREAD(stack, entry) \
  WARD_STACK_BOUND_RECORD_(stack, entry, ::ward::stack_bound::privileged_thread)
// A user thread on `stack` (a UserThreadStack) starting at `entry`.
#define WARD_STACK_BOUND_USER_THREAD(stack, entry) \
  WARD_STACK_BOUND_RECORD_(stack, entry, ::ward::stack_bound::user_thread | (::ward::arch::kKernelStackReserve << 8))
// Code that runs directly on `stack` from `entry` (any function: a handler, a reset, a landing).
#define WARD_STACK_BOUND_DIRECT(stack, entry) WARD_STACK_BOUND_RECORD_(stack, entry, ::ward::stack_bound::direct)
// A thread stack no bound can hold: its test places the stack pointer off or inside it on purpose
// (an attack the hardware limit or the MPU must stop). Reported, never checked nor compared with
// its measured use; the reason belongs beside the declaration.
#define WARD_STACK_BOUND_UNCHECKED(stack)                                                              \
  [[gnu::used, gnu::section(".ward_stack_bound")]] static constinit const ::ward::stack_bound::Record<void*> \
  WARD_STACK_BOUND_CAT_(ward_stack_bound_record_, __COUNTER__) {                                      \
    &(stack), ::ward::stack_bound::element_size(stack), ::ward::stack_bound::element_count(stack), nullptr, \
        ::ward::stack_bound::unchecked                                                                 \
  }
// A function ward::irq::connect is given (or ward::Timer's callback): the kernel calls it through a
// pointer, from the interrupt entry (or the timer interrupt), on the main stack.
#define WARD_STACK_BOUND_IRQ(handler) WARD_STACK_BOUND_CALLBACK_(handler, ::ward::stack_bound::irq_handler)
#define WARD_STACK_BOUND_TIMER(callback) WARD_STACK_BOUND_CALLBACK_(callback, ::ward::stack_bound::timer_callback)
// A callback's record has no stack (it runs on the main stack): no address, no size.
#define WARD_STACK_BOUND_CALLBACK_(entry, kind)                                                        \
  [[gnu::used, gnu::section(".ward_stack_bound")]] static constinit const WARD_STACK_BOUND_ENTRY_TYPE_(entry) \
  WARD_STACK_BOUND_CAT_(ward_stack_bound_record_, __COUNTER__) {                                             \
    nullptr, 0, 0, entry, kind                                                                               \
  }
