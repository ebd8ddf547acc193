/* The secure image's entry points (NSC veneers), as the non-secure Ward kernel calls them.
 *
 * These are the ONLY ways into the secure state. The secure side trusts nothing in the request:
 * it checks every pointer with the TT instruction (cmse_check_address_range: non-secure, the right
 * access, the whole range), copies the request and every input vector into secure memory before it
 * reads them, and copies results out only after the service has finished (the secure-call boundary,
 * ward/secure/boundary/call.hpp, with its TrustZone policy).
 *
 * The non-secure kernel, in thread mode, is the only caller: it runs one call at a time (a second
 * one from another thread waits on its transport's mutex) and says which of its threads is
 * calling; user threads reach this only through the `psa_call` system call. Other privileged
 * thread code asks through ward/secure/monitor.hpp, which takes the same mutex: a thread that
 * calls a veneer itself, and is preempted inside while another is parked, is stopped. ward_spe_call refuses
 * unprivileged threads (PSA_ERROR_NOT_PERMITTED) and interrupt handlers (PSA_ERROR_BAD_STATE);
 * ward_spe_last_fault answers handlers too. Plain C.
 *
 * Two veneers: ward_spe_call for the services, ward_spe_control for the kernel's housekeeping
 * (the functions below it, each an inline call of ward_spe_control with its operation). One entry
 * for the housekeeping rather than one each: every entry function ends with the register and FPU
 * clearing of a return to the non-secure state (about 100 bytes of code), and the operations
 * are small; each keeps its own rule for who may call it. */
#ifndef WARD_SECURE_GATEWAY_H
#define WARD_SECURE_GATEWAY_H

#include <stddef.h>

#include <psa/client.h>

