// The veneers: the secure image's only entry points from the non-secure world (secure.ld puts
// their SG stubs in the one NSC window the SAU allows).
//
// ward_spe_call is a thin adapter over the secure-call boundary (ward/secure/boundary/call.hpp),
// the same code the host tests and the fuzz target run. What is particular to the veneer:
//   1. who may call: only the non-secure kernel in thread mode. An unprivileged thread is refused
//      (PSA_ERROR_NOT_PERMITTED): the SG fetch is checked by the secure MPU, the veneers being
//      secure memory, so the non-secure MPU cannot keep user threads away and the secure side must.
//      A handler is refused (PSA_ERROR_BAD_STATE): it is no thread, so no caller's identity or
//      memory is its to use;
//   2. one call at a time (PSA_ERROR_CONNECTION_BUSY): the non-secure kernel serialises calls;
//      this catches a kernel that does not (a second entry would share the buffers). The refusals
//      run on the caller's landing; an accepted call moves to the service stack (stacks.cpp);
//   3. the request block is checked with the TT instruction (non-secure, readable by the kernel,
//      the whole block) and copied; only the copy is read, and its flags and thread number must
//      make sense (a thread number is a user thread's, 1 to WARD_SPE_USER_THREADS, or the kernel's:
//      every client identity is one whose end the secure side hears of, or the kernel's own; and
//      so is the user thread a kernel's call may be counted against, WARD_SPE_ACCOUNT_MASK);
//   4. the boundary checks and copies the vectors with the TrustZone policy (with the thread's own
//      view of the non-secure MPU for a call made on behalf of a user thread), into the secure
//      buffers, and the service runs on the copies as the caller the secure side derives.
// Every refusal of a request says only PSA_ERROR_INVALID_ARGUMENT.
#include <atomic>
#include <cstring>

#include "caller.hpp"
#include "stacks.hpp"
#include "trustzone.hpp"
#include "ward/secure/boundary/call.hpp"
#include "ward/secure/boundary/trustzone_memory.hpp"
#include "ward/secure/call.h"
#include "ward/secure/dispatch.hpp"
#include "ward/secure/gateway.h"
#include "ward/secure/identity.hpp"
#include "ward/stack_bound.hpp"

namespace ward::secure {
extern ward_spe_fault last_ns_fault;  // startup.cpp

namespace {

// The secure copies of every call's inputs and the room its service writes into.
boundary::Buffers buffers;
std::atomic_flag busy = ATOMIC_FLAG_INIT;

static_assert(nonsecure_client(WARD_SPE_KERNEL_THREAD) == kNonsecureKernel, "identity.hpp names the kernel's client");

// The thread numbers the non-secure kernel gives (gateway.h).
constexpr bool is_ns_thread(std::uint32_t n) {
  return (n >= 1 && n <= WARD_SPE_USER_THREADS) || n == WARD_SPE_KERNEL_THREAD;
}

psa_status_t call(const ward_spe_request* ns_request) {
  // 3. The request block, as the kernel itself may read it.
  const void* block = boundary::approve_read(tz::nonsecure_memory(false), ns_request, sizeof *ns_request);
  if (block == nullptr) {
    return PSA_ERROR_INVALID_ARGUMENT;
  }
  ward_spe_request req;
  std::memcpy(&req, block, sizeof req);
  if ((req.flags & ~(WARD_SPE_CALLER_UNPRIVILEGED | WARD_SPE_ACCOUNT_MASK)) != 0 || !is_ns_thread(req.ns_thread)) {
    return PSA_ERROR_INVALID_ARGUMENT;
  }
  // The quota the call counts against: the caller's own, or, for the kernel's call made for one of
  // its user threads, that thread's (never a number no thread has, which would never be released).
  const std::uint32_t account = (req.flags & WARD_SPE_ACCOUNT_MASK) >> WARD_SPE_ACCOUNT_SHIFT;
  if (account != 0 && (req.ns_thread != WARD_SPE_KERNEL_THREAD || (req.flags & WARD_SPE_CALLER_UNPRIVILEGED) != 0 ||
                       account > WARD_SPE_USER_THREADS)) {
    return PSA_ERROR_INVALID_ARGUMENT;
  }
  // 4. The vector arrays as the kernel may use them (for a user thread's call they are the kernel's
  // copies, on that thread's kernel stack), the vectors as the calling thread may use them.
  const boundary::TrustZoneMemory caller_view = tz::nonsecure_memory((req.flags & WARD_SPE_CALLER_UNPRIVILEGED) != 0);
  const auto status = boundary::serve(
      {req.in_vec, req.in_len, req.out_vec, req.out_len}, tz::nonsecure_memory(false), caller_view, buffers,
      [&req, account](std::span<const std::span<const std::byte>> in, std::span<const std::span<std::byte>> out,
             std::span<std::size_t> written) {
        const ClientId caller = nonsecure_client(req.ns_thread);
        return dispatch(caller, account != 0 ? nonsecure_client(account) : caller, req.service, req.type, in, out,
                        written);
      });
  return status ? *status : PSA_ERROR_INVALID_ARGUMENT;
}

// The accepted call, on the service stack: first what ended threads left behind, then the call.
std::int32_t serve_on_service_stack(void* request) {
  stacks::release_ended_clients();
  return call(static_cast<const ward_spe_request*>(request));
}

}  // namespace

// What runs on the service stack (docs/stack-bounds.md): every accepted call, from the top (the
// landing's frames stay on the landing: on_service_stack moves PSP_S first). The boot runs there
// too, before any call (startup.cpp declares it).
WARD_STACK_BOUND_DIRECT(stacks::service_stack, serve_on_service_stack);
}  // namespace ward::secure

