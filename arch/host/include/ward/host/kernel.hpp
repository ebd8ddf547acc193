// Running Ward's kernel inside a host test.
//
//   TEST(Semaphore, WakesWaiter) {
//     EXPECT_EQ(ward::host::run_kernel([] { ... kernel calls ...; return 0; }), 0);
//   }
//
// run_kernel starts a fresh kernel (idle thread + a main thread running `body`) and returns
// body's result once it returns. Time only moves when every thread is blocked (the idle thread
// jumps to the next deadline) or when a test calls advance_time(); interrupts happen when a test
// calls interrupt(). Runs are therefore deterministic.
#pragma once
#include <cstdint>

#include "ward/kernel/time.hpp"

namespace ward::host {

using Body = int (*)();

// Runs `body` as the main thread of a fresh kernel. If every thread blocks forever, the run ends
// with kDeadlock.
int run_kernel(Body body, std::uint8_t main_priority = 10);
inline constexpr int kDeadlock = -1000;

// Runs `handler(arg)` as an interrupt handler, now, from the calling thread.
void interrupt(void (*handler)(void*), void* arg);

// Lets `d` of time pass while the calling thread keeps running (as if it were busy), firing the
// timer interrupt at every deadline on the way.
void advance_time(Duration d);

}  // namespace ward::host
