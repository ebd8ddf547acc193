// expect-error: a device partition cannot be executable
#include "ward/kernel/memory_domain.hpp"

constexpr ward::Domain domain{ward::Partition::device(0x40000000, 0x100, ward::Access::read_execute)};
