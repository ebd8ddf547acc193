// expect-error: two partitions of one domain overlap
#include "ward/kernel/memory_domain.hpp"

ward::PartitionMemory<64> memory;
// Forgetting `constexpr` does not skip the checks: the constructor is consteval.
ward::Domain<2> domain{ward::Partition::of(memory, ward::Access::read),
                       ward::Partition::of(memory, ward::Access::read)};
