// Secure stacks, and the non-secure threads that run on them.
//
// A non-secure thread that calls a veneer runs secure code in secure thread mode, on the secure
// process stack (PSP_S), and an exception that preempts it there stacks its secure state on that
// stack. If a second thread then entered the secure image on the same stack and the first were
// resumed, the first's exception return would unstack the second's frame: it would go on with the
// second thread's secure code and return to it with its own privilege (issue 12, escape 1). So no
// two threads ever have frames on one secure stack:
//   - every entry from non-secure thread mode lands on the CURRENT LANDING, a small stack on which
//     no thread has frames;
//   - a call the gateway accepts moves from its landing onto the SERVICE STACK (one: the gateway
//     serves one call at a time) and back before it returns;
//   - when the non-secure kernel switches away from a thread it finds inside the secure image
//     (EXC_RETURN.S), it PARKS it: its secure stack pointer is kept, the other landing becomes
//     current; switching back, it UNPARKS it. A thread that had no business there -- an
//     unprivileged thread that called a veneer itself: the gateway refuses it, but it can be
//     preempted first -- is stopped instead, and what it left on the landing DISCARDED.
// At most one thread is parked (the kernel serialises its calls; a second park is refused, and the
// kernel stops that thread), so two landings suffice: the parked thread's and the current one.
// The non-secure kernel is not trusted with any of this: these veneers answer only non-secure
// handlers (its context switch), and refuse whatever would break the rules above -- a second
// park, an unpark of another thread or onto a landing that holds frames, a discard of a call that
// is being served.
//
// Secure handlers (faults, and veneers called by non-secure handlers) run on their own stack
// (MSP_S), where they nest as handlers do.
#include "stacks.hpp"
#include "trustzone.hpp"

#include <arm_cmse.h>

#include <atomic>
#include <bit>
#include <cstring>

#include "caller.hpp"
#include "ward/secure/crypto/service.hpp"
#include "ward/secure/crypto/spe_platform.hpp"
#include "ward/secure/gateway.h"
#include "ward/stack_bound.hpp"

namespace ward::secure::stacks {

alignas(8) [[gnu::section(".secure_stack")]] std::byte service_stack[kServiceSize];

namespace {

// Sizes: the deepest landing use (a veneer's frame and refusal, plus one preempting exception's
// frame with secure FPU state); ward_spe_stack_report measures them (./ward bench-secure). The
// handler stack holds a veneer called by a non-secure handler at each of the non-secure kernel's
// six priority levels, each preempted by the next (its frame with the secure state and S16-S31,
// FPCCR_S.TS, and its alignment padding: 212 bytes) -- at four of them only the refusal,
// gateway.cpp -- and a secure fault on top. The build holds each to its bound (stackbound.conf,
// docs/stack-bounds.md): the handler stack's is 1,464 bytes (a secure fault over a veneer stacks
// no additional state: 172), a landing's 248. The medium profile has each exactly; the full
// profile keeps the room it had (2,176 and 512). (1,680 and 324 before the housekeeping
// operations' frames were cut: the caller's mode read inline, stack_report writing its block in
// place and last_fault's check flattened, so no operation has a local copy or a canary; the
// deepest entry at the answered levels is now ward_spe_call's own, 36 bytes.)
#if defined(WARD_SPE_PROFILE_MEDIUM)
constexpr std::size_t kHandlerSize = 1464;
constexpr std::size_t kLandingSize = 248;
#else
constexpr std::size_t kHandlerSize = 2048 + 128;
constexpr std::size_t kLandingSize = 512;
#endif
alignas(8) [[gnu::section(".secure_stack")]] std::byte handler_stack[kHandlerSize];
alignas(8) [[gnu::section(".secure_stack")]] std::byte landings[2][kLandingSize];

// What runs on a landing (docs/stack-bounds.md): a veneer entered from non-secure thread mode, up
// to its refusal or to on_service_stack's own frame (the call it accepts runs on the service
// stack, declared in gateway.cpp). The handler stack (MSP_S) is the image's main stack: its
// nesting is in stackbound.conf.
WARD_STACK_BOUND_DIRECT(landings, ward_spe_call);
WARD_STACK_BOUND_DIRECT(landings, ward_spe_control);

// The landing thread-mode entries use now, and the one parked thread.
unsigned current = 0;
struct Parked {
  std::uint32_t thread = 0;  // the non-secure kernel's token for it
  std::uint32_t sp = 0;      // its PSP_S and PSPLIM_S
  std::uint32_t limit = 0;
  unsigned landing = 0;      // the landing its call entered on
  bool used = false;
};
Parked parked;

// Non-secure threads 1..32 whose state is to be released (bit n-1 for thread n).
std::atomic<std::uint32_t> ended{0};
static_assert(WARD_SPE_USER_THREADS <= 32, "one bit of `ended` per user thread");

constexpr std::byte kUnused{0x5a};

std::uint32_t address(const void* p) { return static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(p)); }
std::uint32_t base(unsigned landing) { return address(landings[landing]); }
std::uint32_t top(unsigned landing) { return base(landing) + kLandingSize; }

std::uint32_t thread_sp() {
  std::uint32_t v = 0;
  asm volatile("mrs %0, psp" : "=r"(v));
  return v;
}
std::uint32_t thread_limit() {
  std::uint32_t v = 0;
  asm volatile("mrs %0, psplim" : "=r"(v));
  return v;
}
// From a handler: the stack secure thread mode resumes or enters on. The limit is lifted while the
// pointer moves, so that neither order of the two can trip it.
void set_thread_stack(std::uint32_t sp, std::uint32_t limit) {
  asm volatile(
      "msr psplim, %2\n"
      "msr psp, %0\n"
      "msr psplim, %1\n" ::"r"(sp),
      "r"(limit), "r"(0u)
      : "memory");
}

void mark_unused(std::byte* from, std::byte* to) {
  for (auto* p = reinterpret_cast<volatile std::byte*>(from); p < reinterpret_cast<volatile std::byte*>(to); ++p) {
    *p = kUnused;
  }
}

// The bytes of a stack ever used: from its top down to the lowest byte that lost the paint.
std::uint32_t used_of(const std::byte* stack, std::size_t size) {
  std::size_t untouched = 0;
  while (untouched < size && stack[untouched] == kUnused) {
    ++untouched;
  }
  return static_cast<std::uint32_t>(size - untouched);
}

}  // namespace

