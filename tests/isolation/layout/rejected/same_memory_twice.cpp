// expect-error: two partitions of one domain overlap
#include "ward/kernel/memory_domain.hpp"

ward::PartitionMemory<64> memory;
// Read-only and read-write at once: the MPU cannot have overlapping regions.
constexpr ward::Domain domain{ward::Partition::of(memory, ward::Access::read),
                              ward::Partition::of(memory, ward::Access::read_write)};