extern "C" __attribute__((cmse_nonsecure_entry)) psa_status_t ward_spe_call(ward_spe_request* request) {
  using namespace ward::secure;
  const CallerMode mode = caller_mode();
  if (mode.unprivileged_thread) {
    return PSA_ERROR_NOT_PERMITTED;
  }
  if (mode.handler) {
    return PSA_ERROR_BAD_STATE;
  }
  if (busy.test_and_set(std::memory_order_acquire)) {
    return PSA_ERROR_CONNECTION_BUSY;
  }
  // Until here the call ran on its landing; from here on, on the service stack (stacks.cpp).
  const psa_status_t status = stacks::on_service_stack(&serve_on_service_stack, request);
  busy.clear(std::memory_order_release);
  return status;
}

namespace ward::secure {
namespace {
// Handlers may ask (the non-secure fault handler does); unprivileged threads may not. Out of line:
// its frame is not the entry's, whose refusal of a handler runs without it (stackbound.conf).
// Flattened, as stack_report's check is (stacks.cpp): the policy's check inlined with its windows
// as constants, so no policy object on this frame (nor the canary an address-taken local brings);
// it runs at two levels of the handler stack and on the landings, each sized to its bound.
[[gnu::noinline, gnu::flatten]] std::int32_t last_fault(void* out) {
  if (caller_mode().unprivileged_thread) {
    return -1;
  }
  auto* p = static_cast<ward_spe_fault*>(tz::nonsecure_memory(false).writable(out, sizeof(ward_spe_fault)));
  if (p == nullptr) {
    return -1;
  }
  *p = last_ns_fault;
  return 0;
}

// The non-secure handlers ward_spe_control answers, bit n for exception n: the kernel's faults
// (HardFault 3, MemManage 4, BusFault 5, UsageFault 6), which read the last fault, and its lowest
// level, PendSV 14 (the context switch parks, unparks and discards) and SysTick 15 (the same level:
// timer callbacks). Any other handler -- an interrupt, SVCall -- is refused before any operation
// runs but client_ended (below), so that at the levels between, the handler stack (MSP_S) holds
// only the refusal or that small operation (stackbound.conf: `level ... refused`,
// `refused-call`). Thread mode (IPSR 0) goes on to the operations, each with its own rule.
constexpr std::uint32_t kAnsweredHandlers = (0xfu << 3) | (3u << 14);

bool refuses_handler() {
  std::uint32_t ipsr = 0;
  asm volatile("mrs %0, ipsr" : "=r"(ipsr));
  ipsr &= 0x1ffu;
  return ipsr != 0 && (ipsr > 31 || ((kAnsweredHandlers >> ipsr) & 1u) == 0);
}

}  // namespace
}  // namespace ward::secure

// The kernel's housekeeping: one entry, each operation with its own rule for who may call it, and
// only the handlers above.
extern "C" __attribute__((cmse_nonsecure_entry)) int32_t ward_spe_control(uint32_t op, uint32_t value, void* out) {
  using namespace ward::secure;
  // A thread's end is told wherever the kernel stops it, SVCall's refusal of a bad system call
  // included: client_ended answers every privileged caller, handlers too (stacks.cpp).
  if (op != WARD_SPE_OP_CLIENT_ENDED && refuses_handler()) {
    return -1;  // before any other operation: all that runs on MSP_S for these handlers
  }
  switch (op) {
    case WARD_SPE_OP_LAST_FAULT: return last_fault(out);
    case WARD_SPE_OP_PARK: return stacks::park(value);
    case WARD_SPE_OP_UNPARK: return stacks::unpark(value);
    case WARD_SPE_OP_DISCARD: return stacks::discard();
    case WARD_SPE_OP_CLIENT_ENDED: return stacks::client_ended(value);
    case WARD_SPE_OP_STACK_REPORT: return stacks::stack_report(out);
    default: return -1;
  }
}
