// Fault reports: what the kernel records when it stops (or restarts) a user thread.
//
// A memory fault, usage fault, stack overflow, smashed canary, breakpoint, security-state fault or
// a system call that fails validation in a user thread is contained: that thread stops (or restarts, by its FaultPolicy),
// the report below is printed on the console and kept for a supervisor thread, and every other
// thread keeps running. The same report, for a fault in privileged code, precedes a kernel panic.
#pragma once
#include <cstdint>

#include "ward/kernel/error.hpp"
#include "ward/kernel/time.hpp"

namespace ward {
class Thread;

enum class FaultKind : std::uint8_t {
  memory_access = 1,  // MemManage: an access outside the thread's stack and domain, or executing data
  bus,                // BusFault
  usage,              // UsageFault: undefined instruction, invalid state, unaligned, divide by zero
  stack_overflow,     // the stack limit (PSPLIM) or the stack region's end was crossed
  stack_smashed,      // a stack canary was overwritten (-fstack-protector)
  bad_syscall,        // an unknown system call, or a system call made the wrong way
  bad_pointer,        // a system call argument named memory the thread may not use
  bad_handle,         // a system call argument named an object the thread may not use
  secure_access,      // the secure image refused an access (TrustZone: SecureFault, reported by it)
  secure_entry,       // the thread entered the secure image itself (only the kernel may call it)
  breakpoint,         // a BKPT (a breakpoint, or a semihosting call: those serve privileged code only)
  security_state,     // a SecureFault where the kernel runs secure: a branch to the non-secure state
                      // (BXNS, BLXNS) or another breach of the security-state rules
};

const char* to_string(FaultKind kind);

struct FaultReport {
  const Thread* thread = nullptr;
  const char* thread_name = "";
  FaultKind kind{};
  std::uint32_t pc = 0;          // where it happened (0 when the frame could not be stacked)
  std::uint32_t address = 0;     // the faulting data address, when address_valid
  bool address_valid = false;
  std::uint32_t status = 0;      // the port's fault status (Armv8-M: CFSR; HFSR for a breakpoint, SFSR for
                                 // security_state; 0 for software-detected kinds)
  std::int32_t syscall = -1;     // for bad_pointer / bad_handle / bad_syscall: the call number
  std::int8_t argument = -1;     // and the argument that failed validation
  std::uint8_t detail = 0;       // UserMemoryError or HandleError
  bool restarted = false;        // the thread's policy restarted it
};

namespace faults {
// Waits for the next fault report (for a supervisor thread).
Result<FaultReport> wait(Timeout timeout);
// Reports recorded since boot (including ones the log has since dropped).
std::uint32_t count();
// Prints a report on the console in the kernel's format.
void print(const FaultReport& report);
}  // namespace faults

}  // namespace ward
