// Threads: statically allocated control blocks and stacks, scheduled by fixed priority.
//
//   ward::ThreadStack<1024> worker_stack;
//   ward::Thread worker;
//   worker.start(worker_stack, &work, nullptr, ward::Priority{10}, "worker");
//
// A thread runs until its entry function returns or it is aborted; join() waits for that. Higher
// Priority values are more urgent. Level 0 belongs to the idle thread.
#pragma once
#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>

#include "ward/config.hpp"
#include "ward/intrusive_list.hpp"
#include "ward/kernel/error.hpp"
#include "ward/kernel/memory_domain.hpp"
#include "ward/kernel/port.hpp"
#include "ward/kernel/time.hpp"
#include "ward/kernel/timeout.hpp"
#include "ward/kernel/wait_queue.hpp"

namespace ward {

class Mutex;
class Thread;
namespace kernel {
// Creates the idle thread (the one thread at priority 0); for the kernel's start and ports.
Status create_idle_thread(Thread& t, std::span<std::byte> stack, void (*entry)(void*));
struct Isolation;  // user threads and their faults (kernel/src/isolation.cpp)
class SecureCallsFor;  // ward/kernel/secure_call.hpp

// While one lives, the running thread cannot be aborted: Thread::abort() only marks it, and it
// ends when the last one goes. For a call that must not be cut short because part of its state
// lives outside the kernel -- a secure call, whose frames, buffers and half-done operation are the
// secure side's -- so that an abort can never leave that state behind, half changed.
class [[nodiscard]] AbortDeferral {
 public:
  AbortDeferral();
  ~AbortDeferral();
  AbortDeferral(const AbortDeferral&) = delete;
  AbortDeferral& operator=(const AbortDeferral&) = delete;
};

// While one lives, the running thread's blocking waits may be ended by an abort even inside an
// AbortDeferral: Thread::abort() wakes such a wait with Error::aborted (and a wait that starts with
// the abort already marked returns it at once), the call returns through its ordinary error path,
// and the deferred abort ends the thread there. Only for a wait whose early end leaves nothing
// behind outside the kernel -- a socket call waiting in its netconn's mailbox for data or a
// connection (lwIP's sys_arch_mbox_fetch, which reads it as a timeout) -- never for one whose
// request lives on the waiter's stack (lwIP's API messages, a secure call).
class [[nodiscard]] AbortableWait {
 public:
  AbortableWait();
  ~AbortableWait();
  AbortableWait(const AbortableWait&) = delete;
  AbortableWait& operator=(const AbortableWait&) = delete;

 private:
  bool outer_;  // nested: the outer scope's mark stays
};
}

// A scheduling priority: 0 (idle only) .. kLevels-1 (most urgent).
struct Priority {
  static constexpr int kLevels = config::priorities;
  static constexpr std::uint8_t kIdle = 0;
  static constexpr std::uint8_t kLowest = 1;
  static constexpr std::uint8_t kHighest = kLevels - 1;

  std::uint8_t level = kLowest;

  constexpr bool valid() const { return level <= kHighest; }
  constexpr auto operator<=>(const Priority&) const = default;
};

// Stack memory for one thread. Aligned for the architecture's stack and memory-protection rules.
template <std::size_t Bytes>
struct alignas(mpu_rules::kGranule) ThreadStack {
  static_assert(Bytes >= 256 && Bytes % mpu_rules::kGranule == 0,
                "thread stacks are at least 256 bytes, a multiple of the MPU's granularity");
  std::byte bytes[Bytes];
  std::span<std::byte> span() { return bytes; }
};

// Stack memory for one user thread: its own `Bytes`, plus the kernel stack its system calls run
// on where the port keeps one in the thread's stack (the Cortex-M port: CONFIG_WARD_SYSCALL_STACK_SIZE
// at the low end, reachable by privileged code only).
template <std::size_t Bytes>
using UserThreadStack = ThreadStack<Bytes + arch::kKernelStackReserve>;

// What happens to a user thread after a fault (memory violation, stack overflow or smash, a
// system call that failed validation): the report is recorded either way.
enum class FaultPolicy : std::uint8_t {
  stop,     // the thread ends (joinable, restartable by privileged code)
  restart,  // the thread starts again from its entry, with a fresh stack (it has not ended:
            // join() keeps waiting)
};

enum class ThreadState : std::uint8_t {
  inactive,  // never started, or finished and reusable
  ready,     // runnable (the running thread is ready too)
  blocked,   // waiting on an object, a sleep or a join
  dead,      // finished or aborted
};

// The architecture's saved context is the first base, at offset 0: the context switch reaches it
// straight from the Thread pointer in ward_switch_state.
class Thread : private arch::Context, public Linked<struct SchedTag>, public TimeoutEntry {
 public:
  using Entry = void (*)(void* arg);

