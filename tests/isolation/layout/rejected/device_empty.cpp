// expect-error: a partition's base and size must be multiples of 32 bytes
#include "ward/kernel/memory_domain.hpp"

constexpr ward::Domain domain{ward::Partition::device(0x40000000, 0, ward::Access::read)};
