// expect-error: a domain has more partitions than the MPU has free regions
#include "ward/kernel/memory_domain.hpp"

ward::PartitionMemory<32> m[14];
constexpr ward::Domain domain{
    ward::Partition::of(m[0], ward::Access::read),  ward::Partition::of(m[1], ward::Access::read),
    ward::Partition::of(m[2], ward::Access::read),  ward::Partition::of(m[3], ward::Access::read),
    ward::Partition::of(m[4], ward::Access::read),  ward::Partition::of(m[5], ward::Access::read),
    ward::Partition::of(m[6], ward::Access::read),  ward::Partition::of(m[7], ward::Access::read),
    ward::Partition::of(m[8], ward::Access::read),  ward::Partition::of(m[9], ward::Access::read),
    ward::Partition::of(m[10], ward::Access::read), ward::Partition::of(m[11], ward::Access::read),
    ward::Partition::of(m[12], ward::Access::read), ward::Partition::of(m[13], ward::Access::read)};