  // All-zero until create(), so threads declared at namespace scope cost no ROM image (.bss).
  constexpr Thread() : TimeoutEntry{nullptr}, joiners_{ListHead::Deferred{}} {}
  Thread(const Thread&) = delete;
  Thread& operator=(const Thread&) = delete;
  ~Thread() = default;

  // Prepares the thread; it does not run until start(). A dead thread may be created again once
  // what it left is released (join() returns then); before that: Error::invalid_state.
  Status create(std::span<std::byte> stack, Entry entry, void* arg, Priority priority, const char* name);
  // Makes a created thread runnable.
  Status start();
  // create() + start().
  Status start(std::span<std::byte> stack, Entry entry, void* arg, Priority priority, const char* name);
  // Prepares a user-mode thread: unprivileged, confined to its stack (aligned and sized for the MPU,
  // as ThreadStack is) and `domain`, reaching the kernel only through system calls, using only the
  // objects granted to it. Needs CONFIG_WARD_USERSPACE.
  Status create_user(std::span<std::byte> stack, Entry entry, void* arg, Priority priority, const char* name,
                     const DomainView& domain, FaultPolicy policy = FaultPolicy::stop);

  // Waits until the thread has finished or been aborted, and what it left has been released (its
  // sockets closed). A user thread restarted after a fault (FaultPolicy::restart) has not
  // finished: join() waits on through the restart.
  Status join(Timeout timeout);
  // Stops the thread wherever it is (running, ready or blocked). Mutexes it holds are released.
  // A thread inside a call that may not be cut short (kernel::AbortDeferral, e.g. a secure call)
  // is marked, and stops when that call is over; join() waits for that.
  Status abort();

  const char* name() const { return name_ != nullptr ? name_ : ""; }
  ThreadState state() const { return state_; }
  Priority priority() const { return priority_; }
  Priority base_priority() const { return base_priority_; }
  Status set_priority(Priority p);
  // Bytes of stack never touched so far (the high-water mark, from the fill pattern).
  std::size_t stack_unused() const;
  std::span<std::byte> stack() const { return stack_; }
  // The part of the stack the thread's own code runs on: all of it for a privileged thread; for a
  // user thread, what is left above its kernel stack (the port decides where that lies).
  std::span<std::byte> user_stack() const {
    if (!is_user()) {
      return stack_;
    }
    std::byte* const base = arch::user_stack_base(*this, stack_);
    return {base, stack_.data() + stack_.size()};
  }

  arch::Context& context() { return *this; }
  const arch::Context& context() const { return *this; }

  // Kernel objects' per-wait data (the item a blocked sender offers, where a receiver wants it).
  void* wait_data() const { return wait_data_; }
  void set_wait_data(void* p) { wait_data_ = p; }

