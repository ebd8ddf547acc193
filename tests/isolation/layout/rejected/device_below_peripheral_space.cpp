// expect-error: a device partition must lie inside the device space
#include "ward/kernel/memory_domain.hpp"

// Kernel RAM on mps2-an505: a user thread must not get it as a "device".
constexpr ward::Domain domain{ward::Partition::device(0x38000000, 0x1000, ward::Access::read_write)};
