// expect-error: a Domain<N> lists exactly N partitions
#include "ward/kernel/memory_domain.hpp"

ward::PartitionMemory<64> memory;
constexpr ward::Domain<2> domain{ward::Partition::of(memory, ward::Access::read)};
