// The host port: kernel threads on POSIX threads with a baton, simulated interrupts and time.
// See ward/arch/port.hpp (host) and ward/host/kernel.hpp.
//
// A user thread runs its own code on the stack it was given, as on the target, so its local
// variables are in Thread::stack() and it can pass them to system calls. Kernel code runs on the
// POSIX thread's own stack (the host's "kernel stack": ordinary library code with host-sized
// frames). A system call is the switch from the first to the second and back (the host's trap).
#include <pthread.h>
#include <semaphore.h>
#if !defined(__x86_64__)
#include <ucontext.h>
#endif

#include <csetjmp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

#include "ward/host/kernel.hpp"
#include "ward/kernel/isolation_core.hpp"
#include "ward/syscalls.hpp"
#include "ward/kernel/scheduler.hpp"

namespace ward::arch {
namespace {

// ---- Switching between a user thread's two stacks -----------------------------------------------
// One side (its own code, or its kernel side) stops in switch_side() and the other resumes where it
// stopped. On x86-64 a stopped side is its stack pointer, with its callee-saved registers pushed
// on its stack: no library call, no system call, 56 bytes below the caller's frame, and nothing
// for the sanitizers to intercept. Elsewhere, ucontext (slower, and under ASan its interceptor
// warns once and needs more of the user stack).
#if defined(__x86_64__)
extern "C" void ward_host_switch_stack(void** save_sp, void* load_sp);
asm(R"(
  .text
  .p2align 4
  .type ward_host_switch_stack, @function
ward_host_switch_stack:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
  .size ward_host_switch_stack, .-ward_host_switch_stack
)");

struct Side {
  void* sp = nullptr;
};

// A side that starts at `start` on the empty `stack` (its first switch_side() to it "returns"
// into start, which must never return).
void make_side(Side& side, std::byte* stack, std::size_t size, void (*start)()) {
  // Top 16-byte aligned; start is entered as if called: its return address (0) at top - 8.
  auto* top = reinterpret_cast<std::uintptr_t*>(reinterpret_cast<std::uintptr_t>(stack + size) & ~std::uintptr_t{15});
  top[-1] = 0;
  top[-2] = reinterpret_cast<std::uintptr_t>(start);
  for (int i = 3; i <= 8; ++i) {
    top[-i] = 0;  // rbp, rbx, r12-r15
  }
  side.sp = top - 8;
}

void switch_side(Side& from, Side& to) { ward_host_switch_stack(&from.sp, to.sp); }
#else
struct Side {
  ucontext_t context{};
};

void check_context(int rc, const char* what) {
  if (rc != 0) {
    std::perror(what);
    std::abort();
  }
}

void make_side(Side& side, std::byte* stack, std::size_t size, void (*start)()) {
  check_context(getcontext(&side.context), "getcontext");
  side.context.uc_stack.ss_sp = stack;
  side.context.uc_stack.ss_size = size;
  side.context.uc_link = nullptr;
  makecontext(&side.context, start, 0);
}

void switch_side(Side& from, Side& to) { check_context(swapcontext(&from.context, &to.context), "swapcontext"); }
#endif

// Bytes switch_side() needs below its caller's frame.
constexpr std::size_t kSwitchRoom = 64;

}  // namespace

struct HostThread {
  pthread_t tid{};
  sem_t baton{};
  void (*entry)(void*) = nullptr;
  void* arg = nullptr;
  bool killed = false;
  // Where a kernel thread that ends leaves its POSIX thread's stack for trampoline(). cert-err52-cpp
  // would have exceptions do this; Ward's code is built without them (-fno-exceptions).
  std::jmp_buf exit_point{};

