// The boundary's policy where the caller's memory needs no check beyond the component's own (no
// null base with a length, no range that wraps around): the caller and the callee share one
// address space and one level of trust.
//   - the host transport (secure/host/src/transport.cpp) and the host tests' transports;
//   - the non-secure kernel, for privileged threads: they are the kernel, and the veneer checks
//     their vectors again with the TT instruction.
#pragma once
#include <cstddef>

namespace ward::secure::boundary {

struct TrustedMemory {
  const void* readable(const void* p, std::size_t) const { return p; }
  void* writable(void* p, std::size_t) const { return p; }
};

}  // namespace ward::secure::boundary
