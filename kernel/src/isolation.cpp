// User threads, the kernel object table and fault containment (portable; the port supplies the
// trap into the kernel and the memory protection itself).
#include "ward/autoconf.h"
#include <cstring>

#include "ward/board.hpp"
#include "ward/isolation.hpp"
#include "ward/kernel/isolation_core.hpp"
#include "ward/kernel/lock.hpp"
#include "ward/kernel/scheduler.hpp"
#include "ward/kernel/semaphore.hpp"
#include "ward/print.hpp"

// Compiled only with CONFIG_WARD_USERSPACE: without it, nothing here is part of the kernel.
#if defined(CONFIG_WARD_USERSPACE)

namespace ward {

const char* to_string(FaultKind kind) {
  switch (kind) {
    case FaultKind::memory_access: return "memory access violation";
    case FaultKind::bus: return "bus fault";
    case FaultKind::secure_access: return "secure memory access";
    case FaultKind::secure_entry: return "entered the secure image";
    case FaultKind::usage: return "usage fault";
    case FaultKind::stack_overflow: return "stack overflow";
    case FaultKind::stack_smashed: return "stack canary smashed";
    case FaultKind::bad_syscall: return "bad system call";
    case FaultKind::bad_pointer: return "system call with a bad pointer";
    case FaultKind::bad_handle: return "system call with a bad handle";
    case FaultKind::breakpoint: return "breakpoint";
    case FaultKind::security_state: return "security state violation";
  }
  return "unknown fault";
}

namespace kernel {
namespace {

constinit ObjectTable object_table;

// Fault reports for the supervisor: a ring of the newest, and a count of all.
struct FaultLog {
  std::array<FaultReport, config::fault_log_size> ring{};
  std::size_t head = 0;   // oldest unread
  std::size_t unread = 0;
  std::uint32_t total = 0;
  Semaphore ready{0, 0xFFFFFFFF};
};
constinit FaultLog fault_log;

std::uint32_t used_user_ids = 0;

std::uintptr_t address_of(const void* p) { return reinterpret_cast<std::uintptr_t>(p); }

}  // namespace

ObjectTable& objects() { return object_table; }

ObjectTable::Entry* ObjectTable::find(const void* object) {
  for (auto& e : entries_) {
    if (e.object == object) {
      return &e;
    }
  }
  return nullptr;
}

Status ObjectTable::add(const void* object, ObjectType type) {
  KernelLock lock;
  if (object == nullptr) {
    return fail(Error::invalid_argument);
  }
  if (find(object) != nullptr) {
    return fail(Error::invalid_state);  // already registered
  }
  Entry* free = find(nullptr);
  if (free == nullptr) {
    return fail(Error::overflow);  // CONFIG_WARD_MAX_KERNEL_OBJECTS is too small
  }
  // The object last: lock-free readers (lookup) must never see it with stale type or grants.
  free->type = static_cast<std::uint32_t>(type);
  free->grants = 0;
  free->object = object;
  return {};
}

Status ObjectTable::withdraw(const void* object) {
  KernelLock lock;
  Entry* e = object != nullptr ? find(object) : nullptr;
  if (e == nullptr) {
    return fail(Error::invalid_argument);
  }
  e->object = nullptr;  // first: from here on, lookups miss it
  e->grants = 0;
  e->type = 0;
  return {};
}

Status ObjectTable::grant(const void* object, unsigned user_id) {
  KernelLock lock;
  Entry* e = object != nullptr ? find(object) : nullptr;
  if (e == nullptr || user_id >= 32) {
    return fail(Error::invalid_argument);
  }
  e->grants = e->grants | (1u << user_id);
  return {};
}

Status ObjectTable::revoke(const void* object, unsigned user_id) {
  KernelLock lock;
  Entry* e = object != nullptr ? find(object) : nullptr;
  if (e == nullptr || user_id >= 32) {
    return fail(Error::invalid_argument);
  }
  e->grants = e->grants & ~(1u << user_id);
  return {};
}

UserMemoryMap Caller::memory() const {
  // The live part of the caller's own stack (above its stack pointer at the call: below lies only
  // stack it has given up; never its kernel stack, where the call itself runs), its domain, and for
  // reading, the image.
  const auto stack = thread.user_stack();
  auto base = address_of(stack.data());
  const auto top = base + stack.size();
  const auto floor = arch::user_stack_floor(thread.context());
  if (floor > base && floor <= top) {
    base = floor;
  }
  const auto image = arch::user_readable_image();
  return UserMemoryMap{base, top - base, *thread.domain(), image.base, image.size};
}

void reject(std::uint32_t call, std::uint32_t argument, FaultKind kind, std::uint32_t detail) {
  arch::syscall_rejected(call, argument, static_cast<std::uint32_t>(kind), detail);
}

Status Isolation::create_user(Thread& t, std::span<std::byte> stack, Thread::Entry entry, void* arg,
                              Priority priority, const char* name, const DomainView& domain, FaultPolicy policy) {
  if constexpr (!config::userspace) {
    return fail(Error::invalid_state);
  }
  // The stack is an MPU region of its own: the MPU's granularity. It holds the thread's kernel stack
  // (where the port keeps one there) and at least 256 bytes of its own (UserThreadStack<N>).
  if (address_of(stack.data()) % mpu_rules::kGranule != 0 || stack.size() % mpu_rules::kGranule != 0 ||
      stack.size() < arch::kKernelStackReserve + 256) {
    return fail(Error::invalid_argument);
  }
  {
    KernelLock lock;
    if ((t.state_ != ThreadState::inactive && t.state_ != ThreadState::dead) || t.end_pending_) {
      // Before anything changes: a live thread stays as it is, and a stopped one until what it
      // left (its sockets) is released.
      return fail(Error::invalid_state);
    }
    if (t.grant_bit_ == 0) {
      unsigned id = 0;
      while (id < config::max_user_threads && (used_user_ids & (1u << id)) != 0) {
        ++id;
      }
      if (id >= config::max_user_threads) {
        return fail(Error::overflow);
      }
      used_user_ids |= 1u << id;
      t.grant_bit_ = 1u << id;
    }
    t.fault_policy_ = policy;
  }
  return t.prepare(stack, entry, arg, priority, name, &domain);
}

Status Isolation::set_secure_service(Thread& t, std::uint32_t service, bool granted) {
  if (!t.is_user() || service >= 32) {
    return fail(Error::invalid_argument);
  }
  KernelLock lock;
  const std::uint32_t bit = 1u << service;
  t.secure_services_ = granted ? (t.secure_services_ | bit) : (t.secure_services_ & ~bit);
  return {};
}

void Isolation::contain(Thread& t, FaultReport report) {
  report.thread = &t;
  report.thread_name = t.name();
  ++t.faults_;
  const bool running = &t == scheduler().current();
  scheduler().halt(t);
  if (running) {
    // Its registers must never be saved over the context it gets next (a restart).
    arch::forget_running_thread();
  } else {
    arch::thread_aborted(t.context());
  }
  // A restarted thread has not ended: whoever joins it waits on. Otherwise it has, and they return.
  report.restarted = t.fault_policy_ == FaultPolicy::restart && t.restart().has_value();
  if (report.restarted) {
    scheduler().make_ready(t);
  } else {
    scheduler().release_joiners(t);
  }
  faults::print(report);
  fault_log.ring[(fault_log.head + fault_log.unread) % fault_log.ring.size()] = report;
  if (fault_log.unread < fault_log.ring.size()) {
    ++fault_log.unread;
  } else {
    fault_log.head = (fault_log.head + 1) % fault_log.ring.size();  // the oldest is dropped
  }
  ++fault_log.total;
  (void)fault_log.ready.give();
}

void Isolation::exit_current() {
  KernelLock lock;
  scheduler().finish(*scheduler().current());
  arch::exit_current_thread();
}

}  // namespace kernel

namespace faults {

Result<FaultReport> wait(Timeout timeout) {
  if (auto s = kernel::fault_log.ready.take(timeout); !s) {
    return fail(s.error());
  }
  kernel::KernelLock lock;
  auto& log = kernel::fault_log;
  if (log.unread == 0) {
    return fail(Error::would_block);  // dropped while the log was full
  }
  FaultReport r = log.ring[log.head];
  log.head = (log.head + 1) % log.ring.size();
  --log.unread;
  return r;
}

std::uint32_t count() {
  kernel::KernelLock lock;
  return kernel::fault_log.total;
}

void print(const FaultReport& r) {
  ward::print("*** USER FAULT: thread '", r.thread_name, "': ", to_string(r.kind));
  if (r.syscall >= 0) {
    ward::print(" (call ", r.syscall, ", argument ", int{r.argument}, ", reason ", int{r.detail}, ')');
  }
  ward::print("\n    PC=", fmt::hex(r.pc), " status=", fmt::hex(r.status));
  if (r.address_valid) {
    ward::print(" ADDRESS=", fmt::hex(r.address));
  }
  ward::print(r.restarted ? "; thread restarted\n" : "; thread stopped\n");
}

}  // namespace faults
}  // namespace ward

extern "C" void ward_user_thread_return() { ward::sys::thread_exit(); }

#endif  // CONFIG_WARD_USERSPACE
