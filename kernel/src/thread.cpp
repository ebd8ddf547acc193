#include "ward/kernel/thread.hpp"

#include <cstring>

#include "ward/board.hpp"
#include "ward/kernel/isolation_core.hpp"
#include "ward/kernel/mutex.hpp"
#include "ward/kernel/scheduler.hpp"
#include "ward/kernel/stack_marks.hpp"
#include "ward/panic.hpp"
#include "ward/stack_bound.hpp"

namespace ward {
namespace {
using kernel::KernelLock;
using kernel::scheduler;

// Fill pattern of unused stack, for the high-water mark.
constexpr std::byte kStackFill = kernel::stack_marks::kFill;
}  // namespace

Status Thread::create(std::span<std::byte> stack, Entry entry, void* arg, Priority priority,
                      const char* name) {
  // Level 0 belongs to the idle thread alone (created through create_idle).
  if (priority.level == Priority::kIdle) {
    return fail(Error::invalid_argument);
  }
  return prepare(stack, entry, arg, priority, name);
}

Status Thread::create_idle(std::span<std::byte> stack, Entry entry) {
  return prepare(stack, entry, nullptr, Priority{Priority::kIdle}, "idle");
}

Status Thread::prepare(std::span<std::byte> stack, Entry entry, void* arg, Priority priority,
                       const char* name, const DomainView* domain, Joiners joiners) {
  if (entry == nullptr || !priority.valid() || stack.size() < 256) {
    return fail(Error::invalid_argument);
  }
  {
    KernelLock lock;
    if (state_ != ThreadState::inactive && state_ != ThreadState::dead) {
      return fail(Error::invalid_state);
    }
    // A new program (not a restart, which keeps the joiners) waits until what the last one left
    // is released: its sockets must be closed before anything runs on this Thread again.
    if (end_pending_ && joiners == Joiners::none) {
      return fail(Error::invalid_state);
    }
    state_ = ThreadState::inactive;
    entry_ = nullptr;  // start() refuses until the thread is fully prepared
  }
  // Filling the stack and building the first context need no lock: the thread is not runnable,
  // and interrupts are not held off for as long as a stack takes to fill.
  if constexpr (config::stack_usage) {
    if constexpr (config::stack_marks) {
      // The use of the run that ends, before the fill erases it (a user thread's kernel stack is
      // the low end of its stack: arch::init_user_context).
      kernel::stack_marks::refilling(stack, config::userspace && domain != nullptr ? arch::kKernelStackReserve : 0);
    }
    std::memset(stack.data(), static_cast<int>(kStackFill), stack.size());
  }
  if constexpr (config::userspace) {
    if (domain != nullptr) {
      // A user thread starts at its own entry, unprivileged; it cannot run Thread::run, which
      // touches kernel data, so its return goes through the thread_exit system call instead.
      arch::init_user_context(context(), stack.data(), stack.size(), entry, arg, domain);
    } else {
      arch::init_context(context(), stack.data(), stack.size(), &Thread::run, this);
    }
  } else {
    arch::init_context(context(), stack.data(), stack.size(), &Thread::run, this);
  }
  KernelLock lock;
  set_expire(&on_timeout);
  if (joiners == Joiners::none) {
    joiners_.init();  // nobody can be waiting: the thread is new or has ended
  }
  entry_ = entry;
  arg_ = arg;
  name_ = name;
  stack_ = stack;
  base_priority_ = priority_ = priority;
  wait_queue_ = nullptr;
  blocked_on_mutex_ = nullptr;
  held_mutexes_ = nullptr;
  abort_deferrals_ = 0;
  abort_pending_ = false;
  domain_ = domain;
  return {};
}

Status Thread::restart() {
  // Copies: prepare() clears entry_ while it works.
  return prepare(stack_, entry_, arg_, base_priority_, name_, domain_, Joiners::keep);
}

Status Thread::create_user(std::span<std::byte> stack, Entry entry, void* arg, Priority priority, const char* name,
                           const DomainView& domain, FaultPolicy policy) {
  if constexpr (!config::userspace) {
    return fail(Error::invalid_state);
  }
  if (priority.level == Priority::kIdle) {
    return fail(Error::invalid_argument);
  }
  return kernel::Isolation::create_user(*this, stack, entry, arg, priority, name, domain, policy);
}

Status Thread::start(std::span<std::byte> stack, Entry entry, void* arg, Priority priority,
                     const char* name) {
  if (auto s = create(stack, entry, arg, priority, name); !s) {
    return s;
  }
  return start();
}

Status Thread::start() {
  KernelLock lock;
  if (state_ != ThreadState::inactive || entry_ == nullptr) {
    return fail(Error::invalid_state);
  }
  scheduler().make_ready(*this);
  return {};
}

void Thread::run(void* self_ptr) {
  auto& self = *static_cast<Thread*>(self_ptr);
  self.entry_(self.arg_);
  KernelLock lock;
  scheduler().finish(self);
  arch::exit_current_thread();
}

Status Thread::join(Timeout timeout) {
  KernelLock lock;
  if (this == scheduler().current()) {
    return fail(Error::deadlock);
  }
  if (state_ == ThreadState::dead && !end_pending_) {
    return {};
  }
  if (state_ == ThreadState::inactive) {
    return fail(Error::invalid_state);
  }
  return scheduler().wait(lock.saved(), &joiners_, timeout);
}

Status Thread::abort() {
  if (base_priority_.level == Priority::kIdle) {
    return fail(Error::invalid_argument);  // the kernel cannot run without its idle thread
  }
  KernelLock lock;
  if (state_ == ThreadState::dead || state_ == ThreadState::inactive) {
    return fail(Error::invalid_state);
  }
  if (abort_deferrals_ != 0) {
    abort_pending_ = true;  // ~AbortDeferral ends it
    if (config::abortable_waits && abortable_wait_ && state_ == ThreadState::blocked) {
      scheduler().wake(*this, fail(Error::aborted));  // a wait that may end early: it returns now
    }
    return {};
  }
  const bool running = this == scheduler().current();
  scheduler().finish(*this);
  if (running && !arch::in_isr()) {
    arch::exit_current_thread();
  }
  if (running) {
    // Aborted from an interrupt while it was the running thread: it must not count as the
    // running thread any more, or the next context switch would save its registers over
    // whatever context the thread object gets next (a restart from this same handler).
    arch::forget_running_thread();
  }
  arch::thread_aborted(context());
  return {};
}

namespace kernel {

AbortDeferral::AbortDeferral() {
  KernelLock lock;
  ++scheduler().current()->abort_deferrals_;
}

AbortDeferral::~AbortDeferral() {
  KernelLock lock;
  Thread& self = *scheduler().current();
  if (--self.abort_deferrals_ == 0 && self.abort_pending_) {
    self.abort_pending_ = false;
    scheduler().finish(self);
    arch::exit_current_thread();  // does not return: the thread was aborted
  }
}

AbortableWait::AbortableWait() {
  KernelLock lock;
  Thread& self = *scheduler().current();
  outer_ = self.abortable_wait_;
  self.abortable_wait_ = true;
}

AbortableWait::~AbortableWait() {
  KernelLock lock;
  scheduler().current()->abortable_wait_ = outer_;
}

}  // namespace kernel

Status Thread::set_priority(Priority p) {
  if (!p.valid() || p.level == Priority::kIdle || base_priority_.level == Priority::kIdle) {
    return fail(Error::invalid_argument);
  }
  KernelLock lock;
  base_priority_ = p;
  Mutex::update_priority(*this);
  return {};
}

std::size_t Thread::stack_unused() const {
  if constexpr (!config::stack_usage) {
    return 0;
  }
  // The stack grows down: untouched fill bytes remain at the low end.
  std::size_t n = 0;
  while (n < stack_.size() && stack_[n] == kStackFill) {
    ++n;
  }
  return n;
}

void Thread::on_timeout(TimeoutEntry& entry) {
  auto& t = static_cast<Thread&>(entry);
  scheduler().wake(t, fail(Error::timeout));
}

namespace this_thread {

Thread& current() { return *kernel::scheduler().current(); }

void yield() {
  if (arch::in_isr()) {
    return;  // an interrupt has no place in a priority level to give up
  }
  KernelLock lock;
  scheduler().yield_current();
}

Status sleep_until(Instant t) {
  if (arch::in_isr()) {
    return fail(Error::in_isr);
  }
  KernelLock lock;
  auto s = scheduler().block_current(lock.saved(), nullptr, Timeout::until(t));
  // Nobody wakes a sleeper early: the timeout is the normal end of a sleep.
  if (!s && s.error() == Error::timeout) {
    return {};
  }
  return s;
}

Status sleep_for(Duration d) {
  // At least one count, so a sleep always lets the others run.
  return sleep_until(now() + (d.ticks() > 0 ? d : Duration::ticks(1)));
}

}  // namespace this_thread

// ---- Kernel start ------------------------------------------------------------------------------

namespace kernel {

Status create_idle_thread(Thread& t, std::span<std::byte> stack, void (*entry)(void*)) {
  return t.create_idle(stack, entry);
}

namespace {
ThreadStack<config::idle_stack_size> idle_stack;
constinit Thread idle_thread;
ThreadStack<config::main_thread_stack_size> main_stack;
constinit Thread main_thread;

void idle_loop(void*) {
  for (;;) {
    arch::idle();
  }
}

void main_entry(void* app_main) {
  const int status = reinterpret_cast<int (*)()>(app_main)();
  board::exit(status);
}
// The build's stack bound (docs/stack-bounds.md): main_entry calls the application's main()
// (kernel/stackbound.conf says so).
WARD_STACK_BOUND_THREAD(idle_stack, idle_loop);
WARD_STACK_BOUND_THREAD(main_stack, main_entry);
}  // namespace

void start(int (*app_main)()) {
  arch::timer_init();  // before anything reads the time
  const bool started =
      create_idle_thread(idle_thread, idle_stack.span(), &idle_loop) && idle_thread.start() &&
      main_thread.start(main_stack.span(), &main_entry, reinterpret_cast<void*>(app_main),
                        Priority{static_cast<std::uint8_t>(config::main_thread_priority)}, "main");
  kassert(started, "kernel threads");
  scheduler().start();
}

void Scheduler::prepare_start() {
  arch::forget_running_thread();
  ward_switch_state.next = ready_.highest();
  started_ = true;
  arm_timer();
}

void Scheduler::start() {
  (void)arch::irq_lock();
  prepare_start();
  arch::start_scheduler();
}

}  // namespace kernel

Instant now() {
  kernel::KernelLock lock;
  return kernel::scheduler().now();
}

}  // namespace ward
