// System calls from user threads on the host kernel: the calls a well-behaved user thread makes
// work, each bad argument stops the caller with a report that names the call, the argument and
// the reason, the rest of the system carries on, the fault policy decides between stop and
// restart, and privileged callers skip the checks. (syscall_attack_test.cpp attacks every
// argument of every call in the list; this file checks the behaviour around it.)
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "user_world.hpp"

namespace ward::isotest {
namespace {

template <class R>
testing::AssertionResult ok(const R& r) {
  if (r.has_value()) {
    return testing::AssertionSuccess();
  }
  return testing::AssertionFailure() << "failed with error " << static_cast<int>(r.error());
}

template <class R>
testing::AssertionResult failed_with(const R& r, Error e) {
  if (r.has_value()) {
    return testing::AssertionFailure() << "succeeded";
  }
  if (r.error() != e) {
    return testing::AssertionFailure() << "failed with error " << static_cast<int>(r.error());
  }
  return testing::AssertionSuccess();
}

Status create(Thread& t, UserStack& stack, Thread::Entry entry, const char* name, Priority p,
              FaultPolicy policy = FaultPolicy::stop) {
  return t.create_user(stack.span(), entry, nullptr, p, name, app, policy);
}

Semaphore sem{0, 16};
Semaphore sem2{0, 16};
Mutex mutex;
Queue<std::uint32_t, 4> queue;
Queue<std::uint32_t, 4> queue2;
EventFlags flags;
EventFlags flags2;
Semaphore unregistered{0, 16};  // never added to the object table

// What the user threads saw, for the checks after the run (kernel memory: the host has no MPU).
struct Log {
  int runs = 0;
  bool reached_after = false;  // code after a call that must not return
  std::uint32_t value = 0;
  Status status{};
  Status status2{};
  Result<std::uint32_t> result{0u};
};
Log log;

// A test body runs as the kernel's main thread and returns an int, so it cannot use ASSERT_*.
#define REQUIRE(cond)                          \
  do {                                         \
    if (!(cond)) {                             \
      ADD_FAILURE() << "required: " << #cond;  \
      return 1;                                \
    }                                          \
  } while (false)

template <class T, class... A>
void renew(T& object, A... args) {
  std::destroy_at(&object);
  std::construct_at(&object, args...);
}

// Fresh objects: earlier tests in this process may have left a count, an item or a flag.
void renew_objects() {
  renew(sem, 0u, 16u);
  renew(sem2, 0u, 16u);
  renew(unregistered, 0u, 16u);
  renew(mutex);
  renew(queue);
  renew(queue2);
  renew(flags);
  renew(flags2);
}

// Each body starts from fresh objects and an empty fault log, and ends by withdrawing its objects
// and stopping leftover threads.
#define WARD_BODY_START()                                          \
  renew_objects();                                                 \
  Cleanup cleanup{sem, sem2, mutex, queue, queue2, flags, flags2}; \
  drain_faults();                                                  \
  log = Log{}

std::uint32_t read_u32(const void* p) {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// ---- Calls that must work ---------------------------------------------------------------------

TEST(UserCalls, SemaphoreGiveAndTake) {
  run([] {
    WARD_BODY_START();
    const auto before = faults::count();
    EXPECT_TRUE(ok(create(user_a, stack_a, +[](void*) {
      for (int i = 0; i < 3; ++i) {
        log.status = sys::sem_take(sem, UserTimeout::forever());
        if (!log.status) {
          return;
        }
        log.status = sys::sem_give(sem2);
        ++log.runs;
      }
      log.status2 = sys::sem_take(sem, UserTimeout::none());  // nothing left: would block
    }, "user_a", kBelow)));
    EXPECT_TRUE(ok(grant(sem, user_a)));
    EXPECT_TRUE(ok(grant(sem2, user_a)));
    EXPECT_TRUE(ok(user_a.start()));
    for (int i = 0; i < 3; ++i) {
      EXPECT_TRUE(ok(sem.give()));
      EXPECT_TRUE(ok(sem2.take(Timeout::after(kPatience))));
    }
    EXPECT_TRUE(ok(user_a.join(Timeout::after(kPatience))));
    EXPECT_EQ(log.runs, 3);
    EXPECT_TRUE(ok(log.status));
    EXPECT_TRUE(failed_with(log.status2, Error::would_block));
    EXPECT_EQ(faults::count(), before);
    return 0;
  });
}

TEST(UserCalls, SemaphoreTakeTimesOut) {
  run([] {
    WARD_BODY_START();
    EXPECT_TRUE(ok(create(user_a, stack_a, +[](void*) {
      const Instant start = now();
      log.status = sys::sem_take(sem, UserTimeout::after(Duration::ms(7)));
      log.value = static_cast<std::uint32_t>((now() - start).to_us());
    }, "user_a", kAbove)));
    EXPECT_TRUE(ok(grant(sem, user_a)));
    EXPECT_TRUE(ok(user_a.start()));
    EXPECT_TRUE(ok(user_a.join(Timeout::after(kPatience))));
    EXPECT_TRUE(failed_with(log.status, Error::timeout));
    EXPECT_GE(log.value, 7000u);
    EXPECT_LT(log.value, 8000u);
    return 0;
  });
}

TEST(UserCalls, QueueThroughPartitionBuffer) {
  run([] {
    WARD_BODY_START();
    const auto before = faults::count();
    EXPECT_TRUE(ok(create(user_a, stack_a, +[](void*) {
      // Receive into the partition, answer from it: item = request + 1.
      std::byte* slot = shared.bytes + 32;
      log.status = sys::queue_receive(queue.core(), UserSpan<std::byte>{address(slot), 4}, UserTimeout::forever());
      const std::uint32_t answer = read_u32(slot) + 1;
      std::memcpy(slot + 4, &answer, 4);
      log.status2 = sys::queue_send(queue2.core(), user_span<const std::byte>(slot + 4, 4), UserTimeout::forever());
    }, "user_a", kAbove)));
    EXPECT_TRUE(ok(grant(queue, user_a)));
    EXPECT_TRUE(ok(grant(queue2, user_a)));
    EXPECT_TRUE(ok(user_a.start()));  // it blocks in queue_receive
    EXPECT_TRUE(ok(queue.send(41u, Timeout::none())));
    auto answer = queue2.receive(Timeout::after(kPatience));
    REQUIRE(ok(answer));
    EXPECT_EQ(*answer, 42u);
    EXPECT_TRUE(ok(user_a.join(Timeout::after(kPatience))));
    EXPECT_TRUE(ok(log.status));
    EXPECT_TRUE(ok(log.status2));
    EXPECT_EQ(faults::count(), before);
    return 0;
  });
}

TEST(UserCalls, QueueThroughStackBuffer) {
  run([] {
    WARD_BODY_START();
    EXPECT_TRUE(ok(create(user_a, stack_a, +[](void*) {
      // Local variables: in the thread's own stack, above its stack pointer at each call.
      std::uint32_t request = 0;
      log.status = sys::receive(queue, request, UserTimeout::forever());
      const std::uint32_t answer = request * 2;
      log.status2 = sys::send(queue2, answer, UserTimeout::forever());
    }, "user_a", kAbove)));
    EXPECT_TRUE(ok(grant(queue, user_a)));
    EXPECT_TRUE(ok(grant(queue2, user_a)));
    EXPECT_TRUE(ok(user_a.start()));
    EXPECT_TRUE(ok(queue.send(21u, Timeout::none())));
    auto answer = queue2.receive(Timeout::after(kPatience));
    REQUIRE(ok(answer));
    EXPECT_EQ(*answer, 42u);
    EXPECT_TRUE(ok(user_a.join(Timeout::after(kPatience))));
    EXPECT_TRUE(ok(log.status));
    EXPECT_TRUE(ok(log.status2));
    return 0;
  });
}

TEST(UserCalls, LocalBufferOnItsOwnStack) {
  // The normal way to receive a value: into a local variable. A user thread's locals live in the
  // stack it was given, on the host as on the target.
  run([] {
    WARD_BODY_START();
    const auto before = faults::count();
    static std::uintptr_t local_at;
    local_at = 0;
    EXPECT_TRUE(ok(create(user_a, stack_a, +[](void*) {
      std::uint64_t now_ticks = 0;
      local_at = address(&now_ticks);
      log.status = sys::time_now(UserSpan<std::uint64_t>{std::span{&now_ticks, 1}});
      log.value = static_cast<std::uint32_t>(now_ticks);
      log.reached_after = true;
    }, "user_a", kAbove)));
    EXPECT_TRUE(ok(this_thread::sleep_for(Duration::ms(3))));
    EXPECT_TRUE(ok(user_a.start()));
    EXPECT_TRUE(ok(user_a.join(Timeout::after(kPatience))));
    EXPECT_EQ(faults::count(), before) << "the local buffer was refused";
    EXPECT_TRUE(log.reached_after);
    EXPECT_TRUE(ok(log.status));
    EXPECT_EQ(log.value, static_cast<std::uint32_t>(Duration::ms(3).ticks()));
    EXPECT_GE(local_at, address(stack_a.bytes));
    EXPECT_LT(local_at, address(stack_a.bytes) + sizeof stack_a.bytes) << "the local is not in Thread::stack()";
    return 0;
  });
}

TEST(UserCalls, QueueSendFromReadOnlyPartition) {
  run([] {
    WARD_BODY_START();
    const std::uint32_t configured = 0xC0FFEE;
    std::memcpy(constants.bytes + 8, &configured, 4);  // privileged code fills the read-only data
    EXPECT_TRUE(ok(create(user_a, stack_a, +[](void*) {
      log.status = sys::queue_send(queue.core(), user_span<const std::byte>(constants.bytes + 8, 4),
                                   UserTimeout::none());
    }, "user_a", kAbove)));
    EXPECT_TRUE(ok(grant(queue, user_a)));
    EXPECT_TRUE(ok(user_a.start()));
    EXPECT_TRUE(ok(user_a.join(Timeout::after(kPatience))));
    EXPECT_TRUE(ok(log.status));
    auto item = queue.receive(Timeout::none());
    REQUIRE(ok(item));
    EXPECT_EQ(*item, configured);
    return 0;
  });
}

TEST(UserCalls, QueueItemOfWrongSizeIsAnErrorNotAFault) {
  run([] {
    WARD_BODY_START();
    const auto before = faults::count();
    EXPECT_TRUE(ok(create(user_a, stack_a, +[](void*) {
      // Memory the caller owns, but not one item: the implementation refuses, the thread lives.
      log.status = sys::queue_send(queue.core(), user_span<const std::byte>(shared.bytes, 8), UserTimeout::none());
      log.status2 = sys::queue_receive(queue.core(), UserSpan<std::byte>{address(shared.bytes), 2},
                                       UserTimeout::none());
      log.reached_after = true;
    }, "user_a", kAbove)));
    EXPECT_TRUE(ok(grant(queue, user_a)));
    EXPECT_TRUE(ok(user_a.start()));
    EXPECT_TRUE(ok(user_a.join(Timeout::after(kPatience))));
    EXPECT_TRUE(failed_with(log.status, Error::invalid_argument));
    EXPECT_TRUE(failed_with(log.status2, Error::invalid_argument));
    EXPECT_TRUE(log.reached_after);
    EXPECT_EQ(queue.size(), 0u);
    EXPECT_EQ(faults::count(), before);
    return 0;
  });
}

constexpr char kLongText[] =
    "user mode says hello through a validated system call; this line is longer than one "
    "64-byte chunk of the kernel's copy\n";

TEST(UserCalls, ConsoleWrite) {
  testing::internal::CaptureStdout();
  run([] {
    WARD_BODY_START();
    static_assert(sizeof kLongText - 1 > 64 && sizeof kLongText - 1 <= sizeof shared.bytes);
    std::memcpy(shared.bytes, kLongText, sizeof kLongText - 1);
    std::memcpy(constants.bytes, "read-only says hi\n", 18);
    EXPECT_TRUE(ok(create(user_a, stack_a, +[](void*) {
      log.status = sys::console_write(user_span<const char>(shared.bytes, sizeof kLongText - 1));
      log.status2 = sys::print(std::string_view{reinterpret_cast<const char*>(constants.bytes), 18});
    }, "user_a", kAbove)));
    EXPECT_TRUE(ok(user_a.start()));
    EXPECT_TRUE(ok(user_a.join(Timeout::after(kPatience))));
    EXPECT_TRUE(ok(log.status));
    EXPECT_TRUE(ok(log.status2));
    return 0;
  });
  std::fflush(stdout);
  const std::string out = testing::internal::GetCapturedStdout();
  EXPECT_NE(out.find(std::string{kLongText} + "read-only says hi\n"), std::string::npos) << out;
}

TEST(UserCalls, ConsoleWriteOfNothing) {
  run([] {
    WARD_BODY_START();
    const auto before = faults::count();
    EXPECT_TRUE(ok(create(user_a, stack_a, +[](void*) {
      log.status = sys::console_write(user_span<const char>(shared.bytes, 0));
    }, "user_a", kAbove)));
    EXPECT_TRUE(ok(user_a.start()));
    EXPECT_TRUE(ok(user_a.join(Timeout::after(kPatience))));
    EXPECT_TRUE(ok(log.status));
    EXPECT_EQ(faults::count(), before);
    return 0;
  });
}

TEST(UserCalls, TimeNowAndSleep) {
  run([] {
    WARD_BODY_START();
    EXPECT_TRUE(ok(this_thread::sleep_for(Duration::ms(5))));
    EXPECT_TRUE(ok(create(user_a, stack_a, +[](void*) {
      auto* t = reinterpret_cast<std::uint64_t*>(shared.bytes + 64);
      log.status = sys::time_now(UserSpan<std::uint64_t>{address(t), 1});
      log.status2 = sys::sleep_for(UserTimeout::after(Duration::ms(3)));
      if (sys::time_now(UserSpan<std::uint64_t>{address(t + 1), 1})) {
        log.value = static_cast<std::uint32_t>(t[1] - t[0]);
      }
      log.result = sys::sleep_for(UserTimeout::forever()).has_value() ? 1u : 0u;  // refused, not a fault
    }, "user_a", kAbove)));
    const Instant started = now();
    EXPECT_TRUE(ok(user_a.start()));
    EXPECT_TRUE(ok(user_a.join(Timeout::after(kPatience))));
    EXPECT_TRUE(ok(log.status));
    EXPECT_TRUE(ok(log.status2));
    std::uint64_t first;
    std::memcpy(&first, shared.bytes + 64, sizeof first);
    EXPECT_EQ(first, started.ticks());
    EXPECT_GE(first, static_cast<std::uint64_t>(Duration::ms(5).ticks()));
    EXPECT_GE(log.value, static_cast<std::uint32_t>(Duration::ms(3).ticks()));
    EXPECT_EQ(*log.result, 0u);
    return 0;
  });
}

TEST(UserCalls, TimeNowNeedsExactlyOneElement) {
  run([] {
    WARD_BODY_START();
    EXPECT_TRUE(ok(create(user_a, stack_a, +[](void*) {
      log.status = sys::time_now(UserSpan<std::uint64_t>{address(shared.bytes), 2});
      log.status2 = sys::time_now(UserSpan<std::uint64_t>{address(shared.bytes), 0});
    }, "user_a", kAbove)));
    EXPECT_TRUE(ok(user_a.start()));
    EXPECT_TRUE(ok(user_a.join(Timeout::after(kPatience))));
    EXPECT_TRUE(failed_with(log.status, Error::invalid_argument));
    EXPECT_TRUE(failed_with(log.status2, Error::invalid_argument));
    return 0;
  });
}

TEST(UserCalls, EventFlags) {
  run([] {
    WARD_BODY_START();
    EXPECT_TRUE(ok(create(user_a, stack_a, +[](void*) {
      log.result = sys::event_wait(flags, 0b101, sys::kWaitAll | sys::kClearOnExit, UserTimeout::forever());
      log.status = sys::event_set(flags2, 0x80);
      log.status2 = sys::event_wait(flags, 0, 0x4, UserTimeout::none()).has_value()
                        ? Status{}
                        : Status{fail(Error::invalid_argument)};  // unknown option bits: an error
    }, "user_a", kAbove)));
    EXPECT_TRUE(ok(grant(flags, user_a)));
    EXPECT_TRUE(ok(grant(flags2, user_a)));
    EXPECT_TRUE(ok(user_a.start()));  // waits for bits 0 and 2
    (void)flags.set(0b001);
    EXPECT_EQ(user_a.state(), ThreadState::blocked);  // one of two is not enough
    (void)flags.set(0b110);
    auto seen = flags2.wait(0x80, EventFlags::Wait::any, false, Timeout::after(kPatience));
    REQUIRE(ok(seen));
    EXPECT_TRUE(ok(user_a.join(Timeout::after(kPatience))));
    REQUIRE(ok(log.result));
    EXPECT_EQ(*log.result & 0b101u, 0b101u);
    EXPECT_EQ(flags.get(), 0b010u);  // the waited-for bits were cleared on exit
    EXPECT_TRUE(ok(log.status));
    EXPECT_TRUE(failed_with(log.status2, Error::invalid_argument));
    return 0;
  });
}

TEST(UserCalls, Mutex) {
  run([] {
    WARD_BODY_START();
    EXPECT_TRUE(ok(create(user_a, stack_a, +[](void*) {
      log.status = sys::mutex_lock(mutex, UserTimeout::forever());
      (void)sys::sem_give(sem);                         // "I hold it"
      (void)sys::sem_take(sem2, UserTimeout::forever());  // until main has tried
      log.status2 = sys::mutex_unlock(mutex);
      log.result = sys::mutex_unlock(mutex).has_value() ? 1u : 0u;  // not the owner any more
    }, "user_a", kAbove)));
    EXPECT_TRUE(ok(grant(mutex, user_a)));
    EXPECT_TRUE(ok(grant(sem, user_a)));
    EXPECT_TRUE(ok(grant(sem2, user_a)));
    EXPECT_TRUE(ok(user_a.start()));
    EXPECT_TRUE(ok(sem.take(Timeout::after(kPatience))));
    EXPECT_EQ(mutex.owner(), &user_a);
    EXPECT_TRUE(failed_with(mutex.lock(Timeout::none()), Error::would_block));
    EXPECT_TRUE(ok(sem2.give()));
    EXPECT_TRUE(ok(mutex.lock(Timeout::after(kPatience))));
    EXPECT_TRUE(ok(mutex.unlock()));
    EXPECT_TRUE(ok(user_a.join(Timeout::after(kPatience))));
    EXPECT_TRUE(ok(log.status));
    EXPECT_TRUE(ok(log.status2));
    EXPECT_EQ(*log.result, 0u);
    return 0;
  });
}

TEST(UserCalls, Yield) {
  run([] {
    WARD_BODY_START();
    // Two user threads of one priority take turns only by yielding.
    auto entry = +[](void* arg) {
      const auto me = static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(arg));
      for (int i = 0; i < 3; ++i) {
        log.value = log.value * 10 + me;
        (void)sys::yield();
      }
    };
    EXPECT_TRUE(ok(user_a.create_user(stack_a.span(), entry, reinterpret_cast<void*>(1), kBelow, "user_a", app)));
    EXPECT_TRUE(ok(user_b.create_user(stack_b.span(), entry, reinterpret_cast<void*>(2), kBelow, "user_b", app)));
    EXPECT_TRUE(ok(user_a.start()));
    EXPECT_TRUE(ok(user_b.start()));
    EXPECT_TRUE(ok(user_a.join(Timeout::after(kPatience))));
    EXPECT_TRUE(ok(user_b.join(Timeout::after(kPatience))));
    EXPECT_EQ(log.value, 121212u);
    return 0;
  });
}

TEST(UserThreads, InterruptOfTheirOwnCodeCallsTheKernelDirectly) {
  // A handler that interrupts a user thread's own code is privileged: its ward::sys call goes
  // straight to the implementation (sem2 is not granted to user_a: a trap would be refused). The
  // thread it wakes is more urgent, so the user thread is switched away from in the middle of its
  // code, and resumes there afterwards.
  run([] {
    WARD_BODY_START();
    const auto before = faults::count();
    EXPECT_TRUE(ok(privileged.start(stack_p.span(), +[](void*) {
      log.status2 = sem2.take(Timeout::after(kPatience));
      ++log.runs;
    }, nullptr, kAbove, "waiter")));
    EXPECT_TRUE(ok(create(user_a, stack_a, +[](void*) {
      log.value = arch::privileged() ? 1 : 0;
      host::interrupt(+[](void*) {
        log.result = arch::privileged() ? 1u : 0u;
        log.status = sys::sem_give(sem2);
      }, nullptr);
      log.reached_after = log.runs == 1;  // the waiter ran in between
    }, "user_a", kBelow)));
    EXPECT_TRUE(ok(user_a.start()));
    EXPECT_TRUE(ok(user_a.join(Timeout::after(kPatience))));
    EXPECT_TRUE(ok(privileged.join(Timeout::none())));
    EXPECT_EQ(log.value, 0u) << "user code ran privileged";
    EXPECT_EQ(*log.result, 1u) << "the handler ran unprivileged";
    EXPECT_TRUE(ok(log.status));
    EXPECT_TRUE(ok(log.status2));
    EXPECT_TRUE(log.reached_after);
    EXPECT_EQ(faults::count(), before);
    return 0;
  });
}

// A user thread that runs past the bottom of its stack has overwritten memory below it: the host
// port stops the process at the thread's next call (the target's stack limit faults at once).
TEST(UserThreadsDeathTest, OverflowStopsTheProcess) {
  EXPECT_DEATH(run([] {
                 WARD_BODY_START();
                 EXPECT_TRUE(ok(create(user_a, stack_a, +[](void*) {
                   std::byte big[kStackSize];  // the frame reaches below the stack
                   big[0] = std::byte{1};
                   log.value = std::to_integer<std::uint32_t>(big[0]);
                   (void)sys::yield();
                 }, "user_a", kAbove)));
                 EXPECT_TRUE(ok(user_a.start()));
                 return 0;
               }),
               "user thread 'user_a' overflowed its 4096-byte stack");
}

// ---- Each bad argument stops the caller ---------------------------------------------------------

// One attack: user_a (policy stop) runs `entry`, whose first call must be refused as `expected`.
struct Attack {
  void (*setup)();  // grants, before the thread starts
  Thread::Entry entry;
  Expected expected;
};
Attack attack;

void grant_everything_to_a() {
  for (Status s : {grant(sem, user_a), grant(sem2, user_a), grant(mutex, user_a), grant(queue, user_a),
                   grant(flags, user_a)}) {
    EXPECT_TRUE(ok(s));
  }
}

int attack_body() {
  WARD_BODY_START();
  const auto before = faults::count();
  EXPECT_TRUE(ok(create(user_a, stack_a, attack.entry, "user_a", kAbove)));
  const unsigned thread_faults = user_a.faults();
  attack.setup();
  EXPECT_TRUE(ok(user_a.start()));
  auto report = next_fault();
  EXPECT_TRUE(ok(report)) << "no fault report";
  if (report) {
    expect_report(*report, user_a, attack.expected);
    EXPECT_FALSE(report->restarted);
  }
  EXPECT_EQ(faults::count(), before + 1);
  EXPECT_EQ(user_a.faults(), thread_faults + 1);
  EXPECT_EQ(user_a.state(), ThreadState::dead);
  EXPECT_TRUE(ok(user_a.join(Timeout::none())));
  EXPECT_FALSE(log.reached_after) << "the refused call returned to the caller";
  EXPECT_FALSE(faults::wait(Timeout::none())) << "one bad call, one report";
  return 0;
}

void run_attack(Attack a) {
  attack = a;
  run(&attack_body);
}

constexpr std::uint8_t d(UserMemoryError e) { return static_cast<std::uint8_t>(e); }
constexpr std::uint8_t d(HandleError e) { return static_cast<std::uint8_t>(e); }

TEST(UserFaults, KernelPointer) {
  run_attack({&grant_everything_to_a, +[](void*) {
                // Read the kernel's memory through the kernel: the time lands in kernel_data.
                (void)sys::time_now(UserSpan<std::uint64_t>{address(kernel_data), 1});
                log.reached_after = true;
              },
              {FaultKind::bad_pointer, sys::time_now.kId, 0, d(UserMemoryError::not_accessible)}});
}

TEST(UserFaults, KernelObjectBytesNotReadable) {
  run_attack({&grant_everything_to_a, +[](void*) {
                // Leak a granted kernel object's bytes to the console: granted for calls, not memory.
                (void)sys::console_write(user_span<const char>(&sem, sizeof sem));
                log.reached_after = true;
              },
              {FaultKind::bad_pointer, sys::console_write.kId, 0, d(UserMemoryError::not_accessible)}});
}

TEST(UserFaults, QueueReceiveIntoKernelMemory) {
  run_attack({+[] {
                grant_everything_to_a();
                std::memset(kernel_data, 0, sizeof kernel_data);
                EXPECT_TRUE(ok(queue.send(7u, Timeout::none())));  // the receive would succeed at once
              },
              +[](void*) {
                (void)sys::queue_receive(queue.core(), UserSpan<std::byte>{address(kernel_data), 4},
                                         UserTimeout::none());
                log.reached_after = true;
              },
              {FaultKind::bad_pointer, sys::queue_receive.kId, 1, d(UserMemoryError::not_accessible)}});
  EXPECT_EQ(read_u32(kernel_data), 0u) << "the kernel wrote into its own memory for the caller";
}

TEST(UserFaults, ImageReadOnlyDataIsNotAUserBuffer) {
  // The contract (ward/kernel/syscall.hpp): a user buffer lies in the caller's stack or in one
  // partition of its domain. Text in the image is neither, although on the target the MPU lets
  // user code read the image: sys::print("a literal") is refused.
  run_attack({&grant_everything_to_a, +[](void*) {
                (void)sys::print("a string literal");
                log.reached_after = true;
              },
              {FaultKind::bad_pointer, sys::console_write.kId, 0, d(UserMemoryError::not_accessible)}});
}

TEST(UserFaults, Unaligned) {
  run_attack({&grant_everything_to_a, +[](void*) {
                (void)sys::time_now(UserSpan<std::uint64_t>{address(shared.bytes + 4), 1});
                log.reached_after = true;
              },
              {FaultKind::bad_pointer, sys::time_now.kId, 0, d(UserMemoryError::unaligned)}});
}

TEST(UserFaults, WrappingRange) {
  run_attack({&grant_everything_to_a, +[](void*) {
                (void)sys::console_write(UserSpan<const char>{0xFFFFFF00u, 0x200});
                log.reached_after = true;
              },
              {FaultKind::bad_pointer, sys::console_write.kId, 0, detail_for_wrap()}});
}

TEST(UserFaults, WrappingBackOntoThePartition) {
  // Starts in the partition; its length wraps (on a 32-bit target) back to just below it.
  run_attack({&grant_everything_to_a, +[](void*) {
                (void)sys::console_write(UserSpan<const char>{address(shared.bytes), 0xFFFFFFFFu});
                log.reached_after = true;
              },
              {FaultKind::bad_pointer, sys::console_write.kId, 0, detail_for_wrap()}});
}

TEST(UserFaults, PartlyOutsidePartition) {
  run_attack({&grant_everything_to_a, +[](void*) {
                (void)sys::queue_receive(queue.core(),
                                         UserSpan<std::byte>{address(shared.bytes + sizeof shared.bytes - 2), 4},
                                         UserTimeout::none());
                log.reached_after = true;
              },
              {FaultKind::bad_pointer, sys::queue_receive.kId, 1, d(UserMemoryError::not_accessible)}});
}

TEST(UserFaults, PartlyOutsideStack) {
  run_attack({&grant_everything_to_a, +[](void*) {
                (void)sys::time_now(UserSpan<std::uint64_t>{address(stack_a.bytes + sizeof stack_a.bytes - 8), 2});
                log.reached_after = true;
              },
              {FaultKind::bad_pointer, sys::time_now.kId, 0, d(UserMemoryError::not_accessible)}});
}

TEST(UserFaults, AnotherThreadsStack) {
  run_attack({&grant_everything_to_a, +[](void*) {
                (void)sys::time_now(UserSpan<std::uint64_t>{address(on_stack(stack_b)), 1});
                log.reached_after = true;
              },
              {FaultKind::bad_pointer, sys::time_now.kId, 0, d(UserMemoryError::not_accessible)}});
}

TEST(UserFaults, OwnStackBelowItsStackPointer) {
  // Its own stack, but below its stack pointer at the call: where the call's own frames lie.
  run_attack({&grant_everything_to_a, +[](void*) {
                (void)sys::time_now(UserSpan<std::uint64_t>{address(on_stack(stack_a, 0)), 1});
                log.reached_after = true;
              },
              {FaultKind::bad_pointer, sys::time_now.kId, 0, d(UserMemoryError::not_accessible)}});
}

TEST(UserFaults, WriteToReadOnlyPartition) {
  run_attack({&grant_everything_to_a, +[](void*) {
                (void)sys::time_now(UserSpan<std::uint64_t>{address(constants.bytes), 1});
                log.reached_after = true;
              },
              {FaultKind::bad_pointer, sys::time_now.kId, 0, d(UserMemoryError::not_accessible)}});
}

TEST(UserFaults, WrongTypeHandle) {
  run_attack({&grant_everything_to_a, +[](void*) {
                // The mutex is granted, but it is not a semaphore.
                (void)sys::sem_give(Handle<Semaphore>{address(&mutex)});
                log.reached_after = true;
              },
              {FaultKind::bad_handle, sys::sem_give.kId, 0, d(HandleError::wrong_type)}});
}

TEST(UserFaults, WithdrawnHandle) {
  run_attack({+[] {
                grant_everything_to_a();
                EXPECT_TRUE(ok(withdraw(sem)));
              },
              +[](void*) {
                (void)sys::sem_give(sem);
                log.reached_after = true;
              },
              {FaultKind::bad_handle, sys::sem_give.kId, 0, d(HandleError::unknown)}});
}

TEST(UserFaults, WithdrawnQueueHandle) {
  run_attack({+[] {
                grant_everything_to_a();
                EXPECT_TRUE(ok(withdraw(queue)));  // through Queue<T, N>, which withdraws its core
              },
              +[](void*) {
                (void)sys::queue_send(queue.core(), user_span<const std::byte>(shared.bytes, 4), UserTimeout::none());
                log.reached_after = true;
              },
              {FaultKind::bad_handle, sys::queue_send.kId, 0, d(HandleError::unknown)}});
}

TEST(UserFaults, NeverGrantedHandle) {
  run_attack({+[] {
                grant_everything_to_a();
                // sem2's grant goes to another user thread only.
                EXPECT_TRUE(ok(revoke(sem2, user_a)));
                EXPECT_TRUE(ok(create(user_b, stack_b, +[](void*) {}, "user_b", kBelow)));
                EXPECT_TRUE(ok(grant(sem2, user_b)));
              },
              +[](void*) {
                (void)sys::sem_take(sem2, UserTimeout::none());
                log.reached_after = true;
              },
              {FaultKind::bad_handle, sys::sem_take.kId, 0, d(HandleError::not_granted)}});
}

TEST(UserFaults, UnregisteredObjectHandle) {
  run_attack({&grant_everything_to_a, +[](void*) {
                (void)sys::sem_give(unregistered);
                log.reached_after = true;
              },
              {FaultKind::bad_handle, sys::sem_give.kId, 0, d(HandleError::unknown)}});
  EXPECT_EQ(unregistered.count(), 0u);
}

TEST(UserFaults, ForgedHandles) {
  run_attack({&grant_everything_to_a, +[](void*) {
                (void)sys::event_set(Handle<EventFlags>{address(&flags) + 4}, 1);  // inside the object
                log.reached_after = true;
              },
              {FaultKind::bad_handle, sys::event_set.kId, 0, d(HandleError::unknown)}});
  EXPECT_EQ(flags.get(), 0u);
  run_attack({&grant_everything_to_a, +[](void*) {
                (void)sys::mutex_lock(Handle<Mutex>{0}, UserTimeout::none());
                log.reached_after = true;
              },
              {FaultKind::bad_handle, sys::mutex_lock.kId, 0, d(HandleError::unknown)}});
}

TEST(UserFaults, RevokedHandle) {
  run([] {
    WARD_BODY_START();
    EXPECT_TRUE(ok(create(user_a, stack_a, +[](void*) {
      log.status = sys::sem_give(sem);                 // granted
      (void)sys::sem_take(sem2, UserTimeout::forever());  // main revokes meanwhile
      (void)sys::sem_give(sem);
      log.reached_after = true;
    }, "user_a", kAbove)));
    EXPECT_TRUE(ok(grant(sem, user_a)));
    EXPECT_TRUE(ok(grant(sem2, user_a)));
    EXPECT_TRUE(ok(user_a.start()));
    EXPECT_TRUE(ok(sem.take(Timeout::none())));
    EXPECT_TRUE(ok(revoke(sem, user_a)));
    EXPECT_TRUE(ok(sem2.give()));
    auto report = next_fault();
    REQUIRE(ok(report));
    expect_report(*report, user_a, {FaultKind::bad_handle, sys::sem_give.kId, 0, d(HandleError::not_granted)});
    EXPECT_TRUE(ok(log.status));
    EXPECT_FALSE(log.reached_after);
    EXPECT_EQ(sem.count(), 0u);
    return 0;
  });
}

TEST(UserFaults, FirstBadArgumentIsTheOneReported) {
  // Both the handle and the buffer are bad: the handle (argument 0) is checked first.
  run_attack({&grant_everything_to_a, +[](void*) {
                (void)sys::queue_send(Handle<kernel::QueueCore>{address(&sem)}, user_span<const std::byte>(kernel_data, 4),
                                      UserTimeout::none());
                log.reached_after = true;
              },
              {FaultKind::bad_handle, sys::queue_send.kId, 0, d(HandleError::wrong_type)}});
  // Only the buffer is bad: argument 1 (the handle is one word; the argument index is not a word index).
  run_attack({&grant_everything_to_a, +[](void*) {
                (void)sys::queue_send(queue.core(), user_span<const std::byte>(kernel_data, 4), UserTimeout::none());
                log.reached_after = true;
              },
              {FaultKind::bad_pointer, sys::queue_send.kId, 1, d(UserMemoryError::not_accessible)}});
}

TEST(UserFaults, UnknownCallNumber) {
  run_attack({&grant_everything_to_a, +[](void*) {
                (void)arch::syscall(sys::kCount, 0, 0, 0, 0);
                log.reached_after = true;
              },
              {FaultKind::bad_syscall, sys::kCount, -1, 0}});
  run_attack({&grant_everything_to_a, +[](void*) {
                (void)arch::syscall(1000, 1, 2, 3, 4);
                log.reached_after = true;
              },
              {FaultKind::bad_syscall, 1000, -1, 0}});
}

TEST(UserFaults, ReportIsPrinted) {
  testing::internal::CaptureStdout();
  run_attack({&grant_everything_to_a, +[](void*) {
                (void)sys::sem_give(Handle<Semaphore>{address(&mutex)});
                log.reached_after = true;
              },
              {FaultKind::bad_handle, sys::sem_give.kId, 0, d(HandleError::wrong_type)}});
  std::fflush(stdout);
  const std::string out = testing::internal::GetCapturedStdout();
  EXPECT_NE(out.find("*** USER FAULT: thread 'user_a': system call with a bad handle (call 5, argument 0, reason 2)"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("thread stopped"), std::string::npos) << out;
}

// ---- Containment: the rest of the system keeps running -------------------------------------------

TEST(Containment, OtherThreadsKeepRunning) {
  run([] {
    WARD_BODY_START();
    // user_b serves requests; user_a makes one bad call; a privileged thread keeps counting.
    const unsigned b_faults = user_b.faults();
    EXPECT_TRUE(ok(create(user_b, stack_b, +[](void*) {
      while (sys::sem_take(sem, UserTimeout::forever())) {
        if (!sys::sem_give(sem2)) {
          return;
        }
        ++log.runs;
      }
    }, "user_b", kAbove)));
    EXPECT_TRUE(ok(grant(sem, user_b)));
    EXPECT_TRUE(ok(grant(sem2, user_b)));
    EXPECT_TRUE(ok(privileged.start(stack_p.span(), +[](void*) {
      for (;;) {
        ++log.value;
        (void)this_thread::sleep_for(Duration::ms(1));
      }
    }, nullptr, kBelow, "ticker")));
    EXPECT_TRUE(ok(create(user_a, stack_a, +[](void*) {
      (void)sys::sem_give(Handle<Semaphore>{address(kernel_data)});
      log.reached_after = true;
    }, "user_a", kAbove)));
    EXPECT_TRUE(ok(user_b.start()));
    EXPECT_TRUE(ok(user_a.start()));
    auto report = next_fault();
    REQUIRE(ok(report));
    EXPECT_EQ(report->thread, &user_a);
    EXPECT_FALSE(log.reached_after);
    for (int i = 0; i < 5; ++i) {
      EXPECT_TRUE(ok(sem.give()));
      EXPECT_TRUE(ok(sem2.take(Timeout::after(kPatience)))) << "user_b stopped serving";
    }
    EXPECT_EQ(log.runs, 5);
    const std::uint32_t ticks = log.value;
    EXPECT_TRUE(ok(this_thread::sleep_for(Duration::ms(10))));
    EXPECT_GT(log.value, ticks) << "the privileged thread stopped";
    EXPECT_EQ(user_b.state(), ThreadState::blocked);
    EXPECT_EQ(user_b.faults(), b_faults);
    EXPECT_EQ(user_a.state(), ThreadState::dead);
    return 0;
  });
}

TEST(Containment, MutexHeldByStoppedThreadIsReleased) {
  run([] {
    WARD_BODY_START();
    EXPECT_TRUE(ok(create(user_a, stack_a, +[](void*) {
      log.status = sys::mutex_lock(mutex, UserTimeout::forever());
      (void)sys::sem_give(Handle<Semaphore>{0});
      log.reached_after = true;
    }, "user_a", kAbove)));
    EXPECT_TRUE(ok(grant(mutex, user_a)));
    EXPECT_TRUE(ok(user_a.start()));
    auto report = next_fault();
    REQUIRE(ok(report));
    EXPECT_TRUE(ok(log.status));
    EXPECT_EQ(mutex.owner(), nullptr);
    EXPECT_TRUE(ok(mutex.lock(Timeout::none())));
    EXPECT_TRUE(ok(mutex.unlock()));
    return 0;
  });
}

TEST(Containment, WaiterOnTheStoppedThreadIsWoken) {
  run([] {
    WARD_BODY_START();
    EXPECT_TRUE(ok(create(user_a, stack_a, +[](void*) {
      (void)sys::sem_take(sem, UserTimeout::forever());
      (void)sys::time_now(UserSpan<std::uint64_t>{address(kernel_data), 1});
      log.reached_after = true;
    }, "user_a", kBelow)));
    EXPECT_TRUE(ok(grant(sem, user_a)));
    EXPECT_TRUE(ok(user_a.start()));
    // A privileged thread joins user_a; main lets user_a run into its bad call.
    EXPECT_TRUE(ok(privileged.start(stack_p.span(), +[](void*) {
      log.status = user_a.join(Timeout::forever());
      ++log.runs;
    }, nullptr, kAbove, "joiner")));
    EXPECT_TRUE(ok(sem.give()));
    EXPECT_TRUE(ok(privileged.join(Timeout::after(kPatience))));
    EXPECT_EQ(log.runs, 1);
    EXPECT_TRUE(ok(log.status));
    EXPECT_FALSE(log.reached_after);
    EXPECT_TRUE(ok(next_fault(Duration::ms(1))));
    return 0;
  });
}

TEST(Containment, PrivilegedAbortOfBlockedUserThread) {
  run([] {
    WARD_BODY_START();
    const auto before = faults::count();
    EXPECT_TRUE(ok(create(user_a, stack_a, +[](void*) {
      (void)sys::sem_take(sem, UserTimeout::forever());
      log.reached_after = true;
    }, "user_a", kAbove)));
    EXPECT_TRUE(ok(grant(sem, user_a)));
    EXPECT_TRUE(ok(user_a.start()));
    EXPECT_EQ(user_a.state(), ThreadState::blocked);
    EXPECT_TRUE(ok(user_a.abort()));
    EXPECT_TRUE(ok(user_a.join(Timeout::none())));
    EXPECT_FALSE(log.reached_after);
    // No stale waiter is left on the semaphore: the give is kept as a count.
    EXPECT_TRUE(ok(sem.give()));
    EXPECT_EQ(sem.count(), 1u);
    EXPECT_EQ(faults::count(), before) << "an abort is not a fault";
    return 0;
  });
}

TEST(Containment, FaultLogKeepsTheNewestAndCountsAll) {
  run([] {
    WARD_BODY_START();
    const auto before = faults::count();
    constexpr int kFaults = static_cast<int>(config::fault_log_size) + 3;
    // A restarting thread that makes one bad call per run, each with its own call number.
    const unsigned thread_faults = user_a.faults();
    EXPECT_TRUE(ok(create(user_a, stack_a, +[](void*) {
      const int run_number = log.runs++;
      if (run_number < kFaults) {
        (void)arch::syscall(sys::kCount + static_cast<std::uint32_t>(run_number), 0, 0, 0, 0);
      }
    }, "user_a", kAbove, FaultPolicy::restart)));
    EXPECT_TRUE(ok(user_a.start()));
    EXPECT_TRUE(ok(user_a.join(Timeout::after(kPatience))));
    EXPECT_EQ(log.runs, kFaults + 1);
    EXPECT_EQ(faults::count(), before + kFaults);
    EXPECT_EQ(user_a.faults(), thread_faults + kFaults);
    // The oldest three were dropped; the rest come in order.
    for (int i = 3; i < kFaults; ++i) {
      auto r = faults::wait(Timeout::none());
      REQUIRE(ok(r));
      EXPECT_EQ(r->syscall, static_cast<std::int16_t>(sys::kCount + i));
      EXPECT_TRUE(r->restarted);
    }
    for (int i = 0; i < 3; ++i) {
      EXPECT_TRUE(failed_with(faults::wait(Timeout::none()), Error::would_block)) << "a dropped report";
    }
    EXPECT_TRUE(failed_with(faults::wait(Timeout::none()), Error::would_block));
    return 0;
  });
}

// ---- Fault policy and thread ends -------------------------------------------------------------

TEST(FaultPolicy, RestartRunsTheEntryAgain) {
  run([] {
    WARD_BODY_START();
    const unsigned thread_faults = user_a.faults();
    EXPECT_TRUE(ok(create(user_a, stack_a, +[](void*) {
      if (log.runs++ == 0) {
        (void)sys::queue_send(queue.core(), user_span<const std::byte>(kernel_data, 4), UserTimeout::none());
        log.reached_after = true;
      }
      log.status = sys::sem_give(sem);  // the second run gets here
    }, "user_a", kAbove, FaultPolicy::restart)));
    EXPECT_TRUE(ok(grant(sem, user_a)));
    EXPECT_TRUE(ok(grant(queue, user_a)));
    EXPECT_EQ(user_a.fault_policy(), FaultPolicy::restart);
    EXPECT_TRUE(ok(user_a.start()));
    auto report = next_fault();
    REQUIRE(ok(report));
    expect_report(*report, user_a, {FaultKind::bad_pointer, sys::queue_send.kId, 1, d(UserMemoryError::not_accessible)});
    EXPECT_TRUE(report->restarted);
    EXPECT_TRUE(ok(sem.take(Timeout::after(kPatience)))) << "the restarted thread did not run";
    EXPECT_TRUE(ok(user_a.join(Timeout::after(kPatience))));
    EXPECT_EQ(log.runs, 2);
    EXPECT_FALSE(log.reached_after);
    EXPECT_TRUE(ok(log.status));  // its grants survive the restart
    EXPECT_EQ(user_a.faults(), thread_faults + 1);
    EXPECT_FALSE(faults::wait(Timeout::none()));
    return 0;
  });
}

TEST(FaultPolicy, RestartedThreadKeepsItsPriorityAndArgument) {
  run([] {
    WARD_BODY_START();
    static int marker;
    EXPECT_TRUE(ok(user_a.create_user(stack_a.span(), +[](void* arg) {
      log.value = (arg == &marker ? 1u : 100u) + log.value * 10;
      if (log.runs++ == 0) {
        (void)sys::yield();
        (void)sys::sem_give(Handle<Semaphore>{1});
      }
    }, &marker, kAbove, "user_a", app, FaultPolicy::restart)));
    EXPECT_TRUE(ok(user_a.start()));
    // Both runs happened before main ran again: the restart kept the higher priority.
    EXPECT_EQ(log.runs, 2);
    EXPECT_EQ(log.value, 11u);
    EXPECT_EQ(user_a.priority(), kAbove);
    EXPECT_TRUE(ok(user_a.join(Timeout::after(kPatience))));
    return 0;
  });
}

TEST(FaultPolicy, JoinWaitsAcrossRestarts) {
  // A restarted thread has not ended: join() waits until it returns (or is aborted), however often
  // it faults and starts again on the way.
  run([] {
    WARD_BODY_START();
    EXPECT_TRUE(ok(create(user_a, stack_a, +[](void*) {
      if (log.runs++ == 0) {
        (void)sys::sleep_for(UserTimeout::after(Duration::ms(1)));
        (void)arch::syscall(sys::kCount, 0, 0, 0, 0);  // fault: restarted
      }
      (void)sys::sleep_for(UserTimeout::after(Duration::ms(50)));
      log.reached_after = true;
    }, "user_a", kAbove, FaultPolicy::restart)));
    EXPECT_TRUE(ok(user_a.start()));
    EXPECT_TRUE(ok(user_a.join(Timeout::after(kPatience))));
    EXPECT_EQ(user_a.state(), ThreadState::dead) << "join returned while the thread still runs";
    EXPECT_TRUE(log.reached_after);
    EXPECT_EQ(log.runs, 2);
    auto report = faults::wait(Timeout::none());
    REQUIRE(ok(report));
    EXPECT_TRUE(report->restarted);
    return 0;
  });
}

TEST(FaultPolicy, AbortEndsTheWaitOfARestartedThreadsJoiner) {
  run([] {
    WARD_BODY_START();
    EXPECT_TRUE(ok(create(user_a, stack_a, +[](void*) {
      if (log.runs++ == 0) {
        (void)arch::syscall(sys::kCount, 0, 0, 0, 0);  // fault: restarted
      }
      (void)sys::sem_take(sem, UserTimeout::forever());  // the second run waits here
      log.reached_after = true;
    }, "user_a", kBelow, FaultPolicy::restart)));
    EXPECT_TRUE(ok(grant(sem, user_a)));
    EXPECT_TRUE(ok(user_a.start()));
    // A privileged joiner, more urgent than user_a: it waits from before the fault.
    EXPECT_TRUE(ok(privileged.start(stack_p.span(), +[](void*) {
      log.status = user_a.join(Timeout::forever());
      log.value = static_cast<std::uint32_t>(user_a.state());
    }, nullptr, kAbove, "joiner")));
    auto report = next_fault();  // user_a's first run faults
    REQUIRE(ok(report));
    EXPECT_TRUE(report->restarted);
    EXPECT_TRUE(ok(this_thread::sleep_for(Duration::ms(1))));  // its second run blocks on sem
    EXPECT_EQ(log.runs, 2);
    EXPECT_EQ(user_a.state(), ThreadState::blocked);
    EXPECT_EQ(privileged.state(), ThreadState::blocked) << "the joiner was woken by the restart";
    EXPECT_TRUE(ok(user_a.abort()));
    EXPECT_TRUE(ok(privileged.join(Timeout::after(kPatience))));
    EXPECT_TRUE(ok(log.status));
    EXPECT_EQ(log.value, static_cast<std::uint32_t>(ThreadState::dead));
    EXPECT_FALSE(log.reached_after);
    return 0;
  });
}

TEST(UserExit, ReturnFromEntryEndsTheThread) {
  run([] {
    WARD_BODY_START();
    const auto before = faults::count();
    const unsigned thread_faults = user_a.faults();
    EXPECT_TRUE(ok(create(user_a, stack_a, +[](void*) {
      (void)sys::sem_take(sem, UserTimeout::forever());
      ++log.runs;
    }, "user_a", kBelow)));
    EXPECT_TRUE(ok(grant(sem, user_a)));
    EXPECT_TRUE(ok(user_a.start()));
    EXPECT_FALSE(user_a.join(Timeout::none()).has_value()) << "joined a thread that is still waiting";
    EXPECT_TRUE(ok(sem.give()));
    EXPECT_TRUE(ok(user_a.join(Timeout::after(kPatience))));
    EXPECT_EQ(user_a.state(), ThreadState::dead);
    EXPECT_EQ(log.runs, 1);
    EXPECT_EQ(faults::count(), before);
    EXPECT_EQ(user_a.faults(), thread_faults) << "a clean end is not a fault";
    return 0;
  });
}

TEST(UserExit, ThreadExitEndsTheThread) {
  run([] {
    WARD_BODY_START();
    const auto before = faults::count();
    EXPECT_TRUE(ok(create(user_a, stack_a, +[](void*) {
      ++log.runs;
      sys::thread_exit();
      log.reached_after = true;
    }, "user_a", kAbove)));
    EXPECT_TRUE(ok(user_a.start()));
    EXPECT_TRUE(ok(user_a.join(Timeout::after(kPatience))));
    EXPECT_EQ(log.runs, 1);
    EXPECT_FALSE(log.reached_after);
    EXPECT_EQ(faults::count(), before);
    // A dead user thread can be created again, and keeps its identity.
    const unsigned id = user_a.user_id();
    EXPECT_TRUE(ok(create(user_a, stack_a, +[](void*) { ++log.runs; }, "user_a", kAbove)));
    EXPECT_EQ(user_a.user_id(), id);
    EXPECT_TRUE(ok(user_a.start()));
    EXPECT_TRUE(ok(user_a.join(Timeout::after(kPatience))));
    EXPECT_EQ(log.runs, 2);
    return 0;
  });
}

TEST(UserExit, ThreadExitReleasesHeldMutex) {
  run([] {
    WARD_BODY_START();
    EXPECT_TRUE(ok(create(user_a, stack_a, +[](void*) {
      log.status = sys::mutex_lock(mutex, UserTimeout::none());
      sys::thread_exit();
    }, "user_a", kAbove)));
    EXPECT_TRUE(ok(grant(mutex, user_a)));
    EXPECT_TRUE(ok(user_a.start()));
    EXPECT_TRUE(ok(user_a.join(Timeout::after(kPatience))));
    EXPECT_TRUE(ok(log.status));
    EXPECT_EQ(mutex.owner(), nullptr);
    EXPECT_TRUE(ok(mutex.lock(Timeout::none())));
    EXPECT_TRUE(ok(mutex.unlock()));
    return 0;
  });
}

TEST(UserThreads, CreateUserChecksItsStack) {
  run([] {
    WARD_BODY_START();
    auto entry = +[](void*) {};
    // The stack becomes an MPU region: 32-byte aligned and sized.
    EXPECT_TRUE(failed_with(user_a.create_user(stack_a.span().subspan(8, 512), entry, nullptr, kAbove, "a", app),
                            Error::invalid_argument));
    EXPECT_TRUE(failed_with(user_a.create_user(stack_a.span().first(520), entry, nullptr, kAbove, "a", app),
                            Error::invalid_argument));
    EXPECT_TRUE(failed_with(user_a.create_user(stack_a.span(), entry, nullptr, Priority{0}, "a", app),
                            Error::invalid_argument));
    EXPECT_TRUE(ok(user_a.create_user(stack_a.span().first(512), entry, nullptr, kAbove, "a", app)));
    EXPECT_TRUE(user_a.is_user());
    EXPECT_EQ(user_a.domain(), &app);
    return 0;
  });
}

TEST(UserThreads, GrantNeedsAUserThread) {
  run([] {
    WARD_BODY_START();
    EXPECT_TRUE(ok(privileged.create(stack_p.span(), +[](void*) {}, nullptr, kBelow, "p")));
    EXPECT_TRUE(failed_with(grant(sem, privileged), Error::invalid_argument));
    EXPECT_FALSE(privileged.is_user());
    EXPECT_TRUE(ok(privileged.start()));
    EXPECT_TRUE(ok(privileged.join(Timeout::after(kPatience))));
    return 0;
  });
}

TEST(UserThreads, GrantsArePerThread) {
  run([] {
    WARD_BODY_START();
    EXPECT_TRUE(ok(create(user_a, stack_a, +[](void*) {}, "user_a", kAbove)));
    EXPECT_TRUE(ok(create(user_b, stack_b, +[](void*) {}, "user_b", kAbove)));
    EXPECT_NE(user_a.user_id(), user_b.user_id());
    EXPECT_TRUE(ok(grant(sem, user_a)));
    auto a = kernel::objects().lookup(address(&sem), ObjectType::semaphore, user_a.user_id());
    auto b = kernel::objects().lookup(address(&sem), ObjectType::semaphore, user_b.user_id());
    EXPECT_TRUE(a.has_value());
    REQUIRE(!b.has_value());
    EXPECT_EQ(b.error(), HandleError::not_granted);
    EXPECT_TRUE(ok(user_a.start()));
    EXPECT_TRUE(ok(user_b.start()));
    EXPECT_TRUE(ok(user_a.join(Timeout::after(kPatience))));
    EXPECT_TRUE(ok(user_b.join(Timeout::after(kPatience))));
    return 0;
  });
}

// ---- Regression tests: bugs found in the isolation code (each states the correct behaviour) -----

// System-call argument words are as wide as an address (kernel::SyscallWord); they once were cut
// to 32 bits. This executable is an ordinary PIE program, so on the 64-bit host its static data
// and the user threads' stacks lie above 4 GiB, where a cut address names nothing: a granted
// handle was refused as unknown, and a privileged call dereferenced the cut pointer. This test
// keeps that case covered: it fails if the suite is ever built where data lies below 4 GiB.
TEST(Regression, UserWorldLiesAbove4GiB) {
  if constexpr (sizeof(std::uintptr_t) == 8) {
    for (const void* p : {static_cast<const void*>(&sem), static_cast<const void*>(stack_a.bytes),
                          static_cast<const void*>(shared.bytes), static_cast<const void*>(&user_a)}) {
      EXPECT_GT(address(p), std::uintptr_t{0xFFFFFFFF}) << "below 4 GiB: the 64-bit case is not covered";
    }
  }
}

TEST(Regression, UserCallWithGrantedHandle) {
  run([] {
    WARD_BODY_START();
    EXPECT_TRUE(ok(create(user_a, stack_a, +[](void*) {
      log.status = sys::sem_give(sem);
      log.reached_after = true;
    }, "user_a", kAbove)));
    EXPECT_TRUE(ok(grant(sem, user_a)));
    EXPECT_TRUE(ok(user_a.start()));
    EXPECT_TRUE(ok(user_a.join(Timeout::after(kPatience))));
    auto report = faults::wait(Timeout::none());
    EXPECT_FALSE(report.has_value()) << "refused: call " << (report ? report->syscall : -1) << ", reason "
                                     << int(report ? report->detail : 0);
    EXPECT_TRUE(log.reached_after);
    EXPECT_TRUE(ok(log.status));
    EXPECT_EQ(sem.count(), 1u);
    return 0;
  });
}

TEST(Regression, PrivilegedCallWithHandle) {
  run([] {
    WARD_BODY_START();
    // The trusted entry dereferences the handle: with a cut address it crashed (SIGSEGV).
    EXPECT_TRUE(ok(sys::sem_give(sem)));
    EXPECT_TRUE(ok(sem.take(Timeout::none())));
    return 0;
  });
}

// sleep_for(none) -- and UserTimeout::after(d) for any d <= 0, which becomes none() -- blocked the
// caller forever (none() has no deadline) instead of returning at once.
TEST(Regression, UserSleepForZeroReturns) {
  run([] {
    WARD_BODY_START();
    EXPECT_TRUE(ok(create(user_a, stack_a, +[](void*) {
      log.status = sys::sleep_for(UserTimeout::after(Duration::us(0)));
      log.reached_after = true;
    }, "user_a", kAbove)));
    EXPECT_TRUE(ok(user_a.start()));
    EXPECT_TRUE(ok(user_a.join(Timeout::after(kPatience)))) << "still asleep";
    EXPECT_TRUE(log.reached_after);
    EXPECT_TRUE(ok(log.status));
    return 0;
  });
}

TEST(Regression, PrivilegedSleepForZeroReturns) {
  run([] {
    WARD_BODY_START();
    // The trusted path has the same implementation: the main thread never woke, and the run
    // ended as a deadlock.
    EXPECT_TRUE(ok(sys::sleep_for(UserTimeout::none())));
    return 0;
  });
}

// A failed create_user on a live user thread changed its fault policy (stored before the thread
// was found alive): a thread meant to stop on a fault would have been restarted.
TEST(Regression, FailedCreateUserKeepsThePolicy) {
  run([] {
    WARD_BODY_START();
    EXPECT_TRUE(ok(create(user_a, stack_a, +[](void*) {
      (void)sys::sleep_for(UserTimeout::after(Duration::ms(10)));
    }, "user_a", kAbove, FaultPolicy::stop)));
    EXPECT_TRUE(ok(user_a.start()));  // now asleep
    EXPECT_TRUE(failed_with(create(user_a, stack_a, +[](void*) {}, "user_a", kAbove, FaultPolicy::restart),
                            Error::invalid_state));
    EXPECT_EQ(user_a.fault_policy(), FaultPolicy::stop);
    EXPECT_TRUE(ok(user_a.join(Timeout::after(kPatience))));
    return 0;
  });
}

// A call number above 32767 was reported as another call (kept in 16 bits): 0x10005 as call 5,
// sem_give, which misleads whoever reads the fault log.
TEST(Regression, UnknownCallNumberReportedAsIs) {
  run([] {
    WARD_BODY_START();
    EXPECT_TRUE(ok(create(user_a, stack_a, +[](void*) {
      (void)arch::syscall(0x10005, 0, 0, 0, 0);
      log.reached_after = true;
    }, "user_a", kAbove)));
    EXPECT_TRUE(ok(user_a.start()));
    auto report = next_fault();
    REQUIRE(ok(report));
    EXPECT_EQ(report->kind, FaultKind::bad_syscall);
    EXPECT_NE(report->syscall, static_cast<std::int32_t>(sys::sem_give.kId)) << "reported as a known call";
    EXPECT_EQ(report->syscall, 0x10005);
    EXPECT_FALSE(log.reached_after);
    return 0;
  });
}

// ---- Privileged callers go straight to the implementation ----------------------------------------

TEST(PrivilegedCalls, NoValidation) {
  run([] {
    WARD_BODY_START();
    const auto before = faults::count();
    EXPECT_FALSE(this_thread::current().is_user());
    // An object that was never registered or granted, kernel memory for buffers: all fine here.
    EXPECT_TRUE(ok(sys::sem_give(unregistered)));
    EXPECT_EQ(unregistered.count(), 1u);
    EXPECT_TRUE(ok(sys::sem_take(unregistered, UserTimeout::none())));
    EXPECT_TRUE(ok(sys::time_now(UserSpan<std::uint64_t>{address(kernel_data), 1})));
    EXPECT_TRUE(ok(sys::event_set(flags, 0x3)));
    EXPECT_EQ(flags.get(), 0x3u);
    auto got = sys::event_wait(flags, 0x1, sys::kClearOnExit, UserTimeout::none());
    REQUIRE(ok(got));
    EXPECT_EQ(*got & 0x1u, 0x1u);
    std::memcpy(kernel_data + 16, "\x2a\0\0\0", 4);
    EXPECT_TRUE(ok(sys::queue_send(queue.core(), user_span<const std::byte>(kernel_data + 16, 4), UserTimeout::none())));
    EXPECT_TRUE(ok(sys::queue_receive(queue.core(), UserSpan<std::byte>{address(kernel_data + 32), 4},
                                      UserTimeout::none())));
    EXPECT_EQ(read_u32(kernel_data + 32), 42u);
    EXPECT_TRUE(ok(sys::mutex_lock(mutex, UserTimeout::none())));
    EXPECT_EQ(mutex.owner(), &this_thread::current());
    EXPECT_TRUE(ok(sys::mutex_unlock(mutex)));
    EXPECT_EQ(faults::count(), before);
    // None of it registered anything.
    EXPECT_FALSE(kernel::objects().lookup(address(&unregistered), ObjectType::semaphore, 0).has_value());
    return 0;
  });
}

TEST(PrivilegedCalls, OtherPrivilegedThreadsToo) {
  run([] {
    WARD_BODY_START();
    EXPECT_TRUE(ok(privileged.start(stack_p.span(), +[](void*) {
      log.status = sys::sem_give(unregistered);
      log.status2 = sys::time_now(UserSpan<std::uint64_t>{address(kernel_data + 8), 1});
    }, nullptr, kAbove, "p")));
    EXPECT_TRUE(ok(privileged.join(Timeout::after(kPatience))));
    EXPECT_TRUE(ok(log.status));
    EXPECT_TRUE(ok(log.status2));
    EXPECT_TRUE(ok(unregistered.take(Timeout::none())));
    return 0;
  });
}

}  // namespace
}  // namespace ward::isotest