  // A user thread's own side (stack is null for a privileged thread, which runs on the POSIX
  // thread's stack only).
  std::byte* stack = nullptr;
  std::size_t stack_size = 0;
  bool in_user = false;          // running its own code, on its own stack, unprivileged
  Side user_side;                // the user code, stopped at its trap
  Side kernel_side;              // the kernel side, waiting for the next trap
  void (*trap_work)(HostThread&) = nullptr;  // what the trap asks the kernel side to do
  std::uint32_t call = 0;        // a system call's number, argument words and result
  std::uintptr_t words[4] = {};
  std::uint64_t result = 0;
  std::uintptr_t syscall_sp = 0;  // the user stack pointer at the call (user_stack_floor)
  // For AddressSanitizer: the kernel side's stack, and each side's fake stack while it waits.
  const void* kernel_stack = nullptr;
  std::size_t kernel_stack_size = 0;
  void* kernel_fake_stack = nullptr;
  void* user_fake_stack = nullptr;
};

namespace {
constexpr std::uint64_t kNever = std::numeric_limits<std::uint64_t>::max();

// Only one kernel thread runs at a time, and every hand-over goes through a semaphore, so these
// are never accessed concurrently.
bool masked = false;
bool handling_interrupt = false;
bool switch_pending = false;
std::uint64_t sim_now = 0;
std::uint64_t deadline = kNever;
std::vector<std::unique_ptr<HostThread>> host_threads;
thread_local HostThread* self = nullptr;

sem_t run_finished;
int run_status = 0;

void check(int rc, const char* what) {
  if (rc != 0) {
    std::perror(what);
    std::abort();
  }
}

// ---- AddressSanitizer and the two stacks of a user thread ---------------------------------------
// ASan must be told which stack runs after each switch. And a user stack left with frames that
// never returned (the thread ended, faulted or was aborted inside a call) must lose their poisoned
// red zones: the kernel fills the stack again when the thread is created or restarted.
void before_stack_switch([[maybe_unused]] void** fake_stack_save, [[maybe_unused]] const void* bottom,
                         [[maybe_unused]] std::size_t size) {
#if defined(__SANITIZE_ADDRESS__)
  __sanitizer_start_switch_fiber(fake_stack_save, bottom, size);
#endif
}

void after_stack_switch([[maybe_unused]] void* fake_stack_save, [[maybe_unused]] const void** old_bottom,
                        [[maybe_unused]] std::size_t* old_size) {
#if defined(__SANITIZE_ADDRESS__)
  __sanitizer_finish_switch_fiber(fake_stack_save, old_bottom, old_size);
#endif
}

void abandon_user_stack([[maybe_unused]] HostThread& h) {
#if defined(__SANITIZE_ADDRESS__)
  if (h.stack != nullptr) {
    ASAN_UNPOISON_MEMORY_REGION(h.stack, h.stack_size);
  }
#endif
}

// ---- A user thread's trap --------------------------------------------------------------------

// From user code: runs `work` on the kernel side, then comes back here.
void trap(HostThread& h, void (*work)(HostThread&)) {
  // The deepest point of the trap: on the target the stack limit stops a thread that goes below
  // its stack; here it has already overwritten the memory below, so at least stop there.
  const auto low = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
  const auto base = reinterpret_cast<std::uintptr_t>(h.stack);
  if (low < base + kSwitchRoom || low > base + h.stack_size) {
    (void)std::fprintf(stderr, "ward host: user thread '%s' overflowed its %zu-byte stack\n",
                       ward_switch_state.current->name(), h.stack_size);
    std::abort();
  }
  h.trap_work = work;
  before_stack_switch(&h.user_fake_stack, h.kernel_stack, h.kernel_stack_size);
  switch_side(h.user_side, h.kernel_side);
  after_stack_switch(h.user_fake_stack, nullptr, nullptr);
}

// The first code of a user thread, on its own stack.
void user_thread_start() {
  HostThread& h = *self;
  after_stack_switch(nullptr, &h.kernel_stack, &h.kernel_stack_size);
  h.entry(h.arg);
  ward_user_thread_return();  // the thread_exit call: does not return
  std::abort();
}

// The kernel side of a user thread: runs its code until it traps, does what the trap asks,
// and goes back. It leaves only through exit_point, when the thread ends.
[[noreturn]] void serve_user_thread(HostThread& h) {
  make_side(h.user_side, h.stack, h.stack_size, &user_thread_start);
  for (;;) {
    h.in_user = true;
    before_stack_switch(&h.kernel_fake_stack, h.stack, h.stack_size);
    switch_side(h.kernel_side, h.user_side);
    after_stack_switch(h.kernel_fake_stack, nullptr, nullptr);
    h.in_user = false;
    h.trap_work(h);
  }
}

// Kernel side of a system call: the same range check as the target's SVC handler, then the
// verified entry.
void serve_call(HostThread& h) {
  if (h.call >= sys::kCount) {
    syscall_rejected(h.call, 0xff, static_cast<std::uint32_t>(FaultKind::bad_syscall), 0);
  }
  h.result = kernel::ward_syscall_table[h.call](h.words[0], h.words[1], h.words[2], h.words[3]);
}

// Running a user thread's own code: on its own stack, unprivileged.
bool in_user_mode() { return self != nullptr && self->in_user; }

void* trampoline(void* p) {
  auto* h = static_cast<HostThread*>(p);
  while (sem_wait(&h->baton) != 0) {
  }
  if (!h->killed && setjmp(h->exit_point) == 0) {  // NOLINT(cert-err52-cpp): how a thread ends, without exceptions
    self = h;
    if (h->stack != nullptr) {
      serve_user_thread(*h);
    }
    h->entry(h->arg);
  }
  return nullptr;
}

HostThread* host_of(Thread* t) { return t->context().host; }

// Hands the CPU to ward_switch_state.next and waits until this thread gets it back.
void switch_now() {
  if (in_user_mode()) {
    // An interrupt preempts the thread's own code: the switch happens on its kernel side (on the
    // target, in PendSV, off the thread's stack), so a thread is only ever parked there.
    trap(*self, [](HostThread&) { switch_now(); });
    return;
  }
  switch_pending = false;
  Thread* from = ward_switch_state.current;
  Thread* to = ward_switch_state.next;
  if (from == to || to == nullptr) {
    return;
  }
  ward_switch_state.current = to;
  HostThread* me = self;
  check(sem_post(&host_of(to)->baton), "sem_post");
  while (sem_wait(&me->baton) != 0) {
  }
  if (me->killed) {
    std::longjmp(me->exit_point, 1);  // NOLINT(cert-err52-cpp): how a thread ends, without exceptions
  }
}

void maybe_switch() {
  if (switch_pending && !masked && !handling_interrupt) {
    switch_now();
  }
}

void fire_timer() {
  handling_interrupt = true;
  kernel::scheduler().timer_interrupt();
  handling_interrupt = false;
  maybe_switch();
}

// Ends the current run of the kernel from within one of its threads.
[[noreturn]] void end_run(int status) {
  run_status = status;
  check(sem_post(&run_finished), "sem_post");
  std::longjmp(self->exit_point, 1);  // NOLINT(cert-err52-cpp): how a thread ends, without exceptions
}
}  // namespace

IrqState irq_lock() {
  const bool was = masked;
  masked = true;
  return was;
}

void irq_unlock(IrqState state) {
  masked = state;
  maybe_switch();
}

bool in_isr() { return handling_interrupt; }

void request_switch() { switch_pending = true; }

void idle() {
  if (deadline == kNever) {
    (void)std::fprintf(stderr, "ward host: every thread is blocked forever (deadlock)\n");
    end_run(host::kDeadlock);
  }
  sim_now = deadline > sim_now ? deadline : sim_now;
  fire_timer();
}

namespace {
// A POSIX thread for a kernel thread; `user_stack` set: a user thread, which runs its code there.
void make_host_thread(Context& ctx, void (*entry)(void*), void* arg, std::byte* user_stack, std::size_t size) {
  auto h = std::make_unique<HostThread>();
  h->entry = entry;
  h->arg = arg;
  h->stack = user_stack;
  h->stack_size = size;
  check(sem_init(&h->baton, 0, 0), "sem_init");
  check(pthread_create(&h->tid, nullptr, &trampoline, h.get()), "pthread_create");
  ctx.host = h.get();
  host_threads.push_back(std::move(h));
}
}  // namespace

// A privileged thread runs kernel code: on its POSIX thread's stack, not the one it was given.
void init_context(Context& ctx, std::byte*, std::size_t, void (*entry)(void*), void* arg) {
  make_host_thread(ctx, entry, arg, nullptr, 0);
}

void init_user_context(Context& ctx, std::byte* stack, std::size_t size, void (*entry)(void*), void* arg,
                       const void*) {
  make_host_thread(ctx, entry, arg, stack, size);
}

std::uintptr_t user_stack_floor(const Context& ctx) { return ctx.host != nullptr ? ctx.host->syscall_sp : 0; }

MemoryRange user_readable_image() { return {0, 0}; }  // no memory protection on the host

bool privileged() { return handling_interrupt || !in_user_mode(); }

std::uint64_t syscall(std::uint32_t id, std::uintptr_t a0, std::uintptr_t a1, std::uintptr_t a2, std::uintptr_t a3) {
  HostThread* h = self;
  if (!in_user_mode()) {
    (void)std::fprintf(stderr, "ward host: a system-call trap outside user mode\n");
    std::abort();
  }
  // The caller's stack pointer before the call: below it lie the trap's own frames.
  h->syscall_sp = reinterpret_cast<std::uintptr_t>(__builtin_dwarf_cfa());
  h->call = id;
  h->words[0] = a0;
  h->words[1] = a1;
  h->words[2] = a2;
  h->words[3] = a3;
  trap(*h, &serve_call);
  return h->result;
}

void syscall_rejected(std::uint32_t call, std::uint32_t argument, std::uint32_t kind, std::uint32_t detail) {
  FaultReport r;
  r.kind = static_cast<FaultKind>(kind);
  r.syscall = static_cast<std::int32_t>(call);
  r.argument = static_cast<std::int8_t>(argument);
  r.detail = static_cast<std::uint8_t>(detail);
  kernel::KernelLock lock;
  kernel::Isolation::contain(*ward_switch_state.current, r);
  exit_current_thread();
}

void start_scheduler() { std::abort(); }  // the host starts through host::run_kernel

void exit_current_thread() {
  if (in_user_mode()) {  // leaves from the kernel side, like a switch
    trap(*self, [](HostThread&) { exit_current_thread(); });
  }
  masked = false;
  switch_pending = false;
  Thread* to = ward_switch_state.next;
  ward_switch_state.current = to;
  HostThread* me = self;
  abandon_user_stack(*me);
  check(sem_post(&host_of(to)->baton), "sem_post");
  std::longjmp(me->exit_point, 1);  // NOLINT(cert-err52-cpp): how a thread ends, without exceptions
}

// The thread waits in switch_now(), on its kernel side: it leaves through exit_point when it
// next gets the baton.
void thread_aborted(Context& ctx) {
  abandon_user_stack(*ctx.host);
  ctx.host->killed = true;
  check(sem_post(&ctx.host->baton), "sem_post");
}

void forget_running_thread() {
  if (Thread* t = ward_switch_state.current; t != nullptr) {
    abandon_user_stack(*host_of(t));  // contained: it never returns to its user code
  }
  ward_switch_state.current = nullptr;
}

void timer_init() {}
std::uint64_t timer_now() { return sim_now; }
void timer_set_deadline(std::uint64_t d) { deadline = d; }

}  // namespace ward::arch

