// lwIP's operating-system port (NO_SYS=0) on Ward's kernel: semaphores, mutexes, mailboxes and
// threads from static pools of kernel objects, time from the kernel clock, lwIP's critical
// sections as the kernel lock. Compiled inside each image (ward_net is an INTERFACE library), so
// the kernel objects follow that image's configuration.
//
// Pools, not a heap: lwIP creates its objects when the stack starts and when a netconn is made;
// a pool that runs dry makes that call fail with ERR_MEM (lwIP's own contract), never allocates.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <new>

extern "C" {
#include "lwip/sys.h"
}

#include "ward/kernel.hpp"
#include "ward/kernel/lock.hpp"
#include "ward/net/random.hpp"
#include "ward/panic.hpp"
#include "ward/stack_bound.hpp"

// The handle types lwIP passes around (arch/sys_arch.h) are these, each one slot of a pool. A slot
// taken again gets a fresh object (placement new over the old one, whose lifetime has ended: lwIP
// frees an object only when no thread waits on it).
struct ward_lwip_sem {
  ward::Semaphore object{0, 0xffffu};
  bool used = false;
};
struct ward_lwip_mutex {
  ward::Mutex object;
  bool used = false;
};
// A mailbox holds message pointers. Its capacity is the largest any lwIP mailbox asks for
// (lwipopts.h: TCPIP_MBOX_SIZE, the DEFAULT_*_RECVMBOX_SIZE).
constexpr std::size_t kMboxCapacity = 16;
using MboxQueue = ward::Queue<void*, kMboxCapacity>;
struct ward_lwip_mbox {
  MboxQueue object;
  bool used = false;
};
struct ward_lwip_thread {
  ward::ThreadStack<TCPIP_THREAD_STACKSIZE> stack{};
  ward::Thread thread;
  lwip_thread_fn entry = nullptr;  // what sys_thread_new was given (thread_entry runs it)
  void* arg = nullptr;
  bool used = false;
};

namespace ward::net::lwip_port {
namespace {
// One semaphore per netconn (op_completed) and the tcpip thread's; one mailbox per netconn (two
// for a listener) and the tcpip thread's; mutexes for lwIP's core protections.
constexpr std::size_t kSems = MEMP_NUM_NETCONN + 4;
constexpr std::size_t kMutexes = 4;
constexpr std::size_t kMboxes = 2 * MEMP_NUM_NETCONN + 2;
constexpr std::size_t kThreads = 1;  // lwIP starts one thread: tcpip_thread

ward_lwip_sem sems[kSems];
ward_lwip_mutex mutexes[kMutexes];
ward_lwip_mbox mboxes[kMboxes];
ward_lwip_thread threads[kThreads];

// Every lwIP thread starts here and runs what sys_thread_new was given: lwIP's own entry (tcpip.c's
// tcpip_thread) is a static function a stack-bound declaration cannot name, so the thread's stack
// is declared with this one, and lib/net/stackbound.conf says what it calls.
void thread_entry(void* slot) {
  auto* t = static_cast<ward_lwip_thread*>(slot);
  t->entry(t->arg);
}
static_assert(kThreads == 1, "one stack-bound declaration per thread slot");
WARD_STACK_BOUND_THREAD(threads[0].stack, thread_entry);

// Takes a free slot of `pool`, or null. Slots are taken from lwIP's thread and from application
// threads, so the search runs under the kernel lock.
template <class Slot, std::size_t N>
Slot* take(Slot (&pool)[N]) {
  kernel::KernelLock lock;
  for (auto& s : pool) {
    if (!s.used) {
      s.used = true;
      return &s;
    }
  }
  return nullptr;
}

template <class Slot>
void give_back(Slot* s) {
  kernel::KernelLock lock;
  s->used = false;
}

// lwIP's timeouts are milliseconds, 0 meaning "wait forever".
Timeout timeout_of(u32_t ms) { return ms == 0 ? Timeout::forever() : Timeout::after(Duration::ms(ms)); }

// What lwIP's blocking calls return: the milliseconds waited, or SYS_ARCH_TIMEOUT.
u32_t waited_since(Instant start) {
  const std::int64_t ms = (now() - start).to_us() / 1000;
  constexpr std::int64_t kMax = std::int64_t{SYS_ARCH_TIMEOUT} - 1;
  return static_cast<u32_t>(std::clamp<std::int64_t>(ms, 0, kMax));
}

Priority priority_of(int prio) {
  if (prio < Priority::kLowest) return Priority{Priority::kLowest};
  if (prio > Priority::kHighest) return Priority{Priority::kHighest};
  return Priority{static_cast<std::uint8_t>(prio)};
}
}  // namespace
}  // namespace ward::net::lwip_port

using namespace ward::net::lwip_port;  // NOLINT(google-build-using-namespace): the C API below