#ifdef __cplusplus
extern "C" {
#endif

/* request.flags: the call comes from an unprivileged (user) thread; the secure side then also
 * checks every vector against the unprivileged view of the non-secure MPU. */
#define WARD_SPE_CALLER_UNPRIVILEGED (1u << 0)
/* request.flags bits 8-15: a call of the kernel (ns_thread WARD_SPE_KERNEL_THREAD, privileged) made
 * for user thread n (1 to WARD_SPE_USER_THREADS, as in ns_thread), e.g. by the worker of a TLS socket
 * that thread owns. What the call creates (volatile keys, multi-part operations) is the kernel's, in
 * its key namespace, but is counted against thread n's quota, not the kernel's: so a user thread
 * cannot spend the kernel's share through the kernel. 0: the caller's own. Refused with any other
 * ns_thread, with WARD_SPE_CALLER_UNPRIVILEGED, or out of range. */
#define WARD_SPE_ACCOUNT_SHIFT 8u
#define WARD_SPE_ACCOUNT_MASK (0xffu << WARD_SPE_ACCOUNT_SHIFT)

/* request.ns_thread: the non-secure kernel's number for the calling thread, and so the client
 * identity its keys, operations and storage entries belong to. User thread n is n + 1, and there are
 * at most WARD_SPE_USER_THREADS of them (the kernel's CONFIG_WARD_MAX_USER_THREADS is at most 32);
 * every privileged thread is WARD_SPE_KERNEL_THREAD. The secure side refuses any other number: a
 * user thread's state is released when it ends (ward_spe_client_ended), and a number no thread has
 * would never end, so what was created under it would stay until the next reboot. */
#define WARD_SPE_USER_THREADS 32u
#define WARD_SPE_KERNEL_THREAD 0x100u

typedef struct ward_spe_request {
  uint32_t service;         /* WARD_SERVICE_* */
  int32_t type;             /* the service's operation */
  uint32_t ns_thread;       /* the non-secure kernel's number for the calling thread (>= 1) */
  uint32_t flags;           /* WARD_SPE_CALLER_* */
  const psa_invec* in_vec;  /* in_len entries */
  uint32_t in_len;
  psa_outvec* out_vec; /* out_len entries; each len is updated to the bytes written */
  uint32_t out_len;
} ward_spe_request;

/* Runs one service call. */
psa_status_t ward_spe_call(ward_spe_request* request);

/* The kernel's housekeeping, one operation per call: `op` one of WARD_SPE_OP_*, `value` its number
 * argument (a thread), `out` its result block (0 when it takes none). An unknown operation answers
 * -1. Called through the functions below, which say what each does and who may call it. Of the
 * non-secure handlers, only the kernel's faults (HardFault, MemManage, BusFault, UsageFault),
 * PendSV and SysTick are answered; any other (an interrupt, SVCall) gets -1 for every operation
 * but ward_spe_client_ended. */
#define WARD_SPE_OP_LAST_FAULT 1u
#define WARD_SPE_OP_PARK 2u
#define WARD_SPE_OP_UNPARK 3u
#define WARD_SPE_OP_DISCARD 4u
#define WARD_SPE_OP_CLIENT_ENDED 5u
#define WARD_SPE_OP_STACK_REPORT 6u
int32_t ward_spe_control(uint32_t op, uint32_t value, void* out);

/* What the secure side saw when a non-secure thread raised an exception that targets the secure
 * state: it touched secure memory (a SecureFault) or a bad bus address (a BusFault), or one of its
 * own exceptions escalated to a HardFault (a BKPT with no debugger). Each is reported to the
 * non-secure kernel as a MemManage fault with no MemManage cause of its own. */
typedef struct ward_spe_fault {
  uint32_t exception; /* 7: SecureFault (secure memory), 5: BusFault (a bad bus address), 3: HardFault */
  uint32_t sfsr;    /* SecureFault status (0 for a BusFault or a HardFault) */
  uint32_t sfar;    /* the address: SFAR when SFSR.SFARVALID, else BFAR when BFARVALID, else 0 */
  uint32_t pc;      /* the faulting non-secure instruction; 0 when its frame could not be read */
  uint32_t count;   /* non-secure security violations since boot */
  uint32_t hfsr;    /* for a HardFault: HFSR (FORCED or DEBUGEVT, never VECTTBL); else 0 */
} ward_spe_fault;

/* Copies the last non-secure security violation into *out (0 = done, <0 = bad pointer or a caller
 * refused: an unprivileged thread, a handler other than those above). */
static inline int32_t ward_spe_last_fault(ward_spe_fault* out) {
  return ward_spe_control(WARD_SPE_OP_LAST_FAULT, 0, out);
}

/* Secure stacks (docs/secure-world.md, "Secure stacks"). A non-secure thread that calls a veneer
 * runs secure code on a secure stack, and leaves its secure state there when it is preempted. The
 * non-secure kernel's context switch -- PendSV, a handler: only the handlers answered above --
 * tells the secure side when it switches away from, or back to, a thread it finds inside the
 * secure image (EXC_RETURN.S), so that no two threads ever have frames on one secure stack:
 *   - ward_spe_park: the thread the switch leaves was inside a call the kernel made (a privileged
 *     thread): its secure stack pointer is kept, and later entries land on a fresh stack;
 *   - ward_spe_unpark: the switch returns to the parked thread (`thread` must match);
 *   - ward_spe_discard: the thread the switch leaves (or stops) had entered on its own (an
 *     unprivileged thread calling a veneer): what it left on its landing is thrown away.
 * Each returns 0, or -1 when refused (a second park, an unpark of another thread or onto a landing
 * in use, a discard of a call being served, a caller that is not one of those handlers). */
static inline int32_t ward_spe_park(uint32_t thread) { return ward_spe_control(WARD_SPE_OP_PARK, thread, NULL); }
static inline int32_t ward_spe_unpark(uint32_t thread) { return ward_spe_control(WARD_SPE_OP_UNPARK, thread, NULL); }
static inline int32_t ward_spe_discard(void) { return ward_spe_control(WARD_SPE_OP_DISCARD, 0, NULL); }

/* Non-secure user thread `ns_thread` (as in ward_spe_request: 1 to WARD_SPE_USER_THREADS) has
 * ended: its state on the secure side (multi-part operations, volatile keys, and so its key quota)
 * is released before the next call is served. Privileged callers only; 0, or -1 when refused. */
static inline int32_t ward_spe_client_ended(uint32_t ns_thread) {
  return ward_spe_control(WARD_SPE_OP_CLIENT_ENDED, ns_thread, NULL);
}

/* How much of each secure stack has ever been used (bytes), for the secure image's RAM budget. */
typedef struct ward_spe_stack_use {
  uint32_t size;
  uint32_t used;
} ward_spe_stack_use;
typedef struct ward_spe_stacks {
  ward_spe_stack_use handler; /* secure handlers, and veneers called by non-secure handlers */
  ward_spe_stack_use service; /* the calls the gateway serves (and the secure image's boot) */
  ward_spe_stack_use landing; /* the larger of the two landings */
  ward_spe_stack_use heap;    /* Mbed TLS's heap (its high-water mark, not a stack) */
} ward_spe_stacks;
/* Privileged callers only (threads: through ward::secure::stack_report); 0, or -1 when refused. */
static inline int32_t ward_spe_stack_report(ward_spe_stacks* out) {
  return ward_spe_control(WARD_SPE_OP_STACK_REPORT, 0, out);
}

#ifdef __cplusplus
}
#endif

#endif /* WARD_SECURE_GATEWAY_H */