namespace ward::host {
namespace {
Body current_body = nullptr;
alignas(Thread) std::byte idle_storage[sizeof(Thread)];
alignas(Thread) std::byte main_storage[sizeof(Thread)];
ThreadStack<256> unused_stack;  // privileged host threads run on their pthread's stack

void idle_entry(void*) {
  for (;;) {
    arch::idle();
  }
}

void main_entry(void*) { arch::end_run(current_body()); }
}  // namespace

int run_kernel(Body body, std::uint8_t main_priority) {
  using namespace arch;
  kernel::scheduler().reset();
  // Like reset on the target, the boot context runs masked: nothing switches before the start.
  masked = true;
  handling_interrupt = switch_pending = false;
  sim_now = 0;
  deadline = kNever;
  current_body = body;
  check(sem_init(&run_finished, 0, 0), "sem_init");

  auto* idle = std::construct_at(reinterpret_cast<Thread*>(idle_storage));
  auto* main = std::construct_at(reinterpret_cast<Thread*>(main_storage));
  if (!kernel::create_idle_thread(*idle, unused_stack.span(), &idle_entry) ||
      !idle->start() ||
      !main->create(unused_stack.span(), &main_entry, nullptr, Priority{main_priority}, "main") ||
      !main->start()) {
    (void)std::fprintf(stderr, "ward host: cannot start the kernel's threads\n");
    std::abort();
  }
  kernel::scheduler().prepare_start();
  masked = false;
  switch_pending = false;
  ward_switch_state.current = ward_switch_state.next;
  check(sem_post(&ward_switch_state.current->context().host->baton), "sem_post");
  while (sem_wait(&run_finished) != 0) {
  }

  // The run is over: stop every thread still parked, and wait for all of them.
  for (auto& h : host_threads) {
    h->killed = true;
    sem_post(&h->baton);
  }
  for (auto& h : host_threads) {
    pthread_join(h->tid, nullptr);
    sem_destroy(&h->baton);
    abandon_user_stack(*h);  // the stacks are static: the next run reuses them
  }
  host_threads.clear();
  sem_destroy(&run_finished);
  std::destroy_at(main);
  std::destroy_at(idle);
  return run_status;
}

void interrupt(void (*handler)(void*), void* arg) {
  const bool was = arch::masked;
  arch::handling_interrupt = true;
  handler(arg);
  arch::handling_interrupt = false;
  arch::masked = was;
  arch::maybe_switch();
}

void advance_time(Duration d) {
  const std::uint64_t target = arch::sim_now + static_cast<std::uint64_t>(d.ticks());
  while (arch::deadline <= target) {
    arch::sim_now = arch::deadline > arch::sim_now ? arch::deadline : arch::sim_now;
    arch::fire_timer();
  }
  arch::sim_now = target > arch::sim_now ? target : arch::sim_now;
}

}  // namespace ward::host
