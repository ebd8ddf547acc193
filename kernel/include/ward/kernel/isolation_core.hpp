// The kernel's side of isolation, for ports: containing a user thread's fault, and the end of a
// user thread. (Applications use ward/isolation.hpp.)
#pragma once
#include "ward/kernel/fault_report.hpp"
#include "ward/kernel/thread.hpp"

extern "C" void ward_user_thread_return();

namespace ward::kernel {

struct Isolation {
  // Stops `t`, the running user thread, after a fault (or restarts it, by its policy), and
  // records and prints the report. Kernel lock held. From a handler on the target: the thread
  // never runs again in its old context. On the host the caller then exits the thread.
  static void contain(Thread& t, FaultReport report);
  // The running user thread's entry returned, or it called thread_exit.
  [[noreturn]] static void exit_current();
  static Status create_user(Thread& t, std::span<std::byte> stack, Thread::Entry entry, void* arg,
                            Priority priority, const char* name, const DomainView& domain, FaultPolicy policy);
  // Grants (or revokes) user thread `t` the secure service number `service` (ward::grant_secure_service).
  static Status set_secure_service(Thread& t, std::uint32_t service, bool granted);
};

}  // namespace ward::kernel