void mark_service_stack_unused() {
  // The boot runs on it: below this frame, with room to spare.
  std::uint32_t sp = 0;
  asm volatile("mov %0, sp" : "=r"(sp));
  mark_unused(service_stack, reinterpret_cast<std::byte*>(static_cast<std::uintptr_t>(sp) - 256));
}

Registers prepare_for_nonsecure() {
  mark_unused(handler_stack, handler_stack + kHandlerSize);
  mark_unused(landings[0], landings[0] + 2 * kLandingSize);
  return {address(handler_stack) + kHandlerSize, address(handler_stack), top(0), base(0)};
}

void release_ended_clients() {
  for (std::uint32_t bits = ended.exchange(0); bits != 0; bits &= bits - 1) {
    crypto::release_client(nonsecure_client(static_cast<std::uint32_t>(std::countr_zero(bits)) + 1));
  }
}

// on_service_stack, in assembly: it moves its own stack pointer. The landing's PSP_S and PSPLIM_S
// wait in callee-saved registers (a switch that parks the thread meanwhile keeps them with it).
[[gnu::naked]] std::int32_t on_service_stack(std::int32_t (*)(void*), void*) {
  asm volatile(
      "push {r4, r5, r6, lr}\n"
      "mrs r4, psp\n"
      "mrs r5, psplim\n"
      "movs r6, #0\n"
      "msr psplim, r6\n"
      "movw r6, #:lower16:%c0\n"
      "movt r6, #:upper16:%c0\n"
      "add r6, r6, %1\n"
      "msr psp, r6\n"             // from here on, on the service stack
      "movw r6, #:lower16:%c0\n"
      "movt r6, #:upper16:%c0\n"
      "msr psplim, r6\n"
      "mov r6, r0\n"
      "mov r0, r1\n"
      "blx r6\n"
      "movs r6, #0\n"
      "msr psplim, r6\n"
      "msr psp, r4\n"             // back on the landing
      "msr psplim, r5\n"
      "pop {r4, r5, r6, pc}\n" ::"i"(service_stack),
      "i"(kServiceSize));
}


// The kernel's housekeeping operations (ward_spe_control, gateway.cpp, is their one entry). Each
// checks who called it.

std::int32_t park(std::uint32_t thread) {
  if (!caller_mode().handler || parked.used) {
    return -1;
  }
  parked = {thread, thread_sp(), thread_limit(), current, true};
  current ^= 1u;
  set_thread_stack(top(current), base(current));
  return 0;
}

std::int32_t unpark(std::uint32_t thread) {
  // The landing in use must hold nobody's frames: the thread the switch leaves was outside the
  // secure image, or was parked or discarded.
  if (!caller_mode().handler || !parked.used || parked.thread != thread || thread_sp() != top(current)) {
    return -1;
  }
  current = parked.landing;
  set_thread_stack(parked.sp, parked.limit);
  parked.used = false;
  return 0;
}

std::int32_t discard() {
  // Only frames on the current landing: a thread that reached the service stack is inside a call
  // being served, whose state is not to be thrown away.
  const std::uint32_t sp = thread_sp();
  if (!caller_mode().handler || sp < base(current) || sp > top(current)) {
    return -1;
  }
  set_thread_stack(top(current), base(current));
  return 0;
}

std::int32_t client_ended(std::uint32_t ns_thread) {
  if (caller_mode().unprivileged_thread || ns_thread == 0 || ns_thread > WARD_SPE_USER_THREADS) {
    return -1;  // privileged threads share one identity: theirs is never over
  }
  ended.fetch_or(1u << (ns_thread - 1), std::memory_order_relaxed);
  return 0;
}

std::int32_t stack_report(void* out) {
  if (caller_mode().unprivileged_thread) {
    return -1;
  }
  auto* p = static_cast<ward_spe_stacks*>(tz::nonsecure_memory(false).writable(out, sizeof(ward_spe_stacks)));
  if (p == nullptr) {
    return -1;
  }
  // Written into the caller's block field by field (it is the caller's output, checked writable
  // above, and holds nothing the caller may not see): no copy of the report on this frame, which
  // runs on a landing or the handler stack at two levels (stackbound.conf), each sized to its bound.
  const std::uint32_t a = used_of(landings[0], kLandingSize);
  const std::uint32_t b = used_of(landings[1], kLandingSize);
  p->handler = {kHandlerSize, used_of(handler_stack, kHandlerSize)};
  p->service = {kServiceSize, used_of(service_stack, kServiceSize)};
  p->landing = {kLandingSize, a > b ? a : b};
  p->heap = {crypto::kSpeHeapSize, static_cast<std::uint32_t>(crypto::heap_used())};
  return 0;
}

}  // namespace ward::secure::stacks
