// expect-error: two partitions of one domain overlap
#include "ward/kernel/memory_domain.hpp"

// Overlap is found whichever way round the two are listed, with others in between.
ward::PartitionMemory<64> memory;
constexpr ward::Domain domain{ward::Partition::device(0x40100100, 0x20, ward::Access::read_write),
                              ward::Partition::of(memory, ward::Access::read),
                              ward::Partition::device(0x40100000, 0x1000, ward::Access::read)};
