// expect-error: a device partition must lie inside the device space
#include "ward/kernel/memory_domain.hpp"

// Starts inside, ends 32 bytes past 0x5fffffff.
constexpr ward::Domain domain{ward::Partition::device(0x5FFFFFE0, 0x40, ward::Access::read_write)};
