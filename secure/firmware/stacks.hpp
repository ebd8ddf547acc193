// The secure image's stacks, and which non-secure thread's secure frames lie on which
// (docs/secure-world.md, "Secure stacks"). stacks.cpp says why there are several.
#pragma once
#include <cstddef>
#include <cstdint>

#include "ward/secure/identity.hpp"

namespace ward::secure::stacks {

// The service stack, where every call the gateway accepts runs; the secure image also boots on it
// (it is idle then): its top is the vector table's initial stack pointer.
// Measured (tests/secure's check_secure_stacks, tests/attest's token, ./ward bench-secure): 6,408
// bytes at most in the medium profile (6,192 before the crypto service's table of request shapes
// and the one Montgomery product, docs/secure-world.md "Profiles"), psa_fwu_install (the FWU service's frames, 2.7 KiB, and
// lib/p256's verify, 3.2 KiB with its two signed-window point tables); a PSA ECDSA verify through
// the P-256 driver takes about 5 KiB. At least 1 KiB of margin above the deepest call (the tests
// check it), in both profiles. The build holds it to its bound (docs/stack-bounds.md): 8,320 bytes
// in the medium profile (FWU install's refusal of a candidate -> commit_failed -> refresh ->
// verify, with lib/p256: 8,108, and a preempting frame with the secure FP state, S16-S31 included
// (FPCCR_S.TS), and its alignment padding: 212), so the medium stack is exactly that (its measured
// peak plus 1.9 KiB); the full profile's keeps the room its larger Mbed TLS paths had (bound 8,328).
#if defined(WARD_SPE_PROFILE_MEDIUM)
inline constexpr std::size_t kServiceSize = 8 * 1024 + 128;
#else
inline constexpr std::size_t kServiceSize = 8 * 1024 + 512;
#endif
extern std::byte service_stack[kServiceSize];

// Marks the service stack's unused part, below the caller's frame, for its high-water mark: first
// thing at reset, so that the boot's own use counts too.
void mark_service_stack_unused();

// What the secure side's stack registers hold when the non-secure world starts: handlers on their
// own stack (MSP_S), thread mode -- every entry from non-secure thread code -- on the first
// landing (PSP_S).
struct Registers {
  std::uint32_t handler_top, handler_limit;
  std::uint32_t thread_top, thread_limit;
};
// Marks the other stacks' unused part, for their high-water marks, and returns the registers.
Registers prepare_for_nonsecure();

// Runs `body(arg)` on the service stack, then returns to the landing the caller entered on. For the
// gateway, after it has accepted a call (one at a time).
std::int32_t on_service_stack(std::int32_t (*body)(void*), void* arg);

// Client states the non-secure kernel said are over (their threads ended), released before the
// next call is served.
void release_ended_clients();

// The housekeeping operations of ward_spe_control (gateway.h says what each does): 0, or -1 when
// refused. park, unpark and discard answer non-secure handlers only (the kernel's context switch);
// client_ended and stack_report privileged callers.
std::int32_t park(std::uint32_t thread);
std::int32_t unpark(std::uint32_t thread);
std::int32_t discard();
std::int32_t client_ended(std::uint32_t ns_thread);
std::int32_t stack_report(void* out);

}  // namespace ward::secure::stacks
