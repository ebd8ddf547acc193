// Who called a veneer. A veneer runs in its caller's mode: IPSR says whether a non-secure handler
// called, CONTROL_NS.nPRIV whether non-secure thread code was unprivileged.
#pragma once
#include <cstdint>

namespace ward::secure {

struct CallerMode {
  bool handler;              // a non-secure handler (the kernel's exception code)
  bool unprivileged_thread;  // a user thread
};

// Always inlined: the veneers' refusals of handlers and unprivileged threads then need no call and
// no spilled CallerMode, so the frame they leave on the handler stack at each refused level is the
// entry's own (stackbound.conf, `level ... refused`).
[[gnu::always_inline]] inline CallerMode caller_mode() {
  std::uint32_t control_ns = 0;
  std::uint32_t ipsr = 0;
  asm volatile("mrs %0, control_ns" : "=r"(control_ns));
  asm volatile("mrs %0, ipsr" : "=r"(ipsr));
  const bool handler = (ipsr & 0x1ffu) != 0;
  return {handler, !handler && (control_ns & 1u) != 0};
}

}  // namespace ward::secure
