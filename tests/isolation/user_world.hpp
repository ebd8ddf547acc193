// A small application, declared statically as a real one would be, for the tests that run user
// threads on the host kernel: one memory domain (a read-write and a read-only partition), user
// threads with their stacks, kernel objects to grant, and kernel memory that is in no domain.
//
// On the host there is no MPU: user code could touch any memory directly, and tests use that to
// set up and inspect buffers. What is under test is the system-call boundary, which behaves as on
// the target: every ward::sys:: call of a user thread goes through the verified entry.
//
// The argument words of a system call are as wide as an address (kernel::SyscallWord), so the
// test executable is an ordinary (PIE) host program.
#pragma once
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>

#include "ward/host/kernel.hpp"
#include "ward/isolation.hpp"
#include "ward/kernel.hpp"

namespace ward::isotest {

// Defined in user_world.cpp. (Not as `inline` variables here: a domain over an inline
// PartitionMemory does not compile under -fsanitize=undefined; see
// layout/accepted/inline_partition_memory_under_ubsan.cpp.)
extern PartitionMemory<256> shared;    // read-write for the user threads
extern PartitionMemory<64> constants;  // read-only for them
extern const DomainView& app;          // {shared: read-write, constants: read}

// A user thread's code runs on its stack, on the host as on the target. Host frames are larger
// than the target's (64-bit, -O0, ASan red zones): the same code needs about three times the
// stack there (the port stops a thread that runs past its stack at its next call).
inline constexpr std::size_t kStackSize = 4096;
using UserStack = ThreadStack<kStackSize>;
extern UserStack stack_a;
extern UserStack stack_b;
extern UserStack stack_p;
extern Thread user_a;
extern Thread user_b;
extern Thread privileged;  // a second privileged thread, besides the test's main thread

// Kernel memory: in no partition and on no user stack.
extern std::byte kernel_data[64];

inline constexpr Priority kAbove{12};  // more urgent than the test's main thread (10)
inline constexpr Priority kBelow{8};
inline constexpr Duration kPatience = Duration::ms(100);  // simulated time; costs no real time

inline std::uintptr_t address(const void* p) { return reinterpret_cast<std::uintptr_t>(p); }

// Memory inside a thread's stack, by offset from its lowest byte: for another thread's stack, or
// for the part of a thread's own stack below its stack pointer (a user thread's own buffers are
// its local variables).
inline std::byte* on_stack(UserStack& s, std::size_t offset = 512) { return s.bytes + offset; }

template <class T>
UserSpan<T> user_span(const void* p, std::size_t count) {
  return UserSpan<T>{address(p), count};
}

// The fault report a stopped call must produce.
struct Expected {
  FaultKind kind;
  std::uint32_t call;
  int argument;
  std::uint8_t detail;
};

// The detail of a range whose end wraps past 2^32: on the target that is `wraps`; on a 64-bit host
// the same two 32-bit words name a range that ends below 2^33 and never wraps, so it is refused
// as memory the caller does not have.
inline std::uint8_t detail_for_wrap() {
  return static_cast<std::uint8_t>(sizeof(std::uintptr_t) == 4 ? UserMemoryError::wraps
                                                               : UserMemoryError::not_accessible);
}

inline void expect_report(const FaultReport& r, const Thread& t, const Expected& e) {
  EXPECT_EQ(r.thread, &t);
  EXPECT_STREQ(r.thread_name, t.name());
  EXPECT_EQ(r.kind, e.kind) << to_string(r.kind);
  EXPECT_EQ(r.syscall, static_cast<std::int16_t>(e.call));
  EXPECT_EQ(r.argument, e.argument);
  EXPECT_EQ(r.detail, e.detail);
}

// Waits (in simulated time) for the next fault report.
inline Result<FaultReport> next_fault(Duration d = kPatience) { return faults::wait(Timeout::after(d)); }

// Reports left in the log by an earlier test in the same process are not this test's.
inline void drain_faults() {
  while (faults::wait(Timeout::none())) {
  }
}

// Ends a test body in order: threads still alive are aborted and objects withdrawn, so the next
// run in this process starts from the same state (the kernel's statics outlive a run).
class Cleanup {
 public:
  template <class... O>
  explicit Cleanup(O&... objects) {
    (add(&detail::kernel_object(objects)), ...);
  }
  Cleanup(const Cleanup&) = delete;
  ~Cleanup() {
    for (Thread* t : {&user_a, &user_b, &privileged}) {
      if (t->state() == ThreadState::ready || t->state() == ThreadState::blocked) {
        (void)t->abort();
      }
    }
    for (std::size_t i = 0; i < count_; ++i) {
      (void)kernel::objects().withdraw(objects_[i]);
    }
  }

 private:
  void add(const void* o) { objects_[count_++] = o; }
  const void* objects_[16] = {};
  std::size_t count_ = 0;
};

// Runs `body` as the main thread of a fresh kernel; fails the test if the run deadlocked.
inline void run(int (*body)()) {
  const int result = host::run_kernel(body);
  EXPECT_NE(result, host::kDeadlock) << "the test deadlocked";
  EXPECT_EQ(result, 0);
}

}  // namespace ward::isotest
