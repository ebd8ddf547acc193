// The host port: kernel threads on POSIX threads with a baton, simulated interrupts and time.
// See ward/arch/port.hpp (host) and ward/host/kernel.hpp.
#include <pthread.h>
#include <semaphore.h>

#include <csetjmp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <vector>

#include "ward/host/kernel.hpp"
#include "ward/kernel/isolation_core.hpp"
#include "ward/syscalls.hpp"
#include "ward/kernel/scheduler.hpp"

namespace ward::arch {

struct HostThread {
  pthread_t tid{};
  sem_t baton{};
  void (*entry)(void*) = nullptr;
  void* arg = nullptr;
  bool user = false;  // a user thread: returning from entry ends it through the thread_exit call
  bool killed = false;
  std::jmp_buf exit_point{};
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

void* trampoline(void* p) {
  auto* h = static_cast<HostThread*>(p);
  while (sem_wait(&h->baton) != 0) {
  }
  if (!h->killed && setjmp(h->exit_point) == 0) {
    self = h;
    h->entry(h->arg);
    if (h->user) {
      ward_user_thread_return();
    }
  }
  return nullptr;
}

HostThread* host_of(Thread* t) { return t->context().host; }

// Hands the CPU to ward_switch_state.next and waits until this thread gets it back.
void switch_now() {
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
    std::longjmp(me->exit_point, 1);
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
  std::longjmp(self->exit_point, 1);
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
    std::fprintf(stderr, "ward host: every thread is blocked forever (deadlock)\n");
    end_run(host::kDeadlock);
  }
  sim_now = deadline > sim_now ? deadline : sim_now;
  fire_timer();
}

void init_context(Context& ctx, std::byte*, std::size_t, void (*entry)(void*), void* arg) {
  auto h = std::make_unique<HostThread>();
  h->entry = entry;
  h->arg = arg;
  check(sem_init(&h->baton, 0, 0), "sem_init");
  check(pthread_create(&h->tid, nullptr, &trampoline, h.get()), "pthread_create");
  ctx.host = h.get();
  host_threads.push_back(std::move(h));
}

void init_user_context(Context& ctx, std::byte* stack, std::size_t size, void (*entry)(void*), void* arg,
                       const void*) {
  init_context(ctx, stack, size, entry, arg);
  ctx.host->user = true;
}

MemoryRange user_readable_image() { return {0, 0}; }  // no memory protection on the host

bool privileged() {
  const Thread* t = ward_switch_state.current;
  return handling_interrupt || t == nullptr || !t->is_user();
}

std::uint64_t syscall(std::uint32_t id, std::uintptr_t a0, std::uintptr_t a1, std::uintptr_t a2, std::uintptr_t a3) {
  // The host's "trap": the same range check as the target's SVC handler, then the verified entry.
  if (id >= sys::kCount) {
    syscall_rejected(id, 0xff, static_cast<std::uint32_t>(FaultKind::bad_syscall), 0);
  }
  return kernel::ward_syscall_table[id](a0, a1, a2, a3);
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
  masked = false;
  switch_pending = false;
  Thread* to = ward_switch_state.next;
  ward_switch_state.current = to;
  HostThread* me = self;
  check(sem_post(&host_of(to)->baton), "sem_post");
  std::longjmp(me->exit_point, 1);
}

void thread_aborted(Context& ctx) {
  ctx.host->killed = true;
  check(sem_post(&ctx.host->baton), "sem_post");
}

void forget_running_thread() { ward_switch_state.current = nullptr; }

void timer_init() {}
std::uint64_t timer_now() { return sim_now; }
void timer_set_deadline(std::uint64_t d) { deadline = d; }

}  // namespace ward::arch

namespace ward::host {
namespace {
Body current_body = nullptr;
alignas(Thread) std::byte idle_storage[sizeof(Thread)];
alignas(Thread) std::byte main_storage[sizeof(Thread)];
ThreadStack<256> unused_stack;  // host threads run on their pthread's stack

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
    std::fprintf(stderr, "ward host: cannot start the kernel's threads\n");
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