extern "C" {

void sys_init(void) {}

u32_t sys_now(void) {
  // Wraps after 49 days, as lwIP expects of a 32-bit millisecond clock.
  return static_cast<u32_t>((ward::now() - ward::Instant{}).to_us() / 1000);
}

sys_prot_t sys_arch_protect(void) { return ward::arch::irq_lock(); }
void sys_arch_unprotect(sys_prot_t state) { ward::arch::irq_unlock(static_cast<ward::arch::IrqState>(state)); }

err_t sys_sem_new(sys_sem_t* sem, u8_t count) {
  auto* s = take(sems);
  if (s == nullptr) {
    *sem = nullptr;
    return ERR_MEM;
  }
  new (&s->object) ward::Semaphore{count, 0xffffu};
  *sem = s;
  return ERR_OK;
}

void sys_sem_free(sys_sem_t* sem) {
  if (sem != nullptr && *sem != nullptr) {
    give_back(*sem);
    *sem = nullptr;
  }
}

void sys_sem_signal(sys_sem_t* sem) { (void)(*sem)->object.give(); }

u32_t sys_arch_sem_wait(sys_sem_t* sem, u32_t timeout) {
  const ward::Instant start = ward::now();
  if (!(*sem)->object.take(timeout_of(timeout))) {
    return SYS_ARCH_TIMEOUT;
  }
  return waited_since(start);
}

err_t sys_mutex_new(sys_mutex_t* mutex) {
  auto* m = take(mutexes);
  if (m == nullptr) {
    *mutex = nullptr;
    return ERR_MEM;
  }
  new (&m->object) ward::Mutex{};
  *mutex = m;
  return ERR_OK;
}

void sys_mutex_free(sys_mutex_t* mutex) {
  if (mutex != nullptr && *mutex != nullptr) {
    give_back(*mutex);
    *mutex = nullptr;
  }
}

void sys_mutex_lock(sys_mutex_t* mutex) {
  if (!(*mutex)->object.lock()) {
    ward::panic("lwip: mutex lock failed");
  }
}

void sys_mutex_unlock(sys_mutex_t* mutex) { (void)(*mutex)->object.unlock(); }

err_t sys_mbox_new(sys_mbox_t* mbox, int size) {
  if (size < 0 || static_cast<std::size_t>(size) > kMboxCapacity) {
    *mbox = nullptr;
    return ERR_MEM;
  }
  auto* b = take(mboxes);
  if (b == nullptr) {
    *mbox = nullptr;
    return ERR_MEM;
  }
  new (&b->object) MboxQueue{};
  *mbox = b;
  return ERR_OK;
}

// lwIP frees a netconn's mailbox when the netconn goes (or a listener trades its receive mailbox
// for an accept mailbox). A thread still waiting in it would be left in memory the next mailbox
// reuses: its wait is ended first (Error::aborted: the fetch reads as a timeout). The handle is
// cleared under the same lock, so ward_lwip_mbox_abort_waiters never reaches a reused slot.
void sys_mbox_free(sys_mbox_t* mbox) {
  if (mbox != nullptr && *mbox != nullptr) {
    ward::kernel::KernelLock lock;
    (*mbox)->object.core().abort_waiters();
    (*mbox)->used = false;
    *mbox = nullptr;
  }
}

void ward_lwip_mbox_abort_waiters(sys_mbox_t* mbox) {
  ward::kernel::KernelLock lock;
  if (mbox != nullptr && *mbox != nullptr && (*mbox)->used) {
    (*mbox)->object.core().abort_waiters();
  }
}

int ward_lwip_mbox_pending(sys_mbox_t* mbox) {
  ward::kernel::KernelLock lock;
  return mbox != nullptr && *mbox != nullptr && (*mbox)->used && (*mbox)->object.size() != 0 ? 1 : 0;
}

void sys_mbox_post(sys_mbox_t* mbox, void* msg) {
  if (!(*mbox)->object.send(msg)) {
    ward::panic("lwip: mailbox post failed");
  }
}

err_t sys_mbox_trypost(sys_mbox_t* mbox, void* msg) { return (*mbox)->object.try_send(msg) ? ERR_OK : ERR_MEM; }

err_t sys_mbox_trypost_fromisr(sys_mbox_t* mbox, void* msg) { return sys_mbox_trypost(mbox, msg); }

// The fetch may be ended by an abort of the waiting thread (AbortableWait): lwIP keeps nothing of a
// fetch on the waiter's stack, and reads the early end as a timeout (netconn_recv, netconn_accept:
// ERR_TIMEOUT), so a user thread blocked in net_recv, net_recvfrom or net_accept without a timeout
// can be aborted; its sockets are then closed as for any stopped thread. (lwIP's own thread waits
// here too: nothing aborts it.)
u32_t sys_arch_mbox_fetch(sys_mbox_t* mbox, void** msg, u32_t timeout) {
  const ward::Instant start = ward::now();
  const ward::kernel::AbortableWait abortable;
  auto r = (*mbox)->object.receive(timeout_of(timeout));
  if (!r) {
    return SYS_ARCH_TIMEOUT;
  }
  if (msg != nullptr) *msg = *r;
  return waited_since(start);
}

u32_t sys_arch_mbox_tryfetch(sys_mbox_t* mbox, void** msg) {
  auto r = (*mbox)->object.try_receive();
  if (!r) {
    return SYS_MBOX_EMPTY;
  }
  if (msg != nullptr) *msg = *r;
  return 0;
}

sys_thread_t sys_thread_new(const char* name, lwip_thread_fn thread, void* arg, int stacksize, int prio) {
  if (stacksize > TCPIP_THREAD_STACKSIZE) {
    ward::panic("lwip: thread stack larger than the pool's");
  }
  auto* t = take(threads);
  if (t == nullptr) {
    ward::panic("lwip: no thread slot");  // lwIP has no failure path for sys_thread_new
  }
  t->entry = thread;
  t->arg = arg;
  if (!t->thread.start(t->stack.span(), &thread_entry, t, priority_of(prio), name)) {
    ward::panic("lwip: cannot start its thread");
  }
  return t;
}

void ward_lwip_assert(const char* message, const char* file, int line) { ward::panic(message, file, line); }

unsigned int ward_lwip_rand(void) { return ward::net::random32(); }

}  // extern "C"