  bool is_user() const { return domain_ != nullptr; }
  const DomainView* domain() const { return domain_; }
  // A user thread's identity for object grants (0 .. CONFIG_WARD_MAX_USER_THREADS-1).
  // (32 for a thread that never had one.)
  unsigned user_id() const { return static_cast<unsigned>(std::countr_zero(grant_bit_)); }
  // Its bit in an object's grants (1 << user id), or 0 for a thread that never had a user id: what
  // every handle lookup tests, kept ready so a system call does not compute it.
  std::uint32_t grant_bit() const { return grant_bit_; }
  // The secure services granted to a user thread beyond the per-client ones every thread has: bit
  // n = service n (ward::grant_secure_service; the PSA transport decides which need a grant).
  std::uint32_t secure_services() const { return secure_services_; }
  // A privileged thread's secure calls made for a user thread (kernel::SecureCallsFor): that
  // thread's number for the secure side (user id + 1), whose quota they count against; 0: its own.
  std::uint8_t secure_account() const { return secure_account_; }
  FaultPolicy fault_policy() const { return fault_policy_; }
  // How many times the kernel has stopped or restarted this thread after a fault.
  unsigned faults() const { return faults_; }

 private:
  friend class kernel::Scheduler;
  friend class Mutex;
  friend class kernel::WaitQueue;
  friend struct kernel::Waiter;
  friend struct kernel::Isolation;
  friend class kernel::AbortDeferral;
  friend class kernel::AbortableWait;
  friend class kernel::SecureCallsFor;

  static void on_timeout(TimeoutEntry& entry);
  static void run(void* self);
  // A new or dead thread has nobody joining it; a restarted one keeps its joiners.
  enum class Joiners : bool { none, keep };
  Status prepare(std::span<std::byte> stack, Entry entry, void* arg, Priority priority, const char* name,
                 const DomainView* domain = nullptr, Joiners joiners = Joiners::none);
  // Prepares a halted thread to run again from its entry, as it was created (the restart policy).
  Status restart();
  // The kernel's idle thread: the only one at priority 0.
  Status create_idle(std::span<std::byte> stack, Entry entry);
  friend Status kernel::create_idle_thread(Thread& t, std::span<std::byte> stack, Entry entry);

  Entry entry_ = nullptr;
  void* arg_ = nullptr;
  const char* name_ = nullptr;
  std::span<std::byte> stack_{};
  Priority base_priority_{0};
  Priority priority_{0};  // base or inherited, whichever is higher
  ThreadState state_ = ThreadState::inactive;
  FaultPolicy fault_policy_ = FaultPolicy::stop;

  // Set while blocked: where the thread waits, and the outcome its waker leaves for it.
  kernel::WaitQueue* wait_queue_ = nullptr;
  Mutex* blocked_on_mutex_ = nullptr;
  Error wait_error_{};
  bool wait_ok_ = false;
  std::uint16_t faults_ = 0;
  // kernel::AbortDeferral: how many are alive on this thread, and whether an abort is waiting.
  std::uint8_t abort_deferrals_ = 0;
  bool abort_pending_ = false;
  bool abortable_wait_ = false;  // kernel::AbortableWait: an abort ends this thread's wait
  // Set when the thread stopped with work left that needs thread context (closing its sockets,
  // kernel/src/socket.cpp): until Scheduler::end_completed, join() waits on and the Thread object
  // cannot be created again.
  bool end_pending_ = false;
  std::uint8_t secure_account_ = 0;  // see secure_account()
  void* wait_data_ = nullptr;         // object-specific: a queue item, event-flag request
  Mutex* held_mutexes_ = nullptr;     // singly linked through Mutex::next_held_
  kernel::WaitQueue joiners_;
  Instant slice_start_{};
  const DomainView* domain_ = nullptr;  // set for user threads only
  // 1 << user id, assigned by the first create_user; 0 until then (keeps Thread all-zero).
  std::uint32_t grant_bit_ = 0;
  // Granted secure services (see secure_services()); kept with the thread object like its grants.
  std::uint32_t secure_services_ = 0;
};

namespace this_thread {
Thread& current();
// Lets the other ready threads of the same priority run first.
void yield();
Status sleep_for(Duration d);
Status sleep_until(Instant t);
}  // namespace this_thread

}  // namespace ward
