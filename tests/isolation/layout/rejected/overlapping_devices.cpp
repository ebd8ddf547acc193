// expect-error: two partitions of one domain overlap
#include "ward/kernel/memory_domain.hpp"

// The second starts in the middle of the first.
constexpr ward::Domain domain{ward::Partition::device(0x40100000, 0x1000, ward::Access::read_write),
                              ward::Partition::device(0x40100800, 0x1000, ward::Access::read)};
